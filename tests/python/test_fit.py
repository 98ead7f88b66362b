"""magsim.fit / FitResult / magsim.open_fit: a MAP fit from Python, on data simulated here.

The data: the citrate arm shortened to 2 days, run with renal.tal_tm_per_gfr raised from its
typical 0.48 to 0.56 mmol/L (the renal threshold: serum Mg rises with it), sampled at 12, 24 and
36 h. Fitted back from the typical value, the estimate must move towards the truth."""

import math
import shutil
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.figure  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

import magsim  # noqa: E402
from gil_probe import ticks_during  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CITRATE = ROOT / "scenarios" / "citrate_vs_oxide_citrate.yaml"
PARAM = "renal.tal_tm_per_gfr"
TYPICAL, TRUTH = 0.48, 0.56  # mmol/L
TIMES_H = [12.0, 24.0, 36.0]

pytestmark = pytest.mark.filterwarnings("ignore:numpy.ndarray size changed:RuntimeWarning")


def short_scenario():
    return magsim.Scenario.load(CITRATE).set("duration", "2 d").set("name", "patient-1")


def serum_at(result, times_h):
    return [float(np.interp(t, result.time, result["serum_mg_total"])) for t in times_h]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The scenario file (typical parameters) and the observations simulated with the truth."""
    folder = tmp_path_factory.mktemp("fit")
    scenario = short_scenario()
    (folder / "patient.yaml").write_text(scenario.to_yaml())
    truth = magsim.run(scenario.copy().set(f"parameters.{PARAM}", f"{TRUTH} mmol/L"))
    typical = magsim.run(scenario)
    return folder, serum_at(truth, TIMES_H), serum_at(typical, TIMES_H)


def fit_dict(folder, observed, **extra):
    d = {
        "name": "patient-1 threshold",
        "scenario": str(folder / "patient.yaml"),
        "observations": [{"series": "serum_mg_total", "at": f"{t:g} h", "value": f"{v!r} mmol/L"}
                         for t, v in zip(TIMES_H, observed)],
        "method": "map",
        "estimate": {PARAM: {"prior": "none"}},
        "error": {"serum_mg_total": {"model": "proportional", "proportional": 0.02}},
    }
    d.update(extra)
    return d


@pytest.fixture(scope="module")
def fitted(data):
    folder, observed, _ = data
    lines = []
    result = magsim.fit(fit_dict(folder, observed), progress=lines.append)
    return result, lines


def test_the_data_differ_from_the_typical_model(data):
    _, observed, typical = data
    assert min(abs(o - t) for o, t in zip(observed, typical)) > 0.01  # mmol/L: worth fitting


def test_the_estimate_moves_towards_the_truth(fitted):
    result, lines = fitted
    estimate = result.estimates.loc[PARAM, "estimate"]
    assert abs(estimate - TRUTH) < 0.5 * abs(TYPICAL - TRUTH), result.estimates
    assert result.converged, result.message
    assert math.isfinite(result.ofv)
    assert len(lines) == 1 and "converged" in lines[0]  # the progress callback got the fit's line


def test_estimates_have_units_and_the_documented_columns(fitted):
    result, _ = fitted
    e = result.estimates
    assert list(e.columns) == ["estimate", "unit", "se", "rse_percent", "ci_lower", "ci_upper",
                               "profile_lower", "profile_upper", "identifiable", "at_bound",
                               "transform", "prior_median", "prior_cv"]
    assert e.index.name == "name"
    assert e.loc[PARAM, "unit"] == "mmol/L"
    assert e.loc[PARAM, "transform"] == "log"
    assert e.loc[PARAM, "ci_lower"] < e.loc[PARAM, "estimate"] < e.loc[PARAM, "ci_upper"]
    assert pd.isna(e.loc[PARAM, "identifiable"])  # not profiled
    assert math.isnan(e.loc[PARAM, "profile_lower"])
    assert e.loc[PARAM, "prior_cv"] == 0  # prior: none
    assert list(result.correlation.index) == [PARAM]


def test_predictions_are_one_row_per_observation(fitted, data):
    result, _ = fitted
    _, observed, _ = data
    p = result.predictions
    assert list(p.columns) == ["subject", "series", "unit", "time_h", "start_h", "observed",
                               "predicted", "censored", "sd", "weighted_residual"]
    assert list(p["time_h"]) == TIMES_H
    assert set(p["unit"]) == {"mmol/L"} and set(p["subject"]) == {"patient-1"}
    np.testing.assert_allclose(p["observed"], observed, rtol=1e-12)
    np.testing.assert_allclose(p["predicted"], observed, rtol=0.02)
    assert not p["censored"].any()
    assert p["start_h"].isna().all()


def test_predict_runs_the_forecast_scenario(fitted):
    result, _ = fitted
    text = result.scenario().to_yaml()
    assert PARAM in text
    forecast = result.predict()
    assert isinstance(forecast, magsim.Result)
    np.testing.assert_allclose(serum_at(forecast, TIMES_H), result.predictions["predicted"],
                               rtol=1e-6)
    # another scenario with the estimates applied as overrides: a longer run of the same patient
    longer = result.predict(short_scenario().set("duration", "3 d"))
    assert longer.duration_h == 72
    np.testing.assert_allclose(serum_at(longer, TIMES_H), result.predictions["predicted"],
                               rtol=1e-6)


def test_plot_draws_the_individual_fits(fitted):
    result, _ = fitted
    fig = result.plot()
    assert isinstance(fig, matplotlib.figure.Figure)
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Total serum Mg (mmol/L)" and ax.get_xlabel() == "Time (h)"
    plt.close(fig)


def test_save_and_open_fit_round_trip(fitted, tmp_path):
    result, _ = fitted
    path = result.save(tmp_path / "fit.h5")
    back = magsim.open_fit(path)
    pd.testing.assert_frame_equal(back.estimates, result.estimates)
    pd.testing.assert_frame_equal(back.predictions, result.predictions)
    assert back.ofv == result.ofv and back.converged == result.converged
    assert back.path == str(path) and back.method == "map"
    # the forecast scenarios written beside the file come back with it
    assert back.has_scenarios()
    assert back.scenario().to_yaml() == result.scenario().to_yaml()


def test_open_fit_without_its_scenarios_says_so(fitted, tmp_path):
    result, _ = fitted
    result.save(tmp_path / "fit.h5")
    shutil.copyfile(tmp_path / "fit.h5", tmp_path / "alone.h5")
    back = magsim.open_fit(tmp_path / "alone.h5")
    assert not back.has_scenarios()
    with pytest.raises(ValueError, match="forecast scenarios"):
        back.predict()


def test_open_fit_of_a_bad_file(tmp_path):
    bad = tmp_path / "bad.h5"
    bad.write_text("not HDF5")
    with pytest.raises(OSError, match="not an HDF5 file"):
        magsim.open_fit(bad)
    with pytest.raises(FileNotFoundError):
        magsim.open_fit(tmp_path / "missing.h5")


def test_profile_gives_an_interval_around_the_estimate(data):
    folder, observed, _ = data
    result = magsim.fit(fit_dict(folder, observed), profile=[PARAM])
    row = result.estimates.loc[PARAM]
    assert row["profile_lower"] < row["estimate"] < row["profile_upper"], row
    assert bool(row["identifiable"])


def test_a_bad_fit_file_is_a_scenario_error(data):
    folder, observed, _ = data
    d = fit_dict(folder, observed)
    d["estimate"] = {"renal.no_such_parameter": {}}
    with pytest.raises(magsim.ScenarioError) as e:
        magsim.fit(d)
    assert e.value.file == "<dict>" and e.value.line > 0
    with pytest.raises(magsim.ScenarioError):
        magsim.fit(folder / "missing.fit.yaml")


def test_an_exception_in_progress_stops_the_fit_and_is_raised(data):
    folder, observed, _ = data

    def fail(line):
        raise ZeroDivisionError("from the callback")

    with pytest.raises(ZeroDivisionError, match="from the callback"):
        magsim.fit(fit_dict(folder, observed), progress=fail)


def test_the_gil_is_released_while_fitting(data):
    """Another Python thread keeps running while a fit runs (4 starts, to last a while)."""
    folder, observed, _ = data
    ticks, elapsed = ticks_during(lambda: magsim.fit(fit_dict(folder, observed), multistart=4))
    assert elapsed > 0.05
    assert ticks >= 10  # about one a millisecond while released; at most one if held


def test_bad_arguments(data):
    folder, observed, _ = data
    with pytest.raises(ValueError, match="threads"):
        magsim.fit(fit_dict(folder, observed), threads=0)
    with pytest.raises(ValueError, match="multistart"):
        magsim.fit(fit_dict(folder, observed), multistart=0)
    with pytest.raises(TypeError):
        magsim.fit(42)


def test_progress_true_draws_a_bar_of_the_estimation_and_the_profiles(data, capsys):
    folder, observed, _ = data
    result = magsim.fit(fit_dict(folder, observed), progress=True, profile=True)
    err = capsys.readouterr().err
    assert "magsim.fit" in err and "2/2" in err  # one estimation, one profile
    assert f"profile of {PARAM}: 95 % CI" in err  # the last step's line beside the bar
    assert result.converged
    magsim.fit(fit_dict(folder, observed))  # auto: no terminal under pytest, so no bar
    assert capsys.readouterr().err == ""

"""tools/plot_fit.py: the goodness-of-fit figures of a fit file (layout: engine/io/fit_file.hpp).

The fit files are written here with h5py in the documented layout (a MAP fit of two subjects with
point, interval and censored observations, and profiles), so the script is checked against the
contract, not against one writer."""

import math
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "plot_fit.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NAN = math.nan


def table(group, name, columns, units):
    """A table: a group of 1-D datasets, text columns fixed-length, numeric ones with a unit."""
    g = group.create_group(name)
    for column, values in columns.items():
        if values and isinstance(values[0], str):
            g[column] = np.array([v.encode() for v in values], dtype="S")
        else:
            g[column] = np.asarray(values)
            g[column].attrs["units"] = units.get(column, "1")
    return g


def write_estimation(estimations, index, subject, shift, profiles):
    e = estimations.create_group(str(index))
    e.attrs.update(subjects=subject, ofv=-3.5 + index, prior_ofv=0.4, converged=1, message="ok",
                   iterations=6, evaluations=9, simulations=27, projected_gradient=1e-7,
                   wall_seconds=0.2, best_start=0)
    names = ["gut.absorption_scale", "renal.tal_tm_per_gfr"]
    table(e, "estimates", {
        "name": names, "unit": ["1", "mmol/L"], "transform": ["log", "log"],
        "estimate": [1.3 + shift, 0.5], "se": [0.2, NAN], "rse_percent": [15.0, NAN],
        "ci_lower": [0.95, NAN], "ci_upper": [1.8, NAN],
        "profile_lower": [1.0, NAN], "profile_upper": [1.7, NAN], "identifiable": [1, 0],
        "at_bound": [0, 0], "initial": [1.0, 0.5], "lower": [0.1, 0.3], "upper": [10.0, 0.7],
        "prior_median": [NAN, 0.5], "prior_cv": [0.3, 0.2],
    }, {"rse_percent": "%"})
    corr = e.create_dataset("correlation", data=np.array([[1.0, 0.2], [0.2, 1.0]]))
    corr.attrs["names"] = names
    cov = e.create_dataset("covariance_phi", data=np.array([[0.02, 0.001], [0.001, NAN]]))
    cov.attrs["names"] = names
    e["starts_ofv"] = np.array([-3.5])
    # serum at 1, 2 and 3 days (the last below the LLOQ), a 24-h urine over day 2
    table(e, "predictions", {
        "subject": [subject] * 4,
        "series": ["serum_mg_total", "serum_mg_total", "serum_mg_total", "cum_urine"],
        "unit": ["mmol/L", "mmol/L", "mmol/L", "mmol"],
        "time_h": [24.0, 48.0, 72.0, 48.0], "start_h": [NAN, NAN, NAN, 24.0],
        "observed": [0.80 + shift, 0.83, 0.30, 3.1], "predicted": [0.81, 0.82, 0.84, 2.9],
        "censored": [0, 0, 1, 0], "sd": [0.04, 0.04, 0.04, 0.6],
        "weighted_residual": [-0.25, 0.25, 0.0, 0.33], "ofv": [1.0, 1.0, 0.01, 2.0],
        "where": ["fit.yaml:5:5", "fit.yaml:6:5", "fit.yaml:7:5", "fit.yaml:8:5"],
    }, {"time_h": "h", "start_h": "h", "observed": "per row: see column 'unit'",
        "predicted": "per row: see column 'unit'", "sd": "per row: see column 'unit'"})
    p = e.create_group("profiles")
    if profiles:
        g = table(p, "gut.absorption_scale", {
            "value": [0.9, 1.0, 1.3, 1.7, 2.1], "delta_ofv": [6.0, 3.84, 0.0, 3.84, 5.5],
            "converged": [1, 1, 1, 1, 0]}, {"value": "1"})
        g.attrs.update(lower=1.0, upper=1.7, identifiable=1, note="", units="1")
        g = table(p, "renal.tal_tm_per_gfr", {
            "value": [0.3, 0.4, 0.5, 0.6, 0.7], "delta_ofv": [0.5, 0.1, 0.0, 0.2, 0.4],
            "converged": [1, 1, 1, 1, 1]}, {"value": "mmol/L"})
        g.attrs.update(lower=NAN, upper=NAN, identifiable=0,
                       note="flat: delta OFV below 3.84 up to both bounds", unit="mmol/L")


def write_fit(path, profiles=True):
    with h5py.File(path, "w") as f:
        f.attrs.update(magsim_version="0.1.0", git_revision="test", model="magnesium",
                       model_version="1", created="2024-01-01T00:00:00Z", method="map",
                       fit_file="name: two patients\n", name="two patients")
        table(f, "subjects", {"id": ["A", "B"], "observations": [4, 4]}, {})
        estimations = f.create_group("estimations")
        write_estimation(estimations, 0, "A", 0.0, profiles)
        write_estimation(estimations, 1, "B", 0.05, profiles)
    return path


def plot(fit_path, outdir):
    return subprocess.run([sys.executable, str(SCRIPT), str(fit_path), str(outdir)],
                          capture_output=True, text=True, env=dict(os.environ, MPLBACKEND="Agg"))


def assert_png(path):
    assert path.is_file(), f"{path} was not written"
    data = path.read_bytes()
    assert len(data) > 1000, f"{path} is only {len(data)} bytes"
    assert data.startswith(PNG_SIGNATURE), f"{path} is not a PNG"


def test_every_figure_is_drawn_from_a_fit_with_profiles(tmp_path):
    fit = write_fit(tmp_path / "fit.h5")
    done = plot(fit, tmp_path / "figures")
    assert done.returncode == 0, done.stderr
    for name in ("obs_vs_pred", "residuals_vs_time", "individual_fits", "profiles"):
        assert_png(tmp_path / "figures" / f"{name}.png")
    # the script lists what it wrote, one path a line
    assert sorted(Path(line).name for line in done.stdout.split()) == sorted(
        ["obs_vs_pred.png", "residuals_vs_time.png", "individual_fits.png", "profiles.png"])


def test_without_profiles_there_is_no_profile_figure(tmp_path):
    fit = write_fit(tmp_path / "fit.h5", profiles=False)
    done = plot(fit, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    for name in ("obs_vs_pred", "residuals_vs_time", "individual_fits"):
        assert_png(tmp_path / "out" / f"{name}.png")
    assert not (tmp_path / "out" / "profiles.png").exists()


def test_titles_labels_and_the_not_identifiable_flag(tmp_path):
    """The figures' text, checked on the drawing functions the script calls."""
    import importlib.util
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    spec = importlib.util.spec_from_file_location("fit_file", ROOT / "bindings/magsim/_fit_file.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fit = module.read_fit_file(write_fit(tmp_path / "fit.h5"))

    fig = module.draw_profiles(fit)
    titles = [ax.get_title() for ax in fig.axes]
    assert "renal.tal_tm_per_gfr [A]: not identifiable" in titles
    assert "gut.absorption_scale [A]" in titles
    assert {ax.get_xlabel() for ax in fig.axes} >= {"renal.tal_tm_per_gfr (mmol/L)",
                                                   "gut.absorption_scale (unitless)"}
    assert fig._suptitle.get_text() == "two patients: likelihood profiles"
    plt.close(fig)

    described = {"serum_mg_total": "total serum Mg", "cum_urine": "cumulative urinary Mg since t=0"}
    fig = module.draw_obs_vs_pred(fit, described)
    labels = {(ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes}
    assert ("Total serum Mg", "Predicted total serum Mg (mmol/L)",
            "Observed total serum Mg (mmol/L)") in labels
    assert ("Cumulative urinary Mg since t=0", "Predicted cumulative urinary Mg since t=0 (mmol)",
            "Observed cumulative urinary Mg since t=0 (mmol)") in labels
    plt.close(fig)
    # without descriptions (no magsim to ask), the series' names
    fig = module.draw_obs_vs_pred(fit, {})
    labels = {(ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes}
    assert ("serum_mg_total", "Predicted serum_mg_total (mmol/L)",
            "Observed serum_mg_total (mmol/L)") in labels
    plt.close(fig)

    fig = module.draw_residuals_vs_time(fit, described)
    assert {ax.get_xlabel() for ax in fig.axes} == {"Time (h)"}
    assert {ax.get_ylabel() for ax in fig.axes} == {"Weighted residual (unitless)"}
    assert "Total serum Mg (2 below LLOQ not shown)" in [ax.get_title() for ax in fig.axes]
    plt.close(fig)

    fig = module.draw_individual_fits(fit, descriptions=described)
    assert len(fig.axes) == 4  # 2 subjects x 2 series
    assert "B: Cumulative urinary Mg since t=0" in [ax.get_title() for ax in fig.axes]
    assert "Total serum Mg (mmol/L)" in [ax.get_ylabel() for ax in fig.axes]
    plt.close(fig)


@pytest.mark.parametrize("content, message", [
    (b"not hdf5 at all\n", "not an HDF5 file"),
    (None, "not a magsim fit file (no /estimations)"),
])
def test_a_bad_file_exits_2_naming_it(tmp_path, content, message):
    bad = tmp_path / "bad.h5"
    if content is None:
        with h5py.File(bad, "w") as f:
            f.create_group("subjects")
    else:
        bad.write_bytes(content)
    done = plot(bad, tmp_path / "out")
    assert done.returncode == 2
    assert str(bad) in done.stderr and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_column_is_named(tmp_path):
    fit = write_fit(tmp_path / "fit.h5")
    with h5py.File(fit, "a") as f:
        del f["estimations/1/predictions/observed"]
    done = plot(fit, tmp_path / "out")
    assert done.returncode == 2
    assert "/estimations/1/predictions: no column(s) observed" in done.stderr, done.stderr


def test_usage(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True)
    assert done.returncode == 2
    assert "usage: plot_fit.py FIT.h5 OUTDIR" in done.stderr

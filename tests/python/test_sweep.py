"""magsim.sweep / magsim.open_sweep: a sweep run from Python is the sweep `magsim sweep` writes.

A run's numbers depend only on the sweep and the run's index (docs/sweeps.md: "Reproducible
whatever the split"), so everything here is compared bit
for bit, not within a tolerance: Python against the CLI's file, threads against threads, shards
against the whole. Every sweep is a handful of runs of a few days."""

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import magsim
from gil_probe import ticks_during

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
CLI = os.environ.get("MAGSIM_CLI", str(ROOT / "build" / "bin" / "magsim"))
CITRATE = SCENARIOS / "citrate_vs_oxide_citrate.yaml"

# Debian's netCDF4/cftime, loaded by xarray, warn about NumPy's ABI at import; harmless.
pytestmark = pytest.mark.filterwarnings("ignore:numpy.ndarray size changed:RuntimeWarning")

# 3 doses x 2 eGFRs x 2 salts = 12 runs of 2 days: the citrate-vs-oxide load on day 2.
SET = {"duration": "2 d", "output": {"interval": "1 h"}}
GRID = {"supplements[0].dose": ["0 mg", "150 mg", "300 mg"],
        "subject.egfr": ["30 mL/min/1.73m2", "90 mL/min/1.73m2"]}
ARMS = {"citrate": {"supplements[0].form": "citrate"}, "oxide": {"supplements[0].form": "oxide"}}
SUMMARY = ["serum_mg_total.final", "serum_mg_total.min", "urine_mg.last_24h",
           "absorbed_fraction", "serum_mg_total.time_below(0.9 mmol/L)"]
SWEEP_FILE = f"""\
base: {CITRATE}
set: {{duration: 2 d, output: {{interval: 1 h}}}}
sweep:
  grid:
    supplements[0].dose: ["0 mg", "150 mg", "300 mg"]
    subject.egfr: ["30 mL/min/1.73m2", "90 mL/min/1.73m2"]
  arms:
    citrate:
      supplements[0].form: citrate
    oxide:
      supplements[0].form: oxide
summary: [{", ".join(SUMMARY)}]
keep_series: [serum_mg_total, urine_mg_rate]
"""


def assert_identical(a: pd.DataFrame, b: pd.DataFrame, attrs=("units", "descriptions"),
                     series=True):
    """Same rows, columns, dtypes and bytes (NaN only equal to the same NaN; 0.0 != -0.0), the
    same `attrs` entries and (with `series`) the same kept series."""
    assert list(a.columns) == list(b.columns)
    assert a.index.name == b.index.name == "run"
    assert np.array_equal(a.index.to_numpy(), b.index.to_numpy())
    for c in a.columns:
        x, y = a[c].to_numpy(), b[c].to_numpy()
        assert x.dtype == y.dtype, c
        if x.dtype == np.float64:
            assert np.array_equal(x.view(np.uint64), y.view(np.uint64)), c
        else:
            assert list(x) == list(y), c
    for key in attrs:
        assert a.attrs[key] == b.attrs[key], key
    if not series:
        return
    sa, sb = a.attrs["series"], b.attrs["series"]
    assert (sa is None) == (sb is None)
    if sa is not None:
        assert list(sa.data_vars) == list(sb.data_vars)
        assert np.array_equal(sa["time"].values.view(np.uint64), sb["time"].values.view(np.uint64))
        for name in sa.data_vars:
            assert sa[name].dims == ("run", "time")
            assert sa[name].attrs == sb[name].attrs, name
            assert np.array_equal(sa[name].values.view(np.uint64),
                                  sb[name].values.view(np.uint64)), name


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("sweep") / "citrate_grid.yaml"
    path.write_text(SWEEP_FILE)
    return path


@pytest.fixture(scope="module")
def cli_result(sweep_file):
    """`magsim sweep` of the sweep file, read back with open_sweep."""
    out = sweep_file.with_suffix(".h5")
    done = subprocess.run([CLI, "sweep", str(sweep_file), "-o", str(out), "--threads", "2", "-q"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return magsim.open_sweep(out)


def built_sweep(**kwargs):
    return magsim.sweep(CITRATE, set=SET, grid=GRID, arms=ARMS, summary=SUMMARY,
                        keep_series=["serum_mg_total", "urine_mg_rate"], **kwargs)


def test_a_sweep_file_run_from_python_is_the_cli_file_bit_for_bit(sweep_file, cli_result):
    df = magsim.sweep(sweep_file, threads=2)
    assert len(df) == 12 and (df["status"] == "ok").all()
    assert_identical(df, cli_result, attrs=("units", "descriptions", "runs", "shard",
                                            "fingerprint", "sweep_yaml", "base_scenario",
                                            "base_yaml"))
    # The layout: inputs (grid paths, then the arm), summaries ('/' written ' per '), outcome.
    assert list(df.columns) == [
        "supplements[0].dose", "subject.egfr", "arm", "serum_mg_total.final",
        "serum_mg_total.min", "urine_mg.last_24h", "absorbed_fraction",
        "serum_mg_total.time_below(0.9 mmol per L)", "status", "message"]
    assert df["arm"].tolist()[:2] == ["citrate", "oxide"]  # the arm varies fastest
    assert df.attrs["units"]["supplements[0].dose"] == "mg"
    assert df.attrs["units"]["serum_mg_total.final"] == "mmol/L"
    assert "arm" not in df.attrs["units"]  # a text column has no unit
    series = df.attrs["series"]
    assert series["serum_mg_total"].shape == (12, 49)
    assert series["serum_mg_total"].attrs["units"] == "mmol/L"
    assert series["time"].attrs["units"] == "h"
    assert series["arm"].values.tolist() == df["arm"].tolist()
    assert np.array_equal(series["serum_mg_total"].values[:, -1], df["serum_mg_total.final"])


def test_a_sweep_built_from_arguments_gives_the_sweep_files_numbers(cli_result):
    df = built_sweep(threads=2)
    # The numbers, not the provenance: the built sweep names its base scenario differently.
    assert_identical(df, cli_result)
    assert df.attrs["runs"] == 12 and df.attrs["shard"] == ""
    assert df.attrs["base_scenario"] == str(CITRATE)
    assert "supplements[0].dose: [0 mg, 150 mg, 300 mg]" in df.attrs["sweep_yaml"]


def test_edits_of_a_sweep_file_are_those_of_the_cli_set_option(sweep_file, tmp_path):
    out = tmp_path / "edited.h5"
    done = subprocess.run([CLI, "sweep", str(sweep_file), "-o", str(out), "--threads", "2", "-q",
                           "--set", "set.duration=1 d", "--set", "keep_series=false"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    df = magsim.sweep(sweep_file, edits={"set.duration": "1 d", "keep_series": False},
                      threads=1)
    assert df.attrs["series"] is None and len(df) == 12
    assert_identical(df, magsim.open_sweep(out), attrs=("units", "fingerprint"))
    with pytest.raises(magsim.ScenarioError) as err:
        magsim.sweep(sweep_file, edits={"set.duration": "1 apple"})
    assert "apple" in str(err.value)
    with pytest.raises(TypeError, match="edits"):
        magsim.sweep(CITRATE, grid=GRID, edits={"set.duration": "1 d"})


def test_threads_and_shards_do_not_change_the_numbers():
    one = built_sweep(threads=1)
    two = built_sweep(threads=2)
    assert_identical(one, two, attrs=("units", "descriptions", "fingerprint", "sweep_yaml"))
    shards = [built_sweep(threads=1, shard=(i, 3)) for i in range(3)]
    assert [s.index.tolist() for s in shards] == [list(range(i, 12, 3)) for i in range(3)]
    assert [s.attrs["shard"] for s in shards] == ["0/3", "1/3", "2/3"]
    assert all(s.attrs["fingerprint"] == one.attrs["fingerprint"] for s in shards)
    joined = pd.concat(shards).sort_index()  # pandas drops attrs in concat
    assert_identical(joined, one, attrs=(), series=False)
    for s in shards:  # each shard's kept series are its rows of the whole sweep's
        assert np.array_equal(s.attrs["series"]["serum_mg_total"].values,
                              one.attrs["series"]["serum_mg_total"].sel(run=s.index).values)


def test_a_small_virtual_population_has_plausible_serum_magnesium():
    df = magsim.sweep(SCENARIOS / "healthy_adult.yaml", set={"duration": "3 d"},
                      population={"n": 6, "seed": 7}, threads=2)
    assert len(df) == 6 and df.index.tolist() == list(range(6))
    assert (df["status"] == "ok").all(), df["message"].tolist()
    summary = list(magsim.DEFAULT_SWEEP_SUMMARY)
    assert list(df.columns[-6:]) == summary + ["status", "message"]
    assert np.isfinite(df[summary].to_numpy()).all()
    # Reference range of total serum Mg in adults is about 0.7-1.0 mmol/L; virtual subjects
    # (CKD, diuretics, low intake) may stray a little, not out of physiology.
    for column in ("serum_mg_total.final", "serum_mg_total.min"):
        assert df.attrs["units"][column] == "mmol/L"
        assert df[column].between(0.5, 1.2).all(), df[column].tolist()
    assert df["absorbed_fraction"].between(0, 100).all()
    assert df["subject.sex"].isin(["female", "male"]).all()
    assert df.attrs["units"]["subject.egfr"] == "mL/min/1.73m2"
    assert df.attrs["series"] is None


def test_a_bad_grid_value_raises_scenario_error_with_its_position(sweep_file, tmp_path):
    with pytest.raises(magsim.ScenarioError) as err:
        magsim.sweep(CITRATE, grid={"subject.egfr": ["30 mL/min/1.73m2", "90 apples"]})
    e = err.value
    assert e.file == "<magsim.sweep>" and e.line >= 1 and e.column >= 1
    assert "apples" in e.message
    # The sweep magsim.sweep wrote is not on disk: the message shows the line it points at.
    assert "subject.egfr: [30 mL/min/1.73m2, 90 apples]" in str(e)
    assert str(e).startswith(f"<magsim.sweep>:{e.line}:{e.column}: error: ")

    # In a sweep file: the file's own line and column, as `magsim sweep` prints them.
    bad = tmp_path / "bad.yaml"
    bad.write_text(SWEEP_FILE.replace('"90 mL/min/1.73m2"', '"90 apples"'))
    with pytest.raises(magsim.ScenarioError) as err:
        magsim.sweep(bad)
    e = err.value
    assert (e.file, e.line) == (str(bad), 6)
    assert bad.read_text().splitlines()[5][e.column - 1:].startswith('apples"')  # the unit
    done = subprocess.run([CLI, "sweep", str(bad), "-o", str(tmp_path / "bad.h5")],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[0] == str(e)


def test_an_edited_scenario_object_is_the_base():
    s = magsim.Scenario.load(CITRATE).set("duration", "2 d").set("subject.egfr",
                                                                  "30 mL/min/1.73m2")
    df = magsim.sweep(s, grid={"supplements[0].dose": ["0 mg", "300 mg"]}, threads=2)
    assert df.attrs["base_scenario"] == str(CITRATE)
    assert "egfr: 30 mL/min/1.73m2" in df.attrs["base_yaml"]
    # Each row is what magsim.run gives for the same edits.
    for dose, final in zip(["0 mg", "300 mg"], df["serum_mg_total.final"]):
        r = magsim.run(s.copy().set("supplements[0].dose", dose))
        assert final == r["serum_mg_total"][-1]
    # A dict works as a base too.
    d = magsim.sweep({"duration": "2 d", "subject": {"egfr": "30 mL/min/1.73m2"}},
                     grid={"diet.magnesium": ["200 mg/d", "400 mg/d"]}, threads=1)
    assert d.attrs["base_scenario"] == "<dict>" and (d["status"] == "ok").all()


def test_a_run_that_fails_is_a_row_with_its_message_not_an_exception():
    # Without glomerular filtration the steady state has no solution (see test_threads.py).
    df = magsim.sweep(SCENARIOS / "healthy_adult.yaml", set={"duration": "2 d"},
                      grid={"parameters.renal.gfr_scale": [0, 1]}, threads=2)
    if df["status"].tolist() == ["ok", "ok"]:
        pytest.skip("the model no longer fails numerically without renal excretion")
    assert df["status"].tolist() == ["failed", "ok"]
    assert "steady state" in df.loc[0, "message"] and df.loc[1, "message"] == ""
    summary = list(magsim.DEFAULT_SWEEP_SUMMARY)
    assert df.loc[0, summary].isna().all() and df.loc[1, summary].notna().all()
    assert df.loc[0, "parameters.renal.gfr_scale"] == 0  # the inputs of a failed run are known


def test_the_gil_is_released_while_the_runs_are_computed():
    ticks, elapsed = ticks_during(
        lambda: magsim.sweep(SCENARIOS / "healthy_adult.yaml", set={"duration": "1 y"},
                             grid={"diet.magnesium": ["200 mg/d", "400 mg/d"]}, threads=2))
    assert elapsed > 0.05
    assert ticks >= 10  # about one a millisecond while released; at most one if held


def test_bad_arguments_are_refused_before_anything_runs(sweep_file):
    with pytest.raises(TypeError, match="sweep file"):
        magsim.sweep(sweep_file, grid=GRID)
    with pytest.raises(TypeError, match="what varies"):
        magsim.sweep(CITRATE)
    with pytest.raises(ValueError):
        magsim.sweep(sweep_file, threads=0)
    with pytest.raises(ValueError):
        magsim.sweep(sweep_file, shard=(3, 3))
    with pytest.raises(TypeError):
        magsim.sweep(42, grid=GRID)


def test_open_sweep_refuses_what_is_not_a_sweep_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        magsim.open_sweep(tmp_path / "missing.h5")
    run = tmp_path / "run.h5"
    magsim.run(magsim.Scenario.load(CITRATE).set("duration", "1 d")).save(run)
    with pytest.raises(OSError, match="not a magsim sweep file"):
        magsim.open_sweep(run)


def test_ctrl_c_stops_a_sweep_with_keyboard_interrupt():
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    start = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            magsim.sweep(SCENARIOS / "healthy_adult.yaml", set={"duration": "150 y"},
                         grid={"diet.magnesium": ["200 mg/d", "300 mg/d", "400 mg/d"]},
                         threads=2)
    finally:
        timer.cancel()
    assert time.perf_counter() - start < 10

"""magsim.run / Result / save / open / parameters: the Python module gives what the CLI gives.

The central check: a scenario run by `magsim run` in a subprocess and the same scenario run by
magsim.run agree to 1e-12 (relative) in every series, and Result.save writes the same file."""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import h5py
import matplotlib
import numpy as np
import pandas as pd
import pytest
import xarray as xr

matplotlib.use("Agg")
import matplotlib.figure  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

import magsim  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
CLI = os.environ.get("MAGSIM_CLI", str(ROOT / "build" / "bin" / "magsim"))
RTOL = 1e-12

# Debian's netCDF4/cftime, loaded by xarray, warn about NumPy's ABI at import; harmless.
pytestmark = pytest.mark.filterwarnings("ignore:numpy.ndarray size changed:RuntimeWarning")


def cli(*args, cwd=None):
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd)


def close(a, b):
    return np.allclose(a, b, rtol=RTOL, atol=0) and len(a) == len(b)


@pytest.fixture(scope="module")
def citrate():
    """The citrate arm, 3 days at 15 min: short, with a single large dose."""
    return magsim.run(SCENARIOS / "citrate_vs_oxide_citrate.yaml")


@pytest.fixture(scope="module")
def cli_ckd(tmp_path_factory):
    """`magsim run` of the CKD scenario shortened to 2 weeks, with its printed summary."""
    out = tmp_path_factory.mktemp("cli") / "ckd.h5"
    sets = ["--set", "duration=2 w", "--set", "subject.egfr=30 mL/min/1.73m2"]
    done = cli("run", SCENARIOS / "ckd_stage4_oxide.yaml", "-o", out, *sets)
    assert done.returncode == 0, done.stderr
    return out, done.stdout


def ckd_scenario():
    s = magsim.Scenario.load(SCENARIOS / "ckd_stage4_oxide.yaml")
    return s.set("duration", "2 w").set("subject.egfr", "30 mL/min/1.73m2")


# ---- run and Result ----------------------------------------------------------------------------

def test_series_are_numpy_views_without_copy(citrate):
    t, serum = citrate.time, citrate["serum_mg_total"]
    for a in (t, serum):
        assert isinstance(a, np.ndarray) and a.dtype == np.float64 and a.ndim == 1
        assert not a.flags.owndata and a.base is not None  # a view of the C++ buffer
        assert a.flags.c_contiguous and not a.flags.writeable
    assert len(serum) == len(t) == 3 * 24 * 4 + 1
    assert t[0] == 0 and t[-1] == pytest.approx(72)
    assert citrate.serum_mg_total is not None and np.shares_memory(citrate.serum_mg_total, serum)
    assert citrate["time"] is not None and "time" in citrate and "serum_mg_total" in citrate


def test_units_and_descriptions_cover_every_series(citrate):
    assert citrate.units["time"] == "h"
    assert citrate.units["serum_mg_total"] == "mmol/L"
    assert citrate.units["urine_mg_rate"] == "mmol/d"
    for name in citrate.names:
        assert citrate.units[name] and citrate.descriptions[name]
    assert list(citrate) == citrate.names == citrate.keys()


def test_unknown_series_is_a_key_error(citrate):
    with pytest.raises(KeyError, match="serum_mg_total"):
        citrate["serum_mg"]
    with pytest.raises(AttributeError):
        citrate.serum_mg


def test_run_accepts_a_path_a_dict_and_a_scenario():
    d = {"name": "short", "duration": "1 d", "subject": {"egfr": "90 mL/min/1.73m2"}}
    by_dict = magsim.run(d)
    by_scenario = magsim.run(magsim.Scenario.from_dict(d))
    assert np.array_equal(by_dict["serum_mg_total"], by_scenario["serum_mg_total"])
    assert by_dict.scenario_file == "<dict>"
    by_path = magsim.run(str(SCENARIOS / "healthy_adult.yaml"), sets={"duration": "1 d"})
    assert by_path.duration_h == pytest.approx(24)


def test_run_sets_do_not_change_the_scenario():
    s = magsim.Scenario.load(SCENARIOS / "healthy_adult.yaml").set("duration", "2 d")
    r = magsim.run(s, sets={"subject.egfr": "40 mL/min/1.73m2"})
    assert s.edits == ("duration=2 d",)
    assert "egfr: 40" in r.resolved_yaml


def test_summary_is_what_the_cli_prints(cli_ckd):
    _, printed = cli_ckd
    s = magsim.run(ckd_scenario()).summary
    assert s["serum_mg_start"].unit == "mmol/L" and s["intake"].unit == "mmol"
    assert s["absorbed_fraction"].unit == "%" and s["urine_window"] == (24.0, "h")
    expected = {
        "serum Mg, start": f"{s['serum_mg_start'].value:.4f}",
        "serum Mg, end": f"{s['serum_mg_end'].value:.4f}",
        "urine Mg, last 24 h": f"{s['urine_mg_last_24h'].value:.4g}",
        "Mg intake (oral, IV, IM)": f"{s['intake'].value:.4g}",
        "absorbed, fraction of intake": f"{s['absorbed_fraction'].value:.1f}",
    }
    for label, value in expected.items():
        assert re.search(rf"^\s+{re.escape(label)}\s+{re.escape(value)}\s", printed, re.M), (label, value, printed)
    assert str(s["serum_mg_end"]).endswith(" mmol/L")


def test_retention_is_in_the_summary_of_an_infusion_run():
    r = magsim.run(SCENARIOS / "loading_test.yaml")
    q = r.summary["retention"]
    assert q.unit == "%" and np.isfinite(q.value)
    assert r.attrs["retention"] == pytest.approx(q.value)


def test_output_variables_select_the_series():
    r = magsim.run({"duration": "1 d", "output": {"variables": ["serum_mg_total", "cum_urine"]}})
    assert r.names == ["serum_mg_total", "cum_urine"]
    assert "intake" not in r.summary and "serum_mg_end" in r.summary


def test_to_pandas(citrate):
    df = citrate.to_pandas()
    assert isinstance(df, pd.DataFrame) and df.index.name == "time"
    assert list(df.columns) == citrate.names
    assert np.array_equal(df.index.to_numpy(), citrate.time)
    assert np.array_equal(df["fe_mg"].to_numpy(), citrate["fe_mg"])
    assert df.attrs["units"]["fe_mg"] == "%"


def test_to_xarray_matches_the_file_read_by_xarray(citrate, tmp_path):
    ds = citrate.to_xarray()
    assert ds["serum_mg_total"].attrs["units"] == "mmol/L"
    assert ds["time"].attrs["units"] == "h" and ds["serum_mg_total"].dims == ("time",)
    assert ds.attrs["model"] == "magnesium"
    path = citrate.save(tmp_path / "c.h5")
    with xr.open_dataset(path, group="series") as on_disk:
        assert set(on_disk.data_vars) == set(ds.data_vars)
        for name in ds.data_vars:
            assert np.array_equal(on_disk[name].values, ds[name].values)
            assert on_disk[name].attrs["units"] == ds[name].attrs["units"]
        assert np.array_equal(on_disk["time"].values, ds["time"].values)


def test_plot_labels_axes_with_units(citrate):
    fig = citrate.plot()
    assert isinstance(fig, matplotlib.figure.Figure)
    labels = [a.get_ylabel() for a in fig.axes]
    assert "Total serum Mg (mmol/L)" in labels and "Urinary excretion (mmol/d)" in labels
    assert fig.axes[-1].get_xlabel() == "Time (h)"
    plt.close(fig)
    fig = citrate.plot(["fe_mg"], time_unit="d")
    assert len(fig.axes) == 1 and fig.axes[0].get_ylabel() == "Fractional excretion of Mg (%)"
    assert fig.axes[0].get_xlabel() == "Time (d)"
    plt.close(fig)
    with pytest.raises(KeyError):
        citrate.plot("no_such_series")
    with pytest.raises(ValueError):
        citrate.plot("fe_mg", time_unit="fortnight")


def test_plot_of_a_long_run_shows_daily_means():
    r = magsim.run(SCENARIOS / "ckd_stage4_oxide.yaml", sets={"duration": "3 w"})
    fig = r.plot("serum_mg_total")
    (line,) = fig.axes[0].lines
    assert "daily mean" in fig.axes[0].get_ylabel() and fig.axes[0].get_xlabel() == "Time (d)"
    x, y = line.get_data()
    assert len(x) == 21 and x[0] == pytest.approx(0.5)
    day1 = (r.time >= 24) & (r.time < 48)
    assert y[1] == pytest.approx(r["serum_mg_total"][day1].mean())
    plt.close(fig)
    fig = r.plot("serum_mg_total", daily_mean=False)
    assert len(fig.axes[0].lines[0].get_xdata()) == len(r.time)
    plt.close(fig)


def test_plot_overlays_runs_on_one_axes_and_plot_runs_compares(citrate):
    oxide = magsim.run(SCENARIOS / "citrate_vs_oxide_oxide.yaml")
    fig, ax = plt.subplots()
    citrate.plot("urine_mg_rate", ax=ax, label="citrate")
    oxide.plot("urine_mg_rate", ax=ax, label="oxide")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["citrate", "oxide"]
    assert ax.get_ylabel() == "Urinary excretion (mmol/d)"
    plt.close(fig)
    fig = magsim.plot_runs({"citrate": citrate, "oxide": oxide}, ["serum_mg_total", "cum_urine"])
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 2
    assert fig.axes[1].get_ylabel().replace("\n", " ") == "Cumulative urinary Mg since t=0 (mmol)"
    plt.close(fig)


def test_repr(citrate):
    assert repr(citrate).startswith("<magsim.Result 'citrate_vs_oxide_citrate.yaml': 289 samples")


# ---- Python versus CLI -------------------------------------------------------------------------

def test_python_run_equals_cli_run(cli_ckd):
    path, _ = cli_ckd
    from_cli = magsim.open(path)
    from_python = magsim.run(ckd_scenario())
    assert from_cli.names == from_python.names
    assert close(from_cli.time, from_python.time)
    for name in from_python.names:
        assert close(from_cli[name], from_python[name]), name
    assert from_cli.units == from_python.units
    assert from_cli.descriptions == from_python.descriptions
    assert from_cli.scenario_yaml == from_python.scenario_yaml
    assert from_cli.resolved_yaml == from_python.resolved_yaml
    pd.testing.assert_frame_equal(from_cli.parameters, from_python.parameters, rtol=RTOL)
    pd.testing.assert_frame_equal(from_cli.events, from_python.events, rtol=RTOL)
    a, b = from_cli.attrs, from_python.attrs
    assert set(a) == set(b)
    for key in set(a) - {"wall_time"}:
        assert a[key] == b[key], key
    for key in set(from_cli.summary) - {"wall_time"}:
        assert from_cli.summary[key].unit == from_python.summary[key].unit
        assert from_cli.summary[key].value == pytest.approx(from_python.summary[key].value, rel=RTOL)


def walk(f):
    items = {}
    f.visititems(lambda name, obj: items.__setitem__(name, obj))
    return items


def test_save_writes_the_file_the_cli_writes(cli_ckd, tmp_path):
    path, _ = cli_ckd
    saved = magsim.run(ckd_scenario()).save(tmp_path / "py.h5")
    assert saved == str(tmp_path / "py.h5")
    with h5py.File(path, "r") as a, h5py.File(saved, "r") as b:
        A, B = walk(a), walk(b)
        assert set(A) == set(B)
        for name, obj in A.items():
            assert dict(obj.attrs).keys() == dict(B[name].attrs).keys(), name
            if isinstance(obj, h5py.Dataset):
                x, y = obj[()], B[name][()]
                if isinstance(x, np.ndarray) and x.dtype.kind == "f":
                    assert close(x, y), name
                elif isinstance(x, float):
                    assert x == pytest.approx(y, rel=RTOL), name
                else:
                    assert np.array_equal(x, y), name
        for key in set(a.attrs) | set(b.attrs):
            if key != "wall_time":
                assert np.array_equal(a.attrs[key], b.attrs[key]), key
    done = subprocess.run([sys.executable, ROOT / "tests" / "python" / "check_hdf5.py", saved],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_save_is_atomic_and_reports_a_bad_directory(citrate, tmp_path):
    with pytest.raises(OSError):
        citrate.save(tmp_path / "missing" / "out.h5")
    assert not (tmp_path / "missing").exists()
    target = tmp_path / "keep.h5"
    citrate.save(target)
    citrate.save(target)  # replaces in one rename; no temporary files left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.h5"]


def test_save_refuses_a_symlink_or_a_fifo_and_leaves_it(citrate, tmp_path):
    """Issue 11, item 5: only regular files are replaced."""
    (tmp_path / "target.h5").write_text("previous result")
    os.symlink(tmp_path / "target.h5", tmp_path / "link.h5")
    with pytest.raises(OSError, match="symbolic link"):
        citrate.save(tmp_path / "link.h5")
    assert os.path.islink(tmp_path / "link.h5")
    assert (tmp_path / "target.h5").read_text() == "previous result"
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(OSError, match="not a regular file"):
        citrate.save(tmp_path / "fifo")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "link.h5", "target.h5"]


def test_save_refuses_the_runs_own_scenario_file_through_any_path(tmp_path, monkeypatch):
    """Fault suite: Result.save onto the run's scenario file (its own path, ./, a hard or symbolic
    link) overwrote the scenario with HDF5, where `magsim run -o` refuses it."""
    text = (SCENARIOS / "citrate_vs_oxide_citrate.yaml").read_text()
    scenario = tmp_path / "s.yaml"
    scenario.write_text(text)
    os.link(scenario, tmp_path / "hard.yaml")
    os.symlink(scenario, tmp_path / "soft.yaml")
    r = magsim.run(magsim.Scenario.load(scenario).set("duration", "1 d"))
    monkeypatch.chdir(tmp_path)
    for target in (scenario, "s.yaml", "./s.yaml", tmp_path / "." / "s.yaml", "hard.yaml",
                   "soft.yaml"):
        with pytest.raises(OSError, match="scenario file|symbolic link"):
            r.save(target)
        assert scenario.read_text() == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard.yaml", "s.yaml", "soft.yaml"]
    # A scenario made from text names no file: its name is no obstacle.
    t = magsim.run(magsim.Scenario.from_yaml(text.replace("duration: 3 d", "duration: 1 d"),
                                             name="s.h5"))
    t.save("s.h5")
    assert h5py.is_hdf5(tmp_path / "s.h5")


def test_save_of_an_opened_result_refuses_special_files(cli_ckd, tmp_path):
    """Fault suite: a Result read with magsim.open was saved by copying the file and renaming the
    copy onto the target, whatever it was: a FIFO, a socket, a device, a directory's entry or a
    symbolic link was replaced. Now the same check as a simulated run's save."""
    path, _ = cli_ckd
    opened = magsim.open(path)
    (tmp_path / "target.h5").write_text("previous result")
    os.symlink(tmp_path / "target.h5", tmp_path / "link.h5")
    os.symlink(tmp_path / "nowhere.h5", tmp_path / "dangling.h5")
    os.mkfifo(tmp_path / "fifo.h5")
    (tmp_path / "dir.h5").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    for name, words in (("link.h5", "symbolic link"), ("dangling.h5", "symbolic link"),
                        ("fifo.h5", "not a regular file"), ("dir.h5", "directory")):
        with pytest.raises(OSError, match=words):
            opened.save(tmp_path / name)
    assert os.path.islink(tmp_path / "link.h5") and os.path.islink(tmp_path / "dangling.h5")
    assert stat.S_ISFIFO(os.lstat(tmp_path / "fifo.h5").st_mode)
    assert (tmp_path / "target.h5").read_text() == "previous result"
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no temporary left
    opened.save(path)  # onto its own file: nothing to do, and nothing changes
    assert magsim.open(path).summary == opened.summary


def test_open_then_save_copies_the_file(cli_ckd, tmp_path):
    path, _ = cli_ckd
    copy = magsim.open(path).save(tmp_path / "copy.h5")
    assert Path(copy).read_bytes() == Path(path).read_bytes()


def test_open_reports_missing_and_foreign_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        magsim.open(tmp_path / "nothing.h5")
    junk = tmp_path / "junk.h5"
    junk.write_text("not HDF5")
    with pytest.raises(OSError):
        magsim.open(junk)


def test_opened_result_knows_its_scenario(cli_ckd):
    path, _ = cli_ckd
    r = magsim.open(path)
    assert r.scenario_file == str(SCENARIOS / "ckd_stage4_oxide.yaml")
    assert r.scenario.duration_h == pytest.approx(14 * 24)
    assert r.duration_h == pytest.approx(14 * 24)
    assert (r.events["kind"] == "supplement").any() and list(r.events.columns)[0] == "time_h"
    assert r.parameters.set_index("name").loc["renal.egfr", "value"] == pytest.approx(30)


# ---- numerical failure -------------------------------------------------------------------------

def test_numerical_failure_raises_simulation_error_like_the_cli():
    """No renal excretion at all: intake has nowhere to go, so no steady state exists."""
    path = SCENARIOS / "healthy_adult.yaml"
    sets = {"parameters.renal.gfr_scale": "0", "duration": "2 d"}
    done = cli("run", path, "-o", os.devnull + ".h5", "-q",
               *[a for k, v in sets.items() for a in ("--set", f"{k}={v}")])
    if done.returncode != 3:
        pytest.skip(f"the model no longer fails numerically here (exit {done.returncode})")
    with pytest.raises(magsim.SimulationError) as err:
        magsim.run(path, sets=sets)
    e = err.value
    assert isinstance(e, RuntimeError) and e.stage.startswith("steady state")
    assert str(e) == done.stderr.strip().splitlines()[-1]
    assert e.file == str(path)


# ---- parameters, version, documentation --------------------------------------------------------

def test_parameters_is_the_table_of_magsim_params():
    table = magsim.parameters()
    assert list(table.columns) == ["name", "value", "unit", "min", "max", "source", "note"]
    done = cli("params", "--tsv")
    rows = [line.split("\t") for line in done.stdout.strip().splitlines()[1:]]
    assert len(rows) == len(table)
    for row, (_, p) in zip(rows, table.iterrows()):
        assert row[0] == p["name"] and row[2] == p["unit"] and row[5] == p["source"]
        assert float(row[1]) == pytest.approx(p["value"], rel=1e-5)
        assert float(row[3]) == pytest.approx(p["min"], rel=1e-5)
        assert float(row[4]) == pytest.approx(p["max"], rel=1e-5)


def test_version_is_the_cli_version():
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", magsim.__version__)
    assert magsim.__version__ in cli("--version").stdout


def public_callables():
    yield "open", magsim.open
    for name in magsim.__all__:
        obj = getattr(magsim, name)
        if callable(obj):
            yield name, obj
    for cls in (magsim.Scenario, magsim.Result):
        for name, member in vars(cls).items():
            if not name.startswith("_"):
                yield f"{cls.__name__}.{name}", member


@pytest.mark.parametrize("name,obj", list(public_callables()), ids=lambda x: x if isinstance(x, str) else "")
def test_everything_public_has_a_docstring(name, obj):
    doc = getattr(obj, "__doc__", None) or getattr(getattr(obj, "fget", None), "__doc__", None)
    assert doc and len(doc.strip()) > 20, name


def test_help_shows_the_signature_and_the_docstring():
    import pydoc
    text = pydoc.render_doc(magsim.run, renderer=pydoc.plaintext)
    assert "run(scenario" in text and "ScenarioError" in text


def test_type_information_ships_with_the_package():
    package = Path(magsim.__file__).parent
    assert (package / "py.typed").exists() and (package / "_core.pyi").exists()


OVERDOSE = {"duration": "12 h", "output": {"interval": "6 min"}, "subject": {"weight": "70 kg"},
            "infusions": [{"form": "sulfate", "rate": "300 mmol/h", "start": "1 h", "duration": "1 h"}]}


def test_warnings_name_every_threshold_crossed_as_the_cli_prints_them(tmp_path):
    r = magsim.run(OVERDOSE)
    assert len(r.warnings) == 5
    assert r.warnings[1].startswith("total serum Mg above 3.5 mmol/L (loss of patellar reflexes) first at 1.")
    serum = r["serum_mg_total"]
    s = r.summary
    assert s["serum_mg_total_peak"] == (float(serum.max()), "mmol/L")
    assert s["serum_mg_total_peak_time"].value == float(r.time[serum.argmax()])
    assert s["serum_mg_total_trough"].value == float(serum.min())
    # the first crossing lies between the two samples around it
    first = s["alert_patellar_reflexes_lost_first"]
    assert first.unit == "h"
    k = int(np.argmax(serum > 3.5))
    assert r.time[k - 1] < first.value <= r.time[k]
    assert s["alert_cardiac_arrest_time_beyond"].unit == "h"
    assert s["alert_cardiac_arrest_time_beyond"].value > 0
    assert "alert_hypomagnesemia_first" not in s and s["alert_hypomagnesemia_time_beyond"].value == 0
    # the CLI prints the same lines on stderr, and the file carries them
    path = tmp_path / "overdose.yaml"
    path.write_text(magsim.Scenario.from_dict(OVERDOSE).to_yaml())
    done = cli("run", path, "-o", tmp_path / "o.h5", "--quiet")
    assert done.returncode == 0
    assert [line[len("warning: "):] for line in done.stderr.splitlines() if line.startswith("warning: ")] == r.warnings
    with h5py.File(tmp_path / "o.h5") as f:
        assert f.attrs["alert_patellar_reflexes_lost_first_units"] == "h"
        assert f.attrs["alert_patellar_reflexes_lost_first"] == pytest.approx(first.value, rel=RTOL)
        assert f.attrs["serum_mg_total_peak_units"] == "mmol/L"
    assert magsim.open(tmp_path / "o.h5").warnings == r.warnings


def test_a_healthy_run_has_no_warnings(citrate):
    assert citrate.warnings == []
    assert citrate.summary["alert_hypomagnesemia_time_beyond"] == (0.0, "h")


def test_a_measured_start_begins_at_the_measured_serum_and_red_cell_mg():
    r = magsim.run({"duration": "2 d", "initial": {"serum_mg_total": "0.62 mmol/L", "rbc_mg": "1.6 mmol/L"}})
    assert r["serum_mg_total"][0] == pytest.approx(0.62, rel=1e-9)
    assert r["rbc_mg"][0] == pytest.approx(1.6, rel=1e-9)
    assert any(w.startswith("total serum Mg below 0.7 mmol/L (hypomagnesemia) first at 0.0 h") for w in r.warnings)
    with pytest.raises(magsim.ScenarioError, match="impossible"):
        magsim.run({"duration": "2 d", "initial": {"serum_mg_total": "20 mmol/L"}})

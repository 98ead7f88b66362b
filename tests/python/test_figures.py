"""Figures a paper can use: Result.plot, plot_runs and tools/plot_validation.py, checked on the
matplotlib objects (labels, dose and infusion markers, the reference-range band, titles)."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import magsim  # noqa: E402
from magsim import _plotting  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="module")
def citrate():
    return magsim.run(SCENARIOS / "citrate_vs_oxide_citrate.yaml")


@pytest.fixture(scope="module")
def infusion():
    return magsim.run(SCENARIOS / "iv_preeclampsia.yaml")


def by_gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def legend_texts(ax):
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


# ---- Result.plot -------------------------------------------------------------------------------

def test_labels_come_from_descriptions_and_units_and_the_title_from_the_scenario(citrate):
    fig = citrate.plot(["serum_mg_total", "urine_mg_rate", "cum_urine"])
    for ax, name in zip(fig.axes, ["serum_mg_total", "urine_mg_rate", "cum_urine"]):
        label = ax.get_ylabel().replace("\n", " ")
        assert citrate.descriptions[name].lower() in label.lower(), (name, label)
        assert label.endswith(f"({citrate.units[name]})"), label
        assert "_" not in label  # no snake_case names
    assert fig.axes[0].get_ylabel() == "Total serum Mg (mmol/L)"
    assert fig.axes[-1].get_xlabel() == "Time (h)"  # a 3-day run is shown in hours
    assert citrate.scenario.name == "citrate-vs-oxide-citrate"
    assert fig._suptitle.get_text() == citrate.scenario.name
    plt.close(fig)


def test_a_dose_is_marked_at_its_time_and_labelled_with_what_and_how_much(citrate):
    doses = citrate.events[citrate.events.kind == "supplement"]
    assert list(doses.time_h) == [32.0] and list(doses.what) == ["oral.citrate"]
    fig = citrate.plot(["serum_mg_total", "urine_mg_rate"])
    for ax in fig.axes:  # every panel has the marker ...
        (marker,) = by_gid(ax, "dose:oral.citrate")
        assert marker.get_offsets()[:, 0].tolist() == [32.0]
    # ... and the first panel's legend says what was given and how much, with the unit
    assert "Oral citrate 25 mmol" in legend_texts(fig.axes[0])
    assert not any("citrate" in t for t in legend_texts(fig.axes[1]))
    # the markers are not data lines
    assert len(fig.axes[0].lines) == 1
    plt.close(fig)
    # in days for a run of weeks
    r = magsim.run(SCENARIOS / "citrate_vs_oxide_citrate.yaml", sets={"duration": "3 w"})
    fig = r.plot("serum_mg_total", daily_mean=False)
    (marker,) = by_gid(fig.axes[0], "dose:oral.citrate")
    assert marker.get_offsets()[:, 0].tolist() == pytest.approx([32.0 / 24.0])
    assert fig.axes[0].get_xlabel() == "Time (d)"
    plt.close(fig)


def test_infusions_are_shaded_over_their_span(infusion):
    fig = infusion.plot("serum_mg_total")
    ax = fig.axes[0]
    (loading,) = by_gid(ax, "infusion:iv loading")
    (maintenance,) = by_gid(ax, "infusion:iv maintenance")
    x = np.asarray(loading.get_xy())[:, 0]
    assert (x.min(), x.max()) == pytest.approx((1.0, 1.0 + 20 / 60))
    x = np.asarray(maintenance.get_xy())[:, 0]
    assert (x.min(), x.max()) == pytest.approx((1.0 + 20 / 60, 25.0 + 20 / 60))
    texts = legend_texts(ax)
    assert any(t.startswith("IV maintenance infusion 4.06 mmol/h") for t in texts), texts
    plt.close(fig)


def test_the_reference_range_comes_from_the_run_file_and_is_a_band(citrate, tmp_path):
    attrs = citrate.attrs
    assert attrs["serum_mg_total_reference_low"] == 0.75
    assert attrs["serum_mg_total_reference_high"] == 0.95
    assert attrs["serum_mg_total_reference_low_units"] == "mmol/L"
    assert attrs["serum_mg_total_reference_source"] == "IOM 1997"
    # the same in the file, and in a Result read back from it
    path = citrate.save(tmp_path / "c.h5")
    with h5py.File(path, "r") as f:
        assert f.attrs["serum_mg_ionized_reference_low"] == 0.44
        assert f.attrs["serum_mg_ionized_reference_high_units"] == "mmol/L"
    fig = magsim.open(path).plot(["serum_mg_total", "serum_mg_ionized", "urine_mg_rate"])
    for ax, (lo, hi) in zip(fig.axes, [(0.75, 0.95), (0.44, 0.62)]):
        (band,) = by_gid(ax, "reference_range")
        y = np.asarray(band.get_xy())[:, 1]
        assert (y.min(), y.max()) == (lo, hi)
    assert not by_gid(fig.axes[2], "reference_range")  # urine has none
    assert "Reference range 0.75\u20130.95 mmol/L (IOM 1997)" in legend_texts(fig.axes[0])
    plt.close(fig)
    fig = citrate.plot("serum_mg_total", reference=False, events=False)
    assert not by_gid(fig.axes[0], "reference_range") and not by_gid(fig.axes[0], "dose:oral.citrate")
    plt.close(fig)


def test_a_run_without_the_series_has_no_reference_attributes():
    r = magsim.run(SCENARIOS / "citrate_vs_oxide_citrate.yaml",
                   sets={"output.variables": ["urine_mg_rate"]})
    assert not any("_reference_" in k for k in r.attrs)


def test_plot_runs_marks_shared_doses_once_and_draws_one_band(citrate):
    longer = magsim.run(SCENARIOS / "citrate_vs_oxide_citrate.yaml", sets={"subject.egfr": "45 mL/min/1.73m2"})
    fig = magsim.plot_runs({"eGFR 100": citrate, "eGFR 45": longer}, ["serum_mg_total"])
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and len(by_gid(ax, "reference_range")) == 1
    (marker,) = by_gid(ax, "dose:oral.citrate")
    assert marker.get_offsets()[:, 0].tolist() == [32.0]
    assert {"eGFR 100", "eGFR 45"} <= set(legend_texts(ax))
    plt.close(fig)
    oxide = magsim.run(SCENARIOS / "citrate_vs_oxide_oxide.yaml")
    fig = magsim.plot_runs([citrate, oxide], ["serum_mg_total"])
    assert not by_gid(fig.axes[0], "dose:oral.citrate")  # the runs' doses differ
    assert set(legend_texts(fig.axes[0])) >= {"citrate-vs-oxide-citrate", "citrate-vs-oxide-oxide"}
    plt.close(fig)


# ---- shared conventions ------------------------------------------------------------------------

def test_labels_and_event_names():
    assert _plotting.axis_label("fe_mg", "%", "fractional excretion of Mg (urine / filtered load)") \
        == "Fractional excretion of Mg (%)"
    # a label longer than LABEL_WIDTH is wrapped, not cut, when it has no explanation to drop
    label = _plotting.axis_label("x", "1", "ionized / total serum Mg")
    assert label == "Ionized / total serum Mg\n(unitless)"
    assert all(len(line) <= _plotting.LABEL_WIDTH for line in label.split("\n"))
    assert _plotting.axis_label("gfr", "mL/min/1.73m2", "") == "gfr (mL/min/1.73 m\u00b2)"
    assert _plotting.short_description("eGFR-adjusted thing") == "eGFR-adjusted thing"
    assert _plotting.event_name("drug", "drug.omeprazole.oral") == "Omeprazole (oral)"
    assert _plotting.event_name("im_injection", "im") == "IM injection"
    assert _plotting.event_name("infusion", "iv maintenance") == "IV maintenance"


def test_infusion_spans_follow_pauses_and_end_with_the_run():
    events = [(1.0, "infusion_start", "iv", 2.0, "mmol/h"), (3.0, "infusion_pause", "iv", 2.0, "mmol/h"),
              (4.0, "infusion_resume", "iv", 2.0, "mmol/h"), (2.0, "meal", "food", 1.0, "mmol")]
    spans = _plotting.infusions(events, end_h=10.0)
    assert [(s.start_h, s.stop_h) for s in spans] == [(1.0, 3.0), (4.0, 10.0)]
    assert _plotting.doses(events) == []


# ---- tools/plot_validation.py ------------------------------------------------------------------

def validation_case():
    t = [0.0, 6.0, 12.0, 24.0, 48.0, 96.0]
    return {
        "id": "VX", "title": "A made-up case", "source": "Doe 2001", "expected": "", "note": "",
        "explanation": "", "pass": True,
        "quantities": [
            {"name": "q1", "label": "serum total at 24 h", "unit": "mmol/L", "values": [0.9],
             "points": ["dosed"], "checked": True, "pass": True, "min": 0.8, "max": 1.0,
             "monotonic": 0, "expected": "0.8 to 1 mmol/L", "error": "", "op": "value",
             "series": "serum_mg_total", "runs": ["dosed"], "baseline": "", "at": 24.0,
             "from": None, "to": None},
        ],
        "plots": [{
            "series": "serum_mg_total", "unit": "mmol/L", "title": "", "description": "total serum Mg",
            "baseline": "",
            "runs": [{"name": "dosed", "time": t, "values": [0.85, 0.95, 0.93, 0.9, 0.88, 0.86]},
                     {"name": "control", "time": t, "values": [0.85] * 6}],
            "published": [
                {"at": 6.0, "from": None, "to": None, "value": 0.97, "error": 0.05, "min": None,
                 "max": None, "label": "Doe 2001, mean +- SD"},
                {"at": 24.0, "from": None, "to": None, "value": None, "error": None, "min": 0.8,
                 "max": 1.0, "label": ""},
                {"at": None, "from": 72.0, "to": 96.0, "value": None, "error": None, "min": 0.75,
                 "max": 0.95, "label": "reference range"},
            ],
        }],
    }


def load_plot_validation():
    spec = importlib.util.spec_from_file_location("plot_validation", ROOT / "tools" / "plot_validation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_validation_figure_has_published_points_and_simulated_curves():
    case = validation_case()
    fig = load_plot_validation().draw(case)
    ax = fig.axes[0]
    # simulated curves, one per run, in days (the runs last 4 d)
    curves = {line.get_label(): line for line in ax.lines if line.get_label().startswith("Simulated")}
    assert set(curves) == {"Simulated: dosed", "Simulated: control"}
    assert np.allclose(curves["Simulated: dosed"].get_xdata(), np.array(case["plots"][0]["runs"][0]["time"]) / 24)
    assert ax.get_xlabel() == "Time (d)"
    # the published point with its error bar, the published range and window
    points = [c for c in ax.containers if c.get_label() == "Doe 2001, mean +- SD"]
    assert len(points) == 1
    (data_line, caps, (bars,)) = points[0]
    assert data_line.get_xdata().tolist() == [0.25] and data_line.get_ydata().tolist() == [0.97]
    segment = bars.get_segments()[0]
    assert segment[:, 1].tolist() == pytest.approx([0.92, 1.02])
    texts = legend_texts(ax)
    assert {"Doe 2001, mean +- SD", "Published range", "reference range",
            "Expected range (checked)"} <= set(texts), texts
    # labels with description and unit, title with id, verdict and source
    assert ax.get_ylabel() == "Total serum Mg (mmol/L)"
    assert fig.axes[1].get_ylabel() == "Total serum Mg (mmol/L)"
    assert fig._suptitle.get_text() == "VX: A made-up case (pass)\nSource: Doe 2001"
    plt.close(fig)


def test_plot_validation_script_writes_a_png_per_case(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "VX.json").write_text(json.dumps(validation_case()))
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "plot_validation.py"), str(tmp_path)],
                          capture_output=True, text=True, env=dict(os.environ, MPLBACKEND="Agg"))
    assert done.returncode == 0, done.stderr
    png = tmp_path / "VX.png"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and png.stat().st_size > 10000
    assert not list(tmp_path.glob("*.tmp.png"))

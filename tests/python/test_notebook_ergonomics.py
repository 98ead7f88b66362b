"""Notebook ergonomics (issue 13, item 5): reading a scenario's values, edits that a re-run cell
does not repeat, YAML that PyYAML reads back as magsim does, missing files as
FileNotFoundError, progress bars, rich displays, a clean dir(magsim) and magsim.explore."""

import errno
import pickle
import sys
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import yaml

matplotlib.use("Agg")

import magsim  # noqa: E402
from magsim import _core  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
CKD = SCENARIOS / "ckd_stage4_oxide.yaml"
PPI = SCENARIOS / "ppi_long_term.yaml"
HEALTHY = SCENARIOS / "healthy_adult.yaml"
OMEPRAZOLE = {"drug": "omeprazole", "dose": "20 mg", "times": ["07:00"]}

# Debian 12's ipywidgets 6 warns about its own use of traitlets on import.
pytestmark = pytest.mark.filterwarnings("ignore:Traits should be given as instances")


# ---- Scenario.get, s[path], paths ---------------------------------------------------------------

def test_get_reads_values_as_the_yaml_has_them():
    s = magsim.Scenario.load(CKD)
    assert s.get("subject.egfr") == s["subject.egfr"] == "20 mL/min/1.73m2"
    assert s["diet.meals"] == ["07:30", "12:30", "19:00"]  # strings, not base-60 numbers
    assert s["supplements[0].form"] == "oxide"
    assert s["supplements[0]"]["salt_dose"] == "500 mg"  # as given, not resolved to 0.5 g
    assert s["supplements[0].with_meal"] is True
    assert s["duration"] == "8 w"


def test_get_falls_back_to_the_resolved_defaults_unless_told_otherwise():
    s = magsim.Scenario.load(CKD)
    assert "solver" not in yaml.safe_load(s.to_yaml())  # not given ...
    assert s["solver.method"] == "dop853"  # ... but filled in by the parser
    assert s["solver.rtol"] == pytest.approx(1e-6)
    assert s.get("solver.method", resolved=False, default="none") == "none"
    assert s.get("supplements[0].salt_dose", resolved=True) == "0.5 g"


def test_get_follows_edits_and_parameter_names_with_dots():
    s = magsim.Scenario.load(HEALTHY).with_({"subject.egfr": "45 mL/min/1.73m2",
                                             "parameters.renal.gfr_scale": 0.5})
    assert s["subject.egfr"] == "45 mL/min/1.73m2"
    assert s["parameters.renal.gfr_scale"] == pytest.approx(0.5)


def test_a_missing_or_malformed_path_is_a_key_error_and_default_is_returned():
    s = magsim.Scenario.load(CKD)
    with pytest.raises(KeyError, match="supplements\\[5\\]"):
        s["supplements[5].dose"]
    with pytest.raises(KeyError):
        s["subject..egfr"]
    assert s.get("subject.no_such_key", None) is None
    assert "subject.egfr" in s and "subject.no_such_key" not in s and "[0]" not in s


def test_paths_and_key_completions_list_what_get_reads():
    s = magsim.Scenario.load(PPI)
    paths = s._ipython_key_completions_()
    assert paths == s.paths()
    for p in ("subject.egfr", "supplements[0].form", "medications[0].drug", "solver.rtol",
              "diet.meals[2]"):
        assert p in paths
    for p in paths:  # every completion can be read
        s.get(p)


# ---- with_ and set: re-running a cell ---------------------------------------------------------------

def test_with_returns_a_new_scenario_and_leaves_the_base_alone():
    base = magsim.Scenario.load(CKD)
    low = base.with_("subject.egfr", "15 mL/min/1.73m2")
    both = base.with_({"subject.egfr": "15 mL/min/1.73m2", "duration": "2 w"})
    assert base["subject.egfr"] == "20 mL/min/1.73m2" and base.edits == ()
    assert low["subject.egfr"] == "15 mL/min/1.73m2"
    assert both["duration"] == "2 w" and both.duration_h == pytest.approx(336.0)
    with pytest.raises(magsim.ScenarioError):
        base.with_("subject.egfr", "15")  # no unit: refused as in a file
    with pytest.raises(TypeError):
        base.with_("subject.egfr")  # no value


def test_rerunning_a_cell_with_with_does_not_append_twice():
    base = magsim.Scenario.load(CKD)
    for _ in range(3):  # the same cell run three times
        s = base.with_("medications[+]", OMEPRAZOLE)
    assert [m["drug"] for m in s["medications"]] == ["omeprazole"]


def test_set_does_not_repeat_an_append_it_already_made_and_says_so():
    s = magsim.Scenario.load(CKD)
    s.set("medications[+]", OMEPRAZOLE)
    with pytest.warns(UserWarning, match="already appended"):
        s.set("medications[+]", OMEPRAZOLE)  # the cell run again
    assert len(s["medications"]) == 1
    assert len(s.edits) == 1
    s.set("medications[+]", {**OMEPRAZOLE, "dose": "40 mg"})  # a different item is appended
    assert [m["dose"] for m in s["medications"]] == ["20 mg", "40 mg"]
    assert magsim.run(s.with_("duration", "2 d")).duration_h == pytest.approx(48.0)


def test_set_in_place_still_chains_and_repeats_are_no_ops():
    s = magsim.Scenario.load(CKD)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same = s.set("subject.egfr", "30 mL/min/1.73m2").set("subject.egfr", "30 mL/min/1.73m2")
    assert same is s and s.edits == ("subject.egfr=30 mL/min/1.73m2",)
    s.set("subject.egfr", "40 mL/min/1.73m2").set("subject.egfr", "30 mL/min/1.73m2")
    assert s["subject.egfr"] == "30 mL/min/1.73m2" and len(s.edits) == 3


# ---- to_yaml through PyYAML -------------------------------------------------------------------------

def shipped_scenarios():
    """Every scenario the project ships: the scenario files, the bases of the sweep files (with
    their set:) that are in the repository, and the examples' scenarios (a dataset's base gets
    a duration)."""
    cases = []
    for path in sorted(list(SCENARIOS.rglob("*.yaml")) + list((ROOT / "examples").rglob("*.yaml"))):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        name = str(path.relative_to(ROOT))
        if "sweep" in doc and isinstance(doc.get("base"), str):
            if not (path.parent / doc["base"]).exists():
                continue  # a base that `magsim fit` writes (examples/fitting/map_patient)
            base = magsim.Scenario.load(path.parent / doc["base"])
            cases.append((name, base.with_(doc.get("set") or {}) if doc.get("set") else base))
        elif "duration" in doc:
            cases.append((name, magsim.Scenario.load(path)))
        elif "subject" in doc and "name" in doc:  # a dataset's base: the CSV sets the rest
            text = path.read_text(encoding="utf-8") + "\nduration: 1 d\n"
            cases.append((name, magsim.Scenario.from_yaml(text, str(path))))
    return cases


def test_there_are_shipped_scenarios_of_every_kind():
    names = [n for n, _ in shipped_scenarios()]
    assert sum(n.startswith("scenarios/sweeps/") for n in names) == 2
    assert sum(n.startswith("examples/") for n in names) >= 3
    assert "scenarios/ckd_stage4_oxide.yaml" in names and len(names) >= 14


@pytest.mark.parametrize("name,scenario", shipped_scenarios(), ids=lambda x: str(x)[:60])
def test_to_yaml_round_trips_through_pyyaml(name, scenario):
    for s in (scenario, scenario.with_("subject.sex", scenario["subject.sex"])):
        # the second one has an edit, so its text is re-emitted (times come out unquoted)
        rebuilt = magsim.Scenario.from_dict(yaml.safe_load(s.to_yaml()))
        assert rebuilt.to_yaml(resolved=True) == s.to_yaml(resolved=True), name
        assert rebuilt.duration_h == s.duration_h


def test_times_come_back_as_text_and_numbers_as_numbers():
    s = magsim.Scenario.load(CKD).with_({"diet.meals": ["07:30", "12:30", "19:00"],
                                         "solver.rtol": 1e-7})
    assert "12:30" in s.to_yaml()
    data = yaml.safe_load(s.to_yaml())
    assert data["diet"]["meals"] == ["07:30", "12:30", "19:00"]  # once 750 for 12:30
    assert data["supplements"][0]["times"] == ["08:00", "19:00"]
    assert data["solver"]["rtol"] == pytest.approx(1e-7) and isinstance(data["solver"]["rtol"], float)
    assert data["supplements"][0]["with_meal"] is True
    assert magsim.Scenario.from_yaml(s.to_yaml()).to_yaml(resolved=True) == s.to_yaml(resolved=True)


def test_to_yaml_keeps_comments_of_an_unedited_file():
    text = CKD.read_text(encoding="utf-8")
    s = magsim.Scenario.from_yaml(text.replace('meals: ["07:30", "12:30", "19:00"]',
                                               "meals: [07:30, 12:30, 19:00]  # unquoted"))
    out = s.to_yaml()
    assert '["07:30", "12:30", "19:00"]  # unquoted' in out
    assert yaml.safe_load(out)["diet"]["meals"] == ["07:30", "12:30", "19:00"]


# ---- missing files ------------------------------------------------------------------------------------

def test_a_missing_scenario_is_file_not_found_with_its_path(tmp_path):
    missing = tmp_path / "missing.yaml"
    for call in (lambda: magsim.Scenario.load(missing), lambda: magsim.run(missing),
                 lambda: magsim.run(str(missing)), lambda: magsim.run_many([HEALTHY, missing]),
                 lambda: magsim.sweep(missing), lambda: magsim.fit(missing),
                 lambda: magsim.read_dataset(missing),
                 lambda: magsim.read_dataset(ROOT / "examples/fitting/iv_bolus/mapping.yaml",
                                             missing)):
        with pytest.raises(FileNotFoundError) as e:
            call()
        err = e.value
        assert err.filename == str(missing) and err.errno == errno.ENOENT
        assert isinstance(err, magsim.ScenarioError)  # what it was before, still caught so
        assert str(err).startswith(f"{missing}:1:1: error: cannot read ")
        again = pickle.loads(pickle.dumps(err))
        assert str(again) == str(err) and again.filename == err.filename


def test_missing_output_files_are_file_not_found_with_their_path(tmp_path):
    missing = tmp_path / "missing.h5"
    for call in (magsim.open, magsim.open_sweep, magsim.open_fit):
        with pytest.raises(FileNotFoundError) as e:
            call(missing)
        assert e.value.filename == str(missing)


def test_a_file_that_is_there_but_wrong_is_not_file_not_found(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("duration: 2\n")
    with pytest.raises(magsim.ScenarioError) as e:
        magsim.Scenario.load(bad)
    assert not isinstance(e.value, FileNotFoundError)


# ---- dir(magsim) ----------------------------------------------------------------------------------------

def test_dir_magsim_lists_the_public_api_only():
    names = dir(magsim)
    assert set(names) == set(magsim.__all__) | {"open"}
    for hidden in ("os", "TYPE_CHECKING", "Any", "Mapping", "annotations", "as_scenario",
                   "loaded_of", "_core", "_scenario", "_sweep"):
        assert hidden not in names
    for name in names:
        assert getattr(magsim, name) is not None
    for name in ("run", "run_many", "sweep", "explore", "vocabulary", "Scenario",
                 "MissingFileError"):
        assert name in names


# ---- progress ---------------------------------------------------------------------------------------------

def slow_handles(n):
    """n runs of about 0.5 s each (4 years of the healthy adult) as loaded scenarios."""
    s = magsim.Scenario.load(HEALTHY).with_("duration", "4 y")
    return [_core.load_text(s.to_yaml(), f"run{i}", []) for i in range(n)]


def test_the_core_reports_finished_runs_while_they_go_on():
    calls = []
    _core.run_many(slow_handles(3), 1, lambda done, total: calls.append((done, total)))
    assert len(calls) >= 3  # every 100 ms over about 1.5 s on one thread
    assert {t for _, t in calls} == {3}
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[0] < 3 and 0 < done[-1] <= 3


def test_the_core_reports_a_sweeps_finished_runs_while_they_go_on():
    text = (f"base: {HEALTHY}\nset: {{duration: 4 y}}\n"  # about 0.5 s each
            "sweep: {grid: {subject.egfr: [30 mL/min/1.73m2, 60 mL/min/1.73m2, "
            "90 mL/min/1.73m2]}}\nsummary: [serum_mg_total.final]\n")
    calls = []
    d = _core.sweep(text, "<test>", None, 1, None, [], lambda done, total: calls.append((done, total)))
    assert list(d["status"]) == ["ok"] * 3
    assert len(calls) >= 3 and {t for _, t in calls} == {3}
    done = [n for n, _ in calls]
    assert done == sorted(done) and done[0] < 3


def test_an_exception_in_the_progress_callback_stops_the_runs_and_is_raised():
    def boom(done, total):
        raise RuntimeError("stop here")
    with pytest.raises(RuntimeError, match="stop here"):
        _core.run_many(slow_handles(4), 1, boom)


def test_run_many_draws_a_bar_when_asked_and_none_otherwise(capsys):
    scenarios = [magsim.Scenario.load(HEALTHY).with_("duration", "2 d")] * 3
    magsim.run_many(scenarios, threads=2, progress=True)
    err = capsys.readouterr().err
    assert "magsim.run_many" in err and "3/3" in err
    magsim.run_many(scenarios, threads=2, progress=False)
    magsim.run_many(scenarios, threads=2)  # auto: stderr is not a terminal under pytest
    assert capsys.readouterr().err == ""
    with pytest.raises(TypeError):
        magsim.run_many(scenarios, progress="yes")


def test_sweep_draws_a_bar_of_its_runs(capsys):
    df = magsim.sweep(HEALTHY, set={"duration": "1 d"}, threads=2, progress=True,
                      grid={"subject.egfr": ["30 mL/min/1.73m2", "60 mL/min/1.73m2",
                                             "90 mL/min/1.73m2"]})
    assert len(df) == 3 and (df.status == "ok").all()
    err = capsys.readouterr().err
    assert "magsim.sweep" in err and "3/3" in err


def test_without_tqdm_there_is_no_bar_and_no_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import fails as if not installed
    scenarios = [magsim.Scenario.load(HEALTHY).with_("duration", "1 d")] * 2
    results = magsim.run_many(scenarios, threads=2, progress=True)
    assert len(results) == 2 and capsys.readouterr().err == ""


def test_a_notebook_with_progress_bars_runs_under_nbclient(tmp_path):
    """What `jupyter nbconvert --execute` does (tools/test runs the notebooks so): the bar of a
    kernel must not be a widget nbclient cannot take (Debian 12's ipywidgets 6)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    cell = nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        cell("import magsim\nfrom magsim import _progress\nprint(_progress._in_jupyter())"),
        cell(f"s = magsim.Scenario.load({str(HEALTHY)!r}).with_('duration', '2 d')\n"
             "print(len(magsim.run_many([s] * 3, threads=2, progress=True)))"),
        cell("df = magsim.sweep(s, grid={'subject.egfr': ['30 mL/min/1.73m2', '60 mL/min/1.73m2']},"
             " threads=2, progress=True)\nprint(len(df))"),
    ]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()

    def text(c, stream):
        return "".join(o.get("text", "") for o in c.outputs if o.get("name") == stream)

    def widget(c):
        return any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                   for o in c.outputs)

    assert text(nb.cells[0], "stdout").strip() == "True"  # the kernel is seen as Jupyter
    assert text(nb.cells[1], "stdout").strip().endswith("3")
    assert text(nb.cells[2], "stdout").strip().endswith("2")
    for c, what, n in ((nb.cells[1], "magsim.run_many", 3), (nb.cells[2], "magsim.sweep", 2)):
        shown = text(c, "stdout")  # the text bar goes to stdout in Jupyter (stderr is red)
        assert widget(c) or (what in shown and f"{n}/{n}" in shown)
        assert text(c, "stderr") == ""


def test_the_bar_does_not_change_the_results():
    scenarios = [magsim.Scenario.load(CKD).with_("subject.egfr", f"{e} mL/min/1.73m2")
                 for e in (15, 45)]
    a = magsim.run_many(scenarios, threads=2, progress=True)
    b = magsim.run_many(scenarios, threads=2, progress=False)
    for x, y in zip(a, b):
        assert np.array_equal(x["serum_mg_total"], y["serum_mg_total"])


# ---- rich displays ----------------------------------------------------------------------------------------

def test_result_html_shows_the_run_and_its_numbers_with_units():
    r = magsim.run(magsim.Scenario.load(CKD).with_("duration", "2 w"))
    page = r._repr_html_()
    assert "ckd-stage4-oxide" in page and "14 d (" in page
    assert f"{len(r.names)} series" in page
    assert f"{r.summary['serum_mg_end'].value:.4g} mmol/L" in page
    assert "urine Mg, last 24 h" in page and "%" in page
    assert page.count("<tr>") == page.count("</tr>") >= 6
    assert r._ipython_key_completions_() == ["time"] + r.names


def test_scenario_html_shows_its_settings_and_escapes_text():
    s = magsim.Scenario.load(PPI).with_("description", "<b>A & B</b>")
    page = s._repr_html_()
    assert "ppi-long-term" in page and "80 mL/min/1.73m2" in page
    assert "omeprazole" in page and "oxide" in page and "400 mg" in page
    assert "&lt;b&gt;A &amp; B&lt;/b&gt;" in page and "<b>A" not in page
    assert "description=&lt;b&gt;" in page  # the edit, escaped too


# ---- the vocabulary and magsim.explore ------------------------------------------------------------------

def test_vocabulary_is_the_one_the_parser_checks():
    v = magsim.vocabulary()
    forms = [f["name"] for f in v["salt_forms"]]
    assert {"oxide", "citrate", "glycinate"} <= set(forms)
    assert "omeprazole" in [d["name"] for d in v["drugs"]]
    s = magsim.Scenario.load(CKD)
    for f in v["salt_forms"]:
        if f["oral"]:
            s.with_("supplements[0].form", f["name"])  # accepted
    with pytest.raises(magsim.ScenarioError):
        s.with_("supplements[0].form", "unobtainium")


def test_explore_reruns_and_redraws_when_a_control_changes():
    e = magsim.explore(magsim.Scenario.load(PPI).with_("duration", "4 w"))
    assert e.error == "" and set(e.controls) == {"dose", "form", "egfr", "drug:0"}
    t0, y0 = (a.copy() for a in e.lines())

    e.controls["dose"].value = 1600.0  # mg of salt, from 400
    assert e.scenario["supplements[0].salt_dose"] == "1600 mg"
    t1, y1 = e.lines()
    assert np.array_equal(t0, t1) and not np.array_equal(y0, y1)
    assert y1[-1] > y0[-1]  # more Mg: higher serum Mg (a little: the kidneys excrete most)

    e.controls["egfr"].value = 15.0
    assert e.scenario["subject.egfr"] == "15 mL/min/1.73m2"
    assert e.lines()[1][-1] > y1[-1]  # less filtration: higher still

    e.controls["drug:0"].value = False  # omeprazole off
    assert e.scenario.get("medications") == []
    assert "serum Mg at the end" in e._status.value


def test_explore_offers_the_models_oral_forms_and_adds_a_supplement_when_there_is_none():
    v = magsim.vocabulary()
    oral = [f["name"] for f in v["salt_forms"] if f["oral"] and not f["alias_of"]]
    s = magsim.Scenario.load(HEALTHY).with_({"duration": "2 d", "supplements": []})
    e = magsim.explore(s, ["serum_mg_total", "urine_mg_rate"])
    assert list(e.controls["form"].options) == oral
    assert "supplements" not in e.edits()  # dose 0: nothing added
    _, before = e.lines("urine_mg_rate")
    before = before.copy()
    e.controls["form"].value = "citrate"
    e.controls["dose"].value = 400.0
    assert e.scenario["supplements"][0]["form"] == "citrate"
    assert e.lines("urine_mg_rate")[1].sum() > before.sum()


def test_explore_refuses_a_series_the_run_does_not_have():
    with pytest.raises(KeyError, match="no_such_series"):
        magsim.explore(magsim.Scenario.load(CKD).with_("duration", "2 d"), "no_such_series")


def test_explore_without_ipywidgets_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match="python3-ipywidgets"):
        magsim.explore(CKD)

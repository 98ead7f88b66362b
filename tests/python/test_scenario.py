"""magsim.Scenario and magsim.ScenarioError: scenarios built in Python are validated exactly as
the CLI validates files, and every mistake reads as the CLI prints it (FILE:LINE:COLUMN)."""

import os
import pickle
import subprocess
from pathlib import Path

import pytest

import magsim

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
BAD = ROOT / "tests" / "bad_scenarios"
CLI = os.environ.get("MAGSIM_CLI", str(ROOT / "build" / "bin" / "magsim"))


def cli(*args, cwd=None):
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd)


def first_error_line(stderr):
    return next(line for line in stderr.splitlines() if ": error: " in line)


# ---- building scenarios ------------------------------------------------------------------------

def test_load_reads_a_file_and_keeps_its_text():
    path = SCENARIOS / "ckd_stage4_oxide.yaml"
    s = magsim.Scenario.load(path)
    assert s.file == str(path)
    assert s.name == "ckd-stage4-oxide"
    assert "CKD stage G4" in s.description
    assert s.duration_h == pytest.approx(8 * 7 * 24)
    assert s.to_yaml() == path.read_text()
    assert s.edits == ()


def test_resolved_yaml_matches_magsim_check_resolved():
    path = SCENARIOS / "ppi_long_term.yaml"
    out = cli("check", path, "--resolved")
    assert out.returncode == 0, out.stderr
    resolved = magsim.Scenario.load(path).to_yaml(resolved=True)
    assert resolved.strip() in out.stdout


def test_from_yaml_and_from_dict_describe_the_same_scenario():
    text = ('name: two-days\nduration: 2 d\nsubject: {sex: male, age: 50 y, weight: 80 kg, '
            'egfr: 70 mL/min/1.73m2}\nsupplements:\n  - {form: citrate, dose: 150 mg, '
            'times: ["08:00"]}\n')
    a = magsim.Scenario.from_yaml(text, name="mine.yaml")
    b = magsim.Scenario.from_dict({
        "name": "two-days", "duration": "2 d",
        "subject": {"sex": "male", "age": "50 y", "weight": "80 kg", "egfr": "70 mL/min/1.73m2"},
        "supplements": [{"form": "citrate", "dose": "150 mg", "times": ["08:00"]}],
    })
    assert a.file == "mine.yaml" and b.file == "<dict>"
    assert a.name == b.name == "two-days"
    assert a.to_yaml(resolved=True) == b.to_yaml(resolved=True)
    assert magsim.Scenario(text).to_yaml(resolved=True) == a.to_yaml(resolved=True)


def test_from_dict_rejects_what_is_not_a_mapping():
    with pytest.raises(TypeError):
        magsim.Scenario.from_dict(["duration", "2 d"])


def test_run_refuses_yaml_text_given_as_a_path_like_string_type():
    with pytest.raises(TypeError):
        magsim.run(42)


# ---- edits -------------------------------------------------------------------------------------

def test_set_changes_the_value_and_chains():
    s = magsim.Scenario.load(SCENARIOS / "healthy_adult.yaml")
    same = s.set("subject.egfr", "30 mL/min/1.73m2").set("duration", "2 w")
    assert same is s
    assert s.duration_h == pytest.approx(14 * 24)
    assert "egfr: 30 mL/min/1.73m2" in s.to_yaml(resolved=True)
    assert s.edits == ("subject.egfr=30 mL/min/1.73m2", "duration=2 w")


def test_set_accepts_python_values_written_as_yaml():
    s = magsim.Scenario.load(SCENARIOS / "citrate_vs_oxide_citrate.yaml")
    s.set("diet.meals", ["08:00", "18:00"]).set("solver.rtol", 1e-7)
    s.set("supplements[0]", {"form": "oxide", "dose": "10 mmol", "at": "32 h"})
    resolved = s.to_yaml(resolved=True)
    assert "08:00" in resolved and "18:00" in resolved and "12:30" not in resolved
    assert "form: oxide" in resolved
    assert "rtol: 1e-07" in resolved or "rtol: 1.0e-07" in resolved


def test_set_parameter_by_dotted_name():
    s = magsim.Scenario.load(SCENARIOS / "healthy_adult.yaml")
    s.set("parameters.renal.gfr_scale", 0.5)
    assert "renal.gfr_scale: 0.5" in s.to_yaml(resolved=True)


def test_set_checks_units_at_once_and_leaves_the_scenario_unchanged():
    s = magsim.Scenario.load(SCENARIOS / "healthy_adult.yaml").set("duration", "3 d")
    before = s.to_yaml(resolved=True)
    with pytest.raises(magsim.ScenarioError) as missing:
        s.set("subject.egfr", "30")
    assert missing.value.file == "--set" and missing.value.line == 1
    assert "missing unit" in missing.value.message
    with pytest.raises(magsim.ScenarioError) as wrong:
        s.set("subject.egfr", "30 mg")
    assert "mg" in wrong.value.message
    assert s.to_yaml(resolved=True) == before and s.edits == ("duration=3 d",)


@pytest.mark.parametrize("edit", [
    ("subject.egfr", "30"),
    ("subject.egfr", "30 mg"),
    ("subject.egrf", "30 mL/min/1.73m2"),
    ("supplements[3].dose", "1 mg"),
    ("duration", "[1, 2"),
])
def test_set_errors_read_as_the_cli_prints_them(edit):
    path = SCENARIOS / "healthy_adult.yaml"
    with pytest.raises(magsim.ScenarioError) as err:
        magsim.Scenario.load(path).set(*edit)
    out = cli("check", path, "--set", f"{edit[0]}={edit[1]}")
    assert out.returncode == 2
    assert str(err.value) == first_error_line(out.stderr)


def test_copy_is_independent():
    a = magsim.Scenario.load(SCENARIOS / "healthy_adult.yaml")
    b = a.copy().set("subject.egfr", "45 mL/min/1.73m2")
    assert a.edits == () and len(b.edits) == 1
    assert "egfr: 45" not in a.to_yaml(resolved=True)


def test_repr_names_the_scenario():
    s = magsim.Scenario.load(SCENARIOS / "healthy_adult.yaml").set("duration", "2 d")
    assert "healthy" in repr(s) and "duration=2 d" in repr(s)


# ---- errors ------------------------------------------------------------------------------------

BAD_FILES = sorted(BAD.glob("*.yaml"))


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_every_bad_scenario_raises_the_cli_message(path):
    with pytest.raises(magsim.ScenarioError) as err:
        magsim.Scenario.load(path)
    out = cli("check", path)
    assert out.returncode == 2
    assert str(err.value) == first_error_line(out.stderr)
    e = err.value
    assert str(e) == f"{e.file}:{e.line}:{e.column}: error: {e.message}"


def test_bad_yaml_points_at_the_unclosed_bracket():
    text = "duration: 2 d\ndiet:\n  meals: [\"07:30\", \"12:30\"\nsubject: {egfr: 60 mL/min/1.73m2}\n"
    with pytest.raises(magsim.ScenarioError) as err:
        magsim.Scenario.from_yaml(text, name="typed.yaml")
    assert (err.value.file, err.value.line, err.value.column) == ("typed.yaml", 3, 10)
    assert "never closed" in err.value.message


def test_unknown_key_is_reported_with_line_column_and_a_suggestion():
    with pytest.raises(magsim.ScenarioError) as err:
        magsim.Scenario.from_dict({"duration": "2 d", "subject": {"egrf": "60 mL/min/1.73m2"}})
    e = err.value
    assert (e.file, e.line, e.column) == ("<dict>", 3, 3)
    assert "did you mean 'egfr'" in e.message


def test_missing_unit_is_reported_in_a_dict():
    with pytest.raises(magsim.ScenarioError) as err:
        magsim.run({"duration": "2 d", "subject": {"egfr": 30}})
    assert (err.value.line, err.value.column) == (3, 9)
    assert "missing unit" in err.value.message


def test_unreadable_file_is_a_scenario_error_at_1_1():
    with pytest.raises(magsim.ScenarioError) as err:
        magsim.Scenario.load("/nonexistent/scenario.yaml")
    assert (err.value.line, err.value.column) == (1, 1)


def test_scenario_error_is_a_value_error_and_pickles():
    with pytest.raises(ValueError):
        magsim.Scenario.from_yaml("duration: 2\n")
    e = magsim.ScenarioError("missing unit", "f.yaml", 3, 9)
    again = pickle.loads(pickle.dumps(e))
    assert str(again) == str(e) == "f.yaml:3:9: error: missing unit"
    assert isinstance(e, magsim.MagsimError)


def test_a_scenario_pickles_with_its_edits():
    import pickle
    s = magsim.Scenario.load(SCENARIOS / "healthy_adult.yaml").set("subject.egfr", "45 mL/min/1.73m2")
    t = pickle.loads(pickle.dumps(s))
    assert t.edits == s.edits and t.file == s.file
    assert t.to_yaml() == s.to_yaml() and t.to_yaml(resolved=True) == s.to_yaml(resolved=True)


def test_set_refuses_a_self_referencing_alias_without_killing_the_interpreter():
    """Issue 11, item 1: `Scenario.set` with `&a [*a]` overflowed the stack and killed Python."""
    s = magsim.Scenario.load(SCENARIOS / "healthy_adult.yaml")
    with pytest.raises(magsim.ScenarioError, match="nests more than 64 levels"):
        magsim.run(s.set("description", "&a [*a]"))
    # "billion laughs": eight anchors, each ten of the one before: 10^8 values from ~300 bytes
    parts, prev = ["&a0 [x, x, x, x, x, x, x, x, x, x]"], "a0"
    for i in range(1, 9):
        parts.append(f"&a{i} [" + ", ".join([f"*{prev}"] * 10) + "]")
        prev = f"a{i}"
    with pytest.raises(magsim.ScenarioError, match="expands to more than"):
        magsim.run(s.set("description", "[" + ", ".join(parts) + "]"))


# ---- issue 11, item 12: misleading messages ----------------------------------------------------

def test_set_value_yaml_cannot_represent_is_a_type_error_not_a_representer_error():
    """yaml's RepresenterError leaked out of Scenario.set and Scenario.from_dict."""
    import yaml
    s = magsim.Scenario.load(SCENARIOS / "healthy_adult.yaml")
    for value in (object(), [1, object()], {"a": complex(1, 2)}):
        with pytest.raises(TypeError, match=r"Scenario.set\('description'\): cannot write") as err:
            s.set("description", value)
        assert not isinstance(err.value, yaml.YAMLError)
    assert s.edits == ()  # unchanged
    with pytest.raises(TypeError, match=r"Scenario.from_dict: cannot write object"):
        magsim.Scenario.from_dict({"duration": "1 d", "description": object()})


def test_set_path_with_equals_is_an_error_not_silently_split():
    """`s.set("description=x", "y")` used to set description to 'x=y'."""
    s = magsim.Scenario.load(SCENARIOS / "healthy_adult.yaml")
    with pytest.raises(magsim.ScenarioError) as err:
        s.set("description=x", "y")
    e = err.value
    assert (e.file, e.line, e.column) == ("--set", 1, 12)
    assert "'=' in the path 'description=x'" in e.message and "set('description', 'x')" in e.message
    assert s.edits == ()
    with pytest.raises(magsim.ScenarioError, match="'=' in the path"):
        magsim.sweep(SCENARIOS / "healthy_adult.yaml", grid={"description=x": ["y"]}, threads=1)
    with pytest.raises(magsim.ScenarioError, match="'=' in the path"):
        magsim.sweep(ROOT / "tests" / "sweeps" / "small_grid.yaml", edits={"duration=1 d": "2 d"})


def test_a_utf16_file_is_refused_by_name(tmp_path):
    """A UTF-16 BOM stayed in the first key; now the file is named UTF-16, as by the CLI."""
    text = (SCENARIOS / "healthy_adult.yaml").read_text(encoding="utf-8")
    path = tmp_path / "utf16.yaml"
    path.write_bytes(text.encode("utf-16"))  # with a BOM
    with pytest.raises(magsim.ScenarioError, match=r"UTF-16 .*save it as UTF-8") as err:
        magsim.Scenario.load(path)
    assert (err.value.line, err.value.column) == (1, 1)
    assert err.value.message.split("; ")[0] in cli("check", path).stderr
    with pytest.raises(magsim.ScenarioError, match="UTF-16"):
        magsim.sweep(path, grid={"duration": ["1 d"]}, threads=1)
    bom = tmp_path / "utf8_bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert magsim.Scenario.load(bom).name == "healthy-adult"  # a UTF-8 BOM is skipped


def test_a_directory_as_a_base_scenario_is_said_to_be_a_directory(tmp_path):
    """A directory as a sweep's base read as an empty file: 'the scenario is empty'."""
    (tmp_path / "base").mkdir()
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("base: base\nsweep: {grid: {duration: [1 d]}}\nsummary: [serum_mg_total.final]\n")
    done = cli("sweep", sweep, "-o", tmp_path / "out.h5")
    assert done.returncode == 2
    assert "it is a directory, not a file" in done.stderr and "empty" not in done.stderr

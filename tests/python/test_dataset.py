"""magsim.read_dataset: an event dataset read as `magsim dataset check` reads it, one Scenario and
one observations DataFrame per ID; mistakes raise ScenarioError at the CSV's FILE:ROW:COL."""

import math
from pathlib import Path

import pytest

import magsim

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT / "tests" / "datasets"
BAD = ROOT / "tests" / "bad_datasets"
MG_MOLAR_MASS = 24.305  # g/mol


def test_every_id_becomes_a_scenario_and_an_observation_table():
    subjects = magsim.read_dataset(DATASETS / "mapping.yaml")
    assert [s.id for s in subjects] == ["1", "2", "3"]
    assert subjects.file == str(DATASETS / "patients.csv")
    assert subjects.series_units == {"serum_mg_total": "mmol/L", "cum_urine": "mmol"}
    assert any("covariate AGE of ID 1 changes" in w for w in subjects.warnings)
    s1 = subjects.by_id("1")
    assert isinstance(s1.scenario, magsim.Scenario)
    assert s1.scenario.duration_h == 60
    assert "dose: 150 mg, at: [0 h, 12 h, 24 h, 36 h]" in s1.scenario.to_yaml()
    assert s1.doses == 4
    obs = s1.observations
    assert list(obs.columns) == ["series", "time_h", "start_h", "value", "unit", "censored", "where"]
    assert list(obs["series"]) == ["serum_mg_total", "serum_mg_total", "cum_urine"]
    assert obs["value"][0] == pytest.approx(2.1 * 10 / MG_MOLAR_MASS, rel=1e-12)  # mg/dL -> mmol/L
    assert math.isnan(obs["start_h"][0])
    assert list(obs["censored"]) == [False, True, False]
    assert (obs["start_h"][2], obs["time_h"][2], obs["value"][2]) == (6.0, 30.0, 3.9)
    assert obs["where"][0].endswith("patients.csv:4:10")


def test_a_subject_runs_and_gives_its_observed_series_at_the_observation_times():
    s = magsim.read_dataset(DATASETS / "mapping.yaml").by_id("2")
    r = magsim.run(s.scenario)
    for _, o in s.observations.iterrows():
        i = list(r.time).index(o["time_h"])
        assert r.units[o["series"]] == o["unit"]
        assert math.isfinite(r[o["series"]][i])


def test_the_csv_on_the_command_line_replaces_the_mappings_dataset(tmp_path):
    (tmp_path / "other.csv").write_text("ID,TIME,CONC,CMT,AGE,SEX,WT,EGFR\n7,1,0.8,10,.,.,.,.\n")
    subjects = magsim.read_dataset(DATASETS / "mapping.yaml", tmp_path / "other.csv")
    assert [s.id for s in subjects] == ["7"]
    assert subjects[0].observations["value"][0] == pytest.approx(0.8 * 10 / MG_MOLAR_MASS)


def test_an_empty_observation_table_has_the_columns_and_types():
    s = magsim.read_dataset(DATASETS / "mapping.yaml").by_id("3")
    assert len(s.observations) == 1
    assert str(s.observations["censored"].dtype) == "bool"


@pytest.mark.parametrize("name, where", [
    ("negative_amt.csv", (3, 3)),
    ("unsorted_time.csv", (4, 2)),
    ("implausible_dose_in_scenario.csv", (3, 3)),
])
def test_mistakes_raise_scenario_error_at_row_and_column(name, where):
    with pytest.raises(magsim.ScenarioError) as e:
        magsim.read_dataset(BAD / "common" / "mapping.yaml", BAD / name)
    assert e.value.file == str(BAD / name)
    assert (e.value.line, e.value.column) == where
    expected = (BAD / name).read_text().splitlines()[0].split(": ", 2)[2]
    assert expected in str(e.value)


def test_a_mapping_mistake_points_into_the_mapping():
    with pytest.raises(magsim.ScenarioError) as e:
        magsim.read_dataset(BAD / "dv_unit_kg_for_serum.yaml")
    assert (e.value.line, e.value.column) == (5, 39)
    assert "'kg' is not a unit of serum_mg_total" in str(e.value)

"""run_many and the GIL: runs on C++ threads give exactly the serial results, other Python
threads keep running during a simulation, and Ctrl-C stops a run."""

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import magsim
from gil_probe import ticks_during

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


def ckd_series():
    base = magsim.Scenario.load(SCENARIOS / "ckd_stage4_oxide.yaml").set("duration", "3 w")
    return [base.copy().set("subject.egfr", f"{e} mL/min/1.73m2") for e in (15, 30, 45, 60, 90)]


def identical(a, b):
    return (a.names == b.names and np.array_equal(a.time, b.time)
            and all(np.array_equal(a[n], b[n]) for n in a.names))


@pytest.mark.parametrize("threads", [1, 2, 3, 8])
def test_threaded_runs_are_identical_to_serial_runs(threads):
    scenarios = ckd_series() + [SCENARIOS / "citrate_vs_oxide_oxide.yaml"]
    serial = [magsim.run(s) for s in scenarios]
    threaded = magsim.run_many(scenarios, threads=threads)
    assert len(threaded) == len(serial)
    for a, b in zip(serial, threaded):
        assert identical(a, b)
        assert a.scenario_file == b.scenario_file


def test_run_many_keeps_the_input_order():
    results = magsim.run_many(ckd_series(), threads=2)
    egfr = [r.parameters.set_index("name").loc["renal.egfr", "value"] for r in results]
    assert egfr == pytest.approx([15, 30, 45, 60, 90])
    # Lower GFR, higher serum Mg on the same oxide dose.
    end = [r["serum_mg_total"][-1] for r in results]
    assert all(x > y for x, y in zip(end, end[1:]))


def test_run_many_of_nothing_and_bad_arguments():
    assert magsim.run_many([], threads=2) == []
    with pytest.raises(ValueError):
        magsim.run_many(ckd_series(), threads=0)
    with pytest.raises(TypeError):
        magsim.run_many(str(SCENARIOS / "healthy_adult.yaml"))


def test_a_bad_scenario_is_reported_before_anything_runs():
    with pytest.raises(magsim.ScenarioError) as err:
        magsim.run_many([SCENARIOS / "healthy_adult.yaml", {"duration": "2"}], threads=2)
    assert err.value.file == "<dict>"


def failing_scenario():
    return magsim.Scenario.load(SCENARIOS / "healthy_adult.yaml").set(
        "parameters.renal.gfr_scale", "0").set("duration", "2 d")


def test_numerical_failures_are_raised_or_returned_in_place():
    try:
        magsim.run(failing_scenario())
        pytest.skip("the model no longer fails numerically without renal excretion")
    except magsim.SimulationError:
        pass
    good = SCENARIOS / "citrate_vs_oxide_citrate.yaml"
    with pytest.raises(magsim.SimulationError):
        magsim.run_many([good, failing_scenario()], threads=2)
    out = magsim.run_many([good, failing_scenario(), good], threads=2, return_exceptions=True)
    assert isinstance(out[0], magsim.Result) and isinstance(out[2], magsim.Result)
    assert isinstance(out[1], magsim.SimulationError) and "steady state" in str(out[1])


def long_scenario(years):
    return magsim.Scenario.load(SCENARIOS / "healthy_adult.yaml").set("duration", f"{years} y")


def test_the_gil_is_released_while_simulating():
    ticks, elapsed = ticks_during(
        lambda: magsim.run(long_scenario(4)))
    # With the GIL held for the whole run the counter could tick once at most; released, it
    # ticks about every millisecond (leniently: a loaded machine sleeps longer).
    assert elapsed > 0.05
    assert ticks >= 10


def test_ctrl_c_stops_a_run_with_keyboard_interrupt():
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    start = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            magsim.run_many([long_scenario(150)] * 2, threads=2)
    finally:
        timer.cancel()
    assert time.perf_counter() - start < 10

"""magsim: whole-body magnesium simulation from Python.

The same engine, model, scenario format and HDF5 output as the ``magsim`` command line::

    import magsim
    r = magsim.run("scenarios/healthy_adult.yaml")          # or a dict, or a magsim.Scenario
    r.time, r["serum_mg_total"], r.units["serum_mg_total"]    # NumPy arrays (h, mmol/L)
    r.summary; r.to_pandas(); r.to_xarray(); r.plot(); r.save("healthy.h5")

    s = magsim.Scenario.load("scenarios/ckd_stage4_oxide.yaml")
    s.set("subject.egfr", "30 mL/min/1.73m2")                 # checked like the file, at once
    low = s.with_("subject.egfr", "15 mL/min/1.73m2")         # a changed copy (s unchanged)
    s["subject.egfr"], s.get("solver.rtol")                   # values as the YAML has them
    results = magsim.run_many([s, ...], threads=2)            # C++ threads, GIL released
    magsim.explore(s)                                         # Jupyter: sliders, live plot
    magsim.open("scenarios/healthy_adult.h5")                 # a CLI result as a Result
    magsim.parameters()                                       # the table of `magsim params`

    df = magsim.sweep(s, grid={"supplements[0].dose": ["0 mg", "150 mg"]}, threads=2)
    df = magsim.sweep("scenarios/sweeps/dose_response_by_salt.yaml")   # a sweep file as it is
    df = magsim.open_sweep("dose_response.h5")                # `magsim sweep` output, same frame

    f = magsim.fit("patient.fit.yaml", profile=True)          # MAP or pooled fit of a fit file
    f.estimates; f.predictions; f.plot(); f.predict(); f.save("patient.h5")
    magsim.open_fit("patient.h5")                             # `magsim fit` output, same tables

    subjects = magsim.read_dataset("mapping.yaml")            # event dataset: NONMEM-style CSV
    subjects[0].id, subjects[0].scenario, subjects[0].observations   # str, Scenario, DataFrame

Bad scenarios raise :class:`ScenarioError` (the CLI's ``FILE:LINE:COLUMN: error:`` text), a
missing input file :class:`MissingFileError` (a ``FileNotFoundError`` too); numerical failures
raise :class:`SimulationError`. ``run_many``, ``sweep`` and ``fit`` show a progress bar (tqdm)
when they take a while and someone is watching (``progress=False`` turns it off).
"""

from __future__ import annotations

import os as _os
from collections.abc import Mapping as _Mapping
from typing import TYPE_CHECKING

from . import _core
from ._dataset import Dataset, DatasetSubject, read_dataset
from ._errors import MagsimError, MissingFileError, ScenarioError, SimulationError
from ._explore import explore
from ._fit import FitResult, fit, open_fit
from ._progress import progress_bar as _progress_bar
from ._result import DEFAULT_PLOT_VARIABLES, Quantity, Result, plot_runs
from ._scenario import Scenario, as_scenario as _as_scenario, loaded_of as _loaded_of
from ._sweep import DEFAULT_SWEEP_SUMMARY, open_sweep, sweep

if TYPE_CHECKING:
    from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

    import pandas

    from ._scenario import ScenarioLike

# `open` is public (magsim.open) but left out of __all__, so that `from magsim import *` does not
# shadow the builtin open().
__all__ = [
    "__version__", "git_revision",
    "run", "run_many", "sweep", "open_sweep", "parameters", "vocabulary", "plot_runs",
    "read_dataset", "fit", "open_fit", "explore",
    "Scenario", "Result", "Quantity", "Dataset", "DatasetSubject", "FitResult",
    "MagsimError", "ScenarioError", "SimulationError", "MissingFileError",
    "DEFAULT_PLOT_VARIABLES", "DEFAULT_SWEEP_SUMMARY",
]

#: The magsim version (the same as ``magsim --version``).
__version__: str = _core.__version__
#: The git revision magsim was built from.
git_revision: str = _core.git_revision


def __dir__() -> "List[str]":
    # dir(magsim) and tab completion: the public API only (not the helper modules).
    return sorted(set(__all__) | {"open"})


def run(scenario: ScenarioLike, sets: Optional[Mapping[str, Any]] = None) -> Result:
    """Simulate one scenario and return its :class:`Result` (as ``magsim run``, in memory).

    Args:
        scenario: a scenario file path, a :class:`Scenario`, or a dict shaped like the YAML.
        sets: optional edits ``{"subject.egfr": "30 mL/min/1.73m2", ...}``, applied as
            :meth:`Scenario.set` (the CLI's ``--set``) to a copy.

    The GIL is released while the engine works, so other Python threads keep running; Ctrl-C
    (a notebook's "interrupt") stops the run and raises KeyboardInterrupt.

    Raises:
        MissingFileError: no scenario file at that path (a ``FileNotFoundError``).
        ScenarioError: the scenario is wrong (file, line, column as the CLI prints them).
        SimulationError: the steady state or the integration failed.
    """
    s = _as_scenario(scenario, sets)
    return Result(_core.run(_loaded_of(s)))


def run_many(scenarios: "Sequence[ScenarioLike]", threads: "Optional[int]" = None, *,
             return_exceptions: bool = False,
             progress: "Optional[bool]" = None) -> "List[Union[Result, SimulationError]]":
    """Simulate several scenarios on ``threads`` C++ threads; Results in the input order.

    Each run is exactly what :func:`run` gives for the same scenario (the engine is
    deterministic and the runs share nothing). All scenarios are parsed and validated first,
    so a bad one raises :class:`ScenarioError` before anything runs.

    Args:
        scenarios: file paths, :class:`Scenario` objects or dicts.
        threads: worker threads (default: the number of hardware threads).
        return_exceptions: if True, a run that fails numerically gives its
            :class:`SimulationError` in its place in the list; otherwise the first failure (in
            input order) is raised once all runs have finished.
        progress: a progress bar (tqdm; a widget in Jupyter, text in a terminal) counting
            finished runs. None (default): shown for more than one run when stderr is a
            terminal or the code runs in Jupyter, once the call has taken over 1 s; True:
            always; False: never. Without tqdm installed there is no bar.
    """
    if isinstance(scenarios, (str, _os.PathLike, _Mapping, Scenario)):
        raise TypeError("run_many takes a list of scenarios; for one, use magsim.run")
    if threads is None:
        threads = _core.hardware_threads()
    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
    handles = [_loaded_of(_as_scenario(s)) for s in scenarios]
    bar = _progress_bar(progress, len(handles), "magsim.run_many")
    if bar is None:
        items = _core.run_many(handles, threads)
    else:
        with bar:
            items = _core.run_many(handles, threads, bar)
    out: "List[Union[Result, SimulationError]]" = []
    for item in items:
        if isinstance(item, BaseException):
            if not return_exceptions:
                raise item
            out.append(item)
        else:
            out.append(Result(item))
    return out


def open(path: "Union[str, _os.PathLike[str]]") -> Result:  # noqa: A001 - magsim.open reads a run file
    """Read a run file written by ``magsim run`` (or :meth:`Result.save`) into a :class:`Result`.

    Raises:
        FileNotFoundError: no file at ``path``.
        OSError: the file is not HDF5 or not a magsim run file.
    """
    file = _os.fspath(path)
    if not _os.path.exists(file):
        raise FileNotFoundError(2, "No such file or directory", file)
    try:
        return Result(_core.open(file))
    except RuntimeError as e:
        raise OSError(str(e)) from e


def parameters() -> "pandas.DataFrame":
    """Every model parameter, as ``magsim params`` lists them: a DataFrame with columns name,
    value, unit, min, max (the plausible range), source and note. Override one in a scenario
    under ``parameters:`` (or ``Scenario.set("parameters.NAME", value)``) by its name."""
    import pandas as pd
    rows = _core.parameters()
    return pd.DataFrame(rows, columns=["name", "value", "unit", "min", "max", "source", "note"])


def vocabulary() -> "Dict[str, Any]":
    """The names a scenario may use, from the model itself (what the scenario parser checks
    names against)::

        {"salt_forms": [{"name": "citrate", "formula": ..., "mg_mass_fraction": ...,
                         "oral": True, "iv": False, "alias_of": ""}, ...],
         "drugs": [{"name": "omeprazole", "drug_class": "ppi", "routes": ["oral"],
                    "chelates_with_mg": False}, ...],
         "conditions": [...], "sexes": ["female", "male"]}

    ``mg_mass_fraction`` is g of Mg per g of salt as sold; ``alias_of`` names the form a
    salt name stands for ("" if none)."""
    return _core.vocabulary()

"""Type stubs for magsim._core, the C++ extension (engine, magnesium model, HDF5 output).

Internal: use the package ``magsim``, which wraps these calls.
"""

from typing import Any, Callable, Dict, List, Optional, Tuple, TypedDict, Union

import numpy as np
import numpy.typing as npt

__version__: str
git_revision: str

class LoadedScenario:
    """A parsed, validated scenario ready to run."""

    @property
    def file(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def duration_h(self) -> float: ...
    @property
    def given_text(self) -> str: ...
    @property
    def resolved_text(self) -> str: ...

class RunData:
    """One run's series and metadata (from a simulation or a run file)."""

    @property
    def time(self) -> npt.NDArray[np.float64]: ...
    def series(self, name: str) -> npt.NDArray[np.float64]: ...
    @property
    def names(self) -> List[str]: ...
    @property
    def units(self) -> Dict[str, str]: ...
    @property
    def descriptions(self) -> Dict[str, str]: ...
    @property
    def attributes(self) -> Dict[str, Union[float, str]]: ...
    @property
    def parameters(self) -> List[Dict[str, Any]]: ...
    @property
    def events(self) -> List[Tuple[float, str, str, float, str]]: ...
    @property
    def scenario_given(self) -> str: ...
    @property
    def scenario_resolved(self) -> str: ...
    @property
    def scenario_file(self) -> str: ...
    @property
    def duration_h(self) -> float: ...
    @property
    def retention_percent(self) -> float: ...
    @property
    def simulated(self) -> bool: ...
    @property
    def source_path(self) -> str: ...
    def save(self, path: str) -> None: ...

def load_file(path: str, sets: List[str]) -> LoadedScenario:
    """Parse and validate a scenario file (with --set style edits)."""

def read_dataset(mapping: str, data: str) -> Dict[str, Any]: ...
def load_text(text: str, name: str, sets: List[str]) -> LoadedScenario:
    """Parse and validate scenario text; `name` stands for the file in messages."""

def run(scenario: LoadedScenario) -> RunData:
    """Simulate one loaded scenario (GIL released)."""

def run_many(scenarios: List[LoadedScenario], threads: int,
             progress: Optional[Callable[[int, int], None]] = None
             ) -> List[Union[RunData, BaseException]]:
    """Simulate loaded scenarios on `threads` C++ threads; one RunData or exception each.
    `progress(done, total)` is called about every 100 ms while they run (GIL held); what it
    raises stops the runs and is raised here."""

def open(path: str) -> RunData:
    """Read a run file written by magsim."""

def run_format(path: str) -> str:
    """'hdf5' (.h5, .hdf5), 'csv' (.csv) or 'netcdf' (.nc): the format a run saved at `path`
    gets; ValueError for any other extension."""

def check_output_path(path: str, what: str) -> None:
    """Raise RuntimeError unless `path` may be replaced by a rename (absent or a regular file in
    an existing, writable directory)."""

def fresh_temporary_path(path: str) -> str:
    """A fresh temporary name beside `path`, after removing dead processes' temporaries."""

class SweepData(TypedDict):
    """What sweep() returns: the rows of the runs computed (M of them), in run order."""

    runs: int                                         # N: runs in the whole sweep
    shard: str                                        # "" or "I/N"
    run: npt.NDArray[np.uint64]                       # (M) run indices
    inputs: Dict[str, npt.NDArray[Any]]               # name -> (M) float64, or object (str)
    summary: Dict[str, npt.NDArray[np.float64]]       # metric -> (M) float64, NaN if failed
    status: npt.NDArray[np.object_]                   # (M) "ok" / "failed" / "not_run"
    message: npt.NDArray[np.object_]                  # (M) why a run failed, "" if ok
    wall_time: npt.NDArray[np.float64]                # (M) s per run
    series: Dict[str, npt.NDArray[np.float64]]        # name -> (M, T) with keep_series
    time: npt.NDArray[np.float64]                     # (T) h; empty without kept series
    units: Dict[str, str]                             # column -> unit (text columns: if any)
    descriptions: Dict[str, str]                      # column -> one line
    fingerprint: str                                  # 16 hex digits, as in the sweep file
    sweep_file: str                                   # `name` as given
    sweep_text: str                                   # the sweep as given
    sweep_resolved: str                               # every default filled in
    base_file: str                                    # the base scenario's path or name
    base_text: str                                    # the base scenario as given
    threads: int                                      # threads used
    wall_time_s: float                                # the whole computation, s

def sweep(text: str, name: str, base_text: Optional[str] = None, threads: Optional[int] = None,
          shard: Optional[Tuple[int, int]] = None, sets: List[str] = ...,
          progress: Optional[Callable[[int, int], None]] = None) -> SweepData:
    """Read a sweep (YAML text; `name` stands for the file in messages; `base_text`: the base
    scenario when it is not a file; `sets`: PATH=VALUE edits of the sweep itself, as
    `magsim sweep --set`) and compute its runs, or those of shard (index, count): runs
    i with i % count == index, on `threads` C++ threads (None: all cores) with the GIL released.
    `progress(done, total)` is called about every 100 ms while the runs go on.
    Raises magsim.ScenarioError for a bad sweep or base scenario, KeyboardInterrupt on Ctrl-C,
    or what `progress` raised."""

class FitSession:
    """A fit file read (app::load_fit), and its fit once run."""

    @property
    def file(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def subject_ids(self) -> List[str]: ...
    @property
    def estimated_parameters(self) -> List[str]: ...
    @property
    def estimation_subjects(self) -> List[List[int]]:
        """Per estimation, its subjects (indices into subject_ids); after run_fit."""
    def forecast_scenario(self, estimation: int, subject: int) -> str: ...
    def save(self, path: str, report_dir: str = "") -> Dict[str, Any]:
        """app::write_fit_outputs: {"h5": path, "scenarios": [...], "report": path or ""}."""

def load_fit(path: str) -> FitSession:
    """Read a fit file (app::load_fit); raises magsim.ScenarioError."""

def load_fit_text(text: str, name: str) -> FitSession:
    """Read fit-file text; `name` stands for the file (and its folder for relative paths)."""

def run_fit(fit: FitSession, threads: int = 1, multistart: Optional[int] = None,
            profile: Optional[List[str]] = None,
            progress: Optional[Callable[[str], None]] = None) -> None:
    """Estimate (and profile the named parameters; [] = all) with the GIL released; raises
    magsim.SimulationError when no start can be simulated, KeyboardInterrupt on Ctrl-C, or
    what `progress` raised."""

def parameters() -> List[Dict[str, Any]]:
    """Every model parameter as a list of dicts."""

def outputs() -> List[Tuple[str, str, str]]:
    """Every model output as (name, unit, description), for figure labels."""

def vocabulary() -> Dict[str, Any]:
    """The model's vocabulary: {"salt_forms": [{name, formula, mg_mass_fraction, oral, iv,
    alias_of}], "drugs": [{name, drug_class, routes, chelates_with_mg}], "conditions": [str],
    "sexes": [str]}."""

def hardware_threads() -> int: ...

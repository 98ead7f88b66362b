"""Type stubs for magsim._core, the C++ extension (engine, magnesium model, HDF5 output).

Internal: use the package ``magsim``, which wraps these calls.
"""

from typing import Any, Dict, List, Tuple, Union

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

def load_text(text: str, name: str, sets: List[str]) -> LoadedScenario:
    """Parse and validate scenario text; `name` stands for the file in messages."""

def run(scenario: LoadedScenario) -> RunData:
    """Simulate one loaded scenario (GIL released)."""

def run_many(scenarios: List[LoadedScenario], threads: int) -> List[Union[RunData, BaseException]]:
    """Simulate loaded scenarios on `threads` C++ threads; one RunData or exception each."""

def open(path: str) -> RunData:
    """Read a run file written by magsim."""

def parameters() -> List[Dict[str, Any]]:
    """Every model parameter as a list of dicts."""

def hardware_threads() -> int: ...

"""The exceptions magsim raises for bad scenarios and failed simulations."""

from __future__ import annotations

__all__ = ["MagsimError", "ScenarioError", "SimulationError"]


class MagsimError(Exception):
    """Base class of every error magsim raises on purpose."""


class ScenarioError(MagsimError, ValueError):
    """A scenario is wrong: bad YAML, an unknown key or name, a missing or wrong unit, an
    impossible value, or a bad ``Scenario.set`` edit.

    ``str(error)`` is the line ``magsim check`` / ``magsim run`` print for the same mistake:
    ``FILE:LINE:COLUMN: error: MESSAGE``. For an edit made with ``Scenario.set`` (the CLI's
    ``--set``), ``file`` is ``"--set"``, ``line`` is 1 and ``column`` points into ``PATH=VALUE``.

    Attributes:
        message: what is wrong and what was expected (without the position).
        file: the scenario's file name (or the name given to ``from_yaml`` / ``from_dict``).
        line: 1-based line of the offending key or value.
        column: 1-based column.
    """

    def __init__(self, message: str, file: str = "", line: int = 0, column: int = 0) -> None:
        super().__init__(message, file, line, column)
        self.message = message
        self.file = file
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: error: {self.message}"

    def __reduce__(self):  # picklable across processes
        return (type(self), (self.message, self.file, self.line, self.column))


class SimulationError(MagsimError, RuntimeError):
    """A numerical failure (the CLI's exit code 3): the steady-state solve or the integration
    failed. ``message`` says which stage failed, at what simulated time and in which state.

    Attributes:
        message: the engine's description (as ``magsim run`` prints it).
        stage: ``"steady state"``, ``"steady state (integration)"`` or ``"integration"``.
        time_h: simulated time of the failure, in h.
        file: the scenario's file name (or name), as the CLI prefixes it.
    """

    def __init__(self, message: str, stage: str = "", time_h: float = float("nan"),
                 file: str = "") -> None:
        super().__init__(message, stage, time_h, file)
        self.message = message
        self.stage = stage
        self.time_h = time_h
        self.file = file

    def __str__(self) -> str:
        return f"{self.file}: error: {self.message}" if self.file else self.message

    def __reduce__(self):
        return (type(self), (self.message, self.stage, self.time_h, self.file))

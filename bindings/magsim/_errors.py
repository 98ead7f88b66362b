"""The exceptions magsim raises for bad scenarios and failed simulations."""

from __future__ import annotations

import errno
import os
from typing import Any, Tuple, Union

__all__ = ["MagsimError", "ScenarioError", "SimulationError", "MissingFileError"]


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


class MissingFileError(ScenarioError, FileNotFoundError):
    """An input file (scenario, sweep, fit file, dataset) is not there.

    A :class:`FileNotFoundError` (``errno`` ENOENT, ``filename`` the path), so ``except
    FileNotFoundError`` and ``except OSError`` catch it; and, since a missing input is a bad
    input to the CLI too, a :class:`ScenarioError` at line 1, column 1 whose text is the CLI's:
    ``PATH:1:1: error: cannot read scenario file: No such file or directory``.
    """

    def __new__(cls, path: Union[str, "os.PathLike[str]"], what: str = "file") -> "MissingFileError":
        return FileNotFoundError.__new__(cls, errno.ENOENT, os.strerror(errno.ENOENT),
                                         os.fspath(path))

    def __init__(self, path: Union[str, "os.PathLike[str]"], what: str = "file") -> None:
        file = os.fspath(path)
        ScenarioError.__init__(self, f"cannot read {what}: {os.strerror(errno.ENOENT)}", file, 1, 1)
        self.what = what
        self.errno = errno.ENOENT
        self.strerror = os.strerror(errno.ENOENT)
        self.filename = file

    def __reduce__(self) -> Tuple[Any, Tuple[str, str]]:
        return (type(self), (self.file, self.what))


def check_exists(path: Union[str, "os.PathLike[str]"], what: str) -> str:
    """``path`` as a string; raises :class:`MissingFileError` when nothing is there (internal)."""
    file = os.fspath(path)
    try:
        os.stat(file)
    except FileNotFoundError:  # not for EACCES and the like: the reader reports those
        raise MissingFileError(file, what) from None
    except (OSError, ValueError):
        pass
    return file


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

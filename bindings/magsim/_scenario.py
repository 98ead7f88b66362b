"""magsim.Scenario: a scenario file (YAML) in memory, validated as the CLI validates it."""

from __future__ import annotations

import os
from typing import Any, Mapping, Optional, Tuple, Union

import yaml

from . import _core
from ._errors import ScenarioError

__all__ = ["Scenario", "ScenarioLike"]


def _safe_dump(value: Any, where: str, **options: Any) -> str:
    """yaml.safe_dump, with a value YAML cannot hold (an object, a set, a NumPy array) reported
    as a TypeError that names it and ``where`` it was given, instead of yaml's RepresenterError."""
    try:
        return yaml.safe_dump(value, **options)
    except yaml.YAMLError as e:
        bad = e.args[1] if isinstance(e, yaml.representer.RepresenterError) and len(e.args) > 1 \
            else value
        raise TypeError(
            f"{where}: cannot write {type(bad).__name__} {bad!r} as YAML; give strings "
            "(with units, e.g. \"300 mg\"), numbers, booleans, None, lists and dicts") from None


def _yaml_value(value: Any, where: str = "Scenario.set") -> str:
    """VALUE of a ``PATH=VALUE`` edit: strings as written (YAML, like the CLI's ``--set``),
    other Python values written as YAML flow text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = _safe_dump(value, where, default_flow_style=True, sort_keys=False, width=1 << 30)
    return text.strip().removesuffix("...").strip()


def _check_path(path: Any, where: str = "Scenario.set") -> str:
    """A ``set`` path: a non-empty string without ``=`` (the value is the other argument; an
    ``=`` in the path would split the ``PATH=VALUE`` edit in the wrong place)."""
    if not isinstance(path, str) or not path:
        raise TypeError(f"{where}: path must be a non-empty string such as 'subject.egfr'")
    eq = path.find("=")
    if eq >= 0:
        raise ScenarioError(
            f"'=' in the path '{path}': a path names a key or list item (e.g. subject.egfr); "
            f"give the value separately, e.g. set('{path[:eq]}', '{path[eq + 1:]}')",
            "--set", 1, eq + 1)
    return path


class Scenario:
    """A scenario: what a scenario file (YAML) says, parsed and validated exactly as
    ``magsim check`` / ``magsim run`` do it.

    Make one with :meth:`Scenario.load` (a file), :meth:`Scenario.from_yaml` (text) or
    :meth:`Scenario.from_dict` (a dict shaped like the YAML); change it with :meth:`set` (the
    CLI's ``--set PATH=VALUE``), run it with :func:`magsim.run`. Every quantity carries its unit
    (``"300 mg"``, ``"30 mL/min/1.73m2"``, ``"6 w"``); any mistake raises
    :class:`magsim.ScenarioError` at once, with the CLI's message, line and column.

    Example::

        s = magsim.Scenario.load("scenarios/ckd_stage4_oxide.yaml")
        s.set("subject.egfr", "30 mL/min/1.73m2").set("duration", "4 w")
        r = magsim.run(s)
    """

    __slots__ = ("_text", "_file", "_sets", "_loaded")

    def __init__(self, text: str, name: str = "<string>") -> None:
        """Parse scenario ``text`` (YAML); ``name`` stands for the file in error messages.
        Same as :meth:`Scenario.from_yaml`."""
        self._init(text, name, (), _core.load_text(text, name, []))

    def _init(self, text: str, file: str, sets: Tuple[str, ...], loaded: Any) -> None:
        self._text = text
        self._file = file
        self._sets = sets
        self._loaded = loaded

    @classmethod
    def _make(cls, text: str, file: str, sets: Tuple[str, ...], loaded: Any) -> "Scenario":
        s = cls.__new__(cls)
        s._init(text, file, sets, loaded)
        return s

    # ---- construction ----------------------------------------------------------------------

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"]) -> "Scenario":
        """Read and validate the scenario file at ``path`` (as ``magsim check PATH``).

        Raises:
            ScenarioError: the file is unreadable or wrong (``FILE:LINE:COLUMN: error: ...``).
        """
        file = os.fspath(path)
        loaded = _core.load_file(file, [])
        return cls._make(loaded.given_text, file, (), loaded)

    @classmethod
    def from_yaml(cls, text: str, name: str = "<string>") -> "Scenario":
        """Parse scenario ``text`` (YAML, as in a scenario file). ``name`` stands for the file in
        error messages and is recorded as the scenario file when the run is saved.

        Raises:
            ScenarioError: with the line and column inside ``text``.
        """
        return cls(text, name)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], name: str = "<dict>") -> "Scenario":
        """Build a scenario from a dict shaped like the YAML file, e.g.
        ``{"duration": "2 w", "subject": {"egfr": "60 mL/min/1.73m2"}}``.

        The dict is written as YAML (keys in their order) and parsed as a file would be, so the
        same checks apply; a ``ScenarioError`` points at a line and column of :meth:`to_yaml`.
        """
        if not isinstance(data, Mapping):
            raise TypeError(f"Scenario.from_dict needs a mapping, got {type(data).__name__}")
        text = _safe_dump(dict(data), "Scenario.from_dict", sort_keys=False,
                          default_flow_style=False, allow_unicode=True, width=1 << 30)
        return cls(text, name)

    def __reduce__(self) -> Tuple[Any, Tuple[str, str, Tuple[str, ...]]]:
        # Pickled as its text, file name and edits (the parsed form is rebuilt on load), so a
        # Scenario can travel to another process: multiprocessing, dask.distributed.
        return (_unpickle_scenario, (self._text, self._file, self._sets))

    def copy(self) -> "Scenario":
        """An independent copy (edits to one do not change the other)."""
        return Scenario._make(self._text, self._file, self._sets, self._loaded)

    # ---- edits -----------------------------------------------------------------------------

    def set(self, path: str, value: Any) -> "Scenario":
        """Change one value, as the CLI's ``--set PATH=VALUE`` does, and validate at once.

        ``path`` is a dotted path with list indices: ``"subject.egfr"``, ``"duration"``,
        ``"supplements[0].dose"``, ``"parameters.renal.gfr_scale"``. A string ``value`` is
        YAML text exactly as after ``=`` on the command line (``"30 mL/min/1.73m2"``,
        ``'["08:00", "20:00"]'``); numbers, booleans, lists and dicts are written as YAML.
        Quantities need their units, checked as in a file.

        Returns the scenario itself, so edits chain. On error the scenario is unchanged.

        Raises:
            ScenarioError: a bad path or value; ``file`` is ``"--set"``, ``column`` points into
                ``"PATH=VALUE"`` (errors found later in the tree point into the scenario). An
                ``=`` in ``path`` is one (the value is the second argument).
            TypeError: ``path`` is not a string, or ``value`` holds something YAML cannot write
                (an object, a complex number); the message names it.
        """
        _check_path(path)
        edit = f"{path}={_yaml_value(value, f'Scenario.set({path!r})')}"
        sets = self._sets + (edit,)
        loaded = _core.load_text(self._text, self._file, list(sets))
        self._sets, self._loaded = sets, loaded
        return self

    # ---- what it says ----------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The scenario's ``name:`` (or the default the parser gives it)."""
        return self._loaded.name

    @property
    def description(self) -> str:
        """The scenario's ``description:`` text."""
        return self._loaded.description

    @property
    def file(self) -> str:
        """The file it was read from, or the name given to ``from_yaml`` / ``from_dict``."""
        return self._file

    @property
    def duration_h(self) -> float:
        """How long the run is, in h."""
        return self._loaded.duration_h

    @property
    def edits(self) -> Tuple[str, ...]:
        """The edits made with :meth:`set`, as the CLI's ``PATH=VALUE`` arguments."""
        return self._sets

    def to_yaml(self, resolved: bool = False) -> str:
        """The scenario as YAML text.

        ``resolved=False``: as given, with the :meth:`set` edits applied (what a saved run
        stores in ``/scenario/given``; after edits, comments are not kept). ``resolved=True``:
        every default filled in and salt doses with their elemental equivalents, as
        ``magsim check --resolved`` prints it (``/scenario/resolved``).
        """
        return self._loaded.resolved_text if resolved else self._loaded.given_text

    def __repr__(self) -> str:
        edits = f", edits={list(self._sets)!r}" if self._sets else ""
        return f"Scenario({self.name!r}, file={self._file!r}, duration_h={self.duration_h:g}{edits})"


ScenarioLike = Union[Scenario, str, "os.PathLike[str]", Mapping[str, Any]]


def as_scenario(scenario: ScenarioLike, sets: Optional[Mapping[str, Any]] = None) -> Scenario:
    """A Scenario from a Scenario, a file path or a dict; ``sets`` applies further edits to a
    copy (the original is not changed)."""
    if isinstance(scenario, Scenario):
        s = scenario.copy() if sets else scenario
    elif isinstance(scenario, (str, os.PathLike)):
        s = Scenario.load(scenario)
    elif isinstance(scenario, Mapping):
        s = Scenario.from_dict(scenario)
    else:
        raise TypeError("expected a magsim.Scenario, a scenario file path or a dict, got "
                        f"{type(scenario).__name__} (for YAML text use magsim.Scenario.from_yaml)")
    for path, value in (sets or {}).items():
        s.set(path, value)
    return s


def _unpickle_scenario(text: str, file: str, sets: Tuple[str, ...]) -> Scenario:
    return Scenario._make(text, file, tuple(sets), _core.load_text(text, file, list(sets)))


def loaded_of(scenario: Scenario) -> Any:
    """The C++ handle of a validated scenario (internal)."""
    return scenario._loaded


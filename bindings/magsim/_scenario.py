"""magsim.Scenario: a scenario file (YAML) in memory, validated as the CLI validates it."""

from __future__ import annotations

import html
import os
import re
import warnings
from typing import Any, Iterator, List, Mapping, Optional, Tuple, Union

import yaml

from . import _core, _yaml
from ._errors import ScenarioError, check_exists

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


_MISSING: Any = object()


def _path_steps(path: str) -> List[Union[str, int]]:
    """The keys and list indices of a path such as ``supplements[0].dose`` (as the CLI's
    ``--set`` reads it: after ``parameters.`` the rest is one name, e.g. ``renal.gfr_scale``)."""
    steps: List[Union[str, int]] = []
    i = 0
    while i < len(path):
        if path[i] == "[":
            m = re.match(r"\[([0-9]+)\]", path[i:])
            if not m or not steps:
                raise KeyError(f"bad path {path!r}: expected a key, then list indices such as "
                               "supplements[0].dose")
            steps.append(int(m.group(1)))
            i += m.end()
        else:
            m = re.match(r"[^.\[]+", path[i:])
            if not m:
                raise KeyError(f"bad path {path!r}: empty key")
            steps.append(m.group(0))
            i += m.end()
            if steps == ["parameters"] and path[i:i + 1] == "." and i + 1 < len(path):
                steps.append(path[i + 1:])
                return steps
        if path[i:i + 1] == ".":
            i += 1
            if i == len(path):
                raise KeyError(f"bad path {path!r}: it ends with '.'")
    if not steps:
        raise KeyError("empty path")
    return steps


def _lookup(tree: Any, steps: List[Union[str, int]]) -> Any:
    node = tree
    for step in steps:
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return _MISSING
        elif not isinstance(node, dict) or step not in node:
            return _MISSING
        node = node[step]
    return node


def _paths(node: Any, prefix: str = "") -> Iterator[str]:
    """Every path in a scenario tree, parents before children."""
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path
            if prefix or key != "parameters":
                yield from _paths(value, path)
            else:
                for name in (value or {}):
                    yield f"parameters.{name}"
    elif isinstance(node, list):
        for i, value in enumerate(node):
            path = f"{prefix}[{i}]"
            yield path
            yield from _paths(value, path)


class Scenario:
    """A scenario: what a scenario file (YAML) says, parsed and validated exactly as
    ``magsim check`` / ``magsim run`` do it.

    Make one with :meth:`Scenario.load` (a file), :meth:`Scenario.from_yaml` (text) or
    :meth:`Scenario.from_dict` (a dict shaped like the YAML); read values with :meth:`get` or
    ``s["subject.egfr"]``; make a changed copy with :meth:`with_` (or change it in place with
    :meth:`set`, the CLI's ``--set PATH=VALUE``); run it with :func:`magsim.run`. Every quantity
    carries its unit (``"300 mg"``, ``"30 mL/min/1.73m2"``, ``"6 w"``); any mistake raises
    :class:`magsim.ScenarioError` at once, with the CLI's message, line and column.

    Example::

        base = magsim.Scenario.load("scenarios/ckd_stage4_oxide.yaml")
        s = base.with_({"subject.egfr": "30 mL/min/1.73m2", "duration": "4 w"})
        s["subject.egfr"]                                   # '30 mL/min/1.73m2'
        r = magsim.run(s)

    In a notebook, prefer :meth:`with_`: re-running the cell starts again from ``base``, so
    an appended item (``"medications[+]"``) is not appended twice.
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
            MissingFileError: no file at ``path`` (a ``FileNotFoundError`` and a
                ``ScenarioError`` at line 1, column 1).
            ScenarioError: the file is unreadable or wrong (``FILE:LINE:COLUMN: error: ...``).
        """
        file = check_exists(path, "scenario file")
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
        """Change one value in place, as the CLI's ``--set PATH=VALUE`` does, and validate at
        once. (:meth:`with_` does the same to a copy, which is what a notebook cell wants.)

        ``path`` is a dotted path with list indices: ``"subject.egfr"``, ``"duration"``,
        ``"supplements[0].dose"``, ``"parameters.renal.gfr_scale"``; ``"medications[+]"``
        appends an item to a list. A string ``value`` is YAML text exactly as after ``=`` on
        the command line (``"30 mL/min/1.73m2"``, ``'["08:00", "20:00"]'``); numbers,
        booleans, lists and dicts are written as YAML. Quantities need their units, checked as
        in a file.

        Setting again what the last edit set is a no-op, and an append (``PATH[+]``) that this
        scenario has already had is not made twice: re-running a notebook cell does not add a
        second copy of the item (a :class:`UserWarning` says so). To add a second, identical
        item on purpose, set the whole list.

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
        if path.endswith("[+]") and edit in self._sets:
            warnings.warn(
                f"Scenario.set: {edit!r} was already appended to this scenario; not appending "
                "it again (was the cell run twice?). Use base.with_(...) to start from a "
                "fresh copy, or set the whole list to have two identical items.",
                UserWarning, stacklevel=2)
            return self
        if self._sets and self._sets[-1] == edit:
            return self
        sets = self._sets + (edit,)
        loaded = _core.load_text(self._text, self._file, list(sets))
        self._sets, self._loaded = sets, loaded
        return self

    def with_(self, path: Union[str, Mapping[str, Any]], value: Any = _MISSING) -> "Scenario":
        """A new scenario: this one with ``path`` set to ``value`` (as :meth:`set`), or with
        every ``{PATH: VALUE}`` of a mapping applied in order. This scenario is not changed, so
        a notebook cell ``s2 = base.with_("medications[+]", {...})`` gives the same ``s2``
        however often it runs.

        Example::

            low = base.with_("subject.egfr", "15 mL/min/1.73m2")
            ppi = base.with_({"medications[+]": {"drug": "omeprazole", "dose": "20 mg",
                                                 "times": ["07:00"]},
                              "duration": "12 w"})

        Raises:
            ScenarioError, TypeError: as :meth:`set`.
        """
        if isinstance(path, Mapping):
            if value is not _MISSING:
                raise TypeError("Scenario.with_: give a {PATH: VALUE} mapping or PATH, VALUE")
            edits = list(path.items())
        else:
            if value is _MISSING:
                raise TypeError(f"Scenario.with_({path!r}): the value is missing")
            edits = [(path, value)]
        s = self.copy()
        for p, v in edits:
            s.set(p, v)
        return s

    # ---- reading values --------------------------------------------------------------------

    def _tree(self, resolved: bool) -> Any:
        return _yaml.load(self._loaded.resolved_text if resolved else self._loaded.given_text) or {}

    def get(self, path: str, default: Any = _MISSING, *, resolved: Optional[bool] = None) -> Any:
        """The value at ``path`` (as :meth:`set` names it: ``"subject.egfr"``,
        ``"supplements[0].dose"``, ``"parameters.renal.gfr_scale"``), as the YAML has it:
        quantities are strings with their units (``"20 mL/min/1.73m2"``), times ``"08:00"``,
        lists and maps are lists and dicts. ``s[path]`` is the same.

        Args:
            default: returned when the path is not there (otherwise: KeyError).
            resolved: None (default): the value as given (with the edits), else the one
                ``magsim check --resolved`` fills in (e.g. ``solver.rtol``); True: always the
                resolved value (salt doses then also carry their elemental equivalent);
                False: only as given.

        Raises:
            KeyError: no such path (and no ``default``), or a malformed path.
        """
        steps = _path_steps(path)
        value = _MISSING
        if resolved is not True:
            value = _lookup(self._tree(False), steps)
        if value is _MISSING and resolved is not False:
            value = _lookup(self._tree(True), steps)
        if value is _MISSING:
            if default is not _MISSING:
                return default
            raise KeyError(f"{path!r} is not in scenario {self.name!r}")
        return value

    def __getitem__(self, path: str) -> Any:
        """``s["subject.egfr"]``: :meth:`get` (the value as given, else as resolved)."""
        return self.get(path)

    def __contains__(self, path: object) -> bool:
        """``"subject.egfr" in s``: whether :meth:`get` finds the path."""
        try:
            return isinstance(path, str) and self.get(path, _MISSING) is not _MISSING
        except KeyError:  # a malformed path
            return False

    def paths(self) -> List[str]:
        """Every path :meth:`get` can read, including the defaults filled in (sorted)."""
        return sorted(set(_paths(self._tree(True))) | set(_paths(self._tree(False))))

    def _ipython_key_completions_(self) -> List[str]:
        return self.paths()

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

        ``resolved=False`` (default): as given, with the :meth:`set` edits applied (what a
        saved run stores in ``/scenario/given``; after edits, comments are not kept), written
        so that ``yaml.safe_load`` (PyYAML, YAML 1.1) reads it as magsim does: clock times and
        dates quoted (a plain ``12:30`` is the number 750 to YAML 1.1), numbers in a form both
        read alike (``1e-06`` as ``1.0e-06``). So
        ``Scenario.from_dict(yaml.safe_load(s.to_yaml()))`` is the same scenario.

        ``resolved=True``: every default filled in and salt doses with their elemental
        equivalents, exactly as ``magsim check --resolved`` prints it (``/scenario/resolved``).
        Its times are quoted too; PyYAML reads its numbers in exponent notation (the solver
        tolerances, ``1e-06``) as strings, which :meth:`from_dict` writes back unchanged.
        """
        if resolved:
            return self._loaded.resolved_text
        return _yaml.for_pyyaml(self._loaded.given_text)

    def __repr__(self) -> str:
        edits = f", edits={list(self._sets)!r}" if self._sets else ""
        return f"Scenario({self.name!r}, file={self._file!r}, duration_h={self.duration_h:g}{edits})"

    def _summary_rows(self) -> List[Tuple[str, str]]:
        """(what, value) lines of the scenario's main settings, for :meth:`_repr_html_`."""
        # As given where given (doses as written), else as resolved (the defaults).
        given, resolved = self._tree(False), self._tree(True)
        tree = {**resolved, **given} if isinstance(given, dict) else resolved
        rows: List[Tuple[str, str]] = []
        if self.description:
            rows.append(("description", " ".join(self.description.split())))
        rows.append(("file", self._file))
        rows.append(("duration", str(tree.get("duration", f"{self.duration_h:g} h"))))
        subject = tree.get("subject") or {}
        who = ", ".join(str(subject[k]) for k in ("sex", "age", "weight") if subject.get(k))
        if subject.get("egfr"):
            who += f", eGFR {subject['egfr']}"
        if subject.get("conditions"):
            who += ", " + ", ".join(map(str, subject["conditions"]))
        if who:
            rows.append(("subject", who))
        diet = tree.get("diet") or {}
        if diet.get("magnesium"):
            rows.append(("diet", f"{diet['magnesium']} Mg"))
        for item in tree.get("supplements") or []:
            rows.append(("supplement", _describe(item, ("form", "salt_dose", "dose", "times",
                                                        "start", "stop"))))
        for item in tree.get("infusions") or []:
            rows.append(("infusion", _describe(item, ("form", "salt_dose", "dose", "rate",
                                                      "start", "duration"))))
        for item in tree.get("injections") or []:
            rows.append(("injection", _describe(item, ("form", "salt_dose", "dose", "route",
                                                       "at", "times"))))
        for item in tree.get("medications") or []:
            rows.append(("medication", _describe(item, ("drug", "dose", "times", "start",
                                                        "stop"))))
        if tree.get("parameters"):
            rows.append(("parameters", ", ".join(f"{k} = {v}" for k, v in
                                                 tree["parameters"].items())))
        if self._sets:
            rows.append(("edits", "; ".join(self._sets)))
        return rows

    def _repr_html_(self) -> str:
        """A compact table of the scenario's main settings (Jupyter's rich display)."""
        return _html_table(f"magsim.Scenario {self.name}", self._summary_rows())


def _describe(item: Any, keys: Tuple[str, ...]) -> str:
    """One line for a supplement, infusion or medication: its main keys' values."""
    if not isinstance(item, dict):
        return str(item)
    parts = []
    for key in keys:
        value = item.get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = ", ".join(map(str, value))
        parts.append(str(value) if key in ("form", "drug") else f"{key} {value}")
    return "; ".join(parts)


def _html_table(title: str, rows: List[Tuple[str, str]],
                header: Optional[Tuple[str, ...]] = None) -> str:
    """A small HTML table (every text escaped) headed by ``title``; rows of 2 or more cells."""
    e = html.escape
    out = ['<table class="magsim">', f'<caption style="text-align:left"><b>{e(title)}</b></caption>']
    if header:
        out.append("<tr>" + "".join(f'<th style="text-align:left">{e(h)}</th>' for h in header)
                   + "</tr>")
    for row in rows:
        cells = [f'<th style="text-align:left">{e(str(row[0]))}</th>']
        cells += [f'<td style="text-align:left">{e(str(c))}</td>' for c in row[1:]]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


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


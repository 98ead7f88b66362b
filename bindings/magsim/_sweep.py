"""magsim.sweep and magsim.open_sweep: many runs of one base scenario as a pandas DataFrame.

A sweep here is exactly what ``magsim sweep`` computes (the same C++ reads the sweep and
computes each run), so ``magsim.sweep("study.yaml")`` and ``magsim.open_sweep`` of the file
``magsim sweep study.yaml -o study.h5`` writes give the same DataFrame, bit for bit.
"""

from __future__ import annotations

import math
import os
import re
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import yaml

from . import _core
from ._errors import ScenarioError, check_exists
from ._progress import progress_bar
from ._result import Quantity
from ._scenario import Scenario, _check_path, _yaml_value, loaded_of

if TYPE_CHECKING:
    import pandas
    import xarray

__all__ = ["sweep", "open_sweep", "DEFAULT_SWEEP_SUMMARY"]

#: What :func:`sweep` reports for each run unless told otherwise: final and lowest total serum
#: Mg (mmol/L), urinary Mg of the last 24 h (mmol) and true absorption / intake over the run (%).
DEFAULT_SWEEP_SUMMARY: Tuple[str, ...] = (
    "serum_mg_total.final", "serum_mg_total.min", "urine_mg.last_24h", "absorbed_fraction")

# Stands for the sweep that magsim.sweep writes from its arguments, in messages.
_BUILT_SWEEP = "<magsim.sweep>"

SweepBase = Union[Scenario, str, "os.PathLike[str]", Mapping[str, Any]]


# ---- the sweep text ----------------------------------------------------------------------------

def _plain(value: Any, where: str) -> Any:
    """``value`` as YAML-ready Python data: strings, numbers, booleans, lists and dicts."""
    if isinstance(value, Quantity):
        return f"{value.value!r} {value.unit}"
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where}: keys must be strings such as 'subject.egfr', got {k!r}")
            out[k] = _plain(v, f"{where}[{k!r}]")
        return out
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v, where) for v in value]
    raise TypeError(f"{where}: cannot write {type(value).__name__} {value!r} into a sweep; "
                    "use strings with units (\"100 mg\"), numbers, lists or dicts")


def _is_sweep_file(text: str) -> bool:
    """Whether ``text`` is a sweep file (it says what varies) rather than a scenario."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        # Broken YAML either way; the top-level keys still tell which it was meant to be.
        return re.search(r"^(sweep|base)\s*:", text, re.MULTILINE) is not None
    return isinstance(doc, dict) and ("sweep" in doc or "base" in doc)


def _sweep_yaml(base_name: str, set_: Optional[Mapping[str, Any]],
                design: Dict[str, Any], summary: Sequence[str],
                keep_series: Union[bool, Sequence[str]]) -> str:
    """The sweep file that the arguments of :func:`sweep` describe."""
    doc: Dict[str, Any] = {"base": base_name}
    if set_:
        doc["set"] = _plain(set_, "set")
    doc["sweep"] = {k: _plain(v, k) for k, v in design.items()}
    if isinstance(summary, str):
        summary = [summary]
    doc["summary"] = [str(s) for s in summary]
    doc["keep_series"] = (bool(keep_series) if isinstance(keep_series, (bool, np.bool_))
                          else _plain(keep_series, "keep_series"))
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, allow_unicode=True,
                          width=1 << 30)


def _pointed(error: ScenarioError, text: str) -> ScenarioError:
    """``error`` (in the sweep :func:`sweep` wrote) with the offending line shown, since the
    user never saw that text."""
    lines = text.splitlines()
    if not 1 <= error.line <= len(lines):
        return error
    line = lines[error.line - 1]
    caret = " " * max(error.column - 1, 0) + "^"
    message = (f"{error.message}\n  in the sweep built from magsim.sweep's arguments, line "
               f"{error.line}:\n    {line}\n    {caret}")
    return ScenarioError(message, error.file, error.line, error.column)


# ---- the DataFrame -----------------------------------------------------------------------------

def _frame(run: np.ndarray, inputs: Mapping[str, np.ndarray], summary: Mapping[str, np.ndarray],
           status: np.ndarray, message: np.ndarray, series: Mapping[str, np.ndarray],
           time: np.ndarray, units: Mapping[str, str], descriptions: Mapping[str, str],
           attrs: Dict[str, Any]) -> "pandas.DataFrame":
    """The DataFrame that :func:`sweep` and :func:`open_sweep` return (see :func:`sweep`)."""
    import pandas as pd
    index = pd.Index(np.asarray(run, dtype=np.int64), name="run")
    columns: Dict[str, Any] = {}
    for name, values in list(inputs.items()) + list(summary.items()):
        if name in columns:  # an input and a metric of one name; not seen in practice
            raise ValueError(f"sweep column {name!r} is both an input and a summary")
        columns[name] = values
    columns["status"] = status
    columns["message"] = message
    df = pd.DataFrame(columns, index=index)
    df.attrs["units"] = {c: units[c] for c in columns if c in units}
    df.attrs["descriptions"] = {c: descriptions[c] for c in columns if c in descriptions}
    df.attrs["series"] = _series_dataset(index, inputs, series, time, units, descriptions)
    df.attrs.update(attrs)
    return df


def _series_dataset(index: Any, inputs: Mapping[str, np.ndarray],
                    series: Mapping[str, np.ndarray], time: np.ndarray,
                    units: Mapping[str, str], descriptions: Mapping[str, str]
                    ) -> Optional["xarray.Dataset"]:
    """Kept series as an xarray Dataset over (run, time), the inputs as run coordinates."""
    if not series:
        return None
    import xarray as xr
    coords: Dict[str, Any] = {
        "run": ("run", np.asarray(index)),
        "time": ("time", np.asarray(time, dtype=np.float64),
                 {"units": "h", "description": "time since the start of each run"}),
    }
    for name, values in inputs.items():
        attrs = {"description": descriptions.get(name, "")}
        if name in units:
            attrs["units"] = units[name]
        coords[name] = ("run", values, attrs)
    data = {name: (("run", "time"), values,
                   {"units": units.get(name, ""), "description": descriptions.get(name, "")})
            for name, values in series.items()}
    return xr.Dataset(data, coords=coords)


# ---- magsim.sweep ------------------------------------------------------------------------------

def sweep(base: SweepBase, *,
          grid: Optional[Mapping[str, Sequence[Any]]] = None,
          samples: Optional[Mapping[str, Any]] = None,
          population: Optional[Mapping[str, Any]] = None,
          arms: Optional[Mapping[str, Mapping[str, Any]]] = None,
          set: Optional[Mapping[str, Any]] = None,  # noqa: A002 - the sweep file's `set:`
          summary: Sequence[str] = DEFAULT_SWEEP_SUMMARY,
          keep_series: Union[bool, Sequence[str]] = False,
          threads: Optional[int] = None,
          shard: Optional[Tuple[int, int]] = None,
          edits: Optional[Mapping[str, Any]] = None,
          progress: Optional[bool] = None) -> "pandas.DataFrame":
    """Run many variants of one base scenario, as ``magsim sweep`` does, into a DataFrame.

    The arguments are the keys of a sweep file (``docs/sweeps.md`` in the source tree describes
    them), with values as the YAML would have them: quantities
    are strings with units (``"100 mg"``, ``"30 mL/min/1.73m2"``), lists are lists, maps are
    dicts. Example::

        df = magsim.sweep("scenarios/healthy_adult.yaml",
                          set={"duration": "4 w"},
                          grid={"supplements[0].dose": ["0 mg", "150 mg", "300 mg"],
                                "subject.egfr": ["30 mL/min/1.73m2", "90 mL/min/1.73m2"]},
                          threads=2)
        df.groupby("subject.egfr")["serum_mg_total.final"].max()   # mmol/L
        df.attrs["units"]["serum_mg_total.final"]                  # 'mmol/L'

    Args:
        base: the base scenario: a scenario file path, a :class:`Scenario` (with its
            :meth:`Scenario.set` edits) or a dict shaped like the YAML. Or the path of a sweep
            file, which is then run as it is (as ``magsim sweep PATH`` would; the design
            arguments below must then be left out; ``edits`` changes the file).
        grid: ``{PATH: [VALUE, ...]}``, full factorial (the last path varies fastest).
        samples: ``{"n": 1000, "method": "latin_hypercube" | "sobol" | "random", "seed": 1,
            "ranges": {PATH: [LOW, HIGH] | {"low": LOW, "high": HIGH, "scale": "log"}}}``.
        population: ``{"n": 500, "seed": 7, "covariates": {...}, "variability": {...}}``:
            virtual subjects from the model's reference population.
        arms: ``{NAME: {PATH: VALUE, ...}}``: every point and grid cell under each arm (the arm
            varies fastest).
        set: ``{PATH: VALUE}`` edits every run gets (``{"duration": "8 w"}``).
        summary: the metrics each run reports (``SERIES.final|min|max|mean|initial|last_24h``,
            ``SERIES.time_below(0.7 mmol/L)``, ``urine_mg.last_24h``, ``absorbed_fraction``,
            ``retention``, ``mass_balance_error``, ...). Default: :data:`DEFAULT_SWEEP_SUMMARY`.
        keep_series: True keeps every output series of every run, a list keeps those named
            (all runs need the same duration and output interval).
        threads: C++ threads computing runs (default: all hardware threads). The numbers do
            not depend on it.
        shard: ``(index, count)``: compute only runs ``i`` with ``i % count == index`` (for
            farming a sweep out to processes or machines; concatenate the shards' DataFrames
            and sort by run to get the whole sweep).
        edits: with a sweep file only: changes of the file itself, as ``magsim sweep --set
            PATH=VALUE`` makes them: ``{"sweep.population.n": 200, "set.duration": "2 w"}``.
            A string value is YAML text as after ``=`` on the command line; numbers, lists and
            dicts are written as YAML.
        progress: a progress bar (tqdm; a widget in Jupyter, text in a terminal) counting
            finished runs. None (default): shown for more than one run when stderr is a
            terminal or the code runs in Jupyter, once the sweep has taken over 1 s; True:
            always; False: never. Without tqdm installed there is no bar.

    Returns:
        A DataFrame with one row per run computed, indexed by the run number ``run`` (0 to
        N-1, in order; a shard has every ``count``-th). Columns, in this order:

        * each varied input, under its scenario path (``"supplements[0].dose"``) or design
          coordinate (``"arm"``, and for populations the subject and its covariates): float64
          in the unit of ``attrs["units"]``, or text (salt form, sex, arm name);
        * each summary metric, float64 (NaN for a failed run). As in the file, a metric's
          ``/`` is written "per": ``"serum_mg_total.time_below(0.7 mmol per L)"``;
        * ``status``: ``"ok"`` or ``"failed"``; ``message``: why it failed (``""`` if ok).

        ``df.attrs`` holds: ``units`` (column -> unit; text columns have none),
        ``descriptions`` (column -> one line), ``series`` (None, or with ``keep_series`` an
        ``xarray.Dataset`` of the kept series, dims ``(run, time)``, ``time`` in h, every
        input as a coordinate along ``run``, units in each variable's ``attrs``; pandas
        passes attrs on unchanged, so after selecting rows use
        ``df.attrs["series"].sel(run=df.index)``),
        ``runs`` (N, the whole sweep's run count), ``shard`` (``""`` or ``"I/N"``),
        ``fingerprint`` (equal for results of the same sweep), ``sweep_yaml`` (the sweep file's
        text, or the sweep written from the arguments), ``base_scenario`` and ``base_yaml`` (the
        base scenario's name and text) and ``wall_time_s`` (the whole call, s).

    A run the model refuses or that fails numerically does not stop the sweep: its row has
    status ``"failed"`` and the message. The GIL is released while the runs are computed, and
    Ctrl-C (a notebook's "interrupt") stops them and raises KeyboardInterrupt.

    Raises:
        MissingFileError: no file at ``base`` (a ``FileNotFoundError``).
        ScenarioError: the sweep or the base scenario is wrong (unknown path, a value without
            its unit, ...), before anything runs. For a sweep built from the arguments, ``file``
            is ``"<magsim.sweep>"``, ``line`` and ``column`` point into the YAML written from
            them, and the message shows that line.
        TypeError, ValueError: bad arguments.
    """
    if threads is None:
        threads = _core.hardware_threads()
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
    if shard is not None:
        try:
            index, count = (int(x) for x in shard)
        except (TypeError, ValueError):
            raise ValueError(f"shard must be (index, count), got {shard!r}") from None
        if count < 1 or not 0 <= index < count:
            raise ValueError(f"shard (index, count) needs 0 <= index < count, got {shard!r}")
        shard = (index, count)

    design = {k: v for k, v in (("grid", grid), ("samples", samples),
                                  ("population", population), ("arms", arms)) if v is not None}
    base_text: Optional[str] = None
    if isinstance(base, (str, os.PathLike)):
        path = check_exists(base, "scenario or sweep file")
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise ScenarioError(f"cannot read '{path}': {e.strerror}", path, 1, 1) from None
        except UnicodeDecodeError:
            # Not UTF-8 (UTF-16, Latin-1): the loader says what it is, at its position.
            Scenario.load(path)
            raise
        if _is_sweep_file(text):
            sets = [f"{_check_path(k, 'sweep edits')}={_yaml_value(v, f'sweep edits[{k!r}]')}"
                    for k, v in (edits or {}).items()]
            given = [name for name, value in (("grid", grid), ("samples", samples),
                                              ("population", population), ("arms", arms),
                                              ("set", set)) if value is not None]
            if summary is not DEFAULT_SWEEP_SUMMARY:
                given.append("summary")
            if keep_series is not False:
                given.append("keep_series")
            if given:
                raise TypeError(f"'{path}' is a sweep file, which says what varies itself; "
                                f"leave out {', '.join(given)} (or pass a base scenario)")
            return _run(text, path, None, threads, shard, sets, built=False, progress=progress)
        base_name, base_text = path, text
    elif isinstance(base, Scenario):
        # The text as the parser gave it (not to_yaml's PyYAML-safe quoting): the sweep's
        # fingerprint is of this text, as before.
        base_name, base_text = base.file, loaded_of(base).given_text
    elif isinstance(base, Mapping):
        s = Scenario.from_dict(base)
        base_name, base_text = s.file, loaded_of(s).given_text
    else:
        raise TypeError("sweep: base must be a scenario file path, a magsim.Scenario, a dict or "
                        f"a sweep file path, got {type(base).__name__}")
    if not design:
        raise TypeError("sweep: say what varies with grid=, samples=, population= or arms=")
    if edits is not None:
        raise TypeError("sweep: edits= changes a sweep file; for edits of every run use set=")
    text = _sweep_yaml(base_name, set, design, summary, keep_series)
    return _run(text, _BUILT_SWEEP, base_text, threads, shard, [], built=True, progress=progress)


def _run(text: str, name: str, base_text: Optional[str], threads: int,
         shard: Optional[Tuple[int, int]], sets: List[str], built: bool,
         progress: Optional[bool]) -> "pandas.DataFrame":
    # The number of runs is known once the C++ has read the sweep: the bar takes it from the
    # first progress call (auto mode: shown only for a sweep that lasts, so never for one run).
    bar = progress_bar(progress, None, "magsim.sweep")
    try:
        if bar is None:
            d = _core.sweep(text, name, base_text, int(threads), shard, sets)
        else:
            with bar:
                d = _core.sweep(text, name, base_text, int(threads), shard, sets, bar)
                bar(len(d["run"]), len(d["run"]))
    except ScenarioError as e:
        if built and e.file == name:
            raise _pointed(e, text) from None
        raise
    return _frame(d["run"], d["inputs"], d["summary"], d["status"], d["message"], d["series"],
                  d["time"], d["units"], d["descriptions"], {
                      "runs": int(d["runs"]),
                      "shard": d["shard"],
                      "fingerprint": d["fingerprint"],
                      "sweep_yaml": d["sweep_text"],
                      "base_scenario": d["base_file"],
                      "base_yaml": d["base_text"],
                      "wall_time_s": float(d["wall_time_s"]),
                  })


# ---- magsim.open_sweep -------------------------------------------------------------------------

def open_sweep(path: Union[str, "os.PathLike[str]"], *, series: bool = True) -> "pandas.DataFrame":
    """Read a sweep file written by ``magsim sweep`` (or ``magsim merge``) into the DataFrame
    :func:`sweep` returns for the same sweep: same rows, columns, dtypes, units and attrs.

    Every row of the file is read: a shard's file also has the other shards' runs, with status
    ``"not_run"`` and NaN (``df[df.status != "not_run"]`` keeps the shard's own). ``series=False``
    skips the kept series (``attrs["series"]`` is then None), which can be large.

    Raises:
        FileNotFoundError: no file at ``path``.
        OSError: the file is not HDF5 or not a magsim sweep file.
    """
    import h5py

    file = os.fspath(path)
    if not os.path.exists(file):
        raise FileNotFoundError(2, "No such file or directory", file)
    try:
        f = h5py.File(file, "r")
    except OSError as e:
        raise OSError(f"{file}: not an HDF5 file ({e})") from None
    with f:
        if not isinstance(f.get("sweep"), h5py.Group) or "run" not in f["sweep"]:
            raise OSError(f"{file}: not a magsim sweep file (no /sweep/run; a run file opens "
                          "with magsim.open)")
        g = f["sweep"]
        units: Dict[str, str] = {}
        descriptions: Dict[str, str] = {}

        def column(ds: "h5py.Dataset") -> np.ndarray:
            name = ds.name.rsplit("/", 1)[-1]
            if "units" in ds.attrs:
                units[name] = _text(ds.attrs["units"])
            if "description" in ds.attrs:
                descriptions[name] = _text(ds.attrs["description"])
            if h5py.check_string_dtype(ds.dtype) is not None:
                return np.array(ds.asstr()[()], dtype=object).reshape(ds.shape)
            return ds[()]

        # Groups keep their datasets in the layout's (creation) order.
        inputs = {k: column(v) for k, v in g["inputs"].items()} if "inputs" in g else {}
        summary = {k: column(v) for k, v in g["summary"].items()} if "summary" in g else {}
        kept: Dict[str, np.ndarray] = {}
        time = np.zeros(0)
        if series and "series" in g:
            for k, v in g["series"].items():
                if k == "time":
                    time = v[()]
                else:
                    kept[k] = column(v)
        status = np.array(g["status"].asstr()[()], dtype=object)
        message = np.array(g["message"].asstr()[()], dtype=object)
        run = g["run"][()]
        a = f.attrs
        attrs = {
            "runs": int(a.get("runs", len(run))),
            "shard": _text(a.get("shard", "")),
            "fingerprint": _text(a.get("fingerprint", "")),
            "sweep_yaml": _scalar_text(g, "definition/sweep_file"),
            "base_scenario": _text(a.get("base_scenario", "")),
            "base_yaml": _scalar_text(f, "scenario/base"),
            "wall_time_s": float(a.get("wall_time", math.nan)),
        }
    return _frame(run, inputs, summary, status, message, kept, time, units, descriptions, attrs)


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _scalar_text(group: Any, path: str) -> str:
    return _text(group[path][()]) if path in group else ""

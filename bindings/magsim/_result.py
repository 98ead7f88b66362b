"""magsim.Result: one run's time series with units, from a simulation or a run file."""

from __future__ import annotations

import math
import os
import shutil
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Union

import numpy as np

from . import _plotting
from ._plotting import TIME_UNITS as _TIME_UNITS, auto_time_unit as _auto_time_unit

if TYPE_CHECKING:  # heavy imports only when used
    import matplotlib.axes
    import matplotlib.figure
    import pandas
    import xarray

    from ._scenario import Scenario

__all__ = ["Quantity", "Result", "plot_runs", "DEFAULT_PLOT_VARIABLES"]

#: What :meth:`Result.plot` shows when no variables are named (those present in the run).
DEFAULT_PLOT_VARIABLES = ("serum_mg_total", "serum_mg_ionized", "urine_mg_rate", "absorption_rate")


class Quantity(NamedTuple):
    """A number with its unit, e.g. ``Quantity(0.84, "mmol/L")``; prints as ``0.84 mmol/L``."""

    value: float
    unit: str

    def __str__(self) -> str:
        return f"{self.value:.4g} {self.unit}".rstrip()


_RANGE_SUFFIXES = ("_peak", "_peak_time", "_trough", "_trough_time")

# What Result._repr_html_ shows of the summary, in this order (those present).
_HTML_SUMMARY = (
    ("serum_mg_start", "serum total Mg at the start"),
    ("serum_mg_end", "serum total Mg at the end"),
    ("serum_mg_total_trough", "serum total Mg lowest"),
    ("serum_mg_total_peak", "serum total Mg highest"),
    ("urine_mg_last_24h", "urine Mg, last 24 h"),  # or the shorter window of a short run
    ("intake", "Mg intake (oral, IV, IM)"),
    ("absorbed_fraction", "absorbed fraction of intake"),
    ("retention", "IV Mg retained over 24 h"),
    ("mass_balance_relative_error", "mass-balance relative error"),
    ("wall_time", "wall time"),
)


class Result:
    """One run: ``time`` (h) and every series as NumPy arrays, with units and a summary.

    Returned by :func:`magsim.run` and :func:`magsim.open`; a simulated run and the same run
    read back from its HDF5 file give equal Results. Series arrays are read-only views of the
    run's memory (no copy).

    Example::

        r = magsim.run("scenarios/healthy_adult.yaml")
        r.time, r["serum_mg_total"], r.units["serum_mg_total"]    # arrays, 'mmol/L'
        r.summary["serum_mg_end"]                                  # Quantity(value, unit)
        r.to_pandas(); r.to_xarray(); r.plot(); r.save("out.h5")
    """

    __slots__ = ("_data", "_summary")

    def __init__(self, data: Any) -> None:
        """Wraps the C++ run data; use :func:`magsim.run` or :func:`magsim.open` instead."""
        self._data = data
        self._summary: Optional[Dict[str, Quantity]] = None

    # ---- series ----------------------------------------------------------------------------

    @property
    def time(self) -> np.ndarray:
        """Sample times in h since the start of the run (read-only float64 array)."""
        return self._data.time

    def __getitem__(self, name: str) -> np.ndarray:
        """The series ``name`` (read-only float64 array, same length as ``time``); ``"time"``
        gives the time axis. Raises KeyError for a name not in :attr:`names`."""
        if name == "time":
            return self._data.time
        try:
            return self._data.series(name)
        except KeyError:
            raise KeyError(f"no series {name!r} in this run (it has: {', '.join(self.names)})") from None

    def __getattr__(self, name: str) -> np.ndarray:
        if not name.startswith("_") and name in self._data.names:
            return self._data.series(name)
        raise AttributeError(f"'Result' object has no attribute {name!r}")

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | set(self._data.names))

    def __contains__(self, name: object) -> bool:
        return name == "time" or name in self._data.names

    def __iter__(self) -> Iterator[str]:
        return iter(self._data.names)

    def keys(self) -> List[str]:
        """Series names (as :attr:`names`)."""
        return self.names

    @property
    def names(self) -> List[str]:
        """Names of the series, in the order of the file (without ``time``)."""
        return list(self._data.names)

    @property
    def units(self) -> Dict[str, str]:
        """Unit of every series and of ``time`` (``"h"``), e.g. ``{"serum_mg_total": "mmol/L"}``."""
        return dict(self._data.units)

    @property
    def descriptions(self) -> Dict[str, str]:
        """One-line description of every series and of ``time``."""
        return dict(self._data.descriptions)

    # ---- metadata --------------------------------------------------------------------------

    @property
    def attrs(self) -> Dict[str, Any]:
        """The run file's root attributes: magsim version, git revision, model, scenario file,
        solver settings, wall time, mass-balance error, ... A number ``X`` with a unit has it in
        ``X_units``."""
        return dict(self._data.attributes)

    @property
    def scenario_file(self) -> str:
        """The scenario file the run came from (or the name given to a Scenario made in code)."""
        return self._data.scenario_file

    @property
    def scenario_yaml(self) -> str:
        """The scenario text as given (with any edits applied): ``/scenario/given``."""
        return self._data.scenario_given

    @property
    def resolved_yaml(self) -> str:
        """The scenario with every default filled in: ``/scenario/resolved``."""
        return self._data.scenario_resolved

    @property
    def scenario(self) -> "Scenario":
        """The scenario of this run, parsed again from :attr:`scenario_yaml`."""
        from ._scenario import Scenario
        return Scenario.from_yaml(self._data.scenario_given, self._data.scenario_file or "<run>")

    @property
    def duration_h(self) -> float:
        """Length of the run, in h."""
        return self._data.duration_h

    @property
    def parameters(self) -> "pandas.DataFrame":
        """Every parameter value used in the run: name, value, default, unit, min, max, source,
        note (``/parameters``)."""
        import pandas as pd
        return pd.DataFrame(self._data.parameters,
                            columns=["name", "value", "default", "unit", "min", "max", "source", "note"])

    @property
    def events(self) -> "pandas.DataFrame":
        """The dose, meal and infusion schedule (``/events``): time_h, kind, what, amount, unit."""
        import pandas as pd
        return pd.DataFrame(self._data.events, columns=["time_h", "kind", "what", "amount", "unit"])

    @property
    def summary(self) -> Dict[str, Quantity]:
        """The numbers ``magsim run`` prints, each a :class:`Quantity` (value, unit):

        ``serum_mg_start``, ``serum_mg_end``; ``urine_mg_last_24h`` (urine Mg over the last
        ``urine_window``, 24 h unless the run is shorter); ``intake`` (oral, IV and IM Mg) and
        ``absorbed_fraction`` (% of intake); ``retention`` (% of IV Mg retained over 24 h from the
        infusion start, runs with an infusion); ``mass_balance_error``,
        ``mass_balance_relative_error`` and ``wall_time``; for the clinical thresholds (see
        :attr:`warnings`): ``serum_mg_total_peak``, ``_peak_time``, ``_trough`` and
        ``_trough_time``, and per threshold ``alert_<id>_level``, ``alert_<id>_time_beyond`` (h)
        and, when it was crossed, ``alert_<id>_first`` (h). Entries whose series were not kept
        (``output: {variables: [...]}``) are left out.
        """
        if self._summary is None:
            self._summary = self._compute_summary()
        return dict(self._summary)

    def _compute_summary(self) -> Dict[str, Quantity]:
        # The definitions of app::RunSummary (what the CLI prints), from the stored series.
        out: Dict[str, Quantity] = {}
        t = self.time
        if len(t) == 0:
            return out
        units = self._data.units
        names = set(self._data.names)
        if "serum_mg_total" in names:
            serum = self._data.series("serum_mg_total")
            out["serum_mg_start"] = Quantity(float(serum[0]), units["serum_mg_total"])
            out["serum_mg_end"] = Quantity(float(serum[-1]), units["serum_mg_total"])
        if "cum_urine" in names:
            urine = self._data.series("cum_urine")
            window = np.nonzero(t <= self.duration_h - 24.0 + 1e-9)[0]
            start = int(window[-1]) if len(window) else 0
            hours = float(t[-1] - t[start])
            if hours > 0:
                out["urine_mg_last_24h"] = Quantity(float(urine[-1] - urine[start]), units["cum_urine"])
                out["urine_window"] = Quantity(hours, "h")
        if "cum_intake" in names and "cum_absorbed" in names:
            intake = self._data.series("cum_intake")
            absorbed = self._data.series("cum_absorbed")
            # cumulative balances count from 0 at t = 0, before the doses given at t = 0
            taken = float(intake[-1])
            out["intake"] = Quantity(taken, units["cum_intake"])
            if taken > 0:
                out["absorbed_fraction"] = Quantity(100.0 * float(absorbed[-1]) / taken, "%")
        if math.isfinite(self._data.retention_percent):
            out["retention"] = Quantity(self._data.retention_percent, "%")
        attrs = self._data.attributes
        for key in ("mass_balance_error", "mass_balance_relative_error", "wall_time"):
            if key in attrs:
                out[key] = Quantity(float(attrs[key]), attrs.get(key + "_units", ""))
        # Clinical thresholds, as the file's root attributes hold them.
        for key, value in attrs.items():
            if key.endswith("_units") or isinstance(value, str):
                continue
            if key.startswith("alert_") or key.endswith(_RANGE_SUFFIXES):
                out[key] = Quantity(float(value), attrs.get(key + "_units", ""))
        return out

    @property
    def warnings(self) -> List[str]:
        """One line per clinical threshold the run crossed, as ``magsim run`` prints them on
        stderr (without the ``warning:`` prefix), e.g. ``"total serum Mg above 3.5 mmol/L (loss
        of patellar reflexes) first at 2.4 h, 6.1 h in all; peak 4.8 mmol/L at 12.0 h"``; empty
        when none was crossed. From the file's ``warnings`` root attribute."""
        text = self._data.attributes.get("warnings", "")
        return [line for line in str(text).split("\n") if line]

    # ---- conversions -----------------------------------------------------------------------

    def to_pandas(self) -> "pandas.DataFrame":
        """A DataFrame indexed by ``time`` (h), one column per series (copied). Units are in
        ``df.attrs["units"]``, descriptions in ``df.attrs["descriptions"]``."""
        import pandas as pd
        df = pd.DataFrame({n: self._data.series(n) for n in self._data.names},
                          index=pd.Index(self._data.time, name="time"), copy=True)
        df.attrs["units"] = self.units
        df.attrs["descriptions"] = self.descriptions
        return df

    def to_xarray(self) -> "xarray.Dataset":
        """An xarray Dataset over the ``time`` coordinate (h), as
        ``xarray.open_dataset(FILE, group="series")`` gives it: each variable has ``units`` and
        ``description`` attributes; the run's root attributes are the Dataset's ``attrs``."""
        import xarray as xr
        units, descriptions = self._data.units, self._data.descriptions
        data_vars = {n: ("time", self._data.series(n),
                         {"units": units.get(n, ""), "description": descriptions.get(n, "")})
                     for n in self._data.names}
        coords = {"time": ("time", self._data.time,
                           {"units": "h", "description": descriptions.get("time", "")})}
        return xr.Dataset(data_vars, coords=coords, attrs=self.attrs)

    # ---- plots -----------------------------------------------------------------------------

    def plot(self, variables: Union[str, Sequence[str], None] = None, *,
             time_unit: Optional[str] = None, daily_mean: Optional[bool] = None,
             ax: Optional["matplotlib.axes.Axes"] = None,
             label: Optional[str] = None, events: Optional[bool] = None,
             reference: bool = True) -> "matplotlib.figure.Figure":
        """Plot series against time, one panel per series; returns the matplotlib Figure.

        Each y axis is labelled with the series' description and unit ("Total serum Mg
        (mmol/L)"), the x axis with time and its unit, and the figure is titled with the
        scenario's name. Doses (supplements, drugs, boluses, injections) are triangles on the
        top edge of each panel and infusions shaded spans, labelled in the first panel's legend
        with what was given and how much; series with a reference range in the run file (serum
        total and ionized Mg) show it as a green band.

        Args:
            variables: a name or names (default: those of ``DEFAULT_PLOT_VARIABLES`` present).
            time_unit: ``"min"``, ``"h"``, ``"d"``, ``"w"`` or ``"y"`` (default: h up to 3 days,
                d up to 2 years, else y).
            daily_mean: plot the mean of each whole day (at mid-day) instead of every sample,
                so that meal and dose cycles do not hide a trend over weeks. Default: on for
                runs longer than 14 d sampled more than once a day.
            ax: draw every variable on this Axes instead of a new figure (to overlay runs).
            label: legend label of this run's lines (with ``ax``, to tell runs apart).
            events: mark doses and infusions (default: yes on a new figure, no on ``ax``).
            reference: shade the reference range of the series that have one.
        """
        names = self._plot_names(variables)
        unit_t = time_unit or _auto_time_unit(self.duration_h)
        if unit_t not in _TIME_UNITS:
            raise ValueError(f"time_unit must be one of {', '.join(_TIME_UNITS)}, got {unit_t!r}")
        if daily_mean is None:
            daily_mean = self._long_and_dense()
        if events is None:
            events = ax is None
        units, descriptions = self._data.units, self._data.descriptions
        ranges = _plotting.reference_ranges(self._data.attributes) if reference else {}
        run_events = self._data.events if events else []

        def line(target: Any, name: str, text: str) -> None:
            t, y = self._data.time, self._data.series(name)
            if daily_mean:
                t, y = _daily_means(t, y)
            target.plot(t / _TIME_UNITS[unit_t], y, label=text, lw=1.5)

        def decorate(target: Any, members: Sequence[str], legend_events: bool) -> None:
            for n in members:
                r = ranges.get(n)
                if r is not None and r.unit == units.get(n, ""):
                    _plotting.draw_reference_range(target, r)
            if run_events:
                _plotting.draw_events(target, run_events, self.duration_h, _TIME_UNITS[unit_t],
                                      label=legend_events)
            _label_axes(target, members, units, descriptions, unit_t, bool(daily_mean))

        if ax is not None:
            for n in names:
                text = _plotting.short_description(descriptions.get(n, ""), n)
                line(ax, n, text if label is None else (label if len(names) == 1 else f"{label}: {text}"))
            decorate(ax, names, True)
            return ax.figure
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(len(names), 1, sharex=True, squeeze=False,
                                 figsize=(7.5, 1.2 + 2.2 * len(names)), layout="constrained")
        for i, (a, n) in enumerate(zip(axes[:, 0], names)):
            line(a, n, _plotting.short_description(descriptions.get(n, ""), n) if label is None
                 else label)
            decorate(a, [n], i == 0)
        for a in axes[:-1, 0]:
            a.set_xlabel("")
        fig.suptitle(self._scenario_name(), fontweight="bold")
        return fig

    def _long_and_dense(self) -> bool:
        t = self._data.time
        return self.duration_h > 14 * 24 and len(t) > 1 and float(np.median(np.diff(t))) < 24.0

    def _plot_names(self, variables: Union[str, Sequence[str], None]) -> List[str]:
        if variables is None:
            names = [n for n in DEFAULT_PLOT_VARIABLES if n in self._data.names]
            return names or list(self._data.names[:1])
        names = [variables] if isinstance(variables, str) else list(variables)
        for n in names:
            if n not in self._data.names:
                raise KeyError(f"no series {n!r} in this run (it has: {', '.join(self.names)})")
        return names

    def _title(self) -> str:
        return os.path.basename(self._data.scenario_file) or "magsim run"

    def _scenario_name(self) -> str:
        # The scenario's `name:` (the parser fills in the file's stem when it has none).
        import yaml
        try:
            name = yaml.safe_load(self._data.scenario_resolved).get("name")
        except (yaml.YAMLError, AttributeError):
            name = None
        return str(name) if name else self._title()

    # ---- files -----------------------------------------------------------------------------

    def save(self, path: Union[str, "os.PathLike[str]"]) -> str:
        """Write the run to ``path``, the same file ``magsim run -o PATH`` writes for the same
        scenario. The extension chooses the format, as for ``magsim run``: ``.h5``/``.hdf5``
        HDF5 (series, /scenario, /parameters, /events, root attributes), ``.csv`` a table (a row
        of names, a row of units, one row per time, then the run's details as ``#`` lines) and
        ``.nc`` netCDF-4 (``xarray.open_dataset(path)`` shows the series).

        The file is written under a temporary name in the same directory and renamed into place
        when complete: a failure leaves any existing file at ``path`` untouched. A Result read
        with :func:`magsim.open` is saved as a copy of its file (HDF5 only). Returns the path.

        Raises:
            ValueError: an extension other than .h5, .hdf5, .csv and .nc; or a Result read from
                a file saved in another format than its own.
            OSError: the directory is missing or not writable, the disk is full, ...
        """
        from . import _core
        target = os.fspath(path)
        try:
            if self._data.simulated:
                self._data.save(target)  # ValueError for an unknown extension
            else:
                # A device, a FIFO, a link: refused whatever its name, before the extension.
                _core.check_output_path(target, "output")
                fmt = _core.run_format(target)  # ValueError for an unknown extension
                if fmt != "hdf5":
                    raise ValueError(
                        f"cannot save {target!r} as {fmt}: a Result read from a file is saved as a "
                        "copy of that file (.h5); run the scenario again to write another format")
                _copy_atomically(self._data.source_path, target)
        except RuntimeError as e:
            raise OSError(str(e)) from e
        return target

    def __repr__(self) -> str:
        n = len(self._data.time)
        span = self.duration_h
        unit = _auto_time_unit(span)
        return (f"<magsim.Result {self._title()!r}: {n} samples over {span / _TIME_UNITS[unit]:g} {unit}, "
                f"{len(self._data.names)} series>")

    # ---- notebooks -------------------------------------------------------------------------

    def _ipython_key_completions_(self) -> List[str]:
        """``r["<TAB>``: the series names (and ``time``)."""
        return ["time"] + list(self._data.names)

    def _repr_html_(self) -> str:
        """A compact table for Jupyter: the scenario, the run's length, and the numbers
        ``magsim run`` prints, with their units."""
        from . import _yaml
        from ._scenario import _html_table
        try:
            name = str((_yaml.load(self._data.scenario_resolved) or {}).get("name", ""))
        except Exception:  # noqa: BLE001 - a title is not worth an error
            name = ""
        span = self.duration_h
        unit = _auto_time_unit(span)
        rows = [("scenario", name or self._title()),
                ("file", self._data.scenario_file or "(made in code)"),
                ("duration", f"{span / _TIME_UNITS[unit]:g} {unit} ({len(self._data.time)} "
                             f"samples, {len(self._data.names)} series)")]
        summary = self.summary
        for key, what in _HTML_SUMMARY:
            if key in summary:
                q = summary[key]
                if key == "urine_mg_last_24h" and "urine_window" in summary:
                    what = f"urine Mg, last {summary['urine_window']}"
                rows.append((what, f"{q.value:.4g}" if q.unit in ("", "1") else str(q)))
        rows += [("warning", w) for w in self.warnings]
        return _html_table("magsim.Result", rows)


def _daily_means(t: np.ndarray, y: np.ndarray) -> "tuple[np.ndarray, np.ndarray]":
    """Mean of y over each whole day [24 k, 24 (k+1)) h, at mid-day; partial days left out."""
    day = np.floor(t / 24.0).astype(np.int64)
    counts = np.bincount(day)
    sums = np.bincount(day, weights=y)
    whole = np.nonzero(counts == counts.max())[0]
    return (whole + 0.5) * 24.0, sums[whole] / counts[whole]


def _label_axes(ax: Any, names: Sequence[str], units: Mapping[str, str],
                descriptions: Mapping[str, str], time_unit: str, daily_mean: bool) -> None:
    note = "daily mean" if daily_mean else ""
    distinct = list(dict.fromkeys(units.get(n, "") for n in names))
    if len(distinct) == 1:
        # One series, or several of one unit: what they are, and the unit.
        what = " / ".join(_plotting.short_description(descriptions.get(n, ""), n) for n in names)
        text = _plotting.axis_label(names[0], distinct[0], what, note)
    else:
        text = "; ".join(_plotting.axis_label(n, units.get(n, ""), descriptions.get(n, ""))
                         for n in names) + (f"; {note}" if note else "")
    ax.set_ylabel(text)
    ax.set_xlabel(_plotting.time_label(time_unit))
    _plotting.style_axes(ax)
    handles, _ = ax.get_legend_handles_labels()
    if len(handles) > 1:
        ax.legend(fontsize="small", framealpha=0.9)


def _copy_atomically(source: str, target: str) -> None:
    """Copy a run file to `target` as `magsim run` writes one: under a temporary name beside it,
    renamed into place when complete, and only ever over a regular file (a device, FIFO, socket,
    directory or symbolic link at `target` raises, and is left as it was)."""
    from . import _core
    _core.check_output_path(target, "output")
    if os.path.exists(target) and os.path.samefile(source, target):
        return
    tmp = _core.fresh_temporary_path(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            shutil.copyfileobj(src, out)
            out.flush()
            os.fsync(out.fileno())
        _core.check_output_path(target, "output")  # it may have changed meanwhile
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


def plot_runs(runs: Union[Mapping[str, Result], Sequence[Result]],
              variables: Union[str, Sequence[str], None] = None, *,
              time_unit: Optional[str] = None,
              daily_mean: Optional[bool] = None) -> "matplotlib.figure.Figure":
    """Compare runs: one panel per variable, one line per run; returns the Figure.

    Args:
        runs: ``{"label": result, ...}``, or a list of Results (labelled by scenario name).
        variables: a name or names (default: those of ``DEFAULT_PLOT_VARIABLES`` in the first
            run). Each panel's y axis carries the series' description and unit; reference
            ranges are shaded, and doses and infusions marked when every run had the same.
        time_unit: ``"min"``, ``"h"``, ``"d"``, ``"w"`` or ``"y"`` (default: by the longest run).
        daily_mean: plot daily means (see :meth:`Result.plot`); default: on when every run is
            longer than 14 d and sampled more than once a day.
    """
    import matplotlib.pyplot as plt
    items = list(runs.items()) if isinstance(runs, Mapping) else [(r._scenario_name(), r) for r in runs]
    if not items:
        raise ValueError("plot_runs needs at least one Result")
    names = items[0][1]._plot_names(variables)
    unit_t = time_unit or _auto_time_unit(max(r.duration_h for _, r in items))
    if daily_mean is None:
        daily_mean = all(r._long_and_dense() for _, r in items)
    fig, axes = plt.subplots(len(names), 1, sharex=True, squeeze=False,
                             figsize=(7.5, 1.2 + 2.2 * len(names)), layout="constrained")
    # Doses and infusions are marked when every run had the same (else they differ by run).
    schedules = {tuple(e for e in r._data.events if e[1] != "meal") for _, r in items}
    shared = list(schedules.pop()) if len(schedules) == 1 else []
    end_h = max(r.duration_h for _, r in items)
    for i, (a, name) in enumerate(zip(axes[:, 0], names)):
        if shared:
            _plotting.draw_events(a, shared, end_h, _TIME_UNITS[unit_t], label=i == 0)
        for label, r in items:
            r.plot(name, time_unit=unit_t, daily_mean=daily_mean, ax=a, label=str(label))
    for a in axes[:-1, 0]:
        a.set_xlabel("")
    return fig

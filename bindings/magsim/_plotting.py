"""Figure conventions shared by every figure magsim draws: axis labels from the outputs'
descriptions with their units, the time axis, dose and infusion markers, the reference-range band
and the common style.

Used by :meth:`Result.plot`, :func:`plot_runs`, the fit figures (``_fit_file.py``) and
``tools/plot_validation.py``. Needs only NumPy and matplotlib, not magsim's C++ module, so that
the tools can load this file by its path from the source tree (``magsim validate`` and
``magsim fit --report`` run them with ``/usr/bin/python3``, where magsim need not be importable).
"""

from __future__ import annotations

import math
import textwrap
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple

__all__ = ["TIME_UNITS", "auto_time_unit", "time_label", "unit_text", "with_unit", "short_description",
           "axis_label", "style_axes", "ReferenceRange", "reference_ranges", "draw_reference_range",
           "Dose", "Infusion", "doses", "infusions", "draw_events"]

#: Hours per unit of the time axis.
TIME_UNITS = {"min": 1.0 / 60.0, "h": 1.0, "d": 24.0, "w": 168.0, "y": 8766.0}

#: Longest label text (characters) before a description is shortened or wrapped.
LABEL_WIDTH = 30

REFERENCE_COLOR = "#4daf4a"
INFUSION_COLORS = ("#f4a04a", "#fdd7a8", "#c7a4d8", "#a6d8d4")
DOSE_COLORS = ("#6a3d9a", "#b2182b", "#01665e", "#8c510a", "#2166ac", "#c51b7d")
#: Doses of one kind up to which a faint line joins each marker to the curves.
DOSE_LINES_UP_TO = 12
#: Doses of one kind beyond which they are drawn as ticks (that join into a bar) not triangles.
DENSE_DOSES = 40

# Event kinds of the run file's /events that are not a dose: food, and the infusion changes
# (drawn as spans).
_NOT_DOSES = ("meal", "infusion_start", "infusion_stop", "infusion_pause", "infusion_resume")


# ---- text ---------------------------------------------------------------------------------------

def auto_time_unit(duration_h: float) -> str:
    """``"h"`` for runs up to 3 days, ``"d"`` up to 2 years, else ``"y"``."""
    if duration_h <= 72:
        return "h"
    if duration_h <= 2 * 8766:
        return "d"
    return "y"


def time_label(unit: str) -> str:
    """``"Time (h)"``."""
    return f"Time ({unit})"


def unit_text(unit: str) -> str:
    """A unit as a figure shows it: ``"1"`` (dimensionless) is "unitless", ``m2`` is m²."""
    if unit == "1":
        return "unitless"
    return unit.replace("1.73m2", "1.73 m\u00b2").replace("m2", "m\u00b2").replace("um", "\u00b5m")


def with_unit(label: str, unit: str) -> str:
    """``"Total serum Mg (mmol/L)"``; a label without a unit stays as it is."""
    return f"{label} ({unit_text(unit)})" if unit else label


def _capitalised(text: str) -> str:
    # "total serum Mg" -> "Total serum Mg"; "iMg" and "eGFR" stay as they are.
    if len(text) > 1 and text[0].islower() and not text[1].isupper():
        return text[0].upper() + text[1:]
    return text


def short_description(description: str, name: str = "", width: int = LABEL_WIDTH) -> str:
    """The description as a label: capitalised, cut before its first explanation (": ", " (",
    "; ", ", ") when longer than ``width``. Falls back to ``name`` without a description."""
    text = " ".join((description or "").split())
    if not text:
        return name
    if len(text) > width:
        for sep in (": ", " (", "; ", ", "):
            i = text.find(sep)
            if i > 0:
                text = text[:i]
                break
    return _capitalised(text)


def axis_label(name: str, unit: str, description: str = "", note: str = "",
               width: int = LABEL_WIDTH) -> str:
    """An axis label: the series' description (shortened), an optional note ("daily mean") and
    the unit, wrapped over lines of about ``width`` characters:
    ``"Total serum Mg (mmol/L)"``."""
    text = short_description(description, name, width)
    if note:
        text += f", {note}"
    return "\n".join(textwrap.wrap(with_unit(text, unit), width=width, break_on_hyphens=False))


def style_axes(ax: Any) -> None:
    """Light grid, no top or right frame."""
    ax.grid(True, alpha=0.3, linewidth=0.6)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)


# ---- reference ranges -------------------------------------------------------------------------

class ReferenceRange(NamedTuple):
    low: float
    high: float
    unit: str
    source: str


def reference_ranges(attrs: Mapping[str, Any]) -> Dict[str, ReferenceRange]:
    """The reference ("normal") ranges a run file carries as root attributes
    ``<series>_reference_low`` / ``_high`` (with ``_units``) and ``_reference_source``."""
    out: Dict[str, ReferenceRange] = {}
    for key, low in attrs.items():
        if not key.endswith("_reference_low") or isinstance(low, str):
            continue
        series = key[: -len("_reference_low")]
        high = attrs.get(series + "_reference_high")
        unit = str(attrs.get(key + "_units", ""))
        if high is None or isinstance(high, str) or str(attrs.get(series + "_reference_high_units", "")) != unit:
            continue
        out[series] = ReferenceRange(float(low), float(high), unit,
                                     str(attrs.get(series + "_reference_source", "")))
    return out


def draw_reference_range(ax: Any, r: ReferenceRange, label: bool = True) -> Any:
    """Shade the range across the axes (once per axes); returns the patch."""
    for patch in ax.patches:
        if patch.get_gid() == "reference_range":
            return patch
    text = f"Reference range {r.low:g}\u2013{r.high:g} {unit_text(r.unit)}"
    if r.source:
        text += f" ({r.source})"
    return ax.axhspan(r.low, r.high, color=REFERENCE_COLOR, alpha=0.16, lw=0, zorder=0,
                      gid="reference_range", label=text if label else "_" + text)


# ---- events -----------------------------------------------------------------------------------

class Dose(NamedTuple):
    time_h: float
    kind: str
    what: str
    amount: float
    unit: str


class Infusion(NamedTuple):
    start_h: float
    stop_h: float
    what: str
    rate: float
    unit: str


def _event_rows(events: Iterable[Sequence[Any]]) -> List[Tuple[float, str, str, float, str]]:
    return [(float(e[0]), str(e[1]), str(e[2]), float(e[3]), str(e[4])) for e in events]


def doses(events: Iterable[Sequence[Any]]) -> List[Dose]:
    """What was given at one time (supplements, drugs, boluses, injections) from the rows
    ``(time_h, kind, what, amount, unit)`` of a run's /events; meals and infusions left out."""
    return [Dose(*e) for e in _event_rows(events) if e[1] not in _NOT_DOSES]


def infusions(events: Iterable[Sequence[Any]], end_h: float) -> List[Infusion]:
    """Spans of infusion from the start, pause, resume and stop events (an infusion still
    running at ``end_h`` ends there)."""
    running: Dict[str, Tuple[float, float, str]] = {}
    out: List[Infusion] = []
    for t, kind, what, amount, unit in _event_rows(events):
        if kind in ("infusion_start", "infusion_resume"):
            running.setdefault(what, (t, amount, unit))
        elif kind in ("infusion_stop", "infusion_pause") and what in running:
            t0, rate, u = running.pop(what)
            if t > t0:
                out.append(Infusion(t0, t, what, rate, u))
    for what, (t0, rate, u) in running.items():
        if end_h > t0:
            out.append(Infusion(t0, end_h, what, rate, u))
    return sorted(out)


def event_name(kind: str, what: str) -> str:
    """``oral.citrate`` -> "Oral citrate", ``drug.omeprazole.oral`` -> "Omeprazole (oral)",
    ``iv maintenance`` -> "IV maintenance", an IM injection -> "IM injection"."""
    parts = [p for p in what.replace(".", " ").split() if p]
    if kind == "drug" and parts and parts[0] == "drug":
        parts = parts[1:]
        if len(parts) > 1:
            return _capitalised(f"{' '.join(parts[:-1])} ({_route(parts[-1])})")
    if kind == "im_injection" and parts in ([], ["im"]):
        return "IM injection"
    if kind == "iv_bolus" and parts in ([], ["iv"]):
        return "IV bolus"
    return _capitalised(" ".join(_route(p) for p in parts) or kind.replace("_", " "))


def _route(word: str) -> str:
    return word.upper() if word in ("iv", "im", "sc") else word


def _amounts(values: Sequence[float], unit: str) -> str:
    lo, hi = min(values), max(values)
    u = unit_text(unit)
    return f"{lo:.3g} {u}" if math.isclose(lo, hi, rel_tol=1e-6) else f"{lo:.3g}\u2013{hi:.3g} {u}"


def draw_events(ax: Any, events: Iterable[Sequence[Any]], end_h: float, hours_per_unit: float,
                label: bool = True) -> None:
    """Mark the doses (triangles along the top edge, one row and colour per kind of dose, ticks
    for a long regimen, a faint line down when there are few) and shade the infusions, with legend labels naming what was given and how
    much (``label=False``: the same drawing without legend entries, for the panels below the
    first). The markers of a dose are a PathCollection with gid ``dose:<what>``, the infusion
    spans Polygons with gid ``infusion:<what>``."""
    # The marks sit in axes coordinates vertically: they must not stretch the y axis.
    limits, ignore = ax.dataLim.frozen(), ax.ignore_existing_data_limits
    _draw_events(ax, _event_rows(events), end_h, hours_per_unit, label)
    ax.dataLim.set(limits)
    ax.ignore_existing_data_limits = ignore
    ax.autoscale_view()


def _draw_events(ax: Any, rows: List[Tuple[float, str, str, float, str]], end_h: float,
                 hours_per_unit: float, label: bool) -> None:
    given = doses(rows)
    groups: Dict[Tuple[str, str], List[Dose]] = {}
    for d in given:
        groups.setdefault((d.kind, d.what), []).append(d)
    for i, ((kind, what), items) in enumerate(groups.items()):
        color = DOSE_COLORS[i % len(DOSE_COLORS)]
        units = {d.unit for d in items}
        amount = _amounts([d.amount for d in items], items[0].unit) if len(units) == 1 else ""
        text = event_name(kind, what) + (f" {amount}" if amount else "")
        if len(items) > 1:
            text += f" (\u00d7{len(items)})"
        x = [d.time_h / hours_per_unit for d in items]
        # One row per kind of dose along the top edge, inside the axes (so that the layout
        # keeps them clear of the title); a long regimen's marks join into a bar of its colour.
        # Collections, not lines: ax.lines keeps only the data.
        dense = len(items) > DENSE_DOSES
        ax.scatter(x, [0.975 - 0.05 * i] * len(x), marker="|" if dense else "v",
                   s=40 if dense else 36, linewidths=1.0 if dense else None, color=color,
                   transform=ax.get_xaxis_transform(), zorder=6,
                   gid=f"dose:{what}", label=text if label else "_" + text)
        if len(items) <= DOSE_LINES_UP_TO:
            ax.vlines(x, 0, 1, transform=ax.get_xaxis_transform(), colors=color, lw=0.8,
                      linestyles=":", alpha=0.6, zorder=1)
    spans = infusions(rows, end_h)
    colors: Dict[str, str] = {}
    for s in spans:
        first = s.what not in colors
        color = colors.setdefault(s.what, INFUSION_COLORS[len(colors) % len(INFUSION_COLORS)])
        text = f"{event_name('infusion', s.what)} infusion {_amounts([s.rate], s.unit)}"
        ax.axvspan(s.start_h / hours_per_unit, s.stop_h / hours_per_unit, color=color,
                   alpha=0.45, lw=0, zorder=0, gid=f"infusion:{s.what}",
                   label=text if (label and first) else "_" + text)

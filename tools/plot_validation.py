#!/usr/bin/python3
"""Draw one figure per validation case from the data `magsim validate --report DIR` writes.

usage: plot_validation.py DIR

Reads DIR/data/<case>.json and writes DIR/<case>.png: one panel per plot of the case (`plot:`,
a map or a list), each with the simulated series (a line per run), the published observations
of that plot (`published:`; black: a point with its +- error, a range at a time as a bar, a
window as a hatched band or, for a value over a window, a line) and the expected range of any
checked value taken from that series (blue band, or a dashed line for a one-sided limit); then
one panel per printed quantity showing the simulated value(s) against the expected band. Axes
are labelled with the series' description and unit, time in h (d for runs over 3 days); the
title gives the case id, its title, pass or fail, and its source. Runs with /usr/bin/python3
(Debian's python3-matplotlib); the label and style conventions are those of magsim's figures,
from bindings/magsim/_plotting.py loaded by its path (magsim itself need not be importable).
"""
import json
import math
import pathlib
import runpy
import sys
import types

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]


# magsim's figure conventions, run from the source tree (no build or install needed).
style = types.SimpleNamespace(**runpy.run_path(str(ROOT / "bindings" / "magsim" / "_plotting.py")))

PASS_COLOR = "#2a7d2a"
FAIL_COLOR = "#b22222"
BAND_COLOR = "#9ecae1"
LIMIT_COLOR = "#3182bd"


def finite(x):
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def shade_band(ax, lo, hi, horizontal=True, **kw):
    """Shade [lo, hi]; an open side extends to the edge of the axes."""
    ymin, ymax = ax.get_ylim()
    lo = lo if finite(lo) else min(ymin, hi if finite(hi) else ymin)
    hi = hi if finite(hi) else max(ymax, lo)
    ax.axhspan(lo, hi, color=BAND_COLOR, alpha=0.45, lw=0, **kw)


def published_marks(ax, plot, hours):
    """Published observations: points with error bars, ranges at a time, windows (times in h,
    drawn in units of `hours` h)."""
    labelled = set()

    def label(p, default):
        text = p.get("label") or default
        if text in labelled:
            return None
        labelled.add(text)
        return text

    ymin, ymax = ax.get_ylim()
    for p in plot.get("published", []):
        lo, hi, v, err = p.get("min"), p.get("max"), p.get("value"), p.get("error")
        if finite(p.get("at")):
            t = p["at"] / hours
            if finite(v):
                ax.errorbar([t], [v], yerr=[[err], [err]] if finite(err) else None, fmt="o",
                            color="black", ms=6, capsize=4, zorder=5, gid="published",
                            label=label(p, "Published"))
            else:
                lo_d = lo if finite(lo) else ymin
                hi_d = hi if finite(hi) else ymax
                ax.errorbar([t], [(lo_d + hi_d) / 2], yerr=[[(hi_d - lo_d) / 2]] * 2, fmt="none",
                            ecolor="black", elinewidth=1.6, capsize=6, zorder=5, gid="published",
                            label=label(p, "Published range"))
        elif finite(p.get("from")) and finite(p.get("to")):
            t0, t1 = p["from"] / hours, p["to"] / hours
            if finite(v):
                ax.hlines(v, t0, t1, colors="black", linewidths=2, zorder=5, gid="published",
                          label=label(p, "Published mean"))
                if finite(err):
                    ax.fill_between([t0, t1], [v - err] * 2, [v + err] * 2, facecolor="none",
                                    edgecolor="black", hatch="//", lw=0.8, zorder=4)
            else:
                lo_d = lo if finite(lo) else ymin
                hi_d = hi if finite(hi) else ymax
                ax.fill_between([t0, t1], [lo_d] * 2, [hi_d] * 2, facecolor="none",
                                edgecolor="black", hatch="//", lw=0.8, zorder=4, gid="published",
                                label=label(p, "Published range"))


def expected_marks(ax, case, plot, hours):
    """The expected ranges of values read straight off this series (value at t, min/max/mean in
    a window), where they apply: a band for a two-sided range, a dashed line for a limit."""
    unit = plot["unit"]
    labelled = set()

    def label(text):
        if text in labelled:
            return None
        labelled.add(text)
        return text

    for q in case["quantities"]:
        if not q["checked"] or q["series"] != plot["series"] or q["unit"] != unit:
            continue
        if q.get("baseline", "") != plot.get("baseline", ""):
            continue
        lo = q["min"] if finite(q["min"]) else None
        hi = q["max"] if finite(q["max"]) else None
        if lo is None and hi is None:
            continue
        if q["op"] == "value" and finite(q["at"]):
            t0 = t1 = q["at"] / hours
        elif finite(q["from"]) and finite(q["to"]) and q["op"] in ("mean", "min", "max"):
            t0, t1 = q["from"] / hours, q["to"] / hours
        else:
            continue
        if lo is not None and hi is not None:
            if t0 == t1:
                ax.errorbar([t0], [(lo + hi) / 2], yerr=[[(hi - lo) / 2]] * 2, fmt="none",
                            ecolor=LIMIT_COLOR, elinewidth=6, alpha=0.6, capsize=0, gid="expected",
                            label=label("Expected range (checked)"))
            else:
                ax.fill_between([t0, t1], [lo] * 2, [hi] * 2, color=BAND_COLOR, alpha=0.45, lw=0,
                                gid="expected", label=label("Expected range (checked)"))
        else:
            limit = lo if lo is not None else hi
            word = "Expected minimum" if lo is not None else "Expected maximum"
            span = (t0 - 0.02 * (t1 - t0 or 1), t1 + 0.02 * (t1 - t0 or 1))
            ax.hlines(limit, *span, colors=LIMIT_COLOR, linestyles="--", linewidths=1.4,
                      zorder=4, gid="expected",
                      label=label(f"{word} {limit:g} {style.unit_text(unit)} (checked)"))


def series_panel(ax, case, plot, time_unit):
    unit = plot["unit"]
    hours = style.TIME_UNITS[time_unit]
    runs = plot["runs"]
    for run in runs:
        ax.plot([t / hours for t in run["time"]], run["values"], lw=1.5,
                label=f"Simulated: {run['name']}" if len(runs) > 1 else f"Simulated ({run['name']})")
    note = f"minus run '{plot['baseline']}'" if plot.get("baseline") else ""
    ax.set_ylabel(style.axis_label(plot["series"], unit, plot.get("description", ""), note))
    ax.set_xlabel(style.time_label(time_unit))
    style.style_axes(ax)
    # Published observations first, so that the open sides of their ranges reach the data.
    published_marks(ax, plot, hours)
    expected_marks(ax, case, plot, hours)
    ax.legend(fontsize=7, framealpha=0.9)
    title = plot.get("title") or style.short_description(plot.get("description", ""), plot["series"])
    ax.set_title(title, fontsize=9)


def quantity_panel(ax, q, descriptions):
    values = q["values"]
    names = q["points"] if len(q["points"]) == len(values) else [str(i) for i in range(len(values))]
    x = list(range(len(values)))
    color = PASS_COLOR if q["pass"] or not q["checked"] else FAIL_COLOR
    if values:
        ax.plot(x, values, "o-" if len(values) > 1 else "o", color=color, ms=7, label="Simulated")
        lo = min(v for v in values if finite(v)) if any(finite(v) for v in values) else 0
        hi = max(v for v in values if finite(v)) if any(finite(v) for v in values) else 1
        for b in (q["min"], q["max"]):
            if finite(b):
                lo, hi = min(lo, b), max(hi, b)
        pad = 0.15 * (hi - lo) if hi > lo else (abs(hi) * 0.2 or 1.0)
        ax.set_ylim(lo - pad, hi + pad)
    if q["checked"] and (finite(q["min"]) or finite(q["max"])):
        shade_band(ax, q["min"], q["max"], label="Expected")
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=30 if len(values) > 2 else 0, fontsize=8, ha="right"
                       if len(values) > 2 else "center")
    ax.set_xlim(-0.5, len(values) - 0.5 if values else 0.5)
    # A value read off a series is labelled as the series; a change, ratio, ... by its label.
    read_off = q.get("series") and q["op"] in ("value", "mean", "min", "max")
    what = descriptions.get(q["series"], "") if read_off else ""
    ax.set_ylabel(style.axis_label(q["label"], q["unit"], what or q["label"]))
    status = "info" if not q["checked"] else ("pass" if q["pass"] else "FAIL")
    expected = f"; expected {q['expected']}" if q["checked"] else ""
    title = f"{q['label']}\n[{status}{expected}]"
    if q["error"]:
        title += f"\n{q['error'][:60]}"
    ax.set_title(title, fontsize=8, color=color if q["checked"] else "black")
    style.style_axes(ax)
    ax.grid(False, axis="x")


def draw(case):
    quantities = case["quantities"]
    plots = [p for p in case.get("plots", []) if any(r["values"] for r in p["runs"])]
    descriptions = {p["series"]: p.get("description", "") for p in case.get("plots", [])}
    longest = max((t for p in plots for r in p["runs"] for t in r["time"]), default=0.0)
    time_unit = style.auto_time_unit(longest)
    n = len(quantities) + len(plots)
    cols = min(3, max(1, n))
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.0 * cols, 3.9 * rows + 0.8), squeeze=False)
    flat = [ax for row in axes for ax in row]
    i = 0
    for plot in plots:
        series_panel(flat[i], case, plot, time_unit)
        i += 1
    for q in quantities:
        quantity_panel(flat[i], q, descriptions)
        i += 1
    for ax in flat[i:]:
        ax.axis("off")
    verdict = "pass" if case["pass"] else "FAIL"
    fig.suptitle(f"{case['id']}: {case['title']} ({verdict})\nSource: {case['source']}",
                 fontsize=11, color=PASS_COLOR if case["pass"] else FAIL_COLOR)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig


def save(case, out_path):
    fig = draw(case)
    fig.savefig(out_path, dpi=110)
    plt.close(fig)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    root = pathlib.Path(argv[1])
    files = sorted((root / "data").glob("*.json"))
    if not files:
        print(f"plot_validation.py: error: no data in {root / 'data'}", file=sys.stderr)
        return 1
    for path in files:
        case = json.loads(path.read_text())
        out = root / f"{case['id']}.png"
        tmp = out.with_name(out.name + ".tmp.png")
        save(case, tmp)
        tmp.replace(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

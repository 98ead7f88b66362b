#!/usr/bin/python3
"""Draw one figure per validation case from the data `magsim validate --report DIR` writes.

usage: plot_validation.py DIR

Reads DIR/data/<case>.json and writes DIR/<case>.png: one panel per plot of the case (`plot:`,
a map or a list), each with the simulated series, the published observations of that plot
(`published:`; black: a point with its +- error, a range at a time as a bar, a window as a
hatched band or, for a value over a window, a line) and the expected range of any checked value
taken from that series (blue, where it applies); then one panel per printed quantity showing the
simulated value(s) against the expected band. Pass or fail is in the title. Runs with
/usr/bin/python3 (Debian's python3-matplotlib).
"""
import json
import math
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PASS_COLOR = "#2a7d2a"
FAIL_COLOR = "#b22222"
BAND_COLOR = "#9ecae1"


def finite(x):
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def unit_suffix(unit):
    return "" if unit in ("", "1") else f" ({unit})"


def shade_band(ax, lo, hi, horizontal=True, **kw):
    """Shade [lo, hi]; an open side extends to the edge of the axes."""
    ymin, ymax = ax.get_ylim()
    lo = lo if finite(lo) else min(ymin, hi if finite(hi) else ymin)
    hi = hi if finite(hi) else max(ymax, lo)
    ax.axhspan(lo, hi, color=BAND_COLOR, alpha=0.45, lw=0, **kw)


def published_marks(ax, plot):
    """Published observations: points with error bars, ranges at a time, windows."""
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
            t = p["at"]
            if finite(v):
                ax.errorbar([t], [v], yerr=[[err], [err]] if finite(err) else None, fmt="o",
                            color="black", ms=6, capsize=4, zorder=5,
                            label=label(p, "published"))
            else:
                lo_d = lo if finite(lo) else ymin
                hi_d = hi if finite(hi) else ymax
                ax.errorbar([t], [(lo_d + hi_d) / 2], yerr=[[(hi_d - lo_d) / 2]] * 2, fmt="none",
                            ecolor="black", elinewidth=1.6, capsize=6, zorder=5,
                            label=label(p, "published range"))
        elif finite(p.get("from")) and finite(p.get("to")):
            t0, t1 = p["from"], p["to"]
            if finite(v):
                ax.hlines(v, t0, t1, colors="black", linewidths=2, zorder=5,
                          label=label(p, "published mean"))
                if finite(err):
                    ax.fill_between([t0, t1], [v - err] * 2, [v + err] * 2, facecolor="none",
                                    edgecolor="black", hatch="//", lw=0.8, zorder=4)
            else:
                lo_d = lo if finite(lo) else ymin
                hi_d = hi if finite(hi) else ymax
                ax.fill_between([t0, t1], [lo_d] * 2, [hi_d] * 2, facecolor="none",
                                edgecolor="black", hatch="//", lw=0.8, zorder=4,
                                label=label(p, "published range"))


def series_panel(ax, case, plot):
    unit = plot["unit"]
    for run in plot["runs"]:
        ax.plot(run["time"], run["values"], lw=1.4, label=run["name"])
    ylabel = plot["series"]
    if plot.get("baseline"):
        ylabel += f" minus run '{plot['baseline']}'"
    ax.set_ylabel(ylabel + unit_suffix(unit))
    ax.set_xlabel("time (h)")
    ax.grid(alpha=0.3)
    # Published observations first, so that the expected ranges' open sides reach past them.
    published_marks(ax, plot)
    # Expected ranges of values read straight off this series (value at t, min/max/mean in a
    # window) are drawn where they apply.
    for q in case["quantities"]:
        if not q["checked"] or q["series"] != plot["series"] or q["unit"] != unit:
            continue
        if q.get("baseline", "") != plot.get("baseline", ""):
            continue
        lo = q["min"] if finite(q["min"]) else None
        hi = q["max"] if finite(q["max"]) else None
        if lo is None and hi is None:
            continue
        ymin, ymax = ax.get_ylim()
        lo_d = lo if lo is not None else min(ymin, hi)
        hi_d = hi if hi is not None else max(ymax, lo)
        if q["op"] == "value" and finite(q["at"]):
            ax.errorbar([q["at"]], [(lo_d + hi_d) / 2], yerr=[[(hi_d - lo_d) / 2]] * 2,
                        fmt="none", ecolor="#3182bd", elinewidth=6, alpha=0.6, capsize=0)
        elif finite(q["from"]) and finite(q["to"]) and q["op"] in ("mean", "min", "max"):
            ax.fill_between([q["from"], q["to"]], [lo_d] * 2, [hi_d] * 2, color=BAND_COLOR,
                            alpha=0.45, lw=0)
    handles, _ = ax.get_legend_handles_labels()
    if len(handles) > 1:
        ax.legend(fontsize=7)
    ax.set_title(plot.get("title") or plot.get("description") or plot["series"], fontsize=9)


def quantity_panel(ax, q):
    values = q["values"]
    names = q["points"] if len(q["points"]) == len(values) else [str(i) for i in range(len(values))]
    x = list(range(len(values)))
    color = PASS_COLOR if q["pass"] or not q["checked"] else FAIL_COLOR
    if values:
        ax.plot(x, values, "o-" if len(values) > 1 else "o", color=color, ms=7)
        lo = min(v for v in values if finite(v)) if any(finite(v) for v in values) else 0
        hi = max(v for v in values if finite(v)) if any(finite(v) for v in values) else 1
        for b in (q["min"], q["max"]):
            if finite(b):
                lo, hi = min(lo, b), max(hi, b)
        pad = 0.15 * (hi - lo) if hi > lo else (abs(hi) * 0.2 or 1.0)
        ax.set_ylim(lo - pad, hi + pad)
    if q["checked"] and (finite(q["min"]) or finite(q["max"])):
        shade_band(ax, q["min"], q["max"])
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=30 if len(values) > 2 else 0, fontsize=8, ha="right"
                       if len(values) > 2 else "center")
    ax.set_xlim(-0.5, len(values) - 0.5 if values else 0.5)
    ax.set_ylabel(q["unit"] if q["unit"] not in ("", "1") else "ratio (1)")
    status = "info" if not q["checked"] else ("pass" if q["pass"] else "FAIL")
    expected = f"; expected {q['expected']}" if q["checked"] else ""
    title = f"{q['label']}\n[{status}{expected}]"
    if q["error"]:
        title += f"\n{q['error'][:60]}"
    ax.set_title(title, fontsize=8, color=color if q["checked"] else "black")
    ax.grid(alpha=0.3, axis="y")


def draw(case, out_path):
    quantities = case["quantities"]
    plots = [p for p in case.get("plots", []) if any(r["values"] for r in p["runs"])]
    n = len(quantities) + len(plots)
    cols = min(3, max(1, n))
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.0 * cols, 3.9 * rows + 0.7), squeeze=False)
    flat = [ax for row in axes for ax in row]
    i = 0
    for plot in plots:
        series_panel(flat[i], case, plot)
        i += 1
    for q in quantities:
        quantity_panel(flat[i], q)
        i += 1
    for ax in flat[i:]:
        ax.axis("off")
    verdict = "PASS" if case["pass"] else "FAIL"
    fig.suptitle(f"{case['id']}: {case['title']} - {verdict}\n{case['source']}", fontsize=11,
                 color=PASS_COLOR if case["pass"] else FAIL_COLOR)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
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
        draw(case, tmp)
        tmp.replace(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

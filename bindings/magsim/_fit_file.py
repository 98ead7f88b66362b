"""The fit file (HDF5, layout in engine/io/fit_file.hpp) read into pandas, and its goodness-of-fit
figures.

Needs only NumPy, pandas, h5py and matplotlib, not magsim's C++ module: ``tools/plot_fit.py``
loads this file by its path to draw a report's figures from the source tree, and
``magsim.open_fit`` / ``FitResult.plot`` use it inside the package.
"""

from __future__ import annotations

import math
import os
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

try:
    from . import _plotting
except ImportError:  # loaded by its path (tools/plot_fit.py): the file beside this one
    import importlib.util as _util

    _spec = _util.spec_from_file_location(
        "magsim_plotting", os.path.join(os.path.dirname(os.path.abspath(__file__)), "_plotting.py"))
    _plotting = _util.module_from_spec(_spec)
    _spec.loader.exec_module(_plotting)

__all__ = ["FitFileError", "read_fit_file", "all_predictions", "draw_obs_vs_pred", "draw_residuals_vs_time",
           "draw_individual_fits", "draw_profiles", "write_figures", "CHI_SQUARE_95"]

#: delta OFV at the 95 % profile-likelihood limit (chi-square, 1 degree of freedom).
CHI_SQUARE_95 = 3.841458820694124
#: the band of weighted residuals drawn around zero (95 % of a standard normal).
RESIDUAL_BAND = 1.959963984540054
#: most subjects drawn in the individual-fits figure (one row each).
MAX_SUBJECT_ROWS = 24

ESTIMATE_COLUMNS = ["name", "unit", "transform", "estimate", "se", "rse_percent", "ci_lower",
                    "ci_upper", "profile_lower", "profile_upper", "identifiable", "at_bound",
                    "initial", "lower", "upper", "prior_median", "prior_cv"]
PREDICTION_COLUMNS = ["subject", "series", "unit", "time_h", "start_h", "observed", "predicted",
                      "censored", "sd", "weighted_residual", "ofv", "where"]
PROFILE_COLUMNS = ["value", "delta_ofv", "converged"]


class FitFileError(ValueError):
    """The file is not a magsim fit file (or lacks a part of its layout); the message names the
    file and what is missing."""


# ---- reading ----------------------------------------------------------------------------------

def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _text(value[()])
    return str(value)


def _attrs(obj: Any) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in obj.attrs.items():
        if isinstance(value, (bytes, str)):
            out[key] = _text(value)
        elif isinstance(value, np.ndarray) and value.dtype.kind in "OSU":
            out[key] = [_text(v) for v in value]
        elif isinstance(value, np.generic):
            out[key] = value.item()
        else:
            out[key] = value
    return out


def _table(group: Any, columns: Sequence[str], where: str):
    """A table group (one 1-D dataset per column) as a DataFrame: the documented columns first,
    then any others the file has; column units in ``frame.attrs["units"]``."""
    import pandas as pd
    missing = [c for c in columns if c not in group]
    if missing:
        raise FitFileError(f"{where}: no column(s) {', '.join(missing)}")
    names = list(columns) + [k for k in group.keys() if k not in columns]
    data: Dict[str, Any] = {}
    units: Dict[str, str] = {}
    for name in names:
        ds = group[name]
        if ds.dtype.kind in "SOU":
            data[name] = np.array([_text(v) for v in ds[()]], dtype=object)
        else:
            data[name] = ds[()]
            units[name] = _text(ds.attrs.get("units", ""))
    frame = pd.DataFrame(data, columns=names)
    frame.attrs["units"] = units
    return frame


def _matrix(ds: Any, where: str):
    import pandas as pd
    names = [_text(n) for n in ds.attrs.get("names", [])]
    values = ds[()]
    if values.ndim != 2 or values.shape != (len(names), len(names)):
        raise FitFileError(f"{where}: shape {values.shape} does not match its {len(names)} names")
    return pd.DataFrame(values, index=pd.Index(names, name="name"), columns=names)


def read_fit_file(path: "str | os.PathLike[str]") -> Dict[str, Any]:
    """Reads a fit file into plain Python: ``{"path", "attrs", "subjects", "estimations"}``, each
    estimation ``{"attrs", "estimates", "predictions", "correlation", "covariance_phi",
    "starts_ofv", "profiles"}`` (tables as DataFrames, estimates indexed by parameter name;
    profiles ``{name: {"table", "lower", "upper", "identifiable", "note", "unit"}}``).

    Raises:
        FitFileError: not a readable HDF5 file, or not one with the fit file's layout.
    """
    import h5py
    file = os.fspath(path)
    if not os.path.exists(file):
        raise FitFileError(f"{file}: no such file")
    try:
        h5 = h5py.File(file, "r")
    except OSError as e:
        raise FitFileError(f"{file}: not an HDF5 file ({e})") from None
    with h5:
        try:
            return _read_open_file(h5, file)
        except FitFileError:
            raise
        except (KeyError, ValueError, TypeError, OSError) as e:
            raise FitFileError(f"{file}: not a readable magsim fit file ({e})") from None


def _read_open_file(h5: Any, file: str) -> Dict[str, Any]:
    for part in ("subjects", "estimations"):
        if part not in h5:
            raise FitFileError(f"{file}: not a magsim fit file (no /{part})")
    out: Dict[str, Any] = {"path": file, "attrs": _attrs(h5),
                           "subjects": _table(h5["subjects"], ["id", "observations"],
                                              f"{file}: /subjects")}
    estimations: List[Dict[str, Any]] = []
    groups = h5["estimations"]
    for key in sorted(groups.keys(), key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k)):
        g = groups[key]
        where = f"{file}: /estimations/{key}"
        for part in ("estimates", "predictions", "correlation", "covariance_phi"):
            if part not in g:
                raise FitFileError(f"{where}: no {part}")
        estimates = _table(g["estimates"], ESTIMATE_COLUMNS, f"{where}/estimates")
        estimates = estimates.set_index("name")
        profiles: Dict[str, Dict[str, Any]] = {}
        if "profiles" in g:
            for name, pg in g["profiles"].items():
                a = _attrs(pg)
                profiles[name] = {
                    "table": _table(pg, PROFILE_COLUMNS, f"{where}/profiles/{name}"),
                    "lower": float(a.get("lower", math.nan)),
                    "upper": float(a.get("upper", math.nan)),
                    "identifiable": bool(a.get("identifiable", 1)),
                    "note": a.get("note", ""),
                    "unit": a.get("units", estimates["unit"].get(name, "")),
                }
        estimations.append({
            "attrs": _attrs(g),
            "estimates": estimates,
            "predictions": _table(g["predictions"], PREDICTION_COLUMNS, f"{where}/predictions"),
            "correlation": _matrix(g["correlation"], f"{where}/correlation"),
            "covariance_phi": _matrix(g["covariance_phi"], f"{where}/covariance_phi"),
            "starts_ofv": g["starts_ofv"][()] if "starts_ofv" in g else np.array([]),
            "profiles": profiles,
        })
    out["estimations"] = estimations
    return out


def all_predictions(fit: Dict[str, Any]):
    """Every estimation's predictions in one DataFrame (a subject is in one estimation)."""
    import pandas as pd
    frames = [e["predictions"] for e in fit["estimations"]]
    if not frames:
        return pd.DataFrame(columns=PREDICTION_COLUMNS)
    return pd.concat(frames, ignore_index=True)


# ---- drawing ----------------------------------------------------------------------------------

OBSERVED_COLOR = "black"
PREDICTED_COLOR = "#1f77b4"
CENSORED_COLOR = "#d62728"


def _with_unit(label: str, unit: str) -> str:
    return _plotting.with_unit(label, unit)


def model_descriptions() -> Dict[str, str]:
    """The model outputs' descriptions, from magsim's C++ module when it can be imported (inside
    the package; from the tools, any importable magsim), else none (labels then use the series
    names)."""
    try:
        from . import _core  # type: ignore[attr-defined]
    except ImportError:
        try:
            from magsim import _core  # type: ignore[no-redef]
        except Exception:  # not installed, or built for another Python
            return {}
    try:
        return {name: description for name, _, description in _core.outputs()}
    except Exception:  # a magsim older than outputs()
        return {}


def _what(series: str, descriptions: Dict[str, str], capitalised: bool = True) -> str:
    """The series as the figures name it: its short description, else its name."""
    text = _plotting.short_description(descriptions.get(series, ""), series)
    if not capitalised and series in descriptions and len(text) > 1 and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return text


def _time_axis(hours: np.ndarray):
    """(divisor, unit) that shows `hours` in h, or d when they span more than 3 days."""
    finite = hours[np.isfinite(hours)]
    unit = _plotting.auto_time_unit(float(finite.max()) if finite.size else 0.0)
    return _plotting.TIME_UNITS[unit], unit


def _series_units(pred) -> Dict[str, str]:
    return {s: str(g["unit"].iloc[0]) for s, g in pred.groupby("series", sort=False)}


def _title(fit: Dict[str, Any], what: str) -> str:
    name = fit["attrs"].get("name") or os.path.basename(fit.get("path", "")) or "fit"
    return f"{name}: {what}"


def _grid(n: int, plt, width=4.6, height=3.8, ncols=None):
    ncols = ncols or min(n, 3)
    nrows = max(1, math.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def _per_series_figure(fit: Dict[str, Any], what: str, panel,
                       descriptions: Optional[Dict[str, str]]):
    """One panel per observed series: ``panel(ax, series, unit, rows, time_axis, descriptions)``
    draws the series' rows of the predictions; ``time_axis`` is (divisor from h, unit)."""
    if descriptions is None:
        descriptions = model_descriptions()
    import matplotlib.pyplot as plt
    pred = all_predictions(fit)
    units = _series_units(pred)
    time_axis = _time_axis(pred["time_h"].to_numpy(float))
    fig, axes = _grid(max(1, len(units)), plt)
    for ax, (series, unit) in zip(axes, units.items()):
        panel(ax, series, unit, pred[pred["series"] == series], time_axis, descriptions)
        _plotting.style_axes(ax)
        ax.legend(fontsize="small")
    if not units:
        axes[0].text(0.5, 0.5, "no observations", ha="center", va="center")
    fig.suptitle(_title(fit, what))
    fig.tight_layout()
    return fig


def _obs_vs_pred_panel(ax, series, unit, g, time_axis, descriptions):
    cens = g["censored"].to_numpy() != 0
    ax.plot(g["predicted"][~cens], g["observed"][~cens], "o", color=OBSERVED_COLOR,
            ms=5, label="observed")
    if cens.any():
        ax.plot(g["predicted"][cens], g["observed"][cens], "v", mfc="none",
                color=CENSORED_COLOR, ms=7, label="below LLOQ (at the LLOQ)")
    values = np.concatenate([g["predicted"].to_numpy(float), g["observed"].to_numpy(float)])
    values = values[np.isfinite(values)]
    if values.size:
        lo, hi = values.min(), values.max()
        pad = 0.05 * (hi - lo) if hi > lo else max(abs(hi) * 0.05, 1e-12)
        ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], "-", color="grey", lw=1,
                label="identity")
    what = _what(series, descriptions, capitalised=False)
    ax.set_xlabel(_with_unit(f"Predicted {what}", unit))
    ax.set_ylabel(_with_unit(f"Observed {what}", unit))
    ax.set_title(_what(series, descriptions))


def draw_obs_vs_pred(fit: Dict[str, Any], descriptions: Optional[Dict[str, str]] = None):
    """Observed against predicted, one panel per series, with the identity line; values below
    the LLOQ drawn at the LLOQ as open red triangles. Series are named by their descriptions
    (default: :func:`model_descriptions`)."""
    return _per_series_figure(fit, "observed vs predicted", _obs_vs_pred_panel, descriptions)


def _residual_panel(ax, series, unit, g, time_axis, descriptions):
    div, tunit = time_axis
    cens = g["censored"].to_numpy() != 0
    q = g[~cens]
    t = q["time_h"].to_numpy(float) / div
    start = q["start_h"].to_numpy(float) / div
    wr = q["weighted_residual"].to_numpy(float)
    ax.axhspan(-RESIDUAL_BAND, RESIDUAL_BAND, color="#9ecae1", alpha=0.4, lw=0,
               label="\u00b11.96")
    ax.axhline(0, color="grey", lw=1)
    interval = np.isfinite(start)
    if (~interval).any():
        ax.plot(t[~interval], wr[~interval], "o", color=OBSERVED_COLOR, ms=5, label="point")
    if interval.any():
        ax.errorbar(t[interval], wr[interval],
                    xerr=[t[interval] - start[interval], np.zeros(interval.sum())],
                    fmt="s", color=OBSERVED_COLOR, mfc="white", ms=5, capsize=3,
                    label="interval (over its window)")
    ax.set_xlabel(_plotting.time_label(tunit))
    ax.set_ylabel(_with_unit("Weighted residual", "1"))
    title = _what(series, descriptions)
    if cens.any():
        title += f" ({int(cens.sum())} below LLOQ not shown)"
    ax.set_title(title)


def draw_residuals_vs_time(fit: Dict[str, Any], descriptions: Optional[Dict[str, str]] = None):
    """Weighted residuals against time, one panel per series, with the zero line and the
    +-1.96 band; an interval observation at its window's end, with a bar over the window.
    Censored values have no residual and are left out (the panel says how many)."""
    return _per_series_figure(fit, "weighted residuals vs time", _residual_panel, descriptions)


def draw_individual_fits(fit: Dict[str, Any], subjects: Optional[Sequence[str]] = None,
                         descriptions: Optional[Dict[str, str]] = None):
    """One row per subject (at most MAX_SUBJECT_ROWS), one column per series: observations
    (black; below the LLOQ: open red triangle at the LLOQ) and the predictions at the
    observation times (blue); an interval observation is a horizontal bar over its window."""
    import matplotlib.pyplot as plt
    if descriptions is None:
        descriptions = model_descriptions()
    pred = all_predictions(fit)
    units = _series_units(pred)
    ids = list(dict.fromkeys(pred["subject"])) if subjects is None else list(subjects)
    shown = ids[:MAX_SUBJECT_ROWS]
    div, tunit = _time_axis(pred["time_h"].to_numpy(float))
    nrows, ncols = max(1, len(shown)), max(1, len(units))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.2 * nrows), squeeze=False)
    for r, subject in enumerate(shown):
        for c, (series, unit) in enumerate(units.items()):
            ax = axes[r][c]
            g = pred[(pred["subject"] == subject) & (pred["series"] == series)].sort_values("time_h")
            t = g["time_h"].to_numpy(float) / div
            start = g["start_h"].to_numpy(float) / div
            obs = g["observed"].to_numpy(float)
            prd = g["predicted"].to_numpy(float)
            cens = g["censored"].to_numpy() != 0
            interval = np.isfinite(start)
            pt = ~interval
            if pt.any():
                ax.plot(t[pt], prd[pt], "-o", color=PREDICTED_COLOR, ms=4, label="predicted")
            if (pt & ~cens).any():
                ax.plot(t[pt & ~cens], obs[pt & ~cens], "o", color=OBSERVED_COLOR, ms=5,
                        label="observed")
            if (pt & cens).any():
                ax.plot(t[pt & cens], obs[pt & cens], "v", mfc="none", color=CENSORED_COLOR,
                        ms=7, label="below LLOQ")
            if interval.any():
                ax.hlines(prd[interval], start[interval], t[interval], colors=PREDICTED_COLOR,
                          linestyles="--", lw=2, label="predicted over window")
                oc = interval & ~cens
                if oc.any():
                        ax.hlines(obs[oc], start[oc], t[oc], colors=OBSERVED_COLOR, lw=2.5,
                              label="observed over window")
                cc = interval & cens
                if cc.any():
                    ax.hlines(obs[cc], start[cc], t[cc], colors=CENSORED_COLOR, lw=2.5,
                              linestyles=":", label="below LLOQ over window")
            if g.empty:
                ax.text(0.5, 0.5, "no observations", ha="center", va="center",
                        transform=ax.transAxes, color="grey")
            ax.set_title(f"{subject}: {_what(series, descriptions)}", fontsize="medium")
            ax.set_xlabel(_plotting.time_label(tunit))
            ax.set_ylabel(_plotting.axis_label(series, unit, descriptions.get(series, "")))
            _plotting.style_axes(ax)
            if not g.empty:
                ax.legend(fontsize="x-small")
    if not shown or not units:
        axes[0][0].text(0.5, 0.5, "no observations", ha="center", va="center")
    more = f" (first {len(shown)} of {len(ids)} subjects)" if len(ids) > len(shown) else ""
    fig.suptitle(_title(fit, "individual fits" + more))
    fig.tight_layout()
    return fig


def _profiles(fit: Dict[str, Any]):
    """(label, estimation, name, profile) for every profile in the file."""
    many = len(fit["estimations"]) > 1
    out = []
    for e in fit["estimations"]:
        for name, prof in e["profiles"].items():
            label = f"{name} [{e['attrs'].get('subjects', '')}]" if many else name
            out.append((label, e, name, prof))
    return out


def draw_profiles(fit: Dict[str, Any]):
    """delta OFV against the profiled parameter's value, one panel per profile, with the 3.84
    line, the interval's ends (dotted; an open side is not drawn) and the estimate (dashed).
    None when the file has no profiles."""
    import matplotlib.pyplot as plt
    items = _profiles(fit)
    if not items:
        return None
    fig, axes = _grid(len(items), plt)
    for ax, (label, est, name, prof) in zip(axes, items):
        table = prof["table"]
        conv = table["converged"].to_numpy() != 0
        v = table["value"].to_numpy(float)
        d = table["delta_ofv"].to_numpy(float)
        ax.plot(v, d, "-", color=PREDICTED_COLOR, lw=1)
        ax.plot(v[conv], d[conv], "o", color=PREDICTED_COLOR, ms=4, label="re-estimated")
        if (~conv).any():
            ax.plot(v[~conv], d[~conv], "x", color=CENSORED_COLOR, ms=6, label="not converged")
        ax.axhline(CHI_SQUARE_95, color="grey", lw=1, label="3.84 (95 %)")
        for end in (prof["lower"], prof["upper"]):
            if math.isfinite(end):
                ax.axvline(end, color="black", ls=":", lw=1)
        if name in est["estimates"].index:
            row = est["estimates"].loc[name]
            ax.axvline(float(row["estimate"]), color="black", ls="--", lw=1, label="estimate")
        title = label if prof["identifiable"] else f"{label}: not identifiable"
        ax.set_title(title, fontsize="medium", color="black" if prof["identifiable"] else CENSORED_COLOR)
        ax.set_xlabel(_with_unit(name, prof["unit"]))
        ax.set_ylabel(_with_unit("\u0394OFV", "1"))
        _plotting.style_axes(ax)
        ax.legend(fontsize="x-small")
    fig.suptitle(_title(fit, "likelihood profiles"))
    fig.tight_layout()
    return fig


def write_figures(fit: Dict[str, Any], outdir: "str | os.PathLike[str]") -> List[str]:
    """Writes obs_vs_pred.png, residuals_vs_time.png, individual_fits.png and (with profiles)
    profiles.png into `outdir` (created if needed); returns their paths."""
    import matplotlib.pyplot as plt
    os.makedirs(outdir, exist_ok=True)
    descriptions = model_descriptions()
    written = []
    for name, draw in (("obs_vs_pred", lambda f: draw_obs_vs_pred(f, descriptions)),
                       ("residuals_vs_time", lambda f: draw_residuals_vs_time(f, descriptions)),
                       ("individual_fits", lambda f: draw_individual_fits(f, None, descriptions)),
                       ("profiles", draw_profiles)):
        fig = draw(fit)
        if fig is None:
            continue
        path = os.path.join(os.fspath(outdir), f"{name}.png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written

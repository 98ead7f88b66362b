"""magsim.explore: a scenario with sliders (ipywidgets) and a plot that follows them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple, Union

from . import _core
from ._errors import MagsimError
from ._result import Result
from ._scenario import Scenario, ScenarioLike, as_scenario, loaded_of

if TYPE_CHECKING:
    import matplotlib.figure

__all__ = ["Explorer", "explore"]

# Dose units a slider shows in mg of salt or of elemental Mg (mmol and mEq: elemental only).
_MG_PER = {"ug": 1e-3, "µg": 1e-3, "mg": 1.0, "g": 1e3}
_MG_PER_MMOL_MG = 24.305  # g/mol: 1 mmol of Mg is 24.305 mg
_EGFR_UNIT = "mL/min/1.73m2"
_TIME_UNITS = (("h", 1.0, 72.0), ("d", 24.0, 2 * 8766.0), ("y", 8766.0, float("inf")))


def _number_and_unit(text: Any) -> Tuple[Optional[float], str]:
    m = re.match(r"^\s*([-+0-9.eE]+)\s*(\S*)\s*$", str(text))
    if not m:
        return None, ""
    try:
        return float(m.group(1)), m.group(2)
    except ValueError:
        return None, ""


def _dose_mg(text: Any, elemental: bool) -> Optional[float]:
    """A dose such as ``"500 mg"``, ``"0.5 g"`` or (elemental) ``"10 mmol"`` in mg; None if it
    has another unit."""
    value, unit = _number_and_unit(text)
    if value is None:
        return None
    if unit in _MG_PER:
        return value * _MG_PER[unit]
    if elemental and unit == "mmol":
        return value * _MG_PER_MMOL_MG
    if elemental and unit == "mEq":
        return value * _MG_PER_MMOL_MG / 2.0
    return None


class Explorer:
    """The widget :func:`explore` returns: controls, a status line and a plot of the run.

    Attributes:
        widget: the ``ipywidgets.VBox`` shown in the notebook.
        controls: the controls by name: ``"dose"``, ``"form"``, ``"egfr"`` and one
            ``"drug:N"`` checkbox per medication N of the scenario.
        figure: the matplotlib Figure the runs are drawn on.
        scenario: the scenario of the last run (the base with the controls' edits).
        result: the :class:`Result` of the last run.
        error: the last run's error message ("" when it ran).
    """

    def __init__(self, scenario: ScenarioLike, variables: Sequence[str], supplement: int,
                 max_dose_mg: Optional[float], continuous_update: bool) -> None:
        try:
            import ipywidgets as widgets
        except ImportError:
            raise ImportError(
                "magsim.explore needs ipywidgets: on Debian `apt-get install python3-ipywidgets`, "
                "elsewhere `pip install ipywidgets`") from None
        from matplotlib.figure import Figure

        self.base: Scenario = as_scenario(scenario).copy()
        self.variables = list(variables)
        self._widgets = widgets
        self.error = ""
        vocab = _core.vocabulary()
        controls: Dict[str, Any] = {}
        # Long descriptions need room (ipywidgets 7 and later; 6 has no `style`).
        wide = ({"style": {"description_width": "initial"}}
                if "style" in widgets.FloatSlider.class_trait_names() else {})

        # Supplement: dose (salt mass if the scenario gives salt_dose, else elemental Mg) and form.
        items = self.base.get("supplements", []) or []
        self._supplement: Optional[int] = supplement if 0 <= supplement < len(items) else None
        item = items[self._supplement] if self._supplement is not None else {}
        self._dose_key = "dose" if "dose" in item and "salt_dose" not in item else "salt_dose"
        dose = _dose_mg(item.get(self._dose_key), elemental=self._dose_key == "dose")
        if dose is None:
            dose = 0.0 if self._supplement is None else 300.0
        top = max_dose_mg or max(1000.0, 4.0 * dose)
        what = "Mg" if self._dose_key == "dose" else "salt"
        controls["dose"] = widgets.FloatSlider(
            value=dose, min=0.0, max=top, step=max(1.0, round(top / 200.0)),
            description=f"dose (mg {what})", continuous_update=continuous_update, **wide)
        forms = [f["name"] for f in vocab["salt_forms"] if f["oral"] and not f["alias_of"]]
        form = str(item.get("form", forms[0] if forms else ""))
        if form not in forms:
            forms.append(form)
        controls["form"] = widgets.Dropdown(options=forms, value=form, description="salt form")

        # Kidney function.
        egfr, _ = _number_and_unit(self.base.get("subject.egfr", ""))
        controls["egfr"] = widgets.FloatSlider(
            value=egfr if egfr is not None else 90.0, min=5.0, max=150.0, step=1.0,
            description=f"eGFR ({_EGFR_UNIT})", continuous_update=continuous_update, **wide)

        # Drugs: each medication of the scenario on or off.
        self._medications: List[Any] = list(self.base.get("medications", []) or [])
        for i, med in enumerate(self._medications):
            label = " ".join(str(med.get(k, "")) for k in ("drug", "dose")).strip() \
                if isinstance(med, dict) else str(med)
            controls[f"drug:{i}"] = widgets.Checkbox(value=True, description=label or f"drug {i}")
        self.controls = controls

        self.figure: "matplotlib.figure.Figure" = Figure(
            figsize=(7.5, 1.4 + 2.2 * len(self.variables)), layout="constrained")
        self._axes = [self.figure.add_subplot(len(self.variables), 1, k + 1)
                      for k in range(len(self.variables))]
        self._status = widgets.HTML(value="")
        self._output = widgets.Output()
        drug_boxes = [c for k, c in controls.items() if k.startswith("drug:")]
        rows = [widgets.HBox([controls["dose"], controls["form"]]), controls["egfr"]]
        if drug_boxes:
            rows.append(widgets.HBox([widgets.Label("drugs:")] + drug_boxes))
        self.widget = widgets.VBox(rows + [self._status, self._output])

        self.scenario: Scenario = self.base
        self.result: Optional[Result] = None
        self._baseline: Optional[Result] = None
        try:
            self._baseline = Result(_core.run(loaded_of(self.base)))
        except MagsimError as e:
            self.error = str(e)
        else:
            missing = [n for n in self.variables if n not in self._baseline]
            if missing:
                raise KeyError(f"explore: no series {', '.join(map(repr, missing))} in the run "
                               f"(it has: {', '.join(self._baseline.names)})")
        for c in controls.values():
            c.observe(lambda change: self.update(), names="value")
        self.update()

    # ---- the scenario the controls describe ------------------------------------------------

    def edits(self) -> Dict[str, Any]:
        """The ``{PATH: VALUE}`` edits of the base scenario that the controls stand for."""
        c = self.controls
        dose = f"{c['dose'].value:g} mg"
        out: Dict[str, Any] = {}
        if self._supplement is not None:
            out[f"supplements[{self._supplement}].{self._dose_key}"] = dose
            out[f"supplements[{self._supplement}].form"] = c["form"].value
        elif c["dose"].value > 0:
            out["supplements[+]"] = {"form": c["form"].value, self._dose_key: dose,
                                     "times": ["08:00"]}
        out["subject.egfr"] = f"{c['egfr'].value:g} {_EGFR_UNIT}"
        if self._medications:
            out["medications"] = [m for i, m in enumerate(self._medications)
                                  if c[f"drug:{i}"].value]
        return out

    def update(self) -> None:
        """Run the scenario the controls describe and redraw (called on every change)."""
        try:
            s = self.base.with_(self.edits())
            r = Result(_core.run(loaded_of(s)))
        except MagsimError as e:
            self.error = str(e)
            self._status.value = f'<span style="color:#b00">{_escape(self.error)}</span>'
        else:
            self.scenario, self.result, self.error = s, r, ""
            self._status.value = _escape(_status_line(r))
            self._draw()
        self._show()

    # ---- drawing ---------------------------------------------------------------------------

    def _draw(self) -> None:
        r = self.result
        assert r is not None
        unit, per = next((u, f) for u, f, limit in _TIME_UNITS if r.duration_h <= limit)
        for ax, name in zip(self._axes, self.variables):
            ax.clear()
            if self._baseline is not None and name in self._baseline:
                ax.plot(self._baseline.time / per, self._baseline[name], color="0.6",
                        linestyle="--", linewidth=1.0, label="as loaded")
            if name in r:
                ax.plot(r.time / per, r[name], color="C0", label="with the controls")
            desc = r.descriptions.get(name, name)
            ax.set_ylabel(f"{desc} ({r.units.get(name, '')})" if r.units.get(name) else desc,
                          fontsize="small")
            ax.legend(loc="best", fontsize="small")
        self._axes[-1].set_xlabel(f"time ({unit})")
        self.figure.suptitle(self.base.name)

    def _show(self) -> None:
        try:
            from IPython import get_ipython
        except ImportError:
            return
        if get_ipython() is None:
            return
        from IPython.display import clear_output, display
        with self._output:
            clear_output(wait=True)
            display(self.figure)

    def lines(self, variable: Optional[str] = None) -> Any:
        """The plotted values of ``variable`` (default: the first) as ``(time, values)``
        arrays of the current run's line."""
        k = self.variables.index(variable) if variable else 0
        line = self._axes[k].lines[-1]
        return line.get_xdata(), line.get_ydata()

    def _ipython_display_(self) -> None:
        from IPython.display import display
        display(self.widget)

    def __repr__(self) -> str:
        return f"<magsim.Explorer of {self.base.name!r}: {', '.join(self.controls)}>"


def _escape(text: str) -> str:
    import html
    return html.escape(text)


def _status_line(r: Result) -> str:
    s = r.summary
    parts = []
    if "serum_mg_end" in s:
        parts.append(f"serum Mg at the end {s['serum_mg_end']}")
    if "urine_mg_last_24h" in s:
        parts.append(f"urine Mg last 24 h {s['urine_mg_last_24h']}")
    if "absorbed_fraction" in s:
        parts.append(f"absorbed {s['absorbed_fraction']}")
    parts += r.warnings
    return "; ".join(parts)


def explore(scenario: ScenarioLike, variables: Union[str, Sequence[str]] = "serum_mg_total", *,
            supplement: int = 0, max_dose_mg: Optional[float] = None,
            continuous_update: bool = False) -> Explorer:
    """An interactive view of a scenario in Jupyter: sliders and menus for the supplement's
    dose and salt form, the eGFR and each medication on or off; every change reruns the
    scenario and redraws the plot (the scenario as loaded stays as a dashed grey line).

    Args:
        scenario: a :class:`Scenario`, a scenario file path or a dict.
        variables: the series to plot, one panel each (default: total serum Mg).
        supplement: which supplement the dose and form controls change (default the first;
            a scenario without one gets a daily dose at 08:00 once the dose is above 0).
        max_dose_mg: the dose slider's top (default: 1000 mg or 4 times the dose).
        continuous_update: rerun while a slider is dragged (default: when it is let go).

    The salt forms offered are the model's oral forms (:func:`magsim.vocabulary`). The dose
    slider is in mg of salt when the supplement gives ``salt_dose``, of elemental Mg when it
    gives ``dose``. Returns an :class:`Explorer` (displayed as its widget; ``.controls``,
    ``.scenario``, ``.result`` and ``.figure`` for code).

    With Debian 12's ipywidgets 6 the widget shows in Debian's Jupyter Notebook, but
    ``jupyter nbconvert --execute`` (nbclient 0.7) stops at a cell that makes one: leave
    ``explore`` out of notebooks that are executed unattended.

    Raises:
        ImportError: ipywidgets is not installed (the message says how to install it).
    """
    names = [variables] if isinstance(variables, str) else list(variables)
    if not names:
        raise ValueError("explore: name at least one series to plot")
    return Explorer(scenario, names, supplement, max_dose_mg, continuous_update)

"""magsim.fit / magsim.open_fit: fitting the model to observations, and the fit's results.

A fit's tables are those of its HDF5 fit file (layout: engine/io/fit_file.hpp): :func:`fit` writes
the file ``magsim fit`` writes into a temporary folder and reads it back, so a fit in memory and
the same fit read with :func:`open_fit` give equal DataFrames.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

from . import _core
from ._errors import check_exists
from ._fit_file import FitFileError, all_predictions, draw_individual_fits, read_fit_file
from ._progress import progress_bar
from ._result import Result
from ._scenario import Scenario, ScenarioLike, _safe_dump, as_scenario

if TYPE_CHECKING:
    import matplotlib.figure
    import pandas

__all__ = ["FitResult", "fit", "open_fit"]

PathLike = Union[str, "os.PathLike[str]"]

#: the columns of FitResult.estimates, in order
ESTIMATE_COLUMNS = ["estimate", "unit", "se", "rse_percent", "ci_lower", "ci_upper",
                    "profile_lower", "profile_upper", "identifiable", "at_bound", "transform",
                    "prior_median", "prior_cv"]
#: the columns of FitResult.predictions, in order
PREDICTION_COLUMNS = ["subject", "series", "unit", "time_h", "start_h", "observed", "predicted",
                      "censored", "sd", "weighted_residual"]


class FitResult:
    """A fitted model: estimates with units, uncertainty, predictions, and forecasts.

    Returned by :func:`magsim.fit` and :func:`magsim.open_fit`.

    Attributes:
        estimates: DataFrame indexed by parameter name (MAP over several subjects: by
            ``(subject, name)``) with columns estimate, unit (of estimate, se, the intervals and
            prior_median), se, rse_percent (%), ci_lower/ci_upper (Wald 95 %),
            profile_lower/profile_upper (profile likelihood 95 %; NaN when not profiled or open),
            identifiable (True/False from the profile, <NA> when not profiled), at_bound,
            transform, prior_median (NaN: none, or the subject's typical value when prior_cv > 0)
            and prior_cv (0: no prior). Error-model parameters are named
            ``error.SERIES.additive`` / ``error.SERIES.proportional``.
        predictions: DataFrame, one row per observation: subject, series, unit (of observed,
            predicted and sd), time_h (h; an interval's end), start_h (h; NaN for a point),
            observed (the LLOQ when censored), predicted, censored, sd (log-normal error: of the
            log), weighted_residual.
        ofv: the objective (-2 log likelihood plus the priors' part), summed over estimations.
        converged: every estimation converged.
        message: the optimiser's message (per subject when there are several estimations).
        correlation: DataFrame of the estimates' correlations (several estimations: rows keyed
            by ``(subject, name)``).
        method: ``"map"`` or ``"pooled"``.
        name: the fit's name.
        path: the fit file it was read from (None for a fit made in this process).

    A fit read with :func:`open_fit` offers :meth:`scenario` and :meth:`predict` only when the
    forecast scenarios ``magsim fit`` writes beside the file (``FIT.ID.yaml`` for ``FIT.h5``)
    are there; :meth:`has_scenarios` says so.
    """

    def __init__(self, data: Dict[str, Any], scenarios: Mapping[str, str],
                 session: Any = None) -> None:
        """Use :func:`magsim.fit` or :func:`magsim.open_fit`."""
        import pandas as pd

        self._data = data
        self._scenarios = dict(scenarios)
        self._session = session
        self.path: Optional[str] = None if session is not None else data["path"]
        attrs = data["attrs"]
        self.method: str = attrs.get("method", "")
        self.name: str = attrs.get("name", "")
        estimations = data["estimations"]
        self._subjects_of = [e["attrs"].get("subjects", "") for e in estimations]
        several = len(estimations) > 1
        frames = [_estimates_frame(e["estimates"]) for e in estimations]
        corr = [e["correlation"] for e in estimations]
        if several:
            self.estimates = pd.concat(frames, keys=self._subjects_of, names=["subject", "name"])
            self.correlation = pd.concat(corr, keys=self._subjects_of, names=["subject", "name"])
        else:
            self.estimates = frames[0] if frames else pd.DataFrame(columns=ESTIMATE_COLUMNS)
            self.correlation = corr[0] if corr else pd.DataFrame()
        pred = all_predictions(data)[PREDICTION_COLUMNS].copy()
        pred["censored"] = pred["censored"].astype(bool)
        self.predictions = pred
        self.ofv: float = float(sum(e["attrs"].get("ofv", math.nan) for e in estimations))
        self.converged: bool = bool(estimations) and all(
            bool(e["attrs"].get("converged", 0)) for e in estimations)
        messages = [e["attrs"].get("message", "") for e in estimations]
        self.message: str = messages[0] if len(messages) == 1 else "; ".join(
            f"{s}: {m}" for s, m in zip(self._subjects_of, messages))

    # ---- forecasts -------------------------------------------------------------------------

    @property
    def subjects(self) -> List[str]:
        """The subjects' IDs, in the fit's order."""
        return [str(s) for s in self._data["subjects"]["id"]]

    def has_scenarios(self) -> bool:
        """True if :meth:`scenario` and :meth:`predict` can be used (always for a fit made in
        this process; for a file, if its forecast scenarios are beside it)."""
        return bool(self._scenarios)

    def _subject(self, subject: Optional[str]) -> str:
        ids = self.subjects
        if subject is None:
            if len(ids) != 1:
                raise ValueError(f"the fit has {len(ids)} subjects ({', '.join(ids)}): "
                                 "name one with subject=")
            return ids[0]
        if str(subject) not in ids:
            raise KeyError(f"no subject {subject!r} in the fit (subjects: {', '.join(ids)})")
        return str(subject)

    def scenario(self, subject: Optional[str] = None) -> Scenario:
        """The subject's scenario with the estimates as ``parameters:`` overrides (the forecast
        scenario ``magsim fit`` writes); ``subject`` may be left out when there is one.

        Raises:
            ValueError: several subjects and none named, or (a fit read from a file) no forecast
                scenarios beside the file.
            KeyError: no such subject.
        """
        sid = self._subject(subject)
        if not self._scenarios:
            raise ValueError(
                f"{self.path}: the fit file holds no scenario and its forecast scenarios "
                f"({_scenario_path(self.path or '', sid)}) are not beside it")
        return Scenario.from_yaml(self._scenarios[sid], f"{self.name or 'fit'}.{sid}.yaml")

    def parameter_overrides(self, subject: Optional[str] = None) -> Dict[str, str]:
        """The estimated model parameters as ``{"parameters.NAME": "VALUE UNIT"}`` edits
        (error-model parameters left out), for :meth:`magsim.Scenario.set`."""
        import pandas as pd
        table = self.estimates
        if isinstance(table.index, pd.MultiIndex):
            table = table.loc[self._subject(subject)]
        out = {}
        for name, row in table.iterrows():
            if str(name).startswith("error."):
                continue
            unit = "" if row["unit"] in ("", "1") else f" {row['unit']}"
            out[f"parameters.{name}"] = f"{row['estimate']!r}{unit}"
        return out

    def predict(self, scenario: Optional[ScenarioLike] = None, *, subject: Optional[str] = None,
                **run_kwargs: Any) -> Result:
        """Run a forecast: the subject's forecast scenario (:meth:`scenario`), or ``scenario``
        (a Scenario, file or dict) with the estimates applied as ``parameters:`` overrides.
        ``run_kwargs`` go to :func:`magsim.run` (``sets={...}``)."""
        from . import run
        if scenario is None:
            s = self.scenario(subject)
        else:
            s = as_scenario(scenario).copy()
            for path, value in self.parameter_overrides(subject).items():
                s.set(path, value)
        return run(s, **run_kwargs)

    # ---- drawing and saving ----------------------------------------------------------------

    def plot(self, subjects: Optional[Sequence[str]] = None) -> "matplotlib.figure.Figure":
        """The individual fits (observations and the predictions at their times, one row per
        subject and one column per series), as ``individual_fits.png`` of the report."""
        return draw_individual_fits(self._data, subjects)

    def save(self, path: PathLike, report_dir: Optional[PathLike] = None) -> str:
        """Write the fit file (HDF5) at ``path`` and the forecast scenarios beside it
        (``magsim fit``'s outputs; with ``report_dir``, the Markdown report too). A fit read
        with :func:`open_fit` is saved as a copy of its file (and its forecast scenarios).
        Returns the path.

        Raises:
            OSError: the folder is missing or not writable, the disk is full, ...
        """
        target = os.fspath(path)
        if self._session is not None:
            try:
                self._session.save(target, os.fspath(report_dir) if report_dir else "")
            except RuntimeError as e:
                raise OSError(str(e)) from e
            return target
        if report_dir:
            raise ValueError("a report is written only for a fit made in this process")
        if os.path.abspath(target) != os.path.abspath(self.path):
            shutil.copyfile(self.path, target)
            for sid, text in self._scenarios.items():
                with open(_scenario_path(target, sid), "w", encoding="utf-8") as f:
                    f.write(text)
        return target

    def __repr__(self) -> str:
        state = "converged" if self.converged else "NOT converged"
        return (f"<magsim.FitResult {self.name!r}: {self.method}, {len(self.subjects)} subject(s), "
                f"{len(self.predictions)} observations, OFV {self.ofv:.6g}, {state}>")


def _estimates_frame(table: "pandas.DataFrame") -> "pandas.DataFrame":
    import pandas as pd
    out = table.copy()
    out["identifiable"] = pd.array(
        [pd.NA if v < 0 else bool(v) for v in out["identifiable"]], dtype="boolean")
    out["at_bound"] = out["at_bound"].astype(bool)
    out = out[ESTIMATE_COLUMNS]
    out.attrs = {}
    return out


def _scenario_path(h5_path: str, subject: str) -> str:
    """Where app::write_fit_outputs puts a subject's forecast scenario: STEM.ID.yaml beside
    STEM.h5, the ID's characters other than letters, digits, '-', '_' and '.' as '_' (and a
    leading '_' for an ID that would start with '.'); app/fit_outputs.cpp's stem_of and safe."""
    folder, base = os.path.split(h5_path)
    stem = os.path.join(folder, os.path.splitext(base)[0])
    safe = "".join(chr(b) if re.fullmatch(r"[A-Za-z0-9._-]", chr(b)) else "_"
                   for b in subject.encode("utf-8"))  # byte by byte, as the C++
    if not safe or safe.startswith("."):
        safe = "_" + safe
    return f"{stem}.{safe}.yaml"


def fit(fit_file: Union[PathLike, Mapping[str, Any]], *, threads: int = 1,
        multistart: Optional[int] = None, profile: Union[bool, Sequence[str]] = False,
        progress: Union[bool, None, Callable[[str], None]] = None) -> FitResult:
    """Fit the model as ``magsim fit`` does and return a :class:`FitResult`.

    Args:
        fit_file: a fit file's path, or a dict shaped like one (written as YAML and read as the
            file would be; relative paths in it, such as ``scenario:``, are relative to the
            current directory). The format is in ``docs/fitting.md``.
        threads: C++ threads: subjects (pooled) or fits (MAP over several subjects) in parallel.
        multistart: number of starts (None: the fit file's ``options: multistart``).
        profile: profile-likelihood intervals: False (none), True (every estimated parameter)
            or a list of parameter names.
        progress: a progress bar (tqdm; a widget in Jupyter, text in a terminal) counting
            finished fits and profiles, the last one's line beside it: None (default) shows one
            when stderr is a terminal or the code runs in Jupyter, once the fit has taken over
            1 s; True always; False never (no bar without tqdm). Or a callable, called with one
            line of text per finished fit or profile instead of the bar (from the thread the
            fit runs on, holding the GIL for the call only); if it raises, the fit stops and
            the exception is raised here.

    The GIL is released while the fit runs; Ctrl-C stops it (KeyboardInterrupt).

    Raises:
        MissingFileError: no fit file at ``fit_file`` (a ``FileNotFoundError``).
        ScenarioError: the fit file, its scenario or dataset is wrong (``FILE:LINE:COL``).
        SimulationError: no start of a fit could be simulated.
    """
    if isinstance(fit_file, Mapping):
        text = _safe_dump(dict(fit_file), "magsim.fit", sort_keys=False,
                          default_flow_style=False, allow_unicode=True, width=1 << 30)
        session = _core.load_fit_text(text, "<dict>")
    elif isinstance(fit_file, (str, os.PathLike)):
        session = _core.load_fit(check_exists(fit_file, "fit file"))
    else:
        raise TypeError(f"magsim.fit takes a fit file's path or a dict, got {type(fit_file).__name__}")
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
    if multistart is not None and (isinstance(multistart, bool) or not isinstance(multistart, int)
                                   or multistart < 1):
        raise ValueError(f"multistart must be a positive integer or None, got {multistart!r}")
    if profile is True:
        names: Optional[List[str]] = []
    elif profile is False or profile is None:
        names = None
    elif isinstance(profile, str):
        names = [profile]
    else:
        names = [str(p) for p in profile]
    if callable(progress):
        _core.run_fit(session, threads, multistart, names, progress)
    else:
        # One step per estimation (one per subject for MAP, one pooled) and per profile.
        estimations = 1 if session.method == "pooled" else len(session.subject_ids)
        profiles = 0 if names is None else len(names or session.estimated_parameters)
        bar = progress_bar(progress, estimations * (1 + profiles), "magsim.fit", unit="step",
                           single=True)
        if bar is None:
            _core.run_fit(session, threads, multistart, names, None)
        else:
            with bar:
                _core.run_fit(session, threads, multistart, names, bar.advance)

    ids = session.subject_ids
    scenarios = {ids[i]: session.forecast_scenario(e, i)
                 for e, members in enumerate(session.estimation_subjects) for i in members}
    with tempfile.TemporaryDirectory(prefix="magsim_fit_") as tmp:
        data = read_fit_file(session.save(os.path.join(tmp, "fit.h5"))["h5"])
    return FitResult(data, scenarios, session)


def open_fit(path: PathLike) -> FitResult:
    """Read a fit file written by ``magsim fit`` (or :meth:`FitResult.save`).

    The file holds estimates, predictions and profiles but not the forecast scenarios:
    :meth:`FitResult.scenario` and :meth:`FitResult.predict` work when the scenarios written
    beside it (``FIT.ID.yaml``) are found there.

    Raises:
        FileNotFoundError: no file at ``path``.
        OSError: not HDF5, or not a magsim fit file (the message says what is missing).
    """
    file = os.fspath(path)
    if not os.path.exists(file):
        raise FileNotFoundError(2, "No such file or directory", file)
    try:
        data = read_fit_file(file)
    except FitFileError as e:
        raise OSError(str(e)) from e
    scenarios = {}
    for sid in data["subjects"]["id"]:
        candidate = _scenario_path(file, str(sid))
        if os.path.isfile(candidate):
            with open(candidate, encoding="utf-8") as f:
                scenarios[str(sid)] = f.read()
    if len(scenarios) != len(data["subjects"]):
        scenarios = {}
    return FitResult(data, scenarios)

"""magsim.read_dataset: an event dataset (NONMEM/mrgsolve CSV plus a mapping file) as one
scenario and one table of observations per subject, as ``magsim dataset check`` reads it."""

from __future__ import annotations

import os
from typing import List, Optional, Union

from . import _core
from ._errors import check_exists
from ._scenario import Scenario

__all__ = ["Dataset", "DatasetSubject", "read_dataset"]

PathLike = Union[str, "os.PathLike[str]"]


class DatasetSubject:
    """One ID of an event dataset.

    Attributes:
        id: the ID as the CSV writes it.
        scenario: a :class:`magsim.Scenario` of the subject's doses, covariates and output times
            (its text is ``scenario.to_yaml()``; run it with :func:`magsim.run`).
        observations: a pandas DataFrame with columns ``series``, ``time_h`` (h), ``start_h``
            (h, the start of an interval observation's window; NaN for a point observation),
            ``value`` (in the series' unit, ``unit``), ``censored`` (below the LLOQ: ``value``
            is the LLOQ) and ``where`` (``FILE:ROW:COL`` of the DV cell).
        doses: the number of dose events (ADDL expanded).
        rows: the first and last line of the subject's rows in the CSV.
        warnings: the subject's warnings (a covariate that changes over time).
    """

    __slots__ = ("id", "scenario", "observations", "doses", "rows", "warnings")

    def __init__(self, data: dict) -> None:
        import pandas as pd

        self.id: str = data["id"]
        self.scenario: Scenario = Scenario.from_yaml(data["scenario_yaml"], data["scenario_name"])
        obs = data["observations"]
        self.observations = pd.DataFrame({
            "series": pd.Series(obs["series"], dtype=object),
            "time_h": pd.Series(obs["time_h"], dtype=float),
            "start_h": pd.Series(obs["start_h"], dtype=float),
            "value": pd.Series(obs["value"], dtype=float),
            "unit": pd.Series(obs["unit"], dtype=object),
            "censored": pd.Series(obs["censored"], dtype=bool),
            "where": pd.Series(obs["where"], dtype=object),
        })
        self.doses: int = data["doses"]
        self.rows = tuple(data["rows"])
        self.warnings: List[str] = list(data["warnings"])

    def __repr__(self) -> str:
        return (f"DatasetSubject(id={self.id!r}, doses={self.doses}, "
                f"observations={len(self.observations)})")


class Dataset(list):
    """The subjects of an event dataset (a list of :class:`DatasetSubject`, in file order), with
    ``file`` (the CSV), ``mapping_file``, ``series_units`` ({series: unit}) and ``warnings``
    (every warning ``magsim dataset check`` prints)."""

    def __init__(self, data: dict) -> None:
        super().__init__(DatasetSubject(s) for s in data["subjects"])
        self.file: str = data["file"]
        self.mapping_file: str = data["mapping_file"]
        self.series_units = dict(data["series_units"])
        self.warnings: List[str] = list(data["warnings"])

    def by_id(self, id: str) -> DatasetSubject:
        """The subject with this ID (KeyError if none)."""
        for s in self:
            if s.id == id:
                return s
        raise KeyError(id)


def read_dataset(mapping: PathLike, data: Optional[PathLike] = None) -> Dataset:
    """Read an event dataset: ``mapping`` (YAML: units, what each CMT means, covariates) and the
    CSV ``data`` (default: the mapping's ``dataset:``, relative to the mapping file).

    Returns a :class:`Dataset`, a list of :class:`DatasetSubject` (``.id``, ``.scenario``,
    ``.observations``). Every subject's scenario is checked as ``magsim check`` checks a file.

    Raises:
        MissingFileError: no file at ``mapping`` or ``data`` (a ``FileNotFoundError``).
        ScenarioError: a mistake in the CSV (``file``, ``line`` = the CSV row, ``column`` = the
            field number), in the mapping or in its base scenario, as the CLI prints it.
    """
    mapping_file = check_exists(mapping, "dataset mapping file")
    data_file = "" if data is None else check_exists(data, "dataset file")
    return Dataset(_core.read_dataset(mapping_file, data_file))

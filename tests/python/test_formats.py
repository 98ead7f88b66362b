"""Output formats (issue 13 item 4): every group of a run file (.h5 and .nc) and of a sweep
file opens in xarray with both engines (netCDF-C, the default, and h5netcdf), with values and
units; Result.save follows `magsim run -o`'s extension rule.

Debian 12's netCDF-C segfaulted on the fixed-length string columns sweep files used to have, so
each open runs in a subprocess: a crash is a failed test, not a crashed pytest."""

import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

import magsim

ROOT = Path(__file__).resolve().parents[2]
CLI = os.environ.get("MAGSIM_CLI", str(ROOT / "build" / "bin" / "magsim"))
CITRATE = ROOT / "scenarios" / "citrate_vs_oxide_citrate.yaml"

pytestmark = pytest.mark.filterwarnings("ignore:numpy.ndarray size changed:RuntimeWarning")

SWEEP = f"""\
base: {CITRATE}
set: {{duration: 2 d, output: {{interval: 2 h}}}}
sweep:
  grid:
    supplements[0].dose: ["0 mg", "300 mg"]
  arms:
    citrate:
      supplements[0].form: citrate
    oxide:
      supplements[0].form: oxide
summary: [serum_mg_total.final, serum_mg_total.time_below(0.9 mmol/L), urine_mg.last_24h]
keep_series: [serum_mg_total]
"""

# Opens one group with one engine and prints, per variable, its units and first value.
OPEN = """
import json, sys, warnings
warnings.simplefilter("ignore")
import xarray as xr
path, group, engine = sys.argv[1], sys.argv[2] or None, sys.argv[3]
with xr.open_dataset(path, group=group, engine=engine) as ds:
    out = {}
    for name, v in ds.variables.items():
        first = v.values.flat[0] if v.size else None
        if isinstance(first, bytes):
            first = first.decode()
        elif hasattr(first, "dtype") and first.dtype.names:  # a compound row (/events)
            first = repr(first.tolist())
        elif first is not None and not isinstance(first, str):
            first = float(first)
        out[name] = [v.attrs.get("units"), first]
    print(json.dumps({"variables": out, "attrs": sorted(ds.attrs)}))
"""


def groups(path):
    found = [""]
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: found.append(name) if isinstance(obj, h5py.Group) else None)
    return found


def open_group(path, group, engine):
    r = subprocess.run([sys.executable, "-c", OPEN, str(path), group, engine],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"{path} group {group!r} with {engine}: exit {r.returncode}\n{r.stderr[-2000:]}"
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("formats")
    out = {}
    for ext in ("h5", "nc"):
        path = d / f"run.{ext}"
        subprocess.run([CLI, "run", str(CITRATE), "-q", "--set", "duration=2 d", "-o", str(path)],
                       check=True)
        out[ext] = path
    (d / "sweep.yaml").write_text(SWEEP)
    subprocess.run([CLI, "sweep", str(d / "sweep.yaml"), "-o", str(d / "sweep.h5")], check=True,
                   capture_output=True)
    out["sweep"] = d / "sweep.h5"
    return out


# (file, group) -> (variable, its units, its first value or None to skip the value check); the
# scenario weighs its subject at 75 kg.
EXPECTED = {
    ("h5", ""): ("event", "1", 0.0),
    ("h5", "series"): ("serum_mg_total", "mmol/L", None),
    ("h5", "parameters"): ("body.weight", "kg", 75.0),
    ("h5", "scenario"): ("given", None, None),
    ("nc", ""): ("serum_mg_total", "mmol/L", None),
    ("nc", "events"): ("time", "h", None),
    ("nc", "parameters"): ("body.weight", "kg", 75.0),
    ("nc", "scenario"): ("resolved", None, None),
    ("sweep", ""): (None, None, None),
    ("sweep", "scenario"): ("base", None, None),
    ("sweep", "sweep"): ("status", None, "ok"),
    ("sweep", "sweep/definition"): ("resolved", None, None),
    ("sweep", "sweep/inputs"): ("arm", None, "citrate"),
    ("sweep", "sweep/series"): ("time", "h", 0.0),
    ("sweep", "sweep/summary"): ("serum_mg_total.time_below(0.9 mmol per L)", "h", None),
}


@pytest.mark.parametrize("engine", ["netcdf4", "h5netcdf"])
@pytest.mark.parametrize("kind", ["h5", "nc", "sweep"])
def test_every_group_opens_with_values_and_units(files, kind, engine):
    path = files[kind]
    seen = groups(path)
    expected = {g for (k, g) in EXPECTED if k == kind}
    assert set(seen) == expected, f"groups of {path}: {seen}"
    for group in seen:
        got = open_group(path, group, engine)
        name, units, first = EXPECTED[(kind, group)]
        if name is None:  # the sweep file's root: attributes only
            assert "fingerprint" in got["attrs"]
            continue
        assert name in got["variables"], f"{kind} {group!r} {engine}: {sorted(got['variables'])}"
        got_units, got_first = got["variables"][name]
        assert got_units == units, (kind, group, engine, got_units)
        if first is not None:
            assert got_first == first, (kind, group, engine, got_first)
        else:
            assert got_first is not None and got_first == got_first  # present, not NaN


def test_netcdf_series_equal_the_hdf5_series(files):
    import xarray as xr
    with h5py.File(files["h5"], "r") as f, xr.open_dataset(files["nc"]) as nc:
        for name in ("time", "serum_mg_total", "cum_urine"):
            assert np.array_equal(f["series"][name][()], nc[name].values), name
        assert nc["serum_mg_total"].dims == ("time",)
        assert nc.attrs["model"] == f.attrs["model"]


def test_sweep_file_still_reads_in_open_sweep(files):
    df = magsim.open_sweep(files["sweep"])
    assert list(df["arm"]) == ["citrate", "oxide", "citrate", "oxide"]
    assert list(df["status"]) == ["ok"] * 4
    # The file names a metric's column with "/" as " per " (HDF5 names cannot hold "/").
    assert df.attrs["units"]["serum_mg_total.time_below(0.9 mmol per L)"] == "h"


def test_result_save_follows_the_extension(tmp_path):
    r = magsim.run(CITRATE, {"duration": "1 d"})
    csv = tmp_path / "r.csv"
    r.save(csv)
    # round_trip: pandas's default parser may be off in the last bit; the file is exact.
    table = pd.read_csv(csv, header=[0, 1], comment="#", float_precision="round_trip")
    assert table.columns[1] == ("serum_mg_total", "mmol/L")
    assert np.array_equal(table[("time", "h")].to_numpy(), r.time)
    assert np.array_equal(table[("serum_mg_total", "mmol/L")].to_numpy(), r["serum_mg_total"])
    nc = tmp_path / "r.nc"
    r.save(nc)
    import xarray as xr
    with xr.open_dataset(nc) as ds:
        assert np.array_equal(ds["serum_mg_total"].values, r["serum_mg_total"])
    with pytest.raises(ValueError, match="extension"):
        r.save(tmp_path / "r.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.nc"]

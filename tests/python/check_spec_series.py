#!/usr/bin/python3
"""Checks that a magsim run file has every standard series (docs/output.md), with its unit,
and the root attributes the run file promises. Exits non-zero with a message on the first failure.

    check_spec_series.py FILE
"""
import sys

import h5py
import numpy as np
import xarray as xr

SPEC_SERIES = {
    "time": "h",
    "serum_mg_total": "mmol/L",
    "serum_mg_ionized": "mmol/L",
    "serum_mg_ultrafilterable": "mmol/L",
    "rbc_mg": "mmol/L",
    "tissue_mg": "mmol",
    "bone_mg": "mmol",
    "gut_lumen_mg": "mmol",
    "absorption_rate": "mmol/d",
    "secretion_rate": "mmol/d",
    "urine_mg_rate": "mmol/d",
    "fecal_mg_rate": "mmol/d",
    "fe_mg": "%",
    "gfr": "mL/min",
    "cum_intake": "mmol",
    "cum_absorbed": "mmol",
    "cum_secreted": "mmol",
    "cum_urine": "mmol",
    "cum_fecal": "mmol",
}
ROOT_ATTRIBUTES = ["magsim_version", "git_revision", "solver_method", "rtol", "atol",
                   "wall_time", "mass_balance_error"]


def fail(message):
    print(f"check_spec_series.py: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def main(path):
    with h5py.File(path, "r") as f:
        for name, unit in SPEC_SERIES.items():
            if name not in f["series"]:
                fail(f"/series/{name} missing")
            got = f["series"][name].attrs.get("units")
            if got != unit:
                fail(f"/series/{name} has units {got!r}, SPEC says {unit!r}")
        for key in ROOT_ATTRIBUTES:
            if key not in f.attrs:
                fail(f"root attribute {key} missing")
        for key in ("given", "resolved"):
            if key not in f["scenario"]:
                fail(f"/scenario/{key} missing")
        if f.attrs["mass_balance_relative_error"] > 1e-8:
            fail(f"mass balance error {f.attrs['mass_balance_relative_error']}")
    ds = xr.open_dataset(path, group="series")
    if "time" not in ds.coords:
        fail("xarray Dataset has no time coordinate")
    total = ds["serum_mg_total"].values
    if not np.all(np.isfinite(total)) or total.min() <= 0:
        fail("serum_mg_total is not finite and positive")
    if ds["serum_mg_total"].attrs.get("units") != "mmol/L":
        fail("xarray lost the units attribute")
    print(f"check_spec_series.py: {path}: {len(SPEC_SERIES)} SPEC series with units, ok")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])

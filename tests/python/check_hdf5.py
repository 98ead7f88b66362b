#!/usr/bin/python3
"""Checks that a magsim run file reads as docs/output.md promises, with h5py and with xarray.

    check_hdf5.py FILE [--toy-samples N]

Always: /series/time is a dimension scale in hours; every other series is 1-D float64 over it
with str `units` and `description` attributes; xarray.open_dataset(FILE, group="series") (with
each installed backend) gives a Dataset whose `time` coordinate and variables equal what h5py
reads; root attributes, /scenario, /parameters and /events are present and readable.

With --toy-samples N, also checks the toy run written by tests/test_hdf5_writer.cpp: N samples,
time = i/4 h and the three series a = 1.5 i, b = -i, c = i^2/1024 (all exact in binary).

Exits non-zero with a message on the first failure.
"""
import argparse
import sys

import h5py
import numpy as np
import xarray as xr


def fail(message):
    print(f"check_hdf5.py: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


def check_h5py(path):
    with h5py.File(path, "r") as f:
        expect("series" in f, "no /series group")
        series = f["series"]
        expect("time" in series, "no /series/time")
        time = series["time"]
        expect(h5py.h5ds.is_scale(time.id), "/series/time is not a dimension scale")
        expect(time.attrs.get("units") == "h", f"/series/time units {time.attrs.get('units')!r}")
        expect(time.dtype == np.float64, f"/series/time dtype {time.dtype}")
        t = time[()]
        expect(np.all(np.diff(t) >= 0), "time is not non-decreasing")

        values = {"time": t}
        units = {"time": "h"}
        for name, ds in series.items():
            if name == "time":
                continue
            expect(ds.ndim == 1 and ds.shape == time.shape, f"{name}: shape {ds.shape}")
            expect(ds.dtype == np.float64, f"{name}: dtype {ds.dtype}")
            for key in ("units", "description"):
                value = ds.attrs.get(key)
                expect(isinstance(value, str), f"{name}: attribute {key} is {value!r}, not str")
            expect(ds.chunks is not None, f"{name}: not chunked")
            expect(len(ds.dims[0]) == 1 and ds.dims[0][0].name == "/series/time",
                   f"{name}: /series/time not attached as its dimension scale")
            values[name] = ds[()]
            units[name] = ds.attrs["units"]

        for key in ("magsim_version", "git_revision", "model", "solver_method"):
            expect(isinstance(f.attrs.get(key), str), f"root attribute {key}: {f.attrs.get(key)!r}")
        for key in ("rtol", "atol"):
            expect(isinstance(f.attrs.get(key), (float, np.floating)),
                   f"root attribute {key}: {f.attrs.get(key)!r}")

        expect("scenario" in f, "no /scenario")
        for key in ("given", "resolved"):
            text = f["scenario"][key].asstr()[()]
            expect(isinstance(text, str), f"/scenario/{key} is not a string")

        expect("parameters" in f, "no /parameters")
        for name, ds in f["parameters"].items():
            expect(ds.shape == () and ds.dtype == np.float64, f"/parameters/{name}: {ds.shape}")
            expect(isinstance(ds.attrs.get("units"), str), f"/parameters/{name}: no units")
            for key in ("min", "max", "default"):
                expect(key in ds.attrs, f"/parameters/{name}: no {key}")

        expect("events" in f, "no /events")
        events = f["events"]
        expect(events.dtype.names == ("time_h", "kind", "what", "amount", "unit"),
               f"/events fields {events.dtype.names}")
        events[()]  # readable, also when empty
    return values, units


def check_xarray(path, values, units):
    engines = [e for e in ("netcdf4", "h5netcdf") if e in xr.backends.list_engines()]
    expect(engines, "no xarray backend for HDF5 installed")
    for engine in [None] + engines:
        label = engine or "default engine"
        with xr.open_dataset(path, group="series", engine=engine) as ds:
            expect("time" in ds.coords, f"xarray ({label}): no time coordinate: {ds}")
            expect(ds["time"].dims == ("time",), f"xarray ({label}): time dims {ds['time'].dims}")
            expect(np.array_equal(ds["time"].values, values["time"]),
                   f"xarray ({label}): time values differ from h5py")
            expect(ds["time"].attrs.get("units") == "h",
                   f"xarray ({label}): time units {ds['time'].attrs.get('units')!r}")
            expect(set(ds.data_vars) == set(values) - {"time"},
                   f"xarray ({label}): variables {sorted(ds.data_vars)} != {sorted(values)}")
            for name in ds.data_vars:
                var = ds[name]
                expect(var.dims == ("time",), f"xarray ({label}): {name} dims {var.dims}")
                expect(var.attrs.get("units") == units[name],
                       f"xarray ({label}): {name} units {var.attrs.get('units')!r}")
                expect(isinstance(var.attrs.get("description"), str),
                       f"xarray ({label}): {name} description {var.attrs.get('description')!r}")
                expect(var.dtype == np.float64, f"xarray ({label}): {name} dtype {var.dtype}")
                # No fill-value masking may turn real zeros (or anything) into NaN.
                expect(np.array_equal(var.values, values[name], equal_nan=True),
                       f"xarray ({label}): {name} values differ from h5py")


def check_toy(values, n):
    i = np.arange(n, dtype=np.float64)
    expected = {"time": i / 4, "a": 1.5 * i, "b": -i, "c": i * i / 1024}
    expect(set(values) == set(expected), f"toy series {sorted(values)}")
    for name, want in expected.items():
        got = values[name]
        expect(got.shape == (n,), f"toy {name}: {got.shape[0]} samples, want {n}")
        expect(np.array_equal(got, want), f"toy {name}: values differ")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--toy-samples", type=int)
    args = parser.parse_args()
    values, units = check_h5py(args.file)
    check_xarray(args.file, values, units)
    if args.toy_samples is not None:
        check_toy(values, args.toy_samples)
    n = len(values["time"])
    print(f"check_hdf5.py: OK: {args.file}: {len(values) - 1} series x {n} samples")


if __name__ == "__main__":
    main()

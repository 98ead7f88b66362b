#!/usr/bin/python3
"""Check that two magsim sweep files hold the same results, bit for bit.

usage: compare_sweeps.py [--strict] A.h5 B.h5
       compare_sweeps.py --self-test     check this script on small made-up sweep files

A sweep gives the same numbers whatever the threads, ranks or shards used (docs/sweeps.md), so a sweep
merged from shards and the same sweep run in one process must agree exactly, not within a
tolerance. Compared:

  * the set of dataset names under /sweep (without /sweep/wall_time): must be the same;
  * /sweep/inputs/*, /sweep/summary/*, /sweep/status, /sweep/message, /sweep/run and, when
    present, /sweep/series/*: same HDF5 type, same shape, same bytes. NaN equals NaN only in
    the same bit pattern, and 0.0 differs from -0.0;
  * any other dataset under /sweep: compared the same way, but a difference is only reported
    as a note, unless --strict is given.

Not compared: wall times (/sweep/wall_time, the root attribute wall_time), attributes, and
everything outside /sweep (scenario text, parameters, provenance).

Exit status: 0 identical, 1 different (each difference printed with the first differing run and
both values), 2 a file is unreadable or not a sweep file. Runs with /usr/bin/python3 (Debian's
python3-h5py and python3-numpy).
"""
import sys

import h5py
import numpy as np

IGNORED = {"/sweep/wall_time"}
# Datasets (or groups of datasets) that are the sweep's result; they must match.
RESULT_GROUPS = ("/sweep/inputs/", "/sweep/summary/", "/sweep/series/")
RESULT_DATASETS = ("/sweep/status", "/sweep/message", "/sweep/run")
# Rows compared at a time, so that large (N, T) series need not fit in memory twice.
BLOCK_BYTES = 64 << 20


def is_result(name):
    return name in RESULT_DATASETS or name.startswith(RESULT_GROUPS)


def dataset_names(f):
    """Every dataset under /sweep, by absolute path, minus the ignored ones."""
    names = set()

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            names.add("/sweep/" + name)

    f["sweep"].visititems(visit)
    return names - IGNORED


def type_description(d):
    """A readable description of a dataset's HDF5 type, for messages."""
    s = h5py.check_string_dtype(d.dtype)
    if s is not None:
        size = "variable-length" if s.length is None else f"{s.length}-byte"
        return f"{size} {s.encoding} string"
    return str(d.dtype)


def show_value(x, limit=160):
    """A value as repr plus, for floats, its bit pattern (which is what is compared); long texts
    (an integrator's message lists the whole state) are cut at `limit` characters."""
    if isinstance(x, (float, np.floating)):
        x = np.asarray(x)
        bits = x.astype(x.dtype.newbyteorder(">")).tobytes().hex()
        return f"{x.item()!r} (0x{bits})"
    text = np.array2string(x, threshold=8, precision=17) if isinstance(x, np.ndarray) else repr(x)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def cell_bytes(x):
    """The bytes of one element of an object array (variable-length strings or sequences)."""
    if isinstance(x, bytes):
        return x
    if isinstance(x, str):
        return x.encode("utf-8")
    if isinstance(x, np.ndarray):
        return x.dtype.str.encode() + b":" + x.tobytes()
    return repr(x).encode()


def rows_differing(a, b):
    """Indices (first axis) of the rows of equal-shaped blocks a and b whose bytes differ."""
    n = a.shape[0]
    if a.dtype.hasobject:
        fa = a.reshape(n, -1)
        fb = b.reshape(n, -1)
        return [
            i
            for i in range(n)
            if [cell_bytes(x) for x in fa[i]] != [cell_bytes(x) for x in fb[i]]
        ]
    ra = np.ascontiguousarray(a).reshape(n, -1).view(np.uint8).reshape(n, -1)
    rb = np.ascontiguousarray(b).reshape(n, -1).view(np.uint8).reshape(n, -1)
    return np.nonzero((ra != rb).any(axis=1))[0].tolist()


def first_difference_in_row(a_row, b_row):
    """Within one row (a run), the first element that differs: (index tuple, a value, b value)."""
    if a_row.ndim == 0:
        return (), a_row[()], b_row[()]
    for idx in np.ndindex(a_row.shape):
        x, y = a_row[idx], b_row[idx]
        if a_row.dtype.hasobject:
            same = cell_bytes(x) == cell_bytes(y)
        else:
            same = np.asarray(x).tobytes() == np.asarray(y).tobytes()
        if not same:
            return idx, x, y
    return (), a_row, b_row


def compare_dataset(name, da, db, runs):
    """None if da and db are bitwise identical, else a message saying how they differ. `runs` is
    N, the number of runs: a first axis of that length is called "run", any other "row"."""
    if da.id.get_type() != db.id.get_type():
        return f"{name}: types differ: {type_description(da)} vs {type_description(db)}"
    if da.shape != db.shape:
        return f"{name}: shapes differ: {da.shape} vs {db.shape}"
    if da.shape is None or da.size == 0:
        return None  # empty: nothing to compare
    if da.ndim == 0:
        a, b = da[()], db[()]
        same = (
            cell_bytes(a) == cell_bytes(b)
            if da.dtype.hasobject
            else np.asarray(a).tobytes() == np.asarray(b).tobytes()
        )
        return None if same else f"{name}: differs: {show_value(a)} vs {show_value(b)}"

    n = da.shape[0]
    row_bytes = max(1, da.dtype.itemsize * (da.size // n))
    step = max(1, BLOCK_BYTES // row_bytes)
    first = None
    count = 0
    for start in range(0, n, step):
        a = da[start : start + step]
        b = db[start : start + step]
        diff = rows_differing(a, b)
        if diff and first is None:
            i = diff[0]
            first = (start + i, a[i], b[i])
        count += len(diff)
    if first is None:
        return None
    row, a_row, b_row = first
    idx, x, y = first_difference_in_row(np.asarray(a_row), np.asarray(b_row))
    what = "run" if n == runs else "row"
    where = f"{what} {row}"
    if len(idx) == 1:
        where += f", sample {idx[0]}"
    elif idx:
        where += f", index {idx}"
    return (
        f"{name}: {count} of {n} {what}s differ; first at {where}: "
        f"A={show_value(x)} B={show_value(y)}"
    )


def open_sweep(path):
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        print(f"compare_sweeps: error: cannot open {path}: {e}", file=sys.stderr)
        sys.exit(2)
    if not isinstance(f.get("sweep"), h5py.Group):
        print(f"compare_sweeps: error: {path} has no /sweep group (not a sweep file)",
              file=sys.stderr)
        sys.exit(2)
    return f


def write_fake_sweep(path, n=6, change=None):
    """A small file with the layout of a magsim sweep; change(f) may then alter it."""
    with h5py.File(path, "w") as f:
        f.attrs["wall_time"] = 1.5
        x = np.linspace(0.0, 1.0, n)
        f["sweep/inputs/x"] = x
        f["sweep/inputs/sex"] = np.array([b"female", b"male"] * (n // 2), dtype="S6")
        y = np.sin(x) / 3.0
        y[1] = np.nan  # a run whose metric is not computed
        f["sweep/summary/y"] = y
        f["sweep/status"] = np.array([b"ok"] * (n - 1) + [b"failed"], dtype="S6")
        f.create_dataset("sweep/message", data=[""] * (n - 1) + ["CVODE failed at t=3 h"],
                         dtype=h5py.string_dtype())
        f["sweep/run"] = np.arange(n, dtype=np.uint64)
        f["sweep/wall_time"] = np.full(n, 0.25)
        f["sweep/series/serum"] = np.outer(x, np.arange(8.0))
        f["sweep/series_time"] = np.arange(8.0)  # stands for any dataset not in the result list
        if change is not None:
            change(f)


def self_test():
    """Run the comparison on made-up files: each case names what it protects and the exit code."""
    import contextlib
    import io
    import os
    import tempfile

    def set_value(dataset, index, value):
        def change(f):
            data = f[dataset][()]
            data[index] = value
            f[dataset][...] = data
        return change

    def add(dataset, value):
        def change(f):
            f[dataset] = value
        return change

    def vlen_message(f):
        msg = f["sweep/message"][()]
        msg[2] = b"unexpected"
        del f["sweep/message"]
        f.create_dataset("sweep/message", data=msg, dtype=h5py.string_dtype())

    y2 = np.sin(np.linspace(0.0, 1.0, 6))[2] / 3.0
    other_nan = np.frombuffer(np.uint64(0x7FF8000000000001).tobytes(), dtype=np.float64)[0]
    cases = [
        ("IdenticalIncludingNaN", None, 0, None),
        ("WallTimesIgnored", lambda f: (f.attrs.__setitem__("wall_time", 99.0),
                                        set_value("sweep/wall_time", 0, 7.0)(f)), 0, None),
        ("OneUlpDiffers", set_value("sweep/summary/y", 2, np.nextafter(y2, 1.0)), 1, "run 2"),
        ("NaNPayloadDiffers", set_value("sweep/summary/y", 1, other_nan), 1, "run 1"),
        ("NegativeZeroDiffers", set_value("sweep/series/serum", (0, 0), -0.0), 1, "run 0"),
        ("SeriesElementDiffers", set_value("sweep/series/serum", (4, 5), 0.0), 1, "run 4"),
        ("StatusDiffers", set_value("sweep/status", 5, b"ok"), 1, "/sweep/status"),
        ("TextInputDiffers", set_value("sweep/inputs/sex", 3, b"femal"), 1, "run 3"),
        ("MessageDiffers", vlen_message, 1, "run 2"),
        ("ExtraSummary", add("sweep/summary/z", np.zeros(6)), 1, "only in B"),
        ("TypeDiffers", lambda f: (f.__delitem__("sweep/run"),
                                   add("sweep/run", np.arange(6, dtype=np.int64))(f)),
         1, "types differ"),
        ("DatasetMissing", lambda f: f.__delitem__("sweep/series_time"), 1, "only in A"),
        ("OtherDatasetDiffersIsANote", set_value("sweep/series_time", 7, 0.5), 0, "note"),
        ("OtherDatasetDiffersStrict", set_value("sweep/series_time", 7, 0.5), 1, "row 7"),
    ]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        a = os.path.join(tmp, "a.h5")
        write_fake_sweep(a)
        for name, change, want_rc, want_text in cases:
            b = os.path.join(tmp, f"{name}.h5")
            write_fake_sweep(b, change=change)
            out = io.StringIO()
            strict = ["--strict"] if name.endswith("Strict") else []
            with contextlib.redirect_stdout(out):
                rc = main(["compare_sweeps.py", *strict, a, b])
            ok = rc == want_rc and (want_text is None or want_text in out.getvalue())
            print(f"{'ok  ' if ok else 'FAIL'} CompareSweeps.{name}: exit {rc}")
            if not ok:
                failed += 1
                print("     expected exit", want_rc, "and", repr(want_text), "in:")
                print("     " + out.getvalue().replace("\n", "\n     "))
        b = os.path.join(tmp, "not_a_sweep.h5")
        with h5py.File(b, "w") as f:
            f["series/time"] = np.arange(3.0)
        with contextlib.redirect_stderr(io.StringIO()):
            try:
                main(["compare_sweeps.py", a, b])
                rc = 0
            except SystemExit as e:
                rc = e.code
        print(f"{'ok  ' if rc == 2 else 'FAIL'} CompareSweeps.NotASweepFile: exit {rc}")
        failed += rc != 2
    print(f"compare_sweeps self-test: {len(cases) + 1 - failed} passed, {failed} failed")
    return 1 if failed else 0


def main(argv):
    args = argv[1:]
    if args == ["--self-test"]:
        return self_test()
    strict = "--strict" in args
    args = [a for a in args if a != "--strict"]
    if len(args) != 2 or any(a.startswith("-") for a in args):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path_a, path_b = args
    with open_sweep(path_a) as fa, open_sweep(path_b) as fb:
        names_a, names_b = dataset_names(fa), dataset_names(fb)
        failures, notes = [], []
        for name in sorted(names_a - names_b):
            failures.append(f"{name}: only in A")
        for name in sorted(names_b - names_a):
            failures.append(f"{name}: only in B")
        common = sorted(names_a & names_b)
        missing = [d for d in RESULT_DATASETS if d not in names_a and d not in names_b]
        for d in missing:
            failures.append(f"{d}: in neither file")
        runs = fa["sweep/run"].shape[0] if "/sweep/run" in common else None
        for name in common:
            message = compare_dataset(name, fa[name], fb[name], runs)
            if message is None:
                continue
            (failures if strict or is_result(name) else notes).append(message)

    print(f"A = {path_a}\nB = {path_b}")
    for note in notes:
        print(f"note (not a result dataset): {note}")
    if failures:
        for failure in failures:
            print(f"DIFFERENT {failure}")
        print(f"compare_sweeps: {len(failures)} difference(s) in the results")
        return 1
    results = sum(1 for n in common if strict or is_result(n))
    print(f"compare_sweeps: identical ({results} result datasets compared bit for bit)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

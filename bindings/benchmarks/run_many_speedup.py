#!/usr/bin/python3
"""Speed-up of magsim.run_many on several threads over one thread, for the same runs.

    /usr/bin/python3 bindings/benchmarks/run_many_speedup.py [--runs 8] [--threads 2] [--repeat 3]

Runs the CKD oxide scenario for one year at `--runs` eGFRs between 15 and 105 mL/min/1.73m2,
best of `--repeat` wall times with threads=1 and with threads=N, and checks that both give
identical series. Prints the load average too: on a shared machine other processes take cores
away, and the speed-up reported is only as good as the cores that were free.
"""
import argparse
import os
import time
from pathlib import Path

import numpy as np

import magsim

ROOT = Path(__file__).resolve().parents[2]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--duration", default="1 y")
    args = ap.parse_args()

    base = magsim.Scenario.load(ROOT / "scenarios" / "ckd_stage4_oxide.yaml").set("duration", args.duration)
    egfrs = np.linspace(15, 105, args.runs)
    scenarios = [base.copy().set("subject.egfr", f"{e:.1f} mL/min/1.73m2") for e in egfrs]

    def best(threads):
        walls, cpus, out = [], [], None
        for _ in range(args.repeat):
            c0, w0 = time.process_time(), time.perf_counter()
            out = magsim.run_many(scenarios, threads=threads)
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
        i = int(np.argmin(walls))
        return walls[i], cpus[i], out

    load_before = os.getloadavg()[0]
    w1, c1, serial = best(1)
    wn, cn, threaded = best(args.threads)
    identical = all(np.array_equal(a[n], b[n]) for a, b in zip(serial, threaded) for n in a.names)
    print(f"{args.runs} runs of {args.duration}, {os.cpu_count()} CPUs, load average {load_before:.2f} -> "
          f"{os.getloadavg()[0]:.2f}")
    print(f"threads=1: {w1:.3f} s wall, {c1:.3f} s CPU")
    print(f"threads={args.threads}: {wn:.3f} s wall, {cn:.3f} s CPU ({cn / wn:.2f} cores busy)")
    print(f"speed-up: {w1 / wn:.2f}x; results identical: {identical}")
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())

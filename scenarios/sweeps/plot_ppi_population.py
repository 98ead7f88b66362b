#!/usr/bin/env python3
"""Plot and tabulate scenarios/sweeps/ppi_population.yaml.

Usage: /usr/bin/python3 scenarios/sweeps/plot_ppi_population.py RESULT.h5 [-o FIG.png]

The same virtual subjects with and without a PPI for two years. Prints the share of subjects whose
serum total Mg falls below 0.7 mmol/L (hypomagnesemia) at any time and at the end, in each arm,
with a 95 % Wilson interval, the paired change in serum Mg, and the share by diuretic use; plots
the distribution of the final serum Mg in both arms and the paired change against dietary Mg.
"""
import argparse
import math

import matplotlib.pyplot as plt
import numpy as np

import magsim

THRESHOLD = 0.7  # mmol/L: hypomagnesemia


def wilson(k, n, z=1.96):
    """95 % Wilson score interval of a proportion k/n, in %."""
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, 100 * (centre - half)), min(100.0, 100 * (centre + half))


def share(mask):
    k, n = int(mask.sum()), int(mask.size)
    lo, hi = wilson(k, n)
    return f"{100 * k / n:5.2f} % ({k}/{n}; 95 % CI {lo:.2f}-{hi:.2f} %)"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("result")
    ap.add_argument("-o", "--output", default="ppi_population.png")
    args = ap.parse_args()

    df = magsim.open_sweep(args.result)
    failed = df[df["status"] != "ok"]
    print(f"{len(df)} runs, {len(failed)} failed")
    df = df[df["status"] == "ok"]
    arms = {arm: d.set_index("subject") for arm, d in df.groupby("arm")}
    no, yes = arms["no_ppi"], arms["ppi"]
    both = no.index.intersection(yes.index)
    no, yes = no.loc[both], yes.loc[both]
    low_any = "serum_mg_total.min"
    final = "serum_mg_total.final"

    print(f"\n{len(both)} virtual subjects, two years, serum total Mg < {THRESHOLD} mmol/L:")
    for name, d in (("without a PPI", no), ("with a PPI   ", yes)):
        print(f"  {name}  at any time {share(d[low_any].to_numpy() < THRESHOLD)}"
              f"   at 2 years {share(d[final].to_numpy() < THRESHOLD)}")
    new = (yes[low_any] < THRESHOLD) & ~(no[low_any] < THRESHOLD)
    print(f"  hypomagnesemic only with the PPI: {share(new.to_numpy())}")
    delta = yes[final] - no[final]
    print(f"  paired change of serum total Mg at 2 years (PPI - none): median "
          f"{delta.median():+.4f} mmol/L, 5-95 % {delta.quantile(0.05):+.4f} to "
          f"{delta.quantile(0.95):+.4f} mmol/L")
    for flag in ("thiazide", "loop_diuretic"):
        if flag in yes:
            for value, label in ((1, "users"), (0, "non-users")):
                sel = yes[flag] == value
                if sel.any():
                    print(f"  with a PPI, {flag} {label}: at any time "
                          f"{share(yes.loc[sel, low_any].to_numpy() < THRESHOLD)}")

    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.6))
    bins = np.linspace(min(no[final].min(), yes[final].min()),
                       max(no[final].max(), yes[final].max()), 40)
    a.hist(no[final], bins=bins, alpha=0.6, label="no PPI")
    a.hist(yes[final], bins=bins, alpha=0.6, label="omeprazole 20 mg/d")
    a.axvline(THRESHOLD, color="k", ls="--", lw=0.8)
    a.set_xlabel("serum total Mg at 2 years (mmol/L)")
    a.set_ylabel("subjects")
    a.legend(fontsize=8)
    b.scatter(yes["diet.magnesium"], delta, s=4, alpha=0.5)
    b.set_xlabel("dietary Mg (mg/d)")
    b.set_ylabel("PPI - no PPI, serum total Mg (mmol/L)")
    fig.tight_layout()
    fig.savefig(args.output, dpi=120)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()

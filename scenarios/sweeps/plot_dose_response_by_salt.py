#!/usr/bin/env python3
"""Plot and tabulate scenarios/sweeps/dose_response_by_salt.yaml.

Usage: /usr/bin/python3 scenarios/sweeps/plot_dose_response_by_salt.py RESULT.h5 [-o FIG.png]

One column per eGFR. Top: serum total Mg after 12 weeks against the daily elemental dose, one line
per salt, with the adult reference interval (0.75-0.95 mmol/L; IOM 1997) shaded and 1.1 mmol/L,
above which hypermagnesemia symptoms become possible, dashed. Bottom: the mean share of people with
loose stools over the 12 weeks. Salts whose results are identical in every run are drawn as one
line and named together, with a note on the figure that the model holds them equal. Prints, for
each eGFR and salt, the largest dose that keeps serum within the reference interval and the one
that keeps it below 1.1 mmol/L.
"""
import argparse

import matplotlib.pyplot as plt
import numpy as np

import magsim

NORMAL = (0.75, 0.95)  # mmol/L, adult reference interval (IOM 1997)
HIGH = 1.1             # mmol/L


def identical_groups(df, columns):
    """Salts (in grid order) grouped where every listed result agrees to 1e-9 in every run."""
    salts = list(dict.fromkeys(df["supplements[0].form"]))
    keys = [c for c in df.columns if c not in ("supplements[0].form", "run", "status", "message")
            and c.startswith(("subject.", "supplements[0].dose"))]
    by_salt = {s: df[df["supplements[0].form"] == s].sort_values(keys)[columns].to_numpy() for s in salts}
    groups = []
    for salt in salts:
        for g in groups:
            ref = by_salt[g[0]]
            if ref.shape == by_salt[salt].shape and np.allclose(ref, by_salt[salt], rtol=1e-9, atol=1e-12):
                g.append(salt)
                break
        else:
            groups.append([salt])
    return groups


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("result")
    ap.add_argument("-o", "--output", default="dose_response_by_salt.png")
    args = ap.parse_args()

    df = magsim.open_sweep(args.result)
    units = df.attrs["units"]
    bad = df[df["status"] != "ok"]
    if len(bad):
        print(f"{len(bad)} runs failed; first: {bad['message'].iloc[0]}")
    df = df[df["status"] == "ok"].copy()
    # Two doses a day: the grid's dose is per dose.
    df["daily_dose"] = 2 * df["supplements[0].dose"]
    dose_unit = units["supplements[0].dose"] + "/d"
    serum = "serum_mg_total.final"
    egfrs = sorted(df["subject.egfr"].unique())
    loose = "diarrhea.mean"
    groups = identical_groups(df, [serum, loose])

    fig, axes = plt.subplots(2, len(egfrs), figsize=(3.2 * len(egfrs), 6.0), sharey="row",
                             squeeze=False)
    for col, egfr in enumerate(egfrs):
        top, bottom = axes[0][col], axes[1][col]
        top.axhspan(*NORMAL, color="0.9", label="reference interval")
        top.axhline(HIGH, color="0.4", ls="--", lw=0.8, label=f"{HIGH} mmol/L")
        for group in groups:
            d = df[(df["subject.egfr"] == egfr) & (df["supplements[0].form"] == group[0])]
            d = d.sort_values("daily_dose")
            label = " = ".join(group)
            top.plot(d["daily_dose"], d[serum], marker="o", ms=3, label=label)
            bottom.plot(d["daily_dose"], d[loose], marker="o", ms=3, label=label)
        top.set_title(f"eGFR {egfr:g} {units['subject.egfr']}", fontsize=9)
        bottom.set_xlabel(f"elemental Mg ({dose_unit})")
    axes[0][0].set_ylabel(f"serum total Mg at 12 w ({units[serum]})")
    axes[1][0].set_ylabel("share with loose stools, mean over 12 w")
    axes[0][-1].legend(fontsize=7)
    equal = [g for g in groups if len(g) > 1]
    if equal:
        names = "; ".join(" = ".join(g) for g in equal)
        fig.text(0.01, 0.005, f"{names}: identical in the model (no human study shows a difference "
                 "between these salts at equal elemental dose)", fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(args.output, dpi=120)
    print(f"wrote {args.output}")

    print(f"\nserum total Mg at 12 weeks ({units[serum]}), by daily dose ({dose_unit}):")
    table = df.pivot_table(index=["subject.egfr", "supplements[0].form"], columns="daily_dose",
                           values=serum)
    print(table.round(3).to_string())
    print(f"\nlargest daily dose ({dose_unit}) keeping serum <= {NORMAL[1]} / < {HIGH} mmol/L:")
    for (egfr, salt), row in table.iterrows():
        within = [dose for dose, v in row.items() if v <= NORMAL[1]]
        below = [dose for dose, v in row.items() if v < HIGH]
        print(f"  eGFR {egfr:>5g}  {salt:<10} {max(within) if within else 'none':>6}"
              f" / {max(below) if below else 'none':>6}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Plot and tabulate scenarios/sweeps/dose_response_by_salt.yaml.

Usage: /usr/bin/python3 scenarios/sweeps/plot_dose_response_by_salt.py RESULT.h5 [-o FIG.png]

One panel per eGFR: serum total Mg after 12 weeks against the daily elemental dose, one line per
salt, with the adult reference interval (0.75-0.95 mmol/L; IOM 1997) shaded and 1.1 mmol/L, above
which hypermagnesemia symptoms become possible, dashed. Prints, for each eGFR and salt, the largest
dose that keeps serum within the reference interval and the one that keeps it below 1.1 mmol/L.
"""
import argparse

import matplotlib.pyplot as plt
import numpy as np

import magsim

NORMAL = (0.75, 0.95)  # mmol/L, adult reference interval (IOM 1997)
HIGH = 1.1             # mmol/L


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
    salts = list(dict.fromkeys(df["supplements[0].form"]))

    fig, axes = plt.subplots(1, len(egfrs), figsize=(3.2 * len(egfrs), 3.4), sharey=True)
    for ax, egfr in zip(np.atleast_1d(axes), egfrs):
        ax.axhspan(*NORMAL, color="0.9", label="reference interval")
        ax.axhline(HIGH, color="0.4", ls="--", lw=0.8, label=f"{HIGH} mmol/L")
        for salt in salts:
            d = df[(df["subject.egfr"] == egfr) & (df["supplements[0].form"] == salt)]
            d = d.sort_values("daily_dose")
            ax.plot(d["daily_dose"], d[serum], marker="o", ms=3, label=salt)
        ax.set_title(f"eGFR {egfr:g} {units['subject.egfr']}", fontsize=9)
        ax.set_xlabel(f"elemental Mg ({dose_unit})")
    np.atleast_1d(axes)[0].set_ylabel(f"serum total Mg at 12 w ({units[serum]})")
    np.atleast_1d(axes)[-1].legend(fontsize=7)
    fig.tight_layout()
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

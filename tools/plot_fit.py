#!/usr/bin/python3
"""Draw the goodness-of-fit figures of a fit file (`magsim fit` output, engine/io/fit_file.hpp).

usage: plot_fit.py FIT.h5 OUTDIR

Writes into OUTDIR (created if needed):
  obs_vs_pred.png        observed vs predicted per series, identity line; values below the LLOQ
                         drawn at the LLOQ as open red triangles
  residuals_vs_time.png  weighted residuals vs time per series, zero line, +-1.96 band
  individual_fits.png    per subject and series: observations and the predictions at the
                         observation times; interval observations (urine collections) as
                         horizontal bars over their window
  profiles.png           (when the fit has profiles) delta OFV vs value per parameter, the 3.84
                         line, the interval's ends; "not identifiable" in the title when flagged
Exits 2 with a message on a missing, unreadable or malformed file. Runs with /usr/bin/python3
(Debian's matplotlib, h5py, pandas); the reading and drawing live in bindings/magsim/_fit_file.py,
shared with magsim.open_fit and FitResult.plot, loaded here by path (no build needed).
"""
import importlib.util
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load_fit_file_module():
    path = ROOT / "bindings" / "magsim" / "_fit_file.py"
    spec = importlib.util.spec_from_file_location("magsim_fit_file", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv):
    if len(argv) != 3:
        print("usage: plot_fit.py FIT.h5 OUTDIR", file=sys.stderr)
        return 2
    fit_file = load_fit_file_module()
    try:
        fit = fit_file.read_fit_file(argv[1])
    except fit_file.FitFileError as e:
        print(f"plot_fit.py: error: {e}", file=sys.stderr)
        return 2
    try:
        for path in fit_file.write_figures(fit, argv[2]):
            print(path)
    except OSError as e:
        print(f"plot_fit.py: error: cannot write the figures into '{argv[2]}': {e}",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

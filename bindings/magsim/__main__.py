"""``python3 -m magsim ARGS``: the magsim command line, the one built with this module.

``python3 -m magsim run scenarios/healthy_adult.yaml`` is ``magsim run scenarios/healthy_adult.yaml``.
The program is looked up, in order:

1. ``MAGSIM_CLI``, when set (a path to a ``magsim`` executable);
2. the ``bin/magsim`` that ``pip install`` put beside this package's distribution (the same
   ``magsim`` it puts on PATH);
3. ``build/bin/magsim`` when this package is the build tree's ``build/python/magsim``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional


def _installed_cli() -> Optional[Path]:
    """The bin/magsim of the pip-installed distribution this very package belongs to."""
    try:
        from importlib import metadata
        dist = metadata.distribution("magsim")
    except Exception:  # no metadata: not installed by pip (a build tree)
        return None
    here = Path(__file__).resolve()
    files = list(dist.files or [])
    if not any(Path(f.locate()).resolve() == here for f in files
               if f.name == "__main__.py"):
        return None  # another magsim on the path; not ours
    for f in files:
        if f.name == "magsim" and f.parent.name == "bin":
            path = Path(f.locate()).resolve()
            if path.is_file():
                return path
    return None


def cli_path() -> Path:
    """The magsim executable that goes with this module (see the module docstring)."""
    looked: List[str] = []
    override = os.environ.get("MAGSIM_CLI")
    if override:
        return Path(override)
    installed = _installed_cli()
    if installed is not None:
        return installed
    looked.append("the bin/magsim of a pip install")
    build_tree = Path(__file__).resolve().parents[2] / "bin" / "magsim"
    if build_tree.is_file():
        return build_tree
    looked.append(str(build_tree))
    raise FileNotFoundError("cannot find the magsim program built with this module (looked for "
                            + " and ".join(looked) + "); set MAGSIM_CLI=/path/to/magsim")


def main(argv: Optional[List[str]] = None) -> None:
    """Replace this process with ``magsim ARGS`` (signals then reach magsim itself)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        path = cli_path()
    except FileNotFoundError as e:
        sys.exit(f"python3 -m magsim: error: {e}")
    try:
        os.execv(path, [str(path), *args])
    except OSError as e:
        sys.exit(f"python3 -m magsim: error: cannot run {path}: {e.strerror}")


if __name__ == "__main__":
    main()

"""Progress bars for long calls (run_many, sweep, fit), drawn by tqdm when it is installed: a
widget in Jupyter (with ipywidgets 7 or later), text on stderr otherwise.

``progress=None`` (the default of those calls) means "auto": a bar when the call has more than
one run and someone is watching (stderr is a terminal, or the code runs in a Jupyter kernel),
shown only once the call has taken longer than :data:`AUTO_DELAY_S`. ``True`` forces a bar,
``False`` none. Without tqdm there is never a bar, and no error.
"""

from __future__ import annotations

import sys
from typing import Any, Optional

__all__ = ["ProgressBar", "progress_bar"]

#: With ``progress=None``, a bar appears only once the call has run this long (s).
AUTO_DELAY_S = 1.0


def _in_jupyter() -> bool:
    """Whether this code runs in a Jupyter kernel (IPython's ZMQ shell)."""
    if "ipykernel" not in sys.modules:
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _watched() -> bool:
    try:
        tty = sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stderr
        tty = False
    return tty or _in_jupyter()


def _widgets_usable() -> bool:
    """Whether a progress widget can be shown: ipywidgets 7 or later. Debian 12 ships
    ipywidgets 6, whose messages nbclient (``jupyter nbconvert --execute``) cannot take: a
    notebook that makes one of its widgets fails there, so the text bar is used instead."""
    try:
        import ipywidgets
    except ImportError:
        return False
    try:
        return int(str(ipywidgets.__version__).split(".")[0]) >= 7
    except ValueError:
        return False


def _tqdm() -> Optional[Any]:
    """tqdm's class to use: the widget in Jupyter (if it can be shown), else the text bar on
    stderr; None without tqdm."""
    try:
        if _in_jupyter() and _widgets_usable():
            from tqdm.notebook import tqdm
        else:
            from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


class ProgressBar:
    """A tqdm bar fed by the C++ side's ``progress(done, total)`` calls, or by :meth:`advance`.

    Use as a context manager; on a normal exit the bar is completed and closed."""

    def __init__(self, bar: Any) -> None:
        self._bar = bar

    def __call__(self, done: int, total: int) -> None:
        """Set the bar to ``done`` of ``total`` (called from C++ with the GIL held)."""
        if self._bar.total != total:
            self._bar.total = total
        if done > self._bar.n:
            self._bar.update(done - self._bar.n)

    def advance(self, text: str = "") -> None:
        """One more step done; ``text`` (if any) is shown after the bar."""
        self._bar.update(1)
        if text:
            self._bar.set_postfix_str(text, refresh=True)

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, kind: Any, value: Any, trace: Any) -> None:
        if kind is None and self._bar.total is not None and self._bar.n < self._bar.total:
            self._bar.update(self._bar.total - self._bar.n)
        self._bar.close()


def progress_bar(progress: Optional[bool], total: Optional[int], desc: str,
                 unit: str = "run", single: bool = False) -> Optional[ProgressBar]:
    """A :class:`ProgressBar` for a call doing ``total`` steps, or None when there is to be none.

    Args:
        progress: True (a bar), False (none) or None (auto, see the module's text).
        total: the steps the call will make (None: not known in advance).
        desc: what the bar stands for, e.g. ``"magsim.sweep"``.
        unit: what a step is.
        single: in auto mode, a bar even for a call of one step (a long fit).
    """
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"progress must be True, False or None (auto), got {progress!r}")
    if progress is False:
        return None
    if progress is None and ((total is not None and total <= 1 and not single)
                             or not _watched()):
        return None
    tqdm = _tqdm()
    if tqdm is None:
        return None
    delay = AUTO_DELAY_S if progress is None else 0.0
    # The text bar in Jupyter goes to stdout, as tqdm's widget does: Jupyter shows stderr red.
    out = sys.stdout if _in_jupyter() else sys.stderr
    return ProgressBar(tqdm(total=total, desc=desc, unit=unit, delay=delay, leave=True,
                            dynamic_ncols=True, file=out))


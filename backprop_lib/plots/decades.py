"""Log axes that are quick to draw: one tick per power of ten (matplotlib's LogLocator thins them out on a
long range), no minor ticks, and labels such as 10⁻⁴ written with Unicode superscripts as plain text.

Matplotlib's own log labels are mathtext ($10^{-4}$); parsing them, with the minor ticks and their grid
lines, was about half of the drawing time of chapter 7's small log-scale figures. The labels look the same.

    fig, (ax,) = new_figure()
    ax.semilogy(x, y)
    decade_ticks(ax)          # the y axis; decade_ticks(ax, "x") or "both" for the others
"""
from __future__ import annotations

import math

from matplotlib.ticker import FuncFormatter, NullLocator

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def decade_label(value: float, pos=None) -> str:
    """'10⁻⁴' for 1e-4, '10⁰' for 1, '10¹⁵' for 1e15; '' for anything that is not a power of ten."""
    if not (value > 0 and math.isfinite(value)):
        return ""
    k = round(math.log10(value))
    if not math.isclose(value, 10.0 ** k, rel_tol=1e-9):
        return ""
    return "10" + str(k).translate(_SUPERSCRIPT)


def decade_ticks(ax, which: str = "y") -> None:
    """Label a log axis of `ax` ("y", "x" or "both") by powers of ten in plain text, without minor ticks.

    Only powers of ten get a tick, so use it on axes that span at least two of them (an axis from 0.12 to
    5 would show the single label 10⁰)."""
    if which not in ("x", "y", "both"):
        raise ValueError(f"which must be 'x', 'y' or 'both', got {which!r}")
    for axis in ([ax.xaxis] if which == "x" else [ax.yaxis] if which == "y" else [ax.xaxis, ax.yaxis]):
        axis.set_minor_locator(NullLocator())
        axis.set_major_formatter(FuncFormatter(decade_label))

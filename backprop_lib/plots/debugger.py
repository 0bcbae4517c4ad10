"""The backward-pass debugger's picture: a heat map of (got - expected) for the first wrong tensor.

    report = debugger.debug_mlp(grads, net, X, T)
    fig = plots.debug_heatmap(report)      # a plain Figure; shows itself in a notebook cell

2-D tensors are drawn as they are (rows x columns), 1-D as one row, 4-D (conv) as a grid of 2-D maps:
axis 0 down, axis 1 across. A wrong shape cannot be subtracted: then the student's tensor and the right
one are drawn side by side (a missing transpose shows as the same pattern turned over).
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..debugger import TOLERANCE, DebugReport
from .core import new_figure


def _as_2d(a: np.ndarray) -> np.ndarray:
    """A 0-4-D array as a matrix: scalars 1x1, vectors one row, 3-D stacked down, 4-D as a grid of maps."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a[None, :]
    if a.ndim == 2:
        return a
    if a.ndim == 3:
        return a.reshape(-1, a.shape[-1])
    if a.ndim == 4:
        n0, n1, h, w = a.shape
        return a.transpose(0, 2, 1, 3).reshape(n0 * h, n1 * w)
    return a.reshape(a.shape[0], -1)


def _grid_lines(ax, shape) -> None:
    if len(shape) == 4:
        n0, n1, h, w = shape
        for i in range(1, n0):
            ax.axhline(i * h - 0.5, color="k", lw=0.8)
        for j in range(1, n1):
            ax.axvline(j * w - 0.5, color="k", lw=0.8)


def _heat(fig, ax, m: np.ndarray, title: str, shape, axes_names=None) -> None:
    lim = float(np.abs(m).max()) if m.size and np.isfinite(m).all() else 1.0
    lim = lim if lim > 0 else 1.0
    im = ax.imshow(np.nan_to_num(m), cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto", interpolation="nearest")
    _grid_lines(ax, shape)
    ax.set_title(title, fontsize=10)
    names = axes_names or ["axis 0", "axis 1", "axis 2", "axis 3"]
    if len(shape) == 4:
        ax.set_ylabel(f"{names[0]} down ({names[2]} inside)")
        ax.set_xlabel(f"{names[1]} across ({names[3]} inside)")
    elif len(shape) == 2:
        ax.set_ylabel(names[0])
        ax.set_xlabel(names[1])
    elif len(shape) == 1:
        ax.set_xlabel(names[0] if axes_names else "entry")
    if m.shape[0] == 1:
        ax.set_yticks([])
    else:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.colorbar(im, ax=ax, shrink=0.85)


def debug_heatmap(report: DebugReport, size=(4.6, 3.6)):
    """A Figure for `report`: the heat map of (got - expected) of its first wrong tensor (red: too large,
    blue: too small, white: right); with no wrong tensor, the relative error of each tensor."""
    if not isinstance(report, DebugReport):
        raise ValueError(f"debug_heatmap needs the report of a backprop_lib.debugger function, got {type(report).__name__}")
    e = report.first_wrong
    if e is None or e.got is None or not e.shape_ok:
        if e is not None and e.got is not None:        # a wrong shape: show both
            fig, axes = new_figure(2, 1, size=size)
            _heat(fig, axes[0], _as_2d(e.got), f"{e.name}: yours, shape {e.got.shape}", e.got.shape,
                  e.axes if e.got.ndim == e.expected.ndim else None)
            _heat(fig, axes[1], _as_2d(e.expected), f"{e.name}: the right shape {e.expected.shape}", e.expected.shape,
                  e.axes)
            fig.suptitle(f"first wrong tensor {e.name}: wrong shape", fontsize=11)
            return fig
        fig, (ax,) = new_figure(1, 1, size=size)
        names = [x.name for x in report.entries]
        errs = [max(x.rel_error, 1e-17) if x.rel_error is not None else 1.0 for x in report.entries]
        if names:
            ax.barh(range(len(names)), errs, color=["#2ca02c" if x.match else "#d62728" for x in report.entries])
            ax.set_yticks(range(len(names)), names)
            ax.invert_yaxis()
            ax.set_xscale("log")
            ax.axvline(TOLERANCE, color="k", ls="--", lw=1, label=f"tolerance {TOLERANCE:g}")
            ax.legend(loc="lower right", fontsize=8)
            ax.set_xlabel("relative error, backward order top to bottom (0 drawn at 1e-17)")
        else:
            ax.text(0.5, 0.5, report.error or "nothing to compare", ha="center", va="center", wrap=True)
            ax.set_axis_off()
        ax.set_title("every tensor matches" if report.ok else "no tensor to draw", fontsize=10)
        return fig
    fig, (ax,) = new_figure(1, 1, size=size)
    err = "contains NaN or inf" if e.rel_error is None else f"rel. error {e.rel_error:.1e}"
    _heat(fig, ax, _as_2d(e.got - e.expected), f"{e.name}: got - expected\n{err}",
          e.expected.shape, e.axes)
    return fig

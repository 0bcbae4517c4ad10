"""Pictures for chapter 8: which input touches which output in a correlation."""
from __future__ import annotations

import numpy as np

from .core import CLASS_COLORS


def touch_diagram(ax, n_in: int = 5, k: int = 3, stride: int = 1, title: str | None = None):
    """Which input touches which output in a 1-D correlation: inputs x_j on top, outputs z_i below,
    one line per product w_m x_{stride*i + m}, coloured by the kernel entry m."""
    n_out = (n_in - k) // stride + 1
    colors = CLASS_COLORS[:5]
    x_pos = np.arange(n_in, dtype=float)
    z_pos = stride * np.arange(n_out) + (k - 1) / 2          # each output under the middle of its window
    for i in range(n_out):
        for m in range(k):
            j = stride * i + m
            ax.plot([x_pos[j], z_pos[i]], [1, 0], color=colors[m % len(colors)], lw=2, zorder=1,
                    label=f"$w_{m}$" if i == 0 else None)
    ax.scatter(x_pos, np.ones(n_in), s=380, c="white", edgecolors="black", zorder=2)
    ax.scatter(z_pos, np.zeros(n_out), s=380, c="#fff3c4", edgecolors="black", zorder=2)
    for j, p in enumerate(x_pos):
        ax.text(p, 1, f"$x_{j}$", ha="center", va="center", fontsize=9, zorder=3)
    for i, p in enumerate(z_pos):
        ax.text(p, 0, f"$z_{i}$", ha="center", va="center", fontsize=9, zorder=3)
    ax.set_xlim(-0.7, n_in + 0.6)
    ax.set_ylim(-0.35, 1.35)
    ax.axis("off")
    ax.legend(loc="center right", fontsize=8, frameon=False, bbox_to_anchor=(1.0, 0.5))
    ax.set_title(title or f"{n_in} inputs, kernel {k}, stride {stride}: {n_out} outputs", fontsize=10)
    return ax

"""plots.decade_ticks: log axes labelled by powers of ten in plain text (no mathtext), without minor ticks."""
from __future__ import annotations

import io

import numpy as np
import pytest

from backprop_lib import plots


@pytest.mark.parametrize("value, label", [(1e-4, "10⁻⁴"), (1.0, "10⁰"), (10.0, "10¹"), (1e15, "10¹⁵"),
                                          (1e-300, "10⁻³⁰⁰"), (2e-3, ""), (5.0, ""), (0.0, ""), (-1e3, ""),
                                          (np.inf, ""), (np.nan, "")])
def test_decade_label(value, label):
    assert plots.decade_label(value) == label


def test_a_decade_axis_has_no_minor_ticks_and_no_mathtext():
    fig, (ax,) = plots.new_figure()
    ax.semilogy([1, 2, 3], [1e-5, 1e-2, 3e4])
    plots.decade_ticks(ax)
    fig.savefig(io.BytesIO(), format="png")
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all("$" not in t and t.startswith("10") for t in labels)
    assert not ax.yaxis.get_minorticklocs().size


def test_which_is_checked():
    fig, (ax,) = plots.new_figure()
    with pytest.raises(ValueError, match="which"):
        plots.decade_ticks(ax, "z")

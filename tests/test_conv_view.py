"""Chapter 8's ConvView: every control changes the state and the picture; the maps are right."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

from backprop_lib import plots  # noqa: E402
from backprop_lib.conv import conv2d_backward, conv2d_forward  # noqa: E402
from backprop_lib.conv import DELTAS, KERNELS, conv_maps  # noqa: E402
from backprop_lib.datasets import digit_images, upsample  # noqa: E402
from backprop_lib.plots import touch_diagram  # noqa: E402
from backprop_lib.widgets import ConvView  # noqa: E402


@pytest.fixture(scope="module")
def view():
    return ConvView(digit=0, kernel="vertical edges (Sobel)", stride=1, padding=1, hot=(10, 5))


def _state(v):
    return (v.out.copy(), v.delta.copy(), v.dx.copy(), v.dw.copy(), v.db, v.png(), v.status.value)


def _changed(before, after):
    assert after[5] != before[5], "the PNG did not change"
    assert any(not np.array_equal(a, b) for a, b in zip(before[:4], after[:4])) or before[4] != after[4], \
        "no map changed"


def test_headless_state(view):
    assert view.out.shape == (21, 21) and view.dx.shape == (21, 21) and view.dw.shape == (3, 3)
    np.testing.assert_allclose(view.dx[9:12, 4:7], view.w)          # one-hot delta: the kernel on its window
    assert np.count_nonzero(view.dx) == np.count_nonzero(view.w)
    assert view.db == 1.0 and view.png()[:4] == b"\x89PNG"
    assert "output size" in view.status.value and view.row.max == 20 and not view.row.disabled


@pytest.mark.parametrize("control, value", [
    ("digit", 7), ("kernel", "blur (Gaussian)"), ("kernel", "random (seed 0)"), ("stride", 2),
    ("padding", 0), ("delta_kind", DELTAS[1]), ("delta_kind", DELTAS[2]), ("row", 4), ("col", 9),
])
def test_every_control_changes_state_and_picture(view, control, value):
    view.delta_kind.value = DELTAS[0]
    view.stride.value, view.padding.value, view.digit.value = 1, 1, 0
    view.kernel.value = "vertical edges (Sobel)"
    view.row.value, view.col.value = 10, 5
    before = _state(view)
    getattr(view, control).value = value
    _changed(before, _state(view))


def test_state_matches_the_library(view):
    view.digit.value, view.kernel.value, view.stride.value, view.padding.value = 3, "sharpen", 2, 1
    view.delta_kind.value = DELTAS[2]
    x = view.image[None, None]
    out, cache = conv2d_forward(x, KERNELS["sharpen"][None, None], np.zeros(1), stride=2, padding=1)
    dw, db, dx = conv2d_backward(out, cache)
    np.testing.assert_allclose(view.out, out[0, 0])
    np.testing.assert_allclose(view.dx, dx[0, 0])
    np.testing.assert_allclose(view.dw, dw[0, 0])
    assert view.db == pytest.approx(db[0])
    assert view.row.disabled and view.col.disabled


def test_stride_that_does_not_fit_drops_rows_like_pytorch(view):
    view.delta_kind.value = DELTAS[1]
    view.padding.value, view.stride.value = 1, 3     # (21 + 2 - 3) = 20 is not a multiple of 3
    assert view.dropped == (2, 2) and view.out.shape == (7, 7)
    assert "does not fit" in view.status.value
    np.testing.assert_array_equal(view.dx[-1, :], 0.0)   # the last image row and column are never read
    np.testing.assert_array_equal(view.dx[:, -1], 0.0)
    assert np.abs(view.dx[-2, :]).sum() > 0 and np.abs(view.dx[:, -2]).sum() > 0


def test_hot_pixel_sliders_follow_the_output_size(view):
    view.delta_kind.value = DELTAS[0]
    view.stride.value, view.padding.value = 1, 1
    view.row.value = 20
    view.stride.value = 2                     # 11 x 11 output: the row slider is clamped to 10
    assert view.row.max == 10 and view.row.value == 10
    assert view.delta[10, view.col.value] == 1.0 and view.delta.sum() == 1.0


def test_conv_maps_rejects_an_unknown_delta():
    with pytest.raises(ValueError, match="unknown delta"):
        conv_maps(np.zeros((5, 5)), np.ones((3, 3)), 1, 0, "twos")


def test_digit_images_and_upsample():
    images = digit_images()
    assert len(images) == 10 and all(im.shape == (21, 21) for im in images)
    assert all(0 <= im.min() and im.max() <= 1 for im in images)
    a = np.arange(4.0).reshape(2, 2)
    up = upsample(a, 3)
    np.testing.assert_allclose(up, [[0, 0.5, 1], [1, 1.5, 2], [2, 2.5, 3]])


def test_touch_diagram_draws_one_line_per_product():
    fig, (ax,) = plots.new_figure()
    touch_diagram(ax, n_in=7, k=3, stride=2)
    assert len(ax.lines) == 3 * 3              # 3 outputs x 3 kernel entries
    assert "3 outputs" in ax.get_title()

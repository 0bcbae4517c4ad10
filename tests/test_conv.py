"""The convolutional layer: forward against a naive loop, every gradient against central differences
(hypothesis over small shapes, strides and paddings), the 1-D worked example, and the ValueErrors."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import backprop_lib as bl
from backprop_lib.conv import conv2d_backward, conv2d_forward, dilate, output_size

TOL = 1e-7


def naive_conv2d(x, w, b, stride, padding):
    """Four nested loops straight from the definition: the reference the fast version must match."""
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    OH, OW = (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    window = xp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


@st.composite
def conv_problems(draw):
    """A small conv layer whose stride fits: sizes chosen so (H + 2P - K) is a multiple of S."""
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride, padding = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    oh, ow = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w_ = (oh - 1) * stride + kh - 2 * padding, (ow - 1) * stride + kw - 2 * padding
    if h < 1 or w_ < 1:       # padding larger than needed: grow the input instead
        h, w_ = h + stride * 2 * padding, w_ + stride * 2 * padding
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, c, h, w_)), rng.normal(size=(f, c, kh, kw)), rng.normal(size=f),
            stride, padding, rng)


@settings(max_examples=40, deadline=None)
@given(conv_problems())
def test_forward_matches_naive_loop(problem):
    x, w, b, stride, padding, _ = problem
    out, cache = conv2d_forward(x, w, b, stride=stride, padding=padding)
    np.testing.assert_allclose(out, naive_conv2d(x, w, b, stride, padding), rtol=1e-12, atol=1e-12)
    assert out.shape == (x.shape[0], w.shape[0], output_size(x.shape[2], w.shape[2], stride, padding),
                         output_size(x.shape[3], w.shape[3], stride, padding))
    assert cache[0] is not None and cache[3] == stride and cache[4] == padding


@settings(max_examples=40, deadline=None)
@given(conv_problems())
def test_every_gradient_against_central_differences(problem):
    x, w, b, stride, padding, rng = problem
    out, cache = conv2d_forward(x, w, b, stride=stride, padding=padding)
    G = rng.normal(size=out.shape)                       # L = sum(G * out), so dL/dout = G
    dw, db, dx = conv2d_backward(G, cache)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape

    def loss(_):
        return np.sum(conv2d_forward(x, w, b, stride=stride, padding=padding)[0] * G)

    for name, got, param in (("dx", dx, x), ("dw", dw, w), ("db", db, b)):
        err = bl.rel_error(got, bl.numerical_gradient(loss, param))
        assert err <= TOL, f"{name}: rel error {err:.2e} (stride {stride}, padding {padding})"


def test_one_dimensional_worked_example():
    """The chapter's 1-D example as a (1, 1, 1, 5) image: z_i = sum_k w_k x_{i+k}; dw = x corr delta;
    dx = full convolution of delta with the flipped kernel; db = sum delta."""
    x = np.array([1.0, 2.0, -1.0, 0.5, 3.0])
    w = np.array([0.2, -0.5, 1.0])
    delta = np.array([1.0, -2.0, 0.5])
    out, cache = conv2d_forward(x[None, None, None], w[None, None, None], np.array([0.1]))
    np.testing.assert_allclose(out.ravel(), [0.2 * 1 - 0.5 * 2 + 1 * -1 + 0.1, 0.2 * 2 - 0.5 * -1 + 1 * 0.5 + 0.1,
                                             0.2 * -1 - 0.5 * 0.5 + 1 * 3 + 0.1])
    dw, db, dx = conv2d_backward(delta[None, None, None], cache)
    np.testing.assert_allclose(dw.ravel(), np.correlate(x, delta, mode="valid"))
    np.testing.assert_allclose(dx.ravel(), np.convolve(delta, w, mode="full"))
    np.testing.assert_allclose(dx.ravel(), np.correlate(np.pad(delta, 2), w[::-1], mode="valid"))
    assert db.shape == (1,) and db[0] == pytest.approx(delta.sum())


def test_one_hot_delta_stamps_the_kernel_on_its_window():
    """A delta that is 1 at output (i, j) makes dx the kernel itself on that window, not flipped."""
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=(1, 1, 7, 7)), rng.normal(size=(1, 1, 3, 3))
    out, cache = conv2d_forward(x, w, np.zeros(1), stride=2, padding=0)
    delta = np.zeros_like(out)
    delta[0, 0, 1, 2] = 1.0
    dw, _, dx = conv2d_backward(delta, cache)
    expected = np.zeros((7, 7))
    expected[2:5, 4:7] = w[0, 0]
    np.testing.assert_allclose(dx[0, 0], expected)
    np.testing.assert_allclose(dw[0, 0], x[0, 0, 2:5, 4:7])


def test_multichannel_is_a_sum_over_channels(rng):
    x, w, b = rng.normal(size=(2, 3, 6, 6)), rng.normal(size=(2, 3, 3, 3)), rng.normal(size=2)
    out, _ = conv2d_forward(x, w, b, padding=1)
    per_channel = sum(conv2d_forward(x[:, c:c + 1], w[:, c:c + 1], np.zeros(2), padding=1)[0] for c in range(3))
    np.testing.assert_allclose(out, per_channel + b[None, :, None, None], rtol=1e-12)


def test_same_padding_keeps_the_size(rng):
    out, _ = conv2d_forward(rng.normal(size=(1, 1, 8, 8)), rng.normal(size=(4, 1, 3, 3)), np.zeros(4), padding=1)
    assert out.shape == (1, 4, 8, 8)


def test_dilate():
    d = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
    np.testing.assert_array_equal(dilate(d, 2)[0, 0], [[1, 0, 2], [0, 0, 0], [3, 0, 4]])
    assert dilate(d, 1) is d
    assert dilate(d, 3).shape == (1, 1, 4, 4)


def test_output_size():
    assert output_size(8, 3) == 6
    assert output_size(8, 3, stride=1, padding=1) == 8
    assert output_size(7, 3, stride=2) == 3
    assert output_size(5, 5) == 1
    with pytest.raises(ValueError, match="stride 2 does not fit"):
        output_size(8, 3, stride=2)
    with pytest.raises(ValueError, match="larger than the padded input"):
        output_size(2, 3)
    with pytest.raises(ValueError, match="stride"):
        output_size(8, 3, stride=0)
    with pytest.raises(ValueError, match="padding"):
        output_size(8, 3, padding=-1)


@pytest.mark.parametrize("kwargs, match", [
    (dict(A_prev=np.zeros((5, 5))), r"4-D array of shape \(N, C, H, W\).*A_prev\[None, None\]"),
    (dict(W=np.zeros((3, 3))), r"4-D array of shape \(F, C, KH, KW\).*W\[None, None\]"),
    (dict(W=np.zeros((2, 3, 3, 3))), "A_prev has 1 channels but the filters W expect 3"),
    (dict(b=np.zeros(3)), "b has 3 entries but there are 2 filters"),
    (dict(b=np.zeros((2, 1))), "b must be a 1-D array"),
    (dict(stride=2), "stride 2 does not fit"),
    (dict(stride=1.5), "stride must be a whole number"),
    (dict(stride=True), "stride must be a whole number"),
    (dict(padding=-1), "padding must be a whole number >= 0"),
    (dict(W=np.zeros((2, 1, 9, 3))), "kernel \\(9\\) is larger than the padded input"),
    (dict(A_prev=np.full((1, 1, 8, 8), np.nan)), "A_prev contains NaN"),
    (dict(A_prev=np.zeros((1, 1, 0, 8))), "empty dimension"),
    (dict(A_prev=[["a"]]), "A_prev must be numeric"),
])
def test_bad_input_raises_a_clear_value_error(kwargs, match):
    args = dict(A_prev=np.zeros((1, 1, 8, 8)), W=np.zeros((2, 1, 3, 3)), b=np.zeros(2), stride=1, padding=0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        conv2d_forward(**args)


def test_backward_rejects_a_wrong_delta_shape(rng):
    out, cache = conv2d_forward(rng.normal(size=(1, 1, 6, 6)), rng.normal(size=(2, 1, 3, 3)), np.zeros(2))
    with pytest.raises(ValueError, match=r"delta must have the forward output Z's shape \(1, 2, 4, 4\)"):
        conv2d_backward(np.zeros((1, 2, 3, 3)), cache)


def test_extreme_but_representable_values_stay_finite():
    """Huge pixels times tiny weights: nothing in the forward or backward pass may overflow on the way."""
    x = np.full((1, 1, 4, 4), 1e150)
    out, cache = conv2d_forward(x, np.full((1, 1, 2, 2), 1e-150), np.zeros(1))
    np.testing.assert_allclose(out, 4.0)
    dw, db, dx = conv2d_backward(np.ones_like(out), cache)
    assert np.isfinite(dx).all() and np.isfinite(dw).all() and np.isfinite(db).all()
    np.testing.assert_allclose(dw, 9e150)


def test_inputs_are_not_modified(rng):
    x, w, b = rng.normal(size=(1, 2, 5, 5)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    copies = x.copy(), w.copy(), b.copy()
    out, cache = conv2d_forward(x, w, b, stride=2, padding=1)
    conv2d_backward(np.ones_like(out), cache)
    for a, c in zip((x, w, b), copies):
        np.testing.assert_array_equal(a, c)

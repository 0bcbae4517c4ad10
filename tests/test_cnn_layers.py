"""Chapter 8's new layers: pooling (max and average) and its ties, im2col/col2im and the convolution as
one matrix product, the small convolutional network; every gradient against central differences."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import backprop_lib as bl
from backprop_lib.cnn import SmallCNN, images, train_cnn
from backprop_lib.conv import conv2d_backward, conv2d_forward
from backprop_lib.im2col import col2im, conv2d_backward_im2col, conv2d_forward_im2col, im2col
from backprop_lib.pooling import avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_forward

from gradient_assertions import _assert_gradient_matches

POOL_GEOMETRIES = [(2, 2, 6), (2, 1, 5), (3, 1, 5), (3, 3, 6), (2, 2, 4)]      # (size, stride, H = W)


def naive_max_pool(A, size, stride):
    N, C, H, W = A.shape
    oh, ow = (H - size) // stride + 1, (W - size) // stride + 1
    out = np.empty((N, C, oh, ow))
    for n in range(N):
        for c in range(C):
            for i in range(oh):
                for j in range(ow):
                    out[n, c, i, j] = A[n, c, i * stride:i * stride + size, j * stride:j * stride + size].max()
    return out


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(POOL_GEOMETRIES), st.integers(1, 2), st.integers(1, 3), st.integers(0, 2**31 - 1))
def test_pooling_forward_and_gradients(geometry, N, C, seed):
    size, stride, H = geometry
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(N, C, H, H))           # continuous values: no ties, almost surely no near-ties
    out, cache = max_pool_forward(A, size, stride)
    np.testing.assert_array_equal(out, naive_max_pool(A, size, stride))
    G = rng.normal(size=out.shape)
    for fwd, bwd in ((max_pool_forward, max_pool_backward), (avg_pool_forward, avg_pool_backward)):
        out, cache = fwd(A, size, stride)
        numeric = bl.numerical_gradient(lambda _: np.sum(fwd(A, size, stride)[0] * G), A)
        _assert_gradient_matches(bwd(G, cache), numeric)


def test_max_pool_ties_go_to_the_first_maximum_in_reading_order():
    A = np.array([[0.0, 2.0], [2.0, 2.0]])[None, None]
    _, cache = max_pool_forward(A)
    np.testing.assert_array_equal(max_pool_backward(np.full((1, 1, 1, 1), 5.0), cache)[0, 0], [[0, 5], [0, 0]])
    zeros = np.zeros((1, 1, 2, 2))
    _, cache = max_pool_forward(zeros)
    np.testing.assert_array_equal(max_pool_backward(np.ones((1, 1, 1, 1)), cache)[0, 0], [[1, 0], [0, 0]])


def test_overlapping_windows_add_their_gradients():
    A = np.array([[0.0, 0.0, 0.0], [0.0, 9.0, 0.0], [0.0, 0.0, 0.0]])[None, None]   # the centre wins all 4 windows
    _, cache = max_pool_forward(A, size=2, stride=1)
    d = max_pool_backward(np.array([[1.0, 2.0], [3.0, 4.0]])[None, None], cache)
    assert d[0, 0, 1, 1] == 10.0 and d.sum() == 10.0


@pytest.mark.parametrize("bad, message", [
    (np.zeros((2, 2)), "4-D"), (np.zeros((1, 1, 5, 4)), "stride"), (np.full((1, 1, 2, 2), np.nan), "NaN"),
])
def test_pooling_bad_input_is_named(bad, message):
    with pytest.raises(ValueError, match=message):
        max_pool_forward(bad, 2)


def test_pooling_backward_checks_the_upstream_shape():
    _, cache = max_pool_forward(np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match="shape"):
        max_pool_backward(np.zeros((1, 1, 3, 3)), cache)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.sampled_from([(1, 0), (1, 1), (2, 1), (3, 1)]),
       st.integers(0, 2**31 - 1))
def test_im2col_convolution_equals_the_direct_one_and_its_gradients(N, C, F, geometry, seed):
    stride, padding = geometry
    rng = np.random.default_rng(seed)
    A, W, b = rng.normal(size=(N, C, 7, 7)), rng.normal(size=(F, C, 3, 3)), rng.normal(size=F)
    Z, cache = conv2d_forward_im2col(A, W, b, stride, padding)
    Z_ref, cache_ref = conv2d_forward(A, W, b, stride, padding)
    np.testing.assert_allclose(Z, Z_ref, rtol=1e-12, atol=1e-12)
    G = rng.normal(size=Z.shape)
    grads = conv2d_backward_im2col(G, cache)
    for got, ref in zip(grads, conv2d_backward(G, cache_ref)):
        np.testing.assert_allclose(got, ref, rtol=1e-11, atol=1e-11)
    L = lambda _: np.sum(conv2d_forward_im2col(A, W, b, stride, padding)[0] * G)
    for got, param in zip(grads, (W, b, A)):
        _assert_gradient_matches(got, bl.numerical_gradient(L, param))


def test_col2im_is_the_adjoint_of_im2col():
    """<im2col(A), D> = <A, col2im(D)> for all A and D: col2im is exactly im2col's transpose."""
    rng = np.random.default_rng(0)
    A = rng.normal(size=(2, 3, 7, 6))
    cols = im2col(A, 3, 2, stride=2, padding=1)
    D = rng.normal(size=cols.shape)
    assert np.isclose(np.sum(cols * D), np.sum(A * col2im(D, A.shape, 3, 2, stride=2, padding=1)), rtol=1e-12)


def test_cnn_gradients_against_central_differences():
    X, y = bl.datasets.digits()
    rng = np.random.default_rng(3)                 # a draw with every ReLU input > 1e-3 from 0
    A0 = images(X[:4]) + rng.normal(0.0, 0.05, size=(4, 1, 8, 8))
    net = SmallCNN(filters=3, seed=1)
    net.params["b1"] = rng.normal(0.0, 0.1, size=3)
    L, grads = net.loss_and_grads(A0, y[:4])
    assert np.abs(net.Z1).min() > 1e-4            # no ReLU input near its kink on this draw
    for k, v in net.params.items():
        assert grads[k].shape == v.shape
        _assert_gradient_matches(grads[k], bl.numerical_gradient(lambda _: net.loss(A0, y[:4]), v), f_scale=L)


def test_cnn_trains_on_the_digits_and_says_when_it_diverges():
    X, y = bl.datasets.digits()
    Xtr, Xte, ytr, yte = bl.datasets.train_test_split(X, y, test_fraction=0.25, seed=0)
    net = SmallCNN(seed=0)
    run = train_cnn(net, images(Xtr), ytr, lr=0.1, epochs=2)
    assert not run["diverged"] and net.accuracy(images(Xte), yte) > 0.85
    run = train_cnn(SmallCNN(seed=0), images(Xtr), ytr, lr=1e3, momentum=0.9, epochs=2)
    assert run["diverged"] and "diverged" in run["message"]


@pytest.mark.parametrize("call, message", [
    (lambda: images(np.zeros((3, 8))), "64 pixels"),
    (lambda: SmallCNN().loss(np.zeros((2, 1, 8, 8)), np.array([0, 10])), "labels"),
    (lambda: SmallCNN(filters=0), "filters"),
])
def test_cnn_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()

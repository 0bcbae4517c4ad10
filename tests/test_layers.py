"""The Dense layer: shapes, forward by hand, dW / db / da_prev against central differences, init."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import backprop_lib as bl
from backprop_lib.activations import sigmoid, softmax
from backprop_lib.layers import Dense, init_std

TOL = 1e-7
ACTS = ["sigmoid", "tanh", "relu", "identity", "softmax"]


def _layer(seed, n, n_in, n_out, activation):
    rng = np.random.default_rng(seed)
    layer = Dense(n_in, n_out, activation, rng=rng)
    layer.b = rng.normal(0, 0.5, size=n_out)      # non-zero biases, so db is exercised
    A = rng.normal(size=(n, n_in))
    G = rng.normal(size=(n, n_out))               # L = sum(G * a): dL/da = G
    return layer, A, G


# ---------------------------------------------------------------------------------------------
# shapes and forward
# ---------------------------------------------------------------------------------------------
def test_shapes_and_initial_values():
    layer = Dense(3, 5, "tanh", rng=np.random.default_rng(0))
    assert layer.W.shape == (3, 5) and layer.b.shape == (5,)
    assert layer.n_in == 3 and layer.n_out == 5
    np.testing.assert_array_equal(layer.b, 0.0)
    assert layer.W.dtype == np.float64 and np.std(layer.W) > 0
    assert layer.params["W"] is layer.W and layer.params["b"] is layer.b
    assert set(layer.grads) == {"W", "b"}
    assert "3 -> 5" in repr(layer) and "tanh" in repr(layer)


@pytest.mark.parametrize("activation", ACTS)
def test_forward_by_hand(activation, rng):
    layer = Dense(3, 4, activation, rng=rng)
    layer.b = np.array([0.1, -0.2, 0.3, 0.0])
    X = rng.normal(size=(6, 3))
    z = X @ layer.W + layer.b
    expected = {"sigmoid": sigmoid(z), "tanh": np.tanh(z), "relu": np.maximum(z, 0),
                "identity": z, "softmax": softmax(z)}[activation]
    a = layer.forward(X)
    assert a.shape == (6, 4)
    np.testing.assert_allclose(a, expected, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(layer.z, z, rtol=1e-14)
    assert layer.a_prev is X


def test_forward_single_unit_by_hand():
    layer = Dense(2, 1, "identity")
    layer.W = [[2.0], [-1.0]]
    layer.b = [0.5]
    np.testing.assert_array_equal(layer.forward(np.array([[1.0, 3.0], [0.0, 0.0]])), [[-0.5], [0.5]])


def test_setters_check_shape_and_copy():
    layer = Dense(2, 3)
    W = np.ones((2, 3))
    layer.W = W
    W[0, 0] = 99.0
    assert layer.W[0, 0] == 1.0                     # the layer keeps its own copy
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        layer.W = np.ones((3, 2))
    with pytest.raises(ValueError, match=r"\(3,\)"):
        layer.b = np.ones(2)


# ---------------------------------------------------------------------------------------------
# backward against central differences
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ACTS)
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), n_in=st.integers(1, 4),
       n_out=st.integers(1, 4))
def test_backward_matches_central_differences(activation, seed, n, n_in, n_out, assert_gradient_matches):
    layer, A, G = _layer(seed, n, n_in, n_out, activation)
    z = A @ layer.W + layer.b
    if activation == "relu":
        assume(np.abs(z).min() > 1e-3)

    def loss(_):
        return np.sum(G * layer.forward(A))

    layer.forward(A)
    da_prev = layer.backward(G)
    dW, db = layer.grads["W"].copy(), layer.grads["b"].copy()
    assert dW.shape == (n_in, n_out) and db.shape == (n_out,) and da_prev.shape == (n, n_in)

    value = loss(None)
    assert_gradient_matches(dW, bl.numerical_gradient(loss, layer.params["W"]), f_scale=value, tol=TOL)
    assert_gradient_matches(db, bl.numerical_gradient(loss, layer.params["b"]), f_scale=value, tol=TOL)
    assert_gradient_matches(da_prev, bl.numerical_gradient(loss, A), f_scale=value, tol=TOL)


def test_backward_delta_formulas(rng):
    layer = Dense(3, 2, "sigmoid", rng=rng)
    A = rng.normal(size=(4, 3))
    layer.forward(A)
    delta = rng.normal(size=(4, 2))
    da_prev = layer.backward_delta(delta)
    np.testing.assert_allclose(layer.grads["W"], A.T @ delta, rtol=1e-14)
    np.testing.assert_allclose(layer.grads["b"], delta.sum(axis=0), rtol=1e-14)
    np.testing.assert_allclose(da_prev, delta @ layer.W.T, rtol=1e-14)
    assert layer.backward_delta(delta, need_input_grad=False) is None
    np.testing.assert_allclose(layer.grads["W"], A.T @ delta, rtol=1e-14)


# ---------------------------------------------------------------------------------------------
# initialisation
# ---------------------------------------------------------------------------------------------
def test_init_std_formulas():
    assert init_std(10, 30, "xavier", "tanh") == pytest.approx(np.sqrt(2 / 40))
    assert init_std(10, 30, "he", "tanh") == pytest.approx(np.sqrt(2 / 10))
    assert init_std(10, 30, "naive", "tanh") == 1.0
    assert init_std(10, 30, "auto", "relu") == pytest.approx(np.sqrt(2 / 10))
    assert init_std(10, 30, "auto", "sigmoid") == pytest.approx(np.sqrt(2 / 40))
    assert init_std(10, 30, 0.25, "relu") == 0.25
    assert init_std(10, 30, 0, "relu") == 0.0


@pytest.mark.parametrize("init, expected", [("xavier", np.sqrt(2 / 600)), ("he", np.sqrt(2 / 300)),
                                            ("naive", 1.0), (0.3, 0.3)])
def test_initial_weights_have_the_requested_spread(init, expected):
    layer = Dense(300, 300, "tanh", init=init, rng=np.random.default_rng(1))
    assert np.std(layer.W) == pytest.approx(expected, rel=0.02)
    assert abs(np.mean(layer.W)) < 0.02 * expected


def test_same_rng_seed_same_weights():
    a = Dense(4, 3, rng=np.random.default_rng(7))
    b = Dense(4, 3, rng=np.random.default_rng(7))
    c = Dense(4, 3, rng=np.random.default_rng(8))
    np.testing.assert_array_equal(a.W, b.W)
    assert not np.array_equal(a.W, c.W)


@pytest.mark.parametrize("init", [-1.0, np.nan, np.inf])
def test_bad_numeric_init_rejected(init):
    with pytest.raises(ValueError, match="standard deviation"):
        Dense(2, 2, init=init)


def test_unknown_init_name_lists_valid_ones():
    with pytest.raises(ValueError, match="unknown init 'glorot'") as e:
        Dense(2, 2, init="glorot")
    for name in ("auto", "xavier", "he", "naive"):
        assert repr(name) in str(e.value)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "4", None])
def test_bad_sizes_rejected(bad):
    with pytest.raises(ValueError, match=r"n_in must be a whole number >= 1"):
        Dense(bad, 3)
    with pytest.raises(ValueError, match=r"n_out must be a whole number >= 1"):
        Dense(3, bad)


def test_numpy_integer_sizes_accepted():
    layer = Dense(np.int64(3), np.int32(2))
    assert layer.W.shape == (3, 2)


def test_unknown_activation_rejected():
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        Dense(2, 2, "gelu")

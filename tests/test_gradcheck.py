"""The referee: numerical_gradient, rel_error and gradient_check."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import backprop_lib as bl
from backprop_lib.layers import Dense


# ---------------------------------------------------------------------------------------------
# numerical_gradient
# ---------------------------------------------------------------------------------------------
def test_gradient_of_a_known_function(rng):
    x = rng.normal(size=(3, 4))
    A = rng.normal(size=(3, 4))
    # f = sum(A * x) + sum(x^3) / 3 + sum(sin x): grad = A + x^2 + cos x
    def f(v): return np.sum(A * v) + np.sum(v ** 3) / 3 + np.sum(np.sin(v))
    g = bl.numerical_gradient(f, x)
    assert g.shape == x.shape and g.dtype == np.float64
    assert bl.rel_error(g, A + x ** 2 + np.cos(x)) <= 1e-9


def test_restores_x_exactly(rng):
    x = rng.normal(size=(2, 5))
    x0 = x.copy()
    seen = []
    bl.numerical_gradient(lambda v: seen.append(v.copy()) or float(np.sum(v ** 2)), x)
    np.testing.assert_array_equal(x, x0)
    assert len(seen) == 2 * x.size
    # each evaluation moved exactly one entry by +-h
    diffs = [np.count_nonzero(s != x0) for s in seen]
    assert diffs == [1] * len(seen)


def test_perturbs_x_in_place_so_closures_see_it(rng):
    """The documented use: f ignores its argument and reads x (here a layer's W) itself."""
    layer = Dense(3, 2, "identity", rng=rng)
    X = rng.normal(size=(4, 3))
    g = bl.numerical_gradient(lambda _: float(np.sum(layer.forward(X))), layer.W)
    np.testing.assert_allclose(g, np.tile(X.sum(axis=0)[:, None], (1, 2)), rtol=1e-9)


@pytest.mark.parametrize("h", [1e-2, 1e-3])
def test_central_difference_error_is_h_squared(h):
    # for f = x^3: (f(x+h) - f(x-h)) / 2h = 3 x^2 + h^2 exactly, so the error is h^2 per entry
    x = np.array([0.5, -1.0, 2.0])
    g = bl.numerical_gradient(lambda v: float(np.sum(v ** 3)), x, h=h)
    np.testing.assert_allclose(g - 3 * x ** 2, h ** 2, rtol=1e-4)


def test_error_shrinks_quadratically(rng):
    x = rng.normal(size=6)
    exact = np.cos(x)
    errs = [np.abs(bl.numerical_gradient(lambda v: float(np.sum(np.sin(v))), x, h=h) - exact).max()
            for h in (1e-2, 1e-3)]
    assert errs[0] / errs[1] == pytest.approx(100, rel=0.05)


def test_scalar_like_and_1d_inputs():
    x = np.array([3.0])
    assert bl.numerical_gradient(lambda v: float(v[0] ** 2), x)[0] == pytest.approx(6.0, rel=1e-9)
    x0 = np.array(2.0)
    assert bl.numerical_gradient(lambda v: float(v ** 2), x0) == pytest.approx(4.0, rel=1e-9)


@pytest.mark.parametrize("x", [np.ones(3, dtype=np.float32), np.ones(3, dtype=int), [1.0, 2.0], 1.0,
                               np.ones(2, dtype=np.complex128)])
def test_rejects_anything_but_float64_arrays(x):
    with pytest.raises(ValueError, match="float64"):
        bl.numerical_gradient(lambda v: 0.0, x)


@pytest.mark.parametrize("h", [0, -1e-5, "1e-5", None])
def test_rejects_bad_step(h):
    with pytest.raises(ValueError, match="step h must be a number > 0"):
        bl.numerical_gradient(lambda v: 0.0, np.ones(2), h=h)


def test_rejects_non_contiguous_views():
    x = np.arange(12.0).reshape(3, 4)[:, :3]      # rows of 3 with stride 4: no flat view
    with pytest.raises(ValueError, match="contiguous"):
        bl.numerical_gradient(lambda v: float(np.sum(v)), x)


def test_strided_1d_view_is_perturbed_in_place():
    base = np.arange(6.0)
    view = base[::2]
    g = bl.numerical_gradient(lambda v: float(np.sum(base ** 2)), view)
    np.testing.assert_allclose(g, 2 * view, rtol=1e-9)
    np.testing.assert_array_equal(base, np.arange(6.0))


# ---------------------------------------------------------------------------------------------
# rel_error
# ---------------------------------------------------------------------------------------------
def test_rel_error_known_values():
    assert bl.rel_error(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(np.sqrt(2) / 2)
    assert bl.rel_error([3.0, 4.0], [3.0, 4.0]) == 0.0
    assert bl.rel_error(np.zeros((2, 2)), np.zeros((2, 2))) == 0.0
    assert bl.rel_error([1.0], [-1.0]) == 1.0
    assert bl.rel_error([0.0, 0.0], [1.0, 0.0]) == 1.0
    # norm based: ||(0, 1e-3)|| / (||(1, 0)|| + ||(1, 1e-3)||)
    assert bl.rel_error([1.0, 0.0], [1.0, 1e-3]) == pytest.approx(1e-3 / (1 + np.hypot(1, 1e-3)))


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
       scale=st.floats(1e-6, 1e6))
def test_rel_error_properties(seed, shape, scale):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=shape), rng.normal(size=shape)
    assert bl.rel_error(a, a.copy()) == 0.0
    assert bl.rel_error(a, b) == bl.rel_error(b, a)
    assert 0.0 <= bl.rel_error(a, b) <= 1.0
    assert bl.rel_error(scale * a, scale * b) == pytest.approx(bl.rel_error(a, b), rel=1e-9)
    assert bl.rel_error(a, a * (1 + 1e-9)) == pytest.approx(1e-9 / (2 + 1e-9), rel=1e-5)


@pytest.mark.parametrize("a, b", [(np.ones(3), np.ones(4)), (np.ones((2, 3)), np.ones((3, 2))),
                                  (np.ones(6), np.ones((2, 3))), (np.ones(1), 1.0)])
def test_rel_error_rejects_mismatched_shapes(a, b):
    with pytest.raises(ValueError, match="equal shapes"):
        bl.rel_error(a, b)
    with pytest.raises(ValueError, match="equal shapes"):
        bl.rel_error(b, a)


# ---------------------------------------------------------------------------------------------
# gradient_check
# ---------------------------------------------------------------------------------------------
def test_gradient_check_passes_for_backprop(rng):
    net = bl.MLP([3, 4, 2], activation="tanh", output="softmax", seed=0)
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 2, size=5)
    rows = bl.gradient_check(net, X, y, loss="cross_entropy")
    assert len(rows) == 2 and all(set(r) == {"W", "b"} for r in rows)
    assert max(max(r.values()) for r in rows) <= 1e-7


def test_gradient_check_catches_a_wrong_gradient(rng, monkeypatch):
    """If backprop's dW were off by a few percent, the referee must say so."""
    net = bl.MLP([3, 4, 1], activation="sigmoid", output="identity", seed=0)
    X, T = rng.normal(size=(5, 3)), rng.normal(size=(5, 1))
    original = Dense.backward_delta

    def wrong(self, delta, need_input_grad=True):
        out = original(self, delta, need_input_grad)
        self.grads["W"] = self.grads["W"] * 1.05
        return out

    monkeypatch.setattr(Dense, "backward_delta", wrong)
    rows = bl.gradient_check(net, X, T, loss="mse")
    assert all(r["W"] > 1e-3 for r in rows)
    assert all(r["b"] <= 1e-7 for r in rows)

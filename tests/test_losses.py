"""Losses: values against hand computations, gradients against central differences, extremes."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import backprop_lib as bl
from backprop_lib import losses as L
from backprop_lib.activations import sigmoid, softmax

TOL = 1e-7
GRAD_SETTINGS = settings(max_examples=40, deadline=None)
STRICT_FP = dict(over="warn", invalid="warn", divide="warn", under="ignore")

shapes = dict(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), k=st.integers(1, 5))


def _one_hot(rng, n, k):
    return np.eye(k)[rng.integers(0, k, size=n)]


# ---------------------------------------------------------------------------------------------
# values by hand
# ---------------------------------------------------------------------------------------------
def test_mse_hand_value():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    t = np.array([[0.0, 2.0], [1.0, 1.0]])
    # sample 1: 1/2 (1 + 0) = 0.5; sample 2: 1/2 (4 + 9) = 6.5; mean 3.5
    assert L.mse(a, t) == pytest.approx(3.5, rel=1e-15)
    np.testing.assert_allclose(L.mse_grad(a, t), [[0.5, 0.0], [1.0, 1.5]], rtol=1e-15)


def test_mse_single_output_hand_value():
    a = np.array([[0.2], [0.9], [0.5]])
    t = np.array([[0.0], [1.0], [1.0]])
    expected = (0.5 * 0.04 + 0.5 * 0.01 + 0.5 * 0.25) / 3
    assert L.mse(a, t) == pytest.approx(expected, rel=1e-14)
    assert isinstance(L.mse(a, t), float)


def test_softmax_cross_entropy_hand_value():
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    t = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    lse = np.log(np.exp(1) + np.exp(2) + np.exp(3))
    expected = ((lse - 3.0) + np.log(3.0)) / 2
    assert L.softmax_cross_entropy(z, t) == pytest.approx(expected, rel=1e-14)


def test_softmax_cross_entropy_matches_naive_formula(rng):
    z = rng.normal(0, 2, size=(8, 4))
    t = _one_hot(rng, 8, 4)
    naive = -np.mean(np.sum(t * np.log(softmax(z)), axis=1))
    assert L.softmax_cross_entropy(z, t) == pytest.approx(naive, rel=1e-12)
    assert L.cross_entropy_from_probs(softmax(z), t) == pytest.approx(naive, rel=1e-12)


def test_binary_cross_entropy_hand_value():
    z = np.array([[0.0], [np.log(3.0)], [-np.log(3.0)]])   # sigma = 0.5, 0.75, 0.25
    t = np.array([[1.0], [1.0], [1.0]])
    expected = -(np.log(0.5) + np.log(0.75) + np.log(0.25)) / 3
    assert L.binary_cross_entropy(z, t) == pytest.approx(expected, rel=1e-14)
    t0 = np.zeros((3, 1))
    expected0 = -(np.log(0.5) + np.log(0.25) + np.log(0.75)) / 3
    assert L.binary_cross_entropy(z, t0) == pytest.approx(expected0, rel=1e-14)


def test_binary_cross_entropy_matches_naive_formula_with_soft_targets(rng):
    z = rng.normal(0, 2, size=(10, 3))
    t = rng.uniform(size=(10, 3))
    a = sigmoid(z)
    naive = -np.sum(t * np.log(a) + (1 - t) * np.log(1 - a)) / 10
    assert L.binary_cross_entropy(z, t) == pytest.approx(naive, rel=1e-12)


def test_softplus_values():
    z = np.array([-800.0, -1.0, 0.0, 1.0, 800.0])
    np.testing.assert_allclose(L.softplus(z[1:4]), np.log1p(np.exp(z[1:4])), rtol=1e-15)
    assert L.softplus(z)[0] == pytest.approx(0.0, abs=1e-300)
    assert L.softplus(z)[-1] == 800.0


def test_losses_are_zero_for_a_perfect_fit():
    t = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert L.mse(t.copy(), t) == 0.0
    z = np.array([[-50.0, 50.0], [50.0, -50.0]])
    assert L.softmax_cross_entropy(z, t) == pytest.approx(0.0, abs=1e-40)
    assert L.binary_cross_entropy(z, t) == pytest.approx(0.0, abs=1e-20)


# ---------------------------------------------------------------------------------------------
# gradients against central differences
# ---------------------------------------------------------------------------------------------
@GRAD_SETTINGS
@given(**shapes)
def test_mse_grad_matches_central_differences(seed, n, k, assert_gradient_matches):
    rng = np.random.default_rng(seed)
    a, t = rng.normal(size=(n, k)), rng.normal(size=(n, k))
    numeric = bl.numerical_gradient(lambda x: L.mse(x, t), a)
    assert_gradient_matches(L.mse_grad(a, t), numeric, f_scale=L.mse(a, t), tol=TOL)


@GRAD_SETTINGS
@given(soft=st.booleans(), **shapes)
def test_softmax_cross_entropy_grad_matches_central_differences(seed, n, k, soft, assert_gradient_matches):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 2, size=(n, k))
    t = rng.dirichlet(np.ones(k), size=n) if soft else _one_hot(rng, n, k)
    numeric = bl.numerical_gradient(lambda x: L.softmax_cross_entropy(x, t), z)
    grad = L.softmax_cross_entropy_grad(z, t)
    if k > 1:
        assert_gradient_matches(grad, numeric, f_scale=L.softmax_cross_entropy(z, t), tol=TOL)
    else:   # one class: softmax is constant 1, the loss and its gradient are 0
        np.testing.assert_allclose(grad, 0.0, atol=1e-15)
        np.testing.assert_allclose(numeric, 0.0, atol=1e-10)


@GRAD_SETTINGS
@given(soft=st.booleans(), **shapes)
def test_binary_cross_entropy_grad_matches_central_differences(seed, n, k, soft, assert_gradient_matches):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 2, size=(n, k))
    t = rng.uniform(size=(n, k)) if soft else rng.integers(0, 2, size=(n, k)).astype(float)
    numeric = bl.numerical_gradient(lambda x: L.binary_cross_entropy(x, t), z)
    assert_gradient_matches(L.binary_cross_entropy_grad(z, t), numeric, f_scale=L.binary_cross_entropy(z, t),
                            tol=TOL)


def test_logit_gradients_are_a_minus_t_over_n(rng):
    z = rng.normal(size=(5, 3))
    t = _one_hot(rng, 5, 3)
    np.testing.assert_allclose(L.softmax_cross_entropy_grad(z, t), (softmax(z) - t) / 5, rtol=1e-15)
    np.testing.assert_allclose(L.binary_cross_entropy_grad(z, t), (sigmoid(z) - t) / 5, rtol=1e-15)


# ---------------------------------------------------------------------------------------------
# extreme logits
# ---------------------------------------------------------------------------------------------
def test_softmax_cross_entropy_extreme_logits_finite():
    z = np.array([[1e4, -1e4], [1e4, -1e4], [-1e4, 1e4]])
    t = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    with warnings.catch_warnings(), np.errstate(**STRICT_FP):
        warnings.simplefilter("error")
        value = L.softmax_cross_entropy(z, t)
        grad = L.softmax_cross_entropy_grad(z, t)
    # rows 1 and 3 are confidently right (loss 0), row 2 confidently wrong: -log p = 2e4
    assert np.isfinite(value) and value == pytest.approx(2e4 / 3, rel=1e-12)
    assert np.isfinite(grad).all()
    a = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(grad, (a - t) / 3)


def test_binary_cross_entropy_extreme_logits_finite():
    z = np.array([[1e4], [-1e4], [1e4], [-1e4]])
    t = np.array([[1.0], [0.0], [0.0], [1.0]])
    with warnings.catch_warnings(), np.errstate(**STRICT_FP):
        warnings.simplefilter("error")
        value = L.binary_cross_entropy(z, t)
        grad = L.binary_cross_entropy_grad(z, t)
    assert np.isfinite(value) and value == pytest.approx(2e4 / 4, rel=1e-12)
    np.testing.assert_array_equal(grad, (np.array([[1.0], [0.0], [1.0], [0.0]]) - t) / 4)


def test_cross_entropy_from_probs_clips_zero_probabilities():
    p = np.array([[1.0, 0.0]])
    t = np.array([[0.0, 1.0]])
    with warnings.catch_warnings(), np.errstate(**STRICT_FP):
        warnings.simplefilter("error")
        value = L.cross_entropy_from_probs(p, t)
    assert value == pytest.approx(-np.log(1e-12))


def test_loss_names():
    assert set(L.LOSSES) == {"mse", "cross_entropy"}

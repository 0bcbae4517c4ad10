"""Activations: values, derivatives against central differences, numerical extremes, name lookup."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import backprop_lib as bl
from backprop_lib import activations as A

TOL = 1e-7
GRAD_SETTINGS = settings(max_examples=40, deadline=None)
# numpy warns on overflow / invalid / divide-by-zero; underflow to 0 (e.g. exp(-1e4)) is expected
STRICT_FP = dict(over="warn", invalid="warn", divide="warn", under="ignore")


def _draw_z(seed: int, n: int, k: int, scale: float) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, scale, size=(n, k))


# ---------------------------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------------------------
def test_exports_are_the_module_functions():
    assert bl.sigmoid is A.sigmoid and bl.tanh is A.tanh and bl.relu is A.relu
    assert bl.softmax is A.softmax and bl.sigmoid_prime is A.sigmoid_prime


def test_sigmoid_known_values():
    z = np.array([0.0, np.log(3.0), -np.log(3.0), 2.0])
    expected = np.array([0.5, 0.75, 0.25, 1.0 / (1.0 + np.exp(-2.0))])
    np.testing.assert_allclose(A.sigmoid(z), expected, rtol=1e-15, atol=0)


def test_sigmoid_symmetry_and_matches_naive_formula_on_moderate_inputs(rng):
    z = rng.normal(0, 5, size=200)
    s = A.sigmoid(z)
    np.testing.assert_allclose(s, 1.0 / (1.0 + np.exp(-z)), rtol=1e-13)
    np.testing.assert_allclose(A.sigmoid(-z), 1.0 - s, atol=1e-15)
    assert s.shape == z.shape


def test_tanh_relu_identity_values():
    z = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]])
    np.testing.assert_allclose(A.tanh(z), np.tanh(z), rtol=0)
    np.testing.assert_array_equal(A.relu(z), [[0.0, 0.0, 0.0, 0.5, 3.0]])
    np.testing.assert_array_equal(A.identity(z), z)
    assert A.identity(np.array([1, 2])).dtype == np.float64


def test_softmax_rows_sum_to_one_and_match_definition(rng):
    z = rng.normal(0, 3, size=(7, 5))
    p = A.softmax(z)
    e = np.exp(z)
    np.testing.assert_allclose(p, e / e.sum(axis=1, keepdims=True), rtol=1e-13)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    assert (p > 0).all()


def test_softmax_is_shift_invariant_per_row(rng):
    z = rng.normal(size=(4, 3))
    shift = rng.normal(0, 100, size=(4, 1))
    np.testing.assert_allclose(A.softmax(z + shift), A.softmax(z), rtol=1e-10)


def test_log_softmax_is_log_of_softmax(rng):
    z = rng.normal(0, 4, size=(6, 4))
    np.testing.assert_allclose(A.log_softmax(z), np.log(A.softmax(z)), rtol=1e-12, atol=1e-14)


def test_derivative_helpers_known_values():
    z = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(A.sigmoid_prime(z), A.sigmoid(z) * (1 - A.sigmoid(z)), rtol=1e-15)
    assert A.sigmoid_prime(np.array([0.0]))[0] == 0.25
    np.testing.assert_allclose(A.tanh_prime(z), 1 - np.tanh(z) ** 2, rtol=1e-15)
    np.testing.assert_array_equal(A.relu_prime(np.array([-2.0, 0.0, 1e-9, 3.0])), [0.0, 0.0, 1.0, 1.0])


# ---------------------------------------------------------------------------------------------
# gradients against central differences
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "identity", "softmax"])
@GRAD_SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), k=st.integers(1, 6),
       scale=st.floats(0.1, 3.0))
def test_activation_backward_matches_central_differences(name, seed, n, k, scale, assert_gradient_matches):
    """Activation.backward(da, z, a) is dL/dz for L = sum(da * f(z)), for every activation."""
    act = A.ACTIVATIONS[name]
    z = _draw_z(seed, n, k, scale)
    if name == "relu":
        assume(np.abs(z).min() > 1e-3)   # stay away from the kink at 0
    da = np.random.default_rng(seed + 1).normal(size=(n, k))
    analytic = act.backward(da, z, act(z))
    numeric = bl.numerical_gradient(lambda zz: np.sum(da * act(zz)), z)
    assert analytic.shape == z.shape
    assert_gradient_matches(analytic, numeric, f_scale=np.sum(da * act(z)), tol=TOL)


@pytest.mark.parametrize("f, fprime", [(A.sigmoid, A.sigmoid_prime), (A.tanh, A.tanh_prime),
                                       (A.relu, A.relu_prime)])
@GRAD_SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 20))
def test_elementwise_derivative_matches_central_differences(f, fprime, seed, n, assert_gradient_matches):
    z = np.random.default_rng(seed).normal(0, 2, size=n)
    if f is A.relu:
        assume(np.abs(z).min() > 1e-3)
    numeric = bl.numerical_gradient(lambda zz: np.sum(f(zz)), z)
    assert_gradient_matches(fprime(z), numeric, f_scale=np.sum(f(z)), tol=TOL)


@GRAD_SETTINGS
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 6))
def test_softmax_jacobian_matches_central_differences(seed, k, assert_gradient_matches):
    z = np.random.default_rng(seed).normal(0, 2, size=k)
    J = A.softmax_jacobian(z)
    numeric = np.empty((k, k))
    for j in range(k):
        numeric[j] = bl.numerical_gradient(lambda zz: A.softmax(zz)[j], z)
    assert J.shape == (k, k)
    assert_gradient_matches(J, numeric, tol=TOL)
    np.testing.assert_allclose(J, J.T, atol=1e-15)        # p_j(1[j=u] - p_u) is symmetric
    np.testing.assert_allclose(J.sum(axis=0), 0.0, atol=1e-15)


def test_softmax_backward_equals_jacobian_product(rng):
    act = A.ACTIVATIONS["softmax"]
    z = rng.normal(size=(3, 4))
    da = rng.normal(size=(3, 4))
    got = act.backward(da, z, act(z))
    expected = np.stack([A.softmax_jacobian(z[i]).T @ da[i] for i in range(3)])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------------------------------------
# numerical extremes
# ---------------------------------------------------------------------------------------------
def test_sigmoid_extreme_inputs_no_overflow_warning():
    z = np.concatenate([np.linspace(-1e4, 1e4, 2001), [-1e4, 1e4, -750.0, 750.0, -1e300, 1e300]])
    with warnings.catch_warnings(), np.errstate(**STRICT_FP):
        warnings.simplefilter("error")
        s = A.sigmoid(z)
        sp = A.sigmoid_prime(z)
        sb = A.ACTIVATIONS["sigmoid"].backward(np.ones_like(z), z, s)
    assert np.isfinite(s).all() and np.isfinite(sp).all() and np.isfinite(sb).all()
    assert ((s >= 0) & (s <= 1)).all()
    assert np.all(np.diff(s[:2001]) >= 0)               # monotone
    assert A.sigmoid(np.array(1e4)) == 1.0 and A.sigmoid(np.array(-1e4)) == 0.0
    assert A.sigmoid(np.array(-40.0)) > 0                # tiny but not flushed to 0 early


def test_softmax_and_log_softmax_extreme_logits_finite():
    z = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [5e3, 1e4, 1e4]])
    with warnings.catch_warnings(), np.errstate(**STRICT_FP):
        warnings.simplefilter("error")
        p = A.softmax(z)
        lp = A.log_softmax(z)
    assert np.isfinite(p).all() and np.isfinite(lp).all()
    np.testing.assert_allclose(p, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0, 0.5, 0.5]], atol=1e-15)
    np.testing.assert_allclose(lp[0], [0.0, -1e4, -2e4])
    np.testing.assert_allclose(lp[1], -np.log(3.0))


def test_tanh_extreme_inputs_finite():
    z = np.array([-1e4, -50.0, 50.0, 1e4])
    with warnings.catch_warnings(), np.errstate(**STRICT_FP):
        warnings.simplefilter("error")
        a = A.tanh(z)
        d = A.tanh_prime(z)
    np.testing.assert_array_equal(a, [-1, -1, 1, 1])
    np.testing.assert_array_equal(d, [0, 0, 0, 0])


# ---------------------------------------------------------------------------------------------
# lookup by name
# ---------------------------------------------------------------------------------------------
def test_get_known_names():
    for name in ("sigmoid", "tanh", "relu", "identity", "softmax"):
        act = A.get(name)
        assert isinstance(act, A.Activation) and act.name == name


@pytest.mark.parametrize("bad", ["swish", "Sigmoid", "", None, 3])
def test_get_unknown_name_lists_valid_ones(bad):
    with pytest.raises(ValueError, match="unknown activation") as e:
        A.get(bad)
    msg = str(e.value)
    assert repr(bad) in msg
    for name in ("sigmoid", "tanh", "relu", "identity", "softmax"):
        assert repr(name) in msg

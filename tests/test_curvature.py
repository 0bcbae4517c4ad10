"""backprop_lib.curvature: Jacobians by VJPs and JVPs, the exact Hessian and Hessian-vector products,
power iteration and the two-weight loss, all against central differences or an independent computation."""
import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import backprop_lib as bl
from backprop_lib import curvature as cv
from backprop_lib.linreg import linreg_hessian
from gradient_assertions import _assert_gradient_matches

ACTS = ["tanh", "sigmoid", "relu"]


def _net(sizes, act="tanh", out="identity", seed=0):
    net = bl.MLP(sizes, activation=act, output=out, seed=seed)
    rng = np.random.default_rng(seed + 100)
    for layer in net.layers:
        layer.b = rng.normal(0, 0.5, size=layer.n_out)
    return net


shapes = st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 5))


@settings(max_examples=25)
@given(shape=shapes, act=st.sampled_from(ACTS), out=st.sampled_from(["identity", "sigmoid"]), seed=st.integers(0, 1000))
def test_jacobians_reverse_forward_and_central_differences(shape, act, out, seed):
    n, hidden, m, _ = shape
    net = _net([n, hidden, m], act, out, seed)
    x = np.random.default_rng(seed).normal(size=n)
    J_rev, J_fwd = cv.jacobian_reverse(net, x), cv.jacobian_forward(net, x)
    assert J_rev.shape == (m, n)
    assert bl.rel_error(J_rev, J_fwd) < 1e-12
    _assert_gradient_matches(J_rev, cv.jacobian_fd(lambda v: cv.outputs(net, v[None, :])[0], x))
    theta = cv.flatten(net)
    P_rev, P_fwd = cv.jacobian_reverse(net, x, "params"), cv.jacobian_forward(net, x, "params")
    assert P_rev.shape == (m, theta.size) and bl.rel_error(P_rev, P_fwd) < 1e-12
    _assert_gradient_matches(P_rev, cv.jacobian_fd(lambda t: cv.outputs(net, x[None, :], t)[0], theta))


def test_gradient_and_loss_equal_the_mlp():
    net = _net([3, 5, 4, 2], "tanh")
    rng = np.random.default_rng(1)
    X, T = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    value, grads = net.loss_and_grads(X, T, loss="mse")
    flat = np.concatenate([np.concatenate([g["W"].ravel(), g["b"]]) for g in grads])
    assert cv.loss(net, X, T) == pytest.approx(value, rel=1e-14)
    assert bl.rel_error(cv.gradient(net, X, T), flat) < 1e-14


@settings(max_examples=20)
@given(shape=shapes, act=st.sampled_from(ACTS), out=st.sampled_from(["identity", "sigmoid"]), seed=st.integers(0, 1000))
def test_hvp_against_hessian_and_central_differences(shape, act, out, seed):
    n, hidden, m, N = shape
    net = _net([n, hidden, m], act, out, seed)
    rng = np.random.default_rng(seed)
    X, T = rng.normal(size=(N, n)), rng.normal(size=(N, m))
    v = rng.normal(size=cv.n_params(net))
    H = cv.hessian(net, X, T)
    assert np.allclose(H, H.T, rtol=0, atol=1e-12 * max(1.0, np.abs(H).max()))
    assert bl.rel_error(cv.hvp(net, X, T, v), H @ v) < 1e-12
    _assert_gradient_matches(cv.hvp(net, X, T, v), cv.hvp_fd(net, X, T, v), f_scale=np.linalg.norm(v))
    _assert_gradient_matches(H, cv.hessian_fd(net, X, T))


def test_relu_hessian_has_no_second_derivative_term_but_is_not_zero():
    net = _net([2, 3, 1], "relu")
    X, T = np.random.default_rng(2).normal(size=(5, 2)), np.ones(5)
    H = cv.hessian(net, X, T)
    assert np.abs(H).max() > 1e-3
    _assert_gradient_matches(H, cv.hessian_fd(net, X, T))


def test_linear_regression_hessian_is_chapter_3s_and_constant():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 3, 50)
    y = 2 * x - 1 + rng.normal(0, 0.5, 50)
    net = bl.MLP([1, 1], output="identity")
    for theta in ([0.0, 0.0], [5.0, -3.0]):
        assert np.allclose(cv.hessian(net, x[:, None], y, np.array(theta)), linreg_hessian(x), rtol=1e-13, atol=1e-15)


def test_power_iteration_finds_the_largest_eigenvalue():
    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    lams = np.array([5.0, 3.0, 1.0, 0.5, -0.2, 0.0])
    A = Q @ np.diag(lams) @ Q.T
    lam, v, used = cv.power_iteration(lambda u: A @ u, 6)
    assert lam == pytest.approx(5.0, rel=1e-10) and abs(abs(v @ Q[:, 0]) - 1) < 1e-5 and used < 500
    # the largest *magnitude*: a negative eigenvalue of larger size wins
    B = Q @ np.diag([2.0, -4.0, 1, 1, 1, 1]) @ Q.T
    assert cv.power_iteration(lambda u: B @ u, 6)[0] == pytest.approx(-4.0, rel=1e-8)
    assert cv.power_iteration(lambda u: np.zeros(3), 3)[0] == 0.0


def test_power_iteration_on_a_network_hessian():
    net = _net([2, 4, 1], "tanh")
    X = np.random.default_rng(4).normal(size=(10, 2))
    T = np.sin(X[:, :1])
    H = cv.hessian(net, X, T)
    ev = np.linalg.eigvalsh(H)
    lam, _, _ = cv.power_iteration(lambda u: cv.hvp(net, X, T, u), cv.n_params(net))
    big = ev[np.argmax(np.abs(ev))]
    assert lam == pytest.approx(big, rel=1e-7)


def test_two_weight_loss_gradient_and_hessian():
    x = np.linspace(-2, 2, 24)
    t = 1.5 * np.tanh(x)
    for w in ([0.3, 0.5], [-1.2, 2.0], [1.0, 1.5], [0.0, 0.0]):
        w = np.array(w)
        f = lambda v: float(cv.two_weight_loss(v[0], v[1], x, t))
        _assert_gradient_matches(cv.two_weight_grad(w, x, t), bl.numerical_gradient(f, w.copy()))
        H_fd = cv.jacobian_fd(lambda v: cv.two_weight_grad(v, x, t), w)
        _assert_gradient_matches(cv.two_weight_hessian(w, x, t), H_fd)
        # the same numbers as the network code: MLP([1, 1, 1]) with its two biases at 0
        net = bl.MLP([1, 1, 1], activation="tanh", output="identity")
        theta = np.array([w[0], 0.0, w[1], 0.0])
        assert cv.loss(net, x[:, None], t, theta) == pytest.approx(cv.two_weight_loss(*w, x, t), rel=1e-13, abs=1e-15)
        assert np.allclose(cv.hessian(net, x[:, None], t, theta)[np.ix_([0, 2], [0, 2])],
                           cv.two_weight_hessian(w, x, t), rtol=1e-12, atol=1e-14)
    grid = cv.two_weight_loss(*np.meshgrid([0.0, 1.0], [0.0, 1.5]), x, t)
    assert grid.shape == (2, 2) and grid[1, 1] == pytest.approx(0.0, abs=1e-30)


def test_functions_do_not_change_the_network():
    net = _net([2, 3, 1])
    before = copy.deepcopy(cv.flatten(net))
    X, T = np.ones((4, 2)), np.zeros(4)
    cv.hessian(net, X, T, before + 1)
    cv.hessian_fd(net, X, T)
    cv.jacobian_forward(net, X[0], "params")
    assert np.array_equal(cv.flatten(net), before)
    cv.set_params(net, before + 1)
    assert np.array_equal(cv.flatten(net), before + 1)


def test_bad_input_gets_a_clear_message():
    net = _net([2, 3, 1])
    with pytest.raises(ValueError, match="shape"):
        cv.hvp(net, np.ones((4, 2)), np.zeros(4), np.ones(3))
    with pytest.raises(ValueError, match="columns"):
        cv.gradient(net, np.ones((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="softmax"):
        cv.hessian(bl.MLP([2, 3], output="softmax"), np.ones((2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="wrt"):
        cv.jacobian_reverse(net, np.ones(2), wrt="weights")
    with pytest.raises(ValueError, match="one sample"):
        cv.jacobian_forward(net, np.ones((2, 2)))
    with pytest.raises(ValueError, match="NaN"):
        cv.hvp(net, np.ones((4, 2)), np.zeros(4), np.full(cv.n_params(net), np.nan))
    with pytest.raises(ValueError, match="MLP"):
        cv.flatten(object())


def test_extreme_inputs_stay_finite():
    net = _net([2, 3, 1], "sigmoid", "sigmoid")
    X = np.array([[1e3, -1e3], [0.0, 0.0]])
    T = np.array([1.0, 0.0])
    assert np.isfinite(cv.hessian(net, X, T)).all()
    assert np.isfinite(cv.jacobian_reverse(net, X[0])).all()


def test_power_iteration_with_tol_0_runs_exactly_iters_steps():
    A = np.diag([3.0, 1.0])
    for k in (1, 5, 40):
        assert cv.power_iteration(lambda u: A @ u, 2, iters=k, tol=0)[2] == k


def test_surface_point_steps_and_curvature():
    x = np.linspace(-2, 2, 24)
    t = 1.5 * np.tanh(x)
    p = cv.surface_point((0.8, 1.2), 30.0, 0.5, x, t)
    assert np.allclose(p.hessian @ p.newton_step, -p.grad, rtol=1e-12, atol=1e-15)
    assert np.allclose(p.gradient_step, -0.5 * p.grad) and p.lr_limit == pytest.approx(2 / p.eigenvalues[-1])
    assert p.curvature == pytest.approx(p.direction @ p.hessian @ p.direction)
    saddle = cv.surface_point((0.0, 0.0), 0.0, 0.5, x, t)
    assert saddle.eigenvalues[0] < 0 < saddle.eigenvalues[1] and np.all(saddle.grad == 0)
    with pytest.raises(ValueError, match="angle"):
        cv.surface_point((0.0, 0.0), float("nan"), 0.5, x, t)

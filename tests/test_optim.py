"""SGD: the plain update, momentum against a hand-written update, in-place updates, bad settings."""
from __future__ import annotations

import numpy as np
import pytest

import backprop_lib as bl


def _params_and_grads(rng, n_steps=1):
    params = [{"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)},
              {"W": rng.normal(size=(2, 1)), "b": rng.normal(size=1)}]
    grads = [[{k: rng.normal(size=v.shape) for k, v in p.items()} for p in params] for _ in range(n_steps)]
    return params, grads


def _copy(params):
    return [{k: v.copy() for k, v in p.items()} for p in params]


def test_plain_sgd_is_p_minus_lr_g(rng):
    params, (grads,) = _params_and_grads(rng)
    before = _copy(params)
    bl.SGD(lr=0.3).step(params, grads)
    for p, p0, g in zip(params, before, grads):
        assert set(p) == {"W", "b"}
        for k in p:
            np.testing.assert_array_equal(p[k], p0[k] - 0.3 * g[k])


def test_default_settings():
    opt = bl.SGD()
    assert opt.lr == 0.1 and opt.momentum == 0.0


def test_step_updates_arrays_in_place(rng):
    """The network's layers hold the very arrays in net.params, so the update must be in place."""
    net = bl.MLP([3, 2, 1], seed=0)
    W0 = net.layers[0].W
    before = W0.copy()
    grads = [{"W": np.ones_like(p["W"]), "b": np.ones_like(p["b"])} for p in net.params]
    bl.SGD(lr=0.5).step(net.params, grads)
    assert net.layers[0].W is W0
    np.testing.assert_array_equal(net.layers[0].W, before - 0.5)
    np.testing.assert_array_equal(net.layers[1].b, -0.5)


def test_momentum_matches_hand_written_update_for_two_steps(rng):
    lr, mu = 0.2, 0.5
    params, grads = _params_and_grads(rng, n_steps=2)
    expected = _copy(params)
    start_W = params[0]["W"].copy()
    velocity = [{k: np.zeros_like(v) for k, v in p.items()} for p in params]
    for g_step in grads:                  # v <- mu v - lr g;  p <- p + v
        for p, v, g in zip(expected, velocity, g_step):
            for k in p:
                v[k] = mu * v[k] - lr * g[k]
                p[k] = p[k] + v[k]
    opt = bl.SGD(lr=lr, momentum=mu)
    for g_step in grads:
        opt.step(params, g_step)
    for p, e in zip(params, expected):
        for k in p:
            np.testing.assert_allclose(p[k], e[k], rtol=1e-15, atol=1e-15)
    # closed form of the same two steps: p2 = p0 - lr g1 - lr (mu g1 + g2)
    g1, g2 = grads[0][0]["W"], grads[1][0]["W"]
    np.testing.assert_allclose(params[0]["W"], start_W - lr * g1 - lr * (mu * g1 + g2), rtol=1e-14)
    assert opt.velocity is not None
    np.testing.assert_allclose(opt.velocity[0]["W"], -lr * (mu * g1 + g2), rtol=1e-14)


def test_momentum_differs_from_plain_sgd_on_the_second_step(rng):
    params, grads = _params_and_grads(rng, n_steps=2)
    plain, heavy = _copy(params), _copy(params)
    sgd, mom = bl.SGD(lr=0.1), bl.SGD(lr=0.1, momentum=0.9)
    sgd.step(plain, grads[0])
    mom.step(heavy, grads[0])
    np.testing.assert_allclose(plain[0]["W"], heavy[0]["W"], rtol=1e-15)   # first step: v = -lr g
    sgd.step(plain, grads[1])
    mom.step(heavy, grads[1])
    np.testing.assert_allclose(heavy[0]["W"] - plain[0]["W"], -0.1 * 0.9 * grads[0][0]["W"], rtol=1e-12)


@pytest.mark.parametrize("lr", [0, -0.1, np.nan, np.inf, "0.1", None, True])
def test_bad_learning_rate(lr):
    with pytest.raises(ValueError, match=r"learning rate lr must be a finite number > 0"):
        bl.SGD(lr=lr)


@pytest.mark.parametrize("momentum", [-0.1, 1.0, 1.5, np.nan, "0.5", None, True])
def test_bad_momentum(momentum):
    with pytest.raises(ValueError, match=r"momentum must be a finite number >= 0 and < 1"):
        bl.SGD(lr=0.1, momentum=momentum)


def test_numpy_scalars_accepted():
    opt = bl.SGD(lr=np.float32(0.5), momentum=np.float64(0.25))
    assert opt.lr == 0.5 and opt.momentum == 0.25 and type(opt.lr) is float

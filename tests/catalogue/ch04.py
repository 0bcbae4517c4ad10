"""Chapter 4's catalogue: wrong and right answers for its three exercises."""
from __future__ import annotations

import numpy as np

import backprop_lib as bl
from backprop_lib.checks import ch04

from . import Exercise, Wrong, not_written

CHAPTER = "chapters/04_chain_rule.py"


# -- exercise 1: central_difference ------------------------------------------------------------------
CD_WRONG = [
    Wrong("forward difference", lambda f, x, h: (f(x + h) - f(x)) / h, "forward difference"),
    Wrong("backward difference", lambda f, x, h: (f(x) - f(x - h)) / h, "backward difference"),
    Wrong("no 2", lambda f, x, h: (f(x + h) - f(x - h)) / h, "the 2 is missing"),
    Wrong("precedence", lambda f, x, h: (f(x + h) - f(x - h)) / 2 * h, "operator precedence"),
    Wrong("sign", lambda f, x, h: (f(x - h) - f(x + h)) / (2 * h), "sign is flipped"),
    Wrong("times 2h", lambda f, x, h: (f(x + h) - f(x - h)) * (2 * h), "multiplied by 2h"),
    Wrong("own h", lambda f, x, h: (f(x + 1e-5) - f(x - 1e-5)) / 2e-5, "for the h given"),
    Wrong("library routine", lambda f, x, h: float(bl.numerical_gradient(lambda v: f(v[0]), np.array([x]), h)[0]),
          "library's finite-difference routine"),
]

CD_RIGHT = [
    lambda f, x, h: 0.5 * (f(x + h) - f(x - h)) / h,
    lambda f, x, h: (f(x + h) - f(x)) / (2 * h) + (f(x) - f(x - h)) / (2 * h),
    lambda f, x, h: np.diff([f(x - h), f(x + h)])[0] / (2 * h),
]


# -- exercise 2: hidden_delta -------------------------------------------------------------------------
def _hd_loop(W2, delta_out, a_hidden):
    out = np.zeros(len(a_hidden))
    for j in range(W2.shape[0]):
        s = 0.0
        for k in range(W2.shape[1]):
            s += W2[j, k] * delta_out[k]
        out[j] = (1 - a_hidden[j] ** 2) * s
    return out


def _hd_in_place(W2, delta_out, a_hidden):
    a_hidden **= 2
    return (1 - a_hidden) * (W2 @ delta_out)


HD_WRONG = [
    Wrong("W2 transposed", lambda W2, d, a: (1 - a ** 2) * (W2.T @ d), "W2 is transposed"),
    Wrong("sigmoid slope", lambda W2, d, a: a * (1 - a) * (W2 @ d), "logistic sigmoid's slope"),
    Wrong("no slope", lambda W2, d, a: W2 @ d, "slope f'(z_j) is missing"),
    Wrong("tanh of a again", lambda W2, d, a: (1 - np.tanh(a) ** 2) * (W2 @ d), "takes tanh of a again"),
    Wrong("(1 - a)^2", lambda W2, d, a: (1 - a) ** 2 * (W2 @ d), "(1 - a)^2"),
    Wrong("a^2 - 1", lambda W2, d, a: (a ** 2 - 1) * (W2 @ d), "sign of the slope is flipped"),
    Wrong("1 - a", lambda W2, d, a: (1 - a) * (W2 @ d), "written 1 - a"),
    Wrong("sums first", lambda W2, d, a: (1 - a ** 2) * W2.sum(axis=1) * d.sum(), "summed before"),
    Wrong("a changed in place", _hd_in_place, "changed its input a_hidden in place"),
]

HD_RIGHT = [
    _hd_loop,
    lambda W2, delta_out, a_hidden: np.einsum("jk,k->j", W2, delta_out) * (1 - a_hidden ** 2),
    lambda W2, delta_out, a_hidden: (W2 * delta_out).sum(axis=1) * (1 - a_hidden) * (1 + a_hidden),
]


# -- exercise 3: two_layer_gradients ----------------------------------------------------------------------
def _parts(x, t, W1, b1, W2, b2):
    z1 = x @ W1 + b1
    a1 = np.tanh(z1)
    y = a1 @ W2 + b2
    return z1, a1, y


def _fd(x, t, W1, b1, W2, b2, h=1e-5):
    params = [W1, b1, W2, b2]

    def E():
        _, _, y = _parts(x, t, *params)
        return 0.5 * np.sum((y - t) ** 2)
    grads = []
    for p in params:
        p = p  # noqa: PLW0127
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            ep = E()
            p[idx] = old - h
            em = E()
            p[idx] = old
            g[idx] = (ep - em) / (2 * h)
        grads.append(g)
    return tuple(grads)


def _fd_library(x, t, W1, b1, W2, b2):
    def E_of(i):
        def E(p):
            ps = [W1, b1, W2, b2]
            ps[i] = p
            _, _, y = _parts(x, t, *ps)
            return 0.5 * np.sum((y - t) ** 2)
        return E
    return tuple(bl.numerical_gradient(E_of(i), p.copy()) for i, p in enumerate([W1, b1, W2, b2]))


def _bp(x, t, W1, b1, W2, b2, slope=lambda a1, z1: 1 - a1 ** 2, Wt=False, sign=1.0):
    z1, a1, y = _parts(x, t, W1, b1, W2, b2)
    d_out = sign * (y - t)
    d_hid = slope(a1, z1) * ((W2.T if Wt else W2) @ d_out)
    return np.outer(x, d_hid), d_hid, np.outer(a1, d_out), d_out


TL_WRONG = [
    Wrong("finite differences by hand", _fd, "finite differences"),
    Wrong("bl.numerical_gradient", _fd_library, "calls a finite-difference routine"),
    Wrong("output delta sign", lambda *a: _bp(*a, sign=-1.0), "wrong sign"),
    Wrong("sigmoid slope", lambda *a: _bp(*a, slope=lambda a1, z1: a1 * (1 - a1)), "logistic sigmoid's slope"),
    Wrong("no slope", lambda *a: _bp(*a, slope=lambda a1, z1: 1.0), "missing the tanh slope"),
    Wrong("slope with z", lambda *a: _bp(*a, slope=lambda a1, z1: 1 - z1 ** 2), "pre-activation z"),
    Wrong("W2 transposed", lambda *a: _bp(*a, Wt=True), "W2 transposed"),
    Wrong("weight gradients transposed", lambda *a: (lambda g: (g[0].T, g[1], g[2].T, g[3]))(_bp(*a)),
          "weight gradients are transposed"),
    Wrong("order", lambda *a: (lambda g: (g[0], g[2], g[1], g[3]))(_bp(*a)), "wrong order"),
    Wrong("layers swapped", lambda *a: (lambda g: (g[2], g[3], g[0], g[1]))(_bp(*a)), "layers are swapped"),
    Wrong("dW2 from z", lambda x, t, W1, b1, W2, b2: (lambda g: (g[0], g[1], np.outer(x @ W1 + b1, g[3]), g[3]))(
        _bp(x, t, W1, b1, W2, b2)), "pre-activations z"),
]


def _tl_loops(x, t, W1, b1, W2, b2):
    D, M = W1.shape
    K = W2.shape[1]
    a1 = np.array([np.tanh(sum(x[i] * W1[i, j] for i in range(D)) + b1[j]) for j in range(M)])
    y = np.array([sum(a1[j] * W2[j, k] for j in range(M)) + b2[k] for k in range(K)])
    d_out = y - t
    d_hid = np.array([(1 - a1[j] ** 2) * sum(W2[j, k] * d_out[k] for k in range(K)) for j in range(M)])
    dW1 = np.array([[x[i] * d_hid[j] for j in range(M)] for i in range(D)])
    dW2 = np.array([[a1[j] * d_out[k] for k in range(K)] for j in range(M)])
    return dW1, d_hid, dW2, d_out


def _tl_einsum(x, t, W1, b1, W2, b2):
    a1 = np.tanh(np.einsum("i,ij->j", x, W1) + b1)
    d_out = np.einsum("j,jk->k", a1, W2) + b2 - t
    d_hid = np.einsum("jk,k->j", W2, d_out) / np.cosh(x @ W1 + b1) ** 2
    return np.einsum("i,j->ij", x, d_hid), d_hid, np.einsum("j,k->jk", a1, d_out), d_out


TL_RIGHT = [_tl_loops, _tl_einsum,
            lambda x, t, W1, b1, W2, b2: (lambda g: tuple(np.array(v) for v in g))(
                _bp(x, t, W1, b1, W2, b2, slope=lambda a1, z1: (1 - a1) * (1 + a1)))]


EXERCISES = [
    Exercise("ex1_central_difference", ch04.check_central_difference, not_written, CD_WRONG, CD_RIGHT),
    Exercise("ex2_hidden_delta", ch04.check_hidden_delta, not_written, HD_WRONG, HD_RIGHT),
    Exercise("ex3_two_layer_gradients", ch04.check_two_layer_gradients, not_written, TL_WRONG, TL_RIGHT),
]

"""Checks for chapter 4, the chain rule and computational graphs.

two_layer_gradients is compared to round-off (1e-10 relative to each gradient's size). One test input has
targets of size 1000, so E is about 1e6 while the gradients are about 1e3: a central difference with h =
1e-5 is off by about 1e-8 (relative) there, the formula by 1e-14. Calls to bl.numerical_gradient and
np.gradient are caught by name. Test shapes are non-square (D, M, K all different) except one square case
that makes a transposed W2 give wrong numbers instead of a shape error.
"""
from __future__ import annotations

import numpy as np

from ..activations import sigmoid
from ._core import Case, Exercise, Slip, check_cases, finite_differences


class _Named:
    """A function that prints as its formula, so a failing check can say which f it used."""

    def __init__(self, f, label: str):
        self.f, self.label = f, label

    def __call__(self, x):
        return self.f(x)

    def __repr__(self) -> str:
        return self.label


# -- exercise 1: a central difference ------------------------------------------------------------------
EX1 = Exercise(
    "ch04.ex1", "central_difference",
    start="Section 4 ('The finite-difference gradient, and its error') writes two difference quotients; "
          "this exercise wants the central one, which evaluates f on both sides of x.",
    reread="section 4, the 'central' formula: which two points, and how far apart they are.",
    code="evaluate f once a step h to the right of x and once a step h to the left; divide their difference "
         "by the distance between the two points (mind the parentheses around the denominator).",
    forbid=(finite_differences("the exercise is to write the central difference yourself; the library's "
                               "finite-difference routine is its answer.",
                               label="the library's finite-difference routine (bl.numerical_gradient / np.gradient)"),))


def _central(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


_CD_SLIPS = [
    Slip("this is the forward difference (f(x + h) - f(x)) / h; the central one uses x + h and x - h.",
         lambda f, x, h: (f(x + h) - f(x)) / h),
    Slip("this is the backward difference (f(x) - f(x - h)) / h; the central one uses x + h and x - h.",
         lambda f, x, h: (f(x) - f(x - h)) / h),
    Slip("the 2 is missing: the points x - h and x + h are 2h apart.",
         lambda f, x, h: (f(x + h) - f(x - h)) / h),
    Slip("operator precedence: dividing by 2 * h needs parentheses; '/ 2 * h' multiplies by h.",
         lambda f, x, h: (f(x + h) - f(x - h)) / 2 * h),
    Slip("the sign is flipped: f(x + h) comes first in the difference.",
         lambda f, x, h: (f(x - h) - f(x + h)) / (2 * h)),
    Slip("the difference is multiplied by 2h instead of divided by it.",
         lambda f, x, h: (f(x + h) - f(x - h)) * (2 * h)),
]


def check_central_difference(fn, hidden: bool = False) -> None:
    r"""central_difference(f, x, h) == (f(x + h) - f(x - h)) / 2h, for the h it is given."""
    cube = _Named(lambda x: x ** 3, "f(x) = x**3")
    cases = [Case((_Named(lambda x: (x + 1) ** 2, "f(x) = (x + 1)**2"), 2.0, 1e-3)),
             Case((cube, 1.0, 0.5), "a large h: the estimate is 3.25, not the exact 3"),
             Case((_Named(np.sin, "f(x) = sin(x)"), 0.3, 1e-4)),
             Case((_Named(np.exp, "f(x) = exp(x)"), 1.0, 0.25), "a large h")]
    if hidden:
        cases = [Case((_Named(sigmoid, "f(z) = sigmoid(z)"), 1.0, 1e-5)),
                 Case((_Named(np.exp, "f(x) = exp(x)"), -1.0, 0.1)), Case((cube, -2.0, 0.25))]
    # the reference is the same difference quotient: only the final rounding may differ (1e-9 is ample)
    check_cases(EX1, fn, _central, cases, ("f", "x", "h"), _CD_SLIPS, exact=False, rtol=1e-9, atol=0.0,
                quiet=hidden,
                value_kind="the result is not the central difference for the h given (with a large h it "
                           "differs from the exact derivative, and it should).")


# -- exercise 2: the hidden deltas -----------------------------------------------------------------
EX2 = Exercise(
    "ch04.ex2", "hidden_delta",
    start="Section 6 ('Back-propagation in general') gives delta_j for a hidden unit: a sum over the "
          "output units it feeds, times the slope of its activation. Translate Bishop's w_kj to W2 first.",
    reread="section 6, equation 3 (the hidden units' delta) and the box on a and z: with the course's "
           "layout, Bishop's w_kj is W2[j, k]; and with tanh units the slope is written with a.",
    code="for each hidden unit j you need the sum over k of W2[j, k] times delta_out[k]: that is a product "
         "of the matrix W2 (rows = hidden units) with the vector delta_out. Multiply it element-wise by the "
         "tanh slope written with a_hidden.")


def _hidden_delta(W2, delta_out, a_hidden):
    return (1.0 - np.asarray(a_hidden, dtype=float) ** 2) * (np.asarray(W2, dtype=float) @ delta_out)


def _hd_slip(kind, f, **kw):
    def predict(W2, d, a):
        W2, d, a = (np.asarray(v, dtype=float) for v in (W2, d, a))
        return f(W2, d, a)
    return Slip(kind, predict, **kw)


_HD_SLIPS = [
    _hd_slip("W2 is transposed: in the course's layout W2[j, k] connects hidden unit j to output k, so the "
             "sum over k is W2 @ delta_out.", lambda W2, d, a: (1 - a ** 2) * (W2.T @ d)),
    _hd_slip("this uses the logistic sigmoid's slope a (1 - a); the hidden units here are tanh, slope 1 - a^2.",
             lambda W2, d, a: a * (1 - a) * (W2 @ d)),
    _hd_slip("the activation's slope f'(z_j) is missing.", lambda W2, d, a: W2 @ d),
    _hd_slip("the slope takes tanh of a again: a_hidden is already tanh(z), so f'(z) = 1 - a^2.",
             lambda W2, d, a: (1 - np.tanh(a) ** 2) * (W2 @ d)),
    _hd_slip("this is (1 - a)^2; tanh's slope is 1 - a^2.", lambda W2, d, a: (1 - a) ** 2 * (W2 @ d)),
    _hd_slip("the sign of the slope is flipped: 1 - a^2, not a^2 - 1.", lambda W2, d, a: (a ** 2 - 1) * (W2 @ d)),
    _hd_slip("the slope is written 1 - a; tanh's slope is 1 - a^2.", lambda W2, d, a: (1 - a) * (W2 @ d)),
    _hd_slip("the output deltas are summed before the weights multiply them: each output k has its own "
             "weight W2[j, k].", lambda W2, d, a: (1 - a ** 2) * W2.sum(axis=1) * d.sum()),
]


def check_hidden_delta(fn, hidden: bool = False) -> None:
    r"""hidden_delta(W2, delta_out, a_hidden) == (1 - a^2) * (W2 @ delta_out) for tanh hidden units."""
    rng = np.random.default_rng(45 if hidden else 5)
    cases = [Case((np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([0.1, -0.2]), np.array([0.5, -0.9])),
                  "W2 square: 2 hidden units, 2 outputs"),
             Case((np.array([[1.0, 2.0], [0.5, -1.0], [0.0, 3.0]]), np.array([0.1, -0.2]), np.array([0.5, 0.0, -0.9])),
                  "3 hidden units, 2 outputs")]
    for m, k in ((4, 2), (3, 3), (2, 5)) if hidden else ((4, 1), (2, 3)):
        cases.append(Case((rng.normal(size=(m, k)), rng.normal(size=k), np.tanh(rng.normal(size=m)))))
    check_cases(EX2, fn, _hidden_delta, cases, ("W2", "delta_out", "a_hidden"), _HD_SLIPS, quiet=hidden)


# -- exercise 3: two_layer_gradients -----------------------------------------------------------------
EX3 = Exercise(
    "ch04.ex3", "two_layer_gradients",
    start="Section 6 lists the steps: the forward pass (keep the hidden activations), the output deltas, "
          "the hidden deltas (exercise 2), then each weight's derivative from a delta and an activation.",
    reread="section 6: equations 1-3 and the worked example's two weight derivatives, in the course's "
           "layout (W1 is (D, M): row i, column j holds Bishop's w_ji).",
    code="each weight matrix's gradient has that matrix's shape: rows indexed by the layer's inputs, "
         "columns by its units, so entry (i, j) is (input i of the layer) times (delta of unit j): an outer "
         "product with the input first. A bias's gradient is its layer's delta. Return the four arrays in "
         "the order W1, b1, W2, b2.",
    forbid=(finite_differences("the exercise asks for back-propagation (the deltas of section 6). Finite "
                               "differences cost two forward passes per weight and only approximate."),))


def _forward(x, W1, b1, W2, b2):
    a1 = np.tanh(x @ W1 + b1)
    return a1, a1 @ W2 + b2


def _two_layer(x, t, W1, b1, W2, b2):
    a1, y = _forward(x, W1, b1, W2, b2)
    d_out = y - t
    d_hid = (1 - a1 ** 2) * (W2 @ d_out)
    return np.outer(x, d_hid), d_hid, np.outer(a1, d_out), d_out


def _tl_slip(kind, f, **kw):
    def predict(x, t, W1, b1, W2, b2):
        a1, y = _forward(x, W1, b1, W2, b2)
        return f(x, t, W1, b1, W2, b2, a1, y)
    return Slip(kind, predict, **kw)


def _grads(x, a1, d_hid, d_out):
    return np.outer(x, d_hid), d_hid, np.outer(a1, d_out), d_out


_TL_SLIPS = [
    _tl_slip("the output delta has the wrong sign: delta_k = y_k - t_k.",
             lambda x, t, W1, b1, W2, b2, a1, y: _grads(x, a1, (1 - a1 ** 2) * (W2 @ (t - y)), t - y)),
    _tl_slip("the hidden delta uses the logistic sigmoid's slope a (1 - a); the hidden units are tanh.",
             lambda x, t, W1, b1, W2, b2, a1, y: _grads(x, a1, a1 * (1 - a1) * (W2 @ (y - t)), y - t)),
    _tl_slip("the hidden delta is missing the tanh slope 1 - a^2.",
             lambda x, t, W1, b1, W2, b2, a1, y: _grads(x, a1, W2 @ (y - t), y - t)),
    _tl_slip("the hidden delta uses W2 transposed; in the course's layout the sum over k is W2 @ delta_out.",
             lambda x, t, W1, b1, W2, b2, a1, y: _grads(x, a1, (1 - a1 ** 2) * (W2.T @ (y - t)), y - t)),
    _tl_slip("the weight gradients are transposed: dW1 must have W1's shape (D, M), input index first.",
             lambda x, t, W1, b1, W2, b2, a1, y: (lambda g: (g[0].T, g[1], g[2].T, g[3]))(
                 _grads(x, a1, (1 - a1 ** 2) * (W2 @ (y - t)), y - t))),
    _tl_slip("dW1 is transposed: it must have W1's shape (D, M), input index first.",
             lambda x, t, W1, b1, W2, b2, a1, y: (lambda g: (g[0].T, g[1], g[2], g[3]))(
                 _grads(x, a1, (1 - a1 ** 2) * (W2 @ (y - t)), y - t))),
    _tl_slip("dW2 uses the hidden pre-activations z; the weight's input is the activation a1 = tanh(z).",
             lambda x, t, W1, b1, W2, b2, a1, y: (lambda g: (g[0], g[1], np.outer(x @ W1 + b1, y - t), g[3]))(
                 _grads(x, a1, (1 - a1 ** 2) * (W2 @ (y - t)), y - t))),
    _tl_slip("the results are in the wrong order: return (dW1, db1, dW2, db2).",
             lambda x, t, W1, b1, W2, b2, a1, y: (lambda g: (g[0], g[2], g[1], g[3]))(
                 _grads(x, a1, (1 - a1 ** 2) * (W2 @ (y - t)), y - t))),
    _tl_slip("the layers are swapped in the result: return (dW1, db1, dW2, db2), the first layer first.",
             lambda x, t, W1, b1, W2, b2, a1, y: (lambda g: (g[2], g[3], g[0], g[1]))(
                 _grads(x, a1, (1 - a1 ** 2) * (W2 @ (y - t)), y - t))),
    _tl_slip("the hidden delta's slope is written with the pre-activation z (1 - z^2); tanh's slope is 1 - a^2 "
             "with a = tanh(z).",
             lambda x, t, W1, b1, W2, b2, a1, y: _grads(x, a1, (1 - (x @ W1 + b1) ** 2) * (W2 @ (y - t)), y - t)),
]


def _net_cases(hidden: bool):
    rng = np.random.default_rng(44 if hidden else 4)
    # the square case first: a transposed W2 then gives wrong numbers (a named slip), not a shape error
    shapes = ((3, 3, 3), (3, 4, 2), (2, 5, 3), (4, 3, 1)) if hidden else ((3, 3, 3), (2, 3, 2))
    cases = []
    for d, m, k in shapes:
        cases.append(Case((rng.normal(size=d), rng.normal(size=k), rng.normal(size=(d, m)), rng.normal(size=m),
                           rng.normal(size=(m, k)), rng.normal(size=k)), f"D={d}, M={m}, K={k}"))
    d, m, k = 3, 4, 2
    cases.append(Case((rng.normal(size=d), 1000.0 * np.array([1.0, -1.0]), rng.normal(size=(d, m)),
                       rng.normal(size=m), rng.normal(size=(m, k)), rng.normal(size=k)), "targets of size 1000"))
    return cases


def check_two_layer_gradients(fn, hidden: bool = False) -> None:
    r"""two_layer_gradients(x, t, W1, b1, W2, b2) == (dW1, db1, dW2, db2) for E = 1/2 ||y - t||^2,
    tanh hidden units and linear outputs, one sample; to round-off."""
    check_cases(EX3, fn, _two_layer, _net_cases(hidden), ("x", "t", "W1", "b1", "W2", "b2"), _TL_SLIPS,
                quiet=hidden,
                approx_kind="the values are close but not exact: that is what finite differences give "
                            "(nudging each weight and watching E). The exercise asks for back-propagation, "
                            "exact up to round-off.")


__all__ = ["check_central_difference", "check_hidden_delta", "check_two_layer_gradients"]

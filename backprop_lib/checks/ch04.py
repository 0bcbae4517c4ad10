"""Checks for chapter 4, the chain rule and computational graphs."""
from __future__ import annotations

import numpy as np

from ..activations import sigmoid
from ._core import check_function


class _Named:
    """A function that prints as its formula, so a failing check can say which f it used."""

    def __init__(self, f, label: str):
        self.f, self.label = f, label

    def __call__(self, x):
        return self.f(x)

    def __repr__(self) -> str:
        return self.label


def _central(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def check_central_difference(fn, hidden: bool = False) -> None:
    r"""central_difference(f, x, h) == (f(x + h) - f(x - h)) / 2h."""
    cube = _Named(lambda x: x ** 3, "f(x) = x**3")
    cases = [(_Named(lambda x: (x + 1) ** 2, "f(x) = (x + 1)**2"), 2.0, 1e-3), (cube, 1.0, 0.5),
             (_Named(np.sin, "f(x) = sin(x)"), 0.3, 1e-4)]
    if hidden:
        cases = [(_Named(sigmoid, "f(z) = sigmoid(z)"), 1.0, 1e-5), (_Named(np.exp, "f(x) = exp(x)"), -1.0, 0.1),
                 (cube, -2.0, 0.25)]
    check_function(fn, _central, cases, name="central_difference", arg_names=("f", "x", "h"),
                   hint="evaluate f on both sides of x: (f(x + h) - f(x - h)) / (2 * h). Note the 2: the two "
                        "points are 2h apart. (For x**3 at x = 1 with h = 0.5 the answer is 3.25, not the exact 3.)",
                   rtol=1e-9, quiet=hidden)


def _hidden_delta(W2, delta_out, a_hidden):
    return (1.0 - np.asarray(a_hidden, dtype=float) ** 2) * (np.asarray(W2, dtype=float) @ delta_out)


def _net_cases(hidden: bool):
    rng = np.random.default_rng(44 if hidden else 4)
    shapes = ((3, 4, 2), (2, 5, 3)) if hidden else ((2, 3, 2),)
    cases = []
    for d, m, k in shapes:
        cases.append((rng.normal(size=d), rng.normal(size=k), rng.normal(size=(d, m)), rng.normal(size=m),
                      rng.normal(size=(m, k)), rng.normal(size=k)))
    return cases


def check_hidden_delta(fn, hidden: bool = False) -> None:
    r"""hidden_delta(W2, delta_out, a_hidden) == (1 - a^2) * (W2 @ delta_out) for tanh hidden units."""
    rng = np.random.default_rng(45 if hidden else 5)
    cases = [(np.array([[1.0, 2.0], [0.5, -1.0], [0.0, 3.0]]), np.array([0.1, -0.2]), np.array([0.5, 0.0, -0.9]))]
    for m, k in ((4, 2), (3, 3)) if hidden else ((4, 1),):
        cases.append((rng.normal(size=(m, k)), rng.normal(size=k), np.tanh(rng.normal(size=m))))
    check_function(fn, _hidden_delta, cases, name="hidden_delta", arg_names=("W2", "delta_out", "a_hidden"),
                   hint="for hidden unit j: delta_j = f'(z_j) * sum_k W2[j, k] * delta_out[k]. The sum over k for "
                        "every j at once is W2 @ delta_out (W2 has shape (n_hidden, n_out)); with tanh, "
                        "f'(z_j) = 1 - a_j**2.", quiet=hidden)


def _two_layer(x, t, W1, b1, W2, b2):
    a1 = np.tanh(x @ W1 + b1)
    y = a1 @ W2 + b2
    d_out = y - t
    d_hid = (1 - a1 ** 2) * (W2 @ d_out)
    return np.outer(x, d_hid), d_hid, np.outer(a1, d_out), d_out


def check_two_layer_gradients(fn, hidden: bool = False) -> None:
    r"""two_layer_gradients(x, t, W1, b1, W2, b2) == (dW1, db1, dW2, db2) for E = 1/2 ||y - t||^2,
    tanh hidden units and linear outputs, one sample."""
    check_function(fn, _two_layer, _net_cases(hidden), name="two_layer_gradients",
                   arg_names=("x", "t", "W1", "b1", "W2", "b2"),
                   hint="forward: a1 = tanh(x @ W1 + b1), y = a1 @ W2 + b2. Deltas: delta_out = y - t, "
                        "delta_hid = (1 - a1**2) * (W2 @ delta_out). Gradients: dW = outer(input of the layer, "
                        "its delta) (np.outer(x, delta_hid), np.outer(a1, delta_out)), db = the delta. "
                        "Return the four in the order (dW1, db1, dW2, db2).",
                   quiet=hidden)


__all__ = ["check_central_difference", "check_hidden_delta", "check_two_layer_gradients"]

"""Checks for chapter 1, the perceptron."""
from __future__ import annotations

import numpy as np

from ..activations import sigmoid
from ..datasets import logic_gate
from ._core import check_function, fail, passed

_X_ARGS = ("x", "w", "b")


def _forward(x, w, b):
    return float(sigmoid(np.dot(w, x) + b))


def _gradient(x, y, w, b):
    a = _forward(x, w, b)
    g = a * (1 - a) * (a - y)
    return (g * np.asarray(x, dtype=float), g)


def _cases(hidden: bool):
    rng = np.random.default_rng(11 if hidden else 1)
    cases = [(np.array([1.0, 2.0]), np.array([0.5, -1.0]), 0.1), (np.array([0.0, 0.0]), np.array([3.0, 2.0]), -1.0)]
    for n in (3, 5) if hidden else (4,):
        cases.append((rng.normal(size=n), rng.normal(size=n), float(rng.normal())))
    return cases


def check_neuron_forward(fn, hidden: bool = False) -> None:
    """neuron_forward(x, w, b) == sigma(w . x + b) for one sample."""
    check_function(fn, _forward, _cases(hidden), name="neuron_forward", arg_names=_X_ARGS,
                   hint="compute z = w . x + b (np.dot), then return sigma(z) (bl.sigmoid).", quiet=hidden)


def check_neuron_gradient(fn, hidden: bool = False) -> None:
    """neuron_gradient(x, y, w, b) == (x a(1-a)(a-y), a(1-a)(a-y)) for C = 1/2 (a - y)^2."""
    cases = [(x, y, w, b) for (x, w, b), y in zip(_cases(hidden), (1.0, 0.0, 1.0, 0.0, 1.0))]
    check_function(fn, _gradient, cases, name="neuron_gradient", arg_names=("x", "y", "w", "b"),
                   hint="first compute a = sigma(w . x + b); then dC/dz = a (1 - a) (a - y); "
                        "dC/dw = x * dC/dz (a vector like x) and dC/db = dC/dz. Return (dC/dw, dC/db).",
                   quiet=hidden)


def check_gate_weights(w, b, gate: str = "nand") -> None:
    """A neuron with weights w and bias b must output > 0.5 exactly where the gate is 1, with margin."""
    X, y = logic_gate(gate)
    try:
        w = np.asarray(w, dtype=float).reshape(-1)
        b = float(b)
    except (TypeError, ValueError):
        fail(f"w should be two numbers and b one number, got w={w!r}, b={b!r}.")
    if w.shape != (2,) or not np.all(np.isfinite(w)) or not np.isfinite(b):
        fail(f"w should hold 2 finite numbers (one per input) and b 1, got w={w!r}, b={b!r}.")
    a = sigmoid(X @ w + b)
    for x, t, out in zip(X, y, a):
        if (out > 0.5) != bool(t) or abs(out - 0.5) < 0.1:
            fail(f"for input x={x.astype(int).tolist()} the {gate.upper()} output should be {t}, "
                 f"but your neuron gives a = {out:.3f} (we need a > 0.6 for 1 and a < 0.4 for 0).",
                 f"{gate.upper()} is 0 only when both inputs are 1. Start from a large positive b and two "
                 "equal negative weights, so that b + w1 + w2 < 0 but b + w1 > 0.")
    passed(f"your neuron computes {gate.upper()}: outputs {np.round(a, 3).tolist()}.")

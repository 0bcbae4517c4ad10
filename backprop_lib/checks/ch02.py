"""Checks for chapter 2, the sigmoid and its derivative."""
from __future__ import annotations

import numpy as np

from ..activations import relu_prime, sigmoid_prime
from ._core import check_function, fail, fmt, passed


def _grids(hidden: bool):
    if hidden:
        rng = np.random.default_rng(22)
        return [np.array([0.25]), rng.normal(0, 3, size=7), np.linspace(-20, 20, 9)]
    return [np.array([0.0]), np.array([-2.0, -0.5, 1.0, 3.0]), np.array([-30.0, 30.0])]


def check_sigmoid_prime(fn, hidden: bool = False) -> None:
    r"""sigmoid_prime(z) == sigma(z) (1 - sigma(z)), element-wise, for arrays z."""
    check_function(fn, sigmoid_prime, [(z,) for z in _grids(hidden)], name="sigmoid_prime", arg_names=("z",),
                   hint="compute a = bl.sigmoid(z) once, then return a * (1 - a). It should be 0.25 at z = 0.",
                   quiet=hidden)


def check_relu_prime(fn, hidden: bool = False) -> None:
    """relu_prime(z) == 1 where z > 0, else 0, including 0 at exactly z = 0 (backprop_lib's convention)."""
    name = "relu_prime"
    hint = "return (z > 0).astype(float): 1 where z > 0, 0 elsewhere, and 0 at exactly z = 0."
    if not callable(fn):
        fail(f"{name} should be a function, but it is a {type(fn).__name__}.", hint)
    try:
        with np.errstate(all="ignore"):
            at_zero = fn(np.array([0.0]))
    except NotImplementedError:
        fail(f"{name} is not written yet (it raises NotImplementedError).", hint)
    except Exception as e:
        fail(f"{name}(z=[0.]) raised {type(e).__name__}: {e}", hint)
    if at_zero is None:
        fail(f"{name}(z=[0.]) returned None. Did you forget `return`?", hint)
    try:
        value = float(np.asarray(at_zero, dtype=float).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        fail(f"{name}(z=[0.]) returned {at_zero!r}; expected an array like [0.].", hint)
    if value != 0.0:
        fail(f"{name}(z=[0.]): expected [0.] (the convention at z = 0), got {fmt(at_zero)}.",
             "ReLU has no derivative at exactly 0 (the slope is 0 on the left, 1 on the right). Code must pick "
             "one value; backprop_lib, like most libraries, picks 0. Use z > 0, not z >= 0.")
    rng = np.random.default_rng(23 if hidden else 3)
    cases = [(np.array([-2.0, -1e-9, 1e-9, 2.0]),), (rng.normal(size=6),), (np.array([[0.0, 1.5], [-1.5, 0.0]]),)]
    check_function(fn, relu_prime, cases, name=name, arg_names=("z",), hint=hint, quiet=True)
    if not hidden:
        passed(f"{name} gives the right answer on {len(cases) + 1} test inputs, including z = 0.")


def _steep(z, k):
    return k * sigmoid_prime(k * np.asarray(z, dtype=float))


def check_steep_sigmoid_prime(fn, hidden: bool = False) -> None:
    r"""steep_sigmoid_prime(z, k) == d/dz sigma(k z) = k sigma(kz)(1 - sigma(kz))."""
    cases = [(np.array([0.0]), 2.0), (np.array([-1.0, 0.5, 2.0]), 3.0), (np.array([-1.0, 0.0, 1.0]), 0.5)]
    if hidden:
        rng = np.random.default_rng(24)
        cases = [(rng.normal(size=5), float(k)) for k in (1.0, 4.0, 0.25)]
    check_function(fn, _steep, cases, name="steep_sigmoid_prime", arg_names=("z", "k"),
                   hint="a = sigma(k z) is sigma of the inner function u = k z. The chain rule gives "
                        "da/dz = sigma'(u) * du/dz = sigma(u)(1 - sigma(u)) * k. At z = 0 the answer is k/4.",
                   quiet=hidden)


__all__ = ["check_sigmoid_prime", "check_relu_prime", "check_steep_sigmoid_prime"]

"""Checks for chapter 2, the sigmoid and its derivative.

The derivatives are compared to round-off: |got - expected| <= 1e-10 |expected| + 1e-15 (times k for the
steep sigmoid). The cheap form a (1 - a) and every other exact formula stay below 3e-16 in absolute
error on every input here; a central difference with h = 1e-5 is off by about 5e-12 wherever sigma is
close to 1 (z >= 5), so it fails. The inputs include z exactly 0 (printed as 0) and |z| = 1000, where a
formula that forms e^(-z) or e^z overflows.
"""
from __future__ import annotations

import numpy as np

from .. import activations as _act
from ._core import LIB, Case, Exercise, Forbidden, Slip, check_cases, finite_differences, passed

_FD_WHY = ("the exercise asks for the derivative's formula (the cheap form of section 5). Finite "
           "differences only estimate it, and cost two sigmoid evaluations per point.")


def _sig(z):
    return _act.sigmoid(np.asarray(z, dtype=float))


def _dsig(z):
    """sigma'(z) = sigma(z) sigma(-z): a few ulps everywhere (1 - sigma(z) would cancel for large z)."""
    z = np.asarray(z, dtype=float)
    return _sig(z) * _sig(-z)


# -- exercise 1: sigma' ----------------------------------------------------------------------------
EX1 = Exercise(
    "ch02.ex1", "sigmoid_prime",
    start="Section 2 derives sigma'(z); section 5 rewrites it with the forward value a = sigma(z). "
          "Compute a first.",
    reread="section 5 ('Why the formula is cheap: it reuses the forward value'), and section 1 on why "
           "e^(-z) must never be formed for very negative z.",
    code="call the library's sigmoid once on the whole array z, keep the result a, and return an "
         "expression in a alone (no exponential of your own): it works element-wise for any shape and "
         "cannot overflow.",
    forbid=(finite_differences(_FD_WHY),
            Forbidden("the library's own sigmoid_prime", "the exercise is to write sigma' yourself; calling "
                      "the library's version is its answer, not yours.",
                      [(LIB, "sigmoid_prime"), (_act, "sigmoid_prime"), (_act, "sigmoid_derivative")])))

_OVERFLOW = ("an exponential overflowed: e^(-z) is inf for z = -1000 (e^z for z = 1000), and inf / inf is "
             "nan, although the slope there is a tiny finite number. Section 1 makes this point about the "
             "sigmoid: never form e^(-z) for very negative z.")

_SIG_SLIPS = [
    Slip("this is sigma(z) itself, not its slope.", lambda z: _sig(z)),
    Slip("the sigmoid is written with a minus sign, 1 / (1 - e^(-z)); it is 1 / (1 + e^(-z)).",
         lambda z: (lambda a: a * (1 - a))(1.0 / (1.0 - np.exp(-np.asarray(z, float))))),
    Slip("this is a^2; the slope is a (1 - a).", lambda z: _sig(z) ** 2),
    Slip("this is a (1 + a); the slope is a (1 - a).", lambda z: _sig(z) * (1 + _sig(z))),
    Slip("the slope is written with z instead of a = sigma(z): z (1 - z).",
         lambda z: np.asarray(z, float) * (1 - np.asarray(z, float))),
    Slip("this is the tanh slope 1 - a^2 (with a = sigma(z)); the sigmoid's is a (1 - a).",
         lambda z: 1 - _sig(z) ** 2),
    Slip("the sign is flipped: a (1 - a) is never negative.", lambda z: -_dsig(z)),
    Slip("this is 1 - tanh(z)^2, the slope of tanh, not of the sigmoid.", lambda z: 1 - np.tanh(z) ** 2),
]


def _sig_cases(hidden: bool):
    if hidden:
        rng = np.random.default_rng(22)
        return [Case((np.array([0.25]),)), Case((rng.normal(0, 3, size=7),)),
                Case((np.linspace(-20, 20, 9),)), Case((np.array([-800.0, 5.0, 9.0, 14.0, 750.0]),), "large |z|")]
    return [Case((np.array([0.0]),), "z = 0 exactly: the slope is 1/4"),
            Case((np.array([-2.0, -0.5, 1.0, 3.0]),)),
            Case((np.array([[-1.0, 0.5], [2.0, 0.0]]),), "a 2-D array"),
            Case((np.array([6.0, 10.0, 15.0, 25.0]),), "large z: sigma is close to 1"),
            Case((np.array([-1000.0, -30.0, 30.0, 1000.0]),), "|z| up to 1000")]


def check_sigmoid_prime(fn, hidden: bool = False) -> None:
    r"""sigmoid_prime(z) == sigma(z) (1 - sigma(z)) element-wise, to round-off, also at |z| = 1000."""
    check_cases(EX1, fn, _dsig, _sig_cases(hidden), ("z",), _SIG_SLIPS, dtype="float",
                scale=lambda z: 1e-5, quiet=hidden,
                approx_kind="the values are close but not exact: that is what a finite-difference estimate "
                            "gives (its round-off is about 5e-12 where sigma is near 1). The exercise asks for "
                            "the exact formula, a (1 - a).",
                value_kind="the values differ from sigma(z) (1 - sigma(z)) on this input.",
                nonfinite_kind=_OVERFLOW)


# -- exercise 2: relu' -----------------------------------------------------------------------------
EX2 = Exercise(
    "ch02.ex2", "relu_prime",
    start="Section 6 ('tanh and ReLU, side by side') gives ReLU's slope on each side of 0, and the box "
          "'ReLU at exactly 0' the value this course uses at 0. Compare z with 0, element by element.",
    reread="section 6 and its box 'Common pitfall: ReLU at exactly 0': the slope is 1 only where z is "
           "strictly positive; at z = 0 the course uses 0. The exercise asks for floats.",
    code="an element-wise comparison of z with 0 gives an array of True/False of z's shape; turn it into "
         "floats (1.0 and 0.0) before returning. Use the strict comparison, so that z = 0 gives 0.",
    forbid=(Forbidden("the library's own relu_prime", "the exercise is to write ReLU's slope yourself.",
                      [(_act, "relu_prime"), (_act, "relu_derivative")]),))


def _drelu(z):
    return (np.asarray(z, dtype=float) > 0).astype(float)


_RELU_SLIPS = [
    Slip("at z = 0 this gives 1, but the convention taught is 0 there: use z > 0, not z >= 0.",
         lambda z: (np.asarray(z) >= 0).astype(float)),
    Slip("at z = 0 this gives 1/2 (the average of the two slopes, what a central difference across the "
         "kink returns); the course's convention is 0.", lambda z: np.heaviside(z, 0.5)),
    Slip("this is ReLU itself, max(0, z), not its slope.", lambda z: np.maximum(0.0, z)),
    Slip("this is the sign of z (-1 for negative z); ReLU's slope is 0 for negative z.", lambda z: np.sign(z)),
    Slip("the two sides are swapped: the slope is 1 where z > 0 and 0 where z < 0.",
         lambda z: (np.asarray(z) <= 0).astype(float)),
    Slip("the two sides are swapped: the slope is 1 where z > 0 and 0 where z < 0.",
         lambda z: (np.asarray(z) < 0).astype(float)),
]


def check_relu_prime(fn, hidden: bool = False) -> None:
    """relu_prime(z) == 1.0 where z > 0, else 0.0, as floats; exactly 0 at z = 0 (the course's convention)."""
    rng = np.random.default_rng(23 if hidden else 3)
    cases = [Case((np.array([0.0]),), "z = 0 exactly"),
             Case((np.array([-2.0, -0.0, 0.0, 1e-9, 2.0]),), "z = 0 exactly, and a tiny positive z"),
             Case((rng.normal(size=6),)),
             Case((np.array([[0.0, 1.5, -3.0], [-1.5, 0.0, 4.0]]),), "a 2-D array with exact zeros")]
    check_cases(EX2, fn, _drelu, cases, ("z",), _RELU_SLIPS, dtype="float", quiet=True)
    if not hidden:
        passed(f"relu_prime gives the right answer on {len(cases)} test inputs, including z = 0.")


# -- exercise 3: d/dz sigma(k z) -------------------------------------------------------------------
EX3 = Exercise(
    "ch02.ex3", "steep_sigmoid_prime",
    start="sigma(k z) is the sigmoid of an inner function u = k z: the chain rule of section 2 "
          "multiplies the outer slope (taken at u) by the inner slope du/dz.",
    reread="section 2 ('The derivative by the chain rule'): the outer derivative is taken at the inner "
           "value u = k z, then multiplied by du/dz. Section 7's steepness slider shows the result.",
    code="compute u = k z, then a = sigma(u) with the library's sigmoid; the outer slope is the cheap form "
         "in a; multiply by the inner slope, which is the constant k. At z = 0 the result is k / 4.",
    forbid=(finite_differences(_FD_WHY),))


def _steep(z, k):
    return k * _dsig(k * np.asarray(z, dtype=float))


_STEEP_SLIPS = [
    Slip("the inner derivative k is missing: the chain rule multiplies sigma'(k z) by d(kz)/dz = k.",
         lambda z, k: _dsig(k * np.asarray(z, float))),
    Slip("the outer slope is taken at z instead of at the inner value k z: sigma'(k z), not sigma'(z).",
         lambda z, k: k * _dsig(np.asarray(z, float))),
    Slip("k appears twice: the inner slope is k, once.", lambda z, k: k * k * _dsig(k * np.asarray(z, float))),
    Slip("this divides by k; the chain rule multiplies by the inner slope k.",
         lambda z, k: _dsig(k * np.asarray(z, float)) / k),
    Slip("both the outer slope at z and the missing inner slope: it is sigma'(z), the plain sigmoid's slope.",
         lambda z, k: _dsig(np.asarray(z, float))),
    Slip("this is sigma(k z) itself, not its derivative.", lambda z, k: _sig(k * np.asarray(z, float))),
]


def check_steep_sigmoid_prime(fn, hidden: bool = False) -> None:
    r"""steep_sigmoid_prime(z, k) == k sigma(kz) (1 - sigma(kz)), to round-off, also where |k z| = 1000."""
    cases = [Case((np.array([0.0]), 2.0), "z = 0: the answer is k/4"),
             Case((np.array([-1.0, 0.5, 2.0]), 3.0)), Case((np.array([-1.0, 0.0, 1.0]), 0.5)),
             Case((np.array([0.5, 1.0, 2.5]), 10.0), "steep: k z up to 25"),
             Case((np.array([-100.0, 100.0]), 10.0), "|k z| = 1000")]
    if hidden:
        rng = np.random.default_rng(24)
        cases = [Case((rng.normal(size=5), float(k))) for k in (1.0, 4.0, 0.25)] + [
            Case((np.array([2.0, 4.0, -250.0]), 4.0))]
    check_cases(EX3, fn, _steep, cases, ("z", "k"), _STEEP_SLIPS, dtype="float",
                scale=lambda z, k: 1e-5 * abs(k), quiet=hidden, nonfinite_kind=_OVERFLOW,
                approx_kind="the values are close but not exact: that is what a finite-difference estimate "
                            "gives. The exercise asks for the chain rule and the cheap form, which are exact "
                            "up to round-off.")


__all__ = ["check_sigmoid_prime", "check_relu_prime", "check_steep_sigmoid_prime"]

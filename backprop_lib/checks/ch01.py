"""Checks for chapter 1, the perceptron.

Exercise 2 asks for the chain-rule formula of section 4, so the check compares to round-off (not to
1e-6): its test inputs have a saturated neuron (z about 6) and large inputs (|x| up to 20), where a
finite-difference estimate is off by 1e-9 or more (relative) and the formula by 1e-13 at most; calls to
bl.numerical_gradient or np.gradient are caught by name.
"""
from __future__ import annotations

import numpy as np

from .. import activations as _act
from ..datasets import logic_gate
from ._core import Case, Exercise, Slip, check_cases, finite_differences, fmt, passed

_X_ARGS = ("x", "w", "b")


def _sig(z):
    """The sigmoid, accurate in both tails (sigma(-z) = 1 - sigma(z) is never formed by subtraction)."""
    return _act.sigmoid(z)


def _dsig(z):
    """sigma'(z) = sigma(z) sigma(-z), accurate to a few ulps everywhere (no cancellation)."""
    return _sig(z) * _sig(-np.asarray(z, dtype=float))


# -- exercise 1: the forward pass ------------------------------------------------------------------
EX1 = Exercise(
    "ch01.ex1", "neuron_forward",
    start="Section 2 ('The sigmoid neuron') builds the output in two steps: first the weighted sum z of "
          "the inputs (plus the bias), then the sigmoid of that one number.",
    reread="section 1 ('The weighted sum') for z, and section 2 ('The sigmoid neuron') for a = sigma(z).",
    code="z is a single number: multiply each input by its weight, add the products and the bias. Then "
         "apply the library's sigmoid to z and convert the result to a Python float.")


def _forward(x, w, b):
    return float(_sig(np.dot(np.asarray(w, float), np.asarray(x, float)) + b))


_FORWARD_SLIPS = [
    Slip("the bias b is missing from the weighted sum.", lambda x, w, b: float(_sig(np.dot(w, x))),
         reread="section 1 ('The bias is weight number 0')."),
    Slip("this is z, the weighted sum itself: the sigmoid is not applied.", lambda x, w, b: float(np.dot(w, x) + b),
         reread="section 2 ('The sigmoid neuron')."),
    Slip("the sigmoid has a minus sign in its denominator: it is 1 / (1 + e^(-z)), with a plus.",
         lambda x, w, b: float(1.0 / (1.0 - np.exp(-(np.dot(w, x) + b)))),
         reread="chapter 2, section 1, or the definition of sigma in section 2 here."),
    Slip("the bias is subtracted; z adds it.", lambda x, w, b: float(_sig(np.dot(w, x) - b))),
    Slip("the bias is added to every input before the products (it is counted once per weight); z adds it "
         "once, after the sum.", lambda x, w, b: float(_sig(np.dot(w, np.asarray(x) + b)))),
    Slip("the products are not summed: the result has one value per input, but the neuron outputs one "
         "number.", lambda x, w, b: _sig(np.asarray(w) * np.asarray(x) + b)),
    Slip("this is tanh, not the sigmoid.", lambda x, w, b: float(np.tanh(np.dot(w, x) + b))),
    Slip("this is the derivative sigma'(z), not sigma(z).", lambda x, w, b: float(_dsig(np.dot(w, x) + b))),
]


def _forward_cases(hidden: bool):
    rng = np.random.default_rng(11 if hidden else 1)
    cases = [(np.array([1.0, 2.0]), np.array([0.5, -1.0]), 0.1), (np.array([0.0, 0.0]), np.array([3.0, 2.0]), -1.0),
             (np.array([2.0, -1.0, 0.5]), np.array([0.25, 1.5, -2.0]), 0.75)]
    for n in (3, 5) if hidden else (4,):
        cases.append((rng.normal(size=n), rng.normal(size=n), float(rng.normal())))
    return cases


def check_neuron_forward(fn, hidden: bool = False) -> None:
    """neuron_forward(x, w, b) == sigma(w . x + b) for one sample."""
    check_cases(EX1, fn, _forward, _forward_cases(hidden), _X_ARGS, _FORWARD_SLIPS, quiet=hidden)


# -- exercise 2: the gradient ----------------------------------------------------------------------
_FD = finite_differences("this exercise asks for the chain-rule formula of section 4. Finite differences are "
                         "the referee that checks a formula; they are slow (two extra forward passes per "
                         "weight) and only approximate.")

EX2 = Exercise(
    "ch01.ex2", "neuron_gradient",
    start="Section 4 ('The gradient, by the chain rule') follows w through three stages to the cost. "
          "Start with the forward pass, then multiply the three local derivatives of its table.",
    reread="section 4, the table of local derivatives and the product that the chain rule makes of them "
           "(the error signal delta = dC/dz).",
    code="compute the output a once. The error signal is the product of the sigmoid's slope written with "
         "a and of dC/da; the gradient for each weight is that signal times the input the weight "
         "multiplies, and the bias multiplies a constant 1. Return a pair: an array shaped like w, then "
         "a number.",
    forbid=(_FD,))


def _gradient(x, y, w, b):
    x = np.asarray(x, dtype=float)
    z = np.dot(np.asarray(w, float), x) + b
    g = _dsig(z) * (_sig(z) - y)
    return (g * x, float(g))


def _grad_slip(kind, f, **kw):
    def predict(x, y, w, b):
        x = np.asarray(x, float)
        a = float(_sig(np.dot(w, x) + b))
        return f(x, y, np.asarray(w, float), b, a)
    return Slip(kind, predict, **kw)


_GRADIENT_SLIPS = [
    _grad_slip("the sigmoid's slope a (1 - a) is missing: (a - y) is dC/da, not dC/dz.",
               lambda x, y, w, b, a: ((a - y) * x, a - y)),
    _grad_slip("the sign is flipped: dC/da = a - y, not y - a.",
               lambda x, y, w, b, a: (-a * (1 - a) * (a - y) * x, -a * (1 - a) * (a - y))),
    _grad_slip("dC/dw is missing its factor x_i: each weight's gradient is delta times the input it multiplies.",
               lambda x, y, w, b, a: (np.full_like(x, a * (1 - a) * (a - y)), a * (1 - a) * (a - y))),
    _grad_slip("dC/dw uses the weights where the inputs belong: dz/dw_i = x_i, not w_i.",
               lambda x, y, w, b, a: (a * (1 - a) * (a - y) * w, a * (1 - a) * (a - y))),
    _grad_slip("the two results are swapped: return (dC/dw, dC/db) in that order.",
               lambda x, y, w, b, a: (a * (1 - a) * (a - y), a * (1 - a) * (a - y) * x)),
    _grad_slip("the slope is written with z instead of a: sigma'(z) = a (1 - a) with a = sigma(z).",
               lambda x, y, w, b, a: ((lambda z: z * (1 - z) * (a - y) * x)(np.dot(w, x) + b),
                                      (lambda z: z * (1 - z) * (a - y))(np.dot(w, x) + b))),
    _grad_slip("the factor (a - y) is squared: the derivative of 1/2 (a - y)^2 is (a - y), to the first power.",
               lambda x, y, w, b, a: (a * (1 - a) * (a - y) ** 2 * x, a * (1 - a) * (a - y) ** 2)),
    _grad_slip("the target y is missing: dC/da = a - y.",
               lambda x, y, w, b, a: (a * (1 - a) * a * x, a * (1 - a) * a)),
    _grad_slip("the gradient has a factor 2: the 1/2 in C cancels the 2 that differentiation brings down.",
               lambda x, y, w, b, a: (2 * a * (1 - a) * (a - y) * x, 2 * a * (1 - a) * (a - y))),
]


def _gradient_cases(hidden: bool):
    rng = np.random.default_rng(12 if hidden else 2)
    cases = [Case((np.array([1.0, 2.0]), 1.0, np.array([0.5, -1.0]), 0.1)),
             Case((np.array([0.0, 0.0]), 0.0, np.array([3.0, 2.0]), -1.0), "z = -1: the inputs are 0"),
             # a saturated neuron and large inputs: the formula is exact to round-off, a finite-difference
             # estimate is not (its error is 1e-9 or more relative to the gradient here)
             Case((np.array([20.0, -12.0, 3.0]), 0.0, np.array([0.4, 0.25, 0.5]), 1.5), "z = 6.5, large inputs"),
             Case((np.array([-15.0, 8.0]), 1.0, np.array([-0.3, 0.1]), 0.2), "large inputs")]
    for n, y in ((3, 1.0), (6, 0.0)) if hidden else ((5, 0.0),):
        cases.append(Case((rng.normal(size=n), y, rng.normal(size=n), float(rng.normal()))))
    return cases


def check_neuron_gradient(fn, hidden: bool = False) -> None:
    """neuron_gradient(x, y, w, b) == (x a(1-a)(a-y), a(1-a)(a-y)) for C = 1/2 (a - y)^2, to round-off."""
    check_cases(EX2, fn, _gradient, _gradient_cases(hidden), ("x", "y", "w", "b"), _GRADIENT_SLIPS,
                scale=lambda x, y, w, b: 1e-5 * max(1.0, float(np.max(np.abs(x)))), quiet=hidden,
                approx_kind="the values are close but not exact: that is what a numerical estimate (finite "
                            "differences: nudging each weight and watching C) gives. The exercise asks for the "
                            "chain-rule formula of section 4, which is exact up to round-off.")


# -- exercise 3: a neuron by hand -----------------------------------------------------------------
EX3 = Exercise(
    "ch01.ex3", "w_nand, b_nand",
    start="Assign two numbers to w_nand (one weight per input) and one number to b_nand. Write down the "
          "four inputs and the output NAND wants for each; then think about what z must be for each.",
    reread="section 2 ('The perceptron: a step'): z = w1 x1 + w2 x2 + b decides the side of 0.5, and "
           "section 7 for the gates one neuron can and cannot compute.",
    code="the output is above 0.5 exactly where z > 0. NAND is 1 unless both inputs are 1, so z must be "
         "positive for (0,0), (0,1), (1,0) and negative for (1,1): a positive bias, two equal negative "
         "weights, each smaller in size than the bias but together larger. Make the numbers large enough "
         "that sigma(z) is clearly away from 0.5 (|z| above about 0.4).")

_GATES = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "nand": [1, 1, 1, 0], "nor": [1, 0, 0, 0],
          "xor": [0, 1, 1, 0]}


def check_gate_weights(w, b, gate: str = "nand") -> None:
    """A neuron with weights w and bias b must output > 0.6 exactly where the gate is 1 and < 0.4 where 0."""
    X, y = logic_gate(gate)
    if w is None or b is None:
        EX3.not_written(f"{'w_nand' if w is None else 'b_nand'} is still None: fill in your numbers.")
    try:
        w_arr = np.asarray(w, dtype=float).reshape(-1)
        b_arr = np.asarray(b, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        EX3.fail(f"w should be two numbers and b one number, got w={w!r}, b={b!r}.",
                 "a value that is not a number (a string, or a list of mixed things).")
    if b_arr.size != 1:
        EX3.fail(f"b should be one number, got {fmt(b_arr)}.",
                 "the bias is a single number shared by the whole neuron, not one per input.")
    if w_arr.shape != (2,):
        EX3.fail(f"w should hold 2 numbers (one per input), got {w_arr.size}: {fmt(w_arr)}.",
                 "the bias goes in b, not as an extra entry of w; NAND has two inputs, so two weights."
                 if w_arr.size == 3 else "one weight per input: NAND has two inputs.")
    b_val = float(b_arr[0])
    if not (np.all(np.isfinite(w_arr)) and np.isfinite(b_val)):
        EX3.fail(f"w and b must be finite numbers, got w={fmt(w_arr)}, b={fmt(b_val)}.",
                 "an inf or nan among the weights.")
    a = _sig(X @ w_arr + b_val)
    out = (a > 0.5).astype(int).tolist()
    want = np.asarray(y).astype(int).tolist()
    if out != want:
        computed = next((g.upper() for g, t in _GATES.items() if t == out), None)
        wrong = [(x.astype(int).tolist(), int(t), float(v)) for x, t, v in zip(X, y, a) if (v > 0.5) != bool(t)]
        x0, t0, v0 = wrong[0]
        msg = (f"for input x={x0} the {gate.upper()} output should be {t0}, but your neuron gives a = {v0:.3f} "
               f"(all four outputs: {np.round(a, 3).tolist()}).")
        if computed:
            EX3.fail(msg, f"your neuron computes {computed}, not {gate.upper()}"
                          + (": every output is the opposite of what NAND wants (flip the signs of the "
                             "weights and the bias)." if computed == "AND" else "."))
        EX3.fail(msg, f"on input {x0} the weighted sum z has the wrong sign.")
    margin = np.abs(a - 0.5)
    if np.any(margin < 0.1):
        i = int(np.argmin(margin))
        EX3.fail(f"for input x={X[i].astype(int).tolist()} your neuron gives a = {a[i]:.3f}: on the right side "
                 f"of 0.5, but the check wants a > 0.6 for 1 and a < 0.4 for 0.",
                 "the right side of 0.5 everywhere, but too close to it: the weights and the bias are too "
                 "small (scale them all up by the same factor).")
    passed(f"your neuron computes {gate.upper()}: outputs {np.round(a, 3).tolist()}.")


__all__ = ["check_neuron_forward", "check_neuron_gradient", "check_gate_weights"]


# -- exercise 4: the perceptron rule ---------------------------------------------------------------
EX4 = Exercise(
    "ch01.ex4", "perceptron_update",
    start="Section 2 ('The perceptron: a step') states the rule: first the perceptron's answer a for this "
          "one sample, then the change of the weights and of the bias.",
    reread="section 2, 'The perceptron learning rule', and the definition of step(z) just above it "
           "(the answer is 1 only for z > 0, so z exactly 0 answers 0).",
    code="z is one number; turn it into the answer 0.0 or 1.0 with a strict comparison. The error y - a is "
         "0 when the answer is right. The weights move by the learning rate times that error times the "
         "input vector, the bias by the learning rate times the error alone. Build new arrays.")

_PERCEPTRON_ARGS = ("x", "y", "w", "b", "lr")


def _answer(x, w, b, strict=True):
    z = float(np.dot(np.asarray(w, float), np.asarray(x, float)) + b)
    return float(z > 0) if strict else float(z >= 0)


def _perceptron(x, y, w, b, lr):
    err = y - _answer(x, w, b)
    return np.asarray(w, float) + lr * err * np.asarray(x, float), float(b + lr * err)


def _rule_with(answer, sign=1.0):
    """The rule with another answer a (a function of x, w, b) or sign: what such a slip returns."""
    def update(x, y, w, b, lr):
        err = sign * (y - answer(x, w, b))
        return np.asarray(w, float) + lr * err * np.asarray(x, float), float(b + lr * err)
    return update


_PERCEPTRON_SLIPS = [
    Slip("z exactly 0 is answered with 1: the step answers 1 only for z > 0, so z = 0 answers 0.",
         _rule_with(lambda x, w, b: _answer(x, w, b, strict=False)),
         reread="section 2, the definition of step(z)."),
    Slip("the sign is flipped: a wrong 0 (y - a = +1) must move w towards x, so the change is "
         "+ lr (y - a) x.", lambda x, y, w, b, lr: _rule_with(lambda x_, w_, b_: _answer(x_, w_, b_), sign=-1)(
             x, y, w, b, lr)),
    Slip("the update uses the target y where the rule needs the error y - a, so the weights change even "
         "when the answer is right.",
         lambda x, y, w, b, lr: (np.asarray(w, float) + lr * y * np.asarray(x, float), float(b + lr * y))),
    Slip("the bias is not updated: it changes by lr (y - a), like a weight whose input is always 1.",
         lambda x, y, w, b, lr: (_perceptron(x, y, w, b, lr)[0], float(b))),
    Slip("the answer is the sigmoid sigma(z): the perceptron answers with the step, 0 or 1.",
         _rule_with(lambda x, w, b: float(_sig(np.dot(w, x) + b)))),
    Slip("the answer is z itself: the perceptron answers with step(z), 0 or 1.",
         _rule_with(lambda x, w, b: float(np.dot(w, x) + b))),
    Slip("the answer is -1 for z <= 0: with targets 0 and 1 the perceptron answers 0 or 1.",
         _rule_with(lambda x, w, b: 1.0 if np.dot(w, x) + b > 0 else -1.0)),
    Slip("the learning rate is ignored: the change is lr (y - a) x, not (y - a) x.",
         lambda x, y, w, b, lr: _perceptron(x, y, w, b, 1.0)),
]


def _perceptron_cases(hidden: bool):
    f = lambda *v: np.array(v, dtype=float)  # noqa: E731
    cases = [
        Case((f(1, 2), 1.0, f(0.5, 0.5), 0.5, 1.0), "right answer: nothing changes"),
        Case((f(1, -2), 1.0, f(0.5, 0.5), 0.0, 0.25), "a wrong 0"),
        Case((f(3, 1), 0.0, f(1, -1), 0.5, 0.1), "a wrong 1"),
        Case((f(2, 2), 1.0, f(1, -1), 0.0, 1.0), "z exactly 0, target 1"),
        Case((f(2, 4), 0.0, f(0.5, 0.25), -2.0, 1.0), "z exactly 0, target 0"),
        Case((f(1, -1, 2), 0.0, f(-1, 0.5, -0.25), 0.75, 0.2), "three inputs, right answer"),
    ]
    if hidden:
        rng = np.random.default_rng(14)
        for n in (2, 4, 5):
            x, w = rng.normal(size=n), rng.normal(size=n)
            b = float(rng.normal())
            y = 1.0 - _answer(x, w, b)                       # always a wrong answer
            cases.append(Case((x, y, w, b, float(rng.uniform(0.05, 2))), "a random sample"))
        cases.append(Case((f(3, -3), 1.0, f(1, 1), 0.0, 2.0), "z exactly 0, target 1"))
    return cases


def check_perceptron_update(fn, hidden: bool = False) -> None:
    """perceptron_update(x, y, w, b, lr) == (w + lr (y - a) x, b + lr (y - a)) with a = step(w . x + b)."""
    cases = _perceptron_cases(hidden)
    check_cases(EX4, fn, _perceptron, cases, _PERCEPTRON_ARGS, _PERCEPTRON_SLIPS, quiet=True)
    if not hidden:
        passed(f"perceptron_update gives the right answer on {len(cases)} test inputs, including z exactly 0.")


__all__ += ["check_perceptron_update"]

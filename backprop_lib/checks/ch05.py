"""Checks for chapter 5, the matrix form of backpropagation.

`grade_backward` is the grader the "find the bug" exercises of chapters 5-7 share. It runs a student's
backward pass on inputs it makes up and compares every parameter's gradient with the **exact** gradient
(a reference backward pass, itself tested against central differences in the course's tests), to a
relative error of 1e-13: exact arithmetic in another order agrees to about 1e-15, while a
finite-difference estimate is off by 1e-11 or more. It also makes sure the answer *is* backpropagation:
the parameters are read-only (a finite-difference loop that nudges them fails), and calling
`numerical_gradient`, `gradient_check` or this module's gradient tools fails, as does calling the
chapter's loss function more than twice. It names the parameters (and so the layer) that are off.

`gradient_report` (central differences, the course's 1e-7 criterion) is the students' own tool.
"""
from __future__ import annotations

import sys
from collections import Counter
from typing import Callable, Sequence

import numpy as np

from .. import gradcheck, optim
from ..activations import sigmoid
from ..gradcheck import numerical_gradient, rel_error
from ..layers import Dense
from ..mlp import MLP
from ._core import (Case, CheckFailed, Exercise, Forbidden, Slip, Spy, Verdict, _copies, _describe_args, check_cases,
                    compare, fail, fmt, passed)

# How often each of the chapters' loss functions (two_layer_loss, classifier_loss, deep_loss) has run: the
# find-the-bug grader reads it around the student's call, whichever name or closure the call went through.
LOSS_CALLS: Counter = Counter()

TOL = 1e-7          # the course's criterion against central differences (gradient_report)
EXACT_TOL = 1e-13   # the grader's criterion against the exact gradient (find the bug)


def _name(fn, default: str) -> str:
    """The student's function name for messages (the default for lambdas and other callables)."""
    name = getattr(fn, "__name__", "")
    return name if name.isidentifier() else default


# -- a case runner shared by chapters 5-9 ----------------------------------------------------------
def run_cases(ex: Exercise, fn, reference: Callable, cases: Sequence, arg_names: Sequence[str],
              slips: Sequence[Slip] = (), *, name: str | None = None, forbid: Sequence[Forbidden] = (),
              exact: bool = True, dtype: str | None = None, value_kind: str | None = None,
              approx_kind: str | None = None, tight: float | None = None) -> int:
    """Like _core.check_cases, but a slip is also looked for when the shape or the type is off (a
    transposed product, a sum over the wrong axis), and nothing is printed. Returns the number of cases.

    tight: a tolerance below _core's exact one (|got - expected| <= tight * (|expected| + max |expected|)
    element-wise), for answers a finite-difference estimate would meet to 1e-10 (gradients, Jacobians):
    exact formulas agree to about 1e-16 there, central differences are off by 1e-11 or more."""
    name = name or ex.name
    reject_forbidden_itself(ex, fn, forbid, name)
    for case in cases:
        case = case if isinstance(case, Case) else Case(tuple(case))
        with np.errstate(all="ignore"):
            expected = reference(*_copies(case.args))
        where = f"{name}({_describe_args(case.args, arg_names)})"
        got = ex.call(fn, case.args, where, forbid, arg_names)
        v = compare(got, expected, exact=exact, dtype=dtype)
        if v.ok and tight is not None:
            v = _tight(got, expected, tight)
        if v.ok:
            continue
        note = f" [{case.note}]" if case.note else ""
        for slip in slips:
            if slip_matches(slip, got, case.args, expected):
                ex.fail(f"{where}{note}: {v.why}", slip.kind, slip.reread, slip.code)
        kinds = {"approx": approx_kind or "the result is close but not exact: that is what a numerical estimate "
                                          "(finite differences) gives. The exercise asks for the exact formula.",
                 "nonfinite": "an intermediate value overflowed or divided by zero on this input, although the "
                              "exact answer is a finite number.",
                 "dtype": "the numbers have the wrong type: the exercise asks for floats.",
                 "shape": "the result does not have the shape the exercise asks for.",
                 "type": "the result does not have the form the exercise asks for (the number of values "
                         "returned, or their type)."}
        ex.fail(f"{where}{note}: {v.why}", kinds.get(v.kind) or value_kind or
                "the formula gives different numbers on this input.")
    return len(cases)


def slip_matches(slip: Slip, got, args, expected) -> bool:
    """Does got look like this slip? A slip that gives the right answer on this input never matches."""
    try:
        with np.errstate(all="ignore"):
            if compare(slip.predict(*_copies(args)), expected, exact=True).ok:
                return False
    except Exception:
        return False
    return slip.matches(got, args)


def reject_forbidden_itself(ex: Exercise, fn, forbid: Sequence[Forbidden], name: str) -> None:
    """`jacobian = softmax_jacobian`: the answer IS a forbidden function (a spy cannot see that call)."""
    for f in forbid:
        if any(getattr(owner, attr, None) is fn for owner, attr in f.targets):
            ex.fail(f"{name} is {f.label} itself.", f"{f.label} is not allowed here: {f.why}")


def _tight(got, expected, tol: float) -> Verdict:
    """The tight comparison of run_cases (got already passed _core's exact comparison)."""
    parts = zip(got, expected) if isinstance(expected, tuple) else [(got, expected)]
    for g, e in parts:
        g, e = np.asarray(g, dtype=float), np.asarray(e, dtype=float)
        floor = max(float(np.max(np.abs(e))) if e.size else 0.0, 1e-300)
        worst = float(np.max(np.abs(g - e) / (np.abs(e) + floor))) if e.size else 0.0
        if worst > tol:
            return Verdict(False, f"close to the exact values but off by {worst:.1e} (relative; exact formulas "
                                  f"agree to {tol:.0e})", "approx")
    return Verdict(True)


# -- exercise 1: the affine layer's backward pass --------------------------------------------------
def _affine_backward(delta, A_prev, W):
    return (A_prev.T @ delta, delta.sum(axis=0), delta @ W.T)


def _affine_cases(hidden: bool):
    rng = np.random.default_rng(51 if hidden else 5)
    # the first case is square (N = n_in = n_out): a transposed product still has the right shape there,
    # so the check can name the slip instead of only reporting a shape
    shapes = [(3, 3, 3), (4, 3, 2), (1, 2, 5)] + ([(7, 5, 3), (3, 1, 1)] if hidden else [(5, 4, 3)])
    return [(rng.normal(size=(n, n_out)), rng.normal(size=(n, n_in)), rng.normal(size=(n_in, n_out)))
            for n, n_in, n_out in shapes]


_AFFINE_REREAD = "Section 1, the three boxed gradients of Z = A_prev W + b and the paragraph 'Shapes are a free check'."
EX1 = Exercise(
    "ch05.ex1", "affine_backward",
    start="Section 1 derives the three gradients one index at a time; each one has the shape of the array "
          "it is the gradient of. Return them as a tuple in the order (dW, db, dA_prev).",
    reread=_AFFINE_REREAD,
    code="write the shape of each factor under it: the sum over the N samples is the index two factors "
         "share, and the result must come out as W's, b's or A_prev's shape.")

_AFFINE_SLIPS = [
    Slip("dW is the transpose of the right matrix: the factors of the product are in the wrong order or "
         "transposed the wrong way. dW must have W's shape (n_in, n_out).",
         lambda d, A, W: (d.T @ A, d.sum(axis=0), d @ W.T),
         code="the index the product sums over is the sample index n, which is the first axis of both "
              "A_prev and delta; the first factor is transposed so that n is its second axis."),
    Slip("db sums delta over the wrong axis: it must add up the N rows (one number per output unit), not "
         "the n_out columns.", lambda d, A, W: (A.T @ d, d.sum(axis=1), d @ W.T),
         code="axis=0 runs down the rows (over samples), axis=1 along a row (over units)."),
    Slip("db is delta itself: the bias gradient must be summed over the N samples, because b is added to "
         "every row.", lambda d, A, W: (A.T @ d, d, d @ W.T)),
    Slip("db is the mean of delta over the rows, not the sum: the 1/N of a mean loss is already inside "
         "delta, so it must not be applied again.", lambda d, A, W: (A.T @ d, d.mean(axis=0), d @ W.T)),
    Slip("dW is divided by N: the 1/N of a mean loss is already inside delta.",
         lambda d, A, W: (A.T @ d / len(d), d.sum(axis=0), d @ W.T)),
    Slip("dA_prev uses W without the transpose: going back through the layer multiplies by W^T.",
         lambda d, A, W: (A.T @ d, d.sum(axis=0), d @ W),
         code="dA_prev must come out as (N, n_in); delta is (N, n_out), so the second factor is (n_out, n_in)."),
    Slip("dA_prev is transposed: it must have A_prev's shape (N, n_in), one row per sample.",
         lambda d, A, W: (A.T @ d, d.sum(axis=0), W @ d.T)),
    Slip("the three gradients are returned in another order: the exercise asks for (dW, db, dA_prev).",
         lambda d, A, W: (d @ W.T, d.sum(axis=0), A.T @ d)),
]


def check_affine_backward(fn, hidden: bool = False) -> None:
    """affine_backward(delta, A_prev, W) == (A_prev^T delta, sum over rows of delta, delta W^T)."""
    name = _name(fn, "affine_backward")
    n = run_cases(EX1, fn, _affine_backward, _affine_cases(hidden), ("delta", "A_prev", "W"), _AFFINE_SLIPS,
                  name=name, dtype="float")
    if not hidden:
        EX1.passed(f"{name} gives dW, db and dA_prev right on {n} test inputs (one of them square, where a "
                   "transposed product would still have the right shape).")


# -- exercise 2: the hidden delta in batch form ----------------------------------------------------
def _sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


_DERIVATIVES = {"sigmoid": _sigmoid_prime,
                "tanh": lambda z: 1 - np.tanh(z) ** 2,
                "relu": lambda z: (z > 0).astype(float)}


def _hidden_delta(delta_next, W_next, z, activation):
    return (delta_next @ W_next.T) * _DERIVATIVES[activation](z)


def _hidden_delta_cases(hidden: bool):
    rng = np.random.default_rng(52 if hidden else 6)
    cases = []

    def add(act, n, n_l, n_next, z=None, note=""):
        z = rng.normal(size=(n, n_l)) * 2 if z is None else np.asarray(z, dtype=float)
        cases.append(Case((rng.normal(size=(n, n_next)), rng.normal(size=(n_l, n_next)), z, act), note))

    add("tanh", 3, 4, 4, note="n_l = n_next, so a missing transpose still has the right shape")
    add("relu", 3, 4, 2, z=[[0.0, 1.5, -0.7, 0.0], [2.0, 0.0, -1.0, 0.3], [0.0, -2.0, 0.8, 0.0]],
        note="z exactly 0 in some entries, where f'(0) = 0")
    add("sigmoid", 4, 3, 2, z=[[-1000.0, 0.5, 2.0], [1.0, 1000.0, -0.3], [0.2, -1.5, -800.0], [3.0, 0.0, 40.0]],
        note="|z| up to 1000")
    if hidden:
        add("sigmoid", 2, 5, 5)
        add("tanh", 6, 2, 4, z=[[0.0, 400.0], [-400.0, 1.0], [0.5, -0.5], [2.0, 3.0], [-1.0, 0.0], [0.1, 20.0]])
        add("relu", 5, 3, 3, z=[[0.0, 0.0, 0.0], [1.0, -1.0, 0.0], [0.0, 2.0, -2.0], [1e-300, -1e-300, 0.0],
                                [5.0, 0.0, -5.0]])
    return cases


def _act_slip(kind, wrong: dict, reread=None, code=None):
    """A slip in one activation's derivative: the right delta with f' replaced by wrong[activation]."""
    def predict(d, W, z, act):
        f = wrong.get(act, _DERIVATIVES[act])
        return (d @ W.T) * f(z)
    return Slip(kind, predict, reread=reread, code=code)


EX2 = Exercise(
    "ch05.ex2", "hidden_delta",
    start="Equation (2) of section 2: first send delta_next back through the next layer's weights, then "
          "multiply element-wise by the derivative of this layer's activation, evaluated at z.",
    reread="Section 2, equation (2) and its shapes; for the three derivatives, chapter 2 (sigmoid and tanh "
           "in terms of their own values, ReLU's convention at 0).",
    code="check the shape of the product first: delta_next is (N, n_next), the result is (N, n_l), so the "
         "weight matrix enters transposed. Then the factor f'(z) has the shape of z and multiplies entry "
         "by entry.")

_HD_SLIPS = [
    _act_slip("relu's derivative is 1 at z = 0 (z >= 0); the exercise fixes f'(0) = 0, so the comparison "
              "must be strict.", {"relu": lambda z: (z >= 0).astype(float)},
              code="at an entry where z is exactly 0 your factor is 1; it should be 0."),
    _act_slip("relu's 'derivative' is the activation max(0, z) itself, not its slope (0 or 1).",
              {"relu": lambda z: np.maximum(z, 0)}),
    _act_slip("sigmoid's derivative is written z (1 - z): the formula a (1 - a) takes the activation "
              "a = sigma(z), not z.", {"sigmoid": lambda z: z * (1 - z)},
              code="compute the activation of z first, then the derivative from it."),
    _act_slip("tanh's derivative is written 1 - z^2: the formula 1 - a^2 takes the activation a = tanh(z), "
              "not z.", {"tanh": lambda z: 1 - z ** 2},
              code="compute the activation of z first, then the derivative from it."),
    _act_slip("tanh's derivative misses the square: 1 - a^2 with a = tanh(z), not 1 - a.",
              {"tanh": lambda z: 1 - np.tanh(z)}),
    _act_slip("the factor is the activation f(z) instead of its derivative f'(z).",
              {"sigmoid": sigmoid, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}),
    Slip("the derivative factor f'(z) is missing: equation (2) multiplies element-wise by it.",
         lambda d, W, z, act: d @ W.T),
    Slip("W_next is used without the transpose: going back through a layer multiplies by W^T.",
         lambda d, W, z, act: (d @ W) * _DERIVATIVES[act](z)),
    Slip("the matrix product is replaced by an element-wise one, or the factors are swapped.",
         lambda d, W, z, act: (W @ d.T).T * _DERIVATIVES[act](z)),
]


def check_hidden_delta(fn, hidden: bool = False) -> None:
    """hidden_delta(delta_next, W_next, z, activation) == (delta_next W_next^T) * f'(z)."""
    name = _name(fn, "hidden_delta")
    n = run_cases(EX2, fn, _hidden_delta, _hidden_delta_cases(hidden), ("delta_next", "W_next", "z", "activation"),
                  _HD_SLIPS, name=name, dtype="float",
                  value_kind="the delta differs from equation (2) on this input; compare your factor f'(z) "
                             "entry by entry with the derivative of this activation.")
    if not hidden:
        EX2.passed(f"{name} is right on {n} test inputs (sigmoid, tanh and relu), including z exactly 0 for "
                   "relu and |z| up to 1000 for the sigmoid.")


# -- the gradient-check tools (the students' side: central differences) ----------------------------
def _call(fn, name, args, hint):
    try:
        with np.errstate(all="ignore"):
            out = fn(*args)
    except NotImplementedError:
        fail(f"{name} is not written yet (it raises NotImplementedError).", hint)
    except Exception as e:   # report, don't show a traceback
        fail(f"{name} raised {type(e).__name__}: {e}", hint)
    if out is None:
        fail(f"{name} returned None. Did you forget `return`?", hint)
    return out


def gradient_errors(fn: Callable, loss_fn: Callable, X, T, params: dict, h: float = 1e-5) -> dict:
    """{name: relative error of fn's gradient vs central differences of loss_fn} (inf if not finite).

    fn(X, T, params) -> (loss, grads dict); loss_fn(X, T, params) -> the true loss.
    Raises CheckFailed if fn fails in a way that is not a wrong number (exception, missing key, shape).
    """
    copies = {k: np.array(v, dtype=np.float64, copy=True) for k, v in params.items()}
    out = _call(fn, getattr(fn, "__name__", "your function"),
                (X.copy(), T.copy(), {k: v.copy() for k, v in copies.items()}), None)
    if not (isinstance(out, (tuple, list)) and len(out) == 2 and isinstance(out[1], dict)):
        fail(f"expected the function to return (loss, grads) with grads a dict, got {type(out).__name__} {fmt(out)}")
    loss, grads = out
    true_loss = loss_fn(X, T, copies)
    try:
        loss = float(np.asarray(loss, dtype=float).reshape(()))
    except (TypeError, ValueError):
        fail(f"the loss should be one number, got {type(loss).__name__} {fmt(loss)}")
    errors = {"loss": abs(loss - true_loss) / max(abs(true_loss), 1e-300) if np.isfinite(loss) else np.inf}
    missing = [k for k in copies if k not in grads]
    if missing:
        fail(f"the grads dict has no entry {missing[0]!r} (it has {sorted(grads)}); return one gradient per "
             f"parameter, with the same keys as params: {sorted(copies)}")
    for k, p in copies.items():
        try:
            g = np.asarray(grads[k], dtype=float)
        except (TypeError, ValueError):
            fail(f"the gradient for {k} should be an array of numbers, got {fmt(grads[k])}")
        if g.shape != p.shape:
            fail(f"the gradient for {k} has shape {g.shape}, but {k} has shape {p.shape}: a gradient always has "
                 f"the shape of its parameter")
        numeric = numerical_gradient(lambda _: loss_fn(X, T, copies), copies[k], h)
        errors[k] = rel_error(g, numeric) if np.all(np.isfinite(g)) else np.inf
    return errors


def gradient_report(fn: Callable, loss_fn: Callable, X, T, params: dict) -> dict:
    """Print fn's per-parameter relative errors against central differences (the student's tool)."""
    errors = gradient_errors(fn, loss_fn, X, T, params)
    for k, e in errors.items():
        what = "loss value" if k == "loss" else f"d loss / d {k}"
        verdict = "ok" if e < TOL else "WRONG"
        print(f"{what:>16}: relative error {e:.2e}   {verdict}")
    return errors


# -- the grader of the find-the-bug exercises (chapters 5-7) -----------------------------------------
def _frozen(a) -> np.ndarray:
    """A read-only float64 copy: a finite-difference loop that nudges it in place fails at once."""
    out = np.array(a, dtype=np.float64, copy=True)
    out.flags.writeable = False
    return out


def _layer_of(key: str) -> int:
    return int(key[1:])


def _fd_tools(loss_fn) -> list:
    """(owner, attribute) of every finite-difference tool a student could call instead of backprop."""
    lib = sys.modules.get("backprop_lib")
    chapter = sys.modules[loss_fn.__module__]
    targets = [(gradcheck, a) for a in ("numerical_gradient", "gradient_check", "fd_errors")]
    targets += [(lib, a) for a in ("numerical_gradient", "gradient_check")] if lib is not None else []
    targets += [(m, a) for m in {chapter, sys.modules[__name__]} for a in ("gradient_report", "gradient_errors")]
    return [(o, a) for o, a in targets if hasattr(o, a)]


_FD_WHY = ("The exercise asks for the backward pass: one forward and one backward pass give every gradient "
           "exactly, while finite differences need two loss evaluations per parameter and are only approximate "
           "(they are the referee, not the method).")
_FD_KIND = ("the gradients are computed by finite differences (nudging each parameter and re-evaluating the "
            "loss), not by backpropagation. " + _FD_WHY)
_FD_REREAD = ("Chapter 5, section 2: the backward pass runs equation (1) once, then (3), (4) and (2) layer by layer, "
              "reusing what the forward pass stored.")
_FD_CODE = ("keep the structure of the buggy function (one forward pass, then the deltas from the output "
            "down) and change only the lines whose gradients the gradient check marks wrong.")


def gradient_dict_errors(ex: Exercise, where: str, params: dict, grads: dict, exact: dict) -> tuple[dict, dict]:
    """Each parameter's gradient in `grads` as a float array and its relative error against `exact` (inf when
    it is not finite): (got, errors), dicts keyed like params. `ex` fails, naming the parameter, when a
    gradient is not an array of numbers or not of its parameter's shape (a transposed one is named so)."""
    got, errors = {}, {}
    for k, p in params.items():
        try:
            g = np.asarray(grads[k], dtype=float)
        except (TypeError, ValueError):
            ex.fail(f"{where}: the gradient for {k} should be an array of numbers, got {fmt(grads[k])}",
                    "every gradient is an array of floats.")
        if g.shape != p.shape:
            ex.fail(f"{where}: the gradient for {k} has shape {g.shape}, but {k} has shape {p.shape}.",
                    "a gradient always has the shape of its parameter"
                    + (": this one is transposed, so the two factors of its product are swapped or "
                       "transposed the wrong way." if g.shape == p.shape[::-1] else "."))
        got[k] = g
        errors[k] = rel_error(g, exact[k]) if np.all(np.isfinite(g)) else np.inf
    return got, errors


def wrong_gradients_message(where: str, params: dict, bad: dict) -> str:
    """Which gradients are wrong (with their relative errors, `bad`) and which are right."""
    detail = "; ".join(f"{k}: relative error {e:.1e}" for k, e in bad.items())
    good = [k for k in params if k not in bad]
    return (f"{where}: the gradients of {', '.join(bad)} are wrong ({detail}; exact gradients agree to "
            f"{EXACT_TOL:.0e})." + (f" The gradients of {', '.join(good)} are right." if good else ""))


def grade_backward(ex: Exercise, fn: Callable, loss_fn: Callable, grads_fn: Callable, cases: list, name: str,
                   layer_kind: Callable[[int, int], tuple[str, str | None, str | None]],
                   quiet: bool = False) -> None:
    """Run fn on every (X, T, params) case and compare with the exact gradients grads_fn(X, T, params).

    layer_kind(first_wrong_layer, n_layers) -> (kind, reread, code) for a wrong gradient whose highest
    (closest to the output) wrong layer is first_wrong_layer: the hint names that layer.
    """
    if not callable(fn):
        if fn is None:
            ex.not_written(f"{name} is still None.")
        ex.fail(f"{name} should be a function, but it is a {type(fn).__name__}.",
                f"the exercise asks for a function (def {name}(X, T, params): ...).")
    for i, (X, T, params) in enumerate(cases):
        shapes = ", ".join(f"{k} {v.shape}" for k, v in params.items())
        where = f"{name} on test input {i + 1} (X {X.shape}, {shapes})"
        frozen = {k: _frozen(v) for k, v in params.items()}
        Xf, Tf = _frozen(X), _frozen(T)
        fd = Spy(_fd_tools(loss_fn), [getattr(fn, "__globals__", {})])
        loss_calls = LOSS_CALLS[loss_fn.__name__]
        error = None
        try:
            with fd, np.errstate(all="ignore"):
                out = fn(Xf, Tf, frozen)
        except NotImplementedError:
            ex.not_written(f"{name} is not written yet (it raises NotImplementedError).")
        except CheckFailed:
            raise
        except Exception as e:     # reported below, after the method checks
            error = e
        if fd.calls:
            ex.fail(f"{where}: {name} calls a finite-difference tool (numerical_gradient, gradient_check or "
                    "the chapter's gradient_report).", _FD_KIND, _FD_REREAD, _FD_CODE)
        loss_calls = LOSS_CALLS[loss_fn.__name__] - loss_calls
        if loss_calls > 2:
            ex.fail(f"{where}: {name} evaluates the loss {loss_fn.__name__} {loss_calls} times.",
                    _FD_KIND, _FD_REREAD, _FD_CODE)
        if error is not None:
            if isinstance(error, ValueError) and "read-only" in str(error):
                ex.fail(f"{where}: {name} tried to change a parameter or an input in place "
                        f"(ValueError: {error}); the check passes them read-only.",
                        "changing a parameter and re-evaluating the loss is finite differences. " + _FD_WHY,
                        _FD_REREAD, _FD_CODE)
            ex.fail(f"{where}: {name} raised {type(error).__name__}: {error}",
                    "the code raised an error on this input; check each array's shape against the comments "
                    "of the forward pass.")
        if out is None:
            ex.not_written(f"{where}: {name} returned None. Did you forget `return`?")
        if not (isinstance(out, (tuple, list)) and len(out) == 2 and isinstance(out[1], dict)):
            ex.fail(f"{where}: expected (loss, grads) with grads a dict, got {type(out).__name__} {fmt(out)}",
                    "the function must return the loss and a dict of gradients, as the buggy version does.")
        loss, grads = out
        true_loss = loss_fn(X, T, params)
        try:
            loss = float(np.asarray(loss, dtype=float).reshape(()))
        except (TypeError, ValueError):
            ex.fail(f"{where}: the loss should be one number, got {type(loss).__name__} {fmt(loss)}",
                    "the loss is a single number, the mean over the samples.")
        if not (np.isfinite(loss) and abs(loss - true_loss) <= 1e-10 * abs(true_loss)):
            ratio = loss / true_loss if true_loss else np.nan
            ex.fail(f"{where}: the loss is {loss:.6g}, expected {true_loss:.6g}.",
                    "the loss is summed over the samples instead of averaged: it is the MEAN over the N rows."
                    if np.isclose(ratio, X.shape[0]) and X.shape[0] > 1 else
                    "the loss value is wrong: it is the mean over the N rows of the per-sample loss.")
        missing = [k for k in params if k not in grads]
        if missing:
            ex.fail(f"{where}: the grads dict has no entry {missing[0]!r} (it has {sorted(grads)}).",
                    f"return one gradient per parameter, with the same keys as params: {sorted(params)}.")
        exact = grads_fn(X, T, params)
        _, errors = gradient_dict_errors(ex, where, params, grads, exact)
        bad = {k: e for k, e in errors.items() if not e <= EXACT_TOL}
        if not bad:
            continue
        message = wrong_gradients_message(where, params, bad)
        if max(bad.values()) < 1e-6:
            ex.fail(message, "the gradients are close to the exact ones but not exact, as finite differences give "
                             "them. " + _FD_WHY, _FD_REREAD, _FD_CODE)
        n_layers = max(_layer_of(k) for k in params)
        kind, reread, code = layer_kind(max(_layer_of(k) for k in bad), n_layers)
        ex.fail(message, kind, reread, code)
    if not quiet:
        passed(f"{name} gives the exact gradient of every parameter (relative error below {EXACT_TOL:.0e}) "
               f"on {len(cases)} test input{'s' if len(cases) != 1 else ''}.")


# -- exercise 3: find the bug in a two-layer backward pass -----------------------------------------
def two_layer_loss(X, T, params) -> float:
    r"""$L = \frac1N \sum_n \tfrac12 \|\tanh(x_n W_1 + b_1) W_2 + b_2 - t_n\|^2$."""
    LOSS_CALLS["two_layer_loss"] += 1
    A1 = np.tanh(X @ params["W1"] + params["b1"])
    A2 = A1 @ params["W2"] + params["b2"]
    return float(0.5 * np.sum((A2 - T) ** 2) / X.shape[0])


def _two_layer_grads(X, T, params) -> dict:
    """The exact gradients of two_layer_loss (the reference; tested against central differences)."""
    A1 = np.tanh(X @ params["W1"] + params["b1"])
    out_delta = (A1 @ params["W2"] + params["b2"] - T) / X.shape[0]
    hid_delta = (out_delta @ params["W2"].T) * (1 - A1 * A1)
    return {"W1": X.T @ hid_delta, "b1": hid_delta.sum(axis=0), "W2": A1.T @ out_delta, "b2": out_delta.sum(axis=0)}


def two_layer_case(n=6, n_in=3, n_hidden=4, n_out=2, seed=0):
    """(X, T, params) for the tanh-hidden, linear-output network."""
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(0, 0.8, size=(n_in, n_hidden)), "b1": rng.normal(0, 0.5, size=n_hidden),
              "W2": rng.normal(0, 0.8, size=(n_hidden, n_out)), "b2": rng.normal(0, 0.5, size=n_out)}
    return rng.normal(size=(n, n_in)), rng.normal(size=(n, n_out)), params


EX3 = Exercise(
    "ch05.ex3", "two_layer_backward",
    start="Copy the buggy function into this cell. The gradient check above names the gradients that are "
          "wrong; read the lines that compute them and compare each with the four equations of section 2.",
    reread="Section 2, the four equations and the paragraph on the 1/N of the mean loss.",
    code="a wrong W1 and b1 with a right W2 and b2 points at the hidden delta; a wrong W2 with a right b2 "
         "points at the line that computes W2's gradient alone.")


def _two_layer_kind(layer: int, n_layers: int):
    if layer == 2:
        return ("the output layer's gradients are off, so the mistake is in layer 2: its delta or the lines "
                "that turn it into the gradients of W2 and b2.",
                "Section 2, equations (1), (3) and (4), and where the 1/N of the mean loss enters.",
                "every gradient of the mean loss carries the 1/N exactly once; check which array each line uses.")
    return ("the output layer's gradients are right, so the mistake is in layer 1 (the hidden layer): its "
            "delta, equation (2), or the lines that turn it into the gradients of W1 and b1.",
            "Section 2, equation (2); tanh's derivative in terms of its own value (chapter 2).",
            "tanh'(z) is written with the activation tanh(z), not with z itself.")


def check_two_layer_backward(fn, hidden: bool = False) -> None:
    """The fixed two_layer_backward gives the exact gradient of every parameter, by backpropagation."""
    shapes = [(6, 3, 4, 2), (1, 2, 3, 1)] + ([(9, 4, 5, 3), (4, 1, 2, 2)] if hidden else [])
    cases = [two_layer_case(*s, seed=100 + i + (50 if hidden else 0)) for i, s in enumerate(shapes)]
    grade_backward(EX3, fn, two_layer_loss, _two_layer_grads, cases, _name(fn, "two_layer_backward"),
                   _two_layer_kind, quiet=hidden)


# -- exercise 4: one update with momentum ----------------------------------------------------------------
EX4 = Exercise(
    "ch05.ex4", "momentum_step",
    start="Section 5, step 5, updates each parameter with a velocity: first the new velocity from the old "
          "one and the gradient, then the parameter from the new velocity.",
    reread="Section 5, step 5 (the update with momentum) and chapter 3's section on momentum.",
    code="two lines: the new velocity keeps mu times the old one and adds a step of size lr against the "
         "gradient; the parameter then moves by the new velocity. Build new arrays; leave W, V and dW as they are.")


def _momentum_step(W, V, dW, lr, mu):
    V_new = mu * V - lr * dW
    return W + V_new, V_new


def _forbid_optimiser():
    return [Forbidden("the library's optimiser (bl.SGD)", "the exercise is to write the update yourself.",
                      [(optim.SGD, "step"), (sys.modules[__name__], "_momentum_step")])]


_MOMENTUM_SLIPS = [
    Slip("the gradient is added, not subtracted: the step goes uphill. The velocity takes -lr times the gradient.",
         lambda W, V, dW, lr, mu: (W + (mu * V + lr * dW), mu * V + lr * dW)),
    Slip("the parameter moves by the OLD velocity; it should move by the new one, computed first.",
         lambda W, V, dW, lr, mu: (W + V, mu * V - lr * dW)),
    Slip("the old velocity is forgotten (no mu * V term): that is plain gradient descent, not momentum.",
         lambda W, V, dW, lr, mu: (W - lr * dW, -lr * dW)),
    Slip("mu multiplies the gradient's step too; it should multiply only the old velocity.",
         lambda W, V, dW, lr, mu: (W + mu * (V - lr * dW), mu * (V - lr * dW))),
    Slip("the parameter moves against the velocity (W - V); the velocity already points downhill, so W + V.",
         lambda W, V, dW, lr, mu: (W - (mu * V - lr * dW), mu * V - lr * dW)),
    Slip("the two results are returned in the other order: the exercise asks for (W_new, V_new).",
         lambda W, V, dW, lr, mu: (mu * V - lr * dW, W + mu * V - lr * dW)),
    Slip("mu and lr have swapped roles.",
         lambda W, V, dW, lr, mu: (W + lr * V - mu * dW, lr * V - mu * dW)),
]


def check_momentum_step(fn, hidden: bool = False) -> None:
    """momentum_step(W, V, dW, lr, mu) == (W + V_new, V_new) with V_new = mu V - lr dW; inputs unchanged."""
    rng = np.random.default_rng(55 if hidden else 5)
    shapes = [(3, 2), (1, 4), (2, 2)] if not hidden else [(5, 3), (4,), (2, 6)]
    cases = [(rng.normal(size=s), rng.normal(size=s), rng.normal(size=s), lr, mu)
             for s, lr, mu in zip(shapes, (0.1, 0.5, 0.05), (0.5, 0.9, 0.3))]
    name = _name(fn, "momentum_step")
    forbid = _forbid_optimiser()
    reject_forbidden_itself(EX4, fn, forbid, name)
    check_cases(EX4, fn, _momentum_step, cases, arg_names=("W", "V", "dW", "lr", "mu"), slips=_MOMENTUM_SLIPS,
                forbid=forbid, quiet=True, name=name)
    if not hidden:
        EX4.passed(f"{name} gives the new parameters and velocity on {len(cases)} test inputs, and leaves its "
                   "inputs unchanged.")


# -- exercise 5: the forward pass of section 2, for a batch ---------------------------------------------
EX5 = Exercise(
    "ch05.ex5", "forward_two_layer",
    start="Section 2's worked example runs one sample, a 1 x 2 row, through two sigmoid layers in four "
          "lines. The same four lines serve a batch of any number of rows. Return the tuple (Z1, A1, Z2, A2).",
    reread="Section 2, 'A worked example: one sample through two layers' (the shape under every term), and "
           "section 1 for the bias row that is added to every row of the batch.",
    code="each layer is one matrix product of the previous layer's activations (one row per sample) with "
         "its W, as W is stored (n_in, n_out), plus its 1-D bias, then the sigmoid entry by entry. Nothing "
         "indexes a single row of X or loops over the rows: the product handles every row at once. Check "
         "each result's shape: (number of rows, units of that layer).")


def _forward_two_layer(X, W1, b1, W2, b2):
    Z1 = X @ W1 + b1
    A1 = sigmoid(Z1)
    Z2 = A1 @ W2 + b2
    return Z1, A1, Z2, sigmoid(Z2)


def _fw(layer1=None, layer2=None, act1=None, act2=None, from_z=False):
    """A forward pass with one step replaced: layerK(A_prev, W, b) -> Z, actK(Z) -> A."""
    def predict(X, W1, b1, W2, b2):
        affine = lambda A, W, b: A @ W + b        # noqa: E731
        Z1 = (layer1 or affine)(X, W1, b1)
        A1 = (act1 or sigmoid)(Z1)
        Z2 = (layer2 or affine)(Z1 if from_z else A1, W2, b2)
        return Z1, A1, Z2, (act2 or sigmoid)(Z2)
    return predict


def _first_row(X, W1, b1, W2, b2):
    return _forward_two_layer(X[0], W1, b1, W2, b2)


def _first_row_2d(X, W1, b1, W2, b2):
    return _forward_two_layer(X[:1], W1, b1, W2, b2)


_transposed = lambda A, W, b: A @ W.T + b                     # noqa: E731
_column_bias = lambda A, W, b: A @ W + b.reshape(-1, 1)       # noqa: E731
_TRANSPOSED = ("a weight matrix is used transposed. W is stored (n_in, n_out), so a layer is the batch times "
               "W; here the layers are square, so W^T fits as well and gives other numbers.")

_FW_SLIPS = [
    Slip(_TRANSPOSED, _fw(_transposed, _transposed)),
    Slip(_TRANSPOSED, _fw(_transposed)),
    Slip(_TRANSPOSED, _fw(None, _transposed)),
    Slip("the bias is added as a column (shape (n, 1)): broadcasting then adds b_j to row j instead of to "
         "column j of every row. The bias is a row: one entry per unit, the same for every sample.",
         _fw(_column_bias, _column_bias)),
    Slip("the bias is added as a column (shape (n, 1)) in one layer: broadcasting then adds b_j to row j "
         "instead of to column j of every row.", _fw(_column_bias)),
    Slip("the bias is added as a column (shape (n, 1)) in one layer: broadcasting then adds b_j to row j "
         "instead of to column j of every row.", _fw(None, _column_bias)),
    Slip("the biases are missing: each layer adds its b after the matrix product.",
         _fw(lambda A, W, b: A @ W, lambda A, W, b: A @ W)),
    Slip("only the first row of X goes through the network: code written for one sample. Every row is a "
         "sample, and the result has one row per sample.", _first_row),
    Slip("only the first row of X goes through the network: code written for one sample. Every row is a "
         "sample, and the result has one row per sample.", _first_row_2d),
    Slip("the hidden layer's sigmoid is missing: A1 must be sigma(Z1), not Z1.", _fw(act1=lambda z: z)),
    Slip("the output layer's sigmoid is missing: A2 must be sigma(Z2), not Z2.", _fw(act2=lambda z: z)),
    Slip("the second layer is fed Z1; it takes the hidden layer's activations A1 = sigma(Z1).",
         _fw(from_z=True)),
    Slip("the sigmoid is written 1 / (1 - e^-z), with a minus sign: section 6's common mistake. It is "
         "1 / (1 + e^-z).", _fw(act1=lambda z: 1 / (1 - np.exp(-z)), act2=lambda z: 1 / (1 - np.exp(-z)))),
    Slip("the activation is tanh; this network uses the sigmoid in both layers.",
         _fw(act1=np.tanh, act2=np.tanh)),
    Slip("the four results are returned in another order: the exercise asks for (Z1, A1, Z2, A2).",
         lambda *a: tuple(_forward_two_layer(*a)[i] for i in (0, 2, 1, 3))),
]


def _forward_cases(hidden: bool):
    rng = np.random.default_rng(57 if hidden else 7)

    def case(n, sizes, note, x=None):
        X = rng.normal(size=(n, sizes[0])) if x is None else np.asarray(x, dtype=float)
        return Case((X, rng.normal(size=sizes[:2]), rng.normal(size=sizes[1]),
                     rng.normal(size=sizes[1:]), rng.normal(size=sizes[2])), note)

    if hidden:
        return [case(3, (3, 3, 3), "3 rows, square layers"), case(7, (3, 5, 2), "7 rows, 3 -> 5 -> 2"),
                case(1, (2, 1, 4), "one row, one hidden unit"), case(4, (2, 3, 3), "4 rows, 2 -> 3 -> 3")]
    return [case(2, (2, 2, 2), "2 rows, every layer 2 x 2"),
            case(1, (2, 3, 3), "one row, the shapes of section 2", x=[[0.6, -1.1]]),
            case(5, (2, 4, 1), "5 rows, 2 -> 4 -> 1")]


def _forbid_layers():
    return [Forbidden("a forward pass of the library (bl.Dense or bl.MLP)", "the exercise is to write the forward pass "
                      "yourself.", [(Dense, "forward"), (MLP, "forward"), (MLP, "_forward")])]


def check_forward_two_layer(fn, hidden: bool = False) -> None:
    """forward_two_layer(X, W1, b1, W2, b2) == (Z1, A1, Z2, A2) with sigmoid layers, for any number of rows."""
    name = _name(fn, "forward_two_layer")
    n = run_cases(EX5, fn, _forward_two_layer, _forward_cases(hidden), ("X", "W1", "b1", "W2", "b2"),
                  _FW_SLIPS, name=name, forbid=_forbid_layers(), dtype="float",
                  value_kind="the numbers differ on this input: compute one entry of Z1 by hand (the sum over "
                             "the inputs of X times W1, plus b1) and compare, then the next step.")
    if not hidden:
        EX5.passed(f"{name} gives Z1, A1, Z2 and A2 right on {n} test inputs (2 rows with square layers, the "
                   "1 x 2 sample of section 2, 5 rows), and leaves its inputs unchanged.")

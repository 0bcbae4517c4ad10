"""Checks for chapter 5, the matrix form of backpropagation.

`grade_backward` is the gradient-check grader the "find the bug" exercises of chapters 5-7 share: it
runs a student's backward pass on inputs it makes up, compares every parameter's gradient with central
differences of the true loss, and names the parameter that is off and by how much.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..gradcheck import numerical_gradient, rel_error
from ._core import check_function, fail, fmt, passed

TOL = 1e-7


def _name(fn, default: str) -> str:
    """The student's function name for messages (the default for lambdas and other callables)."""
    name = getattr(fn, "__name__", "")
    return name if name.isidentifier() else default


# -- exercise 1: the affine layer's backward pass --------------------------------------------------
def _affine_backward(delta, A_prev, W):
    return (A_prev.T @ delta, delta.sum(axis=0), delta @ W.T)


def _affine_cases(hidden: bool):
    rng = np.random.default_rng(51 if hidden else 5)
    shapes = [(4, 3, 2), (1, 2, 5)] + ([(7, 5, 3), (3, 1, 1)] if hidden else [(5, 4, 3)])
    return [(rng.normal(size=(n, n_out)), rng.normal(size=(n, n_in)), rng.normal(size=(n_in, n_out)))
            for n, n_in, n_out in shapes]


def check_affine_backward(fn, hidden: bool = False) -> None:
    """affine_backward(delta, A_prev, W) == (A_prev^T delta, sum over rows of delta, delta W^T)."""
    check_function(fn, _affine_backward, _affine_cases(hidden), name=_name(fn, "affine_backward"),
                   arg_names=("delta", "A_prev", "W"),
                   hint="with delta (N, n_out), A_prev (N, n_in), W (n_in, n_out): dW = A_prev.T @ delta "
                        "has W's shape (n_in, n_out); db = delta.sum(axis=0) sums over the N rows; "
                        "dA_prev = delta @ W.T has A_prev's shape (N, n_in). Return (dW, db, dA_prev).",
                   quiet=hidden)


# -- exercise 2: the hidden delta in batch form ----------------------------------------------------
_DERIVATIVES = {"sigmoid": lambda z: (lambda s: s * (1 - s))(1 / (1 + np.exp(-z))),
                "tanh": lambda z: 1 - np.tanh(z) ** 2,
                "relu": lambda z: (z > 0).astype(float)}


def _hidden_delta(delta_next, W_next, z, activation):
    return (delta_next @ W_next.T) * _DERIVATIVES[activation](z)


def check_hidden_delta(fn, hidden: bool = False) -> None:
    """hidden_delta(delta_next, W_next, z, activation) == (delta_next W_next^T) * f'(z)."""
    rng = np.random.default_rng(52 if hidden else 6)
    cases = []
    for act, (n, n_l, n_next) in zip(["sigmoid", "tanh", "relu", "sigmoid", "tanh"],
                                     [(4, 3, 2), (5, 4, 3), (3, 6, 2), (2, 5, 5), (6, 2, 4)]):
        cases.append((rng.normal(size=(n, n_next)), rng.normal(size=(n_l, n_next)),
                      rng.normal(size=(n, n_l)) * 2, act))
    if not hidden:
        cases = cases[:3]
    check_function(fn, _hidden_delta, cases, name="hidden_delta",
                   arg_names=("delta_next", "W_next", "z", "activation"),
                   hint="delta_next (N, n_next) goes back through W_next (n_l, n_next) as delta_next @ W_next.T "
                        "(shape (N, n_l)), then multiply element-wise by f'(z): sigma(z)(1 - sigma(z)) for "
                        "'sigmoid', 1 - tanh(z)**2 for 'tanh', 1 where z > 0 else 0 for 'relu'. "
                        "Note f' is evaluated at z, the layer's pre-activation.",
                   quiet=hidden)


# -- the gradient-check grader ---------------------------------------------------------------------
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
            transposed = g.shape == p.shape[::-1]
            fail(f"the gradient for {k} has shape {g.shape}, but {k} has shape {p.shape}: a gradient always has "
                 f"the shape of its parameter",
                 "a dW of shape (n_out, n_in) instead of (n_in, n_out) is a transposed product: "
                 "dW = A_prev.T @ delta, not delta.T @ A_prev." if transposed else
                 "dW = A_prev.T @ delta has W's shape; db = delta.sum(axis=0) sums over the rows.")
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


def grade_backward(fn: Callable, loss_fn: Callable, cases: list, name: str, hint: str | None = None,
                   quiet: bool = False) -> None:
    """Run fn on every (X, T, params) case; fail naming each parameter whose gradient is off."""
    if not callable(fn):
        fail(f"{name} should be a function, but it is a {type(fn).__name__}.", hint)
    for i, (X, T, params) in enumerate(cases):
        errors = gradient_errors(fn, loss_fn, X, T, params)
        shapes = ", ".join(f"{k} {v.shape}" for k, v in params.items())
        if not errors["loss"] < 1e-9:
            fail(f"{name} returns the wrong loss on test input {i + 1} (X {X.shape}, {shapes}): "
                 f"relative error {errors['loss']:.2e}; expected {loss_fn(X, T, params):.6g}.",
                 "the loss is the mean over the N rows of the per-sample loss.")
        bad = {k: e for k, e in errors.items() if k != "loss" and not e < TOL}
        if bad:
            good = [k for k in params if k not in bad]
            detail = "; ".join(f"{k}: relative error {e:.2e}" for k, e in bad.items())
            fail(f"{name}: on test input {i + 1} (X {X.shape}, {shapes}) the gradient check fails for "
                 f"{', '.join(bad)} ({detail}; should be below {TOL:.0e})."
                 + (f" The gradients of {', '.join(good)} are right." if good else ""), hint)
    if not quiet:
        passed(f"{name} passes the gradient check (every parameter, relative error below {TOL:.0e}) "
               f"on {len(cases)} test input{'s' if len(cases) != 1 else ''}.")


# -- exercise 3: find the bug in a two-layer backward pass -----------------------------------------
def two_layer_loss(X, T, params) -> float:
    r"""$L = \frac1N \sum_n \tfrac12 \|\tanh(x_n W_1 + b_1) W_2 + b_2 - t_n\|^2$."""
    A1 = np.tanh(X @ params["W1"] + params["b1"])
    A2 = A1 @ params["W2"] + params["b2"]
    return float(0.5 * np.sum((A2 - T) ** 2) / X.shape[0])


def two_layer_case(n=6, n_in=3, n_hidden=4, n_out=2, seed=0):
    """(X, T, params) for the tanh-hidden, linear-output network."""
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(0, 0.8, size=(n_in, n_hidden)), "b1": rng.normal(0, 0.5, size=n_hidden),
              "W2": rng.normal(0, 0.8, size=(n_hidden, n_out)), "b2": rng.normal(0, 0.5, size=n_out)}
    return rng.normal(size=(n, n_in)), rng.normal(size=(n, n_out)), params


def check_two_layer_backward(fn, hidden: bool = False) -> None:
    """The fixed two_layer_backward passes the gradient check on every parameter."""
    shapes = [(6, 3, 4, 2), (1, 2, 3, 1)] + ([(9, 4, 5, 3), (4, 1, 2, 2)] if hidden else [])
    cases = [two_layer_case(*s, seed=100 + i + (50 if hidden else 0)) for i, s in enumerate(shapes)]
    grade_backward(fn, two_layer_loss, cases, "two_layer_backward",
                   hint="the gradient check names the wrong parameters: read the lines that compute them. "
                        "tanh'(z) = 1 - tanh(z)^2 = 1 - A1**2 (not 1 - Z1**2), and every gradient of the "
                        "mean loss carries the 1/N (it is inside delta2).", quiet=hidden)

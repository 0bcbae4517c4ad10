"""Checks for chapter 3, gradient descent and SGD."""
from __future__ import annotations

import numpy as np

from ._core import check_function, check_value, fail


def _linreg_gradient(X, y, w):
    X, y, w = (np.asarray(v, dtype=float) for v in (X, y, w))
    return X.T @ (X @ w - y) / X.shape[0]


def _regression_cases(hidden: bool):
    rng = np.random.default_rng(33 if hidden else 3)
    cases = [(np.array([[1.0, 2.0], [1.0, -1.0]]), np.array([1.0, 0.0]), np.array([0.5, 0.5]))]
    for n, k in ((6, 3), (10, 2)) if hidden else ((5, 3),):
        X = np.c_[np.ones(n), rng.normal(size=(n, k - 1))]
        cases.append((X, rng.normal(size=n), rng.normal(size=k)))
    return cases


def check_linreg_gradient(fn, hidden: bool = False) -> None:
    r"""linreg_gradient(X, y, w) == X^T (X w - y) / n, the gradient of L = 1/(2n) ||X w - y||^2."""
    check_function(fn, _linreg_gradient, _regression_cases(hidden), name="linreg_gradient",
                   arg_names=("X", "y", "w"),
                   hint="the residuals are r = X @ w - y (one per row); the gradient is X.T @ r / n with n = "
                        "len(y). It has the shape of w. Did you forget to divide by n, or use X instead of X.T?",
                   quiet=hidden)


def _momentum_step(w, v, grad, lr, momentum):
    v_new = momentum * np.asarray(v, dtype=float) - lr * np.asarray(grad, dtype=float)
    return np.asarray(w, dtype=float) + v_new, v_new


def check_momentum_step(fn, hidden: bool = False) -> None:
    r"""momentum_step(w, v, grad, lr, momentum) == (w + v', v') with v' = momentum v - lr grad."""
    rng = np.random.default_rng(34 if hidden else 4)
    cases = [(np.array([1.0, -1.0]), np.array([0.0, 0.0]), np.array([0.5, 2.0]), 0.1, 0.5),
             (np.array([1.0, -1.0]), np.array([0.2, -0.1]), np.array([0.5, 2.0]), 0.1, 0.5),
             (rng.normal(size=3), rng.normal(size=3), rng.normal(size=3), 0.05, 0.9)]
    if hidden:
        cases = [(rng.normal(size=4), rng.normal(size=4), rng.normal(size=4), float(lr), float(mu))
                 for lr, mu in ((0.3, 0.0), (0.01, 0.99), (1.0, 0.5))]
    check_function(fn, _momentum_step, cases, name="momentum_step",
                   arg_names=("w", "v", "grad", "lr", "momentum"),
                   hint="first the new velocity v_new = momentum * v - lr * grad, then w_new = w + v_new; "
                        "return (w_new, v_new). Use the new velocity to move w, not the old one.",
                   quiet=hidden)


def critical_learning_rate(X) -> float:
    r"""2 / lambda_max(X^T X / n): above it, full-batch gradient descent on 1/(2n)||Xw - y||^2 diverges."""
    X = np.asarray(X, dtype=float)
    return float(2.0 / np.linalg.eigvalsh(X.T @ X / X.shape[0])[-1])


def check_lr_max(value, X) -> None:
    """The student's largest stable learning rate for the data X."""
    expected = critical_learning_rate(X)
    try:
        got = float(value)
    except (TypeError, ValueError):
        fail(f"lr_max should be one number, got {type(value).__name__} {value!r}.")
    if np.isclose(got, expected / 2, rtol=1e-3):
        fail(f"lr_max: expected {expected:.6g}, got {got:.6g} (exactly half).",
             "the error along the steepest direction is multiplied by (1 - lr * lambda_max) each step; that "
             "factor has size below 1 as long as lr < 2 / lambda_max, not 1 / lambda_max.")
    if np.isclose(got, 2.0 / np.linalg.eigvalsh(np.asarray(X, float).T @ np.asarray(X, float) / len(X))[0], rtol=1e-3):
        fail(f"lr_max: expected {expected:.6g}, got {got:.6g}.",
             "you used the smallest eigenvalue. The first direction to blow up is the steepest one: "
             "use the largest eigenvalue of H = X.T @ X / n (np.linalg.eigvalsh sorts them ascending).")
    check_value("lr_max", got, expected, rtol=1e-4,
                hint="the Hessian of L is H = X.T @ X / n; take its largest eigenvalue lambda_max "
                     "(np.linalg.eigvalsh(H)[-1]) and return 2 / lambda_max.")


__all__ = ["check_linreg_gradient", "check_momentum_step", "check_lr_max", "critical_learning_rate"]

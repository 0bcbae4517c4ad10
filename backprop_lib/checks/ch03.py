"""Checks for chapter 3, gradient descent and SGD.

linreg_gradient is compared to round-off (1e-10 relative to the gradient's size); one test input has large
residuals orthogonal to the columns of X, where the loss is about 2e3 while the gradient is of order 1: a
central difference with h = 1e-5 is off there by about 1e-8 (relative), the formula by 1e-13.
momentum_step gets the caller's arrays' copies and the check compares them afterwards: an in-place update
is named. check_lr_max computes its reference inside the check; no helper here hands out the answer.
"""
from __future__ import annotations

import numpy as np

from ._core import Case, Exercise, Slip, check_cases, finite_differences, fmt, passed


# -- exercise 1: the gradient of the regression loss ------------------------------------------------
EX1 = Exercise(
    "ch03.ex1", "linreg_gradient",
    start="The exercise gives the formula; section 2 uses it. Work out the residuals first (one per "
          "row of X), then combine them with X so that the result has the shape of w.",
    reread="section 1 for L(w) = 1/(2n) ||X w - y||^2 and section 2 for its gradient: note the 1/n and "
           "which side of X the residuals multiply.",
    code="residuals: the prediction X w minus y, a vector of length n. Each coefficient's partial "
         "derivative is the average over the rows of (its column of X) times (the residual): one matrix "
         "product with the transpose of X, then a division by the number of rows (not of columns).",
    forbid=(finite_differences("the exercise asks for the gradient's formula. Finite differences estimate "
                               "it with two evaluations of L per coefficient, and only approximately."),))


def _linreg_gradient(X, y, w):
    X, y, w = (np.asarray(v, dtype=float) for v in (X, y, w))
    return X.T @ (X @ w - y) / X.shape[0]


def _lg_slip(kind, f, **kw):
    def predict(X, y, w):
        X, y, w = (np.asarray(v, dtype=float) for v in (X, y, w))
        return f(X, y, w, X @ w - y, X.shape[0], X.shape[1])
    return Slip(kind, predict, **kw)


_LG_SLIPS = [
    _lg_slip("the division by n is missing: L has the factor 1/(2n), so its gradient has 1/n.",
             lambda X, y, w, r, n, p: X.T @ r),
    _lg_slip("this divides by the number of columns p; n is the number of rows (samples).",
             lambda X, y, w, r, n, p: X.T @ r / p),
    _lg_slip("the sign is flipped: the residual is X w - y, not y - X w.", lambda X, y, w, r, n, p: -X.T @ r / n),
    _lg_slip("there is an extra factor 2: the 1/2 in L cancels the 2 from the square.",
             lambda X, y, w, r, n, p: 2 * X.T @ r / n),
    _lg_slip("X multiplies the residuals where its transpose belongs: X^T (X w - y), not X (X w - y).",
             lambda X, y, w, r, n, p: X @ r / n),
    _lg_slip("y is missing: the residual is X w - y.", lambda X, y, w, r, n, p: X.T @ (X @ w) / n),
    _lg_slip("this is the loss L, not its gradient.", lambda X, y, w, r, n, p: r @ r / (2 * n)),
]


def _regression_cases(hidden: bool):
    rng = np.random.default_rng(33 if hidden else 3)
    cases = [Case((np.array([[1.0, 2.0], [1.0, -1.0]]), np.array([1.0, 0.0]), np.array([0.5, 0.5])))]
    for n, k in ((6, 3), (10, 2)) if hidden else ((5, 3),):
        X = np.c_[np.ones(n), rng.normal(size=(n, k - 1))]
        cases.append(Case((X, rng.normal(size=n), rng.normal(size=k))))
    # large residuals orthogonal to X's columns: L is large, the gradient is not
    n, k = 7, 3
    X = np.c_[np.ones(n), rng.normal(size=(n, k - 1))]
    w = rng.normal(size=k)
    perp = rng.normal(size=n)
    perp -= X @ np.linalg.lstsq(X, perp, rcond=None)[0]
    y = X @ w - X @ rng.normal(size=k) - 100.0 * perp / np.abs(perp).max()
    cases.append(Case((X, y, w), "large residuals, small gradient"))
    return cases


def check_linreg_gradient(fn, hidden: bool = False) -> None:
    r"""linreg_gradient(X, y, w) == X^T (X w - y) / n, the gradient of L = 1/(2n) ||X w - y||^2."""
    check_cases(EX1, fn, _linreg_gradient, _regression_cases(hidden), ("X", "y", "w"), _LG_SLIPS,
                quiet=hidden,
                approx_kind="the values are close but not exact: that is what a finite-difference estimate "
                            "of the gradient gives. The exercise asks for the formula, exact up to round-off.")


# -- exercise 2: one step with momentum ----------------------------------------------------------------
EX2 = Exercise(
    "ch03.ex2", "momentum_step",
    start="Section 5 ('Momentum') gives the update in two lines: first the new velocity, then the new "
          "parameters. Return both, as a pair, without touching the arrays you were given.",
    reread="section 5, the two update equations: the velocity is updated first, and the parameters move "
           "by the new velocity.",
    code="build the new velocity from the old velocity (scaled by the momentum) and the gradient (scaled by "
         "the learning rate, with a minus sign); then add it to w. Use plain arithmetic that creates new "
         "arrays (no +=, -= or slice assignment into w or v). Return (new w, new v) in that order.")


def _momentum_step(w, v, grad, lr, momentum):
    v_new = momentum * np.asarray(v, dtype=float) - lr * np.asarray(grad, dtype=float)
    return np.asarray(w, dtype=float) + v_new, v_new


def _ms_slip(kind, f, **kw):
    def predict(w, v, grad, lr, momentum):
        w, v, grad = (np.asarray(a, dtype=float) for a in (w, v, grad))
        return f(w, v, grad, lr, momentum)
    return Slip(kind, predict, **kw)


_MS_SLIPS = [
    _ms_slip("w moves by the old velocity: update v first, then move w by the new one.",
             lambda w, v, g, lr, mu: (w + v, mu * v - lr * g)),
    _ms_slip("the gradient is added: the velocity is momentum * v minus lr * grad (downhill).",
             lambda w, v, g, lr, mu: (w + mu * v + lr * g, mu * v + lr * g)),
    _ms_slip("the velocity has the opposite sign of the one defined in section 5 (v' = mu v - lr grad), "
             "although w moves the right way.",
             lambda w, v, g, lr, mu: (w - (mu * v + lr * g), mu * v + lr * g)),
    _ms_slip("the momentum term is missing: this is plain gradient descent, the old velocity is ignored.",
             lambda w, v, g, lr, mu: (w - lr * g, -lr * g)),
    _ms_slip("the two results are swapped: return (w_new, v_new).",
             lambda w, v, g, lr, mu: (mu * v - lr * g, w + mu * v - lr * g)),
    _ms_slip("the momentum also scales the gradient: only the old velocity is multiplied by mu.",
             lambda w, v, g, lr, mu: (w + mu * (v - lr * g), mu * (v - lr * g))),
    _ms_slip("the learning rate and the momentum are swapped.",
             lambda w, v, g, lr, mu: (w + lr * v - mu * g, lr * v - mu * g)),
    _ms_slip("the old velocity is not scaled by the momentum.",
             lambda w, v, g, lr, mu: (w + v - lr * g, v - lr * g)),
]


def check_momentum_step(fn, hidden: bool = False) -> None:
    r"""momentum_step(w, v, grad, lr, momentum) == (w + v', v') with v' = momentum v - lr grad; inputs unchanged."""
    rng = np.random.default_rng(34 if hidden else 4)
    cases = [(np.array([1.0, -1.0]), np.array([0.2, -0.1]), np.array([0.5, 2.0]), 0.1, 0.5),
             (np.array([1.0, -1.0]), np.array([0.0, 0.0]), np.array([0.5, 2.0]), 0.1, 0.5),
             (rng.normal(size=3), rng.normal(size=3), rng.normal(size=3), 0.05, 0.9)]
    if hidden:
        cases = [(rng.normal(size=4), rng.normal(size=4), rng.normal(size=4), float(lr), float(mu))
                 for lr, mu in ((0.3, 0.2), (0.01, 0.99), (1.0, 0.5))]
    check_cases(EX2, fn, _momentum_step, cases, ("w", "v", "grad", "lr", "momentum"), _MS_SLIPS, quiet=hidden)


# -- exercise 3: the largest stable learning rate --------------------------------------------------------
EX3 = Exercise(
    "ch03.ex3", "lr_max",
    start="Section 3 ('Why there is a sharp limit') ties the limit to the curvatures of the loss, the "
          "eigenvalues of its Hessian H. Build H for this X, then find the limit from its eigenvalues.",
    reread="section 3, 'Why there is a sharp limit': one step multiplies the error along an eigenvector by "
           "(1 - lr * lambda); which lambda breaks first, and at which lr?",
    code="H is X transposed times X, divided by the number of rows; numpy's eigvalsh returns its "
         "eigenvalues in ascending order, so the largest is the last one. The limit is 2 over that largest "
         "eigenvalue.")


def check_lr_max(value, X) -> None:
    """The student's largest stable learning rate for full-batch gradient descent on 1/(2n)||Xw - y||^2."""
    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    lams = np.linalg.eigvalsh(X.T @ X / n)
    expected = 2.0 / lams[-1]
    if value is None:
        EX3.not_written("lr_max is still None: compute it in the cell above.")
    if isinstance(value, (np.ndarray, list, tuple)) and np.size(value) != 1:
        EX3.fail(f"lr_max should be one number, got {fmt(value)}.",
                 "an array instead of one number: the limit comes from a single eigenvalue.")
    if isinstance(value, str):
        EX3.fail(f"lr_max should be a number, got the string {value!r}.", "a string is not a number: compute "
                                                                           "the value instead of writing it in quotes.")
    try:
        got = float(np.asarray(value, dtype=float).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        EX3.fail(f"lr_max should be one number, got {type(value).__name__} {value!r}.",
                 "a value that is not a number.")
    if np.isclose(got, expected, rtol=1e-6, atol=0):
        passed(f"lr_max = {got:.6g} is right: above it, gradient descent on this regression diverges.")
        return
    slips = [(1.0 / lams[-1], "this is 1 / lambda_max, half the limit: the factor (1 - lr lambda) has size "
                              "below 1 as long as lr < 2 / lambda, not 1 / lambda."),
             (2.0 / lams[0], "this uses the smallest eigenvalue; the steepest direction (the largest "
                             "eigenvalue) is the first to break."),
             (1.0 / lams[0], "this uses the smallest eigenvalue, and 1 instead of 2."),
             (2.0 / (lams[-1] * n), "the division by n is missing from the Hessian: H = X^T X / n."),
             (2.0 / np.linalg.eigvalsh(X.T @ X / (n - 1))[-1], "this divides by n - 1; the loss averages "
                                                                "over n samples, so H = X^T X / n."),
             (2.0 / np.trace(X.T @ X / n), "this uses the trace (the sum of all eigenvalues), not the "
                                           "largest eigenvalue."),
             (2.0 / np.max(np.diag(X.T @ X / n)), "this uses the largest diagonal entry of H, not its largest "
                                                   "eigenvalue."),
             (2.0 * lams[-1], "this is 2 * lambda_max: the limit is 2 divided by lambda_max."),
             (lams[-1], "this is lambda_max itself, the curvature, not the learning rate limit."),
             (2.0 / np.sqrt(lams[-1]), "this uses a singular value of X / sqrt(n) (the square root of the "
                                       "eigenvalue): the curvature is its square.")]
    message = f"lr_max: expected {expected:.6g}, got {got:.6g}."
    for v, kind in slips:
        if np.isclose(got, v, rtol=1e-6) and not np.isclose(v, expected, rtol=1e-6):
            EX3.fail(message, kind)
    EX3.fail(message, "this is not 2 / lambda_max for the Hessian of this loss.")


__all__ = ["check_linreg_gradient", "check_momentum_step", "check_lr_max"]

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


# -- exercise 4: standardising the inputs ------------------------------------------------------------
EX4 = Exercise(
    "ch03.ex4", "standardise",
    start="Section 3, 'Centring and standardising the inputs', does it for one input x. Here every column "
          "of X_train is one input: take each column's mean and standard deviation over the training rows, "
          "then transform both arrays with those same numbers. Return the four results as a tuple.",
    reread="section 3, 'Centring and standardising the inputs' (its last paragraph: the training statistics "
           "are applied to every new input), and the exercise text: one mean and one standard deviation per "
           "column, with 1/n, and the divisor 1 for a column whose standard deviation is 0.",
    code="numpy's mean and std take an axis argument: average over the axis that runs through the samples "
         "(down the rows), so that you get one number per column. Compute the two statistics once, from "
         "X_train only, and use them for X_test as well. Before dividing, put 1 in place of every zero of "
         "the standard deviation; return that divisor. Build new arrays; leave X_train and X_test as they are.")


def _st_with(Xtr, Xte, mean, sd, zero_to_one=True):
    scale = np.where(sd > 0, sd, 1.0) if zero_to_one else sd
    return (Xtr - mean) / scale, (Xte - mean) / scale, mean, scale


def _standardise(X_train, X_test):
    Xtr, Xte = np.asarray(X_train, dtype=float), np.asarray(X_test, dtype=float)
    return _st_with(Xtr, Xte, Xtr.mean(axis=0), Xtr.std(axis=0))


def _st_slip(kind, f, **kw):
    def predict(X_train, X_test):
        Xtr, Xte = np.asarray(X_train, dtype=float), np.asarray(X_test, dtype=float)
        return f(Xtr, Xte, Xtr.mean(axis=0), Xtr.std(axis=0))
    return Slip(kind, predict, **kw)


def _own_test_stats(Xtr, Xte, m, s):
    right = _st_with(Xtr, Xte, m, s)
    own = _st_with(Xte, Xte, Xte.mean(axis=0), Xte.std(axis=0))
    return right[0], own[0], right[2], right[3]


def _unscaled_constant(Xtr, Xte, m, s):
    Str, Ste, mean, scale = _st_with(Xtr, Xte, m, s)
    const = s == 0
    Str[:, const], Ste[:, const] = Xtr[:, const], Xte[:, const]
    return Str, Ste, mean, scale


_ST_SLIPS = [
    _st_slip("the test rows are standardised with their own mean and standard deviation. A new input must "
             "get the same transform as the training data (the training statistics), or the model sees "
             "different numbers for the same input.", _own_test_stats,
             code="compute the mean and the standard deviation from X_train only, once, and use both for "
                  "X_test too."),
    _st_slip("the statistics are taken along each row (one number per sample) instead of down each column "
             "(one number per feature).",
             lambda Xtr, Xte, m, s: _st_with(Xtr, Xte, Xtr.mean(axis=1), Xtr.std(axis=1)),
             code="the axis you average over is the one that disappears: averaging over the rows (the "
                  "samples) leaves one number per column."),
    _st_slip("one mean and one standard deviation for the whole array: every column needs its own, because "
             "the features have different offsets and scales.",
             lambda Xtr, Xte, m, s: _st_with(Xtr, Xte, Xtr.mean(), Xtr.std())),
    _st_slip("the statistics come from the training and the test rows together; the test rows must not "
             "influence the transform (they stand for inputs that arrive later).",
             lambda Xtr, Xte, m, s: _st_with(Xtr, Xte, np.vstack([Xtr, Xte]).mean(axis=0),
                                             np.vstack([Xtr, Xte]).std(axis=0))),
    _st_slip("the columns are centred but not divided by their standard deviation: that is centring, not "
             "standardising.", lambda Xtr, Xte, m, s: (Xtr - m, Xte - m, m, np.where(s > 0, s, 1.0))),
    _st_slip("the columns are divided by the variance; standardising divides by the standard deviation, its "
             "square root.", lambda Xtr, Xte, m, s: _st_with(Xtr, Xte, m, s ** 2)),
    _st_slip("this uses the standard deviation with 1/(n - 1) (ddof=1); the exercise asks for 1/n, numpy's "
             "default.", lambda Xtr, Xte, m, s: _st_with(Xtr, Xte, m, Xtr.std(axis=0, ddof=1))),
    _st_slip("the constant column is right, but the divisor returned for it is its standard deviation 0; "
             "return the divisor you used, 1.", lambda Xtr, Xte, m, s: _st_with(Xtr, Xte, m, s)[:3] + (s,)),
    _st_slip("the constant column is left as it was; it must be centred like every other column (it becomes "
             "0 in the training rows), only its divisor is 1.", _unscaled_constant),
    _st_slip("the mean and the divisor are returned in the other order: the exercise asks for "
             "(S_train, S_test, mean, scale).",
             lambda Xtr, Xte, m, s: _st_with(Xtr, Xte, m, s)[:2] + _st_with(Xtr, Xte, m, s)[:1:-1]),
]


def _table(rng, n, means, sds):
    return np.asarray(means, dtype=float) + rng.normal(size=(n, len(means))) * np.asarray(sds, dtype=float)


def _standardise_cases(hidden: bool):
    rng = np.random.default_rng(37 if hidden else 7)
    square = _table(rng, 4, [20.0, -3.0, 100.0, 0.5], [5.0, 0.5, 10.0, 2.0])
    cases = [Case((square, _table(rng, 3, [20.0, -3.0, 100.0, 0.5], [5.0, 0.5, 10.0, 2.0])),
                  "4 x 4 training rows, 3 test rows")]
    const_tr, const_te = _table(rng, 5, [1.0, 0.0, -2.0], [3.0, 1.0, 0.2]), _table(rng, 2, [1.0, 0.0, -2.0], [3.0, 1.0, 0.2])
    const_tr[:, 1], const_te[:, 1] = 2.5, 3.0       # 2.5 is exact in binary: its mean is exactly 2.5, its std 0
    cases.append(Case((const_tr, const_te), "the second column is constant in the training rows (standard deviation 0)"))
    cases.append(Case((_table(rng, 7, [12.0, -40.0], [4.0, 8.0]), _table(rng, 1, [30.0, -40.0], [4.0, 8.0])),
                      "a single test row, far outside the training range"))
    if hidden:
        cases += [Case((_table(rng, 9, [5.0], [2.0]), _table(rng, 4, [5.0], [2.0])), "one column"),
                  Case((np.c_[np.full(6, -4.0), _table(rng, 6, [0.0, 3.0], [1.0, 7.0])],
                        _table(rng, 2, [-4.0, 0.0, 3.0], [1.0, 1.0, 7.0])), "constant first column"),
                  Case((_table(rng, 3, [1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 0.1, 2.0, 0.5, 3.0]),
                        _table(rng, 8, [1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 0.1, 2.0, 0.5, 3.0])), "3 rows, 5 columns")]
    return cases


def _hessian_condition(X):
    D = np.c_[np.ones(len(X)), X]
    lam = np.linalg.eigvalsh(D.T @ D / len(D))
    return lam[-1] / lam[0]


def check_standardise(fn, hidden: bool = False) -> None:
    """standardise(X_train, X_test) == (S_train, S_test, mean, scale): per-column training statistics (std
    with 1/n, 1 where it is 0) applied to both arrays; inputs unchanged."""
    cases = _standardise_cases(hidden)
    check_cases(EX4, fn, _standardise, cases, ("X_train", "X_test"), _ST_SLIPS, quiet=True, dtype="float",
                approx_kind="the numbers are close but not exact. A small number added to the standard "
                            "deviation (to avoid dividing by 0) changes every column a little: divide by the "
                            "standard deviation itself, and by 1 only where it is 0.",
                nonfinite_kind="dividing by a standard deviation of 0 gives nan or inf. A constant column "
                               "carries no information: the exercise says which divisor to use for it.",
                value_kind="the numbers differ on this input: compare one column of your result by hand with "
                           "(x - mean) / (standard deviation) of that column.")
    if hidden:
        return
    rng = np.random.default_rng(8)
    X = _table(rng, 200, [20.0, -3.0, 100.0], [5.0, 0.5, 10.0])
    S = EX4.call(fn, (X, X[:1]), "standardise(X, X[:1])", arg_names=("X_train", "X_test"))[0]
    before, after = _hessian_condition(X), _hessian_condition(S)
    corr = np.linalg.eigvalsh(np.corrcoef(X, rowvar=False))
    passed(f"standardise is right on {len(cases)} test inputs (a square one, a constant column, a single test "
           f"row), and leaves its inputs unchanged.\nWhat it does to the valley: for a regression on 3 features "
           f"with means 20, -3 and 100 and spreads 5, 0.5 and 10 (plus a column of ones for the intercept), the "
           f"Hessian X^T X / n has condition number {before:.3g}; on your standardised columns it is "
           f"{after:.3g}. Centring decouples the intercept, dividing gives every feature curvature 1; what "
           f"remains is how much the features rise and fall together, their correlation: it sits off the "
           f"diagonal of H, standardising cannot remove it, and here it is small (the matrix of the features' "
           f"correlations has the same condition number, {corr[-1] / corr[0]:.3g}).")


__all__ = ["check_linreg_gradient", "check_momentum_step", "check_lr_max", "check_standardise"]

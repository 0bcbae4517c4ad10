"""Checks for chapter 6, softmax and cross-entropy."""
from __future__ import annotations

import numpy as np

from ..activations import log_softmax, sigmoid, softmax
from . import ch05
from ._core import check_function, close, fail, fmt, passed

# -- exercise 1: a stable cross-entropy ------------------------------------------------------------
_CE_HINT = ("subtract m = max(z) before exponentiating: -log softmax(z)[c] = m + log(sum(exp(z - m))) - z[c]. "
            "Never take the log of a probability that may have underflowed to 0.")


def _cross_entropy(z, c):
    return float(-log_softmax(np.asarray(z, dtype=float))[c])


def check_cross_entropy(fn, hidden: bool = False) -> None:
    """cross_entropy(z, c) == -log softmax(z)[c], also for huge and very negative logits."""
    if hidden:
        rng = np.random.default_rng(61)
        cases = [(rng.normal(size=5) * 3, 4), (np.array([-800.0, 800.0, 0.0]), 0),
                 (np.array([745.0, 740.0]), 1), (np.array([0.0, 0.0, 0.0, 0.0]), 2)]
    else:
        cases = [(np.array([2.0, 1.0, 0.1]), 1), (np.array([1000.0, 1000.0, 999.0]), 2),
                 (np.array([0.0, -1000.0]), 1)]
    name = "cross_entropy"
    if not callable(fn):
        fail(f"{name} should be a function, but it is a {type(fn).__name__}.")
    for z, c in cases:
        where = f"{name}(z={fmt(z)}, c={c})"
        try:
            with np.errstate(all="ignore"):
                got = fn(z.copy(), c)
        except NotImplementedError:
            fail(f"{name} is not written yet (it raises NotImplementedError).", _CE_HINT)
        except Exception as e:
            fail(f"{where} raised {type(e).__name__}: {e}", _CE_HINT)
        if got is None:
            fail(f"{where} returned None. Did you forget `return`?")
        try:
            got_f = float(np.asarray(got, dtype=float).reshape(()))
        except (TypeError, ValueError):
            fail(f"{where} should return one number, got {fmt(got)}")
        expected = _cross_entropy(z, c)
        if not np.isfinite(got_f):
            fail(f"{where} returned {got_f}, expected {expected:.6g}: the exponentials overflowed "
                 f"(e^z is inf for z > 709) or a probability underflowed to 0.", _CE_HINT)
        ok, why = close(got_f, expected, rtol=1e-7, atol=1e-9)
        if not ok:
            extra = ""
            if np.isclose(got_f, -_cross_entropy(z, c)):
                extra = " (the sign is flipped: the loss is MINUS the log-probability)"
            fail(f"{where}: {why}{extra}", _CE_HINT)
    if not hidden:
        passed(f"{name} is right, and finite for logits of 1000, on {len(cases)} test inputs.")


# -- exercise 2: the softmax Jacobian --------------------------------------------------------------
def _jacobian(z):
    p = softmax(np.asarray(z, dtype=float))
    return np.diag(p) - np.outer(p, p)


def check_jacobian(fn, hidden: bool = False) -> None:
    """jacobian(z) == diag(p) - p p^T."""
    rng = np.random.default_rng(62 if hidden else 7)
    cases = [(np.array([2.0, 1.0, 0.1]),), (rng.normal(size=4),)]
    if hidden:
        cases += [(rng.normal(size=2) * 3,), (np.array([500.0, 0.0, -500.0]),), (rng.normal(size=6),)]
    if not callable(fn):
        fail(f"jacobian should be a function, but it is a {type(fn).__name__}.")
    for (z,) in cases:
        p = softmax(z)
        try:
            with np.errstate(all="ignore"):
                got = fn(z.copy())
        except NotImplementedError:
            fail("jacobian is not written yet (it raises NotImplementedError).",
                 "J[j, u] = p_j (1[j == u] - p_u) with p = softmax(z).")
        except Exception as e:
            fail(f"jacobian(z={fmt(z)}) raised {type(e).__name__}: {e}")
        if got is not None and np.shape(got) == (len(z), len(z)):
            g, right = np.asarray(got, dtype=float), _jacobian(z)
            if np.allclose(g, right):
                continue
            if np.allclose(g, np.diag(p * (1 - p))):
                fail(f"jacobian(z={fmt(z)}) has only the diagonal p_j (1 - p_j); the off-diagonal entries "
                     f"dp_j/dz_u = -p_j p_u (j != u) are missing.",
                     "every p_j depends on every z_u through the denominator: J = diag(p) - outer(p, p).")
            if np.allclose(g, -np.outer(p, p)):
                fail(f"jacobian(z={fmt(z)}) has only the -p_j p_u part; the diagonal also has + p_j.",
                     "J = diag(p) - outer(p, p).")
    check_function(fn, _jacobian, cases, name="jacobian", arg_names=("z",),
                   hint="J[j, u] = p_j (1[j == u] - p_u), i.e. np.diag(p) - np.outer(p, p) with p = softmax(z). "
                        "Each row of J sums to 0.", quiet=hidden)


# -- exercise 3: find the bug in a classifier's backward pass --------------------------------------
def classifier_loss(X, T, params) -> float:
    r"""$L = -\frac1N \sum_n \sum_k t_{nk} \log \mathrm{softmax}(\sigma(x_n W_1 + b_1) W_2 + b_2)_k$."""
    A1 = sigmoid(X @ params["W1"] + params["b1"])
    Z2 = A1 @ params["W2"] + params["b2"]
    return float(-np.sum(T * log_softmax(Z2)) / X.shape[0])


def classifier_case(n=6, n_in=2, n_hidden=3, n_classes=3, seed=0):
    """(X, T one-hot, params) for the sigmoid-hidden, softmax-output classifier."""
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(0, 1.0, size=(n_in, n_hidden)), "b1": rng.normal(0, 0.5, size=n_hidden),
              "W2": rng.normal(0, 1.0, size=(n_hidden, n_classes)), "b2": rng.normal(0, 0.5, size=n_classes)}
    X = rng.normal(size=(n, n_in))
    T = np.eye(n_classes)[rng.integers(0, n_classes, size=n)]
    return X, T, params


def gradient_report(fn, X, T, params) -> dict:
    """Print fn's per-parameter relative errors against central differences of the classifier's loss."""
    return ch05.gradient_report(fn, classifier_loss, X, T, params)


def check_classifier_backward(fn, hidden: bool = False) -> None:
    """The fixed classifier_backward passes the gradient check on every parameter."""
    shapes = [(6, 2, 3, 3), (1, 3, 4, 2)] + ([(10, 4, 5, 4), (3, 2, 2, 5)] if hidden else [])
    cases = [classifier_case(*s, seed=200 + i + (50 if hidden else 0)) for i, s in enumerate(shapes)]
    ch05.grade_backward(fn, classifier_loss, cases, "classifier_backward",
                        hint="if every gradient is off, look at the output delta: through softmax + "
                             "cross-entropy, dL/dZ2 = (Y - T) / N (the whole Jacobian, not its diagonal "
                             "Y (1 - Y)).", quiet=hidden)

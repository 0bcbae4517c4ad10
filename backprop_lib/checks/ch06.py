"""Checks for chapter 6, softmax and cross-entropy."""
from __future__ import annotations

import sys

import numpy as np

from .. import activations, gradcheck, losses
from ..activations import log_softmax, sigmoid, softmax
from . import ch05
from ._core import Exercise, Forbidden, Slip, _describe_args, check_cases, fmt

# -- exercise 1: a stable cross-entropy ------------------------------------------------------------
EX1 = Exercise(
    "ch06.ex1", "cross_entropy",
    start="Section 7 rewrites -log softmax(z)[c] so that no exponential can overflow and no probability is "
          "ever formed: start from that form of the loss, not from the probabilities.",
    reread="Section 7, the log-sum-exp: why subtracting the largest logit changes nothing mathematically and "
           "everything numerically.",
    code="after the shift every exponent is <= 0, so the largest term of the sum is exactly 1 and the log of "
         "the sum is finite; remember to add back what you subtracted.")


def _cross_entropy(z, c):
    return float(-log_softmax(np.asarray(z, dtype=float))[c])


def _lib_owner():
    return sys.modules.get("backprop_lib")


def _forbid_library_ce():
    lib = _lib_owner()
    targets = [(activations, "log_softmax"), (losses, "softmax_cross_entropy"), (losses, "cross_entropy_from_probs"),
               (sys.modules[__name__], "_cross_entropy")]
    targets += [(lib, "log_softmax")] if lib is not None else []
    return [Forbidden("the library's log_softmax / softmax_cross_entropy (or the check's own reference)",
                      "the exercise is to write the log-sum-exp yourself.", targets)]


_CE_SLIPS = [
    Slip("the sign is flipped: the loss is MINUS the log-probability of the true class (always >= 0).",
         lambda z, c: float(log_softmax(z)[c])),
    Slip("the largest logit m is subtracted inside the exponentials but not added back outside the log.",
         lambda z, c: float(np.log(np.sum(np.exp(z - z.max()))) - z[c]),
         code="log(sum(exp(z))) = m + log(sum(exp(z - m))) for any number m."),
    Slip("the true class's logit enters with the wrong sign: the loss is (log of the sum) MINUS z[c].",
         lambda z, c: float(z.max() + np.log(np.sum(np.exp(z - z.max()))) + z[c])),
    Slip("the loss picks the wrong entry: c is the index of the true class (0-based), used as it is.",
         lambda z, c: _cross_entropy(z, (c + 1) % len(z))),
    Slip("this is the natural log of the sum without the logit of the true class, i.e. the log-sum-exp alone.",
         lambda z, c: float(z.max() + np.log(np.sum(np.exp(z - z.max()))))),
]


def check_cross_entropy(fn, hidden: bool = False) -> None:
    """cross_entropy(z, c) == -log softmax(z)[c], also for huge and very negative logits."""
    if hidden:
        rng = np.random.default_rng(61)
        cases = [(rng.normal(size=5) * 3, 4), (np.array([-800.0, 800.0, 0.0]), 0),
                 (np.array([745.0, 740.0]), 1), (np.array([0.0, 0.0, 0.0, 0.0]), 2)]
    else:
        cases = [(np.array([2.0, 1.0, 0.1]), 1), (np.array([1000.0, 1000.0, 999.0]), 2),
                 (np.array([0.0, -1000.0]), 1)]
    name = ch05._name(fn, "cross_entropy")
    forbid = _forbid_library_ce()
    ch05.reject_forbidden_itself(EX1, fn, forbid, name)
    for z, c in cases:
        where = f"{name}({_describe_args((z, c), ('z', 'c'))})"
        got = EX1.call(fn, (z, c), where, forbid)
        try:
            got_f = float(np.asarray(got, dtype=float).reshape(()))
        except (TypeError, ValueError):
            EX1.fail(f"{where} should return one number, got {fmt(got)}",
                     "the loss of one sample is a single number (the entry of the true class), not a vector.")
        expected = _cross_entropy(z, c)
        if not np.isfinite(got_f):
            if np.any(z > 709):
                kind = ("an exponential overflowed: e^z is inf for z > 709, and inf/inf or inf - inf is nan. "
                        "The exercise asks for a form in which no exponential can overflow.")
            else:
                kind = ("a probability underflowed to 0 (e^-1000 is 0 in float64) and its log is -inf. Never "
                        "take the log of a probability; take the log-sum-exp of the logits.")
            EX1.fail(f"{where} returned {got_f}, expected {expected:.6g}.", kind)
        if abs(got_f - expected) <= 1e-9 * max(1.0, abs(expected)):
            continue
        args = (z, c)
        for slip in _CE_SLIPS:
            if ch05.slip_matches(slip, got_f, args, expected):
                EX1.fail(f"{where}: expected {expected:.6g}, got {got_f:.6g}", slip.kind, slip.reread, slip.code)
        EX1.fail(f"{where}: expected {expected:.6g}, got {got_f:.6g}",
                 "the value differs from -log softmax(z)[c] on this input.")
    if not hidden:
        EX1.passed(f"{name} is right, and finite for logits of 1000, on {len(cases)} test inputs.")


# -- exercise 2: the softmax Jacobian --------------------------------------------------------------
def _jacobian(z):
    p = softmax(np.asarray(z, dtype=float))
    return np.diag(p) - np.outer(p, p)


EX2 = Exercise(
    "ch06.ex2", "jacobian",
    start="Section 2 differentiates p_j = e^{z_j} / S by the quotient rule, in two cases: u = j and u != j. "
          "Compute the probabilities p first, then fill the K x K matrix.",
    reread="Section 2, the two cases of the quotient rule and the matrix form of J.",
    code="the diagonal is the sigmoid-like p_j (1 - p_j); every entry also has a -p_j p_u part, which is an "
         "outer product (a K x K matrix), not an inner product (one number).")


def _forbid_jacobian():
    lib = _lib_owner()
    targets = [(activations, "softmax_jacobian"), (sys.modules[__name__], "_jacobian")]
    targets += [(lib, "softmax_jacobian")] if lib is not None and hasattr(lib, "softmax_jacobian") else []
    fd = [(gradcheck, "numerical_gradient")] + ([(lib, "numerical_gradient")] if lib is not None else [])
    return [Forbidden("softmax_jacobian (the library's answer, or the check's)",
                      "the exercise is to derive J yourself; bl.softmax is allowed.", targets),
            Forbidden("numerical_gradient", "the exercise asks for the exact Jacobian from its formula, not "
                      "an estimate by central differences.", fd)]


_JAC_SLIPS = [
    Slip("only the diagonal p_j (1 - p_j) is there; the off-diagonal entries dp_j/dz_u = -p_j p_u (j != u) "
         "are missing. Every p_j depends on every z_u through the shared denominator.",
         lambda z: np.diag(softmax(z) * (1 - softmax(z)))),
    Slip("only the -p_j p_u part is there; the diagonal also has + p_j.",
         lambda z: -np.outer(softmax(z), softmax(z))),
    Slip("the sign of the p_j p_u part is flipped: moving z_u up takes probability away from the other "
         "classes, so the off-diagonal entries are negative.",
         lambda z: np.diag(softmax(z)) + np.outer(softmax(z), softmax(z))),
    Slip("the p_j p_u part is an inner product (one number subtracted everywhere) instead of an outer "
         "product (a K x K matrix).", lambda z: np.diag(softmax(z)) - softmax(z) @ softmax(z)),
    Slip("p_j p_u is written p_u^2 (each row subtracts the squared probabilities): the product takes one "
         "factor from row j and one from column u.", lambda z: np.diag(softmax(z)) - softmax(z) ** 2),
    Slip("the formula is applied to the logits z instead of the probabilities p = softmax(z).",
         lambda z: np.diag(z) - np.outer(z, z)),
]


def check_jacobian(fn, hidden: bool = False) -> None:
    """jacobian(z) == diag(p) - p p^T, exactly (a finite-difference estimate fails)."""
    rng = np.random.default_rng(62 if hidden else 7)
    cases = [(np.array([2.0, 1.0, 0.1]),), (rng.normal(size=4),)]
    if hidden:
        cases += [(rng.normal(size=2) * 3,), (np.array([500.0, 0.0, -500.0]),), (rng.normal(size=6),)]
    name = ch05._name(fn, "jacobian")
    n = ch05.run_cases(EX2, fn, _jacobian, cases, ("z",), _JAC_SLIPS, name=name, forbid=_forbid_jacobian(),
                       dtype="float", tight=1e-13,
                       approx_kind="the Jacobian is close to the exact one but not exact, as a finite-difference "
                                   "estimate gives it. The exercise asks for J from its formula.",
                       value_kind="J differs from the derivative of the softmax; check a row: each row of J "
                                  "sums to 0.")
    if not hidden:
        EX2.passed(f"{name} gives the exact Jacobian on {n} test inputs.")


# -- exercise 3: find the bug in a classifier's backward pass --------------------------------------
def classifier_loss(X, T, params) -> float:
    r"""$L = -\frac1N \sum_n \sum_k t_{nk} \log \mathrm{softmax}(\sigma(x_n W_1 + b_1) W_2 + b_2)_k$."""
    ch05.LOSS_CALLS["classifier_loss"] += 1
    A1 = sigmoid(X @ params["W1"] + params["b1"])
    Z2 = A1 @ params["W2"] + params["b2"]
    return float(-np.sum(T * log_softmax(Z2)) / X.shape[0])


def _classifier_grads(X, T, params) -> dict:
    """The exact gradients of classifier_loss (the reference; tested against central differences)."""
    A1 = sigmoid(X @ params["W1"] + params["b1"])
    out_delta = (softmax(A1 @ params["W2"] + params["b2"]) - T) / X.shape[0]
    hid_delta = (out_delta @ params["W2"].T) * A1 * (1 - A1)
    return {"W1": X.T @ hid_delta, "b1": hid_delta.sum(axis=0), "W2": A1.T @ out_delta, "b2": out_delta.sum(axis=0)}


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


EX3 = Exercise(
    "ch06.ex3", "classifier_backward",
    start="Copy the buggy function into this cell. The gradient check above says which gradients are wrong; "
          "find the one line they all depend on.",
    reread="Section 4, the naive chain rule and the sum over all paths through the softmax.",
    code="through the softmax and the cross-entropy together, the whole Jacobian collapses: the output delta "
         "needs neither a division by the probabilities nor a factor of the form y (1 - y).")


def _classifier_kind(layer: int, n_layers: int):
    if layer == 2:
        return ("the output layer's gradients are off (and with them every gradient below): the mistake is in "
                "layer 2, the output delta or the lines that turn it into the gradients of W2 and b2.",
                "Section 4, the naive chain rule and the sum over all paths through the softmax; section 3 for "
                "the mean over the N samples.", None)
    return ("the output layer's gradients are right, so the mistake is in layer 1 (the sigmoid hidden layer): "
            "its delta, chapter 5's equation (2), or the lines that turn it into the gradients of W1 and b1.",
            "Chapter 5, section 2, equation (2); the sigmoid's derivative in terms of its own value (chapter 2).",
            "the hidden delta sends the output delta back through W2 (transposed) and multiplies by the sigmoid's "
            "slope at the hidden layer, written with the hidden activations.")


def check_classifier_backward(fn, hidden: bool = False) -> None:
    """The fixed classifier_backward gives the exact gradient of every parameter, by backpropagation."""
    shapes = [(6, 2, 3, 3), (1, 3, 4, 2)] + ([(10, 4, 5, 4), (3, 2, 2, 5)] if hidden else [])
    cases = [classifier_case(*s, seed=200 + i + (50 if hidden else 0)) for i, s in enumerate(shapes)]
    ch05.grade_backward(EX3, fn, classifier_loss, _classifier_grads, cases, ch05._name(fn, "classifier_backward"),
                        _classifier_kind, quiet=hidden)


# -- exercise 4: the binary cross-entropy and its output delta ----------------------------------------
EX4 = Exercise(
    "ch06.ex4", "binary_cross_entropy",
    start="Section 5 writes the binary cross-entropy of one sigmoid output from its logit z, with the softplus, "
          "and derives its delta. Here z and t hold N samples: the loss is their mean.",
    reread="Section 5: the loss as softplus(z) - t z, the derivation of delta = a - t, and (for the 1/N) the "
           "mean over samples of chapter 5, section 2.",
    code="compute the loss from z without forming a = sigma(z) first (ln of a number that rounded to 0 or 1 is "
         "-inf); the delta of a mean over N samples carries a factor 1/N, and no factor sigma'(z).")


def _softplus(z):
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def _bce(z, t):
    z, t = np.asarray(z, dtype=float), np.asarray(t, dtype=float)
    return float(np.mean(_softplus(z) - t * z)), (sigmoid(z) - t) / z.size


def _forbid_bce():
    lib = _lib_owner()
    targets = [(losses, "binary_cross_entropy"), (losses, "binary_cross_entropy_grad"),
               (sys.modules[__name__], "_bce")]
    if lib is not None and hasattr(lib, "losses"):
        targets += [(lib.losses, "binary_cross_entropy"), (lib.losses, "binary_cross_entropy_grad")]
    fd = [(gradcheck, "numerical_gradient"), (np, "gradient")] + \
        ([(lib, "numerical_gradient")] if lib is not None else [])
    return [Forbidden("the library's binary_cross_entropy (or the check's own reference)",
                      "the exercise is to write the loss and its delta yourself.", targets),
            Forbidden("a finite-difference routine (bl.numerical_gradient, np.gradient)",
                      "the exercise asks for the exact delta a - t from section 5's derivation, not an estimate.",
                      fd)]


_BCE_SLIPS = [
    Slip("the delta keeps the sigmoid's slope: (a - t) sigma'(z) is the squared error's delta. For the "
         "cross-entropy the slope cancels.",
         lambda z, t: (float(np.mean(_softplus(z) - t * z)), (sigmoid(z) - t) * sigmoid(z) * (1 - sigmoid(z)) / z.size),
         reread="Section 5, where a(1 - a) cancels, and section 6, the squared error's delta."),
    Slip("the delta is missing the 1/N of the mean (each sample's delta is a - t; the mean divides by N).",
         lambda z, t: (float(np.mean(_softplus(z) - t * z)), sigmoid(z) - t)),
    Slip("the loss is the sum over samples, not the mean.",
         lambda z, t: (float(np.sum(_softplus(z) - t * z)), (sigmoid(z) - t) / z.size)),
    Slip("the sum over samples is used in both the loss and the delta: the exercise asks for the mean.",
         lambda z, t: (float(np.sum(_softplus(z) - t * z)), sigmoid(z) - t)),
    Slip("the delta has the wrong sign: it is a - t (positive when the output is too high).",
         lambda z, t: (float(np.mean(_softplus(z) - t * z)), (t - sigmoid(z)) / z.size)),
    Slip("the delta uses z where it needs the activation a = sigma(z).",
         lambda z, t: (float(np.mean(_softplus(z) - t * z)), (z - t) / z.size)),
    Slip("the roles of the classes are swapped: t = 1 should give -ln a, t = 0 should give -ln(1 - a).",
         lambda z, t: (float(np.mean(_softplus(z) - (1 - t) * z)), (sigmoid(z) - (1 - t)) / z.size)),
    Slip("the loss uses log base 10; the course's log is the natural log (np.log).",
         lambda z, t: (float(np.mean(_softplus(z) - t * z)) / np.log(10), (sigmoid(z) - t) / z.size)),
]


def check_binary_cross_entropy(fn, hidden: bool = False) -> None:
    """binary_cross_entropy(z, t) == (mean of -[t ln a + (1-t) ln(1-a)], (a - t) / N) with a = sigma(z),
    finite for |z| up to 1000 and exact for z exactly 0."""
    if hidden:
        rng = np.random.default_rng(64)
        cases = [(rng.normal(size=7) * 4, (rng.random(7) > 0.5).astype(float)),
                 (np.array([-745.0, 745.0, 0.0, 37.0]), np.array([1.0, 0.0, 1.0, 1.0])),
                 (np.array([2.5]), np.array([0.0]))]
    else:
        cases = [(np.array([0.3, -2.0, 2.5, 0.0]), np.array([1.0, 1.0, 0.0, 0.0])),
                 (np.array([-8.0, 6.0, 1.5]), np.array([1.0, 0.0, 1.0])),
                 (np.array([1000.0, -1000.0, 40.0]), np.array([0.0, 1.0, 1.0]))]
    name = ch05._name(fn, "binary_cross_entropy")
    forbid = _forbid_bce()
    ch05.reject_forbidden_itself(EX4, fn, forbid, name)
    check_cases(EX4, fn, _bce, cases, arg_names=("z", "t"), slips=_BCE_SLIPS, forbid=forbid, quiet=True,
                name=name, dtype=None,
                nonfinite_kind="a logarithm or exponential went out of range: ln of a probability that rounded "
                               "to 0 or 1 is -inf, and e^z overflows for z > 709. Write the loss from z with the "
                               "softplus form of section 5.")
    if not hidden:
        EX4.passed(f"{name} gives the loss and the delta on {len(cases)} test inputs, including |z| = 1000 and z = 0.")

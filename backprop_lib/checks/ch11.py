"""Checks for chapter 11, the capstone: a digit classifier made only of the student's own functions.

Exercises 1-5 check one piece each against the course's exact reference (written here in numpy alone, so
that none of the library's functions the exercises forbid is ever called by the references). Exercises 3
and 5 put the pieces together; their checks run the student's function with the course's versions of the
earlier pieces swapped in for the student's (in the student's namespace, for the duration of the call), so
a mistake in exercise 1 is reported by exercise 1's check, not again here. Exercise 6 trains the network
made of the student's own functions with the student's settings and grades the test accuracy.
"""
from __future__ import annotations

import contextlib
import copy
import re
import sys
import time

import numpy as np

from .. import activations, capstone, gradcheck, layers, losses, mlp, optim
from ..train import Trainer
from ..gradcheck import rel_error
from . import ch05
from ._core import (Case, CheckFailed, Exercise, Forbidden, Slip, Spy, _describe_args, compare, finite_differences,
                    fmt)

TARGET = 0.95           # exercise 6: the test accuracy to reach


# ------------------------------------------------------------------------------------------------
# The course's reference pieces (numpy only)
# ------------------------------------------------------------------------------------------------
def _affine_forward(A_prev, W, b):
    return A_prev @ W + b


def _affine_backward(delta, A_prev, W):
    return A_prev.T @ delta, delta.sum(axis=0), delta @ W.T


def _relu(Z):
    return np.where(Z > 0, Z, 0.0)


def _relu_derivative(Z):
    return np.where(Z > 0, 1.0, 0.0)


def _softmax_cross_entropy(Z, T):
    Z = np.asarray(Z, dtype=float)
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    N = Z.shape[0]
    return float(-np.sum(T * log_p) / N), (np.exp(log_p) - T) / N


def _loss_and_grads(X, T, params):
    L = len(params) // 2
    A, Zs = [X], []
    for l in range(1, L + 1):
        Z = A[-1] @ params[f"W{l}"] + params[f"b{l}"]
        Zs.append(Z)
        A.append(_relu(Z) if l < L else Z)
    loss, delta = _softmax_cross_entropy(Zs[-1], T)
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"], grads[f"b{l}"], dA = _affine_backward(delta, A[l - 1], params[f"W{l}"])
        if l > 1:
            delta = dA * _relu_derivative(Zs[l - 2])
    return loss, grads


def _momentum_step(params, grads, velocity, lr, mu):
    new_v = {k: mu * velocity[k] - lr * grads[k] for k in params}
    return {k: params[k] + new_v[k] for k in params}, new_v


def _train_epoch(X, T, params, velocity, lr, mu, batch_size, rng, loss_and_grads=None, momentum_step=None):
    loss_and_grads = loss_and_grads or _loss_and_grads
    momentum_step = momentum_step or _momentum_step
    order = rng.permutation(X.shape[0])
    losses_ = []
    for start in range(0, X.shape[0], batch_size):
        idx = order[start:start + batch_size]
        loss, grads = loss_and_grads(X[idx], T[idx], params)
        params, velocity = momentum_step(params, grads, velocity, lr, mu)
        losses_.append(loss)
    return params, velocity, losses_


def reference_functions() -> dict:
    """The course's eight pieces under the exercises' names (for tests and the catalogue)."""
    return {"affine_forward": _affine_forward, "affine_backward": _affine_backward, "relu": _relu,
            "relu_derivative": _relu_derivative, "softmax_cross_entropy": _softmax_cross_entropy,
            "loss_and_grads": _loss_and_grads, "momentum_step": _momentum_step, "train_epoch": _train_epoch}


# ------------------------------------------------------------------------------------------------
# What the exercises forbid: the library's network code
# ------------------------------------------------------------------------------------------------
def _library_targets():
    lib = sys.modules.get("backprop_lib")
    targets = [(layers.Dense, "forward"), (layers.Dense, "backward"), (layers.Dense, "backward_delta"),
               (mlp.MLP, "forward"), (mlp.MLP, "_forward"), (mlp.MLP, "backward"), (mlp.MLP, "loss_and_grads"),
               (mlp.MLP, "_loss_and_grads"), (activations, "relu"), (activations, "relu_derivative"),
               (activations, "relu_prime"), (activations, "softmax"), (activations, "log_softmax"),
               (losses, "softmax_cross_entropy"), (losses, "softmax_cross_entropy_grad"), (optim.SGD, "step"),
               (sys.modules[Trainer.__module__], "train"), (Trainer, "run")]
    if lib is not None:
        targets += [(lib, a) for a in ("relu", "softmax", "train") if hasattr(lib, a)]
    return targets


LIBRARY = Forbidden("the library's own network code (bl.relu, bl.softmax, bl.losses, bl.MLP, bl.SGD, bl.train, ...)",
                    "the capstone's network is made only of functions you write yourself; numpy is allowed.",
                    _library_targets())


def _library_itself(ex: Exercise, fn, name: str) -> None:
    """`relu = bl.relu`: the answer IS a forbidden function (a spy cannot see that call)."""
    originals = [getattr(o, a, None) for o, a in LIBRARY.targets] + list(reference_functions().values())
    if any(fn is f or getattr(f, "__func__", None) is fn for f in originals if f is not None):
        ex.fail(f"{name} is one of {LIBRARY.label} itself.", f"{LIBRARY.label} is not allowed here: {LIBRARY.why}")


@contextlib.contextmanager
def _swapped(ns: dict, replacements: dict):
    """Put the course's pieces into the student's namespace under their names for the duration of a call."""
    saved = {k: ns[k] for k in replacements if k in ns}
    missing = [k for k in replacements if k not in ns]
    try:
        ns.update(replacements)
        yield
    finally:
        ns.update(saved)
        for k in missing:
            ns.pop(k, None)


def _name(fn, default: str) -> str:
    return ch05._name(fn, default)


# ------------------------------------------------------------------------------------------------
# Exercise 1: the layers (affine forward and backward, relu and its derivative)
# ------------------------------------------------------------------------------------------------
_LAYER_START = ("Section 2 lists what each of the four functions receives and returns, with shapes; chapter 5, "
                "section 1 derives the affine layer's gradients, chapter 2 the ReLU and its slope.")
EX1_FORWARD = Exercise(
    "ch11.ex1.affine_forward", "affine_forward", start=_LAYER_START,
    reread="Section 2, the affine layer Z = A_prev W + b in the row-batch form, and chapter 5, section 1.",
    code="one row per sample: the product of the (N, n_in) batch with the (n_in, n_out) weights gives (N, n_out), "
         "and the bias vector is added to every row.")
EX1_BACKWARD = Exercise(
    "ch11.ex1.affine_backward", "affine_backward", start=_LAYER_START,
    reread="Chapter 5, section 1, the three gradients of Z = A_prev W + b and 'Shapes are a free check'.",
    code="write the shape of each factor under it: the sum over the N samples is the index two factors share, "
         "and each result must come out as W's, b's or A_prev's shape.")
EX1_RELU = Exercise(
    "ch11.ex1.relu", "relu", start=_LAYER_START,
    reread="Chapter 2, the ReLU: z where z > 0, else 0.",
    code="compare element by element with 0 and build a new float array; never write into Z.")
EX1_RELU_D = Exercise(
    "ch11.ex1.relu_derivative", "relu_derivative", start=_LAYER_START,
    reread="Chapter 2, the ReLU's slope, and the convention at z exactly 0 (section 2 of this chapter).",
    code="the slope is 1 where z is strictly positive and 0 everywhere else, including z = 0; return floats, "
         "not True/False.")


def _affine_forward_cases(hidden: bool):
    rng = np.random.default_rng(111 if hidden else 11)
    shapes = [(3, 3, 3), (4, 3, 2), (1, 2, 5)] + ([(6, 5, 4), (2, 1, 1)] if hidden else [(5, 4, 3)])
    return [Case((rng.normal(size=(n, i)), rng.normal(size=(i, o)), rng.normal(size=o)),
                 "square: N = n_in = n_out" if n == i == o else "") for n, i, o in shapes]


_FORWARD_SLIPS = [
    Slip("the bias b is missing.", lambda A, W, b: A @ W),
    Slip("the bias is subtracted; the layer adds it.", lambda A, W, b: A @ W - b),
    Slip("the product is in the wrong order: in the row-batch form the batch comes first (samples are rows).",
         lambda A, W, b: W @ A + b),
    Slip("W is transposed: it has shape (n_in, n_out) and multiplies the batch as it is.",
         lambda A, W, b: A @ W.T + b),
    Slip("the bias is added down the columns (one entry per sample) instead of along every row (one entry "
         "per unit).", lambda A, W, b: A @ W + b[:, None]),
    Slip("the product is element-wise; the layer needs a matrix product.", lambda A, W, b: A * W + b),
]


def _relu_cases(hidden: bool):
    rng = np.random.default_rng(112 if hidden else 12)
    cases = [Case((np.array([[-2.0, 0.0, 3.5], [0.0, 1e-300, -1e-300]]),), "z exactly 0 in some entries"),
             Case((np.array([[1000.0, -1000.0], [-0.5, 0.25]]),), "|z| up to 1000"),
             Case((rng.normal(size=(4, 5)),))]
    if hidden:
        cases += [Case((rng.normal(size=(1, 7)) * 50,)), Case((np.zeros((3, 2)),), "all zeros")]
    return cases


_RELU_SLIPS = [
    Slip("this is the minimum with 0, not the maximum: the ReLU keeps the positive part.",
         lambda Z: np.minimum(Z, 0.0)),
    Slip("this is the absolute value: the ReLU sets negative entries to 0, it does not flip their sign.",
         lambda Z: np.abs(Z)),
    Slip("this is a leaky ReLU (a small slope for z < 0); the course's ReLU is exactly 0 there.",
         lambda Z: np.where(Z > 0, Z, 0.01 * Z)),
    Slip("this is the ReLU's slope (0 or 1), not the ReLU itself.", lambda Z: (Z > 0).astype(float)),
]

_RELU_D_SLIPS = [
    Slip("the slope is 1 at z exactly 0 (a comparison z >= 0); the course takes relu'(0) = 0, so the comparison "
         "must be strict.", lambda Z: (Z >= 0).astype(float)),
    Slip("this is the ReLU itself, max(0, z), not its slope (0 or 1).", lambda Z: np.maximum(Z, 0.0)),
    Slip("the slope is 1 on the wrong side: it is 1 for z > 0 and 0 for z < 0.", lambda Z: (Z < 0).astype(float)),
    Slip("the slope is the sign of z (-1, 0 or 1); for z < 0 the ReLU is flat, so its slope is 0.",
         lambda Z: np.sign(Z)),
    Slip("the slope is 1 everywhere; the ReLU is flat (slope 0) for z < 0.", lambda Z: np.ones_like(Z)),
]


def check_layers(affine_forward, affine_backward, relu, relu_derivative, hidden: bool = False) -> None:
    """The four layer functions of exercise 1, each on its own inputs (square shapes, z exactly 0, |z| = 1000)."""
    forbid = [LIBRARY]
    checks = [
        (EX1_FORWARD, affine_forward, "affine_forward", _affine_forward, _affine_forward_cases(hidden),
         ("A_prev", "W", "b"), _FORWARD_SLIPS),
        (EX1_BACKWARD, affine_backward, "affine_backward", _affine_backward, ch05._affine_cases(hidden),
         ("delta", "A_prev", "W"), ch05._AFFINE_SLIPS),
        (EX1_RELU, relu, "relu", _relu, _relu_cases(hidden), ("Z",), _RELU_SLIPS),
        (EX1_RELU_D, relu_derivative, "relu_derivative", _relu_derivative, _relu_cases(hidden), ("Z",),
         _RELU_D_SLIPS),
    ]
    for ex, fn, default, reference, cases, arg_names, slips in checks:
        name = _name(fn, default)
        if callable(fn):
            _library_itself(ex, fn, name)
        ch05.run_cases(ex, fn, reference, cases, arg_names, slips, name=name, forbid=forbid, dtype="float")
    if not hidden:
        ex = EX1_FORWARD
        ex.passed("affine_forward, affine_backward, relu and relu_derivative are right on every test input "
                  "(square shapes where a transposed product still fits, z exactly 0, |z| = 1000), and leave "
                  "their inputs unchanged.")


# ------------------------------------------------------------------------------------------------
# Exercise 2: softmax cross-entropy, loss and dL/dZ
# ------------------------------------------------------------------------------------------------
EX2 = Exercise(
    "ch11.ex2", "softmax_cross_entropy",
    start="Section 3 writes the mean cross-entropy of a batch of logits with the log-sum-exp, row by row, and "
          "its gradient with respect to the logits. Return the pair (loss, dZ).",
    reread="Section 3: the log-sum-exp shift row by row, the mean over the N rows, and dL/dZ = (P - T) / N; "
           "chapter 6, sections 4 and 7.",
    code="shift each row by its own largest logit (a per-row maximum, kept as a column so it broadcasts); the "
         "loss is a mean over rows, and the 1/N of that mean belongs in dZ too.")


def _sce_cases(hidden: bool):
    rng = np.random.default_rng(113 if hidden else 13)

    def onehot(n, k):
        return np.eye(k)[rng.integers(0, k, size=n)]
    cases = [Case((rng.normal(size=(4, 3)) * 2, onehot(4, 3))),
             Case((np.array([[1000.0, 1000.0, 999.0], [998.0, 1000.0, 1000.0]]), np.eye(3)[[2, 0]]),
                  "logits near 1000 in every row"),
             Case((np.array([[1000.0, 998.0, 999.0], [-1000.0, -1001.0, -999.0]]), np.eye(3)[[0, 1]]),
                  "one row near +1000, another near -1000"),
             Case((np.array([[0.5, -1.5]]), np.array([[0.0, 1.0]])), "N = 1")]
    if hidden:
        cases += [Case((rng.normal(size=(7, 5)) * 4, onehot(7, 5))),
                  Case((np.array([[0.0, 0.0, 0.0, 0.0], [-800.0, 800.0, 0.0, 1.0]]), np.eye(4)[[3, 0]]))]
    return cases


def _sce_predict(loss_f, dz_f):
    def predict(Z, T):
        with np.errstate(all="ignore"):
            return loss_f(Z, T), dz_f(Z, T)
    return predict


def _p(Z):
    s = Z - Z.max(axis=1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=1, keepdims=True)


def _colmax(Z, T):
    s = Z - Z.max(axis=0, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return float(-np.sum(T * log_p) / Z.shape[0]), (np.exp(log_p) - T) / Z.shape[0]


def _mean_loss(Z, T):
    return _softmax_cross_entropy(Z, T)[0]


_SCE_SLIPS = [
    Slip("dZ is missing the 1/N of the mean: each row's gradient is p - t, and the mean over N rows divides it by N.",
         _sce_predict(_mean_loss, lambda Z, T: _p(Z) - T)),
    Slip("the loss is the sum over the rows, not the mean.",
         _sce_predict(lambda Z, T: _mean_loss(Z, T) * Z.shape[0], lambda Z, T: (_p(Z) - T) / Z.shape[0])),
    Slip("the sum over the rows is used in both the loss and dZ; the exercise asks for the mean.",
         _sce_predict(lambda Z, T: _mean_loss(Z, T) * Z.shape[0], lambda Z, T: _p(Z) - T)),
    Slip("dZ has the wrong sign: it is (P - T) / N, positive for the classes the network overrates.",
         _sce_predict(_mean_loss, lambda Z, T: (T - _p(Z)) / Z.shape[0])),
    Slip("dZ is the probabilities alone: the targets are not subtracted.",
         _sce_predict(_mean_loss, lambda Z, T: _p(Z) / Z.shape[0])),
    Slip("dZ keeps only the diagonal of the softmax Jacobian (the one-path chain rule); summed over all paths it "
         "is P - T.", _sce_predict(_mean_loss, lambda Z, T: -T * (1 - _p(Z)) / Z.shape[0])),
    Slip("the largest logit is taken per column (axis 0); the shift that changes nothing is one number per row.",
         _sce_predict(lambda Z, T: _colmax(Z, T)[0], lambda Z, T: _colmax(Z, T)[1])),
]


def check_softmax_cross_entropy(fn, hidden: bool = False) -> None:
    """softmax_cross_entropy(Z, T) == (mean cross-entropy, (softmax(Z) - T) / N), finite for |z| ~ 1000."""
    name = _name(fn, "softmax_cross_entropy")
    if callable(fn):
        _library_itself(EX2, fn, name)
    forbid = [LIBRARY, finite_differences("the exercise asks for dZ from its formula, not a numerical estimate.")]
    for case in _sce_cases(hidden):
        Z, T = case.args
        expected = _softmax_cross_entropy(Z, T)
        where = f"{name}({_describe_args(case.args, ('Z', 'T'))}) [{case.note}]" if case.note else \
            f"{name}({_describe_args(case.args, ('Z', 'T'))})"
        got = EX2.call(fn, case.args, where, forbid, ("Z", "T"))
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            EX2.fail(f"{where} should return the pair (loss, dZ), got {fmt(got)}",
                     "the function returns two things: the loss (one number) and dZ (the shape of Z).")
        loss, dZ = got
        try:
            loss = float(np.asarray(loss, dtype=float).reshape(()))
        except (TypeError, ValueError):
            EX2.fail(f"{where}: the loss should be one number, got {fmt(got[0])}",
                     "the loss of a batch is one number, the mean over its rows, not one value per row.")
        dZ_arr = np.asarray(dZ, dtype=float) if not isinstance(dZ, dict) else None
        if not np.isfinite(loss) or (dZ_arr is not None and dZ_arr.shape == Z.shape and not np.all(np.isfinite(dZ_arr))):
            if "every row" in case.note:
                kind = ("an exponential overflowed: e^z is inf for z > 709, and inf / inf is nan. Shift the logits "
                        "before exponentiating, as section 3 does.")
            elif "another" in case.note:
                kind = ("one shift for the whole batch (its single largest logit) leaves a row whose logits are all "
                        "far below it: every e^(z - m) of that row underflows to 0 and its log is -inf. The shift "
                        "must be each row's own largest logit.")
            else:
                kind = "an intermediate value overflowed or divided by zero, although the exact answer is finite."
            EX2.fail(f"{where}: the result contains nan or inf (loss {fmt(loss)}); expected the loss "
                     f"{expected[0]:.6g}.", kind)
        v = compare((loss, dZ), expected, exact=True)
        if v.ok:
            continue
        for slip in _SCE_SLIPS:
            if ch05.slip_matches(slip, (loss, dZ), case.args, expected):
                EX2.fail(f"{where}: {v.why}", slip.kind, slip.reread, slip.code)
        if v.kind == "approx":
            EX2.fail(f"{where}: {v.why}", "the result is close but not exact, as a numerical estimate gives it; the "
                                          "exercise asks for the exact formula.")
        EX2.fail(f"{where}: {v.why}", "the shape of the result is not the one asked for (a number, and dZ of Z's "
                                      "shape)." if v.kind in ("shape", "type") else
                 "the loss or dZ differs from the mean cross-entropy and its gradient on this input.")
    if not hidden:
        EX2.passed(f"{name} gives the mean loss and dL/dZ on {len(_sce_cases(False))} test inputs, finite for logits "
                   "of +-1000, and leaves its inputs unchanged.")


# ------------------------------------------------------------------------------------------------
# Exercise 3: the whole forward and backward pass
# ------------------------------------------------------------------------------------------------
EX3 = Exercise(
    "ch11.ex3", "loss_and_grads",
    start="Section 4 writes the forward pass as a loop over the layers (keep every A and Z), the loss and dZ of "
          "the last layer from exercise 2, and the backward pass as a loop from the last layer down. Use your "
          "functions of exercises 1 and 2.",
    reread="Section 4, the forward and the backward loop, and chapter 5, section 2, equations (1)-(4).",
    code="the backward loop needs, for layer l, the activation that entered it and, to go further down, the "
         "pre-activation of the layer below; a dict or a list filled in the forward loop keeps them. The number "
         "of layers is half the number of entries of params.")


def network_case(sizes, n=6, seed=0, zero_z=False, scale_last=1.0):
    """(X, T one-hot, params) for a relu MLP with softmax output of the given layer sizes."""
    rng = np.random.default_rng(seed)
    params = {}
    for l, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{l}"] = rng.normal(0, 1.0, size=(a, b)) * (scale_last if l == len(sizes) - 1 else 1.0)
        params[f"b{l}"] = rng.normal(0, 0.5, size=b)
    X = rng.normal(size=(n, sizes[0]))
    T = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=n)]
    if zero_z:          # a zero sample and zero biases in layer 1: those hidden z are exactly 0
        X[0] = 0.0
        params["b1"][::2] = 0.0
    return X, T, params


def _network_cases(hidden: bool):
    cases = [(network_case([5, 4, 3], 6, seed=300), ""),
             (network_case([4, 6, 3, 2], 5, seed=301), "three layers, none of them square"),
             (network_case([3, 4], 4, seed=302), "one layer: no hidden layer at all"),
             (network_case([3, 5, 2], 4, seed=303, zero_z=True), "some hidden z exactly 0")]
    if hidden:
        cases += [(network_case([6, 8, 5, 4, 3], 9, seed=350), "four layers"),
                  (network_case([4, 5, 3], 5, seed=351, scale_last=400.0), "logits in the hundreds"),
                  (network_case([2, 3, 2], 1, seed=352), "N = 1")]
    return cases


_FD_KIND = ch05._FD_KIND
_FD_TOOLS = finite_differences("the exercise asks for backpropagation.",
                               extra=[(gradcheck, "gradient_check"), (gradcheck, "fd_errors")])


def _counted_pieces():
    """Fresh wrappers of the course's pieces of exercises 1-2 (counting the loss's calls: a finite-difference
    loop calls it twice per parameter)."""
    calls = [0]

    def affine_forward(A_prev, W, b):
        return _affine_forward(A_prev, W, b)

    def affine_backward(delta, A_prev, W):
        return _affine_backward(delta, A_prev, W)

    def relu(Z):
        return _relu(Z)

    def relu_derivative(Z):
        return _relu_derivative(Z)

    def softmax_cross_entropy(Z, T):
        calls[0] += 1
        return _softmax_cross_entropy(Z, T)
    return ({"affine_forward": affine_forward, "affine_backward": affine_backward, "relu": relu,
             "relu_derivative": relu_derivative, "softmax_cross_entropy": softmax_cross_entropy}, calls)
_NET_FD_REREAD = "Section 4: one forward pass, then the backward loop, gives every gradient exactly."
_NET_FD_CODE = ("the backward loop starts from dZ of exercise 2 and walks down the layers with exercise 1's "
                "functions; nothing is nudged and the loss is computed once.")


def _factor(got: dict, exact: dict, keys) -> float | None:
    """The one number c with got[k] == c * exact[k] for every k (to 1e-9), else None."""
    num = sum(float(np.sum(got[k] * exact[k])) for k in keys)
    den = sum(float(np.sum(exact[k] * exact[k])) for k in keys)
    if den == 0:
        return None
    c = num / den
    ok = all(np.allclose(got[k], c * exact[k], rtol=1e-9, atol=1e-12 * (1 + np.abs(exact[k]).max())) for k in keys)
    return c if ok else None


def _network_kind(layer: int, n_layers: int, note: str):
    zero = (" This input has hidden pre-activations exactly 0, where relu's slope is taken as 0."
            if "exactly 0" in note else "")
    if layer == n_layers:
        return (f"the gradients of the last layer (layer {layer}) are off, and with them every layer below: the "
                "mistake is in the last layer's step, the dZ you start the backward loop with or the lines that "
                "turn it into that layer's dW and db.",
                "Section 4, the start of the backward loop; section 3 for dZ.", None)
    return (f"the gradients of the layers above layer {layer} are right, so the mistake is in layer {layer}: the "
            f"delta sent down through the weights of layer {layer + 1} and multiplied by relu's slope at layer "
            f"{layer}'s z, or the lines that turn it into dW and db." + zero,
            "Section 4, the step of the backward loop from layer l + 1 to layer l; chapter 5, equation (2).",
            "the slope factor belongs to the layer the delta arrives at, evaluated at that layer's z (not its "
            "activation, not the layer above's).")


def check_loss_and_grads(fn, hidden: bool = False) -> None:
    """loss_and_grads(X, T, params) -> (loss, grads): the exact gradient of every W_l, b_l of a relu MLP with a
    softmax output and the mean cross-entropy, any number of layers, by backpropagation."""
    ex, name = EX3, _name(fn, "loss_and_grads")
    if not callable(fn):
        if fn is None:
            ex.not_written(f"{name} is still None.")
        ex.fail(f"{name} should be a function, but it is a {type(fn).__name__}.",
                f"the exercise asks for a function (def {name}(X, T, params): ...).")
    _library_itself(ex, fn, name)
    ns = getattr(fn, "__globals__", {})
    two_layers_passed = False
    for i, ((X, T, params), note) in enumerate(_network_cases(hidden)):
        L = len(params) // 2
        fixed = (f" It passed the two-layer input, so the code may assume a fixed number of layers: this network "
                 f"has {L} layer{'s' if L != 1 else ''}, and params holds W1, b1, ..., WL, bL for any L (loop over "
                 f"the layers)." if two_layers_passed and L != 2 else "")
        shapes = ", ".join(f"{k} {v.shape}" for k, v in params.items())
        where = f"{name} on test input {i + 1} (X {X.shape}, {shapes}{'; ' + note if note else ''})"
        frozen = {k: ch05._frozen(v) for k, v in params.items()}
        Xf, Tf = ch05._frozen(X), ch05._frozen(T)
        pieces, calls = _counted_pieces()
        fd = Spy(_FD_TOOLS.targets, [ns])
        lib = Spy(LIBRARY.targets, [ns])
        error, out = None, None
        try:
            with _swapped(ns, pieces), fd, lib, np.errstate(all="ignore"):
                out = fn(Xf, Tf, frozen)
        except NotImplementedError:
            ex.not_written(f"{name} is not written yet (it raises NotImplementedError).")
        except CheckFailed:
            raise
        except Exception as e:     # reported below, after the method checks
            error = e
        if lib.calls:
            ex.fail(f"{where}: {name} calls {LIBRARY.label}.", f"{LIBRARY.label} is not allowed here: {LIBRARY.why}")
        if fd.calls or calls[0] > 2:
            what = "a finite-difference tool" if fd.calls else f"softmax_cross_entropy {calls[0]} times"
            ex.fail(f"{where}: {name} calls {what}.", _FD_KIND, _NET_FD_REREAD, _NET_FD_CODE)
        if error is not None:
            text = str(error)
            if isinstance(error, ValueError) and "read-only" in text:
                ex.fail(f"{where}: {name} tried to change a parameter or an input in place ({type(error).__name__}: "
                        f"{error}); the check passes them read-only.",
                        "the function writes into an array it was given (params, X or T); build new arrays instead. "
                        "Nudging a parameter and re-evaluating the loss would be finite differences.",
                        _NET_FD_REREAD, _NET_FD_CODE)
            if isinstance(error, KeyError) and re.fullmatch(r"'?[Wb]\d+'?", text):
                ex.fail(f"{where}: {name} raised KeyError: {error}",
                        f"the code assumes a fixed number of layers; this network has {len(params) // 2}. params "
                        "holds W1, b1, ..., WL, bL: loop over the layers.")
            ex.fail(f"{where}: {name} raised {type(error).__name__}: {error}",
                    "the code raised an error on this input; print each array's shape in the forward and the "
                    "backward loop and compare with section 4." + fixed)
        if out is None:
            ex.not_written(f"{where}: {name} returned None. Did you forget `return`?")
        if not (isinstance(out, (tuple, list)) and len(out) == 2 and isinstance(out[1], dict)):
            ex.fail(f"{where}: expected (loss, grads) with grads a dict, got {type(out).__name__} {fmt(out)}",
                    "the function returns the loss and a dict of gradients with the keys of params.")
        loss, grads = out
        true_loss, exact = _loss_and_grads(X, T, params)
        try:
            loss = float(np.asarray(loss, dtype=float).reshape(()))
        except (TypeError, ValueError):
            ex.fail(f"{where}: the loss should be one number, got {type(loss).__name__} {fmt(loss)}",
                    "the loss is one number, the mean over the N rows.")
        if not (np.isfinite(loss) and abs(loss - true_loss) <= 1e-10 * max(abs(true_loss), 1e-300)):
            ex.fail(f"{where}: the loss is {loss:.6g}, expected {true_loss:.6g}.",
                    "the loss is wrong, so the forward pass is: every hidden layer applies relu to its z, and the last "
                    "layer's z (the logits) goes to the loss as it is, without relu." + fixed)
        missing = [k for k in params if k not in grads]
        if missing:
            ex.fail(f"{where}: the grads dict has no entry {missing[0]!r} (it has {sorted(grads)}).",
                    f"return one gradient per parameter, with the keys of params ({', '.join(params)}); this network "
                    f"has {L} layer{'s' if L != 1 else ''}.")
        got, errors = ch05.gradient_dict_errors(ex, where, params, grads, exact)
        bad = {k: e for k, e in errors.items() if not e <= ch05.EXACT_TOL}
        if not bad:
            two_layers_passed = two_layers_passed or L == 2
            continue
        message = ch05.wrong_gradients_message(where, params, bad)
        if max(bad.values()) < 1e-6:
            ex.fail(message, "the gradients are close to the exact ones but not exact, as finite differences give "
                             "them. " + ch05._FD_WHY, _NET_FD_REREAD, _NET_FD_CODE)
        N = X.shape[0]
        c = _factor(got, exact, list(params)) if len(bad) == len(params) else None
        if c is not None and N > 1 and np.isclose(c, 1 / N):
            ex.fail(message, "every gradient is 1/N times the right one: the 1/N of the mean is applied twice. dZ of "
                             "exercise 2 already holds it.", None,
                    "nothing after dZ divides by N again.")
        if c is not None and N > 1 and np.isclose(c, N):
            ex.fail(message, "every gradient is N times the right one: the 1/N of the mean loss is missing.")
        if c is not None and np.isclose(c, -1):
            ex.fail(message, "every gradient has the wrong sign: the backward loop starts from dZ = (P - T) / N.")
        layer = max(int(k[1:]) for k in bad)
        kind, reread, code = _network_kind(layer, len(params) // 2, note)
        ex.fail(message, kind, reread, code)
    if not hidden:
        ex.passed(f"{name} gives the exact gradient of every parameter (relative error below {ch05.EXACT_TOL:.0e}) "
                  f"for networks of 1, 2 and 3 layers, also where a hidden z is exactly 0, by backpropagation.")


# ------------------------------------------------------------------------------------------------
# Exercise 4: one update with momentum, for every parameter
# ------------------------------------------------------------------------------------------------
EX4 = Exercise(
    "ch11.ex4", "momentum_step",
    start="Section 5 updates every parameter of the dict with its own velocity: first the new velocity, then "
          "the parameter. Return two new dicts, (new_params, new_velocity).",
    reread="Section 5, the update with momentum, and chapter 3's section on momentum.",
    code="for each key: the new velocity keeps mu times the old one and adds a step of size lr against the "
         "gradient; the parameter then moves by the new velocity. Build new dicts of new arrays.")


def _momentum_cases(hidden: bool):
    rng = np.random.default_rng(114 if hidden else 14)
    shapes = {"W1": (3, 2), "b1": (2,), "W2": (2, 2), "b2": (2,)}
    if hidden:
        shapes.update({"W3": (2, 4), "b3": (4,)})
    cases = []
    for lr, mu in ((0.1, 0.9), (0.5, 0.3)) + (((0.05, 0.0),) if hidden else ()):
        p = {k: rng.normal(size=s) for k, s in shapes.items()}
        g = {k: rng.normal(size=s) for k, s in shapes.items()}
        v = {k: rng.normal(size=s) for k, s in shapes.items()}
        cases.append((p, g, v, lr, mu))
    return cases


def _per_key(array_slip):
    def predict(p, g, v, lr, mu):
        out = {k: array_slip(p[k], v[k], g[k], lr, mu) for k in p}
        return {k: o[0] for k, o in out.items()}, {k: o[1] for k, o in out.items()}
    return predict


_MOM_SLIPS = [Slip(s.kind, _per_key(s.predict)) for s in ch05._MOMENTUM_SLIPS]


def _dicts_equal(a, b, tol=None) -> bool:
    if not isinstance(a, dict) or set(a) != set(b):
        return False
    for k in b:
        try:
            x, y = np.asarray(a[k], dtype=float), np.asarray(b[k], dtype=float)
        except (TypeError, ValueError):
            return False
        if x.shape != y.shape:
            return False
        if tol is None:
            if not np.array_equal(x, y):
                return False
        elif not np.all(np.abs(x - y) <= tol * (np.abs(y) + np.abs(y).max())):
            return False
    return True


def check_momentum_step(fn, hidden: bool = False) -> None:
    """momentum_step(params, grads, velocity, lr, mu) == (new_params, new_velocity), new dicts, inputs unchanged."""
    ex, name = EX4, _name(fn, "momentum_step")
    if callable(fn):
        _library_itself(ex, fn, name)
    for p, g, v, lr, mu in _momentum_cases(hidden):
        args = (p, g, v, lr, mu)
        keys = ", ".join(p)
        where = f"{name}(params, grads, velocity, lr={lr}, mu={mu}) with keys {keys}"
        given = copy.deepcopy(args)
        pristine = copy.deepcopy(args)
        got = ex.call(fn, given, where, [LIBRARY])
        for arg, before, after in zip(("params", "grads", "velocity"), pristine[:3], given[:3]):
            if not _dicts_equal(after, before):
                changed = sorted(set(before) ^ set(after)) or [k for k in before if not np.array_equal(before[k], after[k])]
                ex.fail(f"{where} changed its input {arg} in place (entry {changed[0]!r}).",
                        f"the function writes into the caller's {arg} (with +=, -= or an assignment into the dict or "
                        f"its arrays); the exercise asks for new dicts and leaves its inputs as they were.")
        expected = _momentum_step(*copy.deepcopy(args))
        if not (isinstance(got, (tuple, list)) and len(got) == 2 and all(isinstance(d, dict) for d in got)):
            ex.fail(f"{where}: expected the pair (new_params, new_velocity) of dicts, got {fmt(got)}",
                    "the function returns two dicts with the keys of params.")
        if set(got[0]) != set(p) or set(got[1]) != set(p):
            ex.fail(f"{where}: the returned dicts have the keys {sorted(got[0])} and {sorted(got[1])}, expected "
                    f"{sorted(p)}.", "every parameter is updated: the dicts keep all the keys of params.")
        if _dicts_equal(got[0], expected[0], 1e-12) and _dicts_equal(got[1], expected[1], 1e-12):
            continue
        for slip in _MOM_SLIPS:
            pred = slip.predict(*copy.deepcopy(args))
            if _dicts_equal(got[0], pred[0], 1e-9) and _dicts_equal(got[1], pred[1], 1e-9):
                k = next(iter(p))
                ex.fail(f"{where}: expected new {k} {fmt(expected[0][k])} and velocity {fmt(expected[1][k])}, got "
                        f"{fmt(got[0][k])} and {fmt(got[1][k])}.", slip.kind)
        bad = [k for k in p if not (_dicts_equal({k: got[0][k]}, {k: expected[0][k]}, 1e-12)
                                    and _dicts_equal({k: got[1][k]}, {k: expected[1][k]}, 1e-12))]
        ex.fail(f"{where}: the update of {', '.join(bad)} is wrong: expected new {bad[0]} {fmt(expected[0][bad[0]])} "
                f"and velocity {fmt(expected[1][bad[0]])}, got {fmt(got[0][bad[0]])} and {fmt(got[1][bad[0]])}.",
                "the new parameters or velocities differ from section 5's update on these inputs"
                + (" (only some keys are wrong: is every key updated the same way?)" if len(bad) < len(p) else "."))
    if not hidden:
        ex.passed(f"{name} updates every parameter with momentum on {len(_momentum_cases(False))} test inputs and "
                  "leaves its inputs unchanged.")


# ------------------------------------------------------------------------------------------------
# Exercise 5: one epoch of mini-batch training
# ------------------------------------------------------------------------------------------------
EX5 = Exercise(
    "ch11.ex5", "train_epoch",
    start="Section 5 describes one epoch: one shuffle of the rows with rng, then the batches in that order, each "
          "one a call of loss_and_grads and of momentum_step. Return (params, velocity, losses).",
    reread="Section 5, one epoch of mini-batch training, step by step; chapter 3 on batches and epochs.",
    code="the batches are consecutive slices of the one shuffled order, the last one may be smaller; each step "
         "starts from the parameters and the velocity the previous step returned.")


def _epoch_cases(hidden: bool):
    rng = np.random.default_rng(115 if hidden else 15)
    cases = []
    for n, bs, sizes, seed in [(10, 4, [3, 4, 2], 7), (7, 7, [2, 3], 8)] + ([(13, 5, [3, 5, 4, 3], 9)] if hidden else []):
        X = rng.normal(size=(n, sizes[0]))
        T = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=n)]
        params = {}
        for l, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            params[f"W{l}"], params[f"b{l}"] = rng.normal(size=(a, b)), rng.normal(size=b) * 0.1
        velocity = {k: rng.normal(size=v.shape) * 0.1 for k, v in params.items()}
        cases.append((X, T, params, velocity, 0.1, 0.8, bs, seed))
    return cases


class _Recorder:
    """The course's loss_and_grads and momentum_step, recording what the student's loop passes them."""

    def __init__(self):
        self.batches, self.steps = [], []

    def loss_and_grads(self, X, T, params):
        self.batches.append((np.array(X, copy=True), np.array(T, copy=True)))
        return _loss_and_grads(X, T, params)

    def momentum_step(self, params, grads, velocity, lr, mu):
        self.steps.append(copy.deepcopy((params, grads, velocity, lr, mu)))
        return _momentum_step(params, grads, velocity, lr, mu)


def _rows_of(Xb, X) -> list:
    """The row indices of X that the rows of Xb are (-1 for a row that is not in X)."""
    out = []
    for row in np.asarray(Xb, dtype=float).reshape(-1, X.shape[1]):
        hit = np.flatnonzero(np.all(X == row, axis=1))
        out.append(int(hit[0]) if hit.size else -1)
    return out


def check_train_epoch(fn, hidden: bool = False) -> None:
    """train_epoch(X, T, params, velocity, lr, mu, batch_size, rng) -> (params, velocity, losses): one epoch in the
    order rng.permutation gives, every batch a call of loss_and_grads and momentum_step."""
    ex, name = EX5, _name(fn, "train_epoch")
    if callable(fn):
        _library_itself(ex, fn, name)
    ns = getattr(fn, "__globals__", {})
    for X, T, params, velocity, lr, mu, bs, seed in _epoch_cases(hidden):
        n = X.shape[0]
        where = (f"{name}(X {X.shape}, T {T.shape}, params, velocity, lr={lr}, mu={mu}, batch_size={bs}, "
                 f"rng=np.random.default_rng({seed}))")
        rec = _Recorder()
        given = (np.array(X), np.array(T), copy.deepcopy(params), copy.deepcopy(velocity), lr, mu, bs,
                 np.random.default_rng(seed))
        with _swapped(ns, {"loss_and_grads": rec.loss_and_grads, "momentum_step": rec.momentum_step}):
            got = ex.call(fn, given, where, [LIBRARY])
        for arg, before, after in (("X", X, given[0]), ("T", T, given[1])):
            if not np.array_equal(before, after):
                ex.fail(f"{where} changed its input {arg} in place (its rows are in another order or changed).",
                        f"the function shuffles or modifies the caller's {arg}; shuffle an order of the row indices and "
                        "take the batches by indexing, which makes new arrays.")
        for arg, before, after in (("params", params, given[2]), ("velocity", velocity, given[3])):
            if not _dicts_equal(after, before):
                ex.fail(f"{where} changed its input {arg} in place.",
                        f"the function writes into the caller's {arg}; each step returns new dicts, keep those.")
        order = np.random.default_rng(seed).permutation(n)
        expected_batches = [order[s:s + bs] for s in range(0, n, bs)]
        if not rec.batches:
            ex.fail(f"{where} never calls loss_and_grads.",
                    "every batch's gradients come from your loss_and_grads (exercise 3), called by that name.")
        seen = [_rows_of(Xb, X) for Xb, _ in rec.batches]
        for (Xb, Tb), rows in zip(rec.batches, seen):
            if -1 not in rows and not np.array_equal(np.asarray(Tb).reshape(-1, T.shape[1]), T[rows]):
                ex.fail(f"{where}: a batch pairs rows of X with targets of other rows.",
                        "X and T are put in different orders: one order of the row indices must pick both the "
                        "inputs and their targets.")
        flat = [r for rows in seen for r in rows]
        if len(rec.batches) < len(expected_batches) and sorted(flat) == sorted(order[:len(flat)].tolist()) \
                and len(flat) == (n // bs) * bs:
            ex.fail(f"{where}: {len(rec.batches)} batches, expected {len(expected_batches)} ({n} rows in batches of "
                    f"{bs}).", "the last, smaller batch is left out: when N is not a multiple of batch_size the "
                               "epoch still visits every row, so the last batch has the rows that are left.")
        if sorted(flat) != list(range(n)):
            ex.fail(f"{where}: the batches hold the rows {flat}; an epoch visits each of the {n} rows exactly once.",
                    "the batches do not cover every row once: take consecutive slices of one shuffled order.")
        if flat == list(range(n)) and n > 1 and not np.array_equal(order, np.arange(n)):
            ex.fail(f"{where}: the batches take the rows in their stored order 0, 1, 2, ...",
                    "the rows are not shuffled: every epoch visits them in the order rng.permutation gives.")
        if [list(r) for r in seen] != [list(b) for b in expected_batches]:
            if flat == order.tolist():
                ex.fail(f"{where}: batches of sizes {[len(r) for r in seen]}, expected batches of {bs}.",
                        "the batches are not consecutive slices of batch_size rows of the shuffled order.")
            ex.fail(f"{where}: the rows come in the order {flat}, expected {order.tolist()}.",
                    "the order does not come from one call of rng.permutation with the number of rows, on the rng "
                    "passed in (another generator, numpy's global one, or a new order per batch gives another order).")
        if len(rec.steps) != len(rec.batches):
            ex.fail(f"{where}: {len(rec.batches)} batches but {len(rec.steps)} calls of momentum_step.",
                    "every batch is one step: one call of loss_and_grads, then one of momentum_step.")
        ref = _Recorder()
        exp_params, exp_velocity, exp_losses = _train_epoch(X, T, copy.deepcopy(params), copy.deepcopy(velocity), lr,
                                                            mu, bs, np.random.default_rng(seed), ref.loss_and_grads,
                                                            ref.momentum_step)
        for i, (step, want) in enumerate(zip(rec.steps, ref.steps)):
            p, g, v, lr_got, mu_got = step
            if (lr_got, mu_got) == (mu, lr) and lr != mu:
                ex.fail(f"{where}: momentum_step gets lr={lr_got} and mu={mu_got}.",
                        "lr and mu are passed to momentum_step in the wrong order: the learning rate comes before "
                        "the momentum in its arguments (exercise 4).")
            if (lr_got, mu_got) != (lr, mu):
                ex.fail(f"{where}: momentum_step gets lr={lr_got}, mu={mu_got}; expected lr={lr}, mu={mu}.",
                        "the step uses other settings than the ones train_epoch was given.")
            if not _dicts_equal(v, want[2], 1e-12):
                zero = all(not np.any(np.asarray(x)) for x in v.values()) if isinstance(v, dict) else False
                ex.fail(f"{where}: step {i + 1} starts from the wrong velocity.",
                        "the velocity starts again from zero at every batch: it must carry over from step to step "
                        "(and into the next epoch: return it)." if zero else
                        "each step must start from the velocity the previous step returned (the first from the one "
                        "given).")
            if not _dicts_equal(p, want[0], 1e-12):
                ex.fail(f"{where}: step {i + 1} starts from the wrong parameters.",
                        "each step must start from the parameters the previous step returned (the first from the "
                        "ones given): keep what momentum_step returns.")
        if not (isinstance(got, (tuple, list)) and len(got) == 3):
            ex.fail(f"{where}: expected (params, velocity, losses), got {fmt(got)}",
                    "the function returns three things: the new params, the new velocity and the list of the "
                    "batches' losses.")
        new_params, new_velocity, losses_ = got
        if not (_dicts_equal(new_params, exp_params, 1e-12) and _dicts_equal(new_velocity, exp_velocity, 1e-12)):
            ex.fail(f"{where}: the returned params or velocity are not the ones after the last step.",
                    "return the parameters and the velocity the last call of momentum_step returned.")
        try:
            losses_arr = np.asarray(losses_, dtype=float)
        except (TypeError, ValueError):
            losses_arr = None
        if losses_arr is None or losses_arr.shape != (len(exp_losses),) or \
                not np.allclose(losses_arr, exp_losses, rtol=1e-12, atol=0):
            ex.fail(f"{where}: losses is {fmt(losses_)}, expected the {len(exp_losses)} batch losses "
                    f"{fmt(np.array(exp_losses))}.",
                    "losses is a list with one number per batch, in order: the loss loss_and_grads returned for it.")
    if not hidden:
        ex.passed(f"{name} runs the epoch in the order rng gives, visits every row once (the last batch smaller), "
                  "carries the parameters and the velocity from step to step, and leaves its inputs unchanged.")


# ------------------------------------------------------------------------------------------------
# Exercise 6: train it to 95%
# ------------------------------------------------------------------------------------------------
EX6 = Exercise(
    "ch11.ex6", "settings",
    start="Section 6 says what each setting does; the dict needs the keys hidden, lr, momentum, batch_size and "
          "epochs. Write exercises 1-5 first: this check trains the network made of them.",
    reread="Section 6 (the settings and what each does) and the library run of section 6 as a yardstick; "
           "chapter 3 for learning rates and momentum.",
    code="a learning rate far too large diverges and one far too small has not learned in the epochs given; with "
         "momentum 0.9 the step is about ten times lr. Watch the training loss: still falling at the end means "
         "more epochs (or a larger lr).")


def reference_accuracy(params, data=None) -> float:
    """The test accuracy of a relu MLP with these parameters, by the course's own forward pass."""
    d = capstone.digits_data() if data is None else data
    L, A = len(params) // 2, d["X_test"]
    for l in range(1, L + 1):
        Z = _affine_forward(A, np.asarray(params[f"W{l}"], dtype=float), np.asarray(params[f"b{l}"], dtype=float))
        A = _relu(Z) if l < L else Z
    return float(np.mean(np.argmax(A, axis=1) == d["y_test"]))


def check_training(settings, namespace=None, hidden: bool = False):
    """Train the network made of the student's functions (looked up by name in `namespace`, the notebook's
    globals()) with `settings`, and grade its test accuracy (>= 95%, by the course's forward pass)."""
    ex = EX6
    if settings is None:
        ex.not_written("settings is still None.")
    try:
        capstone.check_settings(settings)
    except ValueError as e:
        ex.fail(f"The settings {fmt(settings) if not isinstance(settings, dict) else settings} are not usable: {e}.",
                "a setting is missing or out of its range (section 6 lists them).")
    ns = namespace if namespace is not None else reference_functions()
    problems = capstone.function_problems(ns)
    if problems:
        ex.not_written("Your network cannot train yet: " + " ".join(problems))
    seed = 1 if hidden else 0
    net = capstone.YourNetwork(ns, settings, seed=seed)
    if net.error:
        ex.fail(net.error, "one of your functions fails on the digits; run the checks of exercises 1-5.")
    lib = Spy(LIBRARY.targets, [ns])
    start = time.perf_counter()
    with lib:
        h = net.train()
    seconds = time.perf_counter() - start
    if lib.calls:
        ex.fail(f"Your network calls {LIBRARY.label} while it trains.", f"{LIBRARY.label} is not allowed: {LIBRARY.why}")
    if net.error:
        ex.fail(net.error, "one of your functions fails on the digits; run the checks of exercises 1-5.")
    s = net.settings
    what = (f"With {settings}, seed {seed}: ")
    if h.diverged:
        ex.fail(what + h.message, "the loss diverged: the steps are too large for this network (the learning rate, "
                                  "and with momentum the velocity it builds up).")
    acc = reference_accuracy(net.params, net.data)
    if acc >= TARGET:
        if not hidden:
            ex.passed(f"your network, made only of your functions, reaches {acc:.1%} test accuracy after {h.epochs} "
                      f"epochs ({seconds:.1f} s here); the goal was {TARGET:.0%}.")
        return
    loss = np.array(h.loss)
    message = (what + f"test accuracy {acc:.1%} after {h.epochs} epochs (training accuracy {h.train_acc[-1]:.1%}, "
               f"training loss from {loss[0]:.3f} to {loss[-1]:.3f}); the goal is {TARGET:.0%}.")
    if max(s["hidden"]) < 16:
        ex.fail(message, f"a hidden layer of {max(s['hidden'])} units is too small a network for ten classes of "
                         "64 pixels.")
    if loss[-1] < loss[-2] and h.train_acc[-1] < 0.99:
        ex.fail(message, "the network is still learning when training stops: the training loss still falls from "
                         "epoch to epoch and the training digits are not learnt yet. It needs more epochs, or larger "
                         "steps.")
    if h.train_acc[-1] >= 0.99:
        ex.fail(message, "the network has learnt the training digits but does not do as well on the test digits; "
                         "other settings (the width, the learning rate, the batch size) generalise better.")
    ex.fail(message, "the training has stalled below the goal: the loss no longer falls much; other settings (the "
                     "learning rate, the batch size, the width) train better.")

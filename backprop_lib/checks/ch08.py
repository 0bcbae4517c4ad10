"""Checks for chapter 8, convolution: output shapes, the strided 1-D backward pass, the 2-D input gradient."""
from __future__ import annotations

import numpy as np

from ._core import _describe_args, close, fail, passed, run_student


def _call(fn, name: str, args: tuple, arg_names, hint: str, where: str | None = None):
    """Run the student's function; return (where, result) with `where` naming the call."""
    where = where or f"{name}({_describe_args(args, arg_names)})"
    return where, run_student(fn, name, where, hint, *args)


# -- exercise 1: output shape ------------------------------------------------------------------
def _shape(x_shape, w_shape, stride, padding):
    N, C, H, W = x_shape
    F, C2, KH, KW = w_shape
    if C != C2:
        raise ValueError("channels differ")
    out = []
    for n, k in ((H, KH), (W, KW)):
        span = n + 2 * padding - k
        if span < 0 or span % stride:
            raise ValueError("does not fit")
        out.append(span // stride + 1)
    return (N, F, *out)


_SHAPE_HINT = ("each spatial size is (n + 2*padding - k) / stride + 1; the batch size N comes from x and the "
               "number of maps F from w. Raise ValueError when (n + 2*padding - k) is negative or not a "
               "multiple of the stride.")


def check_conv_output_shape(fn, hidden: bool = False) -> None:
    """conv_output_shape(x_shape, w_shape, stride, padding) -> (N, F, OH, OW), ValueError if it does not fit."""
    fits = [((1, 1, 5, 5), (1, 1, 3, 3), 1, 0), ((2, 3, 8, 8), (4, 3, 3, 3), 1, 1),
            ((1, 1, 7, 9), (2, 1, 3, 3), 2, 0), ((5, 3, 32, 32), (16, 3, 5, 5), 1, 2)]
    bad = [((1, 1, 8, 8), (1, 1, 3, 3), 2, 0), ((1, 1, 2, 2), (1, 1, 3, 3), 1, 0)]
    if hidden:
        fits = [((3, 2, 11, 7), (6, 2, 3, 1), 2, 1), ((1, 3, 28, 28), (8, 3, 5, 5), 1, 0),
                ((2, 1, 10, 10), (1, 1, 4, 4), 3, 0), ((4, 1, 6, 6), (2, 1, 1, 1), 1, 0)]
        bad = [((1, 1, 10, 10), (1, 1, 3, 3), 3, 0), ((2, 2, 9, 9), (1, 2, 3, 3), 4, 0)]
    names = ("x_shape", "w_shape", "stride", "padding")

    def describe(args):
        return "conv_output_shape(" + ", ".join(f"{n}={a!r}" for n, a in zip(names, args)) + ")"

    for args in fits:
        where, got = _call(fn, "conv_output_shape", args, names, _SHAPE_HINT, where=describe(args))
        try:
            got = tuple(int(v) for v in got)
        except (TypeError, ValueError):
            fail(f"{where} returned {got!r}; expected a tuple of 4 whole numbers (N, F, OH, OW).", _SHAPE_HINT)
        if got != _shape(*args):
            fail(f"{where}: expected {_shape(*args)}, got {got}.", _SHAPE_HINT)
    for args in bad:
        where = describe(args)
        try:
            got = fn(*args)
        except ValueError:
            continue
        except Exception as e:
            fail(f"{where} raised {type(e).__name__}: {e}; it should raise ValueError.", _SHAPE_HINT)
        n, k = args[0][2], args[1][2]
        fail(f"{where} returned {got!r}, but this kernel does not fit: (n + 2*padding - k) = "
             f"{n + 2 * args[3] - k}, which is {'negative' if n + 2 * args[3] < k else 'not a multiple of the stride'}.",
             "raise ValueError(...) in that case, as conv2d_forward does.")
    if not hidden:
        passed(f"conv_output_shape is right on {len(fits)} layers and refuses the {len(bad)} that do not fit.")


# -- exercise 2: the strided 1-D backward pass -------------------------------------------------
def _corr1d(x, w, stride):
    k = len(w)
    n_out = (len(x) - k) // stride + 1
    return np.array([np.dot(w, x[i * stride:i * stride + k]) for i in range(n_out)])


def _dilate1d(delta, stride):
    d = np.zeros((len(delta) - 1) * stride + 1)
    d[::stride] = delta
    return d


def _backward1d(x, w, delta, stride):
    d = _dilate1d(np.asarray(delta, dtype=float), stride)
    dw = np.correlate(x, d, mode="valid")
    dx = np.correlate(np.pad(d, len(w) - 1), w[::-1], mode="valid")
    return dx, dw, float(np.sum(delta))


def _cases_1d(hidden: bool):
    rng = np.random.default_rng(81 if hidden else 8)
    cases = [(np.array([1.0, 2.0, -1.0, 0.5, 3.0]), np.array([0.2, -0.5, 1.0]), np.array([1.0, -2.0, 0.5]), 1),
             (np.array([1.0, 2.0, -1.0, 0.5, 3.0]), np.array([0.2, -0.5, 1.0]), np.array([1.0, -2.0]), 2)]
    for n_out, k, s in ((4, 3, 2), (3, 2, 3), (5, 4, 1)) if hidden else ((3, 3, 3), (4, 2, 2)):
        cases.append((rng.normal(size=(n_out - 1) * s + k), rng.normal(size=k), rng.normal(size=n_out), s))
    return cases


_BACK_HINTS = {
    0: "dL/dx is the full convolution of delta with w: dilate delta (stride - 1 zeros between entries), pad it "
       "with len(w) - 1 zeros on both sides, and correlate that with the flipped kernel w[::-1] "
       "(np.correlate(padded, w[::-1], mode='valid')). Its length is len(x).",
    1: "dL/dw_k = sum_i delta_i x[stride*i + k]: the correlation of x with the dilated delta "
       "(np.correlate(x, dilated_delta, mode='valid')). Its length is len(w).",
    2: "dL/db = sum_i delta_i (every output adds b once), a single number.",
}


def check_corr1d_backward(fn, hidden: bool = False) -> None:
    """corr1d_backward(x, w, delta, stride) == (dx, dw, db) for z_i = sum_k w_k x[stride*i + k] + b."""
    names = ("x", "w", "delta", "stride")
    general = "return a tuple (dx, dw, db): dx has the shape of x, dw the shape of w, db is a number."
    for x, w, delta, s in _cases_1d(hidden):
        where, got = _call(fn, "corr1d_backward", (x, w, delta, s), names, general)
        expected = _backward1d(x, w, delta, s)
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            fail(f"{where} returned {type(got).__name__} {got!r}; expected a tuple (dx, dw, db).", general)
        for i, what in enumerate(("dx", "dw", "db")):
            ok, why = close(got[i], expected[i])
            if ok:
                continue
            hint = _BACK_HINTS[i]
            d = _dilate1d(delta, s)
            if i == 0 and close(got[i], np.correlate(np.pad(d, len(w) - 1), w, mode="valid"))[0]:
                hint = "you correlated with w itself; the input gradient uses the kernel flipped, w[::-1]. " + hint
            elif s > 1 and i in (0, 1):
                hint = f"this case has stride {s}: did you dilate delta first? " + hint
            fail(f"{where}: {what} is wrong: {why}", hint)
    if not hidden:
        passed("corr1d_backward gives dx, dw and db right, with strides 1 to 3.")


# -- exercise 3: the 2-D input gradient --------------------------------------------------------
def _input_grad2d(delta, w):
    kh, kw = w.shape
    full = np.pad(delta, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    flipped = w[::-1, ::-1]
    H, W = full.shape[0] - kh + 1, full.shape[1] - kw + 1
    return np.array([[np.sum(full[i:i + kh, j:j + kw] * flipped) for j in range(W)] for i in range(H)])


_GRAD2D_HINT = ("pad delta with KH - 1 zero rows above and below and KW - 1 zero columns left and right "
                "(np.pad), flip the kernel in both directions (w[::-1, ::-1]) and correlate: "
                "dx[i, j] = sum(padded[i:i+KH, j:j+KW] * flipped). The result has shape (OH + KH - 1, OW + KW - 1).")


def check_conv2d_input_grad(fn, hidden: bool = False) -> None:
    """conv2d_input_grad(delta, w) == dL/dx for z = x correlated with w (one channel, stride 1, no padding)."""
    rng = np.random.default_rng(82 if hidden else 9)
    cases = [(np.array([[1.0, 0.0], [0.0, 0.0]]), np.arange(1.0, 10.0).reshape(3, 3)),
             (rng.normal(size=(3, 4)), rng.normal(size=(2, 3)))]
    cases += [(rng.normal(size=(5, 5)), rng.normal(size=(3, 3))), (rng.normal(size=(1, 1)), rng.normal(size=(4, 2)))] \
        if hidden else [(rng.normal(size=(4, 4)), rng.normal(size=(3, 3)))]
    for delta, w in cases:
        where, got = _call(fn, "conv2d_input_grad", (delta, w), ("delta", "w"), _GRAD2D_HINT)
        expected = _input_grad2d(delta, w)
        ok, why = close(got, expected)
        if ok:
            continue
        hint = _GRAD2D_HINT
        if close(got, _input_grad2d(delta, w[::-1, ::-1]))[0]:
            hint = "the kernel must be flipped in both directions before correlating (w[::-1, ::-1]). " + hint
        elif np.shape(got) != expected.shape:
            hint = f"dL/dx has the shape of x: (OH + KH - 1, OW + KW - 1) = {expected.shape}. " + hint
        fail(f"{where}: {why}", hint)
    if not hidden:
        passed(f"conv2d_input_grad is right on {len(cases)} deltas and kernels.")

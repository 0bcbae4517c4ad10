"""Checks for chapter 8, convolution: output shapes, the strided 1-D backward pass, the 2-D input gradient.

Every check forbids `backprop_lib.conv` (its `output_size`, `conv2d_forward`, `conv2d_backward` on 1 x 1 x n
arrays would hand out the answer) and this module's own references; the 2-D one also forbids scipy's
ready-made 2-D convolution when the student has imported it.
"""
from __future__ import annotations

import sys
from contextlib import ExitStack

import numpy as np

from .. import conv
from . import ch05
from ._core import Case, Exercise, Forbidden, Slip, Spy

_NO_CONV_WHY = "the exercise is to use the formula of this chapter yourself, not backprop_lib.conv."


def _module_functions(module) -> list:
    return [(module, a) for a, v in vars(module).items()
            if callable(v) and getattr(v, "__module__", None) == module.__name__]


def _forbid(extra=()) -> list[Forbidden]:
    """backprop_lib.conv (every function it defines) and this module's references."""
    lib = sys.modules.get("backprop_lib")
    targets = _module_functions(conv)
    targets += [(lib, a) for a in ("conv2d_forward", "conv2d_backward") if lib is not None and hasattr(lib, a)]
    own = [(sys.modules[__name__], a) for a in ("_shape", "_backward1d", "_dilate1d", "_corr1d", "_input_grad2d")]
    return [Forbidden("backprop_lib.conv", _NO_CONV_WHY, targets),
            Forbidden("the check's own reference", "the exercise is to write the computation yourself.", own),
            *extra]


# -- exercise 1: output shape ------------------------------------------------------------------
def _shape(x_shape, w_shape, stride, padding):
    N, C, H, W = x_shape
    F, C2, KH, KW = w_shape
    out = []
    for n, k in ((H, KH), (W, KW)):
        span = n + 2 * padding - k
        if span < 0 or span % stride:
            raise ValueError("does not fit")
        out.append(span // stride + 1)
    return (N, F, *out)


def _fits(n, k, stride, padding) -> str:
    span = n + 2 * padding - k
    return "" if span >= 0 and span % stride == 0 else ("negative" if span < 0 else "not a multiple of the stride")


EX1 = Exercise(
    "ch08.ex1", "conv_output_shape",
    start="Section 1, 'Stride and padding', gives the number of windows along one axis; an image has two "
          "spatial axes, each with its own size and kernel size. N comes from x's shape, F from w's.",
    reread="Section 1, 'Stride and padding': the formula for the number of windows and when the last window "
           "would hang over the edge.",
    code="apply the one-axis formula twice, once to (H, KH) and once to (W, KW), and test the fit on both "
         "axes before returning anything.")


def _axis_slip(kind, size, code=None):
    """A slip in the per-axis formula: size(n, k, stride, padding) instead of the right count."""
    def predict(x, w, s, p):
        return (x[0], w[0], size(x[2], w[2], s, p), size(x[3], w[3], s, p))
    return Slip(kind, predict, code=code, rtol=0, atol=0)


_SHAPE_SLIPS = [
    _axis_slip("the padding is missing: each axis grows by 2*padding before the kernel slides over it.",
               lambda n, k, s, p: (n - k) // s + 1),
    _axis_slip("the padding is counted once: there are padding zeros at EACH end of the axis.",
               lambda n, k, s, p: (n + p - k) // s + 1),
    _axis_slip("the +1 is missing: with no room to move (n + 2p = k) there is still one window.",
               lambda n, k, s, p: (n + 2 * p - k) // s),
    _axis_slip("the stride is ignored: the window jumps `stride` places at a time, so the span is divided by it.",
               lambda n, k, s, p: n + 2 * p - k + 1),
    Slip("the kernel height KH is used for the width too: the width uses KW.",
         lambda x, w, s, p: _shape(x, (w[0], w[1], w[2], w[2]), s, p), rtol=0, atol=0),
    Slip("the output's height and width are swapped: the shape is (N, F, H_out, W_out).",
         lambda x, w, s, p: tuple(_shape(x, w, s, p)[i] for i in (0, 1, 3, 2)), rtol=0, atol=0),
    Slip("the first two entries come from the wrong places: N is x's batch size (x_shape[0]), F is the number "
         "of filters (w_shape[0]).", lambda x, w, s, p: (x[1], w[0]) + _shape(x, w, s, p)[2:], rtol=0, atol=0),
    Slip("the first two entries come from the wrong places: N is x's batch size (x_shape[0]), F is the number "
         "of filters (w_shape[0]).", lambda x, w, s, p: (x[0], w[1]) + _shape(x, w, s, p)[2:], rtol=0, atol=0),
]


_REFUSED = object()


def _expect_value_error(fn, args, where):
    """Call fn on a shape that does not fit: _REFUSED if it raised ValueError, else what it returned."""
    forbid = _forbid()
    spies = [Spy(f.targets, [getattr(fn, "__globals__", {})]) for f in forbid]
    error = None
    try:
        with ExitStack() as stack:
            for spy in spies:
                stack.enter_context(spy)
            got = fn(*args)
    except ValueError:
        got = _REFUSED
    except NotImplementedError:
        EX1.not_written(f"{EX1.name} is not written yet (it raises NotImplementedError).")
    except Exception as e:      # reported after the forbidden calls
        error = e
    for f, spy in zip(forbid, spies):
        if spy.calls:
            EX1.fail(f"{where} calls {f.label}.", f"{f.label} is not allowed here: {f.why}")
    if error is not None:
        EX1.fail(f"{where} raised {type(error).__name__}: {error}; it should raise ValueError.",
                 "a kernel that does not fit must be refused with ValueError (raise ValueError(...)), not "
                 "with another error.")
    if got is None:
        EX1.not_written(f"{where} returned None. Did you forget `return`?")
    return got


def check_conv_output_shape(fn, hidden: bool = False) -> None:
    """conv_output_shape(x_shape, w_shape, stride, padding) -> (N, F, OH, OW), ValueError if it does not fit."""
    fits = [((1, 1, 5, 5), (1, 1, 3, 3), 1, 0), ((2, 3, 8, 8), (4, 3, 3, 3), 1, 1),
            ((1, 1, 7, 9), (2, 1, 3, 3), 2, 0), ((5, 3, 32, 20), (16, 3, 5, 3), 1, 2),
            ((3, 2, 11, 7), (6, 2, 3, 1), 2, 1)]
    # height fits, width does not (and the other way round); a kernel larger than the input
    bad = [((1, 1, 7, 8), (1, 1, 3, 3), 2, 0), ((1, 1, 8, 7), (1, 1, 3, 3), 2, 0), ((1, 1, 2, 2), (1, 1, 3, 3), 1, 0),
           ((1, 1, 5, 2), (1, 1, 3, 3), 1, 0)]
    if hidden:
        fits = [((1, 3, 28, 28), (8, 3, 5, 5), 1, 0), ((2, 1, 10, 13), (1, 1, 4, 1), 3, 0),
                ((4, 1, 6, 6), (2, 1, 1, 1), 1, 0), ((1, 1, 10, 9), (3, 1, 3, 5), 3, 1)]
        bad = [((1, 1, 10, 10), (1, 1, 3, 3), 3, 0), ((2, 2, 9, 10), (1, 2, 3, 3), 3, 0),
               ((1, 1, 13, 12), (1, 1, 4, 4), 3, 0), ((1, 1, 6, 6), (1, 1, 3, 9), 1, 1)]
    names = ("x_shape", "w_shape", "stride", "padding")
    name = ch05._name(fn, "conv_output_shape")

    def describe(args):
        return f"{name}(" + ", ".join(f"{n}={a!r}" for n, a in zip(names, args)) + ")"

    ch05.reject_forbidden_itself(EX1, fn, _forbid(), name)
    for args in fits:
        where = describe(args)
        got = EX1.call(fn, args, where, _forbid())
        try:
            got = tuple(int(v) for v in got)
        except (TypeError, ValueError):
            EX1.fail(f"{where} returned {got!r}; expected a tuple of 4 whole numbers (N, F, H_out, W_out).",
                     "the result is the output's shape: a tuple of four whole numbers.")
        expected = _shape(*args)
        if got == expected:
            continue
        for slip in _SHAPE_SLIPS:
            if len(got) == 4 and ch05.slip_matches(slip, got, args, expected):
                EX1.fail(f"{where}: expected {expected}, got {got}.", slip.kind, slip.reread, slip.code)
        EX1.fail(f"{where}: expected {expected}, got {got}.",
                 "the shape differs from the formula of section 1 on this input." if len(got) == 4 else
                 "the result must have four entries (N, F, H_out, W_out).")
    for args in bad:
        where = describe(args)
        got = _expect_value_error(fn, args, where)
        if got is _REFUSED:
            continue
        (_, _, H, W), (_, _, KH, KW), s, p = args
        height, width = _fits(H, KH, s, p), _fits(W, KW, s, p)
        what = [f"{axis}: {n} + 2*{p} - {k} = {n + 2 * p - k} is {why}"
                for axis, n, k, why in (("height", H, KH, height), ("width", W, KW, width)) if why]
        kind = ("the height fits but the width does not: the fit must be tested on both axes."
                if width and not height else
                "the width fits but the height does not: the fit must be tested on both axes."
                if height and not width else
                "a kernel that does not fit must be refused with ValueError, not rounded.")
        EX1.fail(f"{where} returned {got!r}, but this kernel does not fit ({'; '.join(what)}); it should raise "
                 "ValueError.", kind)
    if not hidden:
        EX1.passed(f"{name} is right on {len(fits)} layers and refuses the {len(bad)} that do not fit "
                   "(in height, in width, or both).")


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


EX2 = Exercise(
    "ch08.ex2", "corr1d_backward",
    start="Section 2 asks, for every output i and every kernel position m, which input and which weight "
          "produced z_i; the gradients collect delta_i along those same connections.",
    reread="Section 2, 'from who touches whom', and 'With a stride: dilate the delta'.",
    code="output i reads input position stride*i + m with weight m; every such pair contributes delta_i times "
         "the other factor to the gradient of each partner. db collects every delta_i once.")


def _dx_unflipped(x, w, delta, s):
    d = _dilate1d(delta, s)
    return np.correlate(np.pad(d, len(w) - 1), w, mode="valid")


def _no_stride(x, w, delta, s):
    """The stride-1 formulas applied although the stride is larger (delta not dilated)."""
    dx, dw = np.zeros(len(x)), np.zeros(len(w))
    for i, d in enumerate(delta):
        for m in range(len(w)):
            dx[i + m] += d * w[m]
            dw[m] += d * x[i + m]
    return dx, dw, float(np.sum(delta))


_1D_SLIPS = [
    Slip("dx correlates delta with the kernel as it is: the input gradient uses the kernel flipped, because "
         "input j is read by output i through weight j - s*i.",
         lambda x, w, d, s: (_dx_unflipped(x, w, d, s),) + _backward1d(x, w, d, s)[1:]),
    Slip("the stride is ignored: output i reads input stride*i + m, not i + m (equivalently, delta must be "
         "dilated with stride - 1 zeros between its entries).", _no_stride),
    Slip("dw is reversed: dw[m] pairs each delta_i with the input that weight m met, x[stride*i + m].",
         lambda x, w, d, s: (_backward1d(x, w, d, s)[0], _backward1d(x, w, d, s)[1][::-1], float(np.sum(d)))),
    Slip("db is the mean of delta; every output adds b once, so db is the SUM of the deltas.",
         lambda x, w, d, s: _backward1d(x, w, d, s)[:2] + (float(np.mean(d)),)),
    Slip("db is the delta array itself; b is one number, so its gradient is one number, the sum over outputs.",
         lambda x, w, d, s: _backward1d(x, w, d, s)[:2] + (d,)),
    Slip("dx and dw are swapped: the tuple is (dx, dw, db).",
         lambda x, w, d, s: (_backward1d(x, w, d, s)[1], _backward1d(x, w, d, s)[0], float(np.sum(d)))),
]


def check_corr1d_backward(fn, hidden: bool = False) -> None:
    """corr1d_backward(x, w, delta, stride) == (dx, dw, db) for z_i = sum_k w_k x[stride*i + k] + b."""
    name = ch05._name(fn, "corr1d_backward")
    cases = [Case(c, f"stride {c[3]}" if c[3] > 1 else "") for c in _cases_1d(hidden)]
    n = ch05.run_cases(EX2, fn, _backward1d, cases, ("x", "w", "delta", "stride"), _1D_SLIPS, name=name,
                       forbid=_forbid(),
                       value_kind="one of the gradients differs from section 2's on this input; compute it by "
                                  "hand on a tiny case (len(x) = 3, len(w) = 2) and compare.")
    if not hidden:
        EX2.passed(f"{name} gives dx, dw and db right on {n} inputs, with strides 1 to 3.")


# -- exercise 3: the 2-D input gradient --------------------------------------------------------
def _input_grad2d(delta, w):
    kh, kw = w.shape
    full = np.pad(delta, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    flipped = w[::-1, ::-1]
    H, W = full.shape[0] - kh + 1, full.shape[1] - kw + 1
    return np.array([[np.sum(full[i:i + kh, j:j + kw] * flipped) for j in range(W)] for i in range(H)])


EX3 = Exercise(
    "ch08.ex3", "conv2d_input_grad",
    start="Section 2 did this in one dimension: the input gradient is a full convolution of delta with the "
          "kernel. In two dimensions the same three steps act on both axes.",
    reread="Section 2, the input gradient as a full convolution, and section 3 for two dimensions.",
    code="pad delta so that every position where the kernel overlaps it at least partly is visited (KH - 1 "
         "and KW - 1 zeros on each side), flip the kernel along both axes, then slide it as in the forward pass.")


def _scipy_forbidden() -> list[Forbidden]:
    signal = sys.modules.get("scipy.signal")
    if signal is None:
        return []
    targets = [(signal, a) for a in ("convolve2d", "correlate2d", "convolve", "correlate", "fftconvolve",
                                     "oaconvolve") if hasattr(signal, a)]
    return [Forbidden("scipy.signal's ready-made convolution", "the exercise is to pad, flip and correlate "
                      "yourself.", targets)]


_2D_SLIPS = [
    Slip("the kernel is not flipped: the input gradient correlates the padded delta with the kernel turned "
         "by 180 degrees (flipped along both axes).", lambda d, w: _input_grad2d(d, w[::-1, ::-1])),
    Slip("the kernel is flipped along one axis only (rows or columns); the full convolution flips both.",
         lambda d, w: _input_grad2d(d, w[::-1, :])),
    Slip("the kernel is flipped along one axis only (rows or columns); the full convolution flips both.",
         lambda d, w: _input_grad2d(d, w[:, ::-1])),
    Slip("delta is not padded: that is a 'valid' correlation, smaller than x. dL/dx has the shape of x, "
         "(OH + KH - 1, OW + KW - 1).",
         lambda d, w: np.array([[np.sum(d[i:i + w.shape[0], j:j + w.shape[1]] * w[::-1, ::-1])
                                 for j in range(d.shape[1] - w.shape[1] + 1)] for i in range(d.shape[0] - w.shape[0] + 1)])
         if d.shape[0] >= w.shape[0] and d.shape[1] >= w.shape[1] else np.zeros((0, 0))),
    Slip("the padding uses KH and KW zeros instead of KH - 1 and KW - 1, so the result is larger than x.",
         lambda d, w: _input_grad2d(np.pad(d, 1), w)),
    Slip("the result is transposed: it has the shape of x, (OH + KH - 1, OW + KW - 1), rows first.",
         lambda d, w: _input_grad2d(d, w).T),
]


def check_conv2d_input_grad(fn, hidden: bool = False) -> None:
    """conv2d_input_grad(delta, w) == dL/dx for z = x correlated with w (one channel, stride 1, no padding)."""
    rng = np.random.default_rng(82 if hidden else 9)
    cases = [Case((np.array([[1.0, 0.0], [0.0, 0.0]]), np.arange(1.0, 10.0).reshape(3, 3)),
                  "a one-hot delta: dx is the kernel stamped at the top left"),
             Case((rng.normal(size=(3, 4)), rng.normal(size=(2, 3))), "non-square delta and kernel")]
    cases += [Case((rng.normal(size=(5, 5)), rng.normal(size=(3, 3)))),
              Case((rng.normal(size=(1, 1)), rng.normal(size=(4, 2))))] \
        if hidden else [Case((rng.normal(size=(4, 4)), rng.normal(size=(3, 3))))]
    name = ch05._name(fn, "conv2d_input_grad")
    n = ch05.run_cases(EX3, fn, _input_grad2d, cases, ("delta", "w"), _2D_SLIPS, name=name,
                       forbid=_forbid(_scipy_forbidden()), dtype="float",
                       value_kind="dx differs from the full convolution of delta with the kernel; try the "
                                  "one-hot delta by hand.")
    if not hidden:
        EX3.passed(f"{name} is right on {n} deltas and kernels (one of them non-square).")


# -- exercise 4: the max-pooling backward pass (section 4) --------------------------------------
from .. import im2col as im2col_module, pooling                      # noqa: E402  (appended with exercises 4-5)
from ._core import check_cases, finite_differences                  # noqa: E402
def _maxpool_back(dA, A_prev):
    H, W = A_prev.shape
    win = A_prev.reshape(H // 2, 2, W // 2, 2).transpose(0, 2, 1, 3).reshape(H // 2, W // 2, 4)
    first = win.argmax(axis=-1)                                   # the first maximum in reading order
    out = np.zeros((H // 2, W // 2, 4))
    np.put_along_axis(out, first[..., None], dA[..., None], axis=-1)
    return out.reshape(H // 2, W // 2, 2, 2).transpose(0, 2, 1, 3).reshape(H, W)


def _windows4(A_prev):
    H, W = A_prev.shape
    return A_prev.reshape(H // 2, 2, W // 2, 2).transpose(0, 2, 1, 3).reshape(H // 2, W // 2, 4)


def _from_windows(out4, H, W):
    return out4.reshape(H // 2, W // 2, 2, 2).transpose(0, 2, 1, 3).reshape(H, W)


def _to_all_ties(dA, A_prev):
    win = _windows4(A_prev)
    is_max = win == win.max(axis=-1, keepdims=True)
    return _from_windows(is_max * dA[..., None], *A_prev.shape)


def _split_ties(dA, A_prev):
    win = _windows4(A_prev)
    is_max = win == win.max(axis=-1, keepdims=True)
    return _from_windows(is_max * (dA / is_max.sum(axis=-1))[..., None], *A_prev.shape)


def _last_tie(dA, A_prev):
    win = _windows4(A_prev)
    last = 3 - win[..., ::-1].argmax(axis=-1)
    out = np.zeros_like(win)
    np.put_along_axis(out, last[..., None], dA[..., None], axis=-1)
    return _from_windows(out, *A_prev.shape)


def _average_back(dA, A_prev):
    return np.repeat(np.repeat(dA / 4.0, 2, axis=0), 2, axis=1)


def _maxpool_cases(hidden: bool):
    rng = np.random.default_rng(84 if hidden else 8)
    relu_map = np.maximum(0.0, rng.normal(size=(4, 6)))            # zeros after a ReLU: ties
    cases = [Case((rng.normal(size=(2, 2)), rng.normal(size=(4, 4))), "no ties"),
             Case((rng.normal(size=(2, 3)), rng.normal(size=(4, 6))), "not square"),
             Case((rng.normal(size=(2, 3)), relu_map), "after a ReLU: windows of zeros are ties"),
             Case((np.array([[1.0, -2.0]]), np.array([[3.0, 3.0, 0.0, 5.0], [1.0, 3.0, 5.0, 5.0]])),
                  "two and three equal maxima")]
    if hidden:
        cases += [Case((rng.normal(size=(3, 1)), -np.abs(rng.normal(size=(6, 2)))), "all negative"),
                  Case((np.array([[2.0]]), np.zeros((2, 2))), "four equal zeros")]
    return cases


EX4 = Exercise(
    "ch08.ex4", "max_pool_backward_2x2",
    start="Section 4: for every 2x2 window find the input that won it, and give it the window's upstream gradient.",
    reread="Section 4, the max-pooling backward rule and the paragraph on ties.",
    code="work window by window: the winner is the first largest entry in reading order (what np.argmax "
         "returns on the window's 4 entries row by row); every other entry of the window gets 0.")

_MAXPOOL_SLIPS = [
    Slip("every tied maximum receives the whole gradient: a tie sends it to ONE entry, the first in reading order.",
         _to_all_ties, reread="Section 4, ties, and the common-mistake box on tied inputs."),
    Slip("the gradient is split among the tied maxima; the course sends all of it to the first one.", _split_ties,
         reread="Section 4, ties: the first maximal entry in reading order gets everything."),
    Slip("at a tie the gradient goes to the last maximum; the course (like numpy's argmax) picks the first.",
         _last_tie, reread="Section 4, ties."),
    Slip("this is the backward pass of AVERAGE pooling (a quarter to every entry); max pooling routes all of it "
         "to the winner.", _average_back, reread="Section 4: the two backward rules, side by side."),
]


def check_max_pool_backward_2x2(fn, hidden: bool = False) -> None:
    """max_pool_backward_2x2(dA, A_prev): dL/dA_prev for 2x2 max pooling with stride 2, ties to the first maximum."""
    forbid = [Forbidden("backprop_lib.pooling", "the exercise asks for your own routing, not the library's.",
                        [(pooling, "max_pool_backward"), (pooling, "max_pool_forward")]),
              finite_differences("the gradient of a max is exact: no finite differences.")]
    check_cases(EX4, fn, _maxpool_back, _maxpool_cases(hidden), arg_names=("dA", "A_prev"),
                slips=_MAXPOOL_SLIPS, forbid=forbid, dtype="float", quiet=hidden,
                name=ch05._name(fn, "max_pool_backward_2x2"),
                value_kind="some entries received a gradient that is not theirs: only each window's winner gets "
                           "the window's upstream gradient.")


# -- exercise 5: im2col for one channel (section 5) ---------------------------------------------
def _im2col_2d(x, kh, kw):
    H, W = x.shape
    return np.array([x[i:i + kh, j:j + kw].ravel() for i in range(H - kh + 1) for j in range(W - kw + 1)])


EX5 = Exercise(
    "ch08.ex5", "im2col_2d",
    start="Section 5: one row per window, in the order the windows are read (row by row), each window flattened.",
    reread="Section 5, the definition of cols and the small 4x4 example the cell prints.",
    code="two loops over the window's top-left corner (i over rows, then j over columns); each row of the "
         "result is that kh x kw patch flattened row by row.")

_IM2COL_SLIPS = [
    Slip("each window is flattened column by column; flatten it row by row, as the kernel is (w.ravel()).",
         lambda x, kh, kw: np.array([x[i:i + kh, j:j + kw].T.ravel() for i in range(x.shape[0] - kh + 1)
                                     for j in range(x.shape[1] - kw + 1)])),
    Slip("the windows are listed column by column; list them row by row (all j for i = 0 first).",
         lambda x, kh, kw: np.array([x[i:i + kh, j:j + kw].ravel() for j in range(x.shape[1] - kw + 1)
                                     for i in range(x.shape[0] - kh + 1)])),
    Slip("the result is transposed: one ROW per window, shape (number of windows, kh * kw).",
         lambda x, kh, kw: _im2col_2d(x, kh, kw).T),
    Slip("kh and kw are swapped: kh is the window's height (rows), kw its width.",
         lambda x, kh, kw: _im2col_2d(x, kw, kh)),
]


def check_im2col_2d(fn, hidden: bool = False) -> None:
    """im2col_2d(x, kh, kw): (OH * OW, kh * kw), one row per window (stride 1, no padding)."""
    rng = np.random.default_rng(85 if hidden else 5)
    cases = [Case((np.arange(16.0).reshape(4, 4), 3, 3), "section 6's example"),
             Case((rng.normal(size=(4, 5)), 2, 3), "not square"),
             Case((rng.normal(size=(5, 3)), 3, 1), "a tall kernel")]
    if hidden:
        cases += [Case((rng.normal(size=(6, 6)), 1, 1), "1x1 windows"), Case((rng.normal(size=(3, 7)), 3, 7), "one window")]
    forbid = [Forbidden("backprop_lib.im2col", "the exercise asks you to build the matrix yourself.",
                        [(im2col_module, "im2col"), (im2col_module, "conv2d_forward_im2col")])]
    check_cases(EX5, fn, _im2col_2d, cases, arg_names=("x", "kh", "kw"), slips=_IM2COL_SLIPS, forbid=forbid,
                quiet=hidden, name=ch05._name(fn, "im2col_2d"),
                value_kind="some rows are not the windows of x in reading order.")

"""Chapter 8's exercises: wrong answers the checks must catch (with the phrase that names the slip) and
right answers, written differently from the reference, that they must accept."""
from __future__ import annotations

import numpy as np

from backprop_lib.checks import ch08
from backprop_lib.conv import conv2d_backward, conv2d_forward, output_size

from . import Exercise, Wrong

CHAPTER = "chapters/08_convolution.py"


def stub(*args):
    raise NotImplementedError()


# -- exercise 1: conv_output_shape -------------------------------------------------------------------
def _per_axis(count):
    def conv_output_shape(x_shape, w_shape, stride=1, padding=0):
        N, _, H, W = x_shape
        F, _, KH, KW = w_shape
        return (N, F, count(H, KH, stride, padding), count(W, KW, stride, padding))
    return conv_output_shape


def _strict(n, k, s, p):
    span = n + 2 * p - k
    if span < 0 or span % s:
        raise ValueError(f"a kernel of {k} does not fit {n} with padding {p} and stride {s}")
    return span // s + 1


def shape_divmod(x_shape, w_shape, stride=1, padding=0):
    out = []
    for n, k in zip(x_shape[2:], w_shape[2:]):
        q, r = divmod(n + 2 * padding - k, stride)
        if q < 0 or r:
            raise ValueError("does not fit")
        out.append(q + 1)
    return (x_shape[0], w_shape[0]) + tuple(out)


def shape_count_windows(x_shape, w_shape, stride=1, padding=0):
    sizes = []
    for n, k in ((x_shape[2], w_shape[2]), (x_shape[3], w_shape[3])):
        starts = list(range(0, n + 2 * padding - k + 1, stride))
        if not starts or starts[-1] + k != n + 2 * padding:
            raise ValueError("the kernel does not fit")
        sizes.append(len(starts))
    return (x_shape[0], w_shape[0], sizes[0], sizes[1])


def height_only(x_shape, w_shape, stride=1, padding=0):
    N, _, H, W = x_shape
    F, _, KH, KW = w_shape
    _strict(H, KH, stride, padding)
    return (N, F, (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1)


def with_library(x_shape, w_shape, stride=1, padding=0):
    return (x_shape[0], w_shape[0], output_size(x_shape[2], w_shape[2], stride, padding),
            output_size(x_shape[3], w_shape[3], stride, padding))


def with_forward(x_shape, w_shape, stride=1, padding=0):
    z, _ = conv2d_forward(np.zeros(x_shape), np.zeros(w_shape), np.zeros(w_shape[0]), stride, padding)
    return z.shape


OUTPUT_SHAPE = Exercise("ex1_output_shape", ch08.check_conv_output_shape, stub, wrong=[
    Wrong("no padding", _per_axis(lambda n, k, s, p: (n - k) // s + 1), "padding is missing"),
    Wrong("padding once", _per_axis(lambda n, k, s, p: (n + p - k) // s + 1), "counted once"),
    Wrong("no +1", _per_axis(lambda n, k, s, p: (n + 2 * p - k) // s), "+1 is missing"),
    Wrong("stride ignored", _per_axis(lambda n, k, s, p: n + 2 * p - k + 1), "stride is ignored"),
    Wrong("KH for the width", lambda x, w, s=1, p=0: shape_divmod(x, (w[0], w[1], w[2], w[2]), s, p), "KH is used"),
    Wrong("height and width swapped", lambda x, w, s=1, p=0: tuple(shape_divmod(x, w, s, p)[i] for i in (0, 1, 3, 2)),
          "swapped"),
    Wrong("C for N", lambda x, w, s=1, p=0: (x[1], w[0]) + shape_divmod(x, w, s, p)[2:], "wrong places"),
    Wrong("floor division, never refuses", _per_axis(lambda n, k, s, p: (n + 2 * p - k) // s + 1), "should raise"),
    Wrong("the fit tested on the height only", height_only, "the width does not"),
    Wrong("backprop_lib.conv.output_size", with_library, "backprop_lib.conv"),
    Wrong("conv2d_forward's output shape", with_forward, "backprop_lib.conv"),
], right=[shape_divmod, shape_count_windows], name="conv_output_shape")


# -- exercise 2: corr1d_backward ---------------------------------------------------------------------
def _dilate(delta, s):
    d = np.zeros((len(delta) - 1) * s + 1)
    d[::s] = delta
    return d


def back_correlate(x, w, delta, stride=1):
    d = _dilate(np.asarray(delta, dtype=float), stride)
    dw = np.correlate(x, d, mode="valid")
    dx = np.convolve(d, w, mode="full")
    return dx, dw, float(d.sum())


def back_matrix(x, w, delta, stride=1):
    """The layer as a banded matrix M (z = M x): dx = M^T delta, dw from the same windows."""
    n_out, k = len(delta), len(w)
    M = np.zeros((n_out, len(x)))
    for i in range(n_out):
        M[i, stride * i:stride * i + k] = w
    windows = np.array([x[stride * i:stride * i + k] for i in range(n_out)])
    return M.T @ delta, windows.T @ delta, float(np.sum(delta))


def back_loops(x, w, delta, stride=1):
    dx, dw = np.zeros(len(x)), np.zeros(len(w))
    for i, d in enumerate(delta):
        for m in range(len(w)):
            dx[stride * i + m] += d * w[m]
            dw[m] += d * x[stride * i + m]
    return dx, dw, float(np.sum(delta))


def back_unflipped(x, w, delta, stride=1):
    d = _dilate(np.asarray(delta, dtype=float), stride)
    return np.correlate(np.pad(d, len(w) - 1), w, mode="valid"), np.correlate(x, d, mode="valid"), float(d.sum())


def back_no_stride(x, w, delta, stride=1):
    return back_loops(x, w, delta, 1)


def back_library(x, w, delta, stride=1):
    n_out = len(delta)
    cache_x = x[None, None, None, :]
    _, cache = conv2d_forward(cache_x, w[None, None, None, :], np.zeros(1), stride, 0)
    dx, dw, db = conv2d_backward(np.asarray(delta, dtype=float).reshape(1, 1, 1, n_out), cache)
    return dx.ravel(), dw.ravel(), float(db.sum())


CORR1D = Exercise("ex2_corr1d_backward", ch08.check_corr1d_backward, stub, wrong=[
    Wrong("kernel not flipped", back_unflipped, "kernel as it is"),
    Wrong("stride ignored", back_no_stride, "stride is ignored"),
    Wrong("dw reversed", lambda x, w, d, s=1: (lambda dx, dw, db: (dx, dw[::-1], db))(*back_loops(x, w, d, s)),
          "dw is reversed"),
    Wrong("db the mean", lambda x, w, d, s=1: back_loops(x, w, d, s)[:2] + (float(np.mean(d)),), "mean of delta"),
    Wrong("db the array", lambda x, w, d, s=1: back_loops(x, w, d, s)[:2] + (np.array(d),), "delta array itself"),
    Wrong("dx and dw swapped", lambda x, w, d, s=1: (lambda dx, dw, db: (dw, dx, db))(*back_loops(x, w, d, s)),
          "swapped"),
    Wrong("two values", lambda x, w, d, s=1: back_loops(x, w, d, s)[:2], "tuple of 3"),
    Wrong("conv2d_backward on 1 x 1 x n arrays", back_library, "backprop_lib.conv"),
], right=[back_correlate, back_matrix], name="corr1d_backward")


# -- exercise 3: conv2d_input_grad -------------------------------------------------------------------
def grad2d_scatter(delta, w):
    kh, kw = w.shape
    dx = np.zeros((delta.shape[0] + kh - 1, delta.shape[1] + kw - 1))
    for i in range(delta.shape[0]):
        for j in range(delta.shape[1]):
            dx[i:i + kh, j:j + kw] += delta[i, j] * w
    return dx


def grad2d_windows(delta, w):
    kh, kw = w.shape
    padded = np.pad(delta, [(kh - 1,) * 2, (kw - 1,) * 2])
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw))
    return np.einsum("ijab,ab->ij", windows, np.flip(w))


def _full(delta, w):
    return grad2d_scatter(delta, w)


def grad2d_library(delta, w):
    oh, ow = delta.shape
    kh, kw = w.shape
    _, cache = conv2d_forward(np.zeros((1, 1, oh + kh - 1, ow + kw - 1)), w[None, None], np.zeros(1))
    return conv2d_backward(delta[None, None], cache)[0][0, 0]


def grad2d_valid(delta, w):
    kh, kw = w.shape
    H, W = delta.shape[0] - kh + 1, delta.shape[1] + kw - 1
    padded = np.pad(delta, ((0, 0), (kw - 1, kw - 1)))
    return np.array([[np.sum(padded[i:i + kh, j:j + kw] * w[::-1, ::-1]) for j in range(W)] for i in range(max(H, 0))])


INPUT_GRAD = Exercise("ex3_conv2d_input_grad", ch08.check_conv2d_input_grad, stub, wrong=[
    Wrong("kernel not flipped", lambda d, w: _full(d, w[::-1, ::-1]), "not flipped"),
    Wrong("flipped along the rows only", lambda d, w: _full(d, w[:, ::-1]), "one axis only"),
    Wrong("flipped along the columns only", lambda d, w: _full(d, w[::-1, :]), "one axis only"),
    Wrong("too much padding", lambda d, w: _full(np.pad(d, 1), w), "KH and KW zeros"),
    Wrong("transposed", lambda d, w: _full(d, w).T, "transposed"),
    Wrong("padded in width only", grad2d_valid, "shape"),
    Wrong("conv2d_backward", grad2d_library, "backprop_lib.conv"),
    Wrong("twice too large", lambda d, w: 2 * _full(d, w), "full convolution"),
], right=[grad2d_scatter, grad2d_windows], name="conv2d_input_grad")

EXERCISES = [OUTPUT_SHAPE, CORR1D, INPUT_GRAD]


# -- exercise 4: max pooling backward (section 4) -----------------------------------------------------
from backprop_lib.pooling import max_pool_backward, max_pool_forward  # noqa: E402


def pool_back_loops(dA, A_prev):
    out = np.zeros_like(A_prev, dtype=float)
    for i in range(dA.shape[0]):
        for j in range(dA.shape[1]):
            best = (0, 0)
            for p in range(2):
                for q in range(2):
                    if A_prev[2 * i + p, 2 * j + q] > A_prev[2 * i + best[0], 2 * j + best[1]]:
                        best = (p, q)
            out[2 * i + best[0], 2 * j + best[1]] += dA[i, j]
    return out


def pool_back_vectorised(dA, A_prev):
    H, W = A_prev.shape
    win = A_prev.reshape(H // 2, 2, W // 2, 2).transpose(0, 2, 1, 3).reshape(H // 2, W // 2, 4)
    mask = np.arange(4) == win.argmax(axis=-1)[..., None]
    return (mask * dA[..., None]).reshape(H // 2, W // 2, 2, 2).transpose(0, 2, 1, 3).reshape(H, W)


def pool_back_all_ties(dA, A_prev):
    big = np.repeat(np.repeat(dA, 2, axis=0), 2, axis=1)
    mx = np.repeat(np.repeat(A_prev.reshape(A_prev.shape[0] // 2, 2, -1, 2).max(axis=(1, 3)), 2, axis=0), 2, axis=1)
    return big * (A_prev == mx)


def pool_back_split(dA, A_prev):
    hits = pool_back_all_ties(np.ones_like(dA), A_prev)
    counts = hits.reshape(hits.shape[0] // 2, 2, -1, 2).sum(axis=(1, 3))
    return pool_back_all_ties(dA / counts, A_prev)


def pool_back_last(dA, A_prev):
    return pool_back_loops(dA[::-1, ::-1], A_prev[::-1, ::-1])[::-1, ::-1]


def pool_back_library(dA, A_prev):
    _, cache = max_pool_forward(A_prev[None, None])
    return max_pool_backward(dA[None, None], cache)[0, 0]


def pool_back_inplace(dA, A_prev):
    A_prev *= 0.0
    return pool_back_loops(dA, A_prev + 0.0)


POOL = Exercise("ex4_max_pool_backward", ch08.check_max_pool_backward_2x2, stub, wrong=[
    Wrong("every tied maximum gets the gradient", pool_back_all_ties, "every tied maximum"),
    Wrong("the gradient split among ties", pool_back_split, "split among the tied"),
    Wrong("the last maximum at a tie", pool_back_last, "the last maximum"),
    Wrong("average pooling's backward", lambda dA, A: np.repeat(np.repeat(dA / 4.0, 2, axis=0), 2, axis=1), "AVERAGE"),
    Wrong("the library's backward pass", pool_back_library, "backprop_lib.pooling"),
    Wrong("changes A_prev in place", pool_back_inplace, "in place"),
    Wrong("always the top-left entry", lambda dA, A: np.kron(dA, np.array([[1.0, 0.0], [0.0, 0.0]])), "winner"),
], right=[pool_back_loops, pool_back_vectorised], name="max_pool_backward_2x2")


# -- exercise 5: im2col for one channel (section 5) ---------------------------------------------------
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402

from backprop_lib.im2col import im2col as library_im2col  # noqa: E402


def im2col_strided(x, kh, kw):
    return sliding_window_view(x, (kh, kw)).reshape(-1, kh * kw)


def im2col_by_offsets(x, kh, kw):
    H, W = x.shape
    oh, ow = H - kh + 1, W - kw + 1
    cols = np.empty((oh * ow, kh * kw))
    for p in range(kh):
        for q in range(kw):
            cols[:, p * kw + q] = x[p:p + oh, q:q + ow].ravel()
    return cols


IM2COL = Exercise("ex5_im2col", ch08.check_im2col_2d, stub, wrong=[
    Wrong("windows flattened column by column", lambda x, kh, kw: np.array(
        [x[i:i + kh, j:j + kw].T.ravel() for i in range(x.shape[0] - kh + 1) for j in range(x.shape[1] - kw + 1)]),
        "column by column"),
    Wrong("windows listed column by column", lambda x, kh, kw: np.array(
        [x[i:i + kh, j:j + kw].ravel() for j in range(x.shape[1] - kw + 1) for i in range(x.shape[0] - kh + 1)]),
        "listed column by column"),
    Wrong("transposed", lambda x, kh, kw: im2col_strided(x, kh, kw).T, "transposed"),
    Wrong("kh and kw swapped", lambda x, kh, kw: im2col_strided(x, kw, kh), "swapped"),
    Wrong("the library's im2col", lambda x, kh, kw: library_im2col(x[None, None], kh, kw), "backprop_lib.im2col"),
    Wrong("one window too few per row", lambda x, kh, kw: np.array(
        [x[i:i + kh, j:j + kw].ravel() for i in range(x.shape[0] - kh + 1) for j in range(x.shape[1] - kw)]),
        "shape"),
], right=[im2col_strided, im2col_by_offsets], name="im2col_2d")

EXERCISES += [POOL, IM2COL]

"""The convolutional layer (cs231n style): what deep-learning libraries call convolution is a
*correlation*, the kernel slid over the input without flipping it.

Shapes: x (N, C, H, W) images, w (F, C, KH, KW) filters, b (F,), out (N, F, OH, OW) with
OH = (H + 2P - KH) / S + 1 and OW = (W + 2P - KW) / S + 1 (P = padding, S = stride).

    z[n, f, i, j] = b[f] + sum_{c, p, q} w[f, c, p, q] * x_pad[n, c, S i + p, S j + q]

Backward, given delta = dL/dz (N, F, OH, OW):
    dw = correlation of the (padded) input with delta     (delta dilated by S)
    dx = full convolution of delta with the kernel: pad the dilated delta by K - 1, correlate with
         the kernel flipped in both spatial axes and transposed in (F, C); then crop the padding
    db = sum of delta over n, i, j
"""
from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _whole(value, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{what} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def _array(a, what: str, ndim: int, shape_doc: str) -> np.ndarray:
    try:
        a = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what} must be numeric: {e}") from None
    if a.ndim != ndim:
        raise ValueError(f"{what} must be a {ndim}-D array of shape {shape_doc}, got shape {a.shape}"
                         + (" (for one grey image of shape (H, W) pass x[None, None])" if what == "x" and a.ndim == 2 else "")
                         + (" (for one 2-D kernel of shape (KH, KW) pass w[None, None])" if what == "w" and a.ndim == 2 else ""))
    if 0 in a.shape:
        raise ValueError(f"{what} has an empty dimension: shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{what} contains NaN or inf")
    return a


def output_size(n: int, k: int, stride: int = 1, padding: int = 0) -> int:
    r"""$(n + 2p - k)/s + 1$; a ValueError if the kernel does not fit or the stride does not divide evenly."""
    n, k = _whole(n, "input size", 1), _whole(k, "kernel size", 1)
    stride, padding = _whole(stride, "stride", 1), _whole(padding, "padding", 0)
    span = n + 2 * padding - k
    if span < 0:
        raise ValueError(f"the kernel ({k}) is larger than the padded input ({n} + 2*{padding} = {n + 2 * padding})")
    if span % stride:
        fits = [s for s in range(1, stride) if span % s == 0]
        raise ValueError(f"stride {stride} does not fit: (input {n} + 2*padding {padding} - kernel {k}) = {span} "
                         f"is not a multiple of {stride}, so the last window would hang over the edge. "
                         f"Change the padding or use a stride that divides {span} (e.g. {fits[-1] if fits else 1}).")
    return span // stride + 1


def dilate(delta: np.ndarray, stride: int) -> np.ndarray:
    """Insert stride - 1 zeros between neighbouring entries of the last two axes: (..., OH, OW) ->
    (..., (OH - 1) S + 1, (OW - 1) S + 1). With stride 1 it returns delta unchanged."""
    if stride == 1:
        return delta
    *lead, oh, ow = delta.shape
    out = np.zeros((*lead, (oh - 1) * stride + 1, (ow - 1) * stride + 1), dtype=delta.dtype)
    out[..., ::stride, ::stride] = delta
    return out


def _pad(x: np.ndarray, p: int) -> np.ndarray:
    return x if p == 0 else np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))


def _correlate(x: np.ndarray, w: np.ndarray, stride: int = 1) -> np.ndarray:
    """Valid multi-channel correlation: x (N, C, H, W), w (F, C, KH, KW) -> (N, F, OH, OW)."""
    windows = sliding_window_view(x, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]  # (N, C, OH, OW, KH, KW)
    return np.einsum("ncijpq,fcpq->nfij", windows, w, optimize=True)


def conv2d_forward(x, w, b, stride: int = 1, padding: int = 0) -> tuple[np.ndarray, tuple]:
    r"""$z_{nfij} = b_f + \sum_{c,p,q} w_{fcpq}\, x^{pad}_{n,c,Si+p,Sj+q}$.

    x (N, C, H, W), w (F, C, KH, KW), b (F,) -> out (N, F, OH, OW), cache (x, w, b, stride, padding).
    """
    x = _array(x, "x", 4, "(N, C, H, W)")
    w = _array(w, "w", 4, "(F, C, KH, KW)")
    b = _array(b, "b", 1, "(F,)")
    stride, padding = _whole(stride, "stride", 1), _whole(padding, "padding", 0)
    if w.shape[1] != x.shape[1]:
        raise ValueError(f"x has {x.shape[1]} channels but the filters w expect {w.shape[1]} "
                         f"(x is (N, C, H, W) = {x.shape}, w is (F, C, KH, KW) = {w.shape})")
    if b.shape[0] != w.shape[0]:
        raise ValueError(f"b has {b.shape[0]} entries but there are {w.shape[0]} filters (w.shape[0])")
    output_size(x.shape[2], w.shape[2], stride, padding)   # raise early if the kernel or stride does not fit
    output_size(x.shape[3], w.shape[3], stride, padding)
    out = _correlate(_pad(x, padding), w, stride) + b[None, :, None, None]
    return out, (x, w, b, stride, padding)


def conv2d_backward(dout, cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""$\partial L/\partial x$, $\partial L/\partial w$, $\partial L/\partial b$ from delta = dout (N, F, OH, OW).

    Returns dx (N, C, H, W), dw (F, C, KH, KW), db (F,), each the shape of what it differentiates.
    """
    x, w, b, stride, padding = cache
    kh, kw = w.shape[2:]
    expected = (x.shape[0], w.shape[0], output_size(x.shape[2], kh, stride, padding),
                output_size(x.shape[3], kw, stride, padding))
    dout = _array(dout, "dout", 4, "(N, F, OH, OW)")
    if dout.shape != expected:
        raise ValueError(f"dout must have the forward output's shape {expected}, got {dout.shape}")
    delta = dilate(dout, stride)                                     # (N, F, (OH-1)S+1, (OW-1)S+1)
    db = dout.sum(axis=(0, 2, 3))
    # dw[f, c] = correlation of x_pad[:, c] with delta[:, f], summed over the batch
    dw = np.einsum("ncpqij,nfij->fcpq", sliding_window_view(_pad(x, padding), delta.shape[2:], axis=(2, 3)),
                   delta, optimize=True)
    # dx_pad = full convolution of delta with w: pad by K - 1, correlate with the flipped, transposed kernel
    full = np.pad(delta, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    dx_pad = _correlate(full, w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    H, W = x.shape[2:]
    dx = dx_pad[:, :, padding:padding + H, padding:padding + W]
    return np.ascontiguousarray(dx), dw, db

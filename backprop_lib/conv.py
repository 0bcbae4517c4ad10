"""The convolutional layer (cs231n style): what deep-learning libraries call convolution is a
*correlation*, the kernel slid over the input without flipping it.

The course's notation, as for the dense layer: A_prev (N, C, H, W) the layer's input, W (F, C, KH, KW)
its filters, b (F,), Z (N, F, OH, OW) its output with OH = (H + 2P - KH) / S + 1 and
OW = (W + 2P - KW) / S + 1 (P = padding, S = stride).

    Z[n, f, i, j] = b[f] + sum_{c, p, q} W[f, c, p, q] * A_pad[n, c, S i + p, S j + q]

Backward, given delta = dL/dZ (N, F, OH, OW), returned in the dense layer's order (dW, db, dA_prev):
    dW      = correlation of the (padded) input with delta     (delta dilated by S)
    db      = sum of delta over n, i, j
    dA_prev = full convolution of delta with the kernel: pad the dilated delta by K - 1, correlate
              with the kernel flipped in both spatial axes and transposed in (F, C); crop the padding

`conv_maps` runs one grey image through one kernel for chapter 8's pictures.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validate import whole_number


def _array(a, what: str, ndim: int, shape_doc: str) -> np.ndarray:
    try:
        a = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what} must be numeric: {e}") from None
    if a.ndim != ndim:
        raise ValueError(f"{what} must be a {ndim}-D array of shape {shape_doc}, got shape {a.shape}"
                         + (" (for one grey image of shape (H, W) pass A_prev[None, None])" if what == "A_prev" and a.ndim == 2 else "")
                         + (" (for one 2-D kernel of shape (KH, KW) pass W[None, None])" if what == "W" and a.ndim == 2 else ""))
    if 0 in a.shape:
        raise ValueError(f"{what} has an empty dimension: shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{what} contains NaN or inf")
    return a


def output_size(n: int, k: int, stride: int = 1, padding: int = 0) -> int:
    r"""$(n + 2p - k)/s + 1$; a ValueError if the kernel does not fit or the stride does not divide evenly."""
    n, k = whole_number(n, "input size", minimum=1), whole_number(k, "kernel size", minimum=1)
    stride, padding = whole_number(stride, "stride", minimum=1), whole_number(padding, "padding", minimum=0)
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


def _pad(A: np.ndarray, p: int) -> np.ndarray:
    return A if p == 0 else np.pad(A, ((0, 0), (0, 0), (p, p), (p, p)))


def _correlate(A: np.ndarray, W: np.ndarray, stride: int = 1) -> np.ndarray:
    """Valid multi-channel correlation: A (N, C, H, W), W (F, C, KH, KW) -> (N, F, OH, OW)."""
    windows = sliding_window_view(A, W.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]  # (N, C, OH, OW, KH, KW)
    return np.einsum("ncijpq,fcpq->nfij", windows, W, optimize=True)


def conv2d_forward(A_prev, W, b, stride: int = 1, padding: int = 0) -> tuple[np.ndarray, tuple]:
    r"""$z_{nfij} = b_f + \sum_{c,p,q} W_{fcpq}\, a^{pad}_{n,c,Si+p,Sj+q}$.

    A_prev (N, C, H, W) images, W (F, C, KH, KW) filters, b (F,) -> Z (N, F, OH, OW), and the cache
    (A_prev, W, b, stride, padding) that conv2d_backward needs.
    """
    A_prev = _array(A_prev, "A_prev", 4, "(N, C, H, W)")
    W = _array(W, "W", 4, "(F, C, KH, KW)")
    b = _array(b, "b", 1, "(F,)")
    stride, padding = whole_number(stride, "stride", minimum=1), whole_number(padding, "padding", minimum=0)
    if W.shape[1] != A_prev.shape[1]:
        raise ValueError(f"A_prev has {A_prev.shape[1]} channels but the filters W expect {W.shape[1]} "
                         f"(A_prev is (N, C, H, W) = {A_prev.shape}, W is (F, C, KH, KW) = {W.shape})")
    if b.shape[0] != W.shape[0]:
        raise ValueError(f"b has {b.shape[0]} entries but there are {W.shape[0]} filters (W.shape[0])")
    output_size(A_prev.shape[2], W.shape[2], stride, padding)   # raise early if the kernel or stride does not fit
    output_size(A_prev.shape[3], W.shape[3], stride, padding)
    Z = _correlate(_pad(A_prev, padding), W, stride) + b[None, :, None, None]
    return Z, (A_prev, W, b, stride, padding)


def conv2d_backward(delta, cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""$\partial L/\partial W$, $\partial L/\partial b$, $\partial L/\partial A_{prev}$ from delta = dL/dZ.

    delta (N, F, OH, OW) -> (dW (F, C, KH, KW), db (F,), dA_prev (N, C, H, W)): each the shape of what it
    differentiates, in the same order as the dense layer's (dW, db, dA_prev).
    """
    A_prev, W, b, stride, padding = cache
    kh, kw = W.shape[2:]
    expected = (A_prev.shape[0], W.shape[0], output_size(A_prev.shape[2], kh, stride, padding),
                output_size(A_prev.shape[3], kw, stride, padding))
    delta = _array(delta, "delta", 4, "(N, F, OH, OW)")
    if delta.shape != expected:
        raise ValueError(f"delta must have the forward output Z's shape {expected}, got {delta.shape}")
    db = delta.sum(axis=(0, 2, 3))
    dilated = dilate(delta, stride)                                  # (N, F, (OH-1)S+1, (OW-1)S+1)
    # dW[f, c] = correlation of a_pad[:, c] with delta[:, f] (dilated), summed over the batch
    dW = np.einsum("ncpqij,nfij->fcpq", sliding_window_view(_pad(A_prev, padding), dilated.shape[2:], axis=(2, 3)),
                   dilated, optimize=True)
    # dA_pad = full convolution of delta with W: pad by K - 1, correlate with the flipped, transposed kernel
    full = np.pad(dilated, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    dA_pad = _correlate(full, W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    H, Wd = A_prev.shape[2:]
    dA_prev = dA_pad[:, :, padding:padding + H, padding:padding + Wd]
    return dW, db, np.ascontiguousarray(dA_prev)


# ---------------------------------------------------------------------------------------------
# One grey image through one kernel, forward and backward (chapter 8's pictures)
# ---------------------------------------------------------------------------------------------
KERNELS = {
    "vertical edges (Sobel)": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "horizontal edges (Sobel)": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "blur (box)": np.full((3, 3), 1 / 9),
    "blur (Gaussian)": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "outline (Laplacian)": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "shift left (asymmetric)": [[0, 0, 0], [0, 0, 1], [0, 0, 0]],
    "random (seed 0)": np.random.default_rng(0).normal(0, 1, (3, 3)).round(2),
}
KERNELS = {name: np.asarray(k, dtype=np.float64) for name, k in KERNELS.items()}
DELTAS = ("one hot pixel", "all ones (L = sum of z)", "the output (L = ½ sum of z²)")


def conv_maps(image: np.ndarray, kernel: np.ndarray, stride: int, padding: int, delta_kind: str,
              hot: tuple[int, int] = (0, 0)) -> dict:
    """Forward and backward of one single-channel conv layer (bias 0) on one image.

    When the stride does not fit, do what PyTorch does silently: drop the last padded rows/columns that
    no window reaches (their gradient is 0). Returns a dict of the maps and the number of dropped rows/cols.
    """
    H, Wd = image.shape
    K = kernel.shape[0]
    drop = ((H + 2 * padding - K) % stride, (Wd + 2 * padding - K) % stride)
    if drop == (0, 0):
        Z, cache = conv2d_forward(image[None, None], kernel[None, None], np.zeros(1), stride, padding)
    else:   # pad by hand, cut off what the windows never reach, convolve without further padding
        xp = np.pad(image, padding)[:H + 2 * padding - drop[0], :Wd + 2 * padding - drop[1]]
        Z, cache = conv2d_forward(xp[None, None], kernel[None, None], np.zeros(1), stride, 0)
    if delta_kind == DELTAS[0]:
        delta = np.zeros_like(Z)
        delta[0, 0, min(hot[0], Z.shape[2] - 1), min(hot[1], Z.shape[3] - 1)] = 1.0
    elif delta_kind == DELTAS[1]:
        delta = np.ones_like(Z)
    elif delta_kind == DELTAS[2]:
        delta = Z.copy()
    else:
        raise ValueError(f"unknown delta {delta_kind!r}; valid: {', '.join(map(repr, DELTAS))}")
    dw, db, dx = conv2d_backward(delta, cache)
    dx = dx[0, 0]
    if drop != (0, 0):
        full = np.zeros((H + 2 * padding, Wd + 2 * padding))
        full[:dx.shape[0], :dx.shape[1]] = dx
        dx = full[padding:padding + H, padding:padding + Wd]
    return {"out": Z[0, 0], "delta": delta[0, 0], "dx": dx, "dw": dw[0, 0], "db": float(db[0]), "drop": drop}

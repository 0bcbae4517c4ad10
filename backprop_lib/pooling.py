"""Pooling layers (chapter 8): shrink each feature map by summarising every window by one number.

Shapes, as for the convolutional layer: A_prev (N, C, H, W) the layer's input, A (N, C, OH, OW) its
output with OH = (H - K) / S + 1 and OW = (W - K) / S + 1 for a K x K window moved S places at a time
(S = K by default: windows side by side, no overlap). Pooling has no weights; every channel is pooled
on its own.

    max pooling      A[n, c, i, j] = max over the window (p, q) of A_prev[n, c, S i + p, S j + q]
    average pooling  A[n, c, i, j] = mean over the window of the same entries

Backward, given dA = dL/dA (N, C, OH, OW):
    max      the whole of dA[n, c, i, j] goes to the input entry that was the maximum of its window
             (ties: to the FIRST maximal entry in reading order, row by row, left to right, as
             numpy's argmax and PyTorch choose); every other entry of the window gets 0
    average  every entry of the window gets dA[n, c, i, j] / K^2
Overlapping windows (S < K) add their contributions.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validate import whole_number
from .conv import output_size


def _input(A_prev) -> np.ndarray:
    try:
        A_prev = np.asarray(A_prev, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"A_prev must be numeric: {e}") from None
    if A_prev.ndim != 4:
        raise ValueError(f"A_prev must be a 4-D array of shape (N, C, H, W), got shape {A_prev.shape}"
                         + (" (for one grey image of shape (H, W) pass A_prev[None, None])" if A_prev.ndim == 2 else ""))
    if 0 in A_prev.shape:
        raise ValueError(f"A_prev has an empty dimension: shape {A_prev.shape}")
    if not np.isfinite(A_prev).all():
        raise ValueError("A_prev contains NaN or inf")
    return A_prev


def _geometry(shape: tuple, size, stride) -> tuple[int, int, int, int]:
    size = whole_number(size, "pool size", minimum=1)
    stride = size if stride is None else whole_number(stride, "stride", minimum=1)
    oh = output_size(shape[2], size, stride)
    ow = output_size(shape[3], size, stride)
    return size, stride, oh, ow


def _windows(A_prev: np.ndarray, size: int, stride: int) -> np.ndarray:
    """(N, C, OH, OW, K, K): the window of every output entry (a view, no copy)."""
    return sliding_window_view(A_prev, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]


def _check_upstream(dA, cache_shape: tuple) -> np.ndarray:
    try:
        dA = np.asarray(dA, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"dA must be numeric: {e}") from None
    if dA.shape != cache_shape:
        raise ValueError(f"dA must have the forward output's shape {cache_shape}, got {dA.shape}")
    return dA


def max_pool_forward(A_prev, size: int = 2, stride: int | None = None) -> tuple[np.ndarray, tuple]:
    r"""$a_{ncij} = \max_{p,q} a^{prev}_{n,c,Si+p,Sj+q}$.

    A_prev (N, C, H, W) -> A (N, C, OH, OW), cache (A_prev shape, size, stride, argmax (N, C, OH, OW)):
    argmax is the flat index p * K + q of the first maximal entry of each window.
    """
    A_prev = _input(A_prev)
    size, stride, oh, ow = _geometry(A_prev.shape, size, stride)
    flat = _windows(A_prev, size, stride).reshape(*A_prev.shape[:2], oh, ow, size * size)
    argmax = flat.argmax(axis=-1)                      # the first maximum in reading order
    A = np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0]
    return A, (A_prev.shape, size, stride, argmax)


def max_pool_backward(dA, cache) -> np.ndarray:
    r"""$\partial L/\partial A_{prev}$: each $\partial L/\partial a_{ncij}$ routed to its window's (first) maximum.

    dA (N, C, OH, OW) -> dA_prev (N, C, H, W).
    """
    shape, size, stride, argmax = cache
    dA = _check_upstream(dA, argmax.shape)
    N, C, oh, ow = argmax.shape
    dA_prev = np.zeros(shape)
    rows = stride * np.arange(oh)[:, None] + argmax // size        # (N, C, OH, OW) input row of each winner
    cols = stride * np.arange(ow)[None, :] + argmax % size         # ... and its column
    n = np.arange(N)[:, None, None, None]
    c = np.arange(C)[None, :, None, None]
    np.add.at(dA_prev, (n, c, rows, cols), dA)                     # add: overlapping windows may share a winner
    return dA_prev


def avg_pool_forward(A_prev, size: int = 2, stride: int | None = None) -> tuple[np.ndarray, tuple]:
    r"""$a_{ncij} = \frac{1}{K^2}\sum_{p,q} a^{prev}_{n,c,Si+p,Sj+q}$.

    A_prev (N, C, H, W) -> A (N, C, OH, OW), cache (A_prev shape, size, stride).
    """
    A_prev = _input(A_prev)
    size, stride, oh, ow = _geometry(A_prev.shape, size, stride)
    A = _windows(A_prev, size, stride).mean(axis=(-2, -1))
    return A, (A_prev.shape, size, stride)


def avg_pool_backward(dA, cache) -> np.ndarray:
    r"""$\partial L/\partial A_{prev}$: each $\partial L/\partial a_{ncij}$ shared equally, $1/K^2$ each, by its window.

    dA (N, C, OH, OW) -> dA_prev (N, C, H, W).
    """
    shape, size, stride = cache
    oh, ow = output_size(shape[2], size, stride), output_size(shape[3], size, stride)
    dA = _check_upstream(dA, (shape[0], shape[1], oh, ow))
    dA_prev = np.zeros(shape)
    share = dA / (size * size)
    for p in range(size):                                          # K^2 shifted slices, each adds its share
        for q in range(size):
            dA_prev[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride] += share
    return dA_prev

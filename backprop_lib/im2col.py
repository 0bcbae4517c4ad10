"""A convolutional layer as one matrix product (chapter 8): "im2col" (image to columns).

Shapes, as in backprop_lib.conv: A_prev (N, C, H, W), W (F, C, KH, KW), b (F,), Z (N, F, OH, OW).

im2col copies every window of the padded input into one row of a matrix

    cols (N * OH * OW, C * KH * KW):  row (n, i, j) = A_pad[n, :, S i : S i + KH, S j : S j + KW] flattened

(rows ordered n, then i, then j; columns ordered c, then p, then q, the order of W.reshape(F, -1)).
Then the layer is the dense layer of chapter 5, with the windows as the batch rows:

    Z_rows = cols @ W_mat.T + b     W_mat = W.reshape(F, C * KH * KW),  Z_rows (N * OH * OW, F)

and its backward pass is the dense layer's, given delta_rows = dL/dZ_rows:

    dW_mat = delta_rows.T @ cols,   db = delta_rows summed over the rows,   dcols = delta_rows @ W_mat

col2im sends dcols back to the input: every entry of a window's row is added to the input pixel it
was copied from (a pixel that sits in several windows collects several contributions).
"""
from __future__ import annotations

import numpy as np

from ._validate import whole_number
from .conv import _array, output_size


def im2col(A_prev, KH: int, KW: int, stride: int = 1, padding: int = 0) -> np.ndarray:
    """A_prev (N, C, H, W) -> cols (N * OH * OW, C * KH * KW), one row per window (see the module docstring)."""
    A_prev = _array(A_prev, "A_prev", 4, "(N, C, H, W)")
    KH, KW = whole_number(KH, "KH", minimum=1), whole_number(KW, "KW", minimum=1)
    stride, padding = whole_number(stride, "stride", minimum=1), whole_number(padding, "padding", minimum=0)
    N, C, H, W_ = A_prev.shape
    oh, ow = output_size(H, KH, stride, padding), output_size(W_, KW, stride, padding)
    A_pad = np.pad(A_prev, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    cols = np.empty((N, oh, ow, C, KH, KW))
    for p in range(KH):                    # one strided slice per kernel position: KH * KW copies in all
        for q in range(KW):
            cols[:, :, :, :, p, q] = A_pad[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride].transpose(0, 2, 3, 1)
    return cols.reshape(N * oh * ow, C * KH * KW)


def col2im(dcols, shape: tuple, KH: int, KW: int, stride: int = 1, padding: int = 0) -> np.ndarray:
    """The adjoint of im2col: dcols (N * OH * OW, C * KH * KW) -> dA_prev of `shape` (N, C, H, W), each
    entry of a row added to the input pixel it was copied from (the padding's entries are dropped)."""
    N, C, H, W_ = shape
    oh, ow = output_size(H, KH, stride, padding), output_size(W_, KW, stride, padding)
    dcols = np.asarray(dcols, dtype=np.float64)
    if dcols.shape != (N * oh * ow, C * KH * KW):
        raise ValueError(f"dcols must have shape (N*OH*OW, C*KH*KW) = {(N * oh * ow, C * KH * KW)}, got {dcols.shape}")
    d = dcols.reshape(N, oh, ow, C, KH, KW)
    dA_pad = np.zeros((N, C, H + 2 * padding, W_ + 2 * padding))
    for p in range(KH):
        for q in range(KW):
            dA_pad[:, :, p:p + stride * oh:stride, q:q + stride * ow:stride] += d[:, :, :, :, p, q].transpose(0, 3, 1, 2)
    return dA_pad[:, :, padding:padding + H, padding:padding + W_]


def conv2d_forward_im2col(A_prev, W, b, stride: int = 1, padding: int = 0) -> tuple[np.ndarray, tuple]:
    r"""$Z = $ the convolutional layer of `conv.conv2d_forward`, computed as cols @ W_mat.T + b.

    A_prev (N, C, H, W), W (F, C, KH, KW), b (F,) -> Z (N, F, OH, OW), cache (cols, A_prev shape, W, stride, padding).
    """
    A_prev = _array(A_prev, "A_prev", 4, "(N, C, H, W)")
    W = _array(W, "W", 4, "(F, C, KH, KW)")
    b = _array(b, "b", 1, "(F,)")
    if W.shape[1] != A_prev.shape[1]:
        raise ValueError(f"A_prev has {A_prev.shape[1]} channels but the filters W expect {W.shape[1]}")
    if b.shape[0] != W.shape[0]:
        raise ValueError(f"b has {b.shape[0]} entries but there are {W.shape[0]} filters (W.shape[0])")
    F, C, KH, KW = W.shape
    N, _, H, W_ = A_prev.shape
    cols = im2col(A_prev, KH, KW, stride, padding)
    Z_rows = cols @ W.reshape(F, -1).T + b                       # (N*OH*OW, F): the dense layer
    oh, ow = output_size(H, KH, stride, padding), output_size(W_, KW, stride, padding)
    Z = Z_rows.reshape(N, oh, ow, F).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(Z), (cols, A_prev.shape, W, stride, padding)


def conv2d_backward_im2col(delta, cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The dense layer's backward pass on the window rows, then col2im.

    delta = dL/dZ (N, F, OH, OW) -> (dW (F, C, KH, KW), db (F,), dA_prev (N, C, H, W)).
    """
    cols, shape, W, stride, padding = cache
    F, C, KH, KW = W.shape
    delta = np.asarray(delta, dtype=np.float64)
    n_rows = cols.shape[0]
    if delta.ndim != 4 or delta.shape[0] != shape[0] or delta.shape[1] != F or delta.size != n_rows * F:
        raise ValueError(f"delta must have the forward output's shape (N, F, OH, OW) with N = {shape[0]}, "
                         f"F = {F}, got {delta.shape}")
    delta_rows = delta.transpose(0, 2, 3, 1).reshape(n_rows, F)      # the same row order as cols
    dW = (delta_rows.T @ cols).reshape(F, C, KH, KW)
    db = delta_rows.sum(axis=0)
    dA_prev = col2im(delta_rows @ W.reshape(F, -1), shape, KH, KW, stride, padding)
    return dW, db, dA_prev

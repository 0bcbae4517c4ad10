"""Losses: value and gradient, each averaged over the N rows of a batch.

mse            L = (1/N) sum_n 1/2 sum_k (a_nk - t_nk)^2          dL/da = (a - t) / N
cross_entropy  softmax output:  L = -(1/N) sum_n sum_k t_nk log p_nk   dL/dz = (p - t) / N
               sigmoid output:  L = -(1/N) sum_n sum_k [t log a + (1-t) log(1-a)]   dL/dz = (a - t) / N

The cross-entropy functions take the output layer's logits z, not its probabilities, so that log and
exp are combined stably (log-sum-exp, softplus) and the combined gradient a - t (chapter 6) is used.
"""
from __future__ import annotations

import numpy as np

from .activations import log_softmax, sigmoid, softmax

LOSSES = ("mse", "cross_entropy")


def mse(a: np.ndarray, t: np.ndarray) -> float:
    r"""$L = \frac{1}{N}\sum_n \tfrac12 \sum_k (a_{nk} - t_{nk})^2$ for a, t of shape (N, K)."""
    d = (a - t).ravel()
    return 0.5 * float(d @ d) / a.shape[0]      # d @ d: the sum of squares, without a temporary


def mse_grad(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    r"""$\partial L / \partial a = (a - t) / N$, shape (N, K)."""
    return (a - t) / a.shape[0]


def softmax_cross_entropy(z: np.ndarray, t: np.ndarray) -> float:
    r"""$L = -\frac1N \sum_n \sum_k t_{nk} \log \mathrm{softmax}(z_n)_k$, from logits z (N, K), one-hot t."""
    return float(-np.sum(t * log_softmax(z)) / z.shape[0])


def softmax_cross_entropy_grad(z: np.ndarray, t: np.ndarray) -> np.ndarray:
    r"""$\partial L / \partial z = (\mathrm{softmax}(z) - t) / N$."""
    return (softmax(z) - t) / z.shape[0]


def softplus(z: np.ndarray) -> np.ndarray:
    r"""$\log(1 + e^{z})$ without overflow: $\max(z, 0) + \log(1 + e^{-|z|})$."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def binary_cross_entropy(z: np.ndarray, t: np.ndarray) -> float:
    r"""$L = -\frac1N \sum [t \log \sigma(z) + (1-t)\log(1-\sigma(z))] = \frac1N \sum [\mathrm{softplus}(z) - t z]$."""
    return float(np.sum(softplus(z) - t * z) / z.shape[0])


def binary_cross_entropy_grad(z: np.ndarray, t: np.ndarray) -> np.ndarray:
    r"""$\partial L / \partial z = (\sigma(z) - t) / N$."""
    return (sigmoid(z) - t) / z.shape[0]


def cross_entropy_from_probs(p: np.ndarray, t: np.ndarray, eps: float = 1e-12) -> float:
    r"""$-\frac1N \sum t \log p$ from probabilities (clipped at eps); for teaching, prefer the logit forms."""
    return float(-np.sum(t * np.log(np.clip(p, eps, 1.0))) / p.shape[0])

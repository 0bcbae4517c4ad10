"""The referee: central-difference gradients and the relative error between two gradients."""
from __future__ import annotations

from typing import Callable

import numpy as np


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    r"""$\partial f / \partial x_i \approx (f(x + h e_i) - f(x - h e_i)) / 2h$ for every entry of x.

    x is perturbed in place (and restored), so f may ignore its argument and read x through a closure,
    e.g. ``numerical_gradient(lambda W: net.loss(X, T), net.layers[0].W)``. Error is O(h^2).
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise ValueError("numerical_gradient perturbs x in place: pass a float64 numpy array "
                         f"(got {type(x).__name__}{'' if not isinstance(x, np.ndarray) else ' of ' + str(x.dtype)})")
    if not (isinstance(h, (int, float)) and h > 0):
        raise ValueError(f"step h must be a number > 0, got {h!r}")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("x must be a contiguous array so it can be perturbed in place")
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = float(f(x))
        flat[i] = old - h
        f_minus = float(f(x))
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2 * h)
    return grad


def rel_error(a, b) -> float:
    r"""$\|a - b\| / (\|a\| + \|b\|)$ (0 when both are 0). Below 1e-7 means two gradients agree."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs equal shapes, got {a.shape} and {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def gradient_check(net, X, T, loss: str = "mse", h: float = 1e-5) -> list[dict[str, float]]:
    """For every layer of an MLP: rel_error of its backprop dW and db against central differences."""
    _, grads = net.loss_and_grads(X, T, loss=loss)
    out = []
    for layer, g in zip(net.layers, grads):
        out.append({k: rel_error(g[k], numerical_gradient(lambda _: net.loss(X, T, loss=loss), layer.params[k], h))
                    for k in ("W", "b")})
    return out

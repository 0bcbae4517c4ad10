"""The referee: central-difference gradients and the relative error between two gradients."""
from __future__ import annotations

from typing import Callable

import numpy as np

from .activations import sigmoid, sigmoid_prime


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


# ---------------------------------------------------------------------------------------------
# How the error of a finite difference depends on the step h (chapter 4)
# ---------------------------------------------------------------------------------------------
# (f, f', x0) for the finite-difference error curves of chapter 4
FD_FUNCTIONS = {
    "sigmoid at z = 1": (sigmoid, sigmoid_prime, 1.0),
    "exp at x = 1": (np.exp, np.exp, 1.0),
    "sin at x = 1": (np.sin, np.cos, 1.0),
}


def fd_errors(f, fprime, x0: float, hs) -> tuple[np.ndarray, np.ndarray]:
    r"""|forward - f'(x0)| and |central - f'(x0)| for each step h in hs (float64):
    forward $(f(x+h) - f(x))/h$, central $(f(x+h) - f(x-h))/2h$."""
    hs = np.asarray(hs, dtype=np.float64)
    if hs.ndim != 1 or not np.all(hs > 0):
        raise ValueError("hs must be a 1-D array of step sizes > 0")
    exact = float(fprime(x0))
    fx = float(f(x0))
    forward = np.array([(float(f(x0 + h)) - fx) / h for h in hs])
    central = np.array([(float(f(x0 + h)) - float(f(x0 - h))) / (2 * h) for h in hs])
    return np.abs(forward - exact), np.abs(central - exact)

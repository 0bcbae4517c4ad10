r"""Jacobians, Hessian-vector products and curvature of a small network (chapter 10).

The network is a `bl.MLP` whose loss is "mse"; its parameters are read as one flat vector
theta (P,) in the order W_1, b_1, W_2, b_2, ... (each W row by row). No function here changes the
network: `theta=None` means "the network's current parameters", any other theta is used instead.

Shapes: X (N, n_0) batch rows, a_l and z_l (N, n_l), W_l (n_{l-1}, n_l), b_l (n_l,), outputs a_L (N, m).

    forward          z_l = a_{l-1} W_l + b_l,   a_l = f_l(z_l),   a_0 = X
    VJP (reverse)    given U = dS/da_L (N, m):  g_L = U,  delta_l = g_l * f_l'(z_l),
                     dW_l = a_{l-1}^T delta_l,  db_l = sum over rows of delta_l,  g_{l-1} = delta_l W_l^T
    JVP (forward)    given a direction (Xdot, Wdot_l, bdot_l):
                     zdot_l = adot_{l-1} W_l + a_{l-1} Wdot_l + bdot_l,   adot_l = f_l'(z_l) * zdot_l
    HVP              the VJP of the loss, U = (a_L - T)/N, differentiated along v (forward over reverse):
                     Udot = adot_L / N,  deltadot_l = gdot_l * f_l'(z_l) + g_l * f_l''(z_l) * zdot_l,
                     dWdot_l = adot_{l-1}^T delta_l + a_{l-1}^T deltadot_l,  dbdot_l = sum rows deltadot_l,
                     gdot_{l-1} = deltadot_l W_l^T + delta_l Wdot_l^T

A VJP costs one backward pass and gives one *row* combination u^T J; a JVP costs one forward pass and
gives one *column* combination J v. The full (m, n) Jacobian takes m VJPs or n JVPs.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._validate import as_matrix
from .activations import ACTIVATIONS


# f'(z) and f''(z) for each activation, from z and the forward value a = f(z)
def _first(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        return (z > 0).astype(np.float64)          # the course's convention: relu'(0) = 0
    return np.ones_like(z)                         # identity


def _second(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return a * (1.0 - a) * (1.0 - 2.0 * a)     # d/dz [a (1 - a)]
    if name == "tanh":
        return -2.0 * a * (1.0 - a * a)            # d/dz [1 - a^2]
    return np.zeros_like(z)                        # relu (away from 0) and identity are piecewise linear


_SUPPORTED = ("identity", "sigmoid", "tanh", "relu")


def _structure(net) -> list[tuple[tuple[int, int], str]]:
    """[(W shape, activation name), ...] of an MLP, after checking it is one this module handles."""
    layers = getattr(net, "layers", None)
    if not layers or not all(hasattr(layer, "params") and hasattr(layer, "activation") for layer in layers):
        raise ValueError(f"expected a backprop_lib MLP (with .layers), got {type(net).__name__}")
    out = []
    for i, layer in enumerate(layers):
        name = layer.activation.name
        if name not in _SUPPORTED:
            raise ValueError(f"layer {i + 1} has activation {name!r}; curvature works with "
                             f"{', '.join(_SUPPORTED)} (a softmax output with cross-entropy is not covered)")
        out.append((layer.params["W"].shape, name))
    return out


def n_params(net) -> int:
    """P, the number of parameters (every W and b)."""
    return sum(r * c + c for (r, c), _ in _structure(net))


def flatten(net) -> np.ndarray:
    """The network's parameters as one vector theta (P,): W_1, b_1, W_2, b_2, ... (a copy)."""
    _structure(net)
    return np.concatenate([np.concatenate([layer.params["W"].ravel(), layer.params["b"].ravel()])
                           for layer in net.layers])


def unflatten(net, theta) -> list[tuple[np.ndarray, np.ndarray]]:
    """theta (P,) -> [(W_1, b_1), (W_2, b_2), ...] with the shapes of the network's layers."""
    structure = _structure(net)
    theta = _vector(theta, n_params(net), "theta")
    out, i = [], 0
    for (r, c), _ in structure:
        W = theta[i:i + r * c].reshape(r, c)
        i += r * c
        out.append((W, theta[i:i + c]))
        i += c
    return out


def set_params(net, theta) -> None:
    """Copy theta (P,) into the network's W and b (the only function here that changes the network)."""
    for layer, (W, b) in zip(net.layers, unflatten(net, theta)):
        layer.W, layer.b = W, b


def _vector(v, size: int, what: str) -> np.ndarray:
    try:
        v = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what} must be numeric: {e}") from None
    if v.shape != (size,):
        raise ValueError(f"{what} must be a vector of shape ({size},), got shape {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError(f"{what} contains NaN or inf")
    return v


def _setup(net, X, theta):
    structure = _structure(net)
    X = as_matrix(X, "X", width=structure[0][0][0])
    params = unflatten(net, flatten(net) if theta is None else theta)
    return structure, X, params


def _forward(structure, params, X):
    """[(a_prev, z, a), ...] for every layer."""
    cache, a = [], X
    for (_, name), (W, b) in zip(structure, params):
        z = a @ W + b
        a_new = _apply(name, z)
        cache.append((a, z, a_new))
        a = a_new
    return cache


def _apply(name: str, z: np.ndarray) -> np.ndarray:
    return ACTIVATIONS[name].f(z)             # the same f as the network's Dense layers


def outputs(net, X, theta=None) -> np.ndarray:
    """The network's outputs a_L (N, m) for inputs X (N, n_0)."""
    structure, X, params = _setup(net, X, theta)
    return _forward(structure, params, X)[-1][2]


def _backward(structure, params, cache, U, need_params: bool = True):
    """Reverse pass from U = dS/da_L (N, m): returns (dS/dX (N, n_0), dS/dtheta (P,) or None, deltas, gs)."""
    g, grads, deltas, gs = U, [], [None] * len(params), [None] * len(params)
    for l in range(len(params) - 1, -1, -1):
        (_, name), (W, _), (a_prev, z, a) = structure[l], params[l], cache[l]
        gs[l] = g
        delta = g * _first(name, z, a)
        deltas[l] = delta
        if need_params:
            grads.append(np.concatenate([(a_prev.T @ delta).ravel(), delta.sum(axis=0)]))
        g = delta @ W.T
    return g, (np.concatenate(grads[::-1]) if need_params else None), deltas, gs


def vjp(net, X, U, theta=None) -> tuple[np.ndarray, np.ndarray]:
    r"""Vector-Jacobian products $U^\top J$ by one backward pass: (dX (N, n_0), dtheta (P,)).

    U (N, m) weighs the outputs: the result is the gradient of $S = \sum_{n,k} U_{nk}\,a_{L,nk}$ with
    respect to the inputs (row n of dX belongs to sample n) and to the parameters (summed over rows).
    """
    structure, X, params = _setup(net, X, theta)
    U = as_matrix(U, "U", width=structure[-1][0][1])
    if U.shape[0] != X.shape[0]:
        raise ValueError(f"U has {U.shape[0]} rows but X has {X.shape[0]}")
    dX, dtheta, _, _ = _backward(structure, params, _forward(structure, params, X), U)
    return dX, dtheta


def _tangent(structure, params, cache, Xdot, dparams=None):
    """Forward-mode pass: [(adot_prev, zdot, adot), ...] for a direction in the inputs and parameters
    (dparams None: the parameters do not move)."""
    tangents, adot = [], Xdot
    for l, ((_, name), (W, _), (a_prev, z, a)) in enumerate(zip(structure, params, cache)):
        zdot = adot @ W
        if dparams is not None:
            dW, db = dparams[l]
            zdot = zdot + a_prev @ dW + db
        adot_new = _first(name, z, a) * zdot
        tangents.append((adot, zdot, adot_new))
        adot = adot_new
    return tangents


def jvp(net, X, X_dot=None, theta_dot=None, theta=None) -> np.ndarray:
    r"""Jacobian-vector product $J\,v$ by one forward pass: d(outputs)/d(step) (N, m).

    The direction moves the inputs by X_dot (N, n_0) and the parameters by theta_dot (P,); either may
    be None (no change).
    """
    structure, X, params = _setup(net, X, theta)
    X_dot = np.zeros_like(X) if X_dot is None else as_matrix(X_dot, "X_dot", width=X.shape[1])
    if X_dot.shape != X.shape:
        raise ValueError(f"X_dot must have the shape of X, {X.shape}, got {X_dot.shape}")
    dparams = unflatten(net, np.zeros(n_params(net)) if theta_dot is None else theta_dot)
    return _tangent(structure, params, _forward(structure, params, X), X_dot, dparams)[-1][2]


def _one_sample(x, width: int) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"x must be one sample, a 1-D array of {width} inputs, got shape {x.shape}")
    return x[None, :]


def jacobian_reverse(net, x, wrt: str = "inputs", theta=None) -> np.ndarray:
    r"""The Jacobian of the outputs a_L (m,) of one sample x (n_0,): one forward pass, then m VJPs.

    Row k is the backward pass started from u = e_k. wrt "inputs": (m, n_0) = da_L/dx;
    wrt "params": (m, P) = da_L/dtheta.
    """
    structure, X, params = _setup(net, _one_sample(x, _structure(net)[0][0][0]), theta)
    cache = _forward(structure, params, X)
    m, rows = structure[-1][0][1], []
    for k in range(m):
        inputs = _wrt(wrt) == "inputs"
        dX, dtheta, _, _ = _backward(structure, params, cache, np.eye(m)[k][None, :], need_params=not inputs)
        rows.append(dX[0] if inputs else dtheta)
    return np.array(rows)


def jacobian_forward(net, x, wrt: str = "inputs", theta=None) -> np.ndarray:
    r"""The same Jacobian by one forward pass, then one JVP per input direction (column): n_0, or P."""
    structure, X, params = _setup(net, _one_sample(x, _structure(net)[0][0][0]), theta)
    cache = _forward(structure, params, X)
    cols = []
    if _wrt(wrt) == "inputs":
        for j in range(X.shape[1]):
            cols.append(_tangent(structure, params, cache, np.eye(X.shape[1])[j][None, :])[-1][2][0])
    else:
        for e in np.eye(n_params(net)):
            cols.append(_tangent(structure, params, cache, np.zeros_like(X), unflatten(net, e))[-1][2][0])
    return np.array(cols).T


def _wrt(wrt: str) -> str:
    if wrt not in ("inputs", "params"):
        raise ValueError(f"wrt must be 'inputs' or 'params', got {wrt!r}")
    return wrt


def jacobian_fd(f: Callable[[np.ndarray], np.ndarray], x, h: float = 1e-5) -> np.ndarray:
    r"""Central differences: column j is $(f(x + h e_j) - f(x - h e_j)) / 2h$; (m, n) for f: R^n -> R^m."""
    x = np.asarray(x, dtype=np.float64).ravel()
    if not (isinstance(h, numbers.Real) and h > 0):
        raise ValueError(f"step h must be a number > 0, got {h!r}")
    cols = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = h
        cols.append((np.ravel(f(x + e)) - np.ravel(f(x - e))) / (2 * h))
    return np.array(cols).T


# -- the loss and its curvature ----------------------------------------------------------------
def _targets(T, X: np.ndarray, m: int) -> np.ndarray:
    T = np.asarray(T, dtype=np.float64)
    if T.ndim == 1 and m == 1:
        T = T[:, None]
    T = as_matrix(T, "targets T", width=m)
    if T.shape[0] != X.shape[0]:
        raise ValueError(f"targets have {T.shape[0]} rows but X has {X.shape[0]}")
    return T


def loss(net, X, T, theta=None) -> float:
    r"""$L(\theta) = \frac1N \sum_n \tfrac12 \|a_{L,n} - t_n\|^2$ (the library's "mse")."""
    structure, X, params = _setup(net, X, theta)
    d = _forward(structure, params, X)[-1][2] - _targets(T, X, structure[-1][0][1])
    return float(0.5 * np.sum(d * d) / X.shape[0])


def gradient(net, X, T, theta=None) -> np.ndarray:
    r"""$\nabla L(\theta)$ (P,) by backprop: the VJP with $U = (a_L - T)/N$."""
    structure, X, params = _setup(net, X, theta)
    cache = _forward(structure, params, X)
    U = (cache[-1][2] - _targets(T, X, structure[-1][0][1])) / X.shape[0]
    return _backward(structure, params, cache, U)[1]


def hvp(net, X, T, v, theta=None) -> np.ndarray:
    r"""$H v$ (P,) exactly, without forming H: the backward pass differentiated along v (about 2 gradients' cost)."""
    structure, X, params = _setup(net, X, theta)
    T = _targets(T, X, structure[-1][0][1])
    N = X.shape[0]
    dparams = unflatten(net, _vector(v, n_params(net), "v"))
    cache = _forward(structure, params, X)
    _, _, deltas, gs = _backward(structure, params, cache, (cache[-1][2] - T) / N)
    tangents = _tangent(structure, params, cache, np.zeros_like(X), dparams)
    gdot, out = tangents[-1][2] / N, []
    for l in range(len(params) - 1, -1, -1):
        (_, name), (W, _), (dW, _) = structure[l], params[l], dparams[l]
        a_prev, z, a = cache[l]
        adot_prev, zdot, _ = tangents[l]
        delta_dot = gdot * _first(name, z, a) + gs[l] * _second(name, z, a) * zdot
        out.append(np.concatenate([(adot_prev.T @ deltas[l] + a_prev.T @ delta_dot).ravel(), delta_dot.sum(axis=0)]))
        gdot = delta_dot @ W.T + deltas[l] @ dW.T
    return np.concatenate(out[::-1])


def hessian(net, X, T, theta=None) -> np.ndarray:
    r"""The exact Hessian (P, P): column j is $H e_j$, one HVP per parameter."""
    P = n_params(net)
    return np.array([hvp(net, X, T, e, theta) for e in np.eye(P)]).T


def hvp_fd(net, X, T, v, theta=None, h: float = 1e-5) -> np.ndarray:
    r"""$H v \approx (\nabla L(\theta + h v) - \nabla L(\theta - h v)) / 2h$: central differences of the gradient."""
    theta = flatten(net) if theta is None else _vector(theta, n_params(net), "theta")
    v = _vector(v, theta.size, "v")
    return (gradient(net, X, T, theta + h * v) - gradient(net, X, T, theta - h * v)) / (2 * h)


def hessian_fd(net, X, T, theta=None, h: float = 1e-5) -> np.ndarray:
    r"""The Hessian by central differences of the gradient, one parameter at a time (2P gradients)."""
    P = n_params(net)
    return np.array([hvp_fd(net, X, T, e, theta, h) for e in np.eye(P)]).T


def power_iteration(matvec: Callable[[np.ndarray], np.ndarray], n: int, iters: int = 500, tol: float = 1e-12,
                    seed: int = 0) -> tuple[float, np.ndarray, int]:
    r"""The eigenvalue of largest magnitude of a symmetric matrix known only through matvec(v) = H v.

    v <- H v / ||H v||, repeated; the estimate is the Rayleigh quotient $\lambda = v^\top H v$. Stops when
    it changes by less than tol * |lambda| (tol = 0: exactly `iters` products). Returns (lambda, v, products used).
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"n must be a whole number >= 1, got {n!r}")
    v = np.random.default_rng(seed).normal(size=int(n))
    v /= np.linalg.norm(v)
    lam, used = 0.0, 0
    for used in range(1, iters + 1):
        w = np.asarray(matvec(v), dtype=np.float64)
        if w.shape != v.shape or not np.isfinite(w).all():
            raise ValueError(f"matvec must return a finite vector of shape {v.shape}, got {w.shape}")
        new = float(v @ w)
        norm = np.linalg.norm(w)
        if norm == 0:
            return 0.0, v, used
        v = w / norm
        if tol > 0 and used > 1 and abs(new - lam) <= tol * abs(new):
            return new, v, used
        lam = new
    return lam, v, used


# -- a loss of two weights, to draw: a = w2 tanh(w1 x) ---------------------------------------------
def two_weight_loss(w1, w2, x, t) -> np.ndarray:
    r"""$L(w_1, w_2) = \frac1N \sum_n \tfrac12 (w_2 \tanh(w_1 x_n) - t_n)^2$; w1, w2 numbers or equal-shape grids."""
    w1, w2 = np.asarray(w1, dtype=np.float64), np.asarray(w2, dtype=np.float64)
    x, t = np.asarray(x, dtype=np.float64).ravel(), np.asarray(t, dtype=np.float64).ravel()
    r = w2[..., None] * np.tanh(w1[..., None] * x) - t
    return 0.5 * np.mean(r * r, axis=-1)


def two_weight_grad(w, x, t) -> np.ndarray:
    r"""$\nabla L = \frac1N \sum_n r_n\,(w_2 (1 - s_n^2) x_n,\ s_n)$ with $s_n = \tanh(w_1 x_n)$, $r_n = w_2 s_n - t_n$."""
    w1, w2 = _vector(w, 2, "w")
    x, t = np.asarray(x, dtype=np.float64).ravel(), np.asarray(t, dtype=np.float64).ravel()
    s = np.tanh(w1 * x)
    r = w2 * s - t
    return np.array([np.mean(r * w2 * (1 - s * s) * x), np.mean(r * s)])


def two_weight_hessian(w, x, t) -> np.ndarray:
    r"""The exact 2x2 Hessian of two_weight_loss (Gauss-Newton part plus the residual part)."""
    w1, w2 = _vector(w, 2, "w")
    x, t = np.asarray(x, dtype=np.float64).ravel(), np.asarray(t, dtype=np.float64).ravel()
    s = np.tanh(w1 * x)
    ds = 1 - s * s                                  # ds/d(w1 x)
    r = w2 * s - t
    j1, j2 = w2 * ds * x, s                         # da/dw1, da/dw2
    h11 = np.mean(j1 * j1 + r * w2 * (-2 * s * ds) * x * x)
    h12 = np.mean(j1 * j2 + r * ds * x)
    h22 = np.mean(j2 * j2)
    return np.array([[h11, h12], [h12, h22]])


@dataclass
class SurfacePoint:
    r"""Everything the chapter-10 view shows at one point w = (w1, w2) of two_weight_loss.

    direction: the unit vector d at `angle` degrees; curvature: $d^\top H d$; eigenvalues (ascending);
    gradient_step: $-\eta\,\nabla L$; newton_step: $-H^{-1}\nabla L$ (None if H is singular);
    lr_limit: $2/\lambda_{\max}$ (inf if $\lambda_{\max} \le 0$).
    """

    w: np.ndarray
    loss: float
    grad: np.ndarray
    hessian: np.ndarray
    eigenvalues: np.ndarray
    direction: np.ndarray
    curvature: float
    lr: float
    gradient_step: np.ndarray
    newton_step: np.ndarray | None
    lr_limit: float


def surface_point(w, angle: float, lr: float, x, t) -> SurfacePoint:
    """The gradient, Hessian, curvature along the direction at `angle` degrees, and both steps, at w."""
    w = _vector(w, 2, "w")
    if not (isinstance(angle, numbers.Real) and np.isfinite(angle)):
        raise ValueError(f"angle must be a finite number of degrees, got {angle!r}")
    if not (isinstance(lr, numbers.Real) and np.isfinite(lr) and lr > 0):
        raise ValueError(f"the learning rate must be a number > 0, got {lr!r}")
    g, H = two_weight_grad(w, x, t), two_weight_hessian(w, x, t)
    eigenvalues = np.linalg.eigvalsh(H)
    d = np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
    scale = max(np.abs(eigenvalues).max(), 1e-300)
    newton = None if np.abs(eigenvalues).min() < 1e-12 * scale else -np.linalg.solve(H, g)
    lam_max = eigenvalues[-1]
    return SurfacePoint(w=w, loss=float(two_weight_loss(w[0], w[1], x, t)), grad=g, hessian=H,
                        eigenvalues=eigenvalues, direction=d, curvature=float(d @ H @ d), lr=float(lr),
                        gradient_step=-lr * g, newton_step=newton,
                        lr_limit=2.0 / lam_max if lam_max > 0 else float("inf"))

"""Linear regression with one input (chapter 3): the loss L(w, b), its gradient and constant Hessian,
the closed-form optimum, and (mini-batch, momentum) gradient-descent paths over it. Numpy only.

    x, y = ...                                   # 1-D arrays of equal length
    linreg_optimum(x, y)                         # (w, b) from the normal equations
    r = descent_path(x, y, lr=0.3, steps=60)     # r.path (steps+1, 2), r.loss, r.diverged, r.message
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import real_number, whole_number
from .train import diverged_by


def as_xy(x, y):
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if x.size < 2 or x.shape != y.shape:
        raise ValueError(f"x and y must be 1-D arrays of the same length >= 2, got shapes {x.shape} and {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("x and y must not contain NaN or inf")
    return x, y


def linreg_loss(theta, x, y) -> float:
    r"""$L(w, b) = \frac{1}{2n}\sum_i (w x_i + b - y_i)^2$ for theta = (w, b)."""
    r = theta[0] * x + theta[1] - y
    return float(0.5 * np.mean(r * r))


def linreg_grad(theta, x, y) -> np.ndarray:
    r"""$\nabla L = \big(\frac1n \sum_i r_i x_i,\ \frac1n \sum_i r_i\big)$ with $r_i = w x_i + b - y_i$."""
    r = theta[0] * x + theta[1] - y
    return np.array([np.mean(r * x), np.mean(r)])


def linreg_loss_grid(W_, B_, x, y) -> np.ndarray:
    """L(w, b) on a grid of w and b values (arrays of equal shape), from five sums of the data."""
    sxx, sx, sxy, sy, syy = (np.mean(v) for v in (x * x, x, x * y, y, y * y))
    return 0.5 * (W_ * W_ * sxx + 2 * W_ * B_ * sx + B_ * B_ - 2 * W_ * sxy - 2 * B_ * sy + syy)


def linreg_optimum(x, y) -> np.ndarray:
    """The least-squares (w, b): the closed form, solving the 2x2 normal equations."""
    X = np.c_[x, np.ones_like(x)]
    return np.linalg.solve(X.T @ X, X.T @ y)


def linreg_hessian(x) -> np.ndarray:
    """The (constant) Hessian of L: [[mean x^2, mean x], [mean x, 1]]."""
    return np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])


@dataclass
class DescentResult:
    """What descent_path did: path (steps+1, 2) of (w, b), the full-data loss at each point, and
    diverged_at (the step where the loss exploded, or None) with a message in words."""

    path: np.ndarray
    loss: np.ndarray
    diverged_at: int | None
    message: str

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None


def descent_path(x, y, start=(-1.0, 3.0), lr: float = 0.1, steps: int = 60, batch_size: int | None = None,
                 momentum: float = 0.0, seed: int = 0, blowup: float = 1e6) -> DescentResult:
    r"""Run `steps` updates of (mini-batch) gradient descent with momentum on the linear regression loss.

    v <- momentum v - lr grad_B L,  theta <- theta + v, where grad_B is the gradient on a batch of
    `batch_size` rows (None: all rows), the rows reshuffled (seeded) every epoch. The path stops early,
    with no warning, when the loss exceeds `blowup` times its starting value (divergence).
    """
    x, y = as_xy(x, y)
    lr = real_number(lr, "learning rate lr", low=0, low_open=True)
    momentum = real_number(momentum, "momentum", low=0.0, high=0.999)
    steps = whole_number(steps, "steps", minimum=0)
    n = x.size
    batch_size = n if batch_size is None else whole_number(batch_size, "batch_size (or None: all rows)", minimum=1)
    batch_size = min(batch_size, n)
    theta = np.array(start, dtype=np.float64).reshape(2)
    velocity = np.zeros(2)
    rng = np.random.default_rng(seed)
    path, losses = [theta.copy()], [linreg_loss(theta, x, y)]
    order, pos = np.arange(n), n
    diverged_at, message = None, ""
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, int(steps) + 1):
            if batch_size == n:
                xb, yb = x, y
            else:
                if pos + batch_size > n:
                    order, pos = rng.permutation(n), 0
                idx = order[pos:pos + batch_size]
                pos += batch_size
                xb, yb = x[idx], y[idx]
            velocity = momentum * velocity - lr * linreg_grad(theta, xb, yb)
            theta = theta + velocity
            loss = linreg_loss(theta, x, y)
            if diverged_by(loss, losses[0], blowup):
                lam = float(np.linalg.eigvalsh(linreg_hessian(x))[-1])
                diverged_at = step
                message = (f"Diverged at step {step}: the loss grew from {losses[0]:.3g} to "
                           f"{loss:.3g}. Each step overshoots the valley and lands higher up the other side. "
                           f"For this loss, steps grow once lr > 2(1 + momentum) / \u03bb_max = "
                           f"{2 * (1 + momentum) / lam:.3g} (\u03bb_max = {lam:.3g}, the largest curvature); "
                           f"lr = {lr:.3g}.")
                break
            path.append(theta.copy())
            losses.append(loss)
    return DescentResult(np.array(path), np.array(losses), diverged_at, message)



__all__ = ["linreg_loss", "linreg_grad", "linreg_loss_grid", "linreg_optimum", "linreg_hessian",
           "DescentResult", "descent_path", "as_xy"]

"""Stochastic gradient descent with (optional) momentum.

    v <- momentum * v - lr * grad          p <- p + v
With momentum 0 this is the plain update p <- p - lr * grad. Document 000's code uses momentum 0.5.
"""
from __future__ import annotations

import numbers

import numpy as np


class SGD:
    """SGD over a list of parameter dicts and the matching list of gradient dicts."""

    def __init__(self, lr: float = 0.1, momentum: float = 0.0):
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not np.isfinite(lr) or lr <= 0:
            raise ValueError(f"learning rate lr must be a finite number > 0, got {lr!r}")
        if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) or not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be a number in [0, 1), got {momentum!r}")
        self.lr = float(lr)
        self.momentum = float(momentum)
        self.velocity: list[dict[str, np.ndarray]] | None = None

    def step(self, params: list[dict], grads: list[dict]) -> None:
        """Update every params[i][k] in place from grads[i][k]."""
        lr, mu = self.lr, self.momentum
        if mu == 0.0:
            for p, g in zip(params, grads):
                for k in p:
                    p[k] -= lr * g[k]
            return
        if self.velocity is None:
            self.velocity = [{k: np.zeros_like(v) for k, v in p.items()} for p in params]
        for p, g, v in zip(params, grads, self.velocity):
            for k in p:
                v[k] *= mu
                v[k] -= lr * g[k]
                p[k] += v[k]

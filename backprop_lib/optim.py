"""Stochastic gradient descent with (optional) momentum.

    v <- momentum * v - lr * grad          p <- p + v
With momentum 0 this is the plain update p <- p - lr * grad. Momentum 0.5 to 0.9 is a common choice.
"""
from __future__ import annotations

import numpy as np

from ._validate import real_number


class SGD:
    """SGD over a list of parameter dicts and the matching list of gradient dicts."""

    def __init__(self, lr: float = 0.1, momentum: float = 0.0):
        self.lr = real_number(lr, "learning rate lr", low=0.0, low_open=True)
        self.momentum = real_number(momentum, "momentum", low=0.0, high=1.0, high_open=True)
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

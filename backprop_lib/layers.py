"""The fully connected (dense, affine) layer: z = a_prev W + b, a = f(z), for a batch of rows.

Shapes (N = batch size):  a_prev (N, n_in), W (n_in, n_out), b (n_out,), z and a (N, n_out).
Backward, given delta = dL/dz (N, n_out):
    dW = a_prev^T delta        db = sum over rows of delta        da_prev = delta W^T
"""
from __future__ import annotations

import numbers

import numpy as np

from . import activations
from ._validate import choice, real_number, whole_number

INITS = ("auto", "xavier", "he", "naive")


def init_std(n_in: int, n_out: int, init, activation: str) -> float:
    """Standard deviation of the normal initial weights.

    xavier (Glorot): sqrt(2 / (n_in + n_out)), keeps variance through sigmoid/tanh layers;
    he: sqrt(2 / n_in), keeps it through ReLU layers; naive: 1; auto: he for relu, else xavier;
    a number: that standard deviation.
    """
    if isinstance(init, numbers.Real) and not isinstance(init, bool):
        return real_number(init, "init as a number (a standard deviation)", low=0.0)
    init = choice("init", init, INITS)
    if init == "auto":
        init = "he" if activation == "relu" else "xavier"
    return {"xavier": np.sqrt(2.0 / (n_in + n_out)), "he": np.sqrt(2.0 / n_in), "naive": 1.0}[init]


class Dense:
    """One affine layer followed by an activation, with its gradients.

    `params` and `grads` are dicts with the same keys ("W", "b"), so an optimiser is a short loop.
    `forward` caches exactly what `backward` needs: a_prev, z and a.
    """

    def __init__(self, n_in: int, n_out: int, activation: str = "sigmoid", init="auto",
                 rng: np.random.Generator | None = None):
        n_in, n_out = whole_number(n_in, "n_in", minimum=1), whole_number(n_out, "n_out", minimum=1)
        self.activation = activations.get(activation)
        rng = np.random.default_rng(0) if rng is None else rng
        std = init_std(n_in, n_out, init, activation)
        self.params = {"W": rng.normal(0.0, std, size=(n_in, n_out)), "b": np.zeros(n_out)}
        self.grads = {"W": np.zeros((n_in, n_out)), "b": np.zeros(n_out)}
        self.a_prev = self.z = self.a = None

    W = property(lambda self: self.params["W"], lambda self, value: self._set("W", value),
                 doc="Weights, shape (n_in, n_out); assigning checks the shape and stores a float64 copy.")
    b = property(lambda self: self.params["b"], lambda self, value: self._set("b", value),
                 doc="Biases, shape (n_out,); assigning checks the shape and stores a float64 copy.")

    def _set(self, key: str, value) -> None:
        value = np.asarray(value, dtype=np.float64)
        if value.shape != self.params[key].shape:
            raise ValueError(f"{key} must have shape {self.params[key].shape}, got {value.shape}")
        self.params[key] = value.copy()

    @property
    def n_in(self) -> int:
        return self.params["W"].shape[0]

    @property
    def n_out(self) -> int:
        return self.params["W"].shape[1]

    def forward(self, a_prev: np.ndarray) -> np.ndarray:
        """a = f(z), z = a_prev W + b: a_prev (N, n_in) -> a (N, n_out); caches a_prev, z, a."""
        self.a_prev = a_prev
        z = a_prev @ self.params["W"]
        z += self.params["b"]          # in place: the same z as a_prev W + b, one temporary fewer
        self.z = z
        self.a = self.activation.f(z)
        return self.a

    def backward(self, da: np.ndarray, need_input_grad: bool = True, overwrite: bool = False) -> np.ndarray | None:
        """Given dL/da (N, n_out): delta = dL/dz = dL/da * f'(z), then `backward_delta(delta)`;
        returns dL/da_prev (N, n_in), or None when need_input_grad is False.

        overwrite=True lets the layer write delta into da (same values, one temporary fewer): only for a
        da that nothing else holds, as MLP.backward's own intermediate arrays.
        """
        rule = self.activation.backward_inplace if overwrite else self.activation.backward
        return self.backward_delta(rule(da, self.z, self.a), need_input_grad)

    def backward_delta(self, delta: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Given delta = dL/dz (N, n_out): dW = a_prev^T delta (n_in, n_out), db = sum_rows delta (n_out,);
        returns dL/da_prev = delta W^T (N, n_in)."""
        self.delta = delta
        self.grads["W"] = self.a_prev.T @ delta
        self.grads["b"] = np.add.reduce(delta, axis=0)   # == delta.sum(axis=0), without the method's overhead
        return delta @ self.params["W"].T if need_input_grad else None

    def __repr__(self) -> str:
        return f"Dense({self.n_in} -> {self.n_out}, {self.activation.name})"

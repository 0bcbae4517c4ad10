"""The multi-layer perceptron: a stack of Dense layers with forward, backward and loss_and_grads.

Forward, for l = 1..L:   z_l = a_{l-1} W_l + b_l,   a_l = f(z_l),   a_0 = X
Backward:                delta_L = dL/dz_L                       (output delta)
                         delta_l = (delta_{l+1} W_{l+1}^T) * f'(z_l)   (hidden delta)
                         dW_l = a_{l-1}^T delta_l,  db_l = sum over rows of delta_l
"""
from __future__ import annotations

import numpy as np

from . import activations, losses
from ._validate import as_matrix, as_targets, choice, whole_number
from .layers import Dense


class MLP:
    """A fully connected network, e.g. ``MLP([2, 8, 8, 1], activation="tanh", output="sigmoid", seed=0)``.

    sizes: [n_inputs, n_hidden_1, ..., n_outputs]; activation: hidden layers' f ("sigmoid", "tanh",
    "relu"); output: the last layer's f ("identity", "sigmoid", "softmax"); init: "auto", "xavier",
    "he", "naive" or a standard deviation; seed: the initial weights' random seed.
    """

    def __init__(self, sizes, activation: str = "sigmoid", output: str = "identity", seed: int = 0,
                 init="auto"):
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
            raise ValueError(f"sizes must be a list like [n_inputs, ..., n_outputs] with at least 2 entries, got {sizes!r}")
        self.sizes = [whole_number(n, f"layer size sizes[{i}]", minimum=1) for i, n in enumerate(sizes)]
        self.activation = choice("activation", activation, activations.HIDDEN_ACTIVATIONS)
        self.output = choice("output", output, activations.OUTPUT_ACTIVATIONS)
        self.init = init
        self.seed = seed
        rng = np.random.default_rng(seed)
        n_layers = len(self.sizes) - 1
        self.layers = [
            Dense(n_in, n_out, self.output if i == n_layers - 1 else self.activation, init=init, rng=rng)
            for i, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:]))
        ]

    # -- forward ---------------------------------------------------------------------------------
    def forward(self, X) -> np.ndarray:
        """The network's output a_L for inputs X: (N, n_inputs) -> (N, n_outputs)."""
        return self._forward(as_matrix(X, "X", width=self.sizes[0]))

    __call__ = forward

    def _forward(self, X: np.ndarray) -> np.ndarray:
        a = X
        for layer in self.layers:
            a = layer.forward(a)
        return a

    def predict(self, X) -> np.ndarray:
        """Class labels (N,): argmax over several outputs, a > 0.5 for a single output."""
        a = self.forward(X)
        if a.shape[1] > 1:
            return a.argmax(axis=1)
        return (a[:, 0] > 0.5).astype(int)

    # -- loss and backward -----------------------------------------------------------------------
    def _targets(self, T, n_rows: int) -> np.ndarray:
        return as_targets(T, n_rows, self.sizes[-1], one_hot_labels=self.output == "softmax")

    def _check_loss(self, loss: str) -> str:
        choice("loss", loss, losses.LOSSES)
        if loss == "cross_entropy" and self.output == "identity":
            raise ValueError("loss 'cross_entropy' needs output 'softmax' or 'sigmoid'; "
                             "this network's output is 'identity' (use loss 'mse', or another output)")
        return loss

    def _loss_value(self, T: np.ndarray, loss: str) -> float:
        out = self.layers[-1]
        if loss == "mse":
            return losses.mse(out.a, T)
        if self.output == "softmax":
            return losses.softmax_cross_entropy(out.z, T)
        return losses.binary_cross_entropy(out.z, T)

    def loss(self, X, T, loss: str = "mse") -> float:
        """The mean loss over the batch ("mse" or "cross_entropy")."""
        self._check_loss(loss)
        X = as_matrix(X, "X", width=self.sizes[0])
        T = self._targets(T, X.shape[0])
        self._forward(X)
        return self._loss_value(T, loss)

    def backward(self, delta_out: np.ndarray) -> list[dict[str, np.ndarray]]:
        """Back-propagate the output delta dL/dz_L (N, n_outputs) through every layer; return the gradients
        [{"W": dW_i (n_in, n_out), "b": db_i (n_out,)}, ...], layer by layer from the input side."""
        delta_in = self.layers[-1].backward_delta(delta_out, need_input_grad=len(self.layers) > 1)
        for i in range(len(self.layers) - 2, -1, -1):   # delta_in is ours alone: it may be overwritten
            delta_in = self.layers[i].backward(delta_in, need_input_grad=i > 0, overwrite=True)
        return [{"W": layer.grads["W"], "b": layer.grads["b"]} for layer in self.layers]

    def loss_and_grads(self, X, T, loss: str = "mse") -> tuple[float, list[dict[str, np.ndarray]]]:
        """(L, grads) where grads[i] == {"W": dL/dW_i, "b": dL/db_i}, shapes as layer i's."""
        self._check_loss(loss)
        X = as_matrix(X, "X", width=self.sizes[0])
        T = self._targets(T, X.shape[0])
        return self._loss_and_grads(X, T, loss)

    def _loss_and_grads(self, X: np.ndarray, T: np.ndarray, loss: str):
        a = self._forward(X)
        out = self.layers[-1]
        value = self._loss_value(T, loss)
        delta = a - T
        delta /= X.shape[0]           # (a - t) / N, computed in place
        if loss != "cross_entropy":   # softmax+CE and sigmoid+BCE: dL/dz = (a - t) / N already
            delta = out.activation.backward_inplace(delta, out.z, a)
        return value, self.backward(delta)

    # -- parameters ------------------------------------------------------------------------------
    @property
    def params(self) -> list[dict[str, np.ndarray]]:
        """Every layer's parameter dict, in order (what an optimiser updates)."""
        return [layer.params for layer in self.layers]

    @property
    def n_params(self) -> int:
        return sum(p.size for layer in self.layers for p in layer.params.values())

    def __repr__(self) -> str:
        return (f"MLP({self.sizes}, activation={self.activation!r}, output={self.output!r}, "
                f"{self.n_params} parameters)")

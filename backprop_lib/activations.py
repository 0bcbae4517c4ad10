"""Activation functions f(z) and their derivatives, numerically stable for |z| up to 1e4 and beyond.

Each derivative takes both z and the forward value a = f(z), because the cheap formulas reuse a:
sigma'(z) = a (1 - a) and tanh'(z) = 1 - a^2.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._validate import choice


def sigmoid(z: np.ndarray) -> np.ndarray:
    r"""$\sigma(z) = 1 / (1 + e^{-z})$, computed without overflow: only $e^{-|z|}$ is ever formed."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    if z.ndim == 0:
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    # the same values with fewer temporaries: (1 where z >= 0, else e) / (1 + e)
    out = np.where(z >= 0, 1.0, e)
    e += 1.0
    return np.divide(out, e, out=out)


def tanh(z: np.ndarray) -> np.ndarray:
    r"""$\tanh(z)$."""
    return np.tanh(z)


def relu(z: np.ndarray) -> np.ndarray:
    r"""$\mathrm{relu}(z) = \max(0, z)$."""
    return np.maximum(z, 0.0)


# The derivatives, each written once, from z and the forward value a = f(z) (the cheap forms reuse a).
def sigmoid_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    r"""$\sigma'(z) = a (1 - a)$ with $a = \sigma(z)$."""
    return a * (1.0 - a)


def tanh_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    r"""$\tanh'(z) = 1 - a^2$ with $a = \tanh(z)$."""
    return 1.0 - a * a


def relu_derivative(z: np.ndarray, a=None) -> np.ndarray:
    r"""$\mathrm{relu}'(z) = 1$ for $z > 0$, else 0 (float). At exactly $z = 0$ it is undefined; we use 0."""
    return (np.asarray(z) > 0).astype(np.float64)


def identity_derivative(z: np.ndarray, a=None) -> np.ndarray:
    r"""$f'(z) = 1$."""
    return np.ones_like(np.asarray(z, dtype=np.float64))


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    r"""$\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$."""
    return sigmoid_derivative(z, sigmoid(z))


def tanh_prime(z: np.ndarray) -> np.ndarray:
    r"""$\tanh'(z) = 1 - \tanh^2(z)$."""
    return tanh_derivative(z, np.tanh(z))


def relu_prime(z: np.ndarray) -> np.ndarray:
    r"""$\mathrm{relu}'(z)$: 1 for $z > 0$, else 0 (0 at exactly $z = 0$, by convention)."""
    return relu_derivative(z)


def identity(z: np.ndarray) -> np.ndarray:
    r"""$f(z) = z$."""
    return np.asarray(z, dtype=np.float64)


def softmax(z: np.ndarray) -> np.ndarray:
    r"""$p_k = e^{z_k} / \sum_j e^{z_j}$ along the last axis, shifted by $\max_j z_j$ so nothing overflows."""
    z = np.asarray(z, dtype=np.float64)
    e = z - z.max(axis=-1, keepdims=True)
    np.exp(e, out=e)
    e /= np.add.reduce(e, axis=-1, keepdims=True)
    return e


def log_softmax(z: np.ndarray) -> np.ndarray:
    r"""$\log p_k = z_k - \log\sum_j e^{z_j}$ (log-sum-exp, stable for logits of any size)."""
    z = np.asarray(z, dtype=np.float64)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=-1, keepdims=True))


def softmax_jacobian(z: np.ndarray) -> np.ndarray:
    r"""For one logit vector z of length K: $J_{ju} = \partial p_j / \partial z_u = p_j (\mathbb 1[j=u] - p_u)$."""
    p = softmax(np.asarray(z, dtype=np.float64).reshape(-1))
    return np.diag(p) - np.outer(p, p)


@dataclass(frozen=True)
class Activation:
    """An activation with its backward rule.

    `backward(da, z, a)` returns dL/dz given dL/da, the layer's pre-activation z and its output a.
    For element-wise functions that is da * f'(z); softmax couples the outputs, so it uses its Jacobian.
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray] | None  # f'(z) from (z, a); None if not element-wise

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.f(z)

    def backward(self, da: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """dL/dz from dL/da (shapes (N, n))."""
        if self.derivative is not None:
            return da * self.derivative(z, a)
        # softmax: dL/dz_u = sum_j dL/dp_j p_j (1[j=u] - p_u) = p_u (dL/dp_u - sum_j dL/dp_j p_j)
        return a * (da - np.sum(da * a, axis=-1, keepdims=True))

    def backward_inplace(self, da: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """`backward(da, z, a)` with the same values, written into da (saves a temporary in the training loop).

        Only for a da that nothing else holds (the network's own intermediate deltas).
        """
        if self.name == "identity":
            return da
        if self.derivative is not None:
            return np.multiply(da, self.derivative(z, a), out=da)
        return self.backward(da, z, a)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_derivative),
    "tanh": Activation("tanh", tanh, tanh_derivative),
    "relu": Activation("relu", relu, relu_derivative),
    "identity": Activation("identity", identity, identity_derivative),
    "softmax": Activation("softmax", softmax, None),
}

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu")
OUTPUT_ACTIVATIONS = ("identity", "sigmoid", "softmax")


def get(name: str, kind: str = "activation", valid=tuple(ACTIVATIONS)) -> Activation:
    """The Activation called `name`; a ValueError that lists the valid names otherwise."""
    return ACTIVATIONS[choice(kind, name, valid)]


def scaled_activation(name: str, z, k: float = 1.0):
    r"""$(g(z), g'(z))$ for $g(z) = f(kz)$: by the chain rule $g'(z) = k\,f'(kz)$ (ReLU: 0 at $z = 0$)."""
    act = get(name, valid=("sigmoid", "tanh", "relu"))
    u = k * np.asarray(z, dtype=np.float64)
    a = act.f(u)
    return a, k * act.derivative(u, a)

"""Activation functions f(z) and their derivatives, numerically stable for |z| up to 1e4 and beyond.

Each derivative takes both z and the forward value a = f(z), because the cheap formulas reuse a:
sigma'(z) = a (1 - a) and tanh'(z) = 1 - a^2.
"""
from __future__ import annotations

from dataclasses import dataclass, field
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


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    r"""$\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$."""
    a = sigmoid(z)
    return a * (1.0 - a)


def tanh(z: np.ndarray) -> np.ndarray:
    r"""$\tanh(z)$."""
    return np.tanh(z)


def tanh_prime(z: np.ndarray) -> np.ndarray:
    r"""$\tanh'(z) = 1 - \tanh^2(z)$."""
    a = np.tanh(z)
    return 1.0 - a * a


def relu(z: np.ndarray) -> np.ndarray:
    r"""$\mathrm{relu}(z) = \max(0, z)$."""
    return np.maximum(z, 0.0)


def relu_prime(z: np.ndarray) -> np.ndarray:
    r"""$\mathrm{relu}'(z) = 1$ for $z > 0$, else 0. At exactly $z = 0$ it is undefined; we use 0."""
    return (np.asarray(z) > 0).astype(np.float64)


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
    # optional fast path for the training loop: the same dL/dz as `backward`, written into da
    backward_into: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = field(
        default=None, repr=False, compare=False)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.f(z)

    def backward(self, da: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """dL/dz from dL/da (shapes (N, n))."""
        if self.derivative is not None:
            return da * self.derivative(z, a)
        # softmax: dL/dz_u = sum_j dL/dp_j p_j (1[j=u] - p_u) = p_u (dL/dp_u - sum_j dL/dp_j p_j)
        return a * (da - np.sum(da * a, axis=-1, keepdims=True))

    def backward_inplace(self, da: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """`backward(da, z, a)` with the same values, overwriting da when that saves temporaries.

        Only for a da that nothing else holds (the network's own intermediate deltas).
        """
        if self.backward_into is not None:
            return self.backward_into(da, z, a)
        return self.backward(da, z, a)


# In-place backward rules, the same arithmetic as `da * derivative(z, a)` (bit for bit).
def _sigmoid_backward_into(da, z, a):
    d = 1.0 - a
    d *= a
    da *= d
    return da


def _tanh_backward_into(da, z, a):
    d = a * a
    np.subtract(1.0, d, out=d)
    da *= d
    return da


def _relu_backward_into(da, z, a):
    return np.multiply(da, z > 0, out=da)


def _identity_backward_into(da, z, a):
    return da


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, lambda z, a: a * (1.0 - a), _sigmoid_backward_into),
    "tanh": Activation("tanh", np.tanh, lambda z, a: 1.0 - a * a, _tanh_backward_into),
    "relu": Activation("relu", relu, lambda z, a: (z > 0).astype(np.float64), _relu_backward_into),
    "identity": Activation("identity", identity, lambda z, a: np.ones_like(z), _identity_backward_into),
    "softmax": Activation("softmax", softmax, None),
}

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu")
OUTPUT_ACTIVATIONS = ("identity", "sigmoid", "softmax")


def get(name: str, kind: str = "activation", valid=tuple(ACTIVATIONS)) -> Activation:
    """The Activation called `name`; a ValueError that lists the valid names otherwise."""
    return ACTIVATIONS[choice(kind, name, valid)]

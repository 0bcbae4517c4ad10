"""Chapter 2's catalogue: wrong and right answers for its three exercises."""
from __future__ import annotations

import numpy as np

import backprop_lib as bl
from backprop_lib.checks import ch02

from . import Exercise, Wrong, not_written

CHAPTER = "chapters/02_sigmoid_derivative.py"


def _fd(f, h=1e-5):
    return lambda z: (f(np.asarray(z, float) + h) - f(np.asarray(z, float) - h)) / (2 * h)


# -- exercise 1: sigmoid_prime -----------------------------------------------------------------------
SIGMOID_WRONG = [
    Wrong("central difference, h=1e-5", _fd(bl.sigmoid), "finite-difference estimate"),
    Wrong("central difference, h=1e-3", _fd(bl.sigmoid, 1e-3), "finite-difference estimate"),
    Wrong("np.gradient on a grid", lambda z: np.gradient(bl.sigmoid(z)) if np.size(z) > 1 else bl.sigmoid(z) * 0 + 0.25,
          "calls a finite-difference routine"),
    Wrong("the library's sigmoid_prime", lambda z: bl.sigmoid_prime(z), "library's own sigmoid_prime"),
    Wrong("naive exp form overflows", lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, "overflowed"),
    Wrong("naive exp form, other side", lambda z: np.exp(z) / (1 + np.exp(z)) ** 2, "overflowed"),
    Wrong("sigma itself", lambda z: bl.sigmoid(z), "sigma(z) itself"),
    Wrong("a (1 + a)", lambda z: bl.sigmoid(z) * (1 + bl.sigmoid(z)), "a (1 + a)"),
    Wrong("z (1 - z)", lambda z: z * (1 - z), "written with z instead of a"),
    Wrong("minus sign in the sigmoid", lambda z: (lambda a: a * (1 - a))(1 / (1 - np.exp(-z))), "minus sign"),
    Wrong("tanh's slope", lambda z: 1 - np.tanh(z) ** 2, "slope of tanh"),
    Wrong("float32", lambda z: (lambda a: a * (1 - a))(bl.sigmoid(z).astype(np.float32)), "float32"),
    Wrong("a^2", lambda z: bl.sigmoid(z) ** 2, "a^2"),
]


def _sp_loop(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    for idx, zi in np.ndenumerate(z):
        s = 1.0 / (1.0 + np.exp(-zi)) if zi >= 0 else np.exp(zi) / (1.0 + np.exp(zi))
        out[idx] = s * (1.0 - s)
    return out


SIGMOID_RIGHT = [
    _sp_loop,
    lambda z: bl.sigmoid(z) * bl.sigmoid(-z),                                   # 1 - sigma(z) = sigma(-z)
    lambda z: np.exp(-np.abs(z)) / (1.0 + np.exp(-np.abs(z))) ** 2,            # the exp form, stable
    lambda z: (1.0 - np.tanh(np.asarray(z) / 2) ** 2) / 4,                      # sigma = (1 + tanh(z/2)) / 2
]


# -- exercise 2: relu_prime ------------------------------------------------------------------------
RELU_WRONG = [
    Wrong("z >= 0", lambda z: (np.asarray(z) >= 0).astype(float), "use z > 0, not z >= 0"),
    Wrong("bools", lambda z: np.asarray(z) > 0, "bools"),
    Wrong("integers", lambda z: (np.asarray(z) > 0).astype(int), "integers"),
    Wrong("1/2 at zero", lambda z: np.heaviside(z, 0.5), "average of the two slopes"),
    Wrong("ReLU itself", lambda z: np.maximum(0.0, z), "ReLU itself"),
    Wrong("sign of z", lambda z: np.sign(z), "sign of z"),
    Wrong("sides swapped", lambda z: (np.asarray(z) <= 0).astype(float), "sides are swapped"),
    Wrong("1-D loop only", lambda z: np.array([1.0 if zi > 0 else 0.0 for zi in z]), "raised ValueError"),
    Wrong("in place", lambda z: np.greater(z, 0, out=z, casting="unsafe"), "in place"),
    Wrong("the library's relu_prime", lambda z: bl.activations.relu_prime(z), "library's own relu_prime"),
]

RELU_RIGHT = [
    lambda z: np.heaviside(z, 0.0),
    lambda z: np.where(np.asarray(z) > 0, 1.0, 0.0),
    lambda z: np.vectorize(lambda v: 1.0 if v > 0 else 0.0, otypes=[float])(z),
    lambda z: (np.sign(z) + 1) // 2 * (np.asarray(z) != 0),
]


# -- exercise 3: steep_sigmoid_prime ---------------------------------------------------------------------
def _steep_fd(z, k, h=1e-5):
    z = np.asarray(z, float)
    return (bl.sigmoid(k * (z + h)) - bl.sigmoid(k * (z - h))) / (2 * h)


STEEP_WRONG = [
    Wrong("central difference", _steep_fd, "finite-difference estimate"),
    Wrong("central difference, h=1e-7", lambda z, k: _steep_fd(z, k, 1e-7), "finite-difference estimate"),
    Wrong("no inner derivative", lambda z, k: bl.sigmoid_prime(k * np.asarray(z)), "inner derivative k is missing"),
    Wrong("outer slope at z", lambda z, k: k * bl.sigmoid_prime(z), "taken at z instead of at the inner value"),
    Wrong("k squared", lambda z, k: k * k * bl.sigmoid_prime(k * np.asarray(z)), "k appears twice"),
    Wrong("divided by k", lambda z, k: bl.sigmoid_prime(k * np.asarray(z)) / k, "divides by k"),
    Wrong("plain sigma'", lambda z, k: bl.sigmoid_prime(z), "plain sigmoid's slope"),
    Wrong("naive exp form overflows", lambda z, k: k * np.exp(-k * z) / (1 + np.exp(-k * z)) ** 2, "overflowed"),
    Wrong("sigma(kz) itself", lambda z, k: bl.sigmoid(k * np.asarray(z)), "itself"),
]


def _steep_loop(z, k):
    out = []
    for zi in np.asarray(z, float).ravel():
        u = k * zi
        s = bl.sigmoid(u)
        out.append(k * s * (1 - s))
    return np.array(out).reshape(np.shape(z))


STEEP_RIGHT = [
    _steep_loop,
    lambda z, k: k * bl.sigmoid(k * np.asarray(z)) * bl.sigmoid(-k * np.asarray(z)),
    lambda z, k: k * (1 - np.tanh(k * np.asarray(z) / 2) ** 2) / 4,
]


EXERCISES = [
    Exercise("ex1_sigmoid_prime", ch02.check_sigmoid_prime, not_written, SIGMOID_WRONG, SIGMOID_RIGHT),
    Exercise("ex2_relu_prime", ch02.check_relu_prime, not_written, RELU_WRONG, RELU_RIGHT),
    Exercise("ex3_steep_sigmoid_prime", ch02.check_steep_sigmoid_prime, not_written, STEEP_WRONG, STEEP_RIGHT),
]

"""Chapter 1's catalogue: wrong and right answers for its three exercises."""
from __future__ import annotations

import numpy as np

import backprop_lib as bl
from backprop_lib.checks import ch01

from . import Exercise, Wrong, not_written

CHAPTER = "chapters/01_perceptron.py"


# -- exercise 1: neuron_forward ----------------------------------------------------------------------
def _s(z):
    return 1.0 / (1.0 + np.exp(-z))


FORWARD_WRONG = [
    Wrong("no bias", lambda x, w, b: float(bl.sigmoid(np.dot(w, x))), "bias b is missing"),
    Wrong("no sigmoid", lambda x, w, b: float(np.dot(w, x) + b), "sigmoid is not applied"),
    Wrong("minus in the sigmoid", lambda x, w, b: float(1 / (1 - np.exp(-(np.dot(w, x) + b)))), "minus sign"),
    Wrong("bias subtracted", lambda x, w, b: float(bl.sigmoid(np.dot(w, x) - b)), "bias is subtracted"),
    Wrong("bias inside the products", lambda x, w, b: float(bl.sigmoid(np.dot(w, x + b))), "counted once per weight"),
    Wrong("products not summed", lambda x, w, b: bl.sigmoid(w * x + b), "not summed"),
    Wrong("tanh", lambda x, w, b: float(np.tanh(np.dot(w, x) + b)), "this is tanh"),
    Wrong("the slope instead", lambda x, w, b: float(bl.sigmoid_prime(np.dot(w, x) + b)), "derivative"),
    Wrong("a 1-element array", lambda x, w, b: bl.sigmoid(np.array([np.dot(w, x) + b])), "shape"),
]


def _forward_loop(x, w, b):
    z = b
    for xi, wi in zip(x, w):
        z += xi * wi
    return float(_s(z))


FORWARD_RIGHT = [
    _forward_loop,
    lambda x, w, b: float(_s(np.sum(np.asarray(w) * np.asarray(x)) + b)),
    lambda x, w, b: float((1 + np.tanh((np.einsum("i,i->", x, w) + b) / 2)) / 2),
]


# -- exercise 2: neuron_gradient -------------------------------------------------------------------------
def _ref_parts(x, y, w, b):
    a = bl.sigmoid(np.dot(w, x) + b)
    return a, a * (1 - a) * (a - y)


def _fd_by_hand(x, y, w, b, h=1e-5):
    cost = lambda w_, b_: 0.5 * (bl.sigmoid(np.dot(w_, x) + b_) - y) ** 2  # noqa: E731
    dw = np.array([(cost(w + h * e, b) - cost(w - h * e, b)) / (2 * h) for e in np.eye(len(w))])
    return dw, (cost(w, b + h) - cost(w, b - h)) / (2 * h)


def _fd_library(x, y, w, b):
    dw = bl.numerical_gradient(lambda w_: 0.5 * (bl.sigmoid(np.dot(w_, x) + b) - y) ** 2, np.array(w, float))
    db = bl.numerical_gradient(lambda b_: 0.5 * (bl.sigmoid(np.dot(w, x) + b_[0]) - y) ** 2, np.array([b]))
    return dw, float(db[0])


GRADIENT_WRONG = [
    Wrong("finite differences by hand, h=1e-5", _fd_by_hand, "numerical estimate"),
    Wrong("finite differences by hand, h=1e-6", lambda x, y, w, b: _fd_by_hand(x, y, w, b, 1e-6), "finite differences"),
    Wrong("finite differences by hand, h=1e-4", lambda x, y, w, b: _fd_by_hand(x, y, w, b, 1e-4), "finite differences"),
    Wrong("bl.numerical_gradient", _fd_library, "calls a finite-difference routine"),
    Wrong("no sigmoid slope", lambda x, y, w, b: (lambda a, d: ((a - y) * x, a - y))(*_ref_parts(x, y, w, b)),
          "slope a (1 - a) is missing"),
    Wrong("sign flipped", lambda x, y, w, b: (lambda a, d: (-d * x, -d))(*_ref_parts(x, y, w, b)), "sign is flipped"),
    Wrong("no x in dC/dw", lambda x, y, w, b: (lambda a, d: (np.full(len(x), d), d))(*_ref_parts(x, y, w, b)),
          "missing its factor x_i"),
    Wrong("w instead of x", lambda x, y, w, b: (lambda a, d: (d * w, d))(*_ref_parts(x, y, w, b)),
          "uses the weights where the inputs belong"),
    Wrong("swapped results", lambda x, y, w, b: (lambda a, d: (d, d * x))(*_ref_parts(x, y, w, b)), "swapped"),
    Wrong("slope with z", lambda x, y, w, b: (lambda z, a: (z * (1 - z) * (a - y) * x, z * (1 - z) * (a - y)))(
        np.dot(w, x) + b, bl.sigmoid(np.dot(w, x) + b)), "written with z instead of a"),
    Wrong("squared error factor", lambda x, y, w, b: (lambda a, d: (d * (a - y) * x, d * (a - y)))(
        *_ref_parts(x, y, w, b)), "squared"),
    Wrong("factor 2", lambda x, y, w, b: (lambda a, d: (2 * d * x, 2 * d))(*_ref_parts(x, y, w, b)), "factor 2"),
    Wrong("changes x in place", lambda x, y, w, b: (lambda a, d: (np.multiply(x, d, out=x), d))(
        *_ref_parts(x, y, w, b)), "changed its input x in place"),
]


def _grad_loop(x, y, w, b):
    z = b + sum(wi * xi for wi, xi in zip(w, x))
    a = 1.0 / (1.0 + np.exp(-z))
    delta = a * (1.0 - a) * (a - y)
    return np.array([xi * delta for xi in x]), delta


def _grad_other_form(x, y, w, b):
    z = np.einsum("i,i->", w, x) + b
    slope = np.exp(-abs(z)) / (1.0 + np.exp(-abs(z))) ** 2          # sigma'(z), symmetric in z
    delta = slope * (bl.sigmoid(z) - y)
    return np.asarray(x, float) * delta, float(delta)


GRADIENT_RIGHT = [_grad_loop, _grad_other_form,
                  lambda x, y, w, b: (lambda a: (x * a * (1 - a) * (a - y), a * (1 - a) * (a - y)))(
                      bl.sigmoid(x @ w + b))]


# -- exercise 3: NAND weights ----------------------------------------------------------------------------
def _nand(v, hidden=False):
    w, b = v
    return ch01.check_gate_weights(w, b, gate="nand")


NAND_WRONG = [
    Wrong("AND weights", (np.array([4.0, 4.0]), -6.0), "computes AND"),
    Wrong("OR weights", (np.array([4.0, 4.0]), -2.0), "computes OR"),
    Wrong("NOR weights", (np.array([-4.0, -4.0]), 2.0), "computes NOR"),
    Wrong("margin too small", (np.array([-0.5, -0.5]), 0.7), "too close to it"),
    Wrong("bias folded into w", (np.array([6.0, -4.0, -4.0]), 0.0), "the bias goes in b"),
    Wrong("one input ignored", (np.array([-4.0, 0.0]), 2.0), "wrong sign"),
    Wrong("b given per input", (np.array([-4.0, -4.0]), np.array([6.0, 6.0])), "single number"),
    Wrong("not numbers", (["minus four", -4], 6), "not a number"),
]


EXERCISES = [
    Exercise("ex1_neuron_forward", ch01.check_neuron_forward, not_written, FORWARD_WRONG, FORWARD_RIGHT,
          name="neuron_forward"),
    Exercise("ex2_neuron_gradient", ch01.check_neuron_gradient, not_written, GRADIENT_WRONG, GRADIENT_RIGHT,
          name="neuron_gradient"),
    Exercise("ex3_nand", _nand, (None, None), NAND_WRONG,
          [([-4.0, -4.0], 6.0), (np.array([-10.0, -10.0]), 15.0), ((-1.0, -1.5), 2.0)],
          name=lambda ns: (ns["w_nand"], ns["b_nand"])),
]


# -- exercise 4: perceptron_update ---------------------------------------------------------------------
def _step_rule(answer, sign=1.0, lr_used=None, bias=True, use_target=False):
    """The perceptron rule with one slip: another answer a, the sign, the learning rate, the bias."""
    def update(x, y, w, b, lr):
        a = answer(np.dot(w, x) + b)
        err = sign * (y if use_target else y - a)
        step = lr if lr_used is None else lr_used
        return w + step * err * x, (b + step * err if bias else b)
    return update


def _strict(z):
    return 1.0 if z > 0 else 0.0


def _perceptron_in_place(x, y, w, b, lr):
    a = 1.0 if np.dot(w, x) + b > 0 else 0.0
    w += lr * (y - a) * x
    return w, b + lr * (y - a)


PERCEPTRON_WRONG = [
    Wrong("z >= 0 answers 1", _step_rule(lambda z: 1.0 if z >= 0 else 0.0), "z exactly 0 is answered with 1"),
    Wrong("sign flipped", _step_rule(_strict, sign=-1.0), "sign is flipped"),
    Wrong("target instead of the error", _step_rule(_strict, use_target=True), "target y where the rule needs"),
    Wrong("bias not updated", _step_rule(_strict, bias=False), "bias is not updated"),
    Wrong("sigmoid answer", _step_rule(lambda z: float(bl.sigmoid(z))), "answer is the sigmoid"),
    Wrong("z as the answer", _step_rule(lambda z: z), "answer is z itself"),
    Wrong("answers -1 and 1", _step_rule(lambda z: 1.0 if z > 0 else -1.0), "answer is -1"),
    Wrong("learning rate ignored", _step_rule(_strict, lr_used=1.0), "learning rate is ignored"),
    Wrong("changes w in place", _perceptron_in_place, "changed its input w in place"),
    Wrong("returns only w", lambda x, y, w, b, lr: _step_rule(_strict)(x, y, w, b, lr)[0], "tuple of 2 values"),
]


def _perceptron_loop(x, y, w, b, lr):
    z = b
    for xi, wi in zip(x, w):
        z += xi * wi
    a = float(z > 0)
    return np.array([wi + lr * (y - a) * xi for xi, wi in zip(x, w)]), b + lr * (y - a)


PERCEPTRON_RIGHT = [
    _perceptron_loop,
    lambda x, y, w, b, lr: (lambda e: (w + e * x, b + e))(lr * (y - np.heaviside(w @ x + b, 0.0))),
    lambda x, y, w, b, lr: (lambda a: (w + lr * (y - a) * x, b + lr * (y - a)))(int(w @ x + b > 0)),
]

EXERCISES.append(
    Exercise("ex4_perceptron_update", ch01.check_perceptron_update, not_written, PERCEPTRON_WRONG,
             PERCEPTRON_RIGHT, name="perceptron_update"))

"""Chapter 7's exercises: wrong answers the checks must catch (with the phrase that names the slip) and
right answers, written differently from the reference, that they must accept."""
from __future__ import annotations

import math

import numpy as np

import backprop_lib as bl
from backprop_lib.checks import ch07
from backprop_lib.layers import init_std as library_init_std

from . import Exercise, Wrong

CHAPTER = "chapters/07_vanishing_gradients.py"


def stub(*args):
    raise NotImplementedError()


# -- exercise 1: init_std ----------------------------------------------------------------------------
def _right(n_in, n_out, scheme):
    return {"naive": 1.0, "xavier": math.sqrt(2 / (n_in + n_out)), "he": math.sqrt(2 / n_in)}[scheme]


def _only(scheme, wrong):
    return lambda n_in, n_out, s: wrong(n_in, n_out) if s == scheme else _right(n_in, n_out, s)


def init_variance_first(n_in, n_out, scheme):
    if scheme == "naive":
        var = 1.0
    elif scheme == "xavier":
        var = 1.0 / ((n_in + n_out) / 2)
    else:
        var = 2.0 / n_in
    return var ** 0.5


def init_match(n_in, n_out, scheme):
    fan_avg = (n_in + n_out) / 2
    return float(np.sqrt({"naive": 1.0, "xavier": 1 / fan_avg, "he": 2 / n_in}[scheme]))


INIT_STD = Exercise("ex1_init_std", ch07.check_init_std, stub, wrong=[
    Wrong("the variance", lambda i, o, s: _right(i, o, s) ** 2, "variance"),
    Wrong("LeCun for He", _only("he", lambda i, o: math.sqrt(1 / i)), "LeCun"),
    Wrong("LeCun for Xavier", _only("xavier", lambda i, o: math.sqrt(1 / i)), "LeCun"),
    Wrong("He with n_out", _only("he", lambda i, o: math.sqrt(2 / o)), "fan-in"),
    Wrong("Xavier without the 2", _only("xavier", lambda i, o: math.sqrt(1 / (i + o))), "a 2 in the numerator"),
    Wrong("Glorot uniform", _only("xavier", lambda i, o: math.sqrt(6 / (i + o))), "UNIFORM"),
    Wrong("Xavier and He swapped", lambda i, o, s: _right(i, o, {"xavier": "he", "he": "xavier"}.get(s, s)), "swapped"),
    Wrong("naive 0.01", _only("naive", lambda i, o: 0.01), "standard deviation 1"),
    Wrong("the library's init_std", lambda i, o, s: library_init_std(i, o, s, "tanh"), "the library's init_std"),
    Wrong("a constant", lambda i, o, s: 0.5, "none of the three schemes"),
], right=[init_variance_first, init_match], name="init_std")


# -- exercise 2: layer_gradient_norms ----------------------------------------------------------------
def _grads(net, X, T, loss):
    return net.loss_and_grads(X, T, loss=loss)[1]


def norms_sqrt_sum(net, X, T, loss):
    return np.array([np.sqrt(np.sum(g["W"] ** 2)) for g in _grads(net, X, T, loss)])


def norms_loop(net, X, T, loss):
    out = []
    for g in _grads(net, X, T, loss):
        total = 0.0
        for v in g["W"].ravel():
            total += v * v
        out.append(math.sqrt(total))
    return out


def norms_fd(net, X, T, loss):
    return [np.linalg.norm(bl.numerical_gradient(lambda _: net.loss(X, T, loss=loss), layer.W)) for layer in net.layers]


def norms_training(net, X, T, loss):
    grads = _grads(net, X, T, loss)
    for layer, g in zip(net.layers, grads):
        layer.W -= 0.1 * g["W"]          # "one step first": changes the network
    return [np.linalg.norm(g["W"]) for g in grads]


NORMS = Exercise("ex2_layer_gradient_norms", ch07.check_layer_gradient_norms, stub, wrong=[
    Wrong("reversed", lambda net, X, T, loss: norms_sqrt_sum(net, X, T, loss)[::-1], "reversed"),
    Wrong("bias norms", lambda net, X, T, loss: [np.linalg.norm(g["b"]) for g in _grads(net, X, T, loss)], "bias"),
    Wrong("sum of squares", lambda net, X, T, loss: [np.sum(g["W"] ** 2) for g in _grads(net, X, T, loss)],
          "square root is missing"),
    Wrong("sum of absolute values", lambda net, X, T, loss: [np.abs(g["W"]).sum() for g in _grads(net, X, T, loss)],
          "absolute values"),
    Wrong("largest entry", lambda net, X, T, loss: [np.abs(g["W"]).max() for g in _grads(net, X, T, loss)],
          "largest absolute entry"),
    Wrong("root mean square", lambda net, X, T, loss: [np.sqrt(np.mean(g["W"] ** 2)) for g in _grads(net, X, T, loss)],
          "root-mean-square"),
    Wrong("weights' norms", lambda net, X, T, loss: [np.linalg.norm(layer.W) for layer in net.layers],
          "weights themselves"),
    Wrong("hidden layers only", lambda net, X, T, loss: norms_sqrt_sum(net, X, T, loss)[:-1], "layers (one norm each)"),
    Wrong("the raw pair", lambda net, X, T, loss: net.loss_and_grads(X, T, loss=loss), "one number per layer"),
    Wrong("finite differences", norms_fd, "finite-difference tool"),
    Wrong("a training step first", norms_training, "changed the network"),
], right=[norms_sqrt_sum, norms_loop], name="layer_gradient_norms")


# -- exercise 3: find the bug ------------------------------------------------------------------------
def _deep(X, T, params, *, slope="right", mean_in_delta=True):
    n_layers = len(params) // 2
    As, Zs = [X], [None]
    for l in range(1, n_layers + 1):
        Z = As[l - 1] @ params[f"W{l}"] + params[f"b{l}"]
        Zs.append(Z)
        As.append(np.tanh(Z) if l < n_layers else Z)
    N = X.shape[0]
    delta = (As[-1] - T) / (N if mean_in_delta else 1)
    grads = {}
    for l in range(n_layers, 0, -1):
        grads[f"W{l}"] = As[l - 1].T @ delta
        grads[f"b{l}"] = delta.sum(axis=0)
        if l > 1:
            A = {"right": As[l - 1], "bug": As[l], "z": Zs[l - 1]}[slope]
            delta = (delta @ params[f"W{l}"].T) * (1 - A ** 2)
    return 0.5 * np.sum((As[-1] - T) ** 2) / N, grads


def fd_library(X, T, params):
    q = {k: v.copy() for k, v in params.items()}
    return ch07.deep_loss(X, T, q), {k: bl.numerical_gradient(lambda _: ch07.deep_loss(X, T, q), q[k]) for k in q}


def fd_inline(X, T, params):
    grads = {}
    for k, v in params.items():
        g = np.zeros(v.shape)
        for idx in np.ndindex(v.shape):
            e = np.zeros(v.shape)
            e[idx] = 1e-5
            g[idx] = (ch07.deep_loss(X, T, {**params, k: v + e}) - ch07.deep_loss(X, T, {**params, k: v - e})) / 2e-5
        grads[k] = g
    return ch07.deep_loss(X, T, params), grads


def right_store_z(X, T, params):
    L = len(params) // 2
    As, Zs = [X], []
    for l in range(1, L + 1):
        Zs.append(As[-1] @ params[f"W{l}"] + params[f"b{l}"])
        As.append(np.tanh(Zs[-1]) if l < L else Zs[-1])
    delta = (As[-1] - T) / len(X)
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = np.einsum("ni,nj->ij", As[l - 1], delta)
        grads[f"b{l}"] = np.sum(delta, axis=0)
        if l > 1:
            delta = np.dot(delta, params[f"W{l}"].T) / np.cosh(Zs[l - 2]) ** 2
    return 0.5 * np.sum((As[-1] - T) ** 2) / len(X), grads


def right_recursive(X, T, params):
    L = len(params) // 2
    grads = {}

    def back(l, a_prev):
        z = a_prev @ params[f"W{l}"] + params[f"b{l}"]
        if l == L:
            d = (z - T) / len(X)
            loss = 0.5 * np.sum((z - T) ** 2) / len(X)
        else:
            a = np.tanh(z)
            loss, da = back(l + 1, a)
            d = da * (1 - a * a)
        grads[f"W{l}"], grads[f"b{l}"] = a_prev.T @ d, d.sum(axis=0)
        return loss, d @ params[f"W{l}"].T

    loss, _ = back(1, X)
    return loss, grads


DEEP = Exercise("ex3_find_the_bug", ch07.check_deep_backward, stub, wrong=[
    Wrong("the buggy version unchanged", lambda X, T, p: _deep(X, T, p, slope="bug"), "layer 3 is the first wrong"),
    Wrong("tanh' written with z", lambda X, T, p: _deep(X, T, p, slope="z"), "is the first wrong"),
    Wrong("1/N missing", lambda X, T, p: _deep(X, T, p, mean_in_delta=False), "output layer's gradients"),
    Wrong("W1 transposed", lambda X, T, p: (lambda l, g: (l, {**g, "W1": g["W1"].T}))(*_deep(X, T, p)), "shape"),
    Wrong("a gradient missing", lambda X, T, p: (lambda l, g: (l, {k: v for k, v in g.items() if k != "b1"}))(
        *_deep(X, T, p)), "no entry 'b1'"),
    Wrong("finite differences with numerical_gradient", fd_library, "finite-difference tool"),
    Wrong("finite differences through the check's loss", fd_inline, "evaluates the loss"),
], right=[right_store_z, right_recursive], name="deep_backward")

EXERCISES = [INIT_STD, NORMS, DEEP]

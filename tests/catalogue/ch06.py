"""Chapter 6's exercises: wrong answers the checks must catch (with the phrase that names the slip) and
right answers, written differently from the reference, that they must accept."""
from __future__ import annotations

import numpy as np

import backprop_lib as bl
from backprop_lib.activations import log_softmax, sigmoid, softmax, softmax_jacobian
from backprop_lib.checks import ch06

from . import Exercise, Wrong

CHAPTER = "chapters/06_softmax_cross_entropy.py"


def _namespace() -> dict:
    """What the chapter's solution cells use."""
    return {"np": np, "bl": bl, "log_softmax": log_softmax}


def stub(*args):
    raise NotImplementedError()


# -- exercise 1: cross_entropy -----------------------------------------------------------------------
def ce_logaddexp(z, c):
    z = np.asarray(z, dtype=float)
    return float(np.logaddexp.reduce(z) - z[c])


def ce_loop(z, c):
    m = max(z)
    total = 0.0
    for v in z:
        total += np.exp(v - m)
    return float(-(z[c] - m - np.log(total)))


def ce_library(z, c):
    return float(-log_softmax(z)[c])


CROSS_ENTROPY = Exercise("ex1_cross_entropy", ch06.check_cross_entropy, stub, wrong=[
    Wrong("naive softmax, then log", lambda z, c: -np.log(np.exp(z[c]) / np.exp(z).sum()), "overflowed"),
    Wrong("stable softmax, then log", lambda z, c: -np.log(softmax(z)[c]), "underflowed"),
    Wrong("sign flipped", lambda z, c: float(np.log(np.sum(np.exp(z - z.max()))) + z.max() - z[c]) * -1,
          "sign is flipped"),
    Wrong("m not added back", lambda z, c: float(np.log(np.sum(np.exp(z - z.max()))) - z[c]), "not added back"),
    Wrong("z[c] added", lambda z, c: float(z.max() + np.log(np.sum(np.exp(z - z.max()))) + z[c]), "wrong sign"),
    Wrong("log-sum-exp alone", lambda z, c: float(z.max() + np.log(np.sum(np.exp(z - z.max())))), "log-sum-exp alone"),
    Wrong("the whole vector", lambda z, c: z.max() + np.log(np.sum(np.exp(z - z.max()))) - z, "one number"),
    Wrong("the library's log_softmax", ce_library, "log_softmax"),
], right=[ce_logaddexp, ce_loop], name="cross_entropy", namespace=_namespace)


# -- exercise 2: jacobian ----------------------------------------------------------------------------
def jac_broadcast(z):
    p = bl.softmax(np.asarray(z, dtype=float))
    return p[:, None] * (np.eye(len(p)) - p[None, :])


def jac_loops(z):
    e = np.exp(np.asarray(z, dtype=float) - np.max(z))
    p = e / e.sum()
    K = len(p)
    J = np.empty((K, K))
    for j in range(K):
        for u in range(K):
            J[j, u] = p[j] * (1 - p[u]) if j == u else -p[j] * p[u]
    return J


def jac_fd(z):
    z = np.asarray(z, dtype=float)
    J = np.zeros((len(z), len(z)))
    for u in range(len(z)):
        e = np.zeros(len(z))
        e[u] = 1e-5
        J[:, u] = (softmax(z + e) - softmax(z - e)) / 2e-5
    return J


JACOBIAN = Exercise("ex2_jacobian", ch06.check_jacobian, stub, wrong=[
    Wrong("diagonal only", lambda z: np.diag(softmax(z) * (1 - softmax(z))), "only the diagonal"),
    Wrong("off-diagonal part only", lambda z: -np.outer(softmax(z), softmax(z)), "only the -p_j p_u part"),
    Wrong("sign of p p^T", lambda z: np.diag(softmax(z)) + np.outer(softmax(z), softmax(z)), "sign"),
    Wrong("inner product", lambda z: np.diag(softmax(z)) - softmax(z) @ softmax(z), "inner product"),
    Wrong("p_u squared", lambda z: np.diag(softmax(z)) - softmax(z) ** 2, "squared"),
    Wrong("on the logits", lambda z: np.diag(z) - np.outer(z, z), "logits"),
    Wrong("the library's softmax_jacobian", lambda z: softmax_jacobian(z), "softmax_jacobian"),
    Wrong("the library's function itself", softmax_jacobian, "softmax_jacobian"),
    Wrong("numerical_gradient", lambda z: np.array([bl.numerical_gradient(lambda v: softmax(v)[j],
                                                                          np.array(z, dtype=float))
                                                    for j in range(len(z))]), "numerical_gradient"),
    Wrong("central differences written out", jac_fd, "not exact"),
], right=[jac_broadcast, jac_loops], name="jacobian", namespace=_namespace)


# -- exercise 3: find the bug ------------------------------------------------------------------------
def _backward(X, T, p, *, output="right", hidden="A1", mean=True):
    N = X.shape[0]
    Z1 = X @ p["W1"] + p["b1"]
    A1 = sigmoid(Z1)
    Z2 = A1 @ p["W2"] + p["b2"]
    Y = softmax(Z2)
    loss = -np.sum(T * log_softmax(Z2)) / (N if mean else 1)
    if output == "right":
        delta2 = (Y - T) / N
    elif output == "diagonal":
        delta2 = -T / Y / N * Y * (1 - Y)
    elif output == "no_mean":
        delta2 = Y - T
    else:
        delta2 = (T - Y) / N
    slope = A1 * (1 - A1) if hidden == "A1" else Z1 * (1 - Z1) if hidden == "Z1" else 1.0
    delta1 = (delta2 @ p["W2"].T) * slope
    return loss, {"W1": X.T @ delta1, "b1": delta1.sum(axis=0), "W2": A1.T @ delta2, "b2": delta2.sum(axis=0)}


def fd_library(X, T, params):
    q = {k: v.copy() for k, v in params.items()}
    return ch06.classifier_loss(X, T, q), {k: bl.numerical_gradient(lambda _: ch06.classifier_loss(X, T, q), q[k])
                                           for k in q}


def fd_inline(X, T, params):
    def loss(p):
        Z2 = sigmoid(X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
        return -np.sum(T * log_softmax(Z2)) / len(X)
    grads = {}
    for k, v in params.items():
        g = np.zeros(v.shape)
        for idx in np.ndindex(v.shape):
            e = np.zeros(v.shape)
            e[idx] = 1e-5
            g[idx] = (loss({**params, k: v + e}) - loss({**params, k: v - e})) / 2e-5
        grads[k] = g
    return loss(params), grads


def right_einsum(X, T, params):
    N = len(X)
    A1 = 1 / (1 + np.exp(-(X @ params["W1"] + params["b1"])))
    Y = bl.softmax(A1 @ params["W2"] + params["b2"])
    d2 = (Y - T) / N
    d1 = np.einsum("nk,jk->nj", d2, params["W2"]) * (A1 - A1 ** 2)
    return ch06.classifier_loss(X, T, params), {"W1": np.einsum("ni,nj->ij", X, d1), "b1": d1.sum(0),
                                                "W2": np.einsum("ni,nj->ij", A1, d2), "b2": d2.sum(0)}


def right_jacobian_per_sample(X, T, params):
    """The output delta through each sample's full softmax Jacobian (section 4), not the shortcut."""
    N = len(X)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    loss = 0.0
    for x, t in zip(X, T):
        a1 = sigmoid(x @ params["W1"] + params["b1"])
        z2 = a1 @ params["W2"] + params["b2"]
        y = softmax(z2)
        loss -= np.sum(t * log_softmax(z2)) / N
        d2 = softmax_jacobian(z2).T @ (-t / y) / N
        d1 = (params["W2"] @ d2) * a1 * (1 - a1)
        grads["W2"] += np.outer(a1, d2)
        grads["b2"] += d2
        grads["W1"] += np.outer(x, d1)
        grads["b1"] += d1
    return loss, grads


CLASSIFIER = Exercise("ex3_find_the_bug", ch06.check_classifier_backward, stub, wrong=[
    Wrong("the buggy version unchanged", lambda X, T, p: _backward(X, T, p, output="diagonal"), "layer 2"),
    Wrong("1/N missing from the output delta", lambda X, T, p: _backward(X, T, p, output="no_mean"), "layer 2"),
    Wrong("sign of the output delta", lambda X, T, p: _backward(X, T, p, output="flipped"), "layer 2"),
    Wrong("sigmoid' of Z1", lambda X, T, p: _backward(X, T, p, hidden="Z1"), "layer 1"),
    Wrong("no sigmoid' in the hidden delta", lambda X, T, p: _backward(X, T, p, hidden="none"), "layer 1"),
    Wrong("the loss summed", lambda X, T, p: _backward(X, T, p, mean=False), "summed over the samples"),
    Wrong("finite differences with numerical_gradient", fd_library, "finite-difference tool"),
    Wrong("finite differences written out", fd_inline, "finite differences"),
], right=[right_einsum, right_jacobian_per_sample], name="classifier_backward",
   namespace=_namespace)

# -- exercise 4: binary_cross_entropy ----------------------------------------------------------------------
def _sp(z):
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def bce_logaddexp(z, t):
    z = np.asarray(z, dtype=float)
    return float(np.mean(np.logaddexp(0.0, z) - t * z)), (1 / (1 + np.exp(-z)) - t) / len(z)


def bce_loop(z, t):
    n, total, delta = len(z), 0.0, np.zeros(len(z))
    for i in range(n):
        zi = float(z[i])
        # -ln sigma(z) = ln(1 + e^-z) and -ln(1 - sigma(z)) = ln(1 + e^z), each written so nothing overflows
        neg_log_a = np.log1p(np.exp(-zi)) if zi > 0 else -zi + np.log1p(np.exp(zi))
        neg_log_1ma = zi + np.log1p(np.exp(-zi)) if zi > 0 else np.log1p(np.exp(zi))
        total += t[i] * neg_log_a + (1 - t[i]) * neg_log_1ma
        delta[i] = (bl.sigmoid(zi) - t[i]) / n
    return total / n, delta


def bce_textbook(z, t):
    a = bl.sigmoid(z)
    return float(-np.mean(t * np.log(a) + (1 - t) * np.log(1 - a))), (a - t) / len(z)


def bce_clipped(z, t):
    a = np.clip(bl.sigmoid(z), 1e-12, 1 - 1e-12)
    return float(-np.mean(t * np.log(a) + (1 - t) * np.log(1 - a))), (bl.sigmoid(z) - t) / len(z)


def bce_fd(z, t):
    loss = lambda v: float(np.mean(_sp(v) - t * v))
    return loss(z), bl.numerical_gradient(loss, np.array(z, dtype=float))


BINARY_CE = Exercise("ex4_binary_cross_entropy", ch06.check_binary_cross_entropy, stub, wrong=[
    Wrong("ln of the probabilities", bce_textbook, "out of range"),
    Wrong("probabilities clipped before the log", bce_clipped, "expected"),
    Wrong("the squared error's delta", lambda z, t: (float(np.mean(_sp(z) - t * z)),
                                                     (bl.sigmoid(z) - t) * bl.sigmoid_prime(z) / len(z)), "slope"),
    Wrong("no 1/N in the delta", lambda z, t: (float(np.mean(_sp(z) - t * z)), bl.sigmoid(z) - t), "1/N"),
    Wrong("loss summed", lambda z, t: (float(np.sum(_sp(z) - t * z)), (bl.sigmoid(z) - t) / len(z)), "sum"),
    Wrong("delta sign flipped", lambda z, t: (float(np.mean(_sp(z) - t * z)), (t - bl.sigmoid(z)) / len(z)),
          "wrong sign"),
    Wrong("z instead of a", lambda z, t: (float(np.mean(_sp(z) - t * z)), (z - t) / len(z)), "activation"),
    Wrong("classes swapped", lambda z, t: (float(np.mean(_sp(z) - (1 - t) * z)), (bl.sigmoid(z) - 1 + t) / len(z)),
          "swapped"),
    Wrong("log base 10", lambda z, t: (float(np.mean(_sp(z) - t * z)) / np.log(10), (bl.sigmoid(z) - t) / len(z)),
          "natural log"),
    Wrong("finite differences for the delta", bce_fd, "finite-difference"),
    Wrong("the library's loss", lambda z, t: (bl.losses.binary_cross_entropy(z[:, None], t[:, None]),
                                              bl.losses.binary_cross_entropy_grad(z, t)), "binary_cross_entropy"),
], right=[bce_logaddexp, bce_loop], name="binary_cross_entropy", namespace=_namespace)

EXERCISES = [CROSS_ENTROPY, JACOBIAN, CLASSIFIER, BINARY_CE]

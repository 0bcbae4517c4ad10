"""Chapter 5's exercises: wrong answers the checks must catch (with the phrase that names the slip) and
right answers, written differently from the reference, that they must accept."""
from __future__ import annotations

import numpy as np

import backprop_lib as bl
from backprop_lib.activations import sigmoid
from backprop_lib.checks import ch05

from . import Exercise, Wrong

CHAPTER = "chapters/05_matrix_form.py"


def stub(*args):
    raise NotImplementedError()


# -- exercise 1: affine_backward ---------------------------------------------------------------------
def _affine(d, A, W):
    return A.T @ d, d.sum(axis=0), d @ W.T


def affine_einsum(delta, A_prev, W):
    return (np.einsum("ni,nj->ij", A_prev, delta), np.einsum("nj->j", delta), np.einsum("nj,ij->ni", delta, W))


def affine_loops(delta, A_prev, W):
    dW = np.zeros_like(W)
    for n in range(delta.shape[0]):
        dW += np.outer(A_prev[n], delta[n])
    db = np.zeros(delta.shape[1])
    for row in delta:
        db = db + row
    return dW, db, np.dot(delta, np.transpose(W))


AFFINE = Exercise("ex1_affine_backward", ch05.check_affine_backward, stub, wrong=[
    Wrong("dW transposed", lambda d, A, W: (d.T @ A, d.sum(axis=0), d @ W.T), "dW is the transpose"),
    Wrong("db over the wrong axis", lambda d, A, W: (A.T @ d, d.sum(axis=1), d @ W.T), "wrong axis"),
    Wrong("db not summed", lambda d, A, W: (A.T @ d, d, d @ W.T), "db is delta itself"),
    Wrong("db the mean", lambda d, A, W: (A.T @ d, d.mean(axis=0), d @ W.T), "mean of delta"),
    Wrong("dW divided by N", lambda d, A, W: (A.T @ d / len(d), d.sum(axis=0), d @ W.T), "dW is divided by N"),
    Wrong("dA_prev without the transpose", lambda d, A, W: (A.T @ d, d.sum(axis=0), d @ W), "without the transpose"),
    Wrong("dA_prev transposed", lambda d, A, W: (A.T @ d, d.sum(axis=0), W @ d.T), "dA_prev is transposed"),
    Wrong("order of the tuple", lambda d, A, W: (d @ W.T, d.sum(axis=0), A.T @ d), "another order"),
    Wrong("two values only", lambda d, A, W: (A.T @ d, d.sum(axis=0)), "tuple of 3"),
], right=[affine_einsum, affine_loops], name="affine_backward_ex")


# -- exercise 2: hidden_delta ------------------------------------------------------------------------
def _hd(derivs):
    def hidden_delta(delta_next, W_next, z, activation):
        return (delta_next @ W_next.T) * derivs[activation](z)
    return hidden_delta


_RIGHT_D = {"sigmoid": lambda z: sigmoid(z) * (1 - sigmoid(z)), "tanh": lambda z: 1 - np.tanh(z) ** 2,
            "relu": lambda z: (z > 0).astype(float)}


def hd_where_cosh(delta_next, W_next, z, activation):
    back = np.einsum("nk,lk->nl", delta_next, W_next)
    if activation == "relu":
        return back * np.where(z > 0, 1.0, 0.0)
    if activation == "tanh":
        return back / np.cosh(z) ** 2
    s = 1 / (1 + np.exp(-z))            # overflows to inf for z = -1000, and 1/inf = 0: still right
    return back * s * (1 - s)


def hd_loops(delta_next, W_next, z, activation):
    out = np.zeros(z.shape)
    for n in range(z.shape[0]):
        for j in range(z.shape[1]):
            back = sum(delta_next[n, k] * W_next[j, k] for k in range(W_next.shape[1]))
            zz = z[n, j]
            if activation == "relu":
                d = np.heaviside(zz, 0.0)
            elif activation == "tanh":
                d = 1 - np.tanh(zz) ** 2
            else:
                a = bl.sigmoid(zz)
                d = a - a * a
            out[n, j] = back * d
    return out


def _naive_sigmoid_prime(z):
    return np.exp(-z) / (1 + np.exp(-z)) ** 2


HIDDEN_DELTA = Exercise("ex2_hidden_delta", ch05.check_hidden_delta, stub, wrong=[
    Wrong("relu z >= 0", _hd({**_RIGHT_D, "relu": lambda z: (z >= 0).astype(float)}), "z = 0"),
    Wrong("relu as max(0, z)", _hd({**_RIGHT_D, "relu": lambda z: np.maximum(z, 0)}), "the activation max(0, z)"),
    Wrong("sigmoid' as z(1-z)", _hd({**_RIGHT_D, "sigmoid": lambda z: z * (1 - z)}), "written z (1 - z)"),
    Wrong("tanh' as 1 - z^2", _hd({**_RIGHT_D, "tanh": lambda z: 1 - z ** 2}), "written 1 - z^2"),
    Wrong("tanh' missing the square", _hd({**_RIGHT_D, "tanh": lambda z: 1 - np.tanh(z)}), "misses the square"),
    Wrong("f instead of f'", _hd({"sigmoid": sigmoid, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}),
          "instead of its derivative"),
    Wrong("no derivative", lambda d, W, z, a: d @ W.T, "factor f'(z) is missing"),
    Wrong("W_next not transposed", lambda d, W, z, a: (d @ W) * _RIGHT_D[a](z), "without the transpose"),
    Wrong("naive sigmoid' overflows", _hd({**_RIGHT_D, "sigmoid": _naive_sigmoid_prime}), "overflowed"),
], right=[hd_where_cosh, hd_loops], name="hidden_delta")


# -- exercise 3: find the bug ------------------------------------------------------------------------
def _forward(X, p):
    Z1 = X @ p["W1"] + p["b1"]
    A1 = np.tanh(Z1)
    return Z1, A1, A1 @ p["W2"] + p["b2"]


def _backward(X, T, p, *, hidden_prime="A1", dW2_from="delta2", mean=True):
    N = X.shape[0]
    Z1, A1, A2 = _forward(X, p)
    loss = 0.5 * np.sum((A2 - T) ** 2) / (N if mean else 1)
    error = A2 - T
    delta2 = error / N
    dW2 = A1.T @ (delta2 if dW2_from == "delta2" else error)
    slope = 1 - A1 ** 2 if hidden_prime == "A1" else 1 - Z1 ** 2
    delta1 = (delta2 @ p["W2"].T) * slope
    return loss, {"W1": X.T @ delta1, "b1": delta1.sum(axis=0), "W2": dW2, "b2": delta2.sum(axis=0)}


def fd_library(X, T, params):
    """Finite differences with the library's numerical_gradient on copies of the parameters."""
    q = {k: v.copy() for k, v in params.items()}
    return ch05.two_layer_loss(X, T, q), {k: bl.numerical_gradient(lambda _: ch05.two_layer_loss(X, T, q), q[k])
                                          for k in q}


def fd_inline(X, T, params):
    """Central differences written out, with fresh copies for every nudge (never touches params)."""
    def loss(p):
        return 0.5 * np.sum((_forward(X, p)[2] - T) ** 2) / X.shape[0]
    grads = {}
    for k, v in params.items():
        g = np.zeros(v.shape)
        for idx in np.ndindex(v.shape):
            plus = {kk: vv.copy() for kk, vv in params.items()}
            minus = {kk: vv.copy() for kk, vv in params.items()}
            plus[k][idx] += 1e-5
            minus[k][idx] -= 1e-5
            g[idx] = (loss(plus) - loss(minus)) / 2e-5
        grads[k] = g
    return loss(params), grads


def fd_in_place(X, T, params):
    """Finite differences that nudge the parameters in place and restore them."""
    grads = {}
    for k, v in params.items():
        g = np.zeros(v.shape)
        for idx in np.ndindex(v.shape):
            old = v[idx]
            v[idx] = old + 1e-6
            up = ch05.two_layer_loss(X, T, params)
            v[idx] = old - 1e-6
            down = ch05.two_layer_loss(X, T, params)
            v[idx] = old
            g[idx] = (up - down) / 2e-6
        grads[k] = g
    return ch05.two_layer_loss(X, T, params), grads


def fd_check_loss(X, T, params):
    """Central differences through the check's own loss function, on copies (no numerical_gradient)."""
    grads = {}
    for k, v in params.items():
        g = np.zeros(v.shape)
        for idx in np.ndindex(v.shape):
            e = np.zeros(v.shape)
            e[idx] = 1e-5
            g[idx] = (ch05.two_layer_loss(X, T, {**params, k: v + e})
                      - ch05.two_layer_loss(X, T, {**params, k: v - e})) / 2e-5
        grads[k] = g
    return ch05.two_layer_loss(X, T, params), grads


def right_cosh(X, T, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = len(X)
    Z1 = np.dot(X, W1) + b1
    A1 = np.tanh(Z1)
    out = A1 @ W2 + b2 - T
    d2 = out / N
    d1 = np.dot(d2, W2.T) / np.cosh(Z1) ** 2
    return ch05.two_layer_loss(X, T, params), {"W1": np.einsum("ni,nj->ij", X, d1), "b1": np.sum(d1, axis=0),
                                               "W2": np.einsum("ni,nj->ij", A1, d2), "b2": np.sum(d2, axis=0)}


def right_per_sample(X, T, params):
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    loss = 0.0
    N = X.shape[0]
    for x, t in zip(X, T):
        a1 = np.tanh(x @ params["W1"] + params["b1"])
        a2 = a1 @ params["W2"] + params["b2"]
        loss += 0.5 * np.sum((a2 - t) ** 2) / N
        d2 = (a2 - t) / N
        d1 = (params["W2"] @ d2) * (1 - a1 * a1)
        grads["W2"] += np.outer(a1, d2)
        grads["b2"] += d2
        grads["W1"] += np.outer(x, d1)
        grads["b1"] += d1
    return loss, grads


TWO_LAYER = Exercise("ex3_find_the_bug", ch05.check_two_layer_backward, stub, wrong=[
    Wrong("the buggy version unchanged", lambda X, T, p: _backward(X, T, p, hidden_prime="Z1", dW2_from="error"),
          "layer 2"),
    Wrong("only the 1/N fixed", lambda X, T, p: _backward(X, T, p, hidden_prime="Z1"), "layer 1"),
    Wrong("only tanh' fixed", lambda X, T, p: _backward(X, T, p, dW2_from="error"), "layer 2"),
    Wrong("the loss summed", lambda X, T, p: _backward(X, T, p, mean=False), "summed over the samples"),
    Wrong("dW1 transposed", lambda X, T, p: (lambda l, g: (l, {**g, "W1": g["W1"].T}))(*_backward(X, T, p)),
          "transposed"),
    Wrong("finite differences with numerical_gradient", fd_library, "finite-difference tool"),
    Wrong("finite differences written out", fd_inline, "finite differences"),
    Wrong("finite differences in place", fd_in_place, "in place"),
    Wrong("finite differences through the check's loss", fd_check_loss, "evaluates the loss"),
], right=[right_cosh, right_per_sample], name="two_layer_backward")

# -- exercise 4: momentum_step -----------------------------------------------------------------------------
def momentum_loop(W, V, dW, lr, mu):
    W_new, V_new = np.empty_like(W), np.empty_like(V)
    for idx in np.ndindex(W.shape):
        V_new[idx] = mu * V[idx] - lr * dW[idx]
        W_new[idx] = W[idx] + V_new[idx]
    return W_new, V_new


def momentum_copy_then_inplace(W, V, dW, lr, mu):
    V_new = V.copy()
    V_new *= mu
    V_new -= lr * dW
    return W + V_new, V_new


def momentum_in_place(W, V, dW, lr, mu):
    V *= mu
    V -= lr * dW
    W += V
    return W, V


def momentum_library(W, V, dW, lr, mu):
    opt = bl.SGD(lr=lr, momentum=mu)
    params = [{"W": W.copy()}]
    opt.velocity = [{"W": V.copy()}]
    opt.step(params, [{"W": dW}])
    return params[0]["W"], opt.velocity[0]["W"]


MOMENTUM = Exercise("ex4_momentum_step", ch05.check_momentum_step, stub, wrong=[
    Wrong("gradient added", lambda W, V, dW, lr, mu: (W + mu * V + lr * dW, mu * V + lr * dW), "uphill"),
    Wrong("moves by the old velocity", lambda W, V, dW, lr, mu: (W + V, mu * V - lr * dW), "old velocity"),
    Wrong("no momentum", lambda W, V, dW, lr, mu: (W - lr * dW, -lr * dW), "plain gradient descent"),
    Wrong("mu on the gradient too", lambda W, V, dW, lr, mu: (W + mu * (V - lr * dW), mu * (V - lr * dW)),
          "only the old velocity"),
    Wrong("W - V", lambda W, V, dW, lr, mu: (W - mu * V + lr * dW, mu * V - lr * dW), "against the velocity"),
    Wrong("results swapped", lambda W, V, dW, lr, mu: (mu * V - lr * dW, W + mu * V - lr * dW), "other order"),
    Wrong("mu and lr swapped", lambda W, V, dW, lr, mu: (W + lr * V - mu * dW, lr * V - mu * dW), "swapped"),
    Wrong("in place", momentum_in_place, "in place"),
    Wrong("the library's optimiser", momentum_library, "optimiser"),
], right=[momentum_loop, momentum_copy_then_inplace], name="momentum_step")

# -- exercise 5: forward_two_layer --------------------------------------------------------------------
def _sig(z):
    return 1 / (1 + np.exp(-z))


def _fw_with(layer, act1=_sig, act2=_sig, second_from_z=False):
    def forward_two_layer(X, W1, b1, W2, b2):
        Z1 = layer(X, W1, b1)
        A1 = act1(Z1)
        Z2 = layer(Z1 if second_from_z else A1, W2, b2)
        return Z1, A1, Z2, act2(Z2)
    return forward_two_layer


def forward_one_sample(X, W1, b1, W2, b2):
    """Section 2's check written out for the first row only."""
    Z1 = np.array([[sum(X[0, i] * W1[i, j] for i in range(W1.shape[0])) + b1[j] for j in range(W1.shape[1])]])
    A1 = _sig(Z1)
    Z2 = A1 @ W2 + b2
    return Z1, A1, Z2, _sig(Z2)


def forward_bias_reshaped_in_place(X, W1, b1, W2, b2):
    b1.shape = (1, b1.size)          # reshapes the caller's array
    b2.shape = (1, b2.size)
    return _fw_with(lambda A, W, b: A @ W + b)(X, W1, b1, W2, b2)


def forward_library(X, W1, b1, W2, b2):
    net = bl.MLP([W1.shape[0], W1.shape[1], W2.shape[1]], activation="sigmoid", output="sigmoid")
    for layer, W, b in zip(net.layers, (W1, W2), (b1, b2)):
        layer.W, layer.b = W, b
    A2 = net.forward(X)
    return net.layers[0].z, net.layers[0].a, net.layers[1].z, A2


def forward_loops(X, W1, b1, W2, b2):
    def layer(A, W, b):
        return np.array([[sum(A[n, i] * W[i, j] for i in range(W.shape[0])) + b[j] for j in range(W.shape[1])]
                         for n in range(A.shape[0])])
    Z1 = layer(X, W1, b1)
    A1 = np.vectorize(lambda z: 0.5 * (1 + np.tanh(z / 2)))(Z1)
    Z2 = layer(A1, W2, b2)
    return Z1, A1, Z2, 0.5 * (1 + np.tanh(Z2 / 2))


def forward_column_form(X, W1, b1, W2, b2):
    """Section 3's column form on X transposed: z = W^T a + b with columns, then back to rows."""
    Z1 = (W1.T @ X.T + b1[:, None]).T
    A1 = np.exp(-np.logaddexp(0, -Z1))
    Z2 = np.einsum("ni,ij->nj", A1, W2) + b2
    return Z1, A1, Z2, np.exp(-np.logaddexp(0, -Z2))


FORWARD = Exercise("ex5_forward_two_layer", ch05.check_forward_two_layer, stub, wrong=[
    Wrong("W transposed", _fw_with(lambda A, W, b: A @ W.T + b), "used transposed"),
    Wrong("W1 @ X (column form on a row batch)", _fw_with(lambda A, W, b: (W @ A.T).T + b), "used transposed"),
    Wrong("bias as a column", _fw_with(lambda A, W, b: A @ W + b[:, None]), "bias is added as a column"),
    Wrong("bias forgotten", _fw_with(lambda A, W, b: A @ W), "biases are missing"),
    Wrong("hidden activation forgotten", _fw_with(lambda A, W, b: A @ W + b, act1=lambda z: z),
          "hidden layer's sigmoid is missing"),
    Wrong("output activation forgotten", _fw_with(lambda A, W, b: A @ W + b, act2=lambda z: z),
          "output layer's sigmoid is missing"),
    Wrong("second layer fed Z1", _fw_with(lambda A, W, b: A @ W + b, second_from_z=True), "fed Z1"),
    Wrong("1 / (1 - e^-z)", _fw_with(lambda A, W, b: A @ W + b, act1=lambda z: 1 / (1 - np.exp(-z)),
                                     act2=lambda z: 1 / (1 - np.exp(-z))), "with a minus sign"),
    Wrong("tanh", _fw_with(lambda A, W, b: A @ W + b, act1=np.tanh, act2=np.tanh), "activation is tanh"),
    Wrong("first row only", forward_one_sample, "only the first row"),
    Wrong("first row only, 1-D", lambda X, W1, b1, W2, b2: ch05._forward_two_layer(X[0], W1, b1, W2, b2),
          "only the first row"),
    Wrong("order of the tuple", lambda *a: tuple(ch05._forward_two_layer(*a)[i] for i in (0, 2, 1, 3)),
          "another order"),
    Wrong("b reshaped in place", forward_bias_reshaped_in_place, "changed its input b1 in place"),
    Wrong("the library's MLP", forward_library, "forward pass of the library"),
    Wrong("only A2", lambda *a: ch05._forward_two_layer(*a)[3], "tuple of 4"),
], right=[forward_loops, forward_column_form], name="forward_two_layer")

EXERCISES = [AFFINE, HIDDEN_DELTA, TWO_LAYER, MOMENTUM, FORWARD]

"""Chapter 10's exercises: wrong answers the checks must catch (with the phrase that names the slip) and
right answers, written differently from the reference, that they must accept."""
from __future__ import annotations

import numpy as np

import backprop_lib as bl
from backprop_lib import curvature as cv
from backprop_lib.checks import ch10

from . import Exercise, Wrong

CHAPTER = "chapters/10_jacobians_hessians.py"


def stub(*args):
    raise NotImplementedError()


# -- exercise 1: input_jacobian -------------------------------------------------------------------------
def jac_with(slope, transpose=False):
    def input_jacobian(x, W1, b1, W2, b2):
        z = x @ W1 + b1
        J = W2.T @ (slope(z)[:, None] * W1.T)
        return J.T if transpose else J
    return input_jacobian


def jac_central_differences(x, W1, b1, W2, b2, h=1e-6):
    f = lambda x_: np.maximum(x_ @ W1 + b1, 0) @ W2 + b2
    cols = [(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)]
    return np.array(cols).T


def jac_numerical_gradient(x, W1, b1, W2, b2):
    rows = []
    for k in range(W2.shape[1]):
        rows.append(bl.numerical_gradient(lambda x_: (np.maximum(x_ @ W1 + b1, 0) @ W2 + b2)[k], x.copy()))
    return np.array(rows)


def jac_library(x, W1, b1, W2, b2):
    net = bl.MLP([W1.shape[0], W1.shape[1], W2.shape[1]], activation="relu", output="identity")
    net.layers[0].W, net.layers[0].b, net.layers[1].W, net.layers[1].b = W1, b1, W2, b2
    return cv.jacobian_reverse(net, x)


def jac_loops(x, W1, b1, W2, b2):
    n, h = W1.shape
    m = W2.shape[1]
    z = x @ W1 + b1
    J = np.zeros((m, n))
    for k in range(m):
        for j in range(n):
            J[k, j] = sum(W2[i, k] * (1.0 if z[i] > 0 else 0.0) * W1[j, i] for i in range(h))
    return J


def jac_einsum(x, W1, b1, W2, b2):
    on = np.heaviside(x @ W1 + b1, 0.0)            # heaviside(0, 0) = 0: the course's relu'(0)
    return np.einsum("ik,i,ji->kj", W2, on, W1)


def jac_rows_by_backprop(x, W1, b1, W2, b2):
    on = (x @ W1 + b1 > 0) * 1.0
    return np.stack([((e @ W2.T) * on) @ W1.T for e in np.eye(W2.shape[1])])


INPUT_JACOBIAN = Exercise("ex1_input_jacobian", ch10.check_input_jacobian, stub, wrong=[
    Wrong("transposed (n, m)", jac_with(lambda z: (z > 0) * 1.0, transpose=True), "rows and columns are swapped"),
    Wrong("relu'(0) = 1", jac_with(lambda z: (z >= 0) * 1.0), "relu'(0) was taken as 1"),
    Wrong("central differences by hand", jac_central_differences, "finite-difference"),
    Wrong("bl.numerical_gradient", jac_numerical_gradient, "numerical_gradient"),
    Wrong("no activation derivative", jac_with(lambda z: np.ones_like(z)), "derivative of the activation is missing"),
    Wrong("relu value instead of derivative", jac_with(lambda z: np.maximum(z, 0)), "VALUE relu(z1)"),
    Wrong("tanh's derivative copied from section 1", jac_with(lambda z: 1 - np.tanh(z) ** 2), "tanh's derivative"),
    Wrong("the library's Jacobian", jac_library, "backprop_lib.curvature"),
], right=[jac_loops, jac_einsum, jac_rows_by_backprop], name="input_jacobian")


# -- exercise 2: jacobian_from_vjps -----------------------------------------------------------------------
def vjps_as_columns(vjp, m):
    return np.array([vjp(e) for e in np.eye(m)]).T


def vjps_all_ones(vjp, m):
    return vjp(np.ones(m))


def vjps_over_inputs(vjp, m):
    n = vjp(np.ones(m)).size
    return np.array([vjp(e) for e in np.eye(n)])


def vjps_probe_first(vjp, m):
    n = vjp(np.zeros(m)).size
    J = np.zeros((m, n))
    for k in range(m):
        J[k] = vjp(np.eye(m)[k])
    return J


def vjps_twice_per_row(vjp, m):
    rows = []
    for k in range(m):
        u = np.zeros(m)
        u[k] = 1.0
        if vjp(u) is not None:
            rows.append(vjp(u))
    return np.array(rows)


def vjps_first_row_only(vjp, m):
    return vjp(np.eye(m)[0])


def vjps_loop(vjp, m):
    rows = []
    for k in range(m):
        u = np.zeros(m)
        u[k] = 1.0
        rows.append(vjp(u))
    return np.vstack(rows)


def vjps_fill(vjp, m):
    first = vjp(np.eye(m)[0])
    J = np.empty((m, first.size))
    J[0] = first
    for k in range(1, m):
        J[k] = vjp(np.eye(m)[k])
    return J


JACOBIAN_FROM_VJPS = Exercise("ex2_jacobian_from_vjps", ch10.check_jacobian_from_vjps, stub, wrong=[
    Wrong("rows stacked as columns", vjps_as_columns, "came back as columns"),
    Wrong("one call with all ones", vjps_all_ones, "sum of j's rows"),
    Wrong("one vjp per input", vjps_over_inputs, "one weight per output"),
    Wrong("a probe call first (m + 1 calls)", vjps_probe_first, "a probe call"),
    Wrong("two calls per row", vjps_twice_per_row, "backward passes where"),
    Wrong("only the first row", vjps_first_row_only, "only the first row"),
], right=[vjps_loop, vjps_fill], name="jacobian_from_vjps")


# -- exercise 3: neuron_hvp ---------------------------------------------------------------------------------
def hvp_with(second=lambda a, s: s * (1 - 2 * a), gauss_newton=False, mean=True, sign=1.0):
    def neuron_hvp(X, t, w, v):
        a = bl.sigmoid(X @ w)
        s = a * (1 - a)
        curv = s * s + (0.0 if gauss_newton else (a - t) * second(a, s))
        out = X.T @ (curv * (X @ v))
        return sign * (out / X.shape[0] if mean else out)
    return neuron_hvp


def hvp_gradient_fd(X, t, w, v, h=1e-5):
    def grad(w_):
        a = bl.sigmoid(X @ w_)
        return X.T @ ((a - t) * a * (1 - a)) / X.shape[0]
    return (grad(w + h * v) - grad(w - h * v)) / (2 * h)


def hvp_gradient_fd_normalised(X, t, w, v, h=1e-6):
    norm = np.linalg.norm(v)

    def grad(w_):
        a = bl.sigmoid(X @ w_)
        return X.T @ ((a - t) * a * (1 - a)) / X.shape[0]
    return (grad(w + h * v / norm) - grad(w - h * v / norm)) / (2 * h) * norm


def hvp_numerical_gradient(X, t, w, v):
    def loss(w_):
        return float(np.mean(0.5 * (bl.sigmoid(X @ w_) - t) ** 2))
    g = lambda w_: bl.numerical_gradient(loss, w_.copy())
    return (g(w + 1e-4 * v) - g(w - 1e-4 * v)) / 2e-4


def hvp_full_matrix(X, t, w, v):
    a = bl.sigmoid(X @ w)
    s = a * (1 - a)
    return (X.T * ((s * s + (a - t) * s * (1 - 2 * a)) / X.shape[0])) @ X


def hvp_forms_H(X, t, w, v):
    a = bl.sigmoid(X @ w)
    s = a * (1 - a)
    H = np.einsum("ni,n,nj->ij", X, s * s + (a - t) * s * (1 - 2 * a), X) / len(X)
    return H @ v


def hvp_dual_steps(X, t, w, v):
    z, z_dot = X @ w, X @ v
    a = bl.sigmoid(z)
    a_dot = a * (1 - a) * z_dot
    slope, slope_dot = a * (1 - a), (1 - 2 * a) * a_dot
    delta_dot = (a_dot * slope + (a - t) * slope_dot) / len(X)
    return delta_dot @ X


def hvp_gradient_only(X, t, w, v):
    a = bl.sigmoid(X @ w)
    return X.T @ ((a - t) * a * (1 - a)) / X.shape[0]


NEURON_HVP = Exercise("ex3_neuron_hvp", ch10.check_neuron_hvp, stub, wrong=[
    Wrong("Gauss-Newton only", hvp_with(gauss_newton=True), "the residual (a - t) is missing"),
    Wrong("sum instead of mean", hvp_with(mean=False), "n times too large"),
    Wrong("sigma'' with the wrong sign", hvp_with(second=lambda a, s: -s * (1 - 2 * a)), "wrong sign"),
    Wrong("sigma'' = sigma'", hvp_with(second=lambda a, s: s), "second derivative of the sigmoid is wrong"),
    Wrong("sigma'' = 1 - 2a (derivative in a)", hvp_with(second=lambda a, s: 1 - 2 * a), "not with respect to a"),
    Wrong("sign flipped", hvp_with(sign=-1.0), "sign of the whole result"),
    Wrong("central differences of the gradient", hvp_gradient_fd, "numerical estimate"),
    Wrong("central differences along v / |v|", hvp_gradient_fd_normalised, "numerical estimate"),
    Wrong("bl.numerical_gradient twice", hvp_numerical_gradient, "numerical_gradient"),
    Wrong("the whole Hessian", hvp_full_matrix, "whole hessian"),
    Wrong("the gradient, no v", hvp_gradient_only, "this is the gradient"),
], right=[hvp_forms_H, hvp_dual_steps], name="neuron_hvp")

EXERCISES = [INPUT_JACOBIAN, JACOBIAN_FROM_VJPS, NEURON_HVP]

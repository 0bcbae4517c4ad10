"""Chapter 11's exercises: wrong answers the checks must catch (with the phrase that names the slip) and right
answers, written differently from the reference, that they must accept.

The functions of exercises 3 and 5 call the pieces of the earlier exercises by their names (affine_forward,
..., loss_and_grads, momentum_step), as a student's notebook does; the checks swap the course's versions into
this module's namespace for the duration of the call, so the definitions below only have to exist."""
from __future__ import annotations

import numpy as np

import backprop_lib as bl
from backprop_lib.checks import ch11

from . import Exercise, Wrong, not_written

CHAPTER = "chapters/11_capstone.py"


# -- the pieces under their exercise names (right answers, written in other ways) ----------------------------
def affine_forward(A_prev, W, b):
    return np.einsum("ni,io->no", A_prev, W) + b[None, :]


def affine_backward(delta, A_prev, W):
    return np.einsum("ni,no->io", A_prev, delta), np.einsum("no->o", delta), np.einsum("no,io->ni", delta, W)


def relu(Z):
    return np.where(Z > 0, Z, 0.0)


def relu_derivative(Z):
    return np.heaviside(Z, 0.0)


def softmax_cross_entropy(Z, T):
    m = np.max(Z, axis=1)[:, None]
    lse = m[:, 0] + np.log(np.sum(np.exp(Z - m), axis=1))
    N = len(Z)
    P = np.exp(Z - lse[:, None])
    return float(np.mean(lse - np.sum(T * Z, axis=1))), (P - T) / N


def loss_and_grads(X, T, params):
    return loss_and_grads_list(X, T, params)


def momentum_step(params, grads, velocity, lr, mu):
    new_v = {}
    for k in params:
        new_v[k] = mu * velocity[k] - lr * grads[k]
    return {k: p + new_v[k] for k, p in params.items()}, new_v


# -- exercise 1: the layers -------------------------------------------------------------------------------------
def af_loop(A_prev, W, b):
    Z = np.zeros((A_prev.shape[0], W.shape[1]))
    for n in range(A_prev.shape[0]):
        Z[n] = np.dot(A_prev[n], W) + b
    return Z


def ab_loops(delta, A_prev, W):
    dW = sum(np.outer(A_prev[n], delta[n]) for n in range(len(delta)))
    return dW, delta.sum(axis=0), np.dot(delta, np.transpose(W))


def relu_clip(Z):
    return np.clip(Z, 0.0, None)


def relu_d_where(Z):
    return np.where(Z > 0, 1.0, 0.0)


RIGHT4 = (affine_forward, affine_backward, relu, relu_derivative)


def with_(**kw):
    pieces = dict(zip(("affine_forward", "affine_backward", "relu", "relu_derivative"), RIGHT4))
    pieces.update(kw)
    return tuple(pieces.values())


def relu_in_place(Z):
    Z[Z < 0] = 0.0
    return Z


LAYERS = Exercise("ex1_layers", lambda a, hidden=False: ch11.check_layers(*a, hidden=hidden),
                  (not_written, not_written, not_written, not_written), wrong=[
    Wrong("affine_forward without the bias", with_(affine_forward=lambda A, W, b: A @ W), "the bias b is missing"),
    Wrong("affine_forward with W transposed", with_(affine_forward=lambda A, W, b: A @ W.T + b), "W is transposed"),
    Wrong("affine_forward with the bias down the columns", with_(affine_forward=lambda A, W, b: A @ W + b[:, None]),
          "added down the columns"),
    Wrong("dW transposed", with_(affine_backward=lambda d, A, W: (d.T @ A, d.sum(axis=0), d @ W.T)),
          "dW is the transpose"),
    Wrong("dA_prev without the transpose", with_(affine_backward=lambda d, A, W: (A.T @ d, d.sum(axis=0), d @ W)),
          "without the transpose"),
    Wrong("db the mean", with_(affine_backward=lambda d, A, W: (A.T @ d, d.mean(axis=0), d @ W.T)), "mean of delta"),
    Wrong("relu changes Z in place", with_(relu=relu_in_place), "in place"),
    Wrong("relu the minimum", with_(relu=lambda Z: np.minimum(Z, 0.0)), "minimum with 0"),
    Wrong("relu is the library's", with_(relu=bl.relu), "not allowed"),
    Wrong("relu calls the library", with_(relu=lambda Z: bl.activations.relu(Z)), "not allowed"),
    Wrong("slope 1 at z = 0", with_(relu_derivative=lambda Z: (Z >= 0).astype(float)), "relu'(0) = 0"),
    Wrong("slope as bools", with_(relu_derivative=lambda Z: Z > 0), "bools"),
    Wrong("slope is relu itself", with_(relu_derivative=lambda Z: np.maximum(Z, 0.0)), "not its slope"),
], right=[RIGHT4, (af_loop, ab_loops, relu_clip, relu_d_where)],
    name=lambda ns: (ns["affine_forward"], ns["affine_backward"], ns["relu"], ns["relu_derivative"]))


# -- exercise 2: softmax cross-entropy ---------------------------------------------------------------------------
def sce_no_shift(Z, T):
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    return float(-np.sum(T * np.log(P)) / len(Z)), (P - T) / len(Z)


def sce_batch_shift(Z, T):
    S = Z - Z.max()
    log_p = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
    return float(-np.sum(T * log_p) / len(Z)), (np.exp(log_p) - T) / len(Z)


def sce_scaled(scale_loss=1.0, scale_dz=1.0, sign=1.0):
    def sce(Z, T):
        loss, dZ = softmax_cross_entropy(Z, T)
        return loss * scale_loss, sign * dZ * scale_dz
    return sce


def sce_library(Z, T):
    return bl.losses.softmax_cross_entropy(Z, T), bl.losses.softmax_cross_entropy_grad(Z, T) / len(Z)


def sce_in_place(Z, T):
    Z -= Z.max(axis=1, keepdims=True)
    log_p = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    return float(-np.sum(T * log_p) / len(Z)), (np.exp(log_p) - T) / len(Z)


def sce_numerical(Z, T):
    loss = softmax_cross_entropy(Z, T)[0]
    dZ = bl.numerical_gradient(lambda _: softmax_cross_entropy(Z, T)[0], Z.copy())
    return loss, dZ


def sce_diagonal(Z, T):
    loss, dZ = softmax_cross_entropy(Z, T)
    P = dZ * len(Z) + T
    return loss, -T * (1 - P) / len(Z)


def sce_logsumexp_loop(Z, T):
    N = Z.shape[0]
    loss, dZ = 0.0, np.zeros(Z.shape)
    for n in range(N):
        m = np.max(Z[n])
        log_sum = m + np.log(np.sum(np.exp(Z[n] - m)))
        c = int(np.argmax(T[n]))
        loss += (log_sum - Z[n, c]) / N
        dZ[n] = (np.exp(Z[n] - log_sum) - T[n]) / N
    return loss, dZ


SOFTMAX_CE = Exercise("ex2_softmax_cross_entropy", ch11.check_softmax_cross_entropy, not_written, wrong=[
    Wrong("no shift", sce_no_shift, "an exponential overflowed"),
    Wrong("one shift for the whole batch", sce_batch_shift, "one shift for the whole batch"),
    Wrong("dZ without 1/N", sce_scaled(scale_dz=4.0), "missing the 1/N"),
    Wrong("loss summed", sce_scaled(scale_loss=4.0), "the loss is the sum over the rows"),
    Wrong("dZ sign", sce_scaled(sign=-1.0), "dZ has the wrong sign"),
    Wrong("the naive diagonal", sce_diagonal, "diagonal of the softmax Jacobian"),
    Wrong("the library's loss", sce_library, "not allowed"),
    Wrong("changes Z in place", sce_in_place, "in place"),
    Wrong("dZ by finite differences", sce_numerical, "finite-difference"),
], right=[softmax_cross_entropy, sce_logsumexp_loop], name="softmax_cross_entropy")


# -- exercise 3: the whole forward and backward pass -------------------------------------------------------------
def loss_and_grads_list(X, T, params):
    L = len(params) // 2
    As, Zs = [X], []
    for l in range(1, L + 1):
        Zs.append(affine_forward(As[-1], params["W" + str(l)], params["b" + str(l)]))
        As.append(relu(Zs[-1]) if l < L else Zs[-1])
    loss, delta = softmax_cross_entropy(Zs[-1], T)
    grads = {}
    for l in reversed(range(1, L + 1)):
        dW, db, dA = affine_backward(delta, As[l - 1], params["W" + str(l)])
        grads["W" + str(l)], grads["b" + str(l)] = dW, db
        if l > 1:
            delta = dA * relu_derivative(Zs[l - 2])
    return loss, grads


def lag_recursive(X, T, params, l=1):
    """The pass written as a recursion: layer l's forward, the rest of the network, then layer l's backward."""
    L = len(params) // 2
    Z = X @ params[f"W{l}"] + params[f"b{l}"]
    if l == L:
        loss, delta = softmax_cross_entropy(Z, T)
        grads = {}
    else:
        loss, grads, dA = lag_recursive(relu(Z), T, params, l + 1)
        delta = dA * (Z > 0)
    grads[f"W{l}"], grads[f"b{l}"] = X.T @ delta, delta.sum(axis=0)
    if l == 1:
        return loss, grads
    return loss, grads, delta @ params[f"W{l}"].T


def lag_variant(transpose_dW=False, extra_n=False, no_slope=False, sign=1.0, times_n=False):
    def fn(X, T, params):
        L = len(params) // 2
        As, Zs = [X], []
        for l in range(1, L + 1):
            Zs.append(As[-1] @ params[f"W{l}"] + params[f"b{l}"])
            As.append(relu(Zs[-1]) if l < L else Zs[-1])
        loss, delta = softmax_cross_entropy(Zs[-1], T)
        delta = sign * delta
        if extra_n:
            delta = delta / X.shape[0]
        if times_n:
            delta = delta * X.shape[0]
        grads = {}
        for l in range(L, 0, -1):
            grads[f"W{l}"] = delta.T @ As[l - 1] if transpose_dW else As[l - 1].T @ delta
            grads[f"b{l}"] = delta.sum(axis=0)
            if l > 1:
                delta = delta @ params[f"W{l}"].T
                if not no_slope:
                    delta = delta * (Zs[l - 2] > 0)
        return loss, grads
    return fn


def lag_two_layers(X, T, params):
    A1 = relu(X @ params["W1"] + params["b1"])
    Z2 = A1 @ params["W2"] + params["b2"]
    loss, d2 = softmax_cross_entropy(Z2, T)
    d1 = (d2 @ params["W2"].T) * (A1 > 0)
    return loss, {"W1": X.T @ d1, "b1": d1.sum(axis=0), "W2": A1.T @ d2, "b2": d2.sum(axis=0)}


def lag_finite_differences(X, T, params):
    def loss_of(p):
        L, A = len(p) // 2, X
        for l in range(1, L + 1):
            Z = A @ p[f"W{l}"] + p[f"b{l}"]
            A = relu(Z) if l < L else Z
        return softmax_cross_entropy(Z, T)[0]
    work = {k: np.array(v) for k, v in params.items()}
    grads = {}
    for k, v in work.items():
        g = np.zeros(v.shape)
        for i in np.ndindex(v.shape):
            keep = v[i]
            v[i] = keep + 1e-5
            up = loss_of(work)
            v[i] = keep - 1e-5
            down = loss_of(work)
            v[i] = keep
            g[i] = (up - down) / 2e-5
        grads[k] = g
    return loss_of(work), grads


def lag_library(X, T, params):
    net = bl.MLP([params["W1"].shape[0]] + [params[f"W{l}"].shape[1] for l in range(1, len(params) // 2 + 1)],
                 activation="relu", output="softmax")
    for l, layer in enumerate(net.layers, start=1):
        layer.W, layer.b = params[f"W{l}"], params[f"b{l}"]
    loss, g = net.loss_and_grads(X, T, loss="cross_entropy")
    return loss, {f"{k}{l}": v for l, d in enumerate(g, start=1) for k, v in d.items()}


def lag_in_place(X, T, params):
    X -= 0.0
    return loss_and_grads_list(X, T, params)


LOSS_AND_GRADS = Exercise("ex3_loss_and_grads", ch11.check_loss_and_grads, not_written, wrong=[
    Wrong("dW transposed", lag_variant(transpose_dW=True), "transposed"),
    Wrong("1/N twice", lag_variant(extra_n=True), "applied twice"),
    Wrong("no 1/N", lag_variant(times_n=True), "N times the right one"),
    Wrong("no relu slope", lag_variant(no_slope=True), "the mistake is in layer 1"),
    Wrong("sign flipped", lag_variant(sign=-1.0), "wrong sign"),
    Wrong("two layers only", lag_two_layers, "this network has 3 layers"),
    Wrong("finite differences", lag_finite_differences, "finite differences"),
    Wrong("the library's network", lag_library, "not allowed"),
    Wrong("writes into X", lag_in_place, "writes into an array"),
], right=[loss_and_grads_list, lag_recursive], name="loss_and_grads")


# -- exercise 4: momentum on dicts ------------------------------------------------------------------------------
def mom(fn):
    def step(params, grads, velocity, lr, mu):
        out = {k: fn(params[k], velocity[k], grads[k], lr, mu) for k in params}
        return {k: o[0] for k, o in out.items()}, {k: o[1] for k, o in out.items()}
    return step


def mom_in_place(params, grads, velocity, lr, mu):
    for k in params:
        velocity[k] = mu * velocity[k] - lr * grads[k]
        params[k] += velocity[k]
    return params, velocity


def mom_library(params, grads, velocity, lr, mu):
    opt = bl.SGD(lr, mu)
    p = [{"W": params[k].copy()} for k in params]
    opt.step(p, [{"W": grads[k]} for k in params])
    return {k: d["W"] for k, d in zip(params, p)}, velocity


def mom_two_lines(params, grads, velocity, lr, mu):
    keys = list(params)
    V = [mu * velocity[k] - lr * grads[k] for k in keys]
    return dict(zip(keys, [params[k] + v for k, v in zip(keys, V)])), dict(zip(keys, V))


MOMENTUM = Exercise("ex4_momentum_step", ch11.check_momentum_step, not_written, wrong=[
    Wrong("gradient added", mom(lambda W, V, g, lr, mu: (W + mu * V + lr * g, mu * V + lr * g)), "added, not subtracted"),
    Wrong("moves by the old velocity", mom(lambda W, V, g, lr, mu: (W + V, mu * V - lr * g)), "OLD velocity"),
    Wrong("no momentum", mom(lambda W, V, g, lr, mu: (W - lr * g, -lr * g)), "old velocity is forgotten"),
    Wrong("mu on the gradient", mom(lambda W, V, g, lr, mu: (W + mu * (V - lr * g), mu * (V - lr * g))),
          "mu multiplies the gradient"),
    Wrong("W - V", mom(lambda W, V, g, lr, mu: (W - (mu * V - lr * g), mu * V - lr * g)), "against the velocity"),
    Wrong("in place", mom_in_place, "in place"),
    Wrong("the library's SGD", mom_library, "not allowed"),
], right=[momentum_step, mom_two_lines], name="momentum_step")


# -- exercise 5: one epoch -----------------------------------------------------------------------------------------
def epoch_variant(shuffle="rng", drop_last=False, separate=False, carry_params=True, carry_velocity=True,
                  swap_lr_mu=False, mean_loss=False):
    def train_epoch(X, T, params, velocity, lr, mu, batch_size, rng):
        N = X.shape[0]
        order = {"rng": lambda: rng.permutation(N), "none": lambda: np.arange(N),
                 "global": lambda: np.random.default_rng(12345).permutation(N)}[shuffle]()
        order_T = rng.permutation(N) if separate else order
        stop = N - batch_size + 1 if drop_last else N
        start_params, losses = params, []
        for s in range(0, stop, batch_size):
            loss, grads = loss_and_grads(X[order[s:s + batch_size]], T[order_T[s:s + batch_size]],
                                         params if carry_params else start_params)
            v_in = velocity if carry_velocity else {k: np.zeros_like(v) for k, v in velocity.items()}
            new_params, velocity = momentum_step(params if carry_params else start_params, grads, v_in,
                                                 *((mu, lr) if swap_lr_mu else (lr, mu)))
            params = new_params
            losses.append(loss)
        return params, velocity, (float(np.mean(losses)) if mean_loss else losses)
    return train_epoch


def epoch_shuffles_X(X, T, params, velocity, lr, mu, batch_size, rng):
    rng.shuffle(X)
    return epoch_variant()(X, T, params, velocity, lr, mu, batch_size, rng)


def epoch_while(X, T, params, velocity, lr, mu, batch_size, rng):
    order, losses, start = rng.permutation(len(X)), [], 0
    while start < len(X):
        idx = order[start:start + batch_size]
        loss, grads = loss_and_grads(X[idx], T[idx], params)
        params, velocity = momentum_step(params, grads, velocity, lr, mu)
        losses.append(loss)
        start += batch_size
    return params, velocity, losses


def epoch_split(X, T, params, velocity, lr, mu, batch_size, rng):
    order = np.arange(len(X))
    rng.shuffle(order)
    losses = []
    for idx in np.array_split(order, range(batch_size, len(X), batch_size)):
        loss, grads = loss_and_grads(X[idx], T[idx], params)
        params, velocity = momentum_step(params, grads, velocity, lr, mu)
        losses.append(loss)
    return params, velocity, losses


TRAIN_EPOCH = Exercise("ex5_train_epoch", ch11.check_train_epoch, not_written, wrong=[
    Wrong("no shuffle", epoch_variant(shuffle="none"), "not shuffled"),
    Wrong("last batch dropped", epoch_variant(drop_last=True), "last, smaller batch is left out"),
    Wrong("X and T shuffled separately", epoch_variant(separate=True), "different orders"),
    Wrong("another generator", epoch_variant(shuffle="global"), "does not come from one call"),
    Wrong("parameters not carried", epoch_variant(carry_params=False), "wrong parameters"),
    Wrong("velocity reset", epoch_variant(carry_velocity=False), "starts again from zero"),
    Wrong("lr and mu swapped", epoch_variant(swap_lr_mu=True), "wrong order"),
    Wrong("mean loss returned", epoch_variant(mean_loss=True), "one number per batch"),
    Wrong("shuffles X in place", epoch_shuffles_X, "in place"),
], right=[epoch_while, epoch_split], name="train_epoch")


# -- exercise 6: the settings ------------------------------------------------------------------------------------
def _settings(**kw):
    s = dict(hidden=64, lr=0.05, momentum=0.9, batch_size=32, epochs=10)
    s.update(kw)
    return s


def check_settings(settings, hidden=False):
    ch11.check_training(settings, None, hidden=hidden)


SETTINGS = Exercise("ex6_settings", check_settings, None, wrong=[
    Wrong("learning rate far too large", _settings(lr=5.0), "diverged"),
    Wrong("learning rate far too small", _settings(lr=2e-4, momentum=0.0, epochs=3), "still learning"),
    Wrong("two hidden units", _settings(hidden=2), "too small"),
    Wrong("momentum 1", _settings(momentum=1.0), "not usable"),
    Wrong("no epochs", {k: v for k, v in _settings().items() if k != "epochs"}, "missing epochs"),
    Wrong("a thousand epochs", _settings(epochs=1000), "not usable"),
    Wrong("batch size 0", _settings(batch_size=0), "not usable"),
], right=[_settings(hidden=32, lr=0.1, batch_size=64, epochs=12), _settings(hidden=100, lr=0.1, momentum=0.5, batch_size=16, epochs=8)],
    name="settings")

EXERCISES = [LAYERS, SOFTMAX_CE, LOSS_AND_GRADS, MOMENTUM, TRAIN_EPOCH, SETTINGS]

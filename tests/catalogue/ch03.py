"""Chapter 3's catalogue: wrong and right answers for its four exercises."""
from __future__ import annotations

import numpy as np

import backprop_lib as bl
from backprop_lib.checks import ch03

from . import Exercise, Wrong, not_written

CHAPTER = "chapters/03_gradient_descent.py"


# -- exercise 1: linreg_gradient ---------------------------------------------------------------------
def _fd(X, y, w, h=1e-5):
    loss = lambda w_: np.sum((X @ w_ - y) ** 2) / (2 * len(y))  # noqa: E731
    return np.array([(loss(w + h * e) - loss(w - h * e)) / (2 * h) for e in np.eye(len(w))])


LINREG_WRONG = [
    Wrong("no 1/n", lambda X, y, w: X.T @ (X @ w - y), "division by n is missing"),
    Wrong("divides by p", lambda X, y, w: X.T @ (X @ w - y) / X.shape[1], "number of columns"),
    Wrong("sign flipped", lambda X, y, w: X.T @ (y - X @ w) / len(y), "sign is flipped"),
    Wrong("factor 2", lambda X, y, w: 2 * X.T @ (X @ w - y) / len(y), "extra factor 2"),
    Wrong("X instead of X.T", lambda X, y, w: X @ (X @ w - y) / len(y), "where its transpose belongs"),
    Wrong("y forgotten", lambda X, y, w: X.T @ X @ w / len(y), "y is missing"),
    Wrong("the loss", lambda X, y, w: np.sum((X @ w - y) ** 2) / (2 * len(y)), "the loss"),
    Wrong("finite differences", _fd, "finite-difference estimate"),
    Wrong("numerical_gradient", lambda X, y, w: bl.numerical_gradient(
        lambda w_: np.sum((X @ w_ - y) ** 2) / (2 * len(y)), w.copy()), "calls a finite-difference routine"),
    Wrong("w updated in place", lambda X, y, w: np.subtract(w, w - X.T @ (X @ w - y) / len(y), out=w),
          "changed its input w in place"),
]


def _linreg_loop(X, y, w):
    n, p = X.shape
    g = np.zeros(p)
    for i in range(n):
        r = sum(X[i, j] * w[j] for j in range(p)) - y[i]
        g += r * X[i]
    return g / n


LINREG_RIGHT = [
    _linreg_loop,
    lambda X, y, w: np.einsum("ij,i->j", X, X @ w - y) / len(y),
    lambda X, y, w: (X @ w - y) @ X / X.shape[0],
    lambda X, y, w: np.mean(X * (X @ w - y)[:, None], axis=0),
]


# -- exercise 2: momentum_step ----------------------------------------------------------------------
def _in_place(w, v, grad, lr, momentum):
    v *= momentum
    v -= lr * grad
    w += v
    return w, v


def _in_place_w_only(w, v, grad, lr, momentum):
    v_new = momentum * v - lr * grad
    w += v_new
    return w, v_new


MOMENTUM_WRONG = [
    Wrong("in place", _in_place, "changed its input"),
    Wrong("w in place", _in_place_w_only, "changed its input w in place"),
    Wrong("old velocity moves w", lambda w, v, g, lr, mu: (w + v, mu * v - lr * g), "moves by the old velocity"),
    Wrong("gradient added", lambda w, v, g, lr, mu: (w + mu * v + lr * g, mu * v + lr * g), "the gradient is added"),
    Wrong("no momentum", lambda w, v, g, lr, mu: (w - lr * g, -lr * g), "momentum term is missing"),
    Wrong("swapped results", lambda w, v, g, lr, mu: (mu * v - lr * g, w + mu * v - lr * g), "swapped"),
    Wrong("mu scales the gradient too", lambda w, v, g, lr, mu: (w + mu * (v - lr * g), mu * (v - lr * g)),
          "also scales the gradient"),
    Wrong("lr and mu swapped", lambda w, v, g, lr, mu: (w + lr * v - mu * g, lr * v - mu * g), "are swapped"),
    Wrong("velocity sign convention", lambda w, v, g, lr, mu: (w - (mu * v + lr * g), mu * v + lr * g),
          "opposite sign"),
    Wrong("only w returned", lambda w, v, g, lr, mu: w + mu * v - lr * g, "tuple of 2"),
]


def _momentum_loop(w, v, grad, lr, momentum):
    v_new = np.array([momentum * vi - lr * gi for vi, gi in zip(v, grad)])
    w_new = np.array([wi + vi for wi, vi in zip(w, v_new)])
    return w_new, v_new


MOMENTUM_RIGHT = [
    _momentum_loop,
    lambda w, v, grad, lr, momentum: (w + momentum * v - lr * grad, momentum * v - lr * grad),
    lambda w, v, grad, lr, momentum: (lambda vn: (np.add(w, vn), vn))(np.subtract(momentum * v, lr * grad)),
]


# -- exercise 3: lr_max ----------------------------------------------------------------------------------
def _design():
    """A design matrix like the chapter's: 500 rows, a column of ones and 3 features."""
    rng = np.random.default_rng(0)
    return np.c_[np.ones(500), rng.normal(size=(500, 3)) * [1.0, 2.0, 0.5] + [0.5, 0.0, 1.0]]


X = _design()
H = X.T @ X / len(X)
LAM = np.linalg.eigvalsh(H)


def _lr(value, hidden=False):
    return ch03.check_lr_max(value, X)


def _power_iteration(A, steps=2000):
    v = np.ones(len(A))
    for _ in range(steps):
        v = A @ v
        v /= np.linalg.norm(v)
    return float(v @ A @ v)


LR_WRONG = [
    Wrong("1 / lambda_max", 1 / LAM[-1], "half the limit"),
    Wrong("smallest eigenvalue", 2 / LAM[0], "smallest eigenvalue"),
    Wrong("no 1/n", 2 / np.linalg.eigvalsh(X.T @ X)[-1], "division by n is missing"),
    Wrong("n - 1", 2 / np.linalg.eigvalsh(X.T @ X / (len(X) - 1))[-1], "divides by n - 1"),
    Wrong("trace", 2 / np.trace(H), "trace"),
    Wrong("largest diagonal entry", 2 / H.diagonal().max(), "diagonal entry"),
    Wrong("2 lambda_max", 2 * LAM[-1], "2 * lambda_max"),
    Wrong("lambda_max", LAM[-1], "lambda_max itself"),
    Wrong("singular value", 2 / np.linalg.svd(X / np.sqrt(len(X)), compute_uv=False)[0], "singular value"),
    Wrong("all eigenvalues", 2 / LAM, "one number"),
    Wrong("a string", "0.1", "not a number"),
]

LR_RIGHT = [
    2 / np.linalg.eigvalsh(X.T @ X / X.shape[0]).max(),
    2 * len(X) / np.linalg.svd(X, compute_uv=False)[0] ** 2,
    2 / _power_iteration(H),
    2 / np.linalg.norm(X, 2) ** 2 * len(X),
    np.float64(2 / max(np.linalg.eigvals(H).real)),
]


# -- exercise 4: standardise ----------------------------------------------------------------------------
def _st(Xtr, Xte, mean, sd):
    return (Xtr - mean) / sd, (Xte - mean) / sd, mean, sd


def _st_nan(Xtr, Xte):
    return _st(Xtr, Xte, Xtr.mean(axis=0), Xtr.std(axis=0))


def _st_eps(Xtr, Xte):
    return _st(Xtr, Xte, Xtr.mean(axis=0), Xtr.std(axis=0) + 1e-8)


def _st_fixed(sd):
    return np.where(sd == 0, 1.0, sd)


def _st_own_test(Xtr, Xte):
    m, s = Xtr.mean(axis=0), _st_fixed(Xtr.std(axis=0))
    return (Xtr - m) / s, (Xte - Xte.mean(axis=0)) / _st_fixed(Xte.std(axis=0)), m, s


def _st_in_place(Xtr, Xte):
    m, s = Xtr.mean(axis=0), _st_fixed(Xtr.std(axis=0))
    Xtr -= m
    Xtr /= s
    return Xtr, (Xte - m) / s, m, s


def _st_pooled(Xtr, Xte):
    both = np.concatenate([Xtr, Xte])
    return _st(Xtr, Xte, both.mean(axis=0), _st_fixed(both.std(axis=0)))


def _st_keep_constant(Xtr, Xte):
    m, sd = Xtr.mean(axis=0), Xtr.std(axis=0)
    keep = sd == 0
    S_tr, S_te = (Xtr - m) / np.where(keep, 1.0, sd), (Xte - m) / np.where(keep, 1.0, sd)
    S_tr[:, keep], S_te[:, keep] = Xtr[:, keep], Xte[:, keep]
    return S_tr, S_te, m, np.where(keep, 1.0, sd)


STANDARDISE_WRONG = [
    Wrong("test with its own statistics", _st_own_test, "with their own mean and standard deviation"),
    Wrong("statistics per row", lambda Xtr, Xte: _st(Xtr, Xte, Xtr.mean(axis=1), _st_fixed(Xtr.std(axis=1))),
          "along each row"),
    Wrong("one mean for the whole array", lambda Xtr, Xte: _st(Xtr, Xte, Xtr.mean(), Xtr.std()),
          "for the whole array"),
    Wrong("train and test pooled", _st_pooled, "training and the test rows together"),
    Wrong("only centred", lambda Xtr, Xte: (Xtr - Xtr.mean(0), Xte - Xtr.mean(0), Xtr.mean(0),
                                            _st_fixed(Xtr.std(0))), "centred but not divided"),
    Wrong("divided by the variance", lambda Xtr, Xte: _st(Xtr, Xte, Xtr.mean(0), _st_fixed(Xtr.var(0))),
          "divided by the variance"),
    Wrong("ddof=1", lambda Xtr, Xte: _st(Xtr, Xte, Xtr.mean(0), _st_fixed(Xtr.std(0, ddof=1))), "ddof=1"),
    Wrong("constant column gives nan", _st_nan, "standard deviation of 0 gives nan"),
    Wrong("epsilon added to the std", _st_eps, "small number added to the standard deviation"),
    Wrong("returns the raw std 0", lambda Xtr, Xte: _st(Xtr, Xte, Xtr.mean(0), _st_fixed(Xtr.std(0)))[:3]
          + (Xtr.std(0),), "divisor returned for it is its standard deviation 0"),
    Wrong("constant column left as it was", _st_keep_constant, "constant column is left as it was"),
    Wrong("mean and scale swapped", lambda Xtr, Xte: _st(Xtr, Xte, Xtr.mean(0), _st_fixed(Xtr.std(0)))[:2]
          + (_st_fixed(Xtr.std(0)), Xtr.mean(0)), "other order"),
    Wrong("X_train changed in place", _st_in_place, "changed its input X_train in place"),
    Wrong("only S_train returned", lambda Xtr, Xte: _st(Xtr, Xte, Xtr.mean(0), _st_fixed(Xtr.std(0)))[0],
          "tuple of 4"),
]


def _standardise_loops(X_train, X_test):
    n, p = X_train.shape
    mean, scale = np.zeros(p), np.ones(p)
    for j in range(p):
        col = [X_train[i, j] for i in range(n)]
        mean[j] = sum(col) / n
        var = sum((v - mean[j]) ** 2 for v in col) / n
        if var > 0:
            scale[j] = var ** 0.5
    S_train = np.array([[(X_train[i, j] - mean[j]) / scale[j] for j in range(p)] for i in range(n)])
    S_test = np.array([[(row[j] - mean[j]) / scale[j] for j in range(p)] for row in X_test])
    return S_train, S_test, mean, scale


def _standardise_moments(X_train, X_test):
    mean = np.mean(X_train, axis=0, keepdims=True)
    var = np.mean(X_train ** 2, axis=0, keepdims=True) - mean ** 2     # E[x^2] - E[x]^2: fine at these offsets
    scale = np.sqrt(np.maximum(var, 0))
    scale[scale < 1e-12] = 1.0
    return (X_train - mean) * (1 / scale), (X_test - mean) * (1 / scale), mean.ravel(), scale.ravel()


STANDARDISE_RIGHT = [_standardise_loops, _standardise_moments]


EXERCISES = [
    Exercise("ex1_linreg_gradient", ch03.check_linreg_gradient, not_written, LINREG_WRONG, LINREG_RIGHT),
    Exercise("ex2_momentum_step", ch03.check_momentum_step, not_written, MOMENTUM_WRONG, MOMENTUM_RIGHT),
    Exercise("ex3_lr_max", _lr, None, LR_WRONG, LR_RIGHT, name="lr_max", namespace=lambda: {"np": np, "X": X}),
    Exercise("ex4_standardise", ch03.check_standardise, not_written, STANDARDISE_WRONG, STANDARDISE_RIGHT),
]

"""Checks for chapter 7, vanishing (and exploding) gradients."""
from __future__ import annotations

import numpy as np

from ..mlp import MLP
from . import ch05
from ._core import check_function, fail, fmt, passed

# -- exercise 1: initialisation scales -------------------------------------------------------------
_STD = {"naive": lambda n_in, n_out: 1.0,
        "xavier": lambda n_in, n_out: float(np.sqrt(2.0 / (n_in + n_out))),
        "he": lambda n_in, n_out: float(np.sqrt(2.0 / n_in))}


def _init_std(n_in, n_out, scheme):
    return _STD[scheme](n_in, n_out)


def check_init_std(fn, hidden: bool = False) -> None:
    """init_std(n_in, n_out, scheme) is 1 (naive), sqrt(2/(n_in+n_out)) (xavier), sqrt(2/n_in) (he)."""
    sizes = [(64, 32), (2, 16), (100, 100)] + ([(7, 300), (1, 1), (512, 10)] if hidden else [])
    cases = [(n_in, n_out, s) for s in ("naive", "xavier", "he") for n_in, n_out in sizes]
    if not callable(fn):
        fail(f"init_std should be a function, but it is a {type(fn).__name__}.")
    for n_in, n_out, scheme in cases:   # recognise the usual mix-ups first, for a precise hint
        try:
            got = float(fn(n_in, n_out, scheme))
        except Exception:
            break   # check_function below reports it
        expected = _init_std(n_in, n_out, scheme)
        if np.isclose(got, expected, rtol=1e-9):
            continue
        where = f"init_std(n_in={n_in}, n_out={n_out}, scheme={scheme!r})"
        mix_ups = [("xavier he", expected ** 2, "that is the variance; the function returns the standard "
                                                "deviation (take the square root)"),
                   ("he", np.sqrt(1.0 / n_in), "that is LeCun's sqrt(1/n_in); He doubles the variance for ReLU"),
                   ("xavier", np.sqrt(1.0 / n_in), "that is LeCun's sqrt(1/n_in); Glorot averages fan-in and "
                                                   "fan-out: sqrt(2/(n_in+n_out))"),
                   ("he", np.sqrt(2.0 / n_out), "the He scale divides by n_in (fan-in), not n_out"),
                   ("xavier", np.sqrt(1.0 / (n_in + n_out)), "Glorot/Xavier has a 2 in the numerator"),
                   ("xavier", np.sqrt(6.0 / (n_in + n_out)), "sqrt(6/(n_in+n_out)) is the half-width of Glorot's "
                                                             "UNIFORM distribution; the normal one has std "
                                                             "sqrt(2/(n_in+n_out))")]
        matches = [why for schemes, wrong, why in mix_ups if scheme in schemes.split()
                   and not np.isclose(wrong, expected, rtol=1e-9) and np.isclose(got, wrong, rtol=1e-9)]
        if len(matches) == 1:
            fail(f"{where} returned {got:.6g}, expected {expected:.6g}: {matches[0]}.")
        break   # the first wrong case without a known mix-up: check_function reports it
    check_function(fn, _init_std, cases, name="init_std", arg_names=("n_in", "n_out", "scheme"),
                   hint="naive: 1; xavier (Glorot): sqrt(2 / (n_in + n_out)); he: sqrt(2 / n_in).",
                   quiet=hidden)


# -- exercise 2: per-layer gradient norms ----------------------------------------------------------
def _norms(net, X, T, loss):
    _, grads = net.loss_and_grads(X, T, loss=loss)
    return np.array([np.linalg.norm(g["W"]) for g in grads])


def check_layer_gradient_norms(fn, hidden: bool = False) -> None:
    """layer_gradient_norms(net, X, T, loss) == [||dL/dW_l|| for every layer l]."""
    rng = np.random.default_rng(71 if hidden else 8)
    specs = [([2, 8, 8, 1], "sigmoid", "sigmoid", "cross_entropy"), ([3, 5, 2], "tanh", "identity", "mse")]
    if hidden:
        specs += [([2, 6, 6, 6, 6, 3], "relu", "softmax", "cross_entropy"), ([4, 1], "sigmoid", "sigmoid", "mse")]
    if not callable(fn):
        fail(f"layer_gradient_norms should be a function, but it is a {type(fn).__name__}.")
    for sizes, act, out, loss in specs:
        net = MLP(sizes, activation=act, output=out, seed=int(rng.integers(100)))
        X = rng.normal(size=(10, sizes[0]))
        T = rng.integers(0, sizes[-1], size=10) if out == "softmax" else (
            rng.integers(0, 2, size=(10, sizes[-1])).astype(float) if out == "sigmoid" else
            rng.normal(size=(10, sizes[-1])))
        expected = _norms(net, X, T, loss)
        where = f"layer_gradient_norms(MLP({sizes}, activation={act!r}, output={out!r}), X, T, loss={loss!r})"
        try:
            with np.errstate(all="ignore"):
                got = fn(net, X, T, loss)
        except NotImplementedError:
            fail("layer_gradient_norms is not written yet (it raises NotImplementedError).",
                 "call net.loss_and_grads(X, T, loss=loss); it returns (loss value, grads).")
        except Exception as e:
            fail(f"{where} raised {type(e).__name__}: {e}",
                 "call net.loss_and_grads(X, T, loss=loss); it returns (loss value, grads).")
        if got is None:
            fail(f"{where} returned None. Did you forget `return`?")
        try:
            got = np.asarray(got, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            fail(f"{where} should return one number per layer, got {type(got).__name__} {_short(got)}",
                 "loss_and_grads returns (loss, grads); take np.linalg.norm(g['W']) for each g in grads.")
        if got.size != len(expected):
            fail(f"{where} returned {got.size} numbers; the network has {len(expected)} layers (one norm each).",
                 "loop over the list grads that loss_and_grads returns: one dict per layer.")
        if not np.allclose(got, expected, rtol=1e-6):
            hint = "the norm of the whole matrix: np.linalg.norm(g['W']) (the square root of the sum of squares)."
            if np.allclose(got, [np.linalg.norm(g) for g in _bias_norms(net, X, T, loss)], rtol=1e-6):
                hint = "those are the bias gradients' norms; take g['W'], the weights."
            elif np.allclose(got, expected[::-1], rtol=1e-6):
                hint = "the order is reversed: the first entry is layer 1 (next to the input)."
            fail(f"{where}: expected {fmt(expected)}, got {fmt(got)}", hint)
    if not hidden:
        passed(f"layer_gradient_norms gives the right norms for {len(specs)} networks.")


def _short(value, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + " ..."


def _bias_norms(net, X, T, loss):
    _, grads = net.loss_and_grads(X, T, loss=loss)
    return [g["b"] for g in grads]


# -- exercise 3: find the bug in a deep backward pass ----------------------------------------------
def deep_loss(X, T, params) -> float:
    r"""tanh hidden layers W1..W_{L-1}, a linear output layer W_L, $L = \frac1N\sum_n \tfrac12\|a_n - t_n\|^2$."""
    n_layers = len(params) // 2
    a = X
    for l in range(1, n_layers + 1):
        z = a @ params[f"W{l}"] + params[f"b{l}"]
        a = np.tanh(z) if l < n_layers else z
    return float(0.5 * np.sum((a - T) ** 2) / X.shape[0])


def deep_case(sizes=(3, 4, 4, 4, 1), n=6, seed=0):
    """(X, T, params) for the deep tanh network with layer sizes `sizes`; params W1, b1, ..., WL, bL."""
    rng = np.random.default_rng(seed)
    params = {}
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{l}"] = rng.normal(0, 1.0 / np.sqrt(n_in), size=(n_in, n_out))
        params[f"b{l}"] = rng.normal(0, 0.3, size=n_out)
    return rng.normal(size=(n, sizes[0])), rng.normal(size=(n, sizes[-1])), params


def gradient_report(fn, X, T, params) -> dict:
    """Print fn's per-parameter relative errors against central differences of the deep network's loss."""
    return ch05.gradient_report(fn, deep_loss, X, T, params)


def check_deep_backward(fn, hidden: bool = False) -> None:
    """The fixed deep_backward passes the gradient check on every parameter, for any depth and widths."""
    shapes = [(3, 4, 4, 4, 1), (2, 5, 3)] + ([(4, 6, 5, 4, 3, 2), (1, 3, 1), (3, 2, 2, 2, 2, 2, 2)] if hidden else [])
    cases = [deep_case(s, seed=300 + i + (50 if hidden else 0)) for i, s in enumerate(shapes)]
    ch05.grade_backward(fn, deep_loss, cases, "deep_backward",
                        hint="in the loop, going from layer l down to layer l-1, the derivative is that of "
                             "layer l-1's activation: (delta @ W_l.T) * (1 - A[l-1]**2), where A[l-1] is the "
                             "input of layer l (A[0] = X). Check the indices against equation (2).",
                        quiet=hidden)

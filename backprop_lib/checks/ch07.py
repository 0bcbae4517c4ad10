"""Checks for chapter 7, vanishing (and exploding) gradients."""
from __future__ import annotations

import sys

import numpy as np

from .. import gradcheck, layers
from ..mlp import MLP
from . import ch05
from ._core import Exercise, Forbidden, Slip, fmt

# -- exercise 1: initialisation scales -------------------------------------------------------------
_STD = {"naive": lambda n_in, n_out: 1.0,
        "xavier": lambda n_in, n_out: float(np.sqrt(2.0 / (n_in + n_out))),
        "he": lambda n_in, n_out: float(np.sqrt(2.0 / n_in))}


def _init_std(n_in, n_out, scheme):
    return _STD[scheme](n_in, n_out)


EX1 = Exercise(
    "ch07.ex1", "init_std",
    start="Section 6 derives, for each scheme, the variance the weights need; the function returns the "
          "standard deviation for the scheme it is given.",
    reread="Section 6: Var(z) = n_in Var(w) E[a^2], the variance each scheme chooses, and the difference "
           "between a variance and a standard deviation.",
    code="one branch per scheme; Xavier balances the fan-in and the fan-out (their average), He uses only "
         "the fan-in and doubles the variance because ReLU zeroes half of its inputs.")


def _scheme_slip(kind, schemes, wrong, code=None):
    """A slip for the given schemes: wrong(n_in, n_out) instead of the right standard deviation."""
    def predict(n_in, n_out, scheme):
        return wrong(n_in, n_out, scheme) if scheme in schemes else _init_std(n_in, n_out, scheme)
    return Slip(kind, predict, code=code, rtol=1e-9, atol=0.0)


_INIT_SLIPS = [
    _scheme_slip("that is the variance; the function returns the standard deviation (its square root).",
                 ("xavier", "he"), lambda i, o, s: _init_std(i, o, s) ** 2),
    _scheme_slip("that is LeCun's sqrt(1/n_in); He doubles the variance for ReLU, which zeroes half of its "
                 "inputs.", ("he",), lambda i, o, s: np.sqrt(1.0 / i)),
    _scheme_slip("that is LeCun's sqrt(1/n_in); Glorot (Xavier) uses both the fan-in and the fan-out.",
                 ("xavier",), lambda i, o, s: np.sqrt(1.0 / i)),
    _scheme_slip("the He scale uses the fan-in n_in (the number of inputs each unit adds up), not n_out.",
                 ("he",), lambda i, o, s: np.sqrt(2.0 / o)),
    _scheme_slip("Glorot (Xavier) has a 2 in the numerator: the variance is 2 / (n_in + n_out), one over the "
                 "AVERAGE of the fan-in and the fan-out.", ("xavier",), lambda i, o, s: np.sqrt(1.0 / (i + o))),
    _scheme_slip("sqrt(6 / (n_in + n_out)) is the half-width of Glorot's UNIFORM distribution; the normal one "
                 "asked for here has a smaller standard deviation.", ("xavier",),
                 lambda i, o, s: np.sqrt(6.0 / (i + o))),
    _scheme_slip("the Xavier and He formulas are swapped.", ("xavier", "he"),
                 lambda i, o, s: _init_std(i, o, "he" if s == "xavier" else "xavier")),
    _scheme_slip("the naive scheme of section 6 draws every weight with standard deviation 1, whatever the "
                 "layer's size.", ("naive",), lambda i, o, s: 0.01),
    _scheme_slip("the naive scheme of section 6 draws every weight with standard deviation 1, whatever the "
                 "layer's size; scaling by the fan-in is what the other two schemes do.", ("naive",),
                 lambda i, o, s: np.sqrt(1.0 / i)),
]


def _forbid_library_init():
    lib = sys.modules.get("backprop_lib")
    targets = [(layers, "init_std"), (sys.modules[__name__], "_init_std")]
    targets += [(lib, "init_std")] if lib is not None and hasattr(lib, "init_std") else []
    return [Forbidden("the library's init_std (or the check's)", "the exercise is to write the formulas "
                      "of section 6 yourself.", targets)]


def check_init_std(fn, hidden: bool = False) -> None:
    """init_std(n_in, n_out, scheme) is 1 (naive), sqrt(2/(n_in+n_out)) (xavier), sqrt(2/n_in) (he)."""
    sizes = [(64, 32), (2, 16), (100, 100)] + ([(7, 300), (1, 1), (512, 10)] if hidden else [])
    cases = [(n_in, n_out, s) for s in ("naive", "xavier", "he") for n_in, n_out in sizes]
    name = ch05._name(fn, "init_std")
    n = ch05.run_cases(EX1, fn, _init_std, cases, ("n_in", "n_out", "scheme"), _INIT_SLIPS, name=name,
                       forbid=_forbid_library_init(),
                       value_kind="this standard deviation is none of the three schemes' (nor a mix-up the "
                                  "check knows); compare it with the variance section 6 derives for this scheme.")
    if not hidden:
        EX1.passed(f"{name} gives the right standard deviation for the three schemes on {n} layer sizes.")


# -- exercise 2: per-layer gradient norms ----------------------------------------------------------
def _grads(net, X, T, loss):
    return net.loss_and_grads(X, T, loss=loss)[1]


def _norms(net, X, T, loss):
    return np.array([np.linalg.norm(g["W"]) for g in _grads(net, X, T, loss)])


EX2 = Exercise(
    "ch07.ex2", "layer_gradient_norms",
    start="Section 3 measures exactly this: let the network compute its gradients (the MLP has a method that "
          "returns the loss and one dict of gradients per layer), then reduce each weight gradient to one number.",
    reread="Section 3, the per-layer gradient norms, and the exercise's definition of the norm.",
    code="one number per layer, in the order of the layers (the input side first): the square root of the sum "
         "of the squares of every entry of that layer's weight gradient.")

_NORM_SLIPS = [
    Slip("the order is reversed: the first entry is layer 1, next to the input.",
         lambda net, X, T, loss: _norms(net, X, T, loss)[::-1]),
    Slip("those are the norms of the bias gradients; the exercise asks for the weights' (the 'W' entry).",
         lambda net, X, T, loss: np.array([np.linalg.norm(g["b"]) for g in _grads(net, X, T, loss)])),
    Slip("the square root is missing: that is the sum of squares, the norm squared.",
         lambda net, X, T, loss: _norms(net, X, T, loss) ** 2),
    Slip("that is the sum of absolute values; the norm asked for is the square root of the sum of squares.",
         lambda net, X, T, loss: np.array([np.abs(g["W"]).sum() for g in _grads(net, X, T, loss)])),
    Slip("that is the largest absolute entry; the norm asked for adds up the squares of every entry.",
         lambda net, X, T, loss: np.array([np.abs(g["W"]).max() for g in _grads(net, X, T, loss)])),
    Slip("that is the root-mean-square entry (divided by the number of entries); the norm asked for is not "
         "averaged.", lambda net, X, T, loss: np.array([np.sqrt(np.mean(g["W"] ** 2)) for g in _grads(net, X, T, loss)])),
    Slip("that is the norm of the weights themselves, not of their gradients.",
         lambda net, X, T, loss: np.array([np.linalg.norm(layer.W) for layer in net.layers])),
]


def _forbid_fd():
    lib = sys.modules.get("backprop_lib")
    fd = [(gradcheck, a) for a in ("numerical_gradient", "gradient_check") if hasattr(gradcheck, a)]
    fd += [(lib, a) for a in ("numerical_gradient", "gradient_check") if lib is not None and hasattr(lib, a)]
    return [Forbidden("a finite-difference tool (numerical_gradient / gradient_check)",
                      "the network's backward pass gives the exact gradients; central differences only "
                      "estimate them, with two loss evaluations per weight.", fd),
            Forbidden("the check's own reference", "the exercise is to compute the norms yourself.",
                      [(sys.modules[__name__], "_norms")])]


def _net_state(net):
    return [(layer.W.copy(), layer.b.copy()) for layer in net.layers]


def check_layer_gradient_norms(fn, hidden: bool = False) -> None:
    """layer_gradient_norms(net, X, T, loss) == [||dL/dW_l|| for every layer l]; the net is unchanged."""
    rng = np.random.default_rng(71 if hidden else 8)
    specs = [([2, 8, 8, 1], "sigmoid", "sigmoid", "cross_entropy"), ([3, 5, 2], "tanh", "identity", "mse")]
    if hidden:
        specs += [([2, 6, 6, 6, 6, 3], "relu", "softmax", "cross_entropy"), ([4, 1], "sigmoid", "sigmoid", "mse")]
    name = ch05._name(fn, "layer_gradient_norms")
    ch05.reject_forbidden_itself(EX2, fn, _forbid_fd(), name)
    for sizes, act, out, loss in specs:
        net = MLP(sizes, activation=act, output=out, seed=int(rng.integers(100)))
        X = rng.normal(size=(10, sizes[0]))
        T = rng.integers(0, sizes[-1], size=10) if out == "softmax" else (
            rng.integers(0, 2, size=(10, sizes[-1])).astype(float) if out == "sigmoid" else
            rng.normal(size=(10, sizes[-1])))
        where = f"{name}(MLP({sizes}, activation={act!r}, output={out!r}), X, T, loss={loss!r})"
        before = _net_state(net)
        expected = _norms(net, X, T, loss)
        got = EX2.call(fn, (net, X, T, loss), where, _forbid_fd())
        if any(not (np.array_equal(W, layer.W) and np.array_equal(b, layer.b)) for (W, b), layer in
               zip(before, net.layers)):
            EX2.fail(f"{where} changed the network's weights.",
                     "measuring the gradients must not train the network: compute them, don't apply them.")
        try:
            got = np.asarray(got, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            EX2.fail(f"{where} should return one number per layer, got {type(got).__name__} {_short(got)}",
                     "the result must be a list (or array) of numbers, one per layer; the method that gives "
                     "the gradients returns a pair (loss, list of dicts), which still has to be reduced.")
        if got.size != len(expected):
            EX2.fail(f"{where} returned {got.size} numbers; the network has {len(expected)} layers (one norm each).",
                     "one number per layer, for every layer including the output layer.")
        if np.allclose(got, expected, rtol=1e-9, atol=0):
            continue
        args = (net, X, T, loss)
        for slip in _NORM_SLIPS:
            if ch05.slip_matches(slip, got, args, expected):
                EX2.fail(f"{where}: expected {fmt(expected)}, got {fmt(got)}", slip.kind, slip.reread, slip.code)
        EX2.fail(f"{where}: expected {fmt(expected)}, got {fmt(got)}",
                 "these are not the norms of the layers' weight gradients.")
    if not hidden:
        EX2.passed(f"{name} gives the right norms for {len(specs)} networks.")


def _short(value, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + " ..."


# -- exercise 3: find the bug in a deep backward pass ----------------------------------------------
def deep_loss(X, T, params) -> float:
    r"""tanh hidden layers W1..W_{L-1}, a linear output layer W_L, $L = \frac1N\sum_n \tfrac12\|a_n - t_n\|^2$."""
    ch05.LOSS_CALLS["deep_loss"] += 1
    n_layers = len(params) // 2
    a = X
    for l in range(1, n_layers + 1):
        z = a @ params[f"W{l}"] + params[f"b{l}"]
        a = np.tanh(z) if l < n_layers else z
    return float(0.5 * np.sum((a - T) ** 2) / X.shape[0])


def _deep_grads(X, T, params) -> dict:
    """The exact gradients of deep_loss (the reference; tested against central differences)."""
    n_layers = len(params) // 2
    outs = [X]
    for l in range(1, n_layers + 1):
        z = outs[-1] @ params[f"W{l}"] + params[f"b{l}"]
        outs.append(np.tanh(z) if l < n_layers else z)
    delta = (outs[-1] - T) / X.shape[0]
    grads = {}
    for l in range(n_layers, 0, -1):
        grads[f"W{l}"], grads[f"b{l}"] = outs[l - 1].T @ delta, delta.sum(axis=0)
        if l > 1:
            delta = (delta @ params[f"W{l}"].T) * (1 - outs[l - 1] * outs[l - 1])
    return grads


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


EX3 = Exercise(
    "ch07.ex3", "deep_backward",
    start="Copy the buggy function into this cell. The gradient check above says which layers' gradients "
          "are right; the first wrong one, going down from the output, is where to look.",
    reread="Chapter 5, section 2, equation (2): which layer's pre-activation the factor f' belongs to; and "
           "this exercise's description of the list As (As[0] is X).",
    code="when the loop turns layer l's delta into layer l-1's, the slope factor belongs to layer l-1: it is "
         "computed from that layer's output, which is also the input of layer l.")


def _deep_kind(layer: int, n_layers: int):
    if layer == n_layers:
        return (f"the output layer's gradients (layer {n_layers}) are off, so the mistake is where the output "
                "delta is made or turned into the gradients of the last W and b.",
                "Chapter 5, section 2, equations (1), (3) and (4).", None)
    return (f"layers {layer + 1} to {n_layers} are right and layer {layer} is the first wrong one going down: "
            f"the mistake is in the step that makes layer {layer}'s delta from layer {layer + 1}'s "
            "(chapter 5's equation (2)), or in the lines that use it.", None, None)


def check_deep_backward(fn, hidden: bool = False) -> None:
    """The fixed deep_backward gives the exact gradient of every parameter, for any depth and widths."""
    shapes = [(3, 4, 4, 4, 1), (2, 5, 3)] + ([(4, 6, 5, 4, 3, 2), (1, 3, 1), (3, 2, 2, 2, 2, 2, 2)] if hidden else [])
    cases = [deep_case(s, seed=300 + i + (50 if hidden else 0)) for i, s in enumerate(shapes)]
    ch05.grade_backward(EX3, fn, deep_loss, _deep_grads, cases, ch05._name(fn, "deep_backward"), _deep_kind,
                        quiet=hidden)

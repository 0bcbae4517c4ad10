"""Checks for chapter 9, automatic differentiation: a new operation's backward, the topological order,
and the gradients of lecture notes 003's classifier computed with Tensors."""
from __future__ import annotations

import numpy as np

from ..activations import sigmoid, softmax
from ..autodiff import Tensor, topological_order
from ..gradcheck import rel_error
from ._core import close, fail, fmt, passed, run_student


def _run(fn, name: str, where: str, hint: str, *args):
    """Call the student's function; a crash or a missing return becomes a message."""
    return run_student(fn, name, where, hint, *args)


# -- exercise 1: a new operation ---------------------------------------------------------------
_SIN_HINT = ("build the result as out = Tensor(np.sin(t.data), parents=(t,), op='sin'); define "
             "def _backward(): t.grad += np.cos(t.data) * out.grad; set out._backward = _backward; return out.")


def check_sin(fn, hidden: bool = False) -> None:
    """sin(t) returns a Tensor whose backward adds cos(t) * upstream into t.grad."""
    rng = np.random.default_rng(91 if hidden else 9)
    inputs = [np.array([0.0, 1.0, -2.0]), rng.normal(size=(2, 3)) * 2]
    inputs += [np.array(0.7), rng.normal(size=(4,)) * 3] if hidden else [np.array(0.5)]
    for x in inputs:
        where = f"sin(Tensor({fmt(x)}))"
        t = Tensor(x)
        out = _run(fn, "sin", where, _SIN_HINT, t)
        if not isinstance(out, Tensor):
            fail(f"{where} returned a {type(out).__name__}, not a Tensor: the backward pass needs a Tensor that "
                 "remembers its parent.", _SIN_HINT)
        ok, why = close(out.data, np.sin(x))
        if not ok:
            fail(f"{where}: the forward value is wrong: {why}", "the value is np.sin(t.data).")
        if not any(p is t for p in out.parents):
            fail(f"{where}: the result does not list its input among its parents (got parents={out.parents!r}).",
                 "pass parents=(t,) when you create the output Tensor, or backward() never reaches t.")
        c = rng.normal(size=np.shape(x))
        (out * c).sum().backward()
        expected = c * np.cos(x)
        ok, why = close(t.grad, expected)
        if not ok:
            if np.all(t.grad == 0):
                hint = "t.grad stayed 0: did you attach the function with out._backward = _backward? " + _SIN_HINT
            elif close(t.grad, -expected)[0]:
                hint = "the sign is flipped: d/dx sin(x) = +cos(x)."
            elif close(t.grad, np.cos(x))[0]:
                hint = "multiply the local derivative cos(x) by the upstream gradient out.grad (the chain rule)."
            else:
                hint = _SIN_HINT
            fail(f"{where} with upstream gradient {fmt(c)}: t.grad is wrong: {why}", hint)
        t2 = Tensor(x)               # the same input used twice: its gradients must add up
        y = _run(fn, "sin", where, _SIN_HINT, t2) * t2
        y.sum().backward()
        expected = np.cos(x) * x + np.sin(x)
        ok, why = close(t2.grad, expected)
        if not ok:
            fail(f"for y = sin(t) * t with t = {fmt(x)}: t.grad is wrong: {why}",
                 "t is used twice, so both uses must add their share: write t.grad += ..., not t.grad = ...")
    if not hidden:
        passed(f"sin is a working autodiff operation on {len(inputs)} inputs, including one used twice.")


# -- exercise 2: the topological order ---------------------------------------------------------
def _graphs(hidden: bool):
    a, b = Tensor(2.0, label="a"), Tensor(-1.0, label="b")
    chain = ((a * 3.0).tanh() + 1.0) ** 2
    c = a * b
    diamond = (c + a) * c                                  # a and c are both used twice
    x, w = Tensor(np.ones((2, 3)), label="x"), Tensor(np.ones((3, 2)), label="w")
    net = ((x @ w).sigmoid() - 1.0).sum()
    leaf_first = a * (a * b).exp()                         # a reached directly before it is reached via a*b
    graphs = [("(tanh(3a) + 1)^2", chain), ("(a*b + a) * (a*b)", diamond), ("a * exp(a*b)", leaf_first),
              ("sum(sigmoid(x @ w) - 1)", net)]
    if hidden:
        u = Tensor(0.5, label="u")
        v = u
        for _ in range(4):
            v = v * u + v                                  # many reuses
        graphs += [("a deep graph with reuse", v), ("a single leaf", Tensor(1.0, label="leaf"))]
    return graphs


_TOPO_HINT = ("visit a node's parents first, then append the node itself (depth-first, post-order), and keep "
              "a set of visited nodes so a node used twice is listed once: "
              "def visit(v): if v not in seen: seen.add(v); [visit(p) for p in v.parents]; order.append(v)")


def check_topo_order(fn, hidden: bool = False) -> None:
    """topo_order(root) lists every Tensor root depends on, once each, parents before children."""
    for name, root in _graphs(hidden):
        where = f"topo_order(<{name}>)"
        order = _run(fn, "topo_order", where, _TOPO_HINT, root)
        try:
            order = list(order)
        except TypeError:
            fail(f"{where} returned a {type(order).__name__}; expected a list of Tensors.", _TOPO_HINT)
        expected = topological_order(root)
        ids = [id(n) for n in order]
        if len(ids) != len(set(ids)):
            dup = next(n for n in order if ids.count(id(n)) > 1)
            fail(f"{where}: {dup!r} appears {ids.count(id(dup))} times; every node must appear once "
                 f"({len(expected)} nodes in all).", "remember the nodes you have visited (a set) and skip them.")
        missing = [n for n in expected if id(n) not in set(ids)]
        if missing:
            fail(f"{where}: {len(missing)} of the {len(expected)} nodes are missing, e.g. {missing[0]!r}.", _TOPO_HINT)
        if len(order) != len(expected):
            fail(f"{where}: {len(order)} entries, but the graph has {len(expected)} nodes.", _TOPO_HINT)
        pos = {id(n): i for i, n in enumerate(order)}
        for n in order:
            late = [p for p in n.parents if pos[id(p)] > pos[id(n)]]
            if late:
                fail(f"{where}: {n!r} comes before its parent {late[0]!r}; parents must come first.",
                     "append a node only after all its parents have been appended. " + _TOPO_HINT)
        if order[-1] is not root:
            fail(f"{where}: the output should come last (nothing depends on it), but the list ends with {order[-1]!r}.",
                 _TOPO_HINT)
    if not hidden:
        passed("topo_order lists every node once, parents first, on graphs with shared nodes.")


# -- exercise 3: the 2-3-3 classifier of lecture notes 003 -------------------------------------
def _classifier_grads(X, T, W1, W2):
    """By hand (chapters 5-6): z1 = X W1, S = sigma(z1), z2 = S W2, L = mean softmax cross-entropy."""
    S = sigmoid(X @ W1)
    delta2 = (softmax(S @ W2) - T) / X.shape[0]
    delta1 = (delta2 @ W2.T) * S * (1 - S)
    return X.T @ delta1, S.T @ delta2


def _classifier_cases(hidden: bool):
    rng = np.random.default_rng(93 if hidden else 3)
    cases = [(np.array([[1.0, 2.0]]), np.array([[0.0, 1.0, 0.0]]))]
    for n in (4, 7) if hidden else (5,):
        cases.append((rng.normal(size=(n, 2)), np.eye(3)[rng.integers(0, 3, n)]))
    return [(X, T, rng.normal(size=(2, 3)), rng.normal(size=(3, 3))) for X, T in cases]


_CLASSIFIER_HINT = ("make Tensors of W1 and W2, compute L = ((Tensor(X) @ W1).sigmoid() @ W2).softmax_cross_entropy(T), "
                    "call L.backward() and return (W1.grad, W2.grad).")


def check_classifier_grads(fn, hidden: bool = False) -> None:
    """classifier_grads(X, T, W1, W2) == (dL/dW1, dL/dW2) of 003's no-bias 2-3-3 sigmoid/softmax classifier."""
    for X, T, W1, W2 in _classifier_cases(hidden):
        where = f"classifier_grads(X={fmt(X)}, T={fmt(T)}, W1=..., W2=...)"
        got = _run(fn, "classifier_grads", where, _CLASSIFIER_HINT, X.copy(), T.copy(), W1.copy(), W2.copy())
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fail(f"{where} returned {type(got).__name__}; expected a pair (dW1, dW2).", _CLASSIFIER_HINT)
        if any(isinstance(g, Tensor) for g in got):
            fail(f"{where} returned Tensors; return their gradients, the numpy arrays W1.grad and W2.grad.",
                 _CLASSIFIER_HINT)
        expected = _classifier_grads(X, T, W1, W2)
        for i, name in enumerate(("dW1", "dW2")):
            ok, why = close(got[i], expected[i], rtol=1e-7, atol=1e-12)
            if ok:
                continue
            hint = _CLASSIFIER_HINT
            g = np.asarray(got[i], dtype=float)
            if g.shape == expected[i].shape and X.shape[0] > 1 and close(g, expected[i] * X.shape[0])[0]:
                hint = f"your gradient is {X.shape[0]} times too large: the loss is the mean over the rows, not the sum."
            elif g.shape == expected[i].shape and close(g, -expected[i])[0]:
                hint = "the sign is flipped: the gradient points uphill (softmax minus target, p - t)."
            elif g.shape == expected[i].shape:
                hint += f" (relative error {rel_error(g, expected[i]):.2g})"
            fail(f"{where}: {name} is wrong: {why}", hint)
    if not hidden:
        passed("classifier_grads agrees with the hand-written backward pass of chapters 5-6 (relative error < 1e-7).")

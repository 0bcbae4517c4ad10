"""Checks for chapter 9, automatic differentiation: a new operation's backward, the topological order,
and the gradients of a small classifier computed with Tensors (which must come from `backward()`)."""
from __future__ import annotations

import sys
from contextlib import contextmanager

import numpy as np

from .. import autodiff, gradcheck
from ..activations import sigmoid, softmax
from ..autodiff import Tensor, topological_order
from ..gradcheck import rel_error
from . import ch05
from ._core import Exercise, Forbidden, compare, fmt


# -- exercise 1: a new operation ---------------------------------------------------------------
EX1 = Exercise(
    "ch09.ex1", "sin",
    start="Follow the pattern of Value.sigmoid in section 3: create the output from the input's data, "
          "remember the input as its parent, and attach a function that passes the gradient back.",
    reread="Section 3: how each operation creates its output and attaches _backward, and the pitfall "
           "'grad = instead of grad +='.",
    code="inside _backward, the input's gradient grows by (local derivative of sin at the input's data) "
         "times (the output's gradient); the function is stored on the output before it is returned.")


def check_sin(fn, hidden: bool = False) -> None:
    """sin(t) returns a Tensor whose backward adds cos(t) * upstream into t.grad."""
    rng = np.random.default_rng(91 if hidden else 9)
    inputs = [np.array([0.0, 1.0, -2.0]), rng.normal(size=(2, 3)) * 2]
    inputs += [np.array(0.7), rng.normal(size=(4,)) * 3] if hidden else [np.array(0.5)]
    name = ch05._name(fn, "sin")
    for x in inputs:
        where = f"{name}(Tensor({fmt(x)}))"
        t = Tensor(x)
        out = EX1.call(fn, (t,), where)
        if not isinstance(out, Tensor):
            EX1.fail(f"{where} returned a {type(out).__name__}, not a Tensor.",
                     "the backward pass needs a Tensor that remembers its parent; a plain array has no graph.")
        v = compare(out.data, np.sin(x))
        if not v.ok:
            EX1.fail(f"{where}: the forward value is wrong: {v.why}",
                     "the output's data must be the sine of the input's data." if not
                     compare(out.data, np.cos(x)).ok else "the forward value is the cosine; sin's VALUE is the sine.")
        if not any(p is t for p in out.parents):
            EX1.fail(f"{where}: the result does not list its input among its parents (got parents={out.parents!r}).",
                     "without the input among the output's parents, backward() never reaches it.")
        c = rng.normal(size=np.shape(x))
        try:
            (out * c).sum().backward()
        except Exception as e:
            EX1.fail(f"{where}: backward() through your operation raised {type(e).__name__}: {e}",
                     "the function stored as _backward takes no arguments and updates the input's grad.")
        expected = c * np.cos(x)
        v = compare(t.grad, expected)
        if not v.ok:
            if np.all(t.grad == 0):
                kind = ("t.grad stayed 0: no backward function reached it (it is not attached to the output, or "
                        "it does not update the input's grad).")
            elif compare(t.grad, -expected).ok:
                kind = "the sign is flipped: the derivative of sin is +cos."
            elif compare(t.grad, np.cos(x)).ok:
                kind = ("the local derivative is not multiplied by the upstream gradient out.grad (the chain "
                        "rule): the check sends a random upstream gradient.")
            elif compare(t.grad, c * np.sin(x)).ok or compare(t.grad, c * -np.sin(x)).ok:
                kind = "the local derivative is wrong: the derivative of sin is cos."
            else:
                kind = "the gradient that reaches t differs from cos(t) times the upstream gradient."
            EX1.fail(f"{where} with upstream gradient {fmt(c)}: t.grad is wrong: {v.why}", kind)
        t2 = Tensor(x)               # the same input used twice: its gradients must add up
        y = EX1.call(fn, (t2,), where) * t2
        y.sum().backward()
        expected = np.cos(x) * x + np.sin(x)
        v = compare(t2.grad, expected)
        if not v.ok:
            EX1.fail(f"for y = sin(t) * t with t = {fmt(x)}: t.grad is wrong: {v.why}",
                     "t is used twice, so both uses must add their share: the backward function overwrites "
                     "the gradient instead of adding to it.")
    if not hidden:
        EX1.passed(f"{name} is a working autodiff operation on {len(inputs)} inputs, including one used twice.")


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


EX2 = Exercise(
    "ch09.ex2", "topo_order",
    start="Section 3's backward pass needs this order. Think recursively: a node may be listed once everything "
          "it was computed from is listed.",
    reread="Section 3, the paragraph before `backward`: a depth-first search that appends a node after its parents.",
    code="a recursive helper that handles a node's parents before appending the node itself, plus a record of "
         "the nodes already handled so that a shared node is listed once.")


def _forbid_topo():
    lib = sys.modules.get("backprop_lib")
    targets = [(autodiff, "topological_order")]
    targets += [(lib, "topological_order")] if lib is not None and hasattr(lib, "topological_order") else []
    return [Forbidden("the library's topological_order (also inside Tensor.backward)",
                      "the exercise is to write the depth-first search yourself.", targets)]


def check_topo_order(fn, hidden: bool = False) -> None:
    """topo_order(root) lists every Tensor root depends on, once each, parents before children."""
    name = ch05._name(fn, "topo_order")
    ch05.reject_forbidden_itself(EX2, fn, _forbid_topo(), name)
    for graph, root in _graphs(hidden):
        where = f"{name}(<{graph}>)"
        order = EX2.call(fn, (root,), where, _forbid_topo())
        try:
            order = list(order)
        except TypeError:
            EX2.fail(f"{where} returned a {type(order).__name__}; expected a list of Tensors.",
                     "the result is a list of the graph's Tensors.")
        expected = topological_order(root)
        ids = [id(n) for n in order]
        if len(ids) != len(set(ids)):
            dup = next(n for n in order if ids.count(id(n)) > 1)
            EX2.fail(f"{where}: {dup!r} appears {ids.count(id(dup))} times; every node must appear once "
                     f"({len(expected)} nodes in all).",
                     "a node reached along two paths is listed twice: remember the nodes already visited and "
                     "skip them.")
        missing = [n for n in expected if id(n) not in set(ids)]
        if missing:
            EX2.fail(f"{where}: {len(missing)} of the {len(expected)} nodes are missing, e.g. {missing[0]!r}.",
                     "the search stops too early: every node the output depends on, down to the leaves, "
                     "must be listed (the parents of parents too).")
        if len(order) != len(expected):
            EX2.fail(f"{where}: {len(order)} entries, but the graph has {len(expected)} nodes.",
                     "the list holds something that is not a node of this graph.")
        pos = {id(n): i for i, n in enumerate(order)}
        for n in order:
            late = [p for p in n.parents if pos[id(p)] > pos[id(n)]]
            if late:
                EX2.fail(f"{where}: {n!r} comes before its parent {late[0]!r}; parents must come first.",
                         "a node is appended before all of its parents are (the order is reversed, or the node "
                         "is appended when it is first reached instead of after its parents).")
        if order[-1] is not root:
            EX2.fail(f"{where}: the output should come last (nothing depends on it), but the list ends with "
                     f"{order[-1]!r}.", "the output must be the last entry.")
    if not hidden:
        EX2.passed(f"{name} lists every node once, parents first, on graphs with shared nodes.")


# -- exercise 3: the 2-3-3 classifier ---------------------------------------------------------
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


EX3 = Exercise(
    "ch09.ex3", "classifier_grads",
    start="Wrap the weights in Tensors, write the classifier's forward pass with Tensor operations down to the "
          "loss, call backward() on the loss, and return the weights' gradients as numpy arrays.",
    reread="Section 4, 'Two-layer networks: autodiff against the hand-written backward pass'.",
    code="only the forward pass is written by hand; the Tensor class has a matrix product, a sigmoid and a "
         "softmax cross-entropy against one-hot targets, and after backward() each weight Tensor holds its "
         "gradient.")


@contextmanager
def _recording_backward():
    """Record every Tensor whose backward() runs inside the block (and still run it)."""
    roots, original = [], Tensor.backward

    def backward(self, *args, **kwargs):
        roots.append(self)
        return original(self, *args, **kwargs)
    Tensor.backward = backward
    try:
        yield roots
    finally:
        Tensor.backward = original


def _from_backward(roots, W, got) -> bool:
    """Is got the gradient a backward() pass left in a leaf Tensor holding the weights W?"""
    for root in roots:
        for node in topological_order(root):
            if not node.parents and node.data.shape == W.shape and np.array_equal(node.data, W) \
                    and compare(got, node.grad, exact=True).ok:
                return True
    return False


def check_classifier_grads(fn, hidden: bool = False) -> None:
    """classifier_grads(X, T, W1, W2) == (dL/dW1, dL/dW2) of the no-bias 2-3-3 sigmoid/softmax classifier,
    computed by Tensor.backward()."""
    name = ch05._name(fn, "classifier_grads")
    lib = sys.modules.get("backprop_lib")
    fd = [(gradcheck, "numerical_gradient"), (np, "gradient")] + ([(lib, "numerical_gradient")] if lib else [])
    forbid = [Forbidden("a finite-difference routine (numerical_gradient, np.gradient)", "the exercise asks for "
                        "the gradients from backward(), which are exact; central differences only estimate them.",
                        fd),
              Forbidden("the check's own reference", "the exercise is to let autodiff compute the gradients.",
                        [(sys.modules[__name__], "_classifier_grads")])]
    for X, T, W1, W2 in _classifier_cases(hidden):
        where = f"{name}(X={fmt(X)}, T={fmt(T)}, W1=..., W2=...)"
        with _recording_backward() as roots:
            got = EX3.call(fn, (X, T, W1, W2), where, forbid)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            EX3.fail(f"{where} returned {type(got).__name__}; expected a pair (dW1, dW2).",
                     "the result is a pair of numpy arrays, the two weights' gradients.")
        if any(isinstance(g, Tensor) for g in got):
            EX3.fail(f"{where} returned Tensors; return their gradients, as numpy arrays.",
                     "a Tensor's gradient is in its .grad attribute after backward().")
        expected = _classifier_grads(X, T, W1, W2)
        for i, wname in enumerate(("dW1", "dW2")):
            v = compare(got[i], expected[i], exact=True)
            if v.ok:
                continue
            g = np.asarray(got[i], dtype=float) if v.kind not in ("type",) else None
            if g is not None and g.shape == expected[i].shape and X.shape[0] > 1 and \
                    compare(g, expected[i] * X.shape[0]).ok:
                kind = f"the gradient is {X.shape[0]} times too large: the loss is the mean over the rows, not the sum."
            elif g is not None and g.shape == expected[i].shape and compare(g, -expected[i]).ok:
                kind = "the sign is flipped: this is the gradient of minus the loss."
            elif g is not None and i == 0 and compare(g, expected[1]).ok or i == 1 and compare(got[1], expected[0]).ok:
                kind = "dW1 and dW2 are swapped: return (dW1, dW2) in that order."
            elif v.kind == "approx":
                kind = ("the gradient is close to the exact one but not exact, as a numerical estimate gives it; "
                        "the exercise asks for backward().")
            elif v.kind == "shape":
                kind = "a gradient has the shape of its weight matrix."
            else:
                kind = ("the gradient differs from the classifier's (relative error "
                        f"{rel_error(g, expected[i]) if g is not None and g.shape == expected[i].shape else float('nan'):.2g}): "
                        "check the forward pass layer by layer against the exercise's description.")
            EX3.fail(f"{where}: {wname} is wrong: {v.why}", kind)
        if not roots:
            EX3.fail(f"{where}: the gradients are right, but {name} never calls backward().",
                     "the exercise asks for the gradients by automatic differentiation: build the loss from "
                     "Tensors and let backward() compute them, not a formula written by hand.")
        for i, (W, wname) in enumerate(((W1, "W1"), (W2, "W2"))):
            if not _from_backward(roots, W, got[i]):
                EX3.fail(f"{where}: the gradients are right, but d{wname} is not the gradient backward() left "
                         f"in a Tensor holding {wname}.",
                         "the exercise asks for the gradients by automatic differentiation: the weights must be "
                         "leaf Tensors of the graph of the loss, and their .grad after backward() is the answer.")
    if not hidden:
        EX3.passed(f"{name} gets the exact gradients from backward() (they agree with the hand-written backward "
                   "pass of chapters 5-6).")


# -- exercise 4: forward mode, the quotient rule (section 5) ------------------------------------
from .. import activations                                           # noqa: E402  (appended with exercises 4-5)
from ._core import Case, Slip, Spy, check_cases, finite_differences  # noqa: E402

EX4 = Exercise(
    "ch09.ex4", "dual_div",
    start="Section 5's table: every operation returns a new Dual holding its value and its tangent.",
    reread="Section 5: the table of tangent rules and the product rule inside Dual.__mul__.",
    code="the value is u.val / w.val; the tangent follows from the product rule applied to u = (u / w) * w, "
         "solved for the tangent of u / w.")


def _div(u_val, u_dot, w_val, w_dot):
    return u_val / w_val, (u_dot * w_val - u_val * w_dot) / w_val ** 2


_DIV_SLIPS = [
    Slip("the two terms of the tangent are subtracted the wrong way round (the sign is flipped).",
         lambda uv, ud, wv, wd: (uv / wv, (uv * wd - ud * wv) / wv ** 2)),
    Slip("the tangent is divided by w instead of by w squared.",
         lambda uv, ud, wv, wd: (uv / wv, (ud * wv - uv * wd) / wv)),
    Slip("the tangent ignores w's own tangent: w changes too when its tangent is not 0.",
         lambda uv, ud, wv, wd: (uv / wv, ud / wv)),
    Slip("the tangent's two terms are added; the quotient rule subtracts the second.",
         lambda uv, ud, wv, wd: (uv / wv, (ud * wv + uv * wd) / wv ** 2)),
]


def check_dual_div(fn, Dual, hidden: bool = False) -> None:
    """dual_div(u, w) for two Duals returns the Dual of u / w: value u/w, tangent (u' w - u w') / w^2."""
    rng = np.random.default_rng(94 if hidden else 4)
    raw = [((3.0, 1.0, 2.0, 0.0), "w constant"), ((1.0, 0.0, 2.0, 1.0), "u constant"),
           ((2.0, 0.5, -4.0, 3.0), "w negative"),
           ((rng.normal(size=3), rng.normal(size=3), rng.uniform(1, 3, size=3), rng.normal(size=3)), "arrays")]
    if hidden:
        raw += [((1e3, 2.0, 1e-2, 5.0), "large and small values"),
                ((rng.normal(size=(2, 2)), np.ones((2, 2)), -rng.uniform(1, 2, size=(2, 2)), np.ones((2, 2))),
                 "2-D arrays")]
    name = ch05._name(fn, "dual_div")

    def as_pair(u_val, u_dot, w_val, w_dot):
        where = f"{name}(Dual({fmt(u_val)}, {fmt(u_dot)}), Dual({fmt(w_val)}, {fmt(w_dot)}))"
        out = EX4.call(fn, (Dual(u_val, u_dot), Dual(w_val, w_dot)), where,
                       [finite_differences("forward mode gives the exact tangent: no finite differences.")])
        if not (hasattr(out, "val") and hasattr(out, "dot")):
            EX4.fail(f"{where} returned a {type(out).__name__}, not a Dual.",
                     "the result must be a Dual (a value and its tangent), so that further operations can use it.")
        return np.asarray(out.val, dtype=float), np.asarray(out.dot, dtype=float)

    check_cases(EX4, as_pair, _div, [Case(args, note) for args, note in raw],
                arg_names=("u.val", "u.dot", "w.val", "w.dot"), slips=_DIV_SLIPS, quiet=hidden, name=name,
                value_kind="the value or the tangent of u / w differs from the quotient rule on this input.")


# -- exercise 5: a JVP through two layers (section 5) ---------------------------------------------
def _jvp2(X, W1, W2, X_dot):
    A1 = np.tanh(X @ W1)
    return A1 @ W2, ((1 - A1 ** 2) * (X_dot @ W1)) @ W2


EX5 = Exercise(
    "ch09.ex5", "jvp_two_layer",
    start="Section 5: carry the tangent through each step of the forward pass, next to the value.",
    reread="Section 5's table (the rows for A B and for tanh) and the JVP paragraph.",
    code="three tangents in the order of the forward pass: the first layer's pre-activation, its tanh, the "
         "output; each uses the tangent just computed and a value from the forward pass.")

_JVP_SLIPS = [
    Slip("the tanh step is missing from the tangent: it is multiplied by tanh'(Z1) = 1 - A1**2.",
         lambda X, W1, W2, Xd: (np.tanh(X @ W1) @ W2, (Xd @ W1) @ W2)),
    Slip("tanh's derivative is 1 - tanh(z)**2, i.e. 1 - A1**2; here it was computed from Z1 itself (1 - Z1**2).",
         lambda X, W1, W2, Xd: (np.tanh(X @ W1) @ W2, ((1 - (X @ W1) ** 2) * (Xd @ W1)) @ W2)),
    Slip("the tangent is multiplied by the value where the derivative belongs: the factor is 1 - A1**2, not A1.",
         lambda X, W1, W2, Xd: (np.tanh(X @ W1) @ W2, (np.tanh(X @ W1) * (Xd @ W1)) @ W2)),
    Slip("the last step is missing: the output's tangent is the hidden tangent times W2.",
         lambda X, W1, W2, Xd: (np.tanh(X @ W1) @ W2, (1 - np.tanh(X @ W1) ** 2) * (Xd @ W1))),
]


def check_jvp_two_layer(fn, hidden: bool = False) -> None:
    """jvp_two_layer(X, W1, W2, X_dot) -> (Z2, Z2_dot) for Z2 = tanh(X W1) W2."""
    rng = np.random.default_rng(95 if hidden else 5)
    shapes = [(3, 2, 4, 3), (1, 5, 2, 1), (4, 3, 3, 2)] + ([(2, 6, 5, 4), (5, 1, 3, 3)] if hidden else [])
    cases = [Case((rng.normal(size=(n, d)), rng.normal(size=(d, h)), rng.normal(size=(h, m)), rng.normal(size=(n, d))),
                  "not square") for n, d, h, m in shapes]
    X, W1, W2 = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)) * 3, rng.normal(size=(4, 2))
    cases.append(Case((X, W1, W2, rng.normal(size=(2, 3))), "large weights: some units saturated"))
    name = ch05._name(fn, "jvp_two_layer")
    with Spy([(np, "tanh"), (activations, "tanh")], [getattr(fn, "__globals__", {})]) as spy:
        EX5.call(fn, cases[0].args, f"{name}(X, W1, W2, X_dot)")
    if spy.calls >= 3:
        EX5.fail(f"{name} evaluates tanh {spy.calls} times for one batch: it runs the network at shifted inputs.",
                 "that is a numerical estimate (finite differences); forward mode runs the network once and "
                 "carries the tangent along, so its answer is exact.")
    check_cases(EX5, fn, _jvp2, cases, arg_names=("X", "W1", "W2", "X_dot"), slips=_JVP_SLIPS, quiet=hidden,
                forbid=[finite_differences("forward mode gives the exact tangent: no finite differences.")],
                name=ch05._name(fn, "jvp_two_layer"), dtype="float",
                value_kind="Z2 or its tangent differs from the forward-mode rules on this input.")

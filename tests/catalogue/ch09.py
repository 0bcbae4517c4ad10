"""Chapter 9's exercises: wrong answers the checks must catch (with the phrase that names the slip) and
right answers, written differently from the reference, that they must accept."""
from __future__ import annotations

import numpy as np

import backprop_lib as bl
from backprop_lib.activations import sigmoid, softmax
from backprop_lib.autodiff import Tensor, topological_order
from backprop_lib.checks import ch09

from . import Exercise, Wrong

CHAPTER = "chapters/09_autodiff.py"


def _namespace() -> dict:
    """What the chapter's solution cells use."""
    return {"np": np, "bl": bl, "Tensor": Tensor}


def stub(*args):
    raise NotImplementedError()


# -- exercise 1: sin ---------------------------------------------------------------------------------
def make_sin(local=np.cos, assign=False, attach=True, parents=True, forward=np.sin, upstream=True):
    def sin(t):
        out = Tensor(forward(t.data), parents=(t,) if parents else (), op="sin")

        def _backward():
            g = local(t.data) * (out.grad if upstream else 1.0)
            if assign:
                t.grad = g
            else:
                t.grad += g
        if attach:
            out._backward = _backward
        return out
    return sin


def sin_closure_value(t):
    c = np.cos(t.data)                      # the local derivative, computed in the forward pass
    out = Tensor(np.sin(t.data), (t,), "sin")

    def _backward():
        t.grad = t.grad + c * out.grad
    out._backward = _backward
    return out


def sin_via_unary(t):
    return t._unary(np.sin(t.data), np.cos(t.data), "sin")


SIN = Exercise("ex1_sin", ch09.check_sin, stub, wrong=[
    Wrong("grad = instead of +=", make_sin(assign=True), "overwrites"),
    Wrong("_backward not attached", make_sin(attach=False), "stayed 0"),
    Wrong("sign flipped", make_sin(local=lambda x: -np.cos(x)), "sign is flipped"),
    Wrong("no parents", make_sin(parents=False), "parents"),
    Wrong("cos as the value", make_sin(forward=np.cos), "forward value"),
    Wrong("a plain array", lambda t: np.sin(t.data), "not a Tensor"),
    Wrong("sin as its own derivative", make_sin(local=np.sin), "derivative of sin is cos"),
    Wrong("upstream ignored", make_sin(upstream=False), "upstream gradient"),
], right=[sin_closure_value, sin_via_unary], name="sin", namespace=_namespace)


# -- exercise 2: topo_order --------------------------------------------------------------------------
def topo_iterative(root):
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents))
    return order


def topo_kahn(root):
    nodes, frontier = {}, [root]
    while frontier:
        n = frontier.pop()
        if id(n) not in nodes:
            nodes[id(n)] = n
            frontier.extend(n.parents)
    waiting = {i: len({id(p) for p in n.parents}) for i, n in nodes.items()}
    children = {i: [] for i in nodes}
    for i, n in nodes.items():
        for pid in {id(p) for p in n.parents}:
            children[pid].append(i)
    ready = [i for i, k in waiting.items() if k == 0]
    order = []
    while ready:
        i = ready.pop()
        order.append(nodes[i])
        for c in children[i]:
            waiting[c] -= 1
            if waiting[c] == 0:
                ready.append(c)
    return order


def topo_no_seen(root):
    order = []

    def visit(v):
        for p in v.parents:
            visit(p)
        order.append(v)
    visit(root)
    return order


def topo_preorder(root):
    order, seen = [], set()

    def visit(v):
        if v not in seen:
            seen.add(v)
            order.append(v)
            for p in v.parents:
                visit(p)
    visit(root)
    return order


def topo_parents_only(root):
    return list(root.parents) + [root]


TOPO = Exercise("ex2_topo_order", ch09.check_topo_order, stub, wrong=[
    Wrong("no record of visited nodes", topo_no_seen, "appears"),
    Wrong("pre-order (node before its parents)", topo_preorder, "comes before its parent"),
    Wrong("reversed", lambda root: topo_iterative(root)[::-1], "comes before its parent"),
    Wrong("parents only", topo_parents_only, "missing"),
    Wrong("the root alone", lambda root: [root], "missing"),
    Wrong("not a list", lambda root: 3, "expected a list"),
    Wrong("the library's topological_order", lambda root: topological_order(root), "topological_order"),
    Wrong("the library's function itself", topological_order, "topological_order"),
], right=[topo_iterative, topo_kahn], name="topo_order", namespace=_namespace)


# -- exercise 3: classifier_grads --------------------------------------------------------------------
def _autodiff(hidden="sigmoid", scale=1.0, swap=False):
    def classifier_grads(X, T, W1, W2):
        W1t, W2t = Tensor(W1), Tensor(W2)
        h = Tensor(X) @ W1t
        h = {"sigmoid": h.sigmoid(), "tanh": h.tanh(), "none": h}[hidden]
        (h @ W2t).softmax_cross_entropy(T).backward()
        out = (W1t.grad * scale, W2t.grad * scale)
        return out[::-1] if swap else out
    return classifier_grads


def hand_formula(X, T, W1, W2):
    S = sigmoid(X @ W1)
    d2 = (softmax(S @ W2) - T) / len(X)
    d1 = (d2 @ W2.T) * S * (1 - S)
    return X.T @ d1, S.T @ d2


def fd_on_tensors(X, T, W1, W2):
    def loss(a, b):
        return ((Tensor(X) @ Tensor(a)).sigmoid() @ Tensor(b)).softmax_cross_entropy(T).item()
    W1, W2 = W1.copy(), W2.copy()
    g1 = bl.numerical_gradient(lambda _: loss(W1, W2), W1)
    g2 = bl.numerical_gradient(lambda _: loss(W1, W2), W2)
    return g1, g2


def fd_hand(X, T, W1, W2):
    def loss(a, b):
        z = sigmoid(X @ a) @ b
        return -np.sum(T * (z - np.log(np.exp(z).sum(axis=1, keepdims=True)))) / len(X)
    grads = []
    for which in (0, 1):
        W = (W1, W2)[which]
        g = np.zeros(W.shape)
        for idx in np.ndindex(W.shape):
            e = np.zeros(W.shape)
            e[idx] = 1e-5
            args_p = [W1, W2]
            args_m = [W1, W2]
            args_p[which], args_m[which] = W + e, W - e
            g[idx] = (loss(*args_p) - loss(*args_m)) / 2e-5
        grads.append(g)
    return tuple(grads)


def mlp_grads(X, T, W1, W2):
    net = bl.MLP([2, 3, 3], activation="sigmoid", output="softmax")
    net.layers[0].W, net.layers[1].W = W1.copy(), W2.copy()
    net.layers[0].b, net.layers[1].b = np.zeros(3), np.zeros(3)
    _, g = net.loss_and_grads(X, T.argmax(axis=1), loss="cross_entropy")
    return g[0]["W"], g[1]["W"]


def right_explicit_ops(X, T, W1, W2):
    W1t, W2t = Tensor(W1, label="W1"), Tensor(W2, label="W2")
    z1 = Tensor(X) @ W1t
    s = 1.0 / (1.0 + (-1.0 * z1).exp())
    loss = (s @ W2t).softmax_cross_entropy(T)
    loss.backward()
    return W1t.grad.copy(), W2t.grad.copy()


def right_zero_grad_twice(X, T, W1, W2):
    W1t, W2t = Tensor(W1), Tensor(W2)
    loss = ((Tensor(X) @ W1t).sigmoid() @ W2t).softmax_cross_entropy(T)
    loss.backward()
    loss.zero_grad()
    loss.backward()
    return np.array(W1t.grad), np.array(W2t.grad)


CLASSIFIER = Exercise("ex3_classifier_grads", ch09.check_classifier_grads, stub, wrong=[
    Wrong("summed, not averaged", lambda X, T, W1, W2: tuple(g * len(X) for g in _autodiff()(X, T, W1, W2)),
          "times too large"),
    Wrong("sign flipped", _autodiff(scale=-1.0), "sign is flipped"),
    Wrong("tanh hidden layer", _autodiff(hidden="tanh"), "differs from the classifier's"),
    Wrong("no hidden activation", _autodiff(hidden="none"), "differs from the classifier's"),
    Wrong("swapped", _autodiff(swap=True), "swapped"),
    Wrong("returns the Tensors", lambda X, T, W1, W2: (Tensor(W1), Tensor(W2)), "returned Tensors"),
    Wrong("a hand formula, no backward()", hand_formula, "never calls backward"),
    Wrong("MLP.loss_and_grads, no Tensor", mlp_grads, "never calls backward"),
    Wrong("numerical_gradient on Tensor losses", fd_on_tensors, "finite-difference"),
    Wrong("central differences by hand", fd_hand, "never calls backward"),
], right=[right_explicit_ops, right_zero_grad_twice], name="classifier_grads", namespace=_namespace)

EXERCISES = [SIN, TOPO, CLASSIFIER]


# -- exercise 4: dual_div (forward mode, section 5) ---------------------------------------------------
class Dual:
    """The chapter's Dual (section 5), enough for the exercise."""

    def __init__(self, val, dot=0.0):
        self.val, self.dot = np.asarray(val, dtype=float), np.asarray(dot, dtype=float)


def _check_div(fn, hidden=False):
    ch09.check_dual_div(fn, Dual, hidden=hidden)


def div_by_product_rule(u, w):
    inv = 1.0 / w.val
    return Dual(u.val * inv, u.dot * inv - u.val * w.dot * inv ** 2)


def div_quotient(u, w):
    return Dual(u.val / w.val, (u.dot * w.val - u.val * w.dot) / (w.val * w.val))


DIV = Exercise("ex4_dual_div", _check_div, stub, wrong=[
    Wrong("sign flipped", lambda u, w: Dual(u.val / w.val, (u.val * w.dot - u.dot * w.val) / w.val ** 2), "sign"),
    Wrong("divided by w, not w squared", lambda u, w: Dual(u.val / w.val, (u.dot * w.val - u.val * w.dot) / w.val),
          "instead of by w squared"),
    Wrong("w's tangent ignored", lambda u, w: Dual(u.val / w.val, u.dot / w.val), "ignores w's own tangent"),
    Wrong("terms added", lambda u, w: Dual(u.val / w.val, (u.dot * w.val + u.val * w.dot) / w.val ** 2), "added"),
    Wrong("returns a tuple", lambda u, w: (u.val / w.val, (u.dot * w.val - u.val * w.dot) / w.val ** 2), "not a Dual"),
    Wrong("value multiplied", lambda u, w: Dual(u.val * w.val, (u.dot * w.val - u.val * w.dot) / w.val ** 2),
          "quotient rule"),
], right=[div_by_product_rule, div_quotient], name="dual_div",
    namespace=lambda: {"np": np, "bl": bl, "Dual": Dual})


# -- exercise 5: jvp_two_layer ------------------------------------------------------------------------
def jvp_one_line(X, W1, W2, X_dot):
    A1 = np.tanh(X @ W1)
    return A1 @ W2, (X_dot @ W1 / np.cosh(X @ W1) ** 2) @ W2


def jvp_by_dual(X, W1, W2, X_dot):
    Z1, Z1_dot = X @ W1, X_dot @ W1
    A1 = np.tanh(Z1)
    return A1 @ W2, np.einsum("nh,hm->nm", (1 - A1 * A1) * Z1_dot, W2)


def jvp_finite_differences(X, W1, W2, X_dot, h=1e-6):
    f = lambda X_: np.tanh(X_ @ W1) @ W2
    return f(X), (f(X + h * X_dot) - f(X - h * X_dot)) / (2 * h)


JVP = Exercise("ex5_jvp_two_layer", ch09.check_jvp_two_layer, stub, wrong=[
    Wrong("no tanh' factor", lambda X, W1, W2, Xd: (np.tanh(X @ W1) @ W2, (Xd @ W1) @ W2), "tanh step is missing"),
    Wrong("1 - Z1**2", lambda X, W1, W2, Xd: (np.tanh(X @ W1) @ W2, ((1 - (X @ W1) ** 2) * (Xd @ W1)) @ W2), "1 - Z1**2"),
    Wrong("multiplied by A1", lambda X, W1, W2, Xd: (np.tanh(X @ W1) @ W2, (np.tanh(X @ W1) * (Xd @ W1)) @ W2),
          "not A1"),
    Wrong("W2 step missing", lambda X, W1, W2, Xd: (np.tanh(X @ W1) @ W2, (1 - np.tanh(X @ W1) ** 2) * (Xd @ W1)),
          "last step is missing"),
    Wrong("finite differences", jvp_finite_differences, "numerical estimate"),
    Wrong("only the tangent", lambda X, W1, W2, Xd: ((1 - np.tanh(X @ W1) ** 2) * (Xd @ W1)) @ W2, "form"),
], right=[jvp_one_line, jvp_by_dual], name="jvp_two_layer")

EXERCISES += [DIV, JVP]

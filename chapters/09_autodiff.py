# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Chapter 9 · Automatic differentiation
#
# [![Open in Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/backprop-course/backprop-course/HEAD?urlpath=lab/tree/chapters/09_autodiff.ipynb)
#
# Every chapter so far has paid for its gradients by hand: the sigmoid's derivative in chapter 2, the
# deltas in chapter 4, the affine layer's three formulas in chapter 5, softmax with cross-entropy in
# chapter 6, the flipped kernel in chapter 8. Each new layer meant a new derivation, new code and a
# new gradient check. Yet every derivation used the same two ingredients: each elementary operation's
# *local* derivative, and the chain rule to string them together. A computer can do that bookkeeping.
#
# **Automatic differentiation** does it: record the operations as a graph while computing the forward
# pass, then walk that graph backwards applying the chain rule node by node. This is what PyTorch's
# `loss.backward()` and JAX's `grad` do. In this chapter we build it, twice: for single numbers, in one
# short class and one function, then for numpy arrays, and check that it finds exactly the gradients we
# derived by hand. Then we run the chain rule the other way, forwards, with dual numbers.
#
# **In this chapter you will**
# - compare four ways of getting a derivative: by hand, symbolically, numerically, automatically;
# - build a reverse-mode autodiff engine for numbers (`Value`) and see why it needs a topological order
#   and why gradients *add up* where a value is used twice;
# - use its array version `backprop_lib.autodiff.Tensor` to reproduce the gradients of chapters 1 and
#   4-6: $(x+1)^2$ at $x = 2$, one sigmoid neuron, and two-layer networks against `MLP.loss_and_grads`;
# - build forward mode with dual numbers, check it against reverse mode and central differences, and
#   count and time what each mode costs for a Jacobian: why one loss and many parameters call for
#   reverse mode;
# - step through the backward pass of an expression one node at a time.

# %%
# %matplotlib inline
import inspect

import numpy as np

import backprop_lib as bl
from backprop_lib.autodiff import Tensor, topological_order, unbroadcast
from backprop_lib.timing import best_time
from backprop_lib.widgets import AutodiffView

np.set_printoptions(precision=4, suppress=True)
OOPS = "If this fails, the course is at fault, not you: please report it."   # ends every assert message

# %% [markdown]
# ## 1. Four ways to a derivative
#
# | method | how | exact? | cost for $n$ parameters |
# |---|---|---|---|
# | by hand | derive $\partial L/\partial w$ on paper, code the formula | yes, if you made no mistake | your time, for every new model |
# | symbolic | a computer-algebra system differentiates the formula | yes | expressions can grow enormously ("expression swell") |
# | numerical | $(L(w + h) - L(w - h))/2h$ per parameter (chapter 4) | no: truncation and round-off error | $2n$ evaluations of $L$ |
# | **automatic** | apply each operation's local derivative to *numbers*, by the chain rule | yes, to rounding | a small multiple of one evaluation of $L$ |
#
# Automatic differentiation is neither symbolic nor numerical. It never builds a formula for the
# derivative, and it never takes a finite step $h$: it works with the values of one particular
# evaluation and with the exact local derivative of each operation. Back-propagation is its
# reverse mode, applied to a neural network.
#
# ## 2. The graph and the rule
#
# Take chapter 4's chain-rule example, $f(x) = x^2 + 2x + 1 = (x+1)^2$ at $x = 2$.
# Computing it in steps gives a **computational graph**: $x \to y = x + 1 \to f = y^2$. The forward
# pass fills in the values, $y = 3$ and $f = 9$. The backward pass starts from $\partial f/\partial f = 1$
# and moves one edge at a time, multiplying by the local derivative of the operation it crosses:
#
# $$ \frac{\partial f}{\partial y} = 2y \cdot 1 = 6, \qquad
# \frac{\partial f}{\partial x} = \frac{\partial y}{\partial x}\,\frac{\partial f}{\partial y} = 1 \cdot 6 = 6, $$
#
# the same 6 as the direct derivative $2(x+1) = 6$. In a general graph a value $v$ may feed several
# operations (its *children* $c$), and its gradient collects a share from each:
#
# $$ \frac{\partial L}{\partial v} = \sum_{c \,\in\, \text{children}(v)} \frac{\partial c}{\partial v}\,\frac{\partial L}{\partial c}. $$
#
# This is Bishop's $\delta_j = h'(a_j)\sum_k w_{kj}\delta_k$ from chapter 4 in its most general form.
# Two consequences shape the code:
#
# 1. $\partial L/\partial v$ is complete only after *all* of $v$'s children have sent their share. So we
#    process the nodes in **reverse topological order**: every node after all the nodes that use it.
# 2. Each node *adds* its share into its parents' gradients (`grad +=`), because a parent may receive
#    several.
#
# Each operation needs to know only its own local derivatives:
#
# | operation $c$ | $\partial c / \partial a$ | $\partial c / \partial b$ |
# |---|---|---|
# | $a + b$ | $1$ | $1$ |
# | $a \cdot b$ | $b$ | $a$ |
# | $a^p$ ($p$ a constant) | $p\,a^{p-1}$ | |
# | $\sigma(a)$ | $c(1 - c)$, reusing the forward value | |
# | $\tanh(a)$ | $1 - c^2$ | |
# | $e^a$, $\log a$ | $c$, $1/a$ | |
#
# ## 3. An autodiff engine for numbers
#
# A `Value` holds a number, its gradient, the values it was computed from, and a small function
# `_backward` that sends its gradient on to them. Each operation creates the output `Value` and
# attaches that function. (This is Andrej Karpathy's *micrograd* design, cut down to what we need.)

# %%
class Value:
    """A number that remembers how it was computed."""

    def __init__(self, data, parents=(), op=""):
        self.data, self.grad = float(data), 0.0
        self.parents, self.op = parents, op
        self._backward = lambda: None           # a leaf has nothing to pass on

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")
        def _backward():
            self.grad += 1.0 * out.grad          # d(a + b)/da = 1
            other.grad += 1.0 * out.grad         # d(a + b)/db = 1
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")
        def _backward():
            self.grad += other.data * out.grad   # d(a b)/da = b
            other.grad += self.data * out.grad   # d(a b)/db = a
        out._backward = _backward
        return out

    def __pow__(self, p):
        out = Value(self.data ** p, (self,), f"**{p}")
        def _backward():
            self.grad += p * self.data ** (p - 1) * out.grad
        out._backward = _backward
        return out

    def sigmoid(self):
        s = float(bl.sigmoid(self.data))
        out = Value(s, (self,), "sigmoid")
        def _backward():
            self.grad += s * (1 - s) * out.grad  # chapter 2: sigma' = sigma (1 - sigma)
        out._backward = _backward
        return out

    __radd__, __rmul__ = __add__, __mul__        # so that 1 + x and 2 * x work too


# %% [markdown]
# The backward pass: sort the graph so that every node comes after its parents (a depth-first
# search that appends a node once all its parents are in), set $\partial L/\partial L = 1$, and call
# the `_backward` functions from the output back to the leaves.

# %%
def backward(self):
    order, seen = [], set()

    def visit(v):
        if v not in seen:
            seen.add(v)
            for p in v.parents:
                visit(p)
            order.append(v)                      # after all of its parents

    visit(self)
    self.grad = 1.0
    for v in reversed(order):                    # output first, leaves last
        v._backward()


Value.backward = backward

x = Value(2.0)
f = (x + 1) ** 2
f.backward()
print(f"f = {f.data},  df/dx by autodiff = {x.grad},  by the formula 2(x+1) = {2 * (2.0 + 1)}")
assert f.data == 9.0 and x.grad == 6.0, f"expected f = 9 and df/dx = 6. {OOPS}"

# %% [markdown]
# And against central differences, on something less tidy, a sigmoid neuron with two inputs:

# %%
def neuron_loss(x1, x2, w1, w2, b):
    return 0.5 * ((w1 * x1 + w2 * x2 + b).sigmoid() + (-1.0)) ** 2     # C = 1/2 (a - 1)^2


leaves = [Value(v) for v in (1.0, 2.0, 0.5, -1.0, 0.1)]
neuron_loss(*leaves).backward()
numeric = bl.numerical_gradient(lambda v: neuron_loss(*map(Value, v)).data, np.array([1.0, 2.0, 0.5, -1.0, 0.1]))
autodiff = np.array([v.grad for v in leaves])
print("autodiff:   ", autodiff, "\nnumerical:  ", numeric)
print("relative error (should be below 1e-7):", bl.rel_error(autodiff, numeric))
assert bl.rel_error(autodiff, numeric) < 1e-7, f"expected autodiff within 1e-7 of central differences. {OOPS}"

# %% [markdown]
# > ⚠️ **Common pitfall: `grad =` instead of `grad +=`.** In $f = x \cdot x$ the value $x$ is used
# > twice, so the multiplication node sends it two shares, $x \cdot 1$ and $x \cdot 1$, and
# > $\partial f/\partial x = 2x$. An engine that *assigns* the gradient keeps only the last share and
# > returns $x$: silently wrong by a factor of 2, with no error anywhere. The same happens whenever
# > a weight is shared, as the kernel of chapter 8 is shared by every position. And because gradients
# > accumulate, an engine that is called twice must reset them in between (PyTorch's `zero_grad()`).

# %%
x = Value(3.0)
(x * x).backward()
print("d(x*x)/dx at 3:", x.grad)
assert x.grad == 6.0, f"expected the gradient 6. {OOPS}"

# %% [markdown]
# ## 4. Arrays: the same engine, numpy inside
#
# Networks work on arrays. `backprop_lib.autodiff.Tensor` is the same idea with a numpy array in
# `data` and in `grad` (with `@`, `sum`, `mean`, `exp`, `log`, `sigmoid`, `tanh`, `relu` and
# `softmax_cross_entropy`). Two things are new.
#
# **Matrix products.** For $C = AB$ with upstream gradient $G = \partial L/\partial C$, the local
# rule is $\partial L/\partial A = G B^\top$ and $\partial L/\partial B = A^\top G$: chapter 5's
# affine backward ($\partial L/\partial X = \partial L/\partial Y\,W^\top$,
# $\partial L/\partial W = X^\top \partial L/\partial Y$), written once, for every `@` in any model:

# %%
print(inspect.getsource(Tensor.__matmul__))

# %% [markdown]
# **Broadcasting.** In `X @ W + b` the bias of shape $(n_{\text{out}},)$ is added to every row.
# Numpy copies it along the rows, so in the backward pass its gradient must be **summed** back over
# them: `unbroadcast` does that, and this is where chapter 5's "$\partial L/\partial b$ is the sum of
# $\delta$ over the rows" comes from. Its rule: first sum over the leading axes that broadcasting added
# (a shape $(2,)$ used as $(3, 2)$ gained an axis in front), then over every axis where the original
# had length 1 (a shape $(3, 1)$ used as $(3, 2)$ was copied along its second axis), keeping that axis:

# %%
print(inspect.getsource(unbroadcast))
G = np.arange(6.0).reshape(3, 2)                  # an upstream gradient for Z = X @ W + b, 3 rows, 2 outputs
print("to shape (2,), a bias:   ", unbroadcast(G, (2,)), "  = the sums over the rows", G.sum(axis=0))
print("to shape (3, 1), a column:", unbroadcast(G, (3, 1)).ravel(), "  = the sums over each row", G.sum(axis=1))
# checked: for L = sum(G * (A + b)) the gradient with respect to b, by Tensor.backward() and by central differences
A_mat, b_vec = np.ones((3, 2)), np.array([0.5, -1.0])
b_t = Tensor(b_vec)
((Tensor(A_mat) + b_t) * G).sum().backward()
numeric = bl.numerical_gradient(lambda b_: np.sum(G * (A_mat + b_)), b_vec.copy())
print(f"dL/db by backward(): {b_t.grad},  relative error against central differences {bl.rel_error(b_t.grad, numeric):.0e}")
assert np.array_equal(unbroadcast(G, (2,)), G.sum(axis=0)) and np.array_equal(unbroadcast(G, (3, 1)), G.sum(axis=1, keepdims=True)), \
    f"expected unbroadcast to sum over the broadcast axes. {OOPS}"
assert bl.rel_error(b_t.grad, numeric) < 1e-7, f"expected the bias gradient within 1e-7 of central differences. {OOPS}"

# %% [markdown]
# From here on we use `Tensor`. First the two small examples again: $(x+1)^2$ at 2, and one sigmoid
# neuron against chapter 1's formula $\partial C/\partial w_i = x_i\,a(1-a)(a-y)$.

# %%
x = Tensor(2.0)
f = (x + 1) ** 2
f.backward()
print("(x+1)^2 at x=2: df/dx =", x.grad)
assert x.grad == 6.0, f"expected the gradient 6. {OOPS}"

x_in, y_target = np.array([1.0, 2.0]), 1.0
w, b = Tensor([0.5, -1.0]), Tensor(0.1)
a = ((w * x_in).sum() + b).sigmoid()
C = 0.5 * (a - y_target) ** 2
C.backward()
a_val = a.item()
by_formula = x_in * a_val * (1 - a_val) * (a_val - y_target)       # chapter 1
print("dC/dw autodiff:", w.grad, "  chapter 1's formula:", by_formula, "  dC/db:", b.grad)
print("relative error (should be below 1e-7):", bl.rel_error(w.grad, by_formula))
assert bl.rel_error(w.grad, by_formula) < 1e-7, f"expected dC/dw to match chapter 1's formula. {OOPS}"
assert bl.rel_error(b.grad, a_val * (1 - a_val) * (a_val - y_target)) < 1e-7, f"expected dC/db to match chapter 1's formula. {OOPS}"

# %% [markdown]
# ### Two-layer networks: autodiff against the hand-written backward pass
#
# Now the real test. `bl.MLP.loss_and_grads` is chapter 5's hand-written backward pass (output delta,
# hidden deltas, $dW = A_{\text{prev}}^\top\delta$, $db = \sum_{\text{rows}}\delta$). We copy a network's
# weights into Tensors, write only its *forward* pass, call `backward()` and compare every gradient.
# The first network is the worked example of chapter 4: a two-layer network with linear outputs
# and the sum-of-squares error $E_n = \tfrac12\sum_k (y_k - t_k)^2$ (averaged over the batch, as
# `loss="mse"` does).

# %%
def autodiff_grads(net, X, T, loss):
    """Forward pass of a bl.MLP with Tensors; returns (L, [{"W": dW, "b": db}, ...]) from backward()."""
    params = [{k: Tensor(layer.params[k]) for k in ("W", "b")} for layer in net.layers]
    a = Tensor(X)
    for i, p in enumerate(params):
        z = a @ p["W"] + p["b"]
        last = i == len(params) - 1
        a = z if last else getattr(z, net.activation)()        # hidden: sigmoid / tanh / relu
    if loss == "mse":                                          # output "identity": a = z
        L = ((a - T) ** 2).sum() * (0.5 / len(X))
    else:                                                      # output "softmax": a = z are the logits
        L = a.softmax_cross_entropy(T)
    L.backward()
    return L.item(), [{k: p[k].grad for k in p} for p in params]


def compare(net, X, T, loss):
    value, by_hand = net.loss_and_grads(X, T, loss=loss)
    L, auto = autodiff_grads(net, X, T, loss)
    errors = [bl.rel_error(auto[i][k], by_hand[i][k]) for i in range(len(auto)) for k in ("W", "b")]
    numeric = bl.numerical_gradient(lambda _: net.loss(X, T, loss=loss), net.layers[0].params["W"])
    return abs(L - value), max(errors), bl.rel_error(auto[0]["W"], numeric)


rng = np.random.default_rng(1)
X = rng.normal(size=(8, 2))
T_reg = rng.normal(size=(8, 2))
net_mse = bl.MLP([2, 3, 2], activation="tanh", output="identity", seed=1)
for layer in net_mse.layers:
    layer.b = rng.normal(0, 0.5, size=layer.n_out)          # non-zero biases, so db is tested too
dL, err, err_num = compare(net_mse, X, T_reg, "mse")
print(f"tanh hidden, linear output, mse:  |L diff| = {dL:.1e}, max rel error vs hand-written = {err:.1e}, "
      f"dW1 vs central differences = {err_num:.1e}   (should be below 1e-7)")
assert dL < 1e-12 and err < 1e-7 and err_num < 1e-7, f"expected the same loss, the hand-written gradients and central differences to agree. {OOPS}"

# %% [markdown]
# > ⚠️ **Common mistake: which hidden units?** This worked example is often described with *sigmoidal*
# > hidden units, while the version in Bishop's books uses $h(a) = \tanh(a)$. Either works,
# > as long as the backward pass uses the matching derivative: $\sigma(1-\sigma)$ for the sigmoid,
# > $1 - \tanh^2$ for tanh. Above we used tanh, as Bishop does; here is the sigmoid version, and the
# > same check passes.

# %%
net_sig = bl.MLP([2, 3, 2], activation="sigmoid", output="identity", seed=1)
dL, err, err_num = compare(net_sig, X, T_reg, "mse")
print(f"sigmoid hidden, linear output, mse: max rel error {err:.1e}, vs central differences {err_num:.1e}")
assert err < 1e-7 and err_num < 1e-7, f"expected the hand-written gradients and central differences to agree. {OOPS}"

# %% [markdown]
# And chapter 6's classifier: two inputs, three sigmoid hidden units, three softmax outputs
# with cross-entropy (here with biases), whose gradient chapter 6 worked out term by term:

# %%
y_cls = rng.integers(0, 3, size=8)
net_ce = bl.MLP([2, 3, 3], activation="sigmoid", output="softmax", seed=2)
for layer in net_ce.layers:
    layer.b = rng.normal(0, 0.5, size=layer.n_out)
dL, err, err_num = compare(net_ce, X, y_cls, "cross_entropy")
print(f"sigmoid hidden, softmax + cross-entropy: |L diff| = {dL:.1e}, max rel error = {err:.1e}, "
      f"vs central differences = {err_num:.1e}")
assert dL < 1e-12 and err < 1e-7 and err_num < 1e-7, f"expected the same loss, the hand-written gradients and central differences to agree. {OOPS}"

# %% [markdown]
# The relative errors against the hand-written passes print as 0: the two agree to the last bit,
# because the engine ends up doing the very same multiplications in the same order.
# The engine knew nothing about deltas, layers or softmax Jacobians. It applied local derivatives in
# reverse topological order, and that *is* back-propagation: the hand-written backward passes of
# chapters 4-6 are this algorithm, unrolled by hand for one particular graph.
#
# ## 5. Forward mode, in code: dual numbers
#
# The chain rule can also run from the inputs forwards. **Forward mode** carries, next to every value
# $v$, its **tangent** $\dot v = \partial v/\partial x$: how fast $v$ changes when one chosen input $x$
# moves (or, more generally, when the inputs move along a chosen direction). Each operation updates both
# at once, with the same local derivatives as before, multiplied the other way round:
#
# | operation $c$ | value | tangent $\dot c$ |
# |---|---|---|
# | $a + b$ | $a + b$ | $\dot a + \dot b$ |
# | $a \cdot b$ | $a b$ | $\dot a\, b + a\, \dot b$ |
# | $a^p$ | $a^p$ | $p\,a^{p-1}\,\dot a$ |
# | $\sigma(a)$ | $s = \sigma(a)$ | $s(1-s)\,\dot a$ |
# | $\tanh(a)$ | $t = \tanh(a)$ | $(1 - t^2)\,\dot a$ |
# | $A B$ (matrices) | $A B$ | $\dot A\, B + A\, \dot B$ |
#
# A pair $(v, \dot v)$ is called a **dual number**, often written $v + \dot v\,\varepsilon$ with the
# rule $\varepsilon^2 = 0$. The rule is the whole trick: multiplying out
# $(a + \dot a\varepsilon)(b + \dot b\varepsilon) = ab + (\dot a b + a \dot b)\varepsilon + \dot a \dot b\,\varepsilon^2$
# and dropping $\varepsilon^2$ gives exactly the product rule of the table, and for any smooth $f$ the
# Taylor series stops after its first term, $f(a + \dot a\varepsilon) = f(a) + f'(a)\,\dot a\,\varepsilon$.
# Start with $\dot x = 1$ on the input you differentiate by (and $\dot{}= 0$ on the others), compute as
# usual, and the output's tangent is the derivative: exact, with no step $h$ and no graph to store.
#
# A `Dual` for numbers and numpy arrays, with the operations that `neuron_loss` above uses, so the very
# same Python function runs on it:

# %%
class Dual:
    """A value and its tangent (numbers or arrays of one shape): forward-mode automatic differentiation."""

    def __init__(self, val, dot=0.0):
        self.val, self.dot = np.asarray(val, dtype=float), np.asarray(dot, dtype=float)

    @staticmethod
    def lift(other):                             # a constant has tangent 0
        return other if isinstance(other, Dual) else Dual(other, np.zeros(np.shape(other)))

    def __add__(self, other):
        other = Dual.lift(other)
        return Dual(self.val + other.val, self.dot + other.dot)

    def __mul__(self, other):
        other = Dual.lift(other)
        return Dual(self.val * other.val, self.dot * other.val + self.val * other.dot)   # product rule

    def __pow__(self, p):
        return Dual(self.val ** p, p * self.val ** (p - 1) * self.dot)

    def __matmul__(self, other):
        other = Dual.lift(other)
        return Dual(self.val @ other.val, self.dot @ other.val + self.val @ other.dot)

    def sigmoid(self):
        s = bl.sigmoid(self.val)
        return Dual(s, s * (1 - s) * self.dot)

    def tanh(self):
        t = np.tanh(self.val)
        return Dual(t, (1 - t ** 2) * self.dot)

    __radd__, __rmul__ = __add__, __mul__


x = Dual(2.0, 1.0)                               # x = 2, and dx/dx = 1
f = (x + 1) ** 2
print(f"f = {f.val}, df/dx by forward mode = {f.dot}")
assert f.val == 9.0 and f.dot == 6.0, f"expected f = 9 and df/dx = 6. {OOPS}"

# %% [markdown]
# One forward pass gives the derivative with respect to **one** input. For the gradient of
# `neuron_loss` with respect to its five inputs, forward mode needs five passes, each with $\dot{} = 1$
# on a different input; reverse mode (the `Value` engine above) needed one backward pass. Both must
# agree with each other and with central differences:

# %%
point = np.array([1.0, 2.0, 0.5, -1.0, 0.1])
forward = np.array([neuron_loss(*[Dual(v, 1.0 if i == k else 0.0) for i, v in enumerate(point)]).dot
                    for k in range(5)])                           # five passes, one per input
leaves = [Value(v) for v in point]
neuron_loss(*leaves).backward()                                   # one backward pass
reverse = np.array([v.grad for v in leaves])
numeric = bl.numerical_gradient(lambda v: neuron_loss(*map(Value, v)).data, point.copy())
print("forward mode (5 passes):", forward, "\nreverse mode (1 pass):  ", reverse)
print(f"forward vs reverse: relative error {bl.rel_error(forward, reverse):.1e};  forward vs central differences: "
      f"{bl.rel_error(forward, numeric):.1e}  (should be below 1e-7)")
assert bl.rel_error(forward, reverse) < 1e-12 and bl.rel_error(forward, numeric) < 1e-7, \
    f"expected forward and reverse mode to agree to round-off, and with central differences to 1e-7. {OOPS}"

# %% [markdown]
# ### JVP and VJP: what one pass computes, and what it costs
#
# For a function $f: \mathbb R^n \to \mathbb R^m$ collect all first derivatives in the **Jacobian**
# $J$, the $m \times n$ matrix with $J_{ij} = \partial f_i/\partial x_j$.
#
# - One forward-mode pass started with tangent $\dot x = v$ (a vector of $n$ numbers) ends with
#   $\dot f = J v$: a **Jacobian-vector product** (JVP). With $v$ the $j$-th unit vector it is column $j$
#   of $J$. The whole Jacobian takes $n$ passes.
# - One reverse-mode pass started with $\partial L/\partial f = u$ (instead of 1: think of
#   $L = u^\top f$) ends with $\partial L/\partial x = u^\top J$: a **vector-Jacobian product** (VJP), one
#   row of $J$ for a unit vector $u$. The whole Jacobian takes $m$ passes.
#
# Back-propagation is the case $m = 1$ (one loss): one VJP gives the whole gradient, while forward mode
# would need $n$ passes, one per parameter, just as central differences need $2n$ evaluations of the
# loss. Reverse mode's price is memory: it keeps every forward value until the backward pass has used
# it, while forward mode can forget each value once the next one is computed. We count and time both on
# $f(x) = \tanh(x A)\,B$ ($x$ a row of $n$ numbers, $A$ of shape $(n, 32)$, $B$ of shape $(32, m)$), once
# with many inputs and one output, once the other way round. The VJP uses `Tensor` from section 4.

# %%
def f_layers(x, A, B):
    return (x @ A).tanh() @ B                     # the same code runs on Dual and on Tensor


def jvp(x, v, A, B):
    """J v: one forward-mode pass."""
    return f_layers(Dual(x[None], v[None]), A, B).dot[0]


def vjp(x, u, A, B):
    """u^T J: one reverse-mode pass."""
    xt = Tensor(x[None])
    (f_layers(xt, Tensor(A), Tensor(B)) * u[None]).sum().backward()
    return xt.grad[0]


rng_j = np.random.default_rng(3)
results = {}
for n, m in ((64, 1), (1, 64)):
    x0, A, B = rng_j.normal(size=n), rng_j.normal(size=(n, 32)) / np.sqrt(n), rng_j.normal(size=(32, m)) / np.sqrt(32)
    by_jvp = lambda: np.column_stack([jvp(x0, e, A, B) for e in np.eye(n)])   # n passes
    by_vjp = lambda: np.vstack([vjp(x0, e, A, B) for e in np.eye(m)])         # m passes
    J_fwd, J_rev = by_jvp(), by_vjp()
    f_plain = lambda x: (np.tanh(x[None] @ A) @ B)[0]            # plain numpy, for central differences
    J_num = np.column_stack([(f_plain(x0 + 1e-5 * e) - f_plain(x0 - 1e-5 * e)) / 2e-5 for e in np.eye(n)])
    t_fwd, t_rev = best_time(by_jvp), best_time(by_vjp)
    results[n, m] = (t_fwd, t_rev)
    print(f"n = {n:3d} inputs, m = {m:3d} outputs: forward mode {n:3d} passes {1000 * t_fwd:6.2f} ms, "
          f"reverse mode {m:3d} passes {1000 * t_rev:6.2f} ms;  J forward vs reverse {bl.rel_error(J_fwd, J_rev):.0e}, "
          f"vs central differences {bl.rel_error(J_fwd, J_num):.0e}")
    assert J_fwd.shape == J_rev.shape == (m, n), f"expected Jacobians of shape (m, n). {OOPS}"
    assert bl.rel_error(J_fwd, J_rev) < 1e-12 and bl.rel_error(J_fwd, J_num) < 1e-7, \
        f"expected both modes to give the same Jacobian, within 1e-7 of central differences. {OOPS}"
assert results[64, 1][0] > 3 * results[64, 1][1] and results[1, 64][1] > 3 * results[1, 64][0], \
    f"expected the mode with 64 times fewer passes to be at least 3 times faster. {OOPS}"


# %% [markdown]
# ## 6. Try it: watch the gradients flow back
#
# Pick an expression, set its inputs, and walk the backward pass with the **backward step** slider
# (or **Play**). Blue numbers above the nodes are forward values; red numbers below are gradients
# $\partial(\text{output})/\partial(\text{node})$, shown once the backward pass has reached the node. The
# node being processed is ringed in red, the edges to its parents are labelled with the local
# derivative that multiplies its gradient, and the caption spells out the multiplication.
#
# The expression is built with `Tensor`; the graph is drawn with `backprop_lib.plots.GraphPlot` (chapter 4's
# drawing) and replayed step by step, and the status line checks that the replay ends with exactly
# the gradients `Tensor.backward()` found.
#
# - **(x + 1)²** at $x = 2$: chapter 4's 6, in three steps.
# - **x used twice**: $x$ gets two shares, one through each edge; watch $\partial f/\partial x$ grow.
# - **ReLU gate**: move $w$ or $b$ until $w x + b < 0$: the ReLU's local derivative is 0 and every
#   gradient behind it vanishes: a "dead" ReLU unit, in one node.

# %%
view = AutodiffView(expression="(x + 1)²", x=2.0)
view

# %%
# The widget's state before you touch it (what a headless run shows): the complete backward pass.
print(f"f = {view.output.item()}: Tensor.backward() gives {view.grads}, the replayed graph {view.replay_grads}")
assert view.grads == {"x": 6.0} and view.replay_grads == {"x": 6.0}, f"expected the view's gradient 6 both ways. {OOPS}"
assert view.step.value == view.step.max == 3, f"expected the view to show the complete backward pass (3 steps). {OOPS}"

# %% [markdown]
# ## Exercises
#
# Each exercise has a cell for your code and a check cell below it. The check runs your code on
# several inputs and tells you which one went wrong, what it expected and what it got.
#
# In this copy of the course the solution is already in the code cell, **collapsed**: the cell shows
# only "…". Try first: write your own version in a new cell (or replace the collapsed code), run the
# check, and only then expand the solution (click the "…" or the blue bar left of the cell).
#
# ### Exercise 1 · One more operation (2 points)
#
# Give the engine a new operation: write `sin(t)` that takes a `Tensor` and returns a new `Tensor`
# holding $\sin$ of its data, with parents `(t,)` and a `_backward` function that adds the local
# derivative times the upstream gradient, $\cos(t)\cdot$ `out.grad`, into `t.grad`. Follow the
# pattern of `Value.sigmoid` above (`Tensor(data, parents=(t,), op="sin")` creates the output).
# The check also uses your `sin` on an input that appears twice in an expression.

# %% nbgrader={"grade": false, "grade_id": "ex1_sin", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def sin(t):
    """sin(t) as an autodiff operation: forward np.sin, backward cos(t) * upstream."""
    ### BEGIN SOLUTION
    out = Tensor(np.sin(t.data), parents=(t,), op="sin")

    def _backward():
        t.grad += np.cos(t.data) * out.grad

    out._backward = _backward
    return out
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from backprop_lib.checks import ch09

ch09.check_sin(sin)
### BEGIN HIDDEN TESTS
ch09.check_sin(sin, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 · The topological order (1 point)
#
# Write `topo_order(root)` that returns a list of every `Tensor` that `root` depends on (including
# `root`), each exactly once, with every node after all of its parents (`node.parents`). A node used
# twice must still appear once. Write it yourself rather than calling `topological_order`.

# %% nbgrader={"grade": false, "grade_id": "ex2_topo_order", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def topo_order(root):
    """Every Tensor root depends on, once each, parents before children."""
    ### BEGIN SOLUTION
    order, seen = [], set()

    def visit(v):
        if v not in seen:
            seen.add(v)
            for p in v.parents:
                visit(p)
            order.append(v)

    visit(root)
    return order
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ch09.check_topo_order(topo_order)
### BEGIN HIDDEN TESTS
ch09.check_topo_order(topo_order, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 · Verify a gradient: chapter 6's classifier without biases (2 points)
#
# Take chapter 6's small classifier and drop its biases: $Z_1 = X W_1$, $S = \sigma(Z_1)$,
# $Z_2 = S W_2$, and the mean softmax cross-entropy of $Z_2$ against one-hot targets $T$. Write
# `classifier_grads(X, T, W1, W2)` that returns `(dL_dW1, dL_dW2)` as numpy arrays, computed with
# `Tensor` and `backward()`: write only the forward pass. The check compares your answer with the
# hand-written backward pass of chapters 5 and 6, and makes sure the gradients are the ones
# `backward()` left in your weight Tensors (a formula by hand, or finite differences, fails).

# %% nbgrader={"grade": false, "grade_id": "ex3_classifier_grads", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def classifier_grads(X, T, W1, W2):
    """(dL/dW1, dL/dW2) for L = mean softmax cross-entropy of sigmoid(X W1) W2 against T, by autodiff."""
    ### BEGIN SOLUTION
    W1, W2 = Tensor(W1), Tensor(W2)
    L = ((Tensor(X) @ W1).sigmoid() @ W2).softmax_cross_entropy(T)
    L.backward()
    return W1.grad, W2.grad
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ch09.check_classifier_grads(classifier_grads)
### BEGIN HIDDEN TESTS
ch09.check_classifier_grads(classifier_grads, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4 · Forward mode: the quotient rule (1 point)
#
# Give forward mode division: write `dual_div(u, w)` that takes two `Dual`s and returns the `Dual` of
# $u / w$, its value and its tangent. Derive the tangent from section 5's rules (the product rule applied
# to $u = (u/w)\cdot w$ is one way). The check runs it on numbers and on arrays, with and without
# tangents on each side, and compares with the exact rule.

# %% nbgrader={"grade": false, "grade_id": "ex4_dual_div", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def dual_div(u, w):
    """The Dual of u / w for two Duals u and w."""
    ### BEGIN SOLUTION
    q = u.val / w.val
    return Dual(q, (u.dot - q * w.dot) / w.val)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ch09.check_dual_div(dual_div, Dual)
### BEGIN HIDDEN TESTS
ch09.check_dual_div(dual_div, Dual, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 5 · A Jacobian-vector product through two layers (2 points)
#
# For $Z_2 = \tanh(X W_1)\, W_2$ (a batch $X$ of shape $(N, D)$, $W_1$ of shape $(D, H)$, $W_2$ of shape
# $(H, M)$) and a tangent $\dot X$ of $X$'s shape, write `jvp_two_layer(X, W1, W2, X_dot)` that returns
# `(Z2, Z2_dot)`: the output and its tangent $\dot Z_2$, the JVP of section 5, computed with numpy arrays
# and the tangent rules (no `Dual` needed, and no finite differences: the check wants the exact tangent).

# %% nbgrader={"grade": false, "grade_id": "ex5_jvp_two_layer", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def jvp_two_layer(X, W1, W2, X_dot):
    """(Z2, dZ2) for Z2 = tanh(X W1) W2 and the tangent X_dot of X, by forward mode."""
    ### BEGIN SOLUTION
    Z1, Z1_dot = X @ W1, X_dot @ W1
    A1 = np.tanh(Z1)
    A1_dot = (1.0 - A1 ** 2) * Z1_dot
    return A1 @ W2, A1_dot @ W2
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ch09.check_jvp_two_layer(jvp_two_layer)
### BEGIN HIDDEN TESTS
ch09.check_jvp_two_layer(jvp_two_layer, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# In this chapter we
# - saw that automatic differentiation is neither symbolic nor numerical: it applies each operation's
#   exact local derivative to the numbers of one forward pass, by the chain rule;
# - built a reverse-mode engine for numbers, one class and one function: every operation records its parents
#   and a `_backward` function, `backward()` visits the graph in reverse topological order, and
#   gradients are *added* (`+=`) because a value can be used more than once;
# - used its array version, `backprop_lib.autodiff.Tensor`, to reproduce the course's hand-written
#   gradients exactly: 6 for $(x+1)^2$ at $x = 2$, chapter 1's neuron, and two-layer networks with
#   sum-of-squares and with softmax cross-entropy (relative error below $10^{-7}$ against
#   `MLP.loss_and_grads` and against central differences);
# - showed `unbroadcast`, which sums a broadcast operand's gradient back to its shape (the bias rule);
# - built forward mode with dual numbers ($\varepsilon^2 = 0$ turns arithmetic into the product rule),
#   checked it against reverse mode and central differences, and counted and timed the cost of a whole
#   Jacobian: $n$ JVPs (forward) against $m$ VJPs (reverse), so one loss and many parameters call for
#   reverse mode, and few inputs with many outputs for forward mode.
#
# We started with one neuron and the derivative of a sigmoid, and worked up through gradient descent,
# the chain rule and its deltas, the matrix form, softmax with cross-entropy, vanishing gradients and
# convolution, deriving and checking every backward pass by hand. This chapter showed that all of them are
# one algorithm, which a computer can run for any graph built from operations whose local derivatives it
# knows. That is how PyTorch, TensorFlow and JAX compute gradients. To go further on your own: read
# *micrograd* (a small engine in the spirit of `Value`) and compare it with `backprop_lib/autodiff.py`; add
# `conv2d` from chapter 8 as a `Tensor` operation (its forward is `conv2d_forward`, its `_backward` is
# `conv2d_backward`); then open PyTorch and call `loss.backward()`, knowing exactly what happens inside.
#
# **Next:** [Chapter 10 · Jacobians and Hessians](10_jacobians_hessians.ipynb) takes section 5's JVPs and
# VJPs further: whole Jacobians of a network, and second derivatives.

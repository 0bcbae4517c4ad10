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
# The notes on Bishop's back-propagation (source document 001) continue, in the same series, into
# **automatic differentiation**: record the operations as a graph while computing the forward pass,
# then walk that graph backwards applying the chain rule node by node. This is what PyTorch's
# `loss.backward()` and JAX's `grad` do. In this chapter we build it, twice: for single numbers in 30
# lines, then for numpy arrays, and check that it finds exactly the gradients we derived by hand.
#
# **In this chapter you will**
# - compare four ways of getting a derivative: by hand, symbolically, numerically, automatically;
# - build a reverse-mode autodiff engine for numbers (`Value`) and see why it needs a topological order
#   and why gradients *add up* where a value is used twice;
# - use its array version `backprop_lib.autodiff.Tensor` to reproduce the gradients of chapters 1 and
#   4-6: $(x+1)^2$ at $x = 2$, one sigmoid neuron, and two-layer networks against `MLP.loss_and_grads`;
# - see why reverse mode, not forward mode, is the one to use for one loss and many parameters;
# - step through the backward pass of an expression one node at a time.

# %%
# %matplotlib inline
import inspect
import time

import numpy as np

import backprop_lib as bl
from backprop_lib.autodiff import Tensor, topological_order
from backprop_lib.widgets import AutodiffView

np.set_printoptions(precision=4, suppress=True)

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
# Take the chain-rule example of lecture notes 003, $f(x) = x^2 + 2x + 1 = (x+1)^2$ at $x = 2$.
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
assert f.data == 9.0 and x.grad == 6.0

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
assert bl.rel_error(autodiff, numeric) < 1e-7

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
assert x.grad == 6.0

# %% [markdown]
# ## 4. Arrays: the same engine, numpy inside
#
# Networks work on arrays. `backprop_lib.autodiff.Tensor` is the same idea with a numpy array in
# `data` and in `grad` (about 250 lines, with `@`, `sum`, `mean`, `exp`, `log`, `sigmoid`, `tanh`,
# `relu` and `softmax_cross_entropy`). Two things are new.
#
# **Matrix products.** For $C = AB$ with upstream gradient $G = \partial L/\partial C$, the local
# rule is $\partial L/\partial A = G B^\top$ and $\partial L/\partial B = A^\top G$: lecture notes 003's
# affine backward ($\partial L/\partial X = \partial L/\partial Y\,W^\top$,
# $\partial L/\partial W = X^\top \partial L/\partial Y$), written once, for every `@` in any model:

# %%
print(inspect.getsource(Tensor.__matmul__))

# %% [markdown]
# **Broadcasting.** In `X @ W + b` the bias of shape $(n_{\text{out}},)$ is added to every row.
# Numpy copies it along the rows, so in the backward pass its gradient must be **summed** back over
# them: `unbroadcast` does that, and this is where chapter 5's "$\partial L/\partial b$ is the sum of
# $\delta$ over the rows" comes from.
#
# From here on we use `Tensor`. First the two small examples again: $(x+1)^2$ at 2, and one sigmoid
# neuron against chapter 1's formula $\partial C/\partial w_i = x_i\,a(1-a)(a-y)$.

# %%
x = Tensor(2.0)
f = (x + 1) ** 2
f.backward()
print("(x+1)^2 at x=2: df/dx =", x.grad)
assert x.grad == 6.0

x_in, y_target = np.array([1.0, 2.0]), 1.0
w, b = Tensor([0.5, -1.0]), Tensor(0.1)
a = ((w * x_in).sum() + b).sigmoid()
C = 0.5 * (a - y_target) ** 2
C.backward()
a_val = a.item()
by_formula = x_in * a_val * (1 - a_val) * (a_val - y_target)       # chapter 1
print("dC/dw autodiff:", w.grad, "  chapter 1's formula:", by_formula, "  dC/db:", b.grad)
print("relative error (should be below 1e-7):", bl.rel_error(w.grad, by_formula))
assert bl.rel_error(w.grad, by_formula) < 1e-7
assert bl.rel_error(b.grad, a_val * (1 - a_val) * (a_val - y_target)) < 1e-7

# %% [markdown]
# ### Two-layer networks: autodiff against the hand-written backward pass
#
# Now the real test. `bl.MLP.loss_and_grads` is chapter 5's hand-written backward pass (output delta,
# hidden deltas, $dW = A_{\text{prev}}^\top\delta$, $db = \sum_{\text{rows}}\delta$). We copy a network's
# weights into Tensors, write only its *forward* pass, call `backward()` and compare every gradient.
# The first network is the worked example of document 001: a two-layer network with linear outputs
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
assert dL < 1e-12 and err < 1e-7 and err_num < 1e-7

# %% [markdown]
# > ⚠️ **Common pitfall: which hidden units?** Document 001 says its worked example has *sigmoidal*
# > hidden units; the example in Bishop's books that it follows uses $h(a) = \tanh(a)$. Either works,
# > as long as the backward pass uses the matching derivative: $\sigma(1-\sigma)$ for the sigmoid,
# > $1 - \tanh^2$ for tanh. Above we used tanh, as Bishop does; here is the sigmoid version, and the
# > same check passes.

# %%
net_sig = bl.MLP([2, 3, 2], activation="sigmoid", output="identity", seed=1)
dL, err, err_num = compare(net_sig, X, T_reg, "mse")
print(f"sigmoid hidden, linear output, mse: max rel error {err:.1e}, vs central differences {err_num:.1e}")
assert err < 1e-7 and err_num < 1e-7

# %% [markdown]
# And lecture notes 003's classifier: two inputs, three sigmoid hidden units, three softmax outputs
# with cross-entropy (here with biases), whose gradient chapter 6 worked out term by term:

# %%
y_cls = rng.integers(0, 3, size=8)
net_ce = bl.MLP([2, 3, 3], activation="sigmoid", output="softmax", seed=2)
for layer in net_ce.layers:
    layer.b = rng.normal(0, 0.5, size=layer.n_out)
dL, err, err_num = compare(net_ce, X, y_cls, "cross_entropy")
print(f"sigmoid hidden, softmax + cross-entropy: |L diff| = {dL:.1e}, max rel error = {err:.1e}, "
      f"vs central differences = {err_num:.1e}")
assert dL < 1e-12 and err < 1e-7 and err_num < 1e-7

# %% [markdown]
# The relative errors against the hand-written passes print as 0: the two agree to the last bit,
# because the engine ends up doing the very same multiplications in the same order.
# The engine knew nothing about deltas, layers or softmax Jacobians. It applied local derivatives in
# reverse topological order, and that *is* back-propagation: the hand-written backward passes of
# chapters 4-6 are this algorithm, unrolled by hand for one particular graph.
#
# ## 5. Forward mode and reverse mode
#
# The chain rule can also be applied from the inputs forwards. **Forward mode** carries, next to every
# value, its derivative with respect to *one* chosen input, $\dot v = \partial v/\partial x$, and updates
# both together in the forward pass (a "dual number"): for $y = x + 1$, $\dot y = \dot x$; for
# $f = y^2$, $\dot f = 2y\,\dot y$. Starting from $\dot x = 1$ it ends with $\dot f = \partial f/\partial x$,
# with no graph to store. But one pass gives the derivative with respect to one input only: a loss with
# $n$ parameters needs $n$ passes, just as central differences need $2n$ evaluations. **Reverse mode**
# runs the forward pass once, keeps the graph, and one backward pass gives the derivative of one
# output with respect to *every* node. Training has one scalar loss and thousands to billions of
# parameters, so reverse mode, back-propagation, wins by a factor of about $n$; its price is the memory
# for the stored forward values. (Forward mode wins in the opposite case, few inputs and many outputs.)
# The cost of "one pass per parameter", measured:

# %%
big = bl.MLP([8, 32, 32, 4], activation="tanh", output="softmax", seed=0)
Xb, yb = rng.normal(size=(16, 8)), rng.integers(0, 4, size=16)
t0 = time.perf_counter()
_, auto = autodiff_grads(big, Xb, yb, "cross_entropy")
t_reverse = time.perf_counter() - t0
t0 = time.perf_counter()
numeric = [bl.numerical_gradient(lambda _: big.loss(Xb, yb, loss="cross_entropy"), layer.params["W"])
           for layer in big.layers]
t_numeric = time.perf_counter() - t0
n_weights = sum(layer.W.size for layer in big.layers)
print(f"{n_weights} weights: one reverse pass {1000 * t_reverse:.1f} ms, "
      f"{2 * n_weights} loss evaluations {1000 * t_numeric:.0f} ms ({t_numeric / t_reverse:.0f} times slower)")
assert max(bl.rel_error(a["W"], n) for a, n in zip(auto, numeric)) < 1e-7 and t_numeric > 5 * t_reverse

# %% [markdown]
# ## 6. Try it: watch the gradients flow back
#
# Pick an expression, set its inputs, and walk the backward pass with the **backward step** slider
# (or **Play**). Blue numbers above the nodes are forward values; red numbers below are gradients
# $\partial(\text{output})/\partial(\text{node})$, shown once the backward pass has reached the node. The
# node being processed is ringed in red, the edges to its parents are labelled with the local
# derivative that multiplies its gradient, and the caption spells out the multiplication.
#
# The expression is built with `Tensor`; the graph is drawn with `backprop_lib.graph` (chapter 4's
# drawing) and replayed step by step, and the status line checks that the replay ends with exactly
# the gradients `Tensor.backward()` found.
#
# - **(x + 1)²** at $x = 2$: the 6 of lecture notes 003 in three steps.
# - **x used twice**: $x$ gets two shares, one through each edge; watch $\partial f/\partial x$ grow.
# - **ReLU gate**: move $w$ or $b$ until $w x + b < 0$: the ReLU's local derivative is 0 and every
#   gradient behind it vanishes: a "dead" ReLU unit, in one node.

# %%
view = AutodiffView(expression="(x + 1)²  (lecture notes 003)", x=2.0)
view

# %%
# The widget's state before you touch it (what a headless run shows): the complete backward pass.
print(f"f = {view.output.item()}: Tensor.backward() gives {view.grads}, the replayed graph {view.replay_grads}")
assert view.grads == {"x": 6.0} and view.replay_grads == {"x": 6.0}
assert view.step.value == view.step.max == 3

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
# ## Summary
#
# In this chapter we
# - saw that automatic differentiation is neither symbolic nor numerical: it applies each operation's
#   exact local derivative to the numbers of one forward pass, by the chain rule;
# - built a reverse-mode engine for numbers in about 40 lines: every operation records its parents
#   and a `_backward` function, `backward()` visits the graph in reverse topological order, and
#   gradients are *added* (`+=`) because a value can be used more than once;
# - used its array version, `backprop_lib.autodiff.Tensor`, to reproduce the course's hand-written
#   gradients exactly: 6 for $(x+1)^2$ at $x = 2$, chapter 1's neuron, and two-layer networks with
#   sum-of-squares and with softmax cross-entropy (relative error below $10^{-7}$ against
#   `MLP.loss_and_grads` and against central differences);
# - compared forward mode (one pass per input) with reverse mode (one pass per output), and measured
#   why one loss and many parameters call for reverse mode.
#
# **This is the end of the course.** We started with one neuron and the derivative of a sigmoid, and
# worked up through gradient descent, the chain rule and its deltas, the matrix form, softmax with
# cross-entropy, vanishing gradients and convolution, deriving and checking every backward pass by hand.
# This chapter showed that all of them are one algorithm, which a computer can run for any graph built
# from operations whose local derivatives it knows. That is how PyTorch, TensorFlow and JAX compute
# gradients. Where to go next: read *micrograd* (about 150 lines in all) and compare it with
# `backprop_lib/autodiff.py`; add `conv2d` from chapter 8 as a `Tensor` operation (its forward is
# `conv2d_forward`, its `_backward` is `conv2d_backward`); then open PyTorch and call
# `loss.backward()`, knowing exactly what happens inside.
#
# **Back to the start:** [Chapter 1 · The perceptron](01_perceptron.ipynb).

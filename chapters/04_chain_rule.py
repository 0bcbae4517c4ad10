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
# # Chapter 4 · The chain rule and computational graphs
#
# [![Open in Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/backprop-course/backprop-course/HEAD?urlpath=lab/tree/chapters/04_chain_rule.ipynb)
#
# Gradient descent (chapter 3) needs the derivative of the loss with respect to every weight. For one
# neuron (chapter 1) we found it by hand. In a network most weights sit *behind* other layers: they
# reach the loss only through a long chain of functions. The chain rule differentiates such chains,
# and organising it on a *computational graph* gives every derivative in one backward sweep, at the
# cost of about one more forward pass. That sweep is backpropagation. Along the way we meet the
# method we will use to check every gradient in this course, finite differences, and see why it is a
# good referee but a bad trainer.
#
# **In this chapter you will**
# - go from the difference quotient to derivatives, partial derivatives and the gradient vector;
# - apply the chain rule, first to $(x + 1)^2$, then on a computational graph, one node at a time;
# - measure the error of finite-difference gradients against the step $h$ (truncation against round-off);
# - derive Bishop's back-propagation formula $\delta_j = f'(z_j)\sum_k w_{kj}\,\delta_k$ for a two-layer network and check it, weight by weight, against `backprop_lib` and finite differences.

# %%
# %matplotlib inline
import time

import numpy as np

import backprop_lib as bl
from backprop_lib import plots
from backprop_lib.explorers import fd_errors
from backprop_lib.graph import Graph, draw_graph, neuron_example
from backprop_lib.widgets import FiniteDifferenceExplorer, GraphStepper

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. From difference quotients to the gradient
#
# The average slope of $f$ between $x$ and $x + h$ is the **difference quotient**
# $\frac{\Delta y}{\Delta x} = \frac{f(x + h) - f(x)}{h}$, the slope of the secant through the two points.
# The **derivative** is its limit as the two points merge, the slope of the tangent:
#
# $$ f'(x) = \frac{dy}{dx} = \lim_{h \to 0} \frac{f(x + h) - f(x)}{h}. $$
#
# For $f(x) = x^2$ at $x = 1$ the quotient is $\frac{(1+h)^2 - 1}{h} = 2 + h$, which tends to $f'(1) = 2$:

# %%
f = lambda x: x ** 2
quotients = {h: (f(1 + h) - f(1)) / h for h in [1.0, 0.1, 0.01, 0.001]}
for h, q in quotients.items():
    print(f"h = {h:<6} difference quotient = {q:.6f}")
assert all(abs(q - (2 + h)) < 1e-9 for h, q in quotients.items())

# %% [markdown]
# A function of several variables has a slope in every direction. The **partial derivative**
# $\partial f/\partial x_i$ varies $x_i$ alone and holds the others fixed:
# $\frac{\partial f}{\partial x_i} = \lim_{h\to 0}\frac{f(\dots, x_i + h, \dots) - f(\dots, x_i, \dots)}{h}$.
# Collected in a vector they form the **gradient**
#
# $$ \nabla f = \left(\frac{\partial f}{\partial x_1}, \dots, \frac{\partial f}{\partial x_n}\right). $$
#
# For document 003's bowl $f(x, y) = x^2 + y^2$, $\nabla f = (2x, 2y)$. The gradient points uphill, the
# way $f$ grows fastest; $-\nabla f$ points downhill. Gradient descent moves *every* coordinate at
# once, each by its own partial derivative: for a network, every weight is one coordinate.

# %%
bowl = lambda p: p[0] ** 2 + p[1] ** 2
point = np.array([1.0, 2.0])
grad_numeric = bl.numerical_gradient(bowl, point.copy())
print("gradient at (1, 2):", 2 * point, "  central differences:", grad_numeric)
assert bl.rel_error(2 * point, grad_numeric) < 1e-7

gx, gy = np.meshgrid(np.linspace(-2.5, 2.5, 101), np.linspace(-2.5, 2.5, 101))
ax_x, ax_y = np.meshgrid(np.linspace(-2, 2, 9), np.linspace(-2, 2, 9))
fig, (ax,) = plots.new_figure(size=(3.8, 3.5))
ax.contour(gx, gy, gx ** 2 + gy ** 2, levels=8, cmap="viridis", linewidths=0.8)
ax.quiver(ax_x, ax_y, -2 * ax_x, -2 * ax_y, color="C3", angles="xy", scale_units="xy", scale=8, width=0.006)
ax.set_aspect("equal")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title(r"$f = x^2 + y^2$ and the arrows $-\nabla f$")
fig

# %% [markdown]
# ## 2. The chain rule
#
# If $h(x) = f(g(x))$, write $y = g(x)$. A small change $dx$ changes $y$ by $g'(x)\,dx$, which changes
# $h$ by $f'(y)$ times that:
#
# $$ h'(x) = \frac{dh}{dx} = \frac{dh}{dy}\,\frac{dy}{dx}, \qquad\text{at a point } a:\quad
#    h'(a) = f'(b)\, g'(a) \ \text{ with } b = g(a). $$
#
# Document 003 checks it on $f(x) = x^2 + 2x + 1$ at $x = 2$. Expanded, $f'(x) = 2x + 2$, so $f'(2) = 6$.
# As a chain, $f = y^2$ with $y = x + 1$: at $x = 2$, $y = 3$, and
# $\frac{df}{dx} = \frac{df}{dy}\Big|_{y=3}\cdot\frac{dy}{dx}\Big|_{x=2} = 2y\big|_{y=3} \cdot 1 = 6$. The same
# number, as it must be.

# %%
x0 = 2.0
by_expanding = 2 * x0 + 2                      # d/dx (x^2 + 2x + 1)
y0 = x0 + 1                                    # inner function, y = x + 1
by_chain_rule = (2 * y0) * 1.0                 # df/dy at y = 3, times dy/dx = 1
h = 1e-5
by_differences = ((x0 + h + 1) ** 2 - (x0 - h + 1) ** 2) / (2 * h)
print(f"expanding: {by_expanding}   chain rule: {by_chain_rule}   central difference: {by_differences:.10f}")
assert by_expanding == by_chain_rule == 6.0 and abs(by_differences - 6.0) < 1e-8

# %% [markdown]
# ## 3. Computational graphs
#
# A **computational graph** writes a computation as a network of elementary operations: one node per
# operation, an arrow from each input to the node that uses it. The *forward pass* computes the values
# from left to right. The *backward pass* computes, for every node $u$, the derivative of the output
# with respect to it, $\partial f/\partial u$, from right to left:
#
# 1. start at the output with $\partial f/\partial f = 1$;
# 2. at each node $v$, take its gradient $\partial f/\partial v$ (the **upstream** gradient) and, for each
#    input $u$ of $v$, multiply it by the **local derivative** $\partial v/\partial u$ and add the product
#    to $\partial f/\partial u$;
# 3. the sum in step 2 is the chain rule for a value that reaches the output along several paths:
#    the contributions of the paths add.
#
# Every local derivative involves one small operation (for $v = u \cdot w$, $\partial v/\partial u = w$;
# for $v = \sigma(u)$, $\partial v/\partial u = v(1 - v)$), and each node is visited once. That is why
# the backward pass costs about as much as the forward pass, however many inputs there are. Here is
# $(x + 1)^2$ at $x = 2$, drawn by `backprop_lib.graph` (blue: forward values; red: gradients):

# %%
g = Graph()
x_node = g.input("x", 2.0, pos=(0, 0))
y_node = g.add(x_node, g.const(1.0, pos=(0, -1.3)), name="y", pos=(2.4, -0.5))
f_node = g.square(y_node, name="f", pos=(4.8, -0.5))
grads = g.backward("f")
print("forward: y =", y_node.value, " f =", f_node.value, "   backward: df/dy =", grads["y"], " df/dx =", grads["x"])
assert grads["x"] == 6.0 and abs(g.numerical_grads("f")["x"] - 6.0) < 1e-8
draw_graph(g, "f", size=(6.0, 3.0))

# %% [markdown]
# ## 4. The finite-difference gradient, and its error
#
# Section 1 suggests a way to get any derivative without calculus: pick a small $h$ and evaluate
#
# $$ \text{forward:}\ \ \frac{f(x + h) - f(x)}{h}, \qquad \text{central:}\ \ \frac{f(x + h) - f(x - h)}{2h}. $$
#
# How small should $h$ be? Two errors pull in opposite directions.
#
# - **Truncation error** (the formula is not the limit). Taylor's theorem,
#   $f(x \pm h) = f(x) \pm h f'(x) + \frac{h^2}{2}f''(x) \pm \frac{h^3}{6}f'''(x) + \dots$, gives an error
#   of about $\frac{h}{2}|f''|$ for the forward difference and $\frac{h^2}{6}|f'''|$ for the central one
#   (the $h^2$ terms cancel). It falls as $h$ shrinks: by a factor 10 (forward) or 100 (central) per
#   decade.
# - **Round-off error** (the computer is not exact). $f(x)$ is stored with a relative error of about
#   $\varepsilon \approx 1.1\times10^{-16}$ (float64). Subtracting two nearly equal values keeps that
#   absolute error, about $\varepsilon |f|$, and dividing by $h$ magnifies it: $\approx \varepsilon|f|/h$.
#   It *grows* as $h$ shrinks.
#
# The sum is smallest where the two balance: near $h \approx \sqrt{\varepsilon} \approx 10^{-8}$ for the
# forward difference (best error around $10^{-9}$) and $h \approx \varepsilon^{1/3} \approx 10^{-5}$ for the
# central one (best error about $10^{-11}$). On a log-log plot both errors are straight lines; here for
# $\sigma'(1)$. In float32, the precision GPUs usually train in, $\varepsilon \approx 6\times10^{-8}$: the
# best central error is only about $10^{-6}$, near $h \approx 10^{-2}$.

# %%
hs = np.logspace(-16, 0, 161)
z1 = 1.0
err_fwd, err_cen = fd_errors(bl.sigmoid, bl.sigmoid_prime, z1, hs)

sig32 = lambda v: np.float32(1) / (np.float32(1) + np.exp(-np.float32(v)))
err_32 = np.array([abs(float((sig32(np.float32(z1) + np.float32(h_)) - sig32(np.float32(z1) - np.float32(h_)))
                             / (np.float32(2) * np.float32(h_))) - bl.sigmoid_prime(z1)) for h_ in hs])

s1 = bl.sigmoid(z1)
d1, d2, d3 = s1 * (1 - s1), s1 * (1 - s1) * (1 - 2 * s1), s1 * (1 - s1) * (1 - 6 * s1 + 6 * s1 ** 2)
eps = np.finfo(np.float64).eps / 2
fig, (ax,) = plots.new_figure(size=(6.4, 3.9))
tiny = 1e-18
ax.loglog(hs, np.maximum(err_fwd, tiny), color="C0", lw=1.6, label="forward, float64")
ax.loglog(hs, np.maximum(err_cen, tiny), color="C1", lw=1.6, label="central, float64")
ax.loglog(hs, np.maximum(err_32, tiny), color="C2", lw=1.2, alpha=0.8, label="central, float32")
big, bigger = hs >= 1e-10, hs >= 1e-7         # draw each truncation model where it matters
ax.loglog(hs[big], hs[big] * abs(d2) / 2, "--", color="C0", lw=0.9, label=r"truncation $h|f''|/2$")
ax.loglog(hs[bigger], hs[bigger] ** 2 * abs(d3) / 6, "--", color="C1", lw=0.9, label=r"truncation $h^2|f'''|/6$")
ax.loglog(hs, eps * s1 / hs, ":", color="k", lw=1, label=r"round-off $\varepsilon|f|/h$")
ax.set_ylim(1e-14, 1)
ax.set_xlim(1e-16, 1)
ax.set_xlabel("step h")
ax.set_ylabel(r"|error| in $\sigma'(1)$")
ax.set_title("finite differences: truncation against round-off")
ax.grid(True, which="major", alpha=0.3)
ax.legend(fontsize=7, loc="lower left", ncol=2)

best_f, best_c = np.argmin(err_fwd), np.argmin(err_cen)
print(f"forward: best h = {hs[best_f]:.0e}, error {err_fwd[best_f]:.1e}")
print(f"central: best h = {hs[best_c]:.0e}, error {err_cen[best_c]:.1e};  at h = 1e-5 (bl.numerical_gradient's default): "
      f"{fd_errors(bl.sigmoid, bl.sigmoid_prime, z1, [1e-5])[1][0]:.1e}")
near_best_32 = np.median(err_32[(hs > 1e-3) & (hs < 3e-2)])
print(f"central in float32: typical error near its best h (1e-3 to 3e-2): {near_best_32:.1e}")
assert 1e-10 <= hs[best_f] <= 1e-6 and 1e-7 <= hs[best_c] <= 1e-3 and err_cen[best_c] < 1e-10 < err_fwd[best_f]
assert 1e-7 < near_best_32 < 1e-5
fig

# %% [markdown]
# ### Why not train with it? Why referee with it?
#
# **Too slow.** A network with $P$ parameters needs $2P$ evaluations of the loss for one central-difference
# gradient, each a full forward pass over the batch. Backpropagation gets all $P$ derivatives for about
# the price of two forward passes. Even a small network has thousands of parameters:

# %%
X_moons, y_moons = bl.datasets.moons(n=100, noise=0.1, seed=0)
net = bl.MLP([2, 16, 16, 1], activation="tanh", output="sigmoid", seed=0)
t0 = time.perf_counter()
loss, grads = net.loss_and_grads(X_moons, y_moons, loss="mse")
t_backprop = time.perf_counter() - t0
t0 = time.perf_counter()
numeric = [bl.numerical_gradient(lambda _: net.loss(X_moons, y_moons, loss="mse"), layer.params[key])
           for layer in net.layers for key in ("W", "b")]
t_numeric = time.perf_counter() - t0
mine = [g_[key] for g_ in grads for key in ("W", "b")]
err = bl.rel_error(np.concatenate([m.ravel() for m in mine]), np.concatenate([m.ravel() for m in numeric]))
print(f"{net.n_params} parameters: backprop {t_backprop * 1e3:.2f} ms, central differences {t_numeric * 1e3:.0f} ms "
      f"({2 * net.n_params} forward passes, {t_numeric / t_backprop:.0f}x slower)")
print(f"relative error between the two: {err:.1e}  (should be below 1e-7)")
assert err < 1e-7

# %% [markdown]
# **Too inexact.** At best about $10^{-10}$ relative in float64, and only if $h$ suits the scale of each
# parameter, which nobody can tune for millions of them. That would still do for float64 training,
# so speed is the decisive problem; but networks are trained in float32 (or less), where the best a
# central difference can do is about $10^{-5}$ relative, with an $h$ that is wrong for many parameters.
# Backpropagation's gradient is exact up to the rounding of the arithmetic itself.
#
# **The right referee.** It needs nothing but the ability to evaluate the loss, so it shares no code
# and no algebra with the backward pass it checks. A wrong formula (a missing factor, a transposed
# matrix, a forgotten term) is off by a large amount, far above the $10^{-10}$ noise of a central
# difference. Hence the course's rule: compare with `bl.numerical_gradient` (central differences,
# $h = 10^{-5}$, float64) and expect `bl.rel_error` below $10^{-7}$.
#
# Try the step size yourself. The explorer starts at a large $h = 0.3$, where you can *see* the two
# secants (right) and how the central one, symmetric about $x$, stays closer to the tangent. Slide $h$
# down: both errors fall along their straight lines until, below the sweet spot, round-off takes over
# and the error climbs again, jaggedly, because rounding is erratic.

# %%
fd_explorer = FiniteDifferenceExplorer(h=0.3, function="sigmoid at z = 1")
fd_explorer

# %%
print(f"h = {fd_explorer.h.value:.0e}: forward error {fd_explorer.forward_error:.1e}, "
      f"central error {fd_explorer.central_error:.1e}")
assert 1e-9 < fd_explorer.central_error < fd_explorer.forward_error < 0.1

# %% [markdown]
# ## 5. One neuron, by the chain rule, on a graph
#
# Chapter 1's neuron: $z = w_1x_1 + w_2x_2 + b$, $a = \sigma(z)$, $L = \tfrac12(a - t)^2$. The weight
# $w_1$ reaches $L$ along one path, $w_1 \to z \to a \to L$, so the chain rule multiplies three local
# derivatives:
#
# $$ \frac{\partial L}{\partial w_1} = \frac{\partial L}{\partial a}\,\frac{\partial a}{\partial z}\,
#    \frac{\partial z}{\partial w_1} = (a - t)\cdot a(1 - a)\cdot x_1 ,
#    \qquad \frac{\partial L}{\partial b} = (a - t)\cdot a(1 - a)\cdot 1 , $$
#
# the formula of chapter 1, with $\delta = \partial L/\partial z = (a - t)\,a(1-a)$ shared by every
# weight of the neuron. The graph below is the same neuron with chapter 1's numbers
# ($\mathbf x = (1, 2)$, $\mathbf w = (0.5, -1)$, $b = 0.1$, $t = 1$), after the full backward pass; the
# cell checks the graph against the formula and against central differences.

# %%
neuron = neuron_example(x=(1.0, 2.0), w=(0.5, -1.0), b=0.1, t=1.0)
graph_grads = neuron.backward("L")
xv, wv, bv, tv = np.array([1.0, 2.0]), np.array([0.5, -1.0]), 0.1, 1.0
a = bl.sigmoid(wv @ xv + bv)
delta = (a - tv) * a * (1 - a)
formula = {"w1": delta * xv[0], "w2": delta * xv[1], "b": delta}
numeric = neuron.numerical_grads("L")
for name in ["w1", "w2", "b"]:
    print(f"dL/d{name}: graph {graph_grads[name]: .8f}   formula {formula[name]: .8f}   central differences {numeric[name]: .8f}")
assert all(abs(graph_grads[n] - formula[n]) < 1e-15 for n in formula)
assert bl.rel_error([graph_grads[n] for n in formula], [numeric[n] for n in formula]) < 1e-7
draw_graph(neuron, "L", size=(10.0, 5.0))

# %% [markdown]
# ### Try it: walk the backward pass
#
# Step through the backward pass one node at a time with **Next** / **Prev** (or the slider). At each
# step the node being processed is ringed in red, the arrows to its inputs turn red and carry the
# local derivative, and the caption spells out *local derivative × upstream gradient*. Watch $\delta$
# appear at $z$ (step 4) and then be copied to $b$ and multiplied by $x_1$, $x_2$ for the weights.
# Switch the graph to $(x + 1)^2$ for the smallest example.

# %%
stepper = GraphStepper(example="neuron", step=4)
stepper

# %%
print(stepper.message)
assert stepper.graph["z"].grad == graph_grads["z"] and stepper.graph["w1"].grad == 0.0   # not reached yet

# %% [markdown]
# ## 6. Back-propagation in general: Bishop's deltas
#
# Document 001 (in the style of Bishop's *Pattern Recognition and Machine Learning*) states the
# algorithm for any feed-forward network. We write it in the course's letters: unit $j$ forms
# $z_j = \sum_i w_{ji}\,a_i$ from the activations $a_i$ of the units feeding it, and outputs $a_j = f(z_j)$.
#
# > ⚠️ **Common pitfall: $a$ and $z$ swap places.** Bishop (and document 001) write $a_j = \sum_i w_{ji}z_i$
# > for the **pre-activation** and $z_j = h(a_j)$ for the **activation**, with $h$ the activation function.
# > The course (like document 004) uses the opposite: $z$ is the pre-activation and $a = f(z)$ the
# > activation. Bishop's $\delta_j = h'(a_j)\sum_k w_{kj}\delta_k$ is therefore our
# > $\delta_j = f'(z_j)\sum_k w_{kj}\delta_k$: same formula, letters exchanged. Bishop's index order
# > $w_{ji}$ ("to $j$ from $i$") is the transpose of the course's weight matrix: $w^{(1)}_{ji}$ is `W1[i, j]`.
#
# For one sample $n$ with error $E_n$, define each unit's error signal $\delta_j = \partial E_n/\partial z_j$.
#
# 1. **Weights.** $w_{ji}$ reaches $E_n$ only through $z_j$, and $\partial z_j/\partial w_{ji} = a_i$, so
#    $\dfrac{\partial E_n}{\partial w_{ji}} = \delta_j\, a_i$: the delta at the arrow's head times the activation at its tail.
# 2. **Output units.** With linear outputs $y_k = z_k$ and the sum-of-squares error
#    $E_n = \tfrac12\sum_k (y_k - t_k)^2$: $\ \delta_k = y_k - t_k$.
# 3. **Hidden units.** $z_j$ reaches $E_n$ through every $z_k$ that unit $j$ feeds. The chain rule sums
#    over those paths, and $\partial z_k/\partial z_j = w_{kj} f'(z_j)$:
#
# $$ \delta_j = \sum_k \frac{\partial E_n}{\partial z_k}\frac{\partial z_k}{\partial z_j} = f'(z_j)\sum_k w_{kj}\,\delta_k . $$
#
# Starting from the outputs and applying 3 layer by layer backwards gives every delta; 1 turns them
# into every weight's derivative. The **worked example** (document 001): a two-layer network with $D$
# inputs, $M$ hidden units and $K$ linear outputs, biases folded in as weights of a constant unit
# $x_0 = a_0 = 1$:
#
# $$ z_j = \sum_{i=0}^{D} w^{(1)}_{ji}\,x_i, \quad a_j = \tanh(z_j), \quad y_k = \sum_{j=0}^{M} w^{(2)}_{kj}\,a_j ; \qquad
#    \delta_k = y_k - t_k, \quad \delta_j = (1 - a_j^2)\sum_{k=1}^{K} w^{(2)}_{kj}\,\delta_k ; $$
#
# $$ \frac{\partial E_n}{\partial w^{(1)}_{ji}} = \delta_j\, x_i, \qquad \frac{\partial E_n}{\partial w^{(2)}_{kj}} = \delta_k\, a_j . $$
#
# > ⚠️ **Common pitfall: which "sigmoidal" function?** Document 001 calls the hidden units "sigmoidal"
# > without saying which function, while Bishop's own worked example uses $h(a) = \tanh(a)$, whose
# > derivative $1 - h(a)^2$ gives the simple $(1 - a_j^2)$ above. Both are S-shaped and either works;
# > with the logistic sigmoid the factor would be $a_j(1 - a_j)$ instead. **This chapter uses tanh.**

# %%
rng = np.random.default_rng(4)
D, M, K = 2, 3, 2
w1 = rng.normal(0, 0.8, size=(M, D + 1))     # Bishop's w^(1)_ji: row j (hidden unit), column i (input; 0 = bias)
w2 = rng.normal(0, 0.8, size=(K, M + 1))     # Bishop's w^(2)_kj: row k (output), column j (hidden; 0 = bias)
x_n = np.array([0.5, -1.2])
t_n = np.array([1.0, -0.5])


def forward_bishop(w1, w2, x):
    """(x_ext, z, a_ext, y): the constant units x_0 = a_0 = 1 are put in front of x and a."""
    x_ext = np.concatenate([[1.0], x])
    z = w1 @ x_ext                               # z_j = sum_i w_ji x_i
    a = np.tanh(z)
    a_ext = np.concatenate([[1.0], a])
    y = w2 @ a_ext                               # y_k = sum_j w_kj a_j (linear outputs)
    return x_ext, z, a_ext, y


def error(w1, w2, x, t):
    """E_n = 1/2 sum_k (y_k - t_k)^2."""
    return 0.5 * np.sum((forward_bishop(w1, w2, x)[3] - t) ** 2)


x_ext, z_hid, a_ext, y_out = forward_bishop(w1, w2, x_n)
delta_out = y_out - t_n                                                # delta_k = y_k - t_k
delta_hid = np.array([(1 - a_ext[j + 1] ** 2) * sum(w2[k, j + 1] * delta_out[k] for k in range(K))
                      for j in range(M)])                             # delta_j = h'(z_j) sum_k w_kj delta_k
dw1_formula = np.outer(delta_hid, x_ext)                               # dE/dw_ji = delta_j x_i
dw2_formula = np.outer(delta_out, a_ext)                               # dE/dw_kj = delta_k a_j
print("output deltas:", delta_out, "  hidden deltas:", delta_hid)

# %% [markdown]
# Now the same network in `backprop_lib`: `bl.MLP([2, 3, 2], activation="tanh", output="identity")` with
# `loss="mse"`. Its weights are stored the course's way, `W` of shape (n_in, n_out) and a separate `b`,
# so Bishop's $w^{(1)}_{ji}$ for $i \ge 1$ is `W1[i - 1, j]` and the bias column $w^{(1)}_{j0}$ is `b1[j]`.
# One more detail: the library's `"mse"` is **averaged over the batch**, $L = \frac1N\sum_n E_n$. With a
# single sample ($N = 1$) it is exactly $E_n$. The table lists every one of the 17 weights: Bishop's
# formula, the library's backprop and central differences.

# %%
net = bl.MLP([D, M, K], activation="tanh", output="identity", seed=0)
net.layers[0].W, net.layers[0].b = w1[:, 1:].T, w1[:, 0]
net.layers[1].W, net.layers[1].b = w2[:, 1:].T, w2[:, 0]
loss_lib, grads_lib = net.loss_and_grads(x_n[None, :], t_n[None, :], loss="mse")
assert np.isclose(loss_lib, error(w1, w2, x_n, t_n))

# the library's gradients, put back into Bishop's layout (bias in column 0)
dw1_lib = np.c_[grads_lib[0]["b"], grads_lib[0]["W"].T]
dw2_lib = np.c_[grads_lib[1]["b"], grads_lib[1]["W"].T]
# central differences on Bishop's weights, through E_n alone
dw1_num = bl.numerical_gradient(lambda w: error(w, w2, x_n, t_n), w1)
dw2_num = bl.numerical_gradient(lambda w: error(w1, w, x_n, t_n), w2)

print(f"{'weight':>10} {'formula':>14} {'backprop_lib':>14} {'central diff.':>14}")
for layer, (F, L_, N_) in enumerate([(dw1_formula, dw1_lib, dw1_num), (dw2_formula, dw2_lib, dw2_num)], start=1):
    for (j, i), value in np.ndenumerate(F):
        print(f"  w({layer})_{j + 1}{i} {value:14.10f} {L_[j, i]:14.10f} {N_[j, i]:14.10f}")
formula_all = np.concatenate([dw1_formula.ravel(), dw2_formula.ravel()])
lib_all = np.concatenate([dw1_lib.ravel(), dw2_lib.ravel()])
num_all = np.concatenate([dw1_num.ravel(), dw2_num.ravel()])
print(f"largest |formula - backprop_lib| = {np.abs(formula_all - lib_all).max():.1e};  "
      f"rel_error(formula, central differences) = {bl.rel_error(formula_all, num_all):.1e}  (should be below 1e-7)")
assert formula_all.size == 17 and np.abs(formula_all - lib_all).max() < 1e-12
assert bl.rel_error(formula_all, num_all) < 1e-7 and np.abs(formula_all - num_all).max() < 1e-9

# %% [markdown]
# (The table labels hidden units $j = 1..M$ and outputs $k = 1..K$, with column 0 the bias.) With a
# batch of $N$ samples, the library's gradient is the **mean** of the per-sample gradients: sum Bishop's
# $\partial E_n/\partial w$ over the samples, divide by $N$, and they agree again.

# %%
X_batch, T_batch = rng.normal(size=(5, D)), rng.normal(size=(5, K))
per_sample = []
for x_s, t_s in zip(X_batch, T_batch):
    x_e, _, a_e, y_s = forward_bishop(w1, w2, x_s)
    d_out = y_s - t_s
    d_hid = (1 - a_e[1:] ** 2) * (w2[:, 1:].T @ d_out)
    per_sample.append(np.outer(d_hid, x_e))
_, grads_batch = net.loss_and_grads(X_batch, T_batch, loss="mse")
mean_bishop = np.mean(per_sample, axis=0)
lib_batch = np.c_[grads_batch[0]["b"], grads_batch[0]["W"].T]
print("largest |mean of per-sample dE_n/dw(1) - library dL/dW1| =", np.abs(mean_bishop - lib_batch).max())
assert np.allclose(mean_bishop, lib_batch, atol=1e-13, rtol=0)

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
# ### Exercise 1 · A central difference (1 point)
#
# Write `central_difference(f, x, h)` that returns the central-difference estimate of $f'(x)$ for a
# function `f` of one number. Write the formula yourself (not `bl.numerical_gradient`).

# %% nbgrader={"grade": false, "grade_id": "ex1_central_difference", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def central_difference(f, x, h):
    """(f(x + h) - f(x - h)) / (2 h)."""
    ### BEGIN SOLUTION
    return (f(x + h) - f(x - h)) / (2 * h)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from backprop_lib.checks import ch04

ch04.check_central_difference(central_difference)
### BEGIN HIDDEN TESTS
ch04.check_central_difference(central_difference, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 · The hidden deltas (1 point)
#
# In the course's layout the second layer's weights are a matrix `W2` of shape (n_hidden, n_out), so
# Bishop's $w^{(2)}_{kj}$ is `W2[j, k]`. Write `hidden_delta(W2, delta_out, a_hidden)` that returns the
# vector of hidden deltas $\delta_j = f'(z_j)\sum_k w_{kj}\,\delta_k$ for **tanh** hidden units, given the
# output deltas `delta_out` (shape (n_out,)) and the hidden activations `a_hidden` $= \tanh(z)$ (shape
# (n_hidden,)). No loops needed.

# %% nbgrader={"grade": false, "grade_id": "ex2_hidden_delta", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def hidden_delta(W2, delta_out, a_hidden):
    """(1 - a^2) * (W2 @ delta_out)."""
    ### BEGIN SOLUTION
    return (1 - a_hidden ** 2) * (W2 @ delta_out)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ch04.check_hidden_delta(hidden_delta)
### BEGIN HIDDEN TESTS
ch04.check_hidden_delta(hidden_delta, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 · Backprop through a two-layer network (2 points)
#
# Write `two_layer_gradients(x, t, W1, b1, W2, b2)` for one sample `x` (shape (D,)) with target `t`
# (shape (K,)), tanh hidden units, linear outputs and $E = \tfrac12\lVert\mathbf y - \mathbf t\rVert^2$, in the
# course's layout: $\mathbf a_1 = \tanh(\mathbf x W_1 + \mathbf b_1)$, $\mathbf y = \mathbf a_1 W_2 + \mathbf b_2$,
# with `W1` (D, M), `b1` (M,), `W2` (M, K), `b2` (K,). Return the tuple `(dW1, db1, dW2, db2)` of
# derivatives of $E$, each with the shape of its parameter, by back-propagation (not by finite
# differences: the check tests an input where they are measurably off).

# %% nbgrader={"grade": false, "grade_id": "ex3_two_layer_gradients", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def two_layer_gradients(x, t, W1, b1, W2, b2):
    """(dE/dW1, dE/db1, dE/dW2, dE/db2) for one sample."""
    ### BEGIN SOLUTION
    a1 = np.tanh(x @ W1 + b1)
    y = a1 @ W2 + b2
    delta_out = y - t
    delta_hid = (1 - a1 ** 2) * (W2 @ delta_out)
    return np.outer(x, delta_hid), delta_hid, np.outer(a1, delta_out), delta_out
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ch04.check_two_layer_gradients(two_layer_gradients)
### BEGIN HIDDEN TESTS
ch04.check_two_layer_gradients(two_layer_gradients, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# In this chapter we
# - went from the difference quotient to the derivative, partial derivatives and the gradient vector;
# - checked the chain rule on $(x + 1)^2$ at $x = 2$: 6 by expanding, by the chain rule and numerically;
# - drew computations as graphs and ran the backward pass node by node: *local derivative × upstream
#   gradient*, with contributions added where paths meet;
# - measured the finite-difference error against $h$: truncation falls like $h$ (forward) or $h^2$
#   (central), round-off grows like $\varepsilon/h$, so central differences with $h \approx 10^{-5}$ reach
#   about $10^{-11}$, a fine referee but far too slow (and too inexact in float32) to train with;
# - derived Bishop's deltas, $\delta_k = y_k - t_k$ and $\delta_j = f'(z_j)\sum_k w_{kj}\delta_k$ (with his
#   $a$ and $z$ swapped into the course's letters, and tanh hidden units), and found the formula,
#   `backprop_lib` and finite differences equal for all 17 weights of a two-layer network.
#
# **Next:** [Chapter 5 · Matrix form](05_matrix_form.ipynb) writes the same backward pass for a whole
# layer and a whole batch at once, as matrix products.

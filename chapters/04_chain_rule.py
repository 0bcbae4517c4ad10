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
# - derive the back-propagation formula $\delta_j = f'(z_j)\sum_k W_{jk}\,\delta_k$ unit by unit and check it on a
#   two-layer network, parameter by parameter, against `backprop_lib` and finite differences.

# %%
# %matplotlib inline

import numpy as np

import backprop_lib as bl
from backprop_lib import plots
from backprop_lib.gradcheck import fd_errors
from backprop_lib.plots import draw_graph
from backprop_lib.scalar_graph import Graph, neuron_example
from backprop_lib.timing import best_time
from backprop_lib.widgets import FiniteDifferenceExplorer, GraphStepper

np.set_printoptions(precision=4, suppress=True)
COURSE_BUG = "A failure here is a bug in the course, not in your work; please report it."

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
assert all(abs(q - (2 + h)) < 1e-9 for h, q in quotients.items()), \
    f"each difference quotient should be 2 + h. {COURSE_BUG}"

# %% [markdown]
# A function of several variables has a slope in every direction. The **partial derivative**
# $\partial f/\partial x_i$ varies $x_i$ alone and holds the others fixed:
# $\frac{\partial f}{\partial x_i} = \lim_{h\to 0}\frac{f(\dots, x_i + h, \dots) - f(\dots, x_i, \dots)}{h}$.
# Collected in a vector they form the **gradient**
#
# $$ \nabla f = \left(\frac{\partial f}{\partial x_1}, \dots, \frac{\partial f}{\partial x_n}\right). $$
#
# For the bowl $f(x, y) = x^2 + y^2$, $\nabla f = (2x, 2y)$. The gradient points uphill, the
# way $f$ grows fastest; $-\nabla f$ points downhill. Gradient descent moves *every* coordinate at
# once, each by its own partial derivative: for a network, every weight is one coordinate.

# %%
bowl = lambda p: p[0] ** 2 + p[1] ** 2
point = np.array([1.0, 2.0])
grad_numeric = bl.numerical_gradient(bowl, point.copy())
print("gradient at (1, 2):", 2 * point, "  central differences:", grad_numeric)
assert bl.rel_error(2 * point, grad_numeric) < 1e-7, f"the gradient (2x, 2y) should match central differences. {COURSE_BUG}"

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
# Check it on $f(x) = x^2 + 2x + 1$ at $x = 2$. Expanded, $f'(x) = 2x + 2$, so $f'(2) = 6$.
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
assert by_expanding == by_chain_rule == 6.0 and abs(by_differences - 6.0) < 1e-8, \
    f"all three routes should give 6. {COURSE_BUG}"

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
# $(x + 1)^2$ at $x = 2$, drawn by `backprop_lib.plots.draw_graph` (blue: forward values; red: gradients):

# %%
g = Graph()
x_node = g.input("x", 2.0, pos=(0, 0))
y_node = g.add(x_node, g.const(1.0, pos=(0, -1.3)), name="y", pos=(2.4, -0.5))
f_node = g.square(y_node, name="f", pos=(4.8, -0.5))
grads = g.backward("f")
print("forward: y =", y_node.value, " f =", f_node.value, "   backward: df/dy =", grads["y"], " df/dx =", grads["x"])
assert grads["x"] == 6.0 and abs(g.numerical_grads("f")["x"] - 6.0) < 1e-8, \
    f"the graph's backward pass should give df/dx = 6. {COURSE_BUG}"
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
#   $\varepsilon \approx 1.1\times10^{-16}$ (float64's *unit round-off*, half the gap between 1 and the next
#   float). Subtracting two nearly equal values keeps that absolute error, about $\varepsilon |f|$, and
#   dividing by $h$ magnifies it: $\approx \varepsilon|f|/h$. It *grows* as $h$ shrinks, and it is
#   erratic: its sign and size jump from one $h$ to the next.
#
# The model error is the sum of the two, smallest where they balance. Setting the derivative of
# $\frac{h}{2}|f''| + \frac{\varepsilon|f|}{h}$ to zero gives the forward difference's best step
# $h^* = \sqrt{2\varepsilon|f|/|f''|}$ and best error $\sqrt{2\varepsilon|f|\,|f''|}$; for
# $\frac{h^2}{6}|f'''| + \frac{\varepsilon|f|}{h}$ it gives the central difference's
# $h^* = (3\varepsilon|f|/|f'''|)^{1/3}$ and best error $\frac{3}{2}\varepsilon|f|/h^*$. For $\sigma'(1)$,
# the example below, that is $h^* = 4.2\times10^{-8}$ with error $3.8\times10^{-9}$ (forward) and
# $h^* = 1.9\times10^{-5}$ with error $6.4\times10^{-12}$ (central): roughly $\sqrt{\varepsilon}$ and
# $\varepsilon^{1/3}$, as the formulas suggest. In float32, the precision GPUs usually train in,
# $\varepsilon \approx 6\times10^{-8}$, and the central difference can do no better than about
# $4.2\times10^{-6}$, at $h^* = 1.5\times10^{-2}$.
#
# The measured curves below follow the model on average, but near the bottom the erratic round-off
# sometimes cancels most of the truncation error, so the *lowest point* of a measured curve is luck:
# it lands at a different $h$, and can be a hundred times lower, on a different computer. The cell
# therefore checks what holds on every machine: for large $h$ the error follows the truncation line
# (within 5%); for tiny $h$ it has the size of the round-off, between $\frac{1}{30}$ and 10 times
# $\varepsilon|f|/h$ (median over $h$ from $10^{-14}$ to $10^{-12}$); no point with $h \le 10^{-2}$ lies above
# $1.05\times$ truncation $+\ 10\,\varepsilon|f|/h$; and the **median** error over the decade around each $h^*$ is
# within a factor 10 of the model's best error.

# %%
hs = np.logspace(-16, 0, 161)                  # 10 steps per decade
z1 = 1.0
err_fwd, err_cen = fd_errors(bl.sigmoid, bl.sigmoid_prime, z1, hs)

sig32 = lambda v: np.float32(1) / (np.float32(1) + np.exp(-np.float32(v)))
err_32 = np.array([abs(float((sig32(np.float32(z1) + np.float32(h_)) - sig32(np.float32(z1) - np.float32(h_)))
                             / (np.float32(2) * np.float32(h_))) - bl.sigmoid_prime(z1)) for h_ in hs])

# the model: f = sigma, its derivatives at z = 1, the unit round-off of float64 and float32
s1 = bl.sigmoid(z1)
d1, d2, d3 = s1 * (1 - s1), s1 * (1 - s1) * (1 - 2 * s1), s1 * (1 - s1) * (1 - 6 * s1 + 6 * s1 ** 2)
eps, eps32 = np.finfo(np.float64).eps / 2, np.finfo(np.float32).eps / 2
trunc_fwd, trunc_cen, roundoff = hs * abs(d2) / 2, hs ** 2 * abs(d3) / 6, eps * s1 / hs
h_fwd, best_fwd = np.sqrt(2 * eps * s1 / abs(d2)), np.sqrt(2 * eps * s1 * abs(d2))
h_cen = (3 * eps * s1 / abs(d3)) ** (1 / 3)
best_cen = 1.5 * eps * s1 / h_cen
h_32 = (3 * eps32 * s1 / abs(d3)) ** (1 / 3)
best_32 = 1.5 * eps32 * s1 / h_32

fig, (ax,) = plots.new_figure(size=(6.4, 3.9))
tiny = 1e-18
ax.loglog(hs, np.maximum(err_fwd, tiny), color="C0", lw=1.6, label="forward, float64")
ax.loglog(hs, np.maximum(err_cen, tiny), color="C1", lw=1.6, label="central, float64")
ax.loglog(hs, np.maximum(err_32, tiny), color="C2", lw=1.2, alpha=0.8, label="central, float32")
big, bigger = hs >= 1e-10, hs >= 1e-7         # draw each truncation model where it matters
ax.loglog(hs[big], trunc_fwd[big], "--", color="C0", lw=0.9, label=r"truncation $h|f''|/2$")
ax.loglog(hs[bigger], trunc_cen[bigger], "--", color="C1", lw=0.9, label=r"truncation $h^2|f'''|/6$")
ax.loglog(hs, roundoff, ":", color="k", lw=1, label=r"round-off $\varepsilon|f|/h$")
ax.plot([h_fwd, h_cen], [best_fwd, best_cen], "kv", ms=5, label=r"model's best $h^*$")
ax.set_ylim(1e-14, 1)
ax.set_xlim(1e-16, 1)
ax.set_xlabel("step h")
ax.set_ylabel(r"|error| in $\sigma'(1)$")
ax.set_title("finite differences: truncation against round-off")
ax.grid(True, which="major", alpha=0.3)
ax.legend(fontsize=7, loc="lower left", ncol=2)


def median_near(err, h_star):
    """The median error over the decade of steps around h_star (h_star / sqrt(10) to h_star * sqrt(10))."""
    return np.median(err[(hs >= h_star / np.sqrt(10)) & (hs <= h_star * np.sqrt(10))])


def in_range(lo, hi):
    return (hs >= lo * (1 - 1e-9)) & (hs <= hi * (1 + 1e-9))


ratio_fwd = err_fwd[in_range(1e-4, 1e-2)] / trunc_fwd[in_range(1e-4, 1e-2)]
ratio_cen = err_cen[in_range(1e-3, 1e-1)] / trunc_cen[in_range(1e-3, 1e-1)]
small = in_range(1e-14, 1e-12)
round_fwd, round_cen = np.median(err_fwd[small] / roundoff[small]), np.median(err_cen[small] / roundoff[small])
upto = hs <= 1e-2
near_fwd, near_cen, near_32 = median_near(err_fwd, h_fwd), median_near(err_cen, h_cen), median_near(err_32, h_32)
at_default = fd_errors(bl.sigmoid, bl.sigmoid_prime, z1, [1e-5])[1][0]

print(f"model:    forward best h* = {h_fwd:.1e}, error {best_fwd:.1e};  central best h* = {h_cen:.1e}, "
      f"error {best_cen:.1e};  float32 central best h* = {h_32:.1e}, error {best_32:.1e}")
print(f"measured: median error over the decade around h*: forward {near_fwd:.0e}, central {near_cen:.0e}, "
      f"float32 {near_32:.0e}")
print(f"large h:  error / truncation model between {min(ratio_fwd.min(), ratio_cen.min()):.3f} and "
      f"{max(ratio_fwd.max(), ratio_cen.max()):.3f}")
print(f"tiny h:   median error / (eps |f| / h): forward {round_fwd:.1f}, central {round_cen:.1f}")
print(f"central difference at h = 1e-5 (bl.numerical_gradient's default): error {at_default:.0e}")

assert np.all((ratio_fwd > 0.95) & (ratio_fwd < 1.05)) and np.all((ratio_cen > 0.95) & (ratio_cen < 1.05)), \
    f"for large h the error should follow the truncation line within 5%. {COURSE_BUG}"
assert 1 / 30 < min(round_fwd, round_cen) and max(round_fwd, round_cen) < 10, \
    f"for h from 1e-14 to 1e-12 the error should be of the size eps |f| / h. {COURSE_BUG}"
assert np.all(err_fwd[upto] <= 1.05 * trunc_fwd[upto] + 10 * roundoff[upto]) and \
    np.all(err_cen[upto] <= 1.05 * trunc_cen[upto] + 10 * roundoff[upto]), \
    f"no error should lie above 1.05 x truncation + 10 eps |f| / h. {COURSE_BUG}"
for name, near, best in [("forward", near_fwd, best_fwd), ("central", near_cen, best_cen), ("float32", near_32, best_32)]:
    assert best / 10 < near < best * 10, \
        f"the {name} difference's median error near h* should be within a factor 10 of the model's {best:.1e}. {COURSE_BUG}"
assert at_default < 1e-10, f"at h = 1e-5 the central error should be far below 1e-10. {COURSE_BUG}"
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
loss, grads = net.loss_and_grads(X_moons, y_moons, loss="mse")
t_backprop = best_time(lambda: net.loss_and_grads(X_moons, y_moons, loss="mse"))


def numeric_grads():
    return [bl.numerical_gradient(lambda _: net.loss(X_moons, y_moons, loss="mse"), layer.params[key])
            for layer in net.layers for key in ("W", "b")]


numeric = numeric_grads()
t_numeric = best_time(numeric_grads, repeat=1)
mine = [g_[key] for g_ in grads for key in ("W", "b")]
err = bl.rel_error(np.concatenate([m.ravel() for m in mine]), np.concatenate([m.ravel() for m in numeric]))
print(f"{net.n_params} parameters: backprop {t_backprop * 1e3:.2f} ms, central differences {t_numeric * 1e3:.0f} ms "
      f"({2 * net.n_params} forward passes, {t_numeric / t_backprop:.0f}x slower)")
print(f"relative error between the two: {err:.1e}  (should be below 1e-7)")
assert err < 1e-7, f"backprop should agree with central differences. {COURSE_BUG}"

# %% [markdown]
# **Too inexact.** At best a few times $10^{-11}$ relative in float64 (the model's best error
# $6.4\times10^{-12}$ against $\sigma'(1) \approx 0.2$), and only if $h$ suits the scale of each parameter,
# which nobody can tune for millions of them. That would still do for float64 training, so speed is
# the decisive problem; but networks are trained in float32 (or less), where the best a central
# difference can do is about $2\times10^{-5}$ relative ($4.2\times10^{-6}$ against 0.2), with an $h$ that
# is wrong for many parameters.
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
assert 1e-9 < fd_explorer.central_error < fd_explorer.forward_error < 0.1, \
    f"at h = 0.3 both errors are truncation errors, the central one the smaller. {COURSE_BUG}"

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
assert all(abs(graph_grads[n] - formula[n]) < 1e-15 for n in formula), f"the graph should give the formula's numbers. {COURSE_BUG}"
assert bl.rel_error([graph_grads[n] for n in formula], [numeric[n] for n in formula]) < 1e-7, \
    f"the graph's gradients should match central differences. {COURSE_BUG}"
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
assert stepper.graph["z"].grad == graph_grads["z"] and stepper.graph["w1"].grad == 0.0, \
    f"after 4 steps the pass has reached z but not yet w1. {COURSE_BUG}"

# %% [markdown]
# ## 6. Back-propagation in general: the deltas, unit by unit
#
# Chapter 5 writes backpropagation with matrices. Here we derive it one unit at a time, for any
# feed-forward network, in the course's letters. Unit $j$ of a layer receives the activations $a_i$
# of the units $i$ of the layer below, each through a weight $W_{ij}$, adds its bias $b_j$ and applies
# the activation function $f$:
#
# $$ z_j = \sum_i a_i\, W_{ij} + b_j, \qquad a_j = f(z_j). $$
#
# The weight's first index is the unit the arrow **leaves**, the second the unit it **enters**, so the
# weights between two layers form a matrix $W$ of shape $(n_{\text{in}}, n_{\text{out}})$, the course's
# layout. Unit $j$ in turn feeds the units $k$ of the layer above through the weights $W_{jk}$ of the
# next layer. For one sample with error $E$, define each unit's error signal $\delta_j = \partial E/\partial z_j$.
#
# 1. **Weights and biases.** $W_{ij}$ reaches $E$ only through $z_j$, and $\partial z_j/\partial W_{ij} = a_i$, so
#    $\dfrac{\partial E}{\partial W_{ij}} = a_i\, \delta_j$: the activation at the arrow's tail times the delta at its head.
#    Likewise $\partial z_j/\partial b_j = 1$ gives $\dfrac{\partial E}{\partial b_j} = \delta_j$.
# 2. **Output units.** With linear outputs $y_k = z_k$ and the sum-of-squares error
#    $E = \tfrac12\sum_k (y_k - t_k)^2$: $\ \delta_k = y_k - t_k$.
# 3. **Hidden units.** $z_j$ reaches $E$ through every $z_k$ that unit $j$ feeds. The chain rule sums
#    over those paths, and $\partial z_k/\partial z_j = \partial z_k/\partial a_j \cdot \partial a_j/\partial z_j = W_{jk}\, f'(z_j)$:
#
# $$ \delta_j = \sum_k \frac{\partial E}{\partial z_k}\frac{\partial z_k}{\partial z_j} = f'(z_j)\sum_k W_{jk}\,\delta_k . $$
#
# Starting from the outputs and applying 3 layer by layer backwards gives every delta; 1 turns them
# into every weight's and bias's derivative. This is the **back-propagation formula**.
#
# > ⚠️ **Common mistake: mixing two conventions.** Many textbooks (Bishop's *Pattern Recognition and
# > Machine Learning*, for one) use the letters the other way round: $a_j = \sum_i w_{ji} z_i$ for the
# > pre-activation and $z_j = h(a_j)$ for the activation, and they index a weight $w_{ji}$ "into $j$ from
# > $i$", (out, in). Their $\delta_j = h'(a_j)\sum_k w_{kj}\delta_k$ is our $\delta_j = f'(z_j)\sum_k W_{jk}\delta_k$:
# > the same formula. What goes wrong is reading one convention's indices in the other's array: taking
# > $w_{kj}$ as `W2[k, j]` of an (in, out) array uses the transposed matrix. When the layer above is as
# > wide as this one, nothing crashes and every hidden delta is wrong; the cell after the worked
# > example shows it.
#
# **Worked example:** a two-layer network with $D = 2$ inputs, $M = 3$ hidden units and $K = 2$ linear
# outputs, for one sample $x$ with target $t$:
#
# $$ z_j = \sum_{i=1}^{D} x_i\, W^{(1)}_{ij} + b^{(1)}_j, \quad a_j = \tanh(z_j), \quad y_k = \sum_{j=1}^{M} a_j\, W^{(2)}_{jk} + b^{(2)}_k ; \qquad
#    \delta_k = y_k - t_k, \quad \delta_j = (1 - a_j^2)\sum_{k=1}^{K} W^{(2)}_{jk}\,\delta_k ; $$
#
# $$ \frac{\partial E}{\partial W^{(1)}_{ij}} = x_i\,\delta_j, \quad \frac{\partial E}{\partial b^{(1)}_j} = \delta_j, \qquad
#    \frac{\partial E}{\partial W^{(2)}_{jk}} = a_j\,\delta_k, \quad \frac{\partial E}{\partial b^{(2)}_k} = \delta_k . $$
#
# The hidden units use $\tanh$, whose derivative $1 - \tanh^2$ gives the factor $(1 - a_j^2)$; with the
# logistic sigmoid it would be $a_j(1 - a_j)$. In the code, Python counts from 0: the weight from input
# $i$ to hidden unit $j$ is `W1[i, j]` with `i` in `range(D)`, the same array the library uses.

# %%
rng = np.random.default_rng(4)
D, M, K = 2, 3, 2
W1, b1 = rng.normal(0, 0.8, size=(D, M)), rng.normal(0, 0.8, size=M)   # W1[i, j]: input i -> hidden unit j
W2, b2 = rng.normal(0, 0.8, size=(M, K)), rng.normal(0, 0.8, size=K)   # W2[j, k]: hidden unit j -> output k
x_n = np.array([0.5, -1.2])
t_n = np.array([1.0, -0.5])


def forward_units(W1, b1, W2, b2, x):
    """(z, a, y) for one sample x (D,), one unit at a time; z, a: (M,), y: (K,)."""
    z = np.array([sum(x[i] * W1[i, j] for i in range(D)) + b1[j] for j in range(M)])
    a = np.tanh(z)
    y = np.array([sum(a[j] * W2[j, k] for j in range(M)) + b2[k] for k in range(K)])
    return z, a, y


def error(W1, b1, W2, b2, x, t):
    """E = 1/2 sum_k (y_k - t_k)^2 for one sample."""
    return 0.5 * np.sum((forward_units(W1, b1, W2, b2, x)[2] - t) ** 2)


z_hid, a_hid, y_out = forward_units(W1, b1, W2, b2, x_n)
delta_out = y_out - t_n                                                          # delta_k = y_k - t_k
delta_hid = np.array([(1 - a_hid[j] ** 2) * sum(W2[j, k] * delta_out[k] for k in range(K))
                      for j in range(M)])                                       # delta_j = f'(z_j) sum_k W_jk delta_k
formula = {"W1": np.array([[x_n[i] * delta_hid[j] for j in range(M)] for i in range(D)]),     # x_i delta_j
           "b1": delta_hid,
           "W2": np.array([[a_hid[j] * delta_out[k] for k in range(K)] for j in range(M)]),   # a_j delta_k
           "b2": delta_out}
print("output deltas:", delta_out, "  hidden deltas:", delta_hid)

# %% [markdown]
# Now the same network in `backprop_lib`: `bl.MLP([2, 3, 2], activation="tanh", output="identity")` with
# `loss="mse"`. It stores the weights exactly as above, `W` of shape (n_in, n_out) and a separate `b`,
# so the arrays go in unchanged. One more detail: the library's `"mse"` is **averaged over the
# batch**, $L = \frac1N\sum_n E_n$. With a single sample ($N = 1$) it is exactly $E$. The table lists all
# 17 parameters: the formula, the library's backprop and central differences.

# %%
net = bl.MLP([D, M, K], activation="tanh", output="identity", seed=0)
net.layers[0].W, net.layers[0].b = W1.copy(), b1.copy()
net.layers[1].W, net.layers[1].b = W2.copy(), b2.copy()
loss_lib, grads_lib = net.loss_and_grads(x_n[None, :], t_n[None, :], loss="mse")
assert np.isclose(loss_lib, error(W1, b1, W2, b2, x_n, t_n)), \
    f"the library's loss should equal E for one sample. {COURSE_BUG}"

params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
library = {"W1": grads_lib[0]["W"], "b1": grads_lib[0]["b"], "W2": grads_lib[1]["W"], "b2": grads_lib[1]["b"]}
numeric = {name: bl.numerical_gradient(lambda p: error(**{**params, name: p}, x=x_n, t=t_n), value.copy())
           for name, value in params.items()}

print(f"{'parameter':>10} {'formula':>14} {'backprop_lib':>14} {'central diff.':>14}")
for name in params:
    for index, value in np.ndenumerate(formula[name]):
        label = f"{name}[{', '.join(map(str, index))}]"
        print(f"{label:>10} {value:14.10f} {library[name][index]:14.10f} {numeric[name][index]:14.10f}")
formula_all, lib_all, num_all = (np.concatenate([d[n].ravel() for n in params]) for d in (formula, library, numeric))
print(f"formula == backprop_lib to rounding: {np.allclose(formula_all, lib_all, rtol=1e-12, atol=1e-14)};  "
      f"rel_error(formula, central differences) = {bl.rel_error(formula_all, num_all):.0e}  (should be below 1e-7)")
assert formula_all.size == 17 and np.allclose(formula_all, lib_all, rtol=1e-12, atol=1e-14), \
    f"the unit-by-unit formula and the library's backprop should agree to rounding. {COURSE_BUG}"
assert bl.rel_error(formula_all, num_all) < 1e-7, \
    f"the formula should agree with central differences (rel error below 1e-7). {COURSE_BUG}"

# %% [markdown]
# The mistake from the box above, on a network whose second layer is square (3 hidden units, 3
# outputs): reading $W_{jk}$ as `W2[k, j]` runs without complaint and gives wrong hidden deltas.

# %%
W2_sq, b2_sq, t_sq = rng.normal(0, 0.8, size=(M, M)), rng.normal(0, 0.8, size=M), np.array([1.0, -0.5, 0.2])
a_sq = np.tanh(x_n @ W1 + b1)
delta_sq = a_sq @ W2_sq + b2_sq - t_sq                                       # linear outputs: y - t
right = (1 - a_sq ** 2) * np.array([sum(W2_sq[j, k] * delta_sq[k] for k in range(M)) for j in range(M)])
mixed = (1 - a_sq ** 2) * np.array([sum(W2_sq[k, j] * delta_sq[k] for k in range(M)) for j in range(M)])
E_of_z = lambda z: 0.5 * np.sum((np.tanh(z) @ W2_sq + b2_sq - t_sq) ** 2)
numeric_sq = bl.numerical_gradient(E_of_z, x_n @ W1 + b1)                   # dE/dz_j, the true hidden deltas
print(f"W2[j, k] (right): rel error {bl.rel_error(right, numeric_sq):.0e};   "
      f"W2[k, j] (mixed up): rel error {bl.rel_error(mixed, numeric_sq):.1f}")
assert bl.rel_error(right, numeric_sq) < 1e-7 < 0.1 < bl.rel_error(mixed, numeric_sq), \
    f"the right indices should match central differences and the mixed-up ones should not. {COURSE_BUG}"

# %% [markdown]
# With a batch of $N$ samples, the library's gradient is the **mean** of the per-sample gradients: add
# up $\partial E_n/\partial W$ over the samples, divide by $N$, and they agree again.

# %%
X_batch, T_batch = rng.normal(size=(5, D)), rng.normal(size=(5, K))
per_sample = []
for x_s, t_s in zip(X_batch, T_batch):
    _, a_s, y_s = forward_units(W1, b1, W2, b2, x_s)
    d_hid = (1 - a_s ** 2) * (W2 @ (y_s - t_s))                  # the sum over k as a matrix-vector product
    per_sample.append(np.outer(x_s, d_hid))                       # dE_n/dW1[i, j] = x_i delta_j
_, grads_batch = net.loss_and_grads(X_batch, T_batch, loss="mse")
mean_dW1 = np.mean(per_sample, axis=0)
print("mean of the per-sample dE_n/dW1 == library dL/dW1 to rounding:", np.allclose(mean_dW1, grads_batch[0]["W"], rtol=1e-12, atol=1e-14))
assert np.allclose(mean_dW1, grads_batch[0]["W"], rtol=1e-12, atol=1e-14), \
    f"the library's gradient should be the mean of the per-sample gradients. {COURSE_BUG}"

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
#   (central), round-off grows like $\varepsilon|f|/h$; balancing them puts the central difference's best
#   step near $2\times10^{-5}$ with an error of a few times $10^{-12}$, a fine referee but far too slow
#   (and too inexact in float32) to train with; and we checked the curve against the model with
#   medians and envelopes, never with its lowest point, which is round-off luck;
# - derived the deltas unit by unit in the course's letters, $\delta_k = y_k - t_k$ and
#   $\delta_j = f'(z_j)\sum_k W_{jk}\delta_k$ (tanh hidden units), found the formula, `backprop_lib` and
#   finite differences equal for all 17 parameters of a two-layer network, and saw what mixing up
#   the index order of $W$ does.
#
# **Next:** [Chapter 5 · Matrix form](05_matrix_form.ipynb) writes the same backward pass for a whole
# layer and a whole batch at once, as matrix products.

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
# # Chapter 10 · Jacobians and Hessians
#
# [![Open in Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/backprop-course/backprop-course/HEAD?urlpath=lab/tree/chapters/10_jacobians_hessians.ipynb)
#
# So far every derivative had one number on top: the loss $L$. Backpropagation gave us
# $\partial L/\partial w$ for every weight at once, and that was all training needed. Two other
# questions need more. *How does each output of a network move when each input moves?* That is a
# table of derivatives, one per (output, input) pair: the **Jacobian**. *How does the gradient itself
# change when the weights move?* That is the table of second derivatives of $L$: the **Hessian**. The
# Jacobian shows what backpropagation really computes (and what forward mode computes instead); the
# Hessian measures the curvature of the loss, and the curvature decides how large a learning rate can be.
#
# **In this chapter you will**
# - write the Jacobian of a small network's outputs with respect to its inputs and to its weights;
# - see that a backward pass computes a *vector-Jacobian product* (one row combination of the
#   Jacobian) and a forward-mode pass a *Jacobian-vector product* (one column combination), build the
#   whole Jacobian both ways and measure what each costs for $n$ inputs and $m$ outputs;
# - compute the Hessian of a small network's loss twice, by finite differences of the gradient and
#   exactly, and Hessian-vector products by differentiating the backward pass, without ever forming
#   the Hessian;
# - find the largest curvature $\lambda_{\max}$ by power iteration and see that gradient descent
#   cannot stay at a minimum with a learning rate above $2/\lambda_{\max}$ (the limit of chapter 3);
# - compare a gradient step with a Newton step at a point of a loss surface you choose.

# %%
# %matplotlib inline
import warnings

import numpy as np

import backprop_lib as bl
from backprop_lib import curvature as cv
from backprop_lib import plots
from backprop_lib.linreg import linreg_hessian, linreg_optimum
from backprop_lib.timing import best_time
from backprop_lib.widgets import CurvatureExplorer

np.set_printoptions(precision=4, suppress=True)
OOPS = "If this fails, it is a bug in the course, not in your code."


def below(error, bound):
    """'below 1e-8' once the error is asserted below the bound: the last digits of a relative error
    differ from CPU to CPU, so this chapter prints the bound it checks, not those digits."""
    assert error < bound, f"a relative error of {error:.1e} is not below {bound:.0e} (a bug in the course, not yours)"
    return f"below 1e{int(round(np.log10(bound)))}"

# %% [markdown]
# ## 1. The Jacobian of a network
#
# A network with $n$ inputs and $m$ outputs is a function $\mathbf a = F(\mathbf x)$ from
# $\mathbb R^n$ to $\mathbb R^m$. Its **Jacobian** at $\mathbf x$ is the $m \times n$ matrix of all
# first derivatives,
#
# $$ J_{kj} = \frac{\partial a_k}{\partial x_j}, \qquad
# F(\mathbf x + \Delta\mathbf x) \approx F(\mathbf x) + J\,\Delta\mathbf x \quad\text{for a small step } \Delta\mathbf x. $$
#
# Row $k$ is the gradient of output $k$; column $j$ says how every output moves when input $j$ moves.
# (For $m = 1$, one output, the Jacobian is the gradient written as a row.)
#
# Our example network has $n = 3$ inputs, a hidden layer of 4 tanh units and $m = 2$ linear outputs.
# For one sample, written as a row $\mathbf x$ of shape $(1, n)$ as in every chapter,
#
# $$ \mathbf z_1 = \mathbf x W_1 + \mathbf b_1,\quad \mathbf a_1 = \tanh(\mathbf z_1),\quad
# \mathbf a_2 = \mathbf z_2 = \mathbf a_1 W_2 + \mathbf b_2, $$
#
# with $W_1$ of shape $(n, 4)$ and $W_2$ of shape $(4, m)$. The chain rule through hidden unit $i$,
# summed over the hidden units, gives
#
# $$ \frac{\partial a_{2,k}}{\partial x_j} = \sum_i W_2[i, k]\;(1 - a_{1,i}^2)\;W_1[j, i]
# \qquad\text{that is}\qquad J = W_2^\top\,\mathrm{diag}(1 - \mathbf a_1^2)\,W_1^\top, $$
#
# shapes $(m, 4)(4, 4)(4, n) = (m, n)$. (For a batch of $N$ rows, each row's outputs depend on that
# row's inputs only, so the Jacobian of the whole batch is zero outside the $N$ per-sample blocks: we
# always work with one sample.)

# %%
net = bl.MLP([3, 4, 2], activation="tanh", output="identity", seed=0)
rng = np.random.default_rng(0)
for layer in net.layers:
    layer.b = rng.normal(0, 0.5, size=layer.n_out)        # non-zero biases, so they are tested too
W1, b1, W2, b2 = net.layers[0].W, net.layers[0].b, net.layers[1].W, net.layers[1].b
x = np.array([0.5, -1.0, 2.0])


def forward(x):
    """The network's two outputs for one sample x (3,)."""
    return np.tanh(x @ W1 + b1) @ W2 + b2


a1 = np.tanh(x @ W1 + b1)
J = W2.T @ ((1 - a1 ** 2)[:, None] * W1.T)                  # W2^T diag(1 - a1^2) W1^T
J_numeric = cv.jacobian_fd(forward, x)                      # column j: (F(x + h e_j) - F(x - h e_j)) / 2h
print("J =\n", J)
print("relative error against central differences:", below(bl.rel_error(J, J_numeric), 1e-8), "(should be below 1e-7)")
assert J.shape == (2, 3), "the Jacobian of 2 outputs and 3 inputs is 2 x 3. " + OOPS
assert bl.rel_error(J, J_numeric) < 1e-7, "the formula disagrees with central differences (a bug in the course)"

# %% [markdown]
# ### With respect to the weights
#
# The same outputs also depend on the $P$ weights and biases $\boldsymbol\theta$ (here
# $P = 3\cdot4 + 4 + 4\cdot2 + 2 = 26$), and their Jacobian $\partial\mathbf a_2/\partial\boldsymbol\theta$
# is $m \times P$. Reading off the forward pass:
#
# $$ \frac{\partial a_{2,k}}{\partial W_2[i, k']} = a_{1,i}\,[k = k'], \quad
# \frac{\partial a_{2,k}}{\partial b_2[k']} = [k = k'], \quad
# \frac{\partial a_{2,k}}{\partial W_1[j, i]} = x_j\,(1 - a_{1,i}^2)\,W_2[i, k], \quad
# \frac{\partial a_{2,k}}{\partial b_1[i]} = (1 - a_{1,i}^2)\,W_2[i, k], $$
#
# where $[k = k']$ is 1 if $k = k'$ and 0 otherwise. Row $k$ is exactly the gradient that
# backpropagation computes for the "loss" $a_{2,k}$: output delta $\mathbf e_k$, hidden delta
# $(\mathbf e_k W_2^\top) \odot (1 - \mathbf a_1^2)$, and each weight's gradient is its input times the delta.
# `backprop_lib.curvature` keeps the parameters as one vector in the order $W_1, b_1, W_2, b_2$
# (each $W$ row by row): `cv.flatten(net)`.

# %%
theta = cv.flatten(net)
rows = []
for k in range(2):
    e_k = np.eye(2)[k]
    delta1 = (e_k @ W2.T) * (1 - a1 ** 2)                     # hidden delta for the "loss" a_2k
    rows.append(np.concatenate([np.outer(x, delta1).ravel(), delta1, np.outer(a1, e_k).ravel(), e_k]))
J_theta = np.array(rows)
J_theta_numeric = cv.jacobian_fd(lambda th: cv.outputs(net, x[None, :], th)[0], theta)
print("P =", theta.size, " J_theta has shape", J_theta.shape)
print("relative error against central differences:", below(bl.rel_error(J_theta, J_theta_numeric), 1e-8),
      "(should be below 1e-7)")
assert theta.size == 26 and J_theta.shape == (2, 26), "P = 26 parameters (a bug in the course)"
assert bl.rel_error(J_theta, J_theta_numeric) < 1e-7, "the weight Jacobian disagrees with central differences"

# %% [markdown]
# ## 2. A backward pass computes a vector-Jacobian product
#
# Chapter 9 met the two products a single pass can compute on a small function. Here they are in a
# network's own terms: deltas, weight matrices and batch rows. Backpropagation never builds $J$. Look at
# what it does: it starts from a vector $\mathbf u$ at the
# outputs (for a loss, $\mathbf u = \partial L/\partial \mathbf a_2$) and pushes it back through the
# layers,
#
# $$ \boldsymbol\delta_2 = \mathbf u, \qquad \boldsymbol\delta_1 = (\boldsymbol\delta_2 W_2^\top) \odot (1 - \mathbf a_1^2),
# \qquad \frac{\partial S}{\partial \mathbf x} = \boldsymbol\delta_1 W_1^\top , $$
#
# and what comes out is the gradient of the number $S = \mathbf u \cdot \mathbf a_2$. By the chain rule
# that is $\sum_k u_k\,\partial a_{2,k}/\partial x_j$, the row vector
#
# $$ \mathbf u^\top J \qquad (1 \times m)(m \times n) = (1 \times n): $$
#
# a **vector-Jacobian product** (VJP), a weighted sum of $J$'s rows. Compare the matrix form of the
# formula: $\mathbf u^\top W_2^\top\,\mathrm{diag}(1 - \mathbf a_1^2)\,W_1^\top$ is evaluated from the
# left, vector times matrix, so no matrix-matrix product ever happens. For a loss,
# $\mathbf u^\top J = \partial L/\partial\mathbf x$: the chain rule in matrix form. With
# $\mathbf u = \mathbf e_k$ (1 at place $k$) one backward pass gives row $k$ of $J$; the whole
# Jacobian takes **$m$ backward passes**, one per output.

# %%
def vjp(x, u):
    """u^T J for one sample: the backward pass started from u (m,) at the outputs; returns (n,)."""
    a1 = np.tanh(x @ W1 + b1)
    delta2 = u                                   # the output layer is linear: dS/dz2 = u
    delta1 = (delta2 @ W2.T) * (1 - a1 ** 2)     # hidden delta
    return delta1 @ W1.T                         # dS/dx


J_reverse = np.array([vjp(x, e_k) for e_k in np.eye(2)])     # m = 2 backward passes, one row each
u = np.array([0.3, -2.0])
print("J by 2 VJPs:\n", J_reverse)
print("relative error against the formula:", below(bl.rel_error(J_reverse, J), 1e-13), "(round-off only)")
print("u^T J for u =", u, ":", vjp(x, u), " (the same as u @ J:", u @ J, ")")
assert bl.rel_error(J_reverse, J) < 1e-12 and bl.rel_error(vjp(x, u), u @ J) < 1e-12, "VJP != rows of J. " + OOPS

# %% [markdown]
# > ⚠️ **Common mistake: the backward pass gives $J^\top\mathbf u$, not $J\mathbf u$.** A backward pass
# > multiplies by the *transposed* weight matrices, so it answers "which input change raises the weighted
# > outputs most", not "how do the outputs move when the inputs move along $\mathbf u$". With $n \ne m$
# > the shapes stop you; with as many inputs as outputs nothing does, and the number is silently wrong.
# > The cell below builds a network with $n = m = 3$ and feeds the same vector $\mathbf v$ to both questions.

# %%
square = bl.MLP([3, 5, 3], activation="tanh", output="identity", seed=1)
v = np.array([1.0, 0.0, -1.0])
J_square = cv.jacobian_fd(lambda s: cv.outputs(square, s[None, :])[0], x)
backward_of_v = cv.vjp(square, x[None, :], v[None, :])[0][0]      # one backward pass started from v
print("backward pass of v:", backward_of_v, " = J^T v:", J_square.T @ v)
print("what 'move the inputs along v' does to the outputs, J v:", J_square @ v)
assert bl.rel_error(backward_of_v, J_square.T @ v) < 1e-7, "the backward pass should give J^T v. " + OOPS
assert bl.rel_error(backward_of_v, J_square @ v) > 0.1, "J v and J^T v should differ here. " + OOPS

# %% [markdown]
# ## 3. Forward mode computes a Jacobian-vector product
#
# The other way round: move the *input* along a direction, $\mathbf x(\varepsilon) = \mathbf x + \varepsilon\mathbf v$,
# and follow how every quantity of the forward pass moves. Write $\dot{\mathbf z} = d\mathbf z/d\varepsilon$
# (at $\varepsilon = 0$) and differentiate each line of the forward pass:
#
# $$ \dot{\mathbf z}_1 = \mathbf v W_1, \qquad \dot{\mathbf a}_1 = (1 - \mathbf a_1^2) \odot \dot{\mathbf z}_1,
# \qquad \dot{\mathbf a}_2 = \dot{\mathbf a}_1 W_2 . $$
#
# The result is $\dot{\mathbf a}_2 = J\mathbf v$, a **Jacobian-vector product** (JVP), a weighted sum of
# $J$'s columns. The dotted values (the *tangents*) travel *with* the forward pass, layer by layer, and
# nothing has to be stored for later: this is forward-mode differentiation, the dual numbers of chapter 9 with a vector
# $\dot{\mathbf x} = \mathbf v$ in place of a single seed 1. With $\mathbf v = \mathbf e_j$ one pass gives
# column $j$; the whole Jacobian takes **$n$ forward passes**, one per input.

# %%
def jvp(x, v):
    """J v for one sample: the forward pass with a tangent v (n,) at the inputs; returns (m,)."""
    a1 = np.tanh(x @ W1 + b1)
    z1_dot = v @ W1                              # how z1 moves when x moves along v
    a1_dot = (1 - a1 ** 2) * z1_dot
    return a1_dot @ W2                           # the output layer is linear: a2_dot = z2_dot


J_forward = np.array([jvp(x, e_j) for e_j in np.eye(3)]).T   # n = 3 forward passes, one column each
print("J by 3 JVPs:\n", J_forward)
print("relative error, forward mode vs reverse mode:", below(bl.rel_error(J_forward, J_reverse), 1e-13),
      "(round-off only)")
print("relative error against central differences:", below(bl.rel_error(J_forward, J_numeric), 1e-8),
      "(should be below 1e-7)")
assert bl.rel_error(J_forward, J_reverse) < 1e-12, "forward and reverse mode must agree to round-off. " + OOPS
assert bl.rel_error(J_forward, J_numeric) < 1e-7, "forward mode disagrees with central differences. " + OOPS

# %% [markdown]
# From here on we use `backprop_lib.curvature`, which does the same for any `bl.MLP` (sigmoid, tanh or
# ReLU hidden layers; identity or sigmoid outputs): `cv.jacobian_reverse(net, x)` runs one forward pass
# and then one backward pass per output, `cv.jacobian_forward(net, x)` one forward pass and then one
# tangent pass per input; `wrt="params"` differentiates with respect to the weights instead. For the
# weights of our network, reverse mode needs $m = 2$ passes and forward mode $P = 26$:

# %%
checks = {
    "inputs, reverse (2 passes)": (cv.jacobian_reverse(net, x), J),
    "inputs, forward (3 passes)": (cv.jacobian_forward(net, x), J),
    "weights, reverse (2 passes)": (cv.jacobian_reverse(net, x, wrt="params"), J_theta),
    "weights, forward (26 passes)": (cv.jacobian_forward(net, x, wrt="params"), J_theta),
}
for name, (got, want) in checks.items():
    print(f"{name:>29}: relative error against sections 1-3 {below(bl.rel_error(got, want), 1e-13)}")
assert all(bl.rel_error(got, want) < 1e-12 for got, want in checks.values()), "library != chapter. " + OOPS

# %% [markdown]
# ## 4. What each costs
#
# One VJP costs about one backward pass, one JVP about one forward pass, and both are a small
# multiple of evaluating the network. So for a network with $n$ inputs and $m$ outputs:
#
# | the full $m \times n$ Jacobian | passes | best when |
# |---|---|---|
# | reverse mode (VJPs, backpropagation) | 1 forward + $m$ backward | few outputs: $m \ll n$ |
# | forward mode (JVPs) | 1 forward + $n$ tangent | few inputs: $n \ll m$ |
# | central differences | $2n$ forward, and only approximate | never, except to check |
#
# Training is the extreme case $m = 1$: one loss, and the gradient with respect to all $P$ weights
# is a single VJP, one backward pass, whether $P$ is 26 or $10^9$. Forward mode would need $P$ passes.
# That is why deep learning runs on backpropagation. Forward mode wins when the inputs are few and
# the outputs many, e.g. the sensitivity of a whole image produced by a network to one knob.
#
# Chapter 9 timed both modes on one tanh layer; here are the library's passes on two networks with 64
# hidden units: one with 256 inputs and 2 outputs, one with 2 inputs and 256 outputs. The times depend on your machine; the cell asserts only that, for each network, the
# mode with 128 times fewer passes is at least 3 times faster.

# %%
rng = np.random.default_rng(1)
ratios = {}
for n_in, n_out in [(256, 2), (2, 256)]:
    big = bl.MLP([n_in, 64, n_out], activation="tanh", output="identity", seed=0)
    x_big = rng.normal(size=n_in)
    J_rev, J_fwd = cv.jacobian_reverse(big, x_big), cv.jacobian_forward(big, x_big)
    t_rev = best_time(lambda: cv.jacobian_reverse(big, x_big), repeat=5)
    t_fwd = best_time(lambda: cv.jacobian_forward(big, x_big), repeat=5)
    ratios[(n_in, n_out)] = t_fwd / t_rev
    difference = below(bl.rel_error(J_rev, J_fwd), 1e-13)
    print(f"n = {n_in:3d} inputs, m = {n_out:3d} outputs: reverse mode {n_out:3d} backward passes {1e3 * t_rev:6.2f} ms, "
          f"forward mode {n_in:3d} tangent passes {1e3 * t_fwd:6.2f} ms;  relative difference {difference}")
    assert J_rev.shape == (n_out, n_in) and bl.rel_error(J_rev, J_fwd) < 1e-12, "the two modes must agree. " + OOPS
assert ratios[(256, 2)] > 3 and ratios[(2, 256)] < 1 / 3, (
    "the mode with 128x fewer passes should be at least 3x faster; if your machine was very busy, run the cell again")

# %% [markdown]
# ## 5. The Hessian of a network's loss
#
# Now one number on top again, the loss $L(\boldsymbol\theta)$, and the question of how its gradient
# changes. The **Hessian** is the $P \times P$ matrix of second derivatives,
#
# $$ H_{ij} = \frac{\partial^2 L}{\partial\theta_i\,\partial\theta_j}, \qquad
# L(\boldsymbol\theta + \boldsymbol\Delta) \approx L(\boldsymbol\theta) + \nabla L^\top\boldsymbol\Delta
# + \tfrac12\,\boldsymbol\Delta^\top H\,\boldsymbol\Delta . $$
#
# It is symmetric ($H_{ij} = H_{ji}$, since the order of differentiation does not matter for a smooth
# $L$), and column $j$ is the derivative of the gradient with respect to $\theta_j$. Along a unit
# direction $\mathbf d$ the loss curves like a parabola with second derivative $\mathbf d^\top H\mathbf d$,
# the **curvature** along $\mathbf d$.
#
# Our network for the rest of the chapter is small enough to look at every entry: one input, a hidden
# layer of 2 tanh units, one linear output, so $P = 2 + 2 + 2 + 1 = 7$. The data are 24 points made by
# another network of the same shape (the "teacher"), so a perfect fit exists and we know it: the
# teacher's weights $\boldsymbol\theta^*$, where $L = 0$. The loss is the mean squared error of
# chapter 1, $L = \frac1N\sum_n \tfrac12 (a_{2,n} - t_n)^2$. We start at another network's random
# weights.

# %%
X = np.linspace(-2, 2, 24)[:, None]
teacher = bl.MLP([1, 2, 1], activation="tanh", output="identity", seed=5, init=1.0)
rng = np.random.default_rng(15)
for layer in teacher.layers:
    layer.b = rng.normal(0, 0.5, size=layer.n_out)
T = teacher.forward(X)                                    # targets (24, 1)
theta_star = cv.flatten(teacher)                          # a perfect fit: L(theta*) = 0

small = bl.MLP([1, 2, 1], activation="tanh", output="identity", seed=0)
theta0 = cv.flatten(small)
print(f"P = {theta0.size} parameters; loss at the start {cv.loss(small, X, T):.4f}, "
      f"at the teacher's weights {cv.loss(small, X, T, theta_star):.1e}")
assert theta0.size == 7 and cv.loss(small, X, T, theta_star) == 0.0, "the teacher fits exactly. " + OOPS

# %% [markdown]
# ### By finite differences of the gradient
#
# Backpropagation gives the gradient exactly, so the simplest Hessian takes central differences *of
# the gradient*: column $j$ is $\big(\nabla L(\boldsymbol\theta + h\mathbf e_j) - \nabla L(\boldsymbol\theta - h\mathbf e_j)\big)/2h$.
# That costs $2P$ gradients and is only approximate (chapter 4's truncation and round-off errors).

# %%
H_numeric = cv.hessian_fd(small, X, T)                     # 2P = 14 backward passes
print(np.round(H_numeric, 4) + 0.0)                       # + 0.0 turns -0.0 into 0.0

# %% [markdown]
# ### Exactly: differentiate the backward pass
#
# We want $H\mathbf v$ for a direction $\mathbf v$ in weight space, and
# $H\mathbf v = \frac{d}{d\varepsilon}\nabla L(\boldsymbol\theta + \varepsilon\mathbf v)$ at $\varepsilon = 0$:
# the derivative of the gradient along $\mathbf v$. The gradient is computed by a program, the forward
# and backward pass, so we differentiate that program line by line, exactly as forward mode did in
# section 3. The direction moves every weight: $\dot W_1 = V_1$, $\dot{\mathbf b}_1 = \mathbf c_1$,
# $\dot W_2 = V_2$, $\dot{\mathbf b}_2 = \mathbf c_2$ (the four pieces of $\mathbf v$), while the data
# $X$, $T$ stay fixed. With $f = \tanh$, $f' = 1 - a^2$ and $f'' = -2a(1 - a^2)$, each line and its
# derivative by the product rule:
#
# | pass | line | its derivative along $\mathbf v$ |
# |---|---|---|
# | forward | $Z_1 = X W_1 + \mathbf b_1$ | $\dot Z_1 = X V_1 + \mathbf c_1$ |
# | | $A_1 = f(Z_1)$ | $\dot A_1 = f'(Z_1) \odot \dot Z_1$ |
# | | $A_2 = A_1 W_2 + \mathbf b_2$ | $\dot A_2 = \dot A_1 W_2 + A_1 V_2 + \mathbf c_2$ |
# | backward | $\delta_2 = (A_2 - T)/N$ | $\dot\delta_2 = \dot A_2 / N$ |
# | | $G_1 = \delta_2 W_2^\top$ | $\dot G_1 = \dot\delta_2 W_2^\top + \delta_2 V_2^\top$ |
# | | $\delta_1 = G_1 \odot f'(Z_1)$ | $\dot\delta_1 = \dot G_1 \odot f'(Z_1) + G_1 \odot f''(Z_1) \odot \dot Z_1$ |
# | gradient | $dW_2 = A_1^\top\delta_2$, $\ d\mathbf b_2 = \sum_{\text{rows}}\delta_2$ | $\dot A_1^\top\delta_2 + A_1^\top\dot\delta_2$, $\ \sum_{\text{rows}}\dot\delta_2$ |
# | | $dW_1 = X^\top\delta_1$, $\ d\mathbf b_1 = \sum_{\text{rows}}\delta_1$ | $X^\top\dot\delta_1$, $\ \sum_{\text{rows}}\dot\delta_1$ |
#
# The right column is $H\mathbf v$, the **Hessian-vector product** (HVP). It costs about two
# gradients, whatever $P$ is, and never forms the $P \times P$ matrix: for a network with a million
# weights, $H$ has $10^{12}$ entries but $H\mathbf v$ is a million numbers. (This is forward mode
# applied to the backward pass, "forward over reverse".)

# %%
def hvp_two_layer(X, T, W1, b1, W2, b2, V1, c1, V2, c2):
    """H v for L = mean 1/2 (a2 - t)^2 of a tanh-linear network; v = (V1, c1, V2, c2) shaped like the weights."""
    N = X.shape[0]
    Z1 = X @ W1 + b1
    A1 = np.tanh(Z1)
    A2 = A1 @ W2 + b2
    Z1_dot = X @ V1 + c1                                   # the forward pass and its derivative
    A1_dot = (1 - A1 ** 2) * Z1_dot
    A2_dot = A1_dot @ W2 + A1 @ V2 + c2
    delta2, delta2_dot = (A2 - T) / N, A2_dot / N          # the backward pass and its derivative
    G1 = delta2 @ W2.T
    G1_dot = delta2_dot @ W2.T + delta2 @ V2.T
    delta1_dot = G1_dot * (1 - A1 ** 2) + G1 * (-2 * A1 * (1 - A1 ** 2)) * Z1_dot
    return (X.T @ delta1_dot, delta1_dot.sum(axis=0),      # the gradient's lines, differentiated
            A1_dot.T @ delta2 + A1.T @ delta2_dot, delta2_dot.sum(axis=0))


v = np.random.default_rng(2).normal(size=7)
(sW1, sb1), (sW2, sb2) = cv.unflatten(small, theta0)
(V1, c1), (V2, c2) = cv.unflatten(small, v)
Hv = np.concatenate([p.ravel() for p in hvp_two_layer(X, T, sW1, sb1, sW2, sb2, V1, c1, V2, c2)])
Hv_numeric = (cv.gradient(small, X, T, theta0 + 1e-5 * v) - cv.gradient(small, X, T, theta0 - 1e-5 * v)) / 2e-5
print("H v exactly:             ", Hv)
print("central differences of the gradient along v:", Hv_numeric)
print("relative error:", below(bl.rel_error(Hv, Hv_numeric), 1e-8), "(should be below 1e-7)")
print("against the finite-difference Hessian times v:", below(bl.rel_error(Hv, H_numeric @ v), 1e-8))
assert bl.rel_error(Hv, Hv_numeric) < 1e-7 and bl.rel_error(Hv, H_numeric @ v) < 1e-7, "HVP check failed. " + OOPS
assert bl.rel_error(Hv, cv.hvp(small, X, T, v)) < 1e-13, "the chapter's HVP and the library's differ. " + OOPS

# %% [markdown]
# The exact Hessian is then $P$ HVPs, one per unit vector: column $j$ is $H\mathbf e_j$
# (`cv.hessian`). Two checks: it is symmetric, although nothing in the code made it so, and it agrees
# with the finite-difference Hessian.

# %%
H = cv.hessian(small, X, T)                               # P = 7 HVPs
print("largest |H - H^T|, relative to the largest |H|:", below(np.abs(H - H.T).max() / np.abs(H).max(), 1e-14))
print("relative error, exact Hessian vs finite differences:", below(bl.rel_error(H, H_numeric), 1e-8),
      "(should be below 1e-7)")
assert np.abs(H - H.T).max() < 1e-14 * np.abs(H).max(), "the Hessian must be symmetric. " + OOPS
assert bl.rel_error(H, H_numeric) < 1e-7, "exact and finite-difference Hessians disagree. " + OOPS

names = ["W1[0,0]", "W1[0,1]", "b1[0]", "b1[1]", "W2[0,0]", "W2[1,0]", "b2[0]"]
fig, (ax,) = plots.new_figure(size=(4.6, 3.8))
limit = np.abs(H).max()
image = ax.imshow(H, cmap="RdBu_r", vmin=-limit, vmax=limit)
ax.set_xticks(range(7), names, rotation=60, fontsize=8)
ax.set_yticks(range(7), names, fontsize=8)
fig.colorbar(image, ax=ax, shrink=0.8)
ax.set_title("the Hessian at the starting weights")
fig

# %% [markdown]
# > ⚠️ **Common mistake: "the Hessian is $J^\top J$".** Write the residuals $r_n = a_{2,n} - t_n$.
# > Differentiating $\nabla L = \frac1N\sum_n r_n\,\nabla a_{2,n}$ once more gives two terms,
# >
# > $$ H = \underbrace{\frac1N \sum_n \nabla a_{2,n}\,\nabla a_{2,n}^\top}_{\text{Gauss-Newton: } \frac1N J^\top J}
# > \;+\; \frac1N \sum_n r_n\,\nabla^2 a_{2,n} , $$
# >
# > where $J$ is the $N \times P$ Jacobian of the outputs with respect to the weights (section 1). The
# > first term is often used on its own, because it is cheap and never has negative eigenvalues, but it
# > is the Hessian only where the residuals vanish. The cell shows both points.

# %%
def gauss_newton(theta):
    """(1/N) J^T J, with J (N, P) the Jacobian of the outputs with respect to the weights, one row per sample."""
    J_rows = np.array([cv.jacobian_reverse(small, x_n, wrt="params", theta=theta)[0] for x_n in X])
    return J_rows.T @ J_rows / len(X)


print("at the start (residuals up to", f"{np.abs(cv.outputs(small, X) - T).max():.2f}):",
      f"relative difference between H and (1/N) J^T J = {bl.rel_error(gauss_newton(theta0), H):.2f}")
H_star = cv.hessian(small, X, T, theta_star)
difference = below(bl.rel_error(gauss_newton(theta_star), H_star), 1e-12)
print(f"at the perfect fit (residuals 0): relative difference {difference}")
assert bl.rel_error(gauss_newton(theta0), H) > 0.05, "away from a fit the residual term matters. " + OOPS
assert bl.rel_error(gauss_newton(theta_star), H_star) < 1e-12, "at a perfect fit H = J^T J / N. " + OOPS

# %% [markdown]
# ## 6. What the curvature says about the learning rate
#
# Chapter 3 found the largest stable learning rate for linear regression. Near a minimum
# $\boldsymbol\theta^*$ the loss is, to second order, $L^* + \tfrac12\,\mathbf e^\top H\mathbf e$ with
# $\mathbf e = \boldsymbol\theta - \boldsymbol\theta^*$, so the gradient is $H\mathbf e$ and one step of
# gradient descent does
#
# $$ \mathbf e \;\leftarrow\; \mathbf e - \eta H\mathbf e = (I - \eta H)\,\mathbf e . $$
#
# Along an eigenvector of $H$ with eigenvalue $\lambda$, the error is multiplied by $1 - \eta\lambda$
# every step. It shrinks only if $|1 - \eta\lambda| < 1$, i.e. $0 < \eta < 2/\lambda$, and the most
# curved direction breaks first: the learning rate must stay below $2/\lambda_{\max}$.
#
# ### Linear regression: the Hessian is constant
#
# A straight line $\hat y = w x + b$ is `bl.MLP([1, 1])`, and its loss is a quadratic in $(w, b)$: the
# Hessian is the same matrix $\frac1n X^\top X$ at every point, chapter 3's
# $\begin{pmatrix}\overline{x^2} & \bar x\\ \bar x & 1\end{pmatrix}$. Our HVPs find exactly that, at
# any weights:

# %%
rng = np.random.default_rng(1)
x_line = rng.uniform(0, 3, size=200)                     # chapter 3's data
y_line = 2.0 * x_line - 1.0 + rng.normal(0, 0.5, size=200)
line = bl.MLP([1, 1], output="identity", seed=0)
H_line = cv.hessian(line, x_line[:, None], y_line)
H_line_elsewhere = cv.hessian(line, x_line[:, None], y_line, theta=np.array([5.0, -3.0]))
print("Hessian by HVPs:\n", H_line, "\nchapter 3's formula:\n", linreg_hessian(x_line))
assert np.allclose(H_line, linreg_hessian(x_line), rtol=1e-12, atol=0), "the line's Hessian is chapter 3's. " + OOPS
assert np.allclose(H_line_elsewhere, H_line, rtol=1e-12, atol=0), "a quadratic has a constant Hessian. " + OOPS

# %% [markdown]
# ### Power iteration: $\lambda_{\max}$ from HVPs alone
#
# For a big network we cannot form $H$, let alone call `np.linalg.eigvalsh`. But repeated
# multiplication picks out the largest eigenvalue: write a start vector in the eigenvectors,
# $\mathbf v = \sum_i c_i\mathbf q_i$; then $H^k\mathbf v = \sum_i c_i\lambda_i^k\mathbf q_i$, and the
# term with the largest $|\lambda_i|$ outgrows all others. **Power iteration** repeats
# $\mathbf v \leftarrow H\mathbf v / \|H\mathbf v\|$ and reads off $\lambda = \mathbf v^\top H\mathbf v$;
# each step is one HVP. It converges faster the more $|\lambda_{\max}|$ stands out from the next
# eigenvalue. (It finds the eigenvalue of largest *size*: at a point where $H$ has a large negative
# eigenvalue, that is what it returns. At a minimum all eigenvalues are $\ge 0$.)
#
# The cell runs it on the straight line and on our network at the perfect fit $\boldsymbol\theta^*$, and
# compares with `np.linalg.eigvalsh`, which needs the whole matrix.

# %%
lam_line, _, _ = cv.power_iteration(lambda u: cv.hvp(line, x_line[:, None], y_line, u), 2, iters=30, tol=0)
lam_line_exact = np.linalg.eigvalsh(H_line)[-1]
print(f"linear regression: lambda_max = {lam_line:.6f} after 30 HVPs (eigvalsh: {lam_line_exact:.6f}); "
      f"largest stable learning rate 2 / lambda_max = {2 / lam_line:.4f}")
assert abs(lam_line - lam_line_exact) < 1e-9 * lam_line_exact, "power iteration should match eigvalsh. " + OOPS

eigenvalues = np.linalg.eigvalsh(H_star)
print("the network at theta*: all eigenvalues of H (eigvalsh):", eigenvalues)
errors = {}
for k in (5, 10, 20, 60):
    lam, v_max, _ = cv.power_iteration(lambda u: cv.hvp(small, X, T, u, theta_star), 7, iters=k, tol=0)
    errors[k] = abs(lam - eigenvalues[-1]) / eigenvalues[-1]
    shown = f"{errors[k]:.0e}" if errors[k] > 1e-10 else below(errors[k], 1e-10)
    print(f"  power iteration, {k:2d} HVPs: lambda_max = {lam:.8f}, relative error {shown}")
assert errors[60] < 1e-12 and errors[5] > errors[10] > errors[20], "power iteration should converge. " + OOPS
assert eigenvalues[0] > -1e-12, "at a perfect fit the Hessian has no negative eigenvalue. " + OOPS

# %% [markdown]
# For the straight line the limit is sharp and global, because the loss is exactly a quadratic: just
# below $2/\lambda_{\max}$ gradient descent converges from any start, just above it diverges from
# almost every start. `bl.train` (full batch) at 0.8 and 1.25 times the limit:

# %%
limit_line = 2 / lam_line
results = {}
for factor in (0.8, 1.25):
    line = bl.MLP([1, 1], output="identity", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bl.TrainingDiverged)         # the status is printed below
        history = bl.train(line, x_line[:, None], y_line, loss="mse", lr=factor * limit_line, epochs=1500)
    results[factor] = (history, line)
    state = f"diverged at epoch {history.diverged_epoch}" if history.diverged else \
        f"converged to w = {line.layers[0].W[0, 0]:.4f}, b = {line.layers[0].b[0]:.4f}"
    print(f"lr = {factor} x 2/lambda_max = {factor * limit_line:.4f}: {state}")
best_line = linreg_optimum(x_line, y_line)
assert results[1.25][0].diverged, "1.25 x the limit must diverge on a quadratic. " + OOPS
assert not results[0.8][0].diverged and np.allclose(
    [results[0.8][1].layers[0].W[0, 0], results[0.8][1].layers[0].b[0]], best_line, atol=1e-6), \
    "0.8 x the limit must converge to the least-squares line. " + OOPS

# %% [markdown]
# ### The network: a limit for staying at the minimum
#
# A network's loss is close to a quadratic only near $\boldsymbol\theta^*$, so $2/\lambda_{\max}$ is a *local*
# limit: it decides whether gradient descent can settle at this minimum. To see it, start next to the
# perfect fit, nudged by $10^{-3}$ along the most curved direction $\mathbf q_{\max}$ (the vector
# power iteration returned), and train with learning rates 0.8 and 1.25 times $2/\lambda_{\max}$.
# Predicted: the nudge is multiplied by $1 - \eta\lambda_{\max} = 1 - 0.8 \cdot 2 = -0.6$ per step (it
# flips sign and shrinks) or by $1 - 1.25 \cdot 2 = -1.5$ (it flips sign and grows). We measure the
# component $\mathbf q_{\max}\cdot(\boldsymbol\theta - \boldsymbol\theta^*)$ after every epoch.

# %%
limit_net = 2 / lam
runs = {}
for factor in (0.8, 1.25):
    net_run = bl.MLP([1, 2, 1], activation="tanh", output="identity", seed=0)
    cv.set_params(net_run, theta_star + 1e-3 * v_max)
    trainer = bl.Trainer(net_run, X, T, loss="mse", lr=factor * limit_net, warn=False)
    along = [1e-3]
    for step in range(400):
        trainer.run(1)
        if trainer.history.diverged:
            break
        along.append((cv.flatten(net_run) - theta_star) @ v_max)
    distance = np.linalg.norm(cv.flatten(net_run) - theta_star) if not trainer.history.diverged else np.inf
    runs[factor] = (np.array(along), trainer.history, distance)
    ratio = np.array(along[1:6]) / np.array(along[:5])
    print(f"lr = {factor} x 2/lambda_max: the first five ratios {ratio.round(3)} (predicted {1 - factor * 2:.1f})")
    assert np.allclose(ratio, 1 - factor * 2, rtol=0.01), "the nudge should grow/shrink by 1 - lr lambda. " + OOPS
back, away = runs[0.8], runs[1.25]
print(f"after 400 epochs at 0.8 x the limit: distance from theta* below 1e-5: {back[2] < 1e-5}, "
      f"loss below 1e-12: {back[1].loss[-1] < 1e-12}")
print(f"after 400 epochs at 1.25 x the limit: distance from theta* above 0.1: {away[2] > 0.1}, "
      f"loss above 1e-9: {away[1].loss[-1] > 1e-9}")
assert back[2] < 1e-5 and back[1].loss[-1] < 1e-12, "below the limit it must come back to theta*. " + OOPS
assert away[2] > 0.1 and away[1].loss[-1] > 1e-9, "above the limit it must leave theta*. " + OOPS

fig, (ax,) = plots.new_figure(size=(6.0, 3.4))
for factor, color in ((0.8, "C0"), (1.25, "C3")):
    along = runs[factor][0][:61]
    steps = np.arange(along.size)
    ax.semilogy(steps, 1e-3 * np.abs(1 - factor * 2) ** steps, color=color, lw=1.0, alpha=0.6,
                label=f"predicted 1e-3 x {abs(1 - factor * 2):.1f}^k")
    ax.semilogy(steps, np.abs(along), "o", color=color, ms=3, label=f"lr = {factor} x 2/λmax: measured")
ax.set_ylim(1e-16, 10)
ax.set_xlabel("epoch")
ax.set_ylabel("|component along q_max|")
ax.set_title("a nudge along the most curved direction")
ax.legend(fontsize=7, loc="lower left")
ax.grid(True, alpha=0.3, which="both")
fig

# %% [markdown]
# Below the limit, the nudge shrinks by 0.6 per step, exactly as predicted, until it reaches round-off
# and the network is back at the perfect fit. Above it, the nudge grows by 1.5 per step, also as
# predicted, until it is no longer small; from then on the quadratic picture no longer holds (the
# measured dots leave the line) and the run ends more than 0.1 away from $\boldsymbol\theta^*$, with a
# loss above $10^{-9}$ where the run below the limit reached less than $10^{-12}$. For linear regression,
# leaving means blowing up; for a network, what happens after leaving depends on the rest of the loss
# surface. What does not depend on it: gradient descent with learning rate $\eta$ cannot stay near a
# minimum whose $\lambda_{\max}$ is above $2/\eta$. So a learning rate that works in a flat region can
# fail in a sharper one, and it is the curvature, not the size of the gradient, that sets the limit.
#
# ### The Newton step
#
# The quadratic model $L + \mathbf g^\top\boldsymbol\Delta + \tfrac12\boldsymbol\Delta^\top H\boldsymbol\Delta$
# (with $\mathbf g = \nabla L$) is flat where its gradient $\mathbf g + H\boldsymbol\Delta$ is zero: at the
# **Newton step** $\boldsymbol\Delta = -H^{-1}\mathbf g$. When all eigenvalues of $H$ are positive that
# point is the model's lowest point. The Newton step uses a different step length in every
# eigen-direction, $1/\lambda$ instead of one $\eta$ for all, so a narrow valley does not slow it down.
# On a quadratic it lands on the minimum in one step, from anywhere; on a network it is only as good as
# the quadratic model, and where $H$ has a negative eigenvalue the model's flat point is not a minimum:
# along that eigenvector the Newton step goes *uphill*. The widget below shows both.

# %%
start_line = np.array([-1.0, 3.0])
g_line = cv.gradient(bl.MLP([1, 1]), x_line[:, None], y_line, start_line)
newton = start_line - np.linalg.solve(H_line, g_line)
print("one Newton step from (w, b) = (-1, 3) lands at", newton, "; the least-squares line is", best_line)
assert np.allclose(newton, best_line, rtol=1e-10, atol=1e-12), "one Newton step solves a quadratic. " + OOPS

# %% [markdown]
# ## 7. Try it: a point on a loss surface
#
# A network with two weights, $a = w_2\tanh(w_1 x)$, fitted to 24 points $t = 1.5\tanh(x)$, so its loss
# $L(w_1, w_2)$ can be drawn. It has two perfect fits, $(1, 1.5)$ and $(-1, -1.5)$, and a **saddle** at
# $(0, 0)$: a point where the gradient is zero but the loss curves up in one direction and down in
# another (the Hessian has a positive and a negative eigenvalue). Left: the contours of $L$, the point, the gradient step $-\eta\nabla L$ (red), the Newton
# step $-H^{-1}\nabla L$ (purple) and the chosen direction $\mathbf d$ (grey). Right: the loss along
# $\mathbf d$ through the point, $L(\mathbf w + s\mathbf d)$, with its parabola
# $L + s\,\mathbf g\cdot\mathbf d + \tfrac12 s^2\,\mathbf d^\top H\mathbf d$ (dashed): the curvature along
# $\mathbf d$ is the parabola's second derivative.
#
# - Move **w1**, **w2**: near a perfect fit both eigenvalues are positive and the Newton step lands
#   almost on it. Near $w_1 = 0$ the Hessian has a negative eigenvalue at most points, and there the
#   Newton step heads for a saddle of the quadratic model instead of a minimum: at $w = (0.2, 0.5)$, for
#   example, it points at the saddle $(0, 0)$.
# - Turn the **direction**: the curvature $\mathbf d^\top H\mathbf d$ goes from $\lambda_{\min}$ to
#   $\lambda_{\max}$ as $\mathbf d$ turns from one eigenvector to the other.
# - Raise the **learning rate**: on the right, the red dot is the gradient step along $\mathbf d$ and the
#   purple square the parabola's lowest point. Once $\eta > 2/(\mathbf d^\top H\mathbf d)$ the red dot lands
#   more than twice as far out, higher on the parabola than where it started; above $2/\lambda_{\max}$
#   (the status line prints it) that happens for the most curved direction.

# %%
x_w = np.linspace(-2, 2, 24)
t_w = 1.5 * np.tanh(x_w)
explorer = CurvatureExplorer(x_w, t_w, w=(0.8, 1.2), angle=30.0, lr=0.5)
explorer

# %%
# What the widget shows before you touch it (a headless run), checked against central differences.
w0 = np.array([0.8, 1.2])
g_fd = bl.numerical_gradient(lambda w: float(cv.two_weight_loss(w[0], w[1], x_w, t_w)), w0.copy())
H_fd = cv.jacobian_fd(lambda w: cv.two_weight_grad(w, x_w, t_w), w0)
print(explorer.message)
print("relative error, gradient vs central differences:", below(bl.rel_error(explorer.grad, g_fd), 1e-8),
      "  Hessian vs central differences of the gradient:", below(bl.rel_error(explorer.hessian, H_fd), 1e-8))
assert bl.rel_error(explorer.grad, g_fd) < 1e-7 and bl.rel_error(explorer.hessian, H_fd) < 1e-7, \
    "the widget's derivatives disagree with central differences. " + OOPS
assert np.allclose(explorer.hessian @ explorer.newton_step, -explorer.grad, rtol=1e-12, atol=1e-15), \
    "the Newton step solves H step = -g. " + OOPS

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
# ### Exercise 1 · The input Jacobian of a ReLU network (2 points)
#
# Write `input_jacobian(x, W1, b1, W2, b2)` for the network $\mathbf z_1 = \mathbf x W_1 + \mathbf b_1$,
# $\mathbf a_1 = \mathrm{relu}(\mathbf z_1)$, $\mathbf a_2 = \mathbf a_1 W_2 + \mathbf b_2$ and one sample
# `x` of shape $(n,)$: return the Jacobian $\partial\mathbf a_2/\partial\mathbf x$ as an array of shape
# $(m, n)$, by the chain rule (section 1), not by finite differences. Use the course's convention
# $\mathrm{relu}'(0) = 0$: the check includes hidden units with $z$ exactly 0, and networks with
# $n \ne m$.

# %% nbgrader={"grade": false, "grade_id": "ex1_input_jacobian", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def input_jacobian(x, W1, b1, W2, b2):
    """d a2 / d x (m, n) for a2 = relu(x W1 + b1) W2 + b2 and one sample x (n,)."""
    ### BEGIN SOLUTION
    slope = (x @ W1 + b1 > 0).astype(float)
    return W2.T @ (slope[:, None] * W1.T)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from backprop_lib.checks import ch10

ch10.check_input_jacobian(input_jacobian)
### BEGIN HIDDEN TESTS
ch10.check_input_jacobian(input_jacobian, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 · A Jacobian from VJPs (1 point)
#
# You are given `vjp`, a function that runs one backward pass of some network with `m` outputs: for a
# vector `u` of shape $(m,)$ it returns $\mathbf u^\top J$, of shape $(n,)$. You do not see the network.
# Write `jacobian_from_vjps(vjp, m)` that returns the whole Jacobian $J$, shape $(m, n)$, with as few
# backward passes as possible (section 2 says how many). The check counts your calls.

# %% nbgrader={"grade": false, "grade_id": "ex2_jacobian_from_vjps", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def jacobian_from_vjps(vjp, m):
    """The (m, n) Jacobian of a network with m outputs, from its vector-Jacobian product vjp(u) = u^T J."""
    ### BEGIN SOLUTION
    return np.array([vjp(row) for row in np.eye(m)])
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ch10.check_jacobian_from_vjps(jacobian_from_vjps)
### BEGIN HIDDEN TESTS
ch10.check_jacobian_from_vjps(jacobian_from_vjps, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 · A Hessian-vector product, exactly (2 points)
#
# One sigmoid neuron without bias, $\mathbf a = \sigma(X\mathbf w)$ for a batch $X$ of shape $(N, n)$,
# with the loss $L(\mathbf w) = \frac1N\sum_n \tfrac12 (a_n - t_n)^2$. Its gradient is
# $\nabla L = X^\top\boldsymbol\delta$ with $\boldsymbol\delta = (\mathbf a - \mathbf t) \odot \sigma'(\mathbf z)/N$
# (chapter 1). Write `neuron_hvp(X, t, w, v)` that returns $H\mathbf v$, shape $(n,)$, exactly: differentiate
# each line of the gradient along $\mathbf v$ as in section 5 (you will need $\sigma''(z)$; differentiate
# $\sigma' = a(1 - a)$ once more). Finite differences of the gradient are not exact and fail the check.

# %% nbgrader={"grade": false, "grade_id": "ex3_neuron_hvp", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def neuron_hvp(X, t, w, v):
    """H v (n,) for L(w) = mean 1/2 (sigmoid(X w) - t)^2, exactly."""
    ### BEGIN SOLUTION
    a = bl.sigmoid(X @ w)
    slope = a * (1 - a)
    z_dot = X @ v
    a_dot = slope * z_dot
    delta_dot = (a_dot * slope + (a - t) * slope * (1 - 2 * a) * z_dot) / X.shape[0]
    return X.T @ delta_dot
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ch10.check_neuron_hvp(neuron_hvp)
### BEGIN HIDDEN TESTS
ch10.check_neuron_hvp(neuron_hvp, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# In this chapter we
# - wrote the Jacobian of a network's outputs with respect to its inputs,
#   $J = W_2^\top\mathrm{diag}(f'(\mathbf z_1))W_1^\top$, and with respect to its weights, and checked
#   both against central differences;
# - saw that a backward pass computes a vector-Jacobian product $\mathbf u^\top J$ (one pass per output
#   for the whole Jacobian) and a forward-mode pass a Jacobian-vector product $J\mathbf v$ (one pass per
#   input); both give the same Jacobian to round-off, and reverse mode wins for few outputs, which is
#   why one loss and many weights call for backpropagation;
# - computed the Hessian of a small network's loss by finite differences of the gradient and exactly,
#   from Hessian-vector products that differentiate the backward pass line by line, at the cost of about
#   two gradients each, and saw that $\frac1N J^\top J$ is the Hessian only where the residuals vanish;
# - found $\lambda_{\max}$ by power iteration with HVPs, recovered chapter 3's constant Hessian and its
#   limit $2/\lambda_{\max}$, and watched a network's minimum hold gradient descent at 0.8 times that
#   limit and lose it at 1.25 times, with the nudge shrinking and growing exactly by $1 - \eta\lambda_{\max}$;
# - compared the gradient step with the Newton step $-H^{-1}\nabla L$, which solves a quadratic in one
#   step and heads uphill where the curvature is negative.
#
# To go further on your own: the same HVPs, with power iteration, measure the sharpness of a trained
# network's minimum; methods such as conjugate gradients solve $H\boldsymbol\Delta = -\mathbf g$ from HVPs
# alone, one way to take Newton-type steps when $H$ is too big to form.
#
# **Next:** [Chapter 11 · Capstone](11_capstone.ipynb) puts every piece of the course together: a network made
# only of your own functions, trained on the digits.

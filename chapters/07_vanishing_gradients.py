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
# # Chapter 7 · Vanishing gradients
#
# [![Open in Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/backprop-course/backprop-course/HEAD?urlpath=lab/tree/chapters/07_vanishing_gradients.ipynb)
#
# If one hidden layer is good, are ten better? For a long time the answer in practice was no: deep
# networks of sigmoid units trained worse than shallow ones, and their first layers hardly trained at
# all. Backpropagation itself tells us why. The delta of a layer is the delta of the layer above
# multiplied by a weight matrix and by $f'(z)$, and the sigmoid's slope is never more than $1/4$. Going
# back through ten layers multiplies ten such factors: the gradient that reaches the first layer can be
# a million times smaller than the one at the output, or, with large weights, a million times larger.
# This chapter measures the effect and the fixes that made deep networks trainable: other activations
# and a careful choice of the initial weights.
#
# **In this chapter you will**
# - show that $\sigma'(z) \le 1/4$ and see the product of such factors shrink the delta layer by layer;
# - measure every layer's gradient norm in sigmoid networks with 2, 3 and 4 hidden layers, and see the
#   first layer learn far slower than the last;
# - compare sigmoid, tanh and ReLU;
# - derive the naive, Xavier/Glorot and He initialisations and watch gradients vanish or explode when the
#   scale is wrong;
# - change the depth, activation and initialisation of a network live and watch its gradients.

# %%
# %matplotlib inline
import warnings

import numpy as np

import backprop_lib as bl
from backprop_lib import plots
from backprop_lib.widgets import Playground

np.set_printoptions(precision=4, suppress=False)
OOPS = "If this fails, the course is at fault, not you: please report it."   # ends every assert message

# %% [markdown]
# ## 1. At most a quarter per layer
#
# Chapter 2 showed $\sigma'(z) = \sigma(z)(1 - \sigma(z))$. Write $s = \sigma(z) \in (0, 1)$: the product
# $s(1-s)$ is a parabola in $s$ with its maximum at $s = 1/2$, so
#
# $$ \sigma'(z) = s(1-s) = \tfrac14 - \big(s - \tfrac12\big)^2 \;\le\; \tfrac14 , $$
#
# with equality only at $z = 0$, and $\sigma'(z) \approx e^{-|z|}$ far from it (a *saturated* unit).
# For comparison, $\tanh'(z) = 1 - \tanh^2(z) \le 1$, also with its maximum at 0, and
# $\mathrm{relu}'(z)$ is exactly 1 for $z > 0$ and 0 for $z < 0$ (at $z = 0$ it is undefined;
# `backprop_lib` uses 0).

# %%
zs = np.linspace(-6, 6, 1201)
slopes = {"sigmoid": bl.sigmoid_prime(zs), "tanh": 1 - np.tanh(zs) ** 2, "relu": (zs > 0).astype(float)}
for name, s in slopes.items():
    print(f"max {name}'(z) = {s.max():.4f} at z = {zs[s.argmax()]:.2f}")
assert np.isclose(slopes["sigmoid"].max(), 0.25) and slopes["sigmoid"].max() <= 0.25, f"expected max sigma' = 1/4. {OOPS}"
assert np.isclose(slopes["tanh"].max(), 1.0), f"expected max tanh' = 1. {OOPS}"
h = 1e-5
assert np.abs((bl.sigmoid(zs + h) - bl.sigmoid(zs - h)) / (2 * h) - slopes["sigmoid"]).max() < 1e-9, \
    f"expected sigma' to match central differences to 1e-9. {OOPS}"

fig, (ax,) = plots.new_figure(size=(5, 3))
for name, s in slopes.items():
    ax.plot(zs, s, label=f"{name}'(z)")
ax.axhline(0.25, color="grey", lw=0.6, ls="--")
ax.text(-5.8, 0.27, "1/4", color="grey")
ax.set_xlabel("z")
ax.set_title("the slopes that backprop multiplies")
ax.legend(loc="upper left", fontsize=8)
fig

# %% [markdown]
# ## 2. The product over layers
#
# Apply the hidden-delta equation of chapter 5, $\Delta_l = (\Delta_{l+1}W_{l+1}^\top) \odot f'(Z_l)$,
# over and over from the output down to layer 1:
#
# $$ \Delta_1 = \Big(\cdots\big((\Delta_L W_L^\top) \odot f'(Z_{L-1})\big) W_{L-1}^\top \cdots\Big) \odot f'(Z_1). $$
#
# Every layer contributes one factor $W^\top$ and one factor $f'$. In the simplest network, a **chain**
# of single units with weights $w_l$, this is a plain product of numbers:
#
# $$ \delta_1 = \delta_L \prod_{l=1}^{L-1} w_{l+1}\,\sigma'(z_l), \qquad
# |\delta_1| \le |\delta_L| \prod_{l=1}^{L-1} \frac{|w_{l+1}|}{4} . $$
#
# With weights of size about 1 the delta shrinks by a factor of at least 4 per sigmoid layer: after 10
# layers by $4^{10} \approx 10^{6}$. The weight gradient of layer $l$ is its delta times its input, so it
# shrinks with it. Here is a chain of 9 sigmoid units and a linear output unit, all weights 1 and
# biases 0, for one sample. With one sample, $\partial L/\partial b_l = \delta_l$, so the bias gradients
# show the deltas themselves.

# %%
chain = bl.MLP([1] * 11, activation="sigmoid", output="identity")    # 10 layers: 9 sigmoid + output
for layer in chain.layers:
    layer.W, layer.b = np.ones((1, 1)), np.zeros(1)
x_chain, t_chain = np.array([[0.5]]), np.array([[0.0]])
_, grads = chain.loss_and_grads(x_chain, t_chain, loss="mse")
delta = np.array([g["b"][0] for g in grads])                          # delta_1, ..., delta_10
z_chain = np.array([layer.z[0, 0] for layer in chain.layers[:-1]])    # z_1, ..., z_9 of the sigmoid units
print("delta_l, layer 1 to 10:", delta)
print("delta_l / delta_(l+1): ", delta[:-1] / delta[1:])
print("sigma'(z_l):           ", bl.sigmoid_prime(z_chain))
print(f"delta_1 / delta_10 = {delta[0] / delta[-1]:.2e}   (at most 4^-9 = {4.0 ** -9:.2e})")
assert np.allclose(delta[:-1] / delta[1:], bl.sigmoid_prime(z_chain)), \
    f"expected each layer to multiply the delta by w sigma'(z) = sigma'(z). {OOPS}"
assert 0 < delta[0] / delta[-1] <= 4.0 ** -9, f"expected delta_1 / delta_10 <= 4^-9. {OOPS}"
# ... and backprop is right: the gradients really are that small. (A gradient of 1e-7 changes the loss by
# 1e-12 for a step h = 1e-5, close to float64's round-off; the larger step h = 1e-3 balances round-off
# against the h^2 truncation error, as in chapter 4.)
checks = bl.gradient_check(chain, x_chain, t_chain, loss="mse", h=1e-3)
print("gradient check, relative error per layer:", " ".join(f"{c['W']:.0e}" for c in checks), "(should be below 1e-7)")
assert all(c["W"] < 1e-7 and c["b"] < 1e-7 for c in checks), f"expected relative errors below 1e-7. {OOPS}"

# %% [markdown]
# Each step down the chain multiplies the delta by exactly $w\,\sigma'(z_l) = \sigma'(z_l) \approx 0.22$
# here (the chain's $z$ values settle around 0.66, where $\sigma' \approx 0.22$). Nine such factors make
# the first unit's delta about a millionth of the output's. The gradient check confirms these tiny
# numbers are not a bug: the first weight really does barely matter to the loss at this point.
#
# ## 3. Measured: per-layer gradient norms
#
# In real layers the factors are matrices, and the weights are random, so the product is not a bound
# we can read off. We measure instead: the norm $\|\partial L/\partial W_l\|$ of every layer's weight
# gradient (the square root of the sum of its squared entries, one number for the whole matrix), for
# sigmoid networks with 2, 3 and 4 hidden layers of 16 units, on the two-rings data set, at their
# initial weights (random numbers of a size that depends on the layer's width: the "Xavier" scale,
# which section 6 derives).

# %%
X, y = bl.datasets.circles(n=200, noise=0.1, seed=0)


def layer_norms(net):
    """||dL/dW_l|| for every layer, at the network's current weights."""
    _, g = net.loss_and_grads(X, y, loss="cross_entropy")
    return np.array([np.linalg.norm(gl["W"]) for gl in g])


norms = {}
for depth in (2, 3, 4):
    net = bl.MLP([2] + [16] * depth + [1], activation="sigmoid", output="sigmoid", seed=0)
    norms[depth] = layer_norms(net)
    print(f"{depth} hidden layers: " + "  ".join(f"{v:.1e}" for v in norms[depth])
          + f"   first/last = {norms[depth][0] / norms[depth][-1]:.1e}")
    print("   growth from layer l to l+1:" + "".join(f"  {r:5.1f}x" for r in norms[depth][1:] / norms[depth][:-1]))

# The growth factors, by the kind of step (layer 1 is 2x16, the hidden layers 16x16, the output layer 16x1):
first = [norms[d][1] / norms[d][0] for d in (2, 3, 4)]                           # from layer 1 to layer 2
hidden = [norms[d][l + 1] / norms[d][l] for d in (3, 4) for l in range(1, d - 1)]  # 16x16 to 16x16
into_output = [norms[d][-1] / norms[d][-2] for d in (2, 3, 4)]                   # into the 16x1 output layer
print(f"first step {min(first):.1f}x to {max(first):.1f}x;  between hidden layers {min(hidden):.1f}x to "
      f"{max(hidden):.1f}x;  into the output layer {min(into_output):.1f}x to {max(into_output):.1f}x")
assert all(3 < r < 8 for r in hidden), f"expected growth of 3x-8x between hidden layers, got {hidden}. {OOPS}"
assert all(1.5 < r < 8 for r in into_output), f"expected 1.5x-8x into the output layer, got {into_output}. {OOPS}"
assert all(r > 5 for r in first), f"expected the first step to be more than 5x, got {first}. {OOPS}"
assert norms[2][0] / norms[2][-1] > norms[3][0] / norms[3][-1] > norms[4][0] / norms[4][-1], \
    f"expected the first/last ratio to fall with depth. {OOPS}"
assert norms[4][0] / norms[4][-1] < 1e-3, f"expected first/last below 1e-3 with 4 hidden layers. {OOPS}"

# %%
fig, (ax,) = plots.new_figure(size=(5.2, 3.4))
for depth, n in norms.items():
    ax.semilogy(np.arange(1, len(n) + 1), n, "o-", label=f"{depth} hidden layers")
ax.set_xlabel("layer (1 = next to the input, last = output)")
ax.set_ylabel(r"$\|\partial L / \partial W_l\|$")
ax.set_xticks(range(1, 6))
ax.set_title("sigmoid networks at initialisation")
plots.decade_ticks(ax)                 # one labelled tick per power of 10
ax.grid(True, alpha=0.3)
ax.legend(fontsize=8)
fig

# %% [markdown]
# Every line climbs from the input to the output. The cell prints the growth factor of each step and
# checks it by the kind of step:
#
# - **between two hidden layers** (both $16\times16$) the norm grows by a factor of 3 to 8 per layer
#   (measured: about 4 to 6), the $\sigma' \le 1/4$ at work: every step down multiplies the delta by
#   one more factor $W^\top$ and one more $\sigma'$;
# - **into the output layer** ($16\times1$) the factor is between 1.5 and 8;
# - **the first step**, from layer 1 to layer 2, is larger: more than 5 (measured: between about 9 and
#   51, and it changes with the depth). Layer 1's matrix is $2\times16$ (one row per input coordinate,
#   against 16 rows in layer 2) and it multiplies the raw inputs, not sigmoid outputs, so its norm is
#   not directly comparable with the others; compare the hidden layers with each other.
#
# Together: with 4 hidden layers the first layer's gradient is more than a thousand times smaller than
# the last one's.
#
# ## 4. ... so the first layers barely learn
#
# Gradient descent moves each weight by $\eta$ times its gradient. With one learning rate for all layers,
# a layer whose gradient is $10^{-3}$ times smaller moves $10^{-3}$ times as far. We train sigmoid
# networks with 1, 2, 3 and 4 hidden layers for 300 epochs (learning rate 0.3, full batch) and measure
# how far each layer's weights moved, relative to their initial size,
# $\|W_l - W_l^{(0)}\| / \|W_l^{(0)}\|$:

# %%
moved, curves, accuracy = {}, {}, {}
for depth in (1, 2, 3, 4):
    net = bl.MLP([2] + [16] * depth + [1], activation="sigmoid", output="sigmoid", seed=0)
    W0 = [layer.W.copy() for layer in net.layers]
    curves[f"sigmoid, {depth} hidden"] = bl.train(net, X, y, loss="cross_entropy", lr=0.3, epochs=300).loss
    moved[depth] = [np.linalg.norm(layer.W - w0) / np.linalg.norm(w0) for layer, w0 in zip(net.layers, W0)]
    accuracy[depth] = np.mean(net.predict(X) == y)
    print(f"{depth} hidden layer{'s' if depth > 1 else ' '}: weights moved " + "  ".join(f"{m:6.1%}" for m in moved[depth])
          + f"   accuracy {accuracy[depth]:.1%}, final loss {curves[f'sigmoid, {depth} hidden'][-1]:.4f}")
first_layer = [moved[d][0] for d in (1, 2, 3, 4)]
assert all(a > 2 * b for a, b in zip(first_layer, first_layer[1:])), \
    f"expected layer 1 to move at least 2x less with every extra hidden layer, got {first_layer}. {OOPS}"
assert max(moved[4][:-1]) < 0.1 * moved[4][-1] < moved[2][0], \
    f"expected the layers below the output to move < 10% of the output layer's move (4 hidden). {OOPS}"
assert all(accuracy[d] < 0.6 and curves[f"sigmoid, {d} hidden"][-1] > 0.68 for d in (1, 2, 3, 4)), \
    f"expected every sigmoid network to stay on the plateau (accuracy < 60%, loss > 0.68). {OOPS}"

# %% [markdown]
# Depth decides how far the first layer gets: with every extra hidden layer it moves at least 2 times
# less (the cell asserts it; measured: about 31%, 12.5%, 1.8% and 0.2%). With 4 hidden layers every layer
# below the output moved by half a percent or less, the output layer by about 11%: the hidden layers are
# still, essentially, their random initialisation, and the output layer has to work with random features.
#
# But depth is not the whole story on the rings. **None** of the four sigmoid networks separates them
# within 300 epochs, *not even the one with a single hidden layer*, whose first layer moved a lot: all
# four end with an accuracy below 60% and a loss above 0.68, on the *plateau* of the loss near
# $\log 2 \approx 0.69$, the value of predicting 0.5 everywhere (a plateau is a region where the loss is
# almost flat, so gradient descent crawls). Sigmoid units make that plateau hard to leave at this
# learning rate, at any depth; extra depth then starves the first layers on top of it. The same
# 4-hidden-layer network with tanh or ReLU units trains (in the plot, the four sigmoid curves stay flat
# near 0.69; the spikes of the other two are full-batch steps that overshoot and recover):

# %%
for act in ("tanh", "relu"):
    net = bl.MLP([2] + [16] * 4 + [1], activation=act, output="sigmoid", seed=0)
    curves[f"{act}, 4 hidden"] = bl.train(net, X, y, loss="cross_entropy", lr=0.3, epochs=300).loss
    print(f"{act}, 4 hidden layers: loss {curves[f'{act}, 4 hidden'][-1]:.3f}, accuracy {np.mean(net.predict(X) == y):.0%}")
    assert curves[f"{act}, 4 hidden"][-1] < 0.1, f"expected {act} with 4 hidden layers to reach a loss below 0.1. {OOPS}"

fig, (ax,) = plots.new_figure(size=(5.2, 3.4))
for name, loss in curves.items():
    ax.semilogy(np.arange(1, len(loss) + 1), loss, label=name, ls="-" if "sigmoid" in name else "--")
ax.set_xlabel("epoch")
ax.set_ylabel("cross-entropy")
ax.set_title("the same networks, three activations")
plots.decade_ticks(ax)
ax.grid(True, alpha=0.3)
ax.legend(fontsize=8)
fig

# %% [markdown]
# ## 5. Sigmoid, tanh and ReLU
#
# Why do tanh and ReLU do so much better?
#
# - **tanh** is a rescaled sigmoid, $\tanh(z) = 2\sigma(2z) - 1$, but its slope at 0 is 1, four times the
#   sigmoid's, and its outputs are centred on 0. A tanh unit near $z = 0$ passes the delta back
#   almost unchanged; it still saturates (slope near 0) for large $|z|$.
# - **ReLU** has slope exactly 1 wherever the unit is active: the factor $f'$ is 1 or 0, and it never
#   shrinks the delta of an active unit. Its weakness is the 0: a unit that is inactive on every input
#   (a "dead" unit) gets no gradient at all.
#
# The per-layer norms at initialisation, for 6 hidden layers of 16 units:

# %%
deep = {}
for act in ("sigmoid", "tanh", "relu"):
    deep[act] = layer_norms(bl.MLP([2] + [16] * 6 + [1], activation=act, output="sigmoid", seed=0))
    print(f"{act:>7}: first/last = {deep[act][0] / deep[act][-1]:.1e}   "
          + " ".join(f"{v:.0e}" for v in deep[act]))
assert deep["sigmoid"][0] / deep["sigmoid"][-1] < 1e-3 < 0.1 < deep["tanh"][0] / deep["tanh"][-1], \
    f"expected first/last below 1e-3 for sigmoid and above 0.1 for tanh. {OOPS}"
assert deep["relu"][0] / deep["relu"][-1] > 0.1, f"expected first/last above 0.1 for relu. {OOPS}"

fig, (ax,) = plots.new_figure(size=(5.2, 3.4))
for act, n in deep.items():
    ax.semilogy(np.arange(1, 8), n, "o-", label=act)
ax.set_xlabel("layer")
ax.set_ylabel(r"$\|\partial L / \partial W_l\|$")
ax.set_title("6 hidden layers at initialisation")
plots.decade_ticks(ax)
ax.grid(True, alpha=0.3)
ax.legend(fontsize=8)
fig

# %% [markdown]
# ## 6. Initialisation, and gradients that explode
#
# The factor per layer is $W^\top$ **and** $f'$, so the size of the weights matters as much as the
# activation. How large should random initial weights be? A little probability answers it.
#
# **Three words.** Think of a weight drawn at random as a *random variable* $v$. Its **mean**
# $\mathbb E[v]$ is the average of $v$ over very many draws. Its **variance**
# $\mathrm{Var}(v) = \mathbb E\big[(v - \mathbb E[v])^2\big] = \mathbb E[v^2] - \mathbb E[v]^2$ is the
# average squared distance from the mean; its square root is the **standard deviation**, the typical
# size of the spread. Two random variables $u$ and $v$ are **independent** when knowing one tells
# nothing about the other; then the mean of a product is the product of the means,
# $\mathbb E[uv] = \mathbb E[u]\,\mathbb E[v]$.
#
# **The rule.** Consider one unit of a layer with $n_{\text{in}}$ inputs $a_i$ and weights $w_i$, all
# independent, the weights with mean 0 and all with the same distribution. Its pre-activation is
# $z = \sum_i w_i a_i$ (bias 0 at the start). Its mean is $\mathbb E[z] = \sum_i \mathbb E[w_i]\,\mathbb E[a_i] = 0$.
# For its variance, square the sum: $z^2 = \sum_i w_i^2 a_i^2 + \sum_{i \ne j} w_i a_i\, w_j a_j$. The
# cross terms have mean $\mathbb E[w_i]\,\mathbb E[a_i w_j a_j] = 0$ (independence, and $\mathbb E[w_i] = 0$), and
# each square has mean $\mathbb E[w^2]\,\mathbb E[a^2] = \mathrm{Var}(w)\,\mathbb E[a^2]$. So
#
# $$ \mathrm{Var}(z) = \mathbb E[z^2] - 0^2 = n_{\text{in}}\,\mathrm{Var}(w)\,\mathbb E[a^2] . $$
#
# Note $\mathbb E[a^2]$, not $\mathrm{Var}(a)$: the inputs need not have mean 0 (a ReLU's or a sigmoid's
# outputs never do). The cell below checks the rule exactly, by listing every possible outcome of a
# small case, and then by sampling a large one.

# %%
from itertools import product

# Exact: n_in = 3 inputs, each a in {0, 0.5, 2} (equally likely, mean not 0), each w in {-0.3, +0.3}.
a_values, w_values, n_in = np.array([0.0, 0.5, 2.0]), np.array([-0.3, 0.3]), 3
outcomes = list(product(product(a_values, w_values), repeat=n_in))   # every (a_i, w_i) for i = 1..3
p_each = 1.0 / len(outcomes)                                          # all 6^3 = 216 equally likely
z_all = np.array([sum(a * w for a, w in unit) for unit in outcomes])
var_exact = np.sum(p_each * z_all ** 2) - np.sum(p_each * z_all) ** 2
var_rule = n_in * np.var(w_values) * np.mean(a_values ** 2)
print(f"all {len(outcomes)} outcomes: Var(z) = {var_exact:.10f},  n_in Var(w) E[a^2] = {var_rule:.10f}")
assert abs(var_exact - var_rule) <= 1e-7 * var_rule, f"expected the rule to hold exactly. {OOPS}"

# Sampled: 64 inputs from a ReLU (a = max(0, normal)), weights N(0, 0.2^2), 20,000 units.
rng_v = np.random.default_rng(0)
a_s = np.maximum(0.0, rng_v.normal(size=(20_000, 64)))
w_s = rng_v.normal(0.0, 0.2, size=(20_000, 64))
z_s = np.sum(a_s * w_s, axis=1)
rule = 64 * 0.2 ** 2 * 0.5                  # E[a^2] = 1/2 for a ReLU of a standard normal
print(f"sampled: Var(z) = {z_s.var():.4f},  rule {rule:.4f}  (a sample of 20,000 units lands within a few percent)")
assert abs(z_s.var() / rule - 1) < 0.03, f"expected the sampled variance within 3% of the rule. {OOPS}"

# %% [markdown]
# What the rule says for the three ways to initialise:
#
# - **Naive**, $w \sim \mathcal N(0, 1)$: $\mathrm{Var}(z) = n_{\text{in}}\,\mathbb E[a^2]$. A ReLU keeps the
#   positive half of a symmetric $z$, so $\mathbb E[a^2] = \tfrac12\mathrm{Var}(z_{\text{prev}})$ and the
#   variance of $z$ grows by a factor of $n_{\text{in}}/2$ per layer: ReLU units pass the growth on, and
#   activations, outputs and gradients **explode**. Sigmoid
#   and tanh units saturate (huge $|z|$, slopes near 0), and then two large numbers fight: the slopes
#   shrink the delta, the weights (of size about $\sqrt{n_{\text{in}}}$ together) enlarge it.
# - **Xavier / Glorot**, $\mathrm{Var}(w) = \frac{2}{n_{\text{in}} + n_{\text{out}}}$: keeps $\mathrm{Var}(z)$
#   about constant going forward ($n_{\text{in}}\mathrm{Var}(w) \approx 1$) and the deltas' variance about
#   constant going backward ($n_{\text{out}}\mathrm{Var}(w) \approx 1$): the average of the two conditions.
#   Right for tanh, which is close to the identity near 0.
# - **He**, $\mathrm{Var}(w) = \frac{2}{n_{\text{in}}}$: a ReLU sets half of its inputs to 0, which halves
#   $\mathbb E[a^2]$; the factor 2 makes up for it.
#
# `bl.MLP(..., init="naive" | "xavier" | "he")` chooses; the default `"auto"` is He for ReLU and Xavier
# otherwise. Below, 10 hidden layers of 64 units on random inputs: the spread (standard deviation) of
# each layer's activations, and each layer's gradient norm.

# %%
rng = np.random.default_rng(0)
X_wide, T_wide = rng.normal(size=(500, 64)), rng.normal(size=(500, 1))
combos = [("tanh", "naive"), ("tanh", "xavier"), ("relu", "naive"), ("relu", "xavier"), ("relu", "he")]
spread, grad_norms = {}, {}
with np.errstate(over="ignore"):
    for act, init in combos:
        net = bl.MLP([64] * 11 + [1], activation=act, output="identity", init=init, seed=0)
        _, g = net.loss_and_grads(X_wide, T_wide, loss="mse")
        spread[act, init] = [layer.a.std() for layer in net.layers[:-1]]
        grad_norms[act, init] = [np.linalg.norm(gl["W"]) for gl in g]
        print(f"{act:>4} {init:>6}: activation spread layer 1 {spread[act, init][0]:8.2g}, layer 10 "
              f"{spread[act, init][-1]:8.2g};  gradient norm layer 1 {grad_norms[act, init][0]:8.2g}, "
              f"output {grad_norms[act, init][-1]:8.2g}")
assert spread["relu", "naive"][-1] > 1e6 and spread["relu", "xavier"][-1] < 0.05, \
    f"expected ReLU spreads > 1e6 (naive) and < 0.05 (Xavier) at layer 10. {OOPS}"
assert 0.2 < spread["relu", "he"][-1] < 2 and spread["tanh", "naive"][-1] > 0.9, \
    f"expected He to keep the ReLU spread in (0.2, 2) and naive tanh saturated (spread > 0.9). {OOPS}"
assert max(spread["tanh", "xavier"]) < 4 * min(spread["tanh", "xavier"]), \
    f"expected Xavier to keep tanh's spread within a factor of 4. {OOPS}"
assert grad_norms["relu", "naive"][0] > 1e12 > 1 > grad_norms["relu", "he"][0], \
    f"expected naive ReLU gradients above 1e12 and He's below 1 at layer 1. {OOPS}"
assert max(grad_norms["relu", "he"]) < 10 * min(grad_norms["relu", "he"]), \
    f"expected He to keep every layer's gradient norm within a factor of 10. {OOPS}"
assert grad_norms["tanh", "naive"][0] > 100 * grad_norms["tanh", "naive"][-1], \
    f"expected naive tanh's gradient at layer 1 to be > 100x the output layer's. {OOPS}"

# %%
fig, (ax_a, ax_g) = plots.new_figure(ncols=2, size=(4.4, 3.4))
for act, init in combos:
    style = dict(marker="o", ms=3, ls="-" if act == "relu" else "--", label=f"{act}, {init}")
    ax_a.semilogy(np.arange(1, 11), spread[act, init], **style)
    ax_g.semilogy(np.arange(1, 12), grad_norms[act, init], **style)
ax_a.set_title("spread of the activations")
ax_a.set_ylabel(r"std of $a_l$")
ax_g.set_title("gradient norm per layer")
ax_g.set_ylabel(r"$\|\partial L / \partial W_l\|$")
for ax in (ax_a, ax_g):
    ax.set_xlabel("layer")
    plots.decade_ticks(ax)
    ax.grid(True, alpha=0.3)
ax_g.legend(fontsize=7, loc="center right")
fig

# %% [markdown]
# Read the left panel first. With **naive** weights, ReLU activations grow by a factor of about
# $\sqrt{64/2} \approx 5.7$ per layer, to $10^{7}$ at layer 10, and the gradients (right) are of order
# $10^{15}$: they **explode**. Tanh with naive weights is saturated from layer 1 on (spread near 1: every unit
# at $\pm 1$), and here the large weights win over the small slopes: its gradient grows by a factor of
# about 2 per layer on the way back, to several thousand at layer 1, exploding in the backward direction.
# **Xavier** keeps tanh's spread within a factor of 4 and its gradients level, but lets ReLU's spread
# halve at every layer. **He** keeps ReLU's steady, and the gradient norms of all layers within a factor of
# 10 of each other.
#
# Exploding gradients make training diverge rather than crawl. The same 6-layer ReLU network on the rings,
# once with naive and once with He initialisation, the same learning rate:

# %%
with warnings.catch_warnings():
    warnings.simplefilter("ignore", bl.TrainingDiverged)
    for init in ("naive", "he"):
        net = bl.MLP([2] + [32] * 6 + [1], activation="relu", output="sigmoid", init=init, seed=0)
        hist = bl.train(net, X, y, loss="cross_entropy", lr=0.1, epochs=100)
        print(f"{init:>5}: first-epoch gradient norms {' '.join(f'{v:.0e}' for v in hist.grad_norms[0])}")
        print(f"       {hist}" + (f"\n       {hist.message}" if hist.diverged else
                                  f", accuracy {np.mean(net.predict(X) == y):.0%}"))
        assert hist.diverged == (init == "naive"), f"expected naive to diverge and He to train. {OOPS}"

# %% [markdown]
# ## 7. What fixes it, and why
#
# | problem | cause in the backward pass | fix |
# |---|---|---|
# | vanishing, saturating units | $f'(z) \le 1/4$ (sigmoid), $\approx 0$ when saturated | tanh, better ReLU-like units with $f' = 1$ when active |
# | vanishing, small weights | $\|W^\top\|$ factors below 1 per layer | initialise with Xavier (tanh, sigmoid) or He (ReLU) |
# | exploding | $\|W^\top\|$ factors above 1 per layer, e.g. naive $\mathcal N(0, 1)$ | the same initialisations; a smaller learning rate only delays it |
#
# All three fixes act on the same product $\prod_l W_{l+1}^\top\,\mathrm{diag}(f'(z_l))$: they keep each
# factor close to size 1, so that a product of many factors neither dies nor blows up. Later techniques
# (not built in this course) follow the same idea: *normalisation layers* rescale $z$ to unit variance
# during training, *residual connections* add the identity to each factor ($a_{l+1} = a_l + F(a_l)$), and
# *gradient clipping* caps the step when a gradient does explode.

# %% [markdown]
# ## 8. Try it: the depth slider
#
# The playground below starts with the network the first sections warned about: **4 hidden sigmoid
# layers** on the rings, learning rate 0.05. The right panel shows each layer's gradient norm per epoch
# (dark: layer 1, next to the input; yellow: the output layer). At the start, layer 1's gradient is
# less than a hundredth of the output layer's (the cell below the playground prints it); the network
# then sits on the plateau (predict 0.5 everywhere) and every gradient fades.
#
# - Move **hidden layers** from 1 to 10 and watch the gap between the dark and the yellow lines grow.
# - Switch **activation** to tanh or relu (and raise the learning rate to about 0.3): the lines bunch up
#   and the rings get separated.
# - Exploding gradients: set **activation** to relu, the **learning rate** back to 0.05, **width** (the
#   units per hidden layer) to 32, **hidden layers** to 6 and **init** to naive. The first epoch's gradients are in the hundreds,
#   and training diverges at epoch 2: the status line says so and names the initialisation as the
#   suspect. Now set **init** to he: the same network, with the same learning rate, separates the rings
#   (above 90% training accuracy after the 200 epochs every change trains: the first few at once, the
#   rest under **Play**, which starts by itself and pauses at epoch 200). The second cell after
#   the playground checks this without a second widget: it trains the network these settings build
#   with the playground's own trainer, on the same training points.

# %%
playground = Playground(dataset="circles", depth=4, width=8, activation="sigmoid", lr=0.05, seed=0,
                        initial_epochs=200)
playground

# %%
g = playground.history.grad_norms
print(playground)
print(f"first epoch: gradient norm of layer 1 / output layer = {g[0, 0] / g[0, -1]:.1e}")
assert playground.net.sizes == [2, 8, 8, 8, 8, 1] and g.shape == (200, 5), f"unexpected playground state. {OOPS}"
assert g[0, 0] / g[0, -1] < 1e-2, f"expected layer 1's first gradient below 1/100 of the output layer's. {OOPS}"

# %%
# The last bullet without a second widget. The playground's training points are the rings of section 3 (X, y)
# minus the 30% it keeps aside as a test set. For these settings it builds a 2-32-...-32-1 relu network (6 hidden
# layers, sigmoid output, the init from the menu, seed 0) and trains it with bl.Trainer, the loop that bl.train
# runs too: full batch, 200 epochs, and blowup=20, its rule that a loss more than 20 times the untrained
# network's counts as diverged. (The course's tests move the playground's own controls exactly as the bullet
# says and get the same loss curves.)
X_pg, _, y_pg, _ = bl.datasets.train_test_split(X, y, test_fraction=0.3, seed=0)
runs, accuracy = {}, {}
for init in ("naive", "he"):
    net = bl.MLP([2] + [32] * 6 + [1], activation="relu", output="sigmoid", init=init, seed=0)
    runs[init] = bl.Trainer(net, X_pg, y_pg, loss="cross_entropy", lr=0.05, seed=0, warn=False, blowup=20).run(200)
    accuracy[init] = np.mean(net.predict(X_pg) == y_pg)
    print(f"{init:>5}: first-epoch gradient norms {' '.join(f'{v:.0e}' for v in runs[init].grad_norms[0])}")
    print(f"       {runs[init].message}" if runs[init].diverged else
          f"       {runs[init].epochs} epochs, training accuracy {accuracy[init]:.0%}, diverged: False")
h_naive, h_he = runs["naive"], runs["he"]
assert h_naive.diverged and h_naive.diverged_epoch == 2 and h_naive.grad_norms[0].min() > 100, \
    f"expected naive weights to give gradients above 100 and diverge at epoch 2. {OOPS}"
assert "init" in h_naive.message, f"expected the divergence message to name the initialisation. {OOPS}"
assert not h_he.diverged and h_he.epochs == 200 and accuracy["he"] > 0.9, \
    f"expected He to train 200 epochs to above 90% training accuracy. {OOPS}"

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
# ### Exercise 1 · Initialisation scales (1 point)
#
# Write `init_std(n_in, n_out, scheme)` that returns the **standard deviation** of the normal
# distribution the initial weights of an `n_in` → `n_out` layer are drawn from, for `scheme` `"naive"`,
# `"xavier"` or `"he"` (section 6). Use the formulas, not the library's own `init_std`.

# %% nbgrader={"grade": false, "grade_id": "ex1_init_std", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def init_std(n_in, n_out, scheme):
    """Standard deviation of the initial weights for the naive, Xavier (Glorot) or He scheme."""
    ### BEGIN SOLUTION
    if scheme == "naive":
        return 1.0
    if scheme == "xavier":
        return float(np.sqrt(2.0 / (n_in + n_out)))
    return float(np.sqrt(2.0 / n_in))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from backprop_lib.checks import ch07

ch07.check_init_std(init_std)
### BEGIN HIDDEN TESTS
ch07.check_init_std(init_std, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 · Measuring the gradients (1 point)
#
# Write `layer_gradient_norms(net, X, T, loss)` that returns, for a `bl.MLP` `net`, one number per layer:
# the norm $\|\partial L/\partial W_l\|$ (square root of the sum of squares of all entries) of that
# layer's weight gradient, layer 1 first. Measuring must not change the network.

# %% nbgrader={"grade": false, "grade_id": "ex2_layer_gradient_norms", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def layer_gradient_norms(net, X, T, loss):
    """[||dL/dW_1||, ..., ||dL/dW_L||]."""
    ### BEGIN SOLUTION
    _, grads = net.loss_and_grads(X, T, loss=loss)
    return [float(np.linalg.norm(g["W"])) for g in grads]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ch07.check_layer_gradient_norms(layer_gradient_norms)
### BEGIN HIDDEN TESTS
ch07.check_layer_gradient_norms(layer_gradient_norms, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 · Find the bug (2 points)
#
# A backward pass for a network of any depth: tanh hidden layers, a linear output layer and the mean
# squared error. The parameters are `W1, b1, ..., WL, bL`; `As[l]` is the output of layer `l` and
# `As[0] = X`. It runs, on the network below (3 inputs, three hidden layers of 4, one output), and it
# is wrong. The gradient check:

# %%
def buggy_deep_backward(X, T, params):
    n_layers = len(params) // 2
    As = [X]
    for l in range(1, n_layers + 1):
        Z = As[l - 1] @ params[f"W{l}"] + params[f"b{l}"]
        As.append(np.tanh(Z) if l < n_layers else Z)
    N = X.shape[0]
    loss = 0.5 * np.sum((As[-1] - T) ** 2) / N
    delta = (As[-1] - T) / N
    grads = {}
    for l in range(n_layers, 0, -1):
        grads[f"W{l}"] = As[l - 1].T @ delta
        grads[f"b{l}"] = delta.sum(axis=0)
        if l > 1:
            delta = (delta @ params[f"W{l}"].T) * (1 - As[l] ** 2)
    return loss, grads


X_bug, T_bug, params_bug = ch07.deep_case(sizes=(3, 4, 4, 4, 1), seed=0)
errors = ch07.gradient_report(buggy_deep_backward, X_bug, T_bug, params_bug)
assert errors["W4"] < 1e-7 and errors["W1"] > 1e-3

# %% [markdown]
# Only the output layer's gradients are right. Copy the function into `deep_backward`, find the bug and
# fix it. The check compares your gradients with the exact ones and asks for backpropagation, as in
# chapter 5. (Why does the buggy version not even crash here, although one of its arrays has the wrong
# shape? Try it on `ch07.deep_case(sizes=(2, 5, 3))`.)

# %% nbgrader={"grade": false, "grade_id": "ex3_find_the_bug", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def deep_backward(X, T, params):
    """(loss, grads) for tanh hidden layers, a linear output layer and the mean squared error."""
    ### BEGIN SOLUTION
    n_layers = len(params) // 2
    As = [X]
    for l in range(1, n_layers + 1):
        Z = As[l - 1] @ params[f"W{l}"] + params[f"b{l}"]
        As.append(np.tanh(Z) if l < n_layers else Z)
    N = X.shape[0]
    loss = 0.5 * np.sum((As[-1] - T) ** 2) / N
    delta = (As[-1] - T) / N
    grads = {}
    for l in range(n_layers, 0, -1):
        grads[f"W{l}"] = As[l - 1].T @ delta
        grads[f"b{l}"] = delta.sum(axis=0)
        if l > 1:
            # the fix: layer l-1's own activation; As[l] broadcast silently when it had one column
            delta = (delta @ params[f"W{l}"].T) * (1 - As[l - 1] ** 2)
    return loss, grads
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ch07.check_deep_backward(deep_backward)
### BEGIN HIDDEN TESTS
ch07.check_deep_backward(deep_backward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# **Where does your backward pass first go wrong?** If the check fails, run the cell below. The
# backward-pass debugger runs your function on the case above and compares each gradient with the
# library's, in the order a backward pass computes them (output side first). It names the first one
# that is wrong and says how it differs (the same factor on every entry, a flipped sign, only some rows
# or columns, a transposed shape); the gradients after it may be wrong only because they inherit its
# error. It says where, never what the right code is. To narrow it down, add your deltas to the dict
# you return, as `"delta4"`, ..., `"delta1"` (the check ignores extra keys): the debugger compares
# those too. The picture shows your first wrong tensor minus the right one (white where an entry is
# right); when every tensor matches, it shows each one's relative error instead.

# %%
from backprop_lib.debugger import debug_params_function

report = debug_params_function(deep_backward, X_bug, T_bug, params_bug,
                               activation="tanh", output="identity", loss="mse")
print(report.text())
plots.debug_heatmap(report)

# %% [markdown]
# ## Summary
#
# In this chapter we
# - showed $\sigma'(z) \le 1/4$, so that each sigmoid layer multiplies the delta by a factor that is
#   usually well below 1, and saw nine such factors multiply in a chain of units;
# - measured every layer's gradient norm: in sigmoid networks with 2, 3 and 4 hidden layers the first
#   layer's gradient is $10^{-2}$ to $10^{-4}$ times the last one's (between hidden layers it grows by a
#   factor of 3 to 8 per layer), and in training the first layer moves less with every extra layer;
# - saw that on the rings even a sigmoid network with one hidden layer stays on the plateau for 300
#   epochs: depth starves the first layers, but it is not the only obstacle;
# - compared sigmoid, tanh (slope 1 at 0) and ReLU (slope 1 when active), which keep the gradients of
#   all layers within a small factor of each other;
# - derived the naive, Xavier/Glorot and He initialisations from $\mathrm{Var}(z) = n_{\text{in}}
#   \mathrm{Var}(w)\,\mathbb E[a^2]$ (a sum of independent terms, checked exactly on a small case), and saw
#   naive weights make ReLU gradients explode and training diverge, with the initialisation named as
#   the cause;
# - concluded that every fix keeps each factor of the backward product near size 1.
#
# **Next:** [Chapter 8 · Convolution](08_convolution.ipynb) applies the same backward-pass recipe to a
# layer whose weights are shared across positions.

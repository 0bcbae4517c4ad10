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
# # Chapter 11 · Capstone: your own network, end to end
#
# [![Open in Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/backprop-course/backprop-course/HEAD?urlpath=lab/tree/chapters/11_capstone.ipynb)
#
# Ten chapters took backpropagation apart one piece at a time, and every chapter leaned on the library
# `backprop_lib` for the pieces it was not about. In this chapter nothing is borrowed. You write every
# piece of a digit classifier yourself (the layers, the loss, the backward pass, the optimiser, the
# training loop), each one checked as you go, then put them together and train a network made **only of
# your functions** until it recognises at least 95% of handwritten digits it has never seen, in a few
# seconds. Then you watch it learn: its loss, its accuracy, the gradients of each layer, and the digits it
# still gets wrong.
#
# **In this chapter you will**
# - recall the seven pieces of a classifier and the shapes that connect them;
# - write the affine layer and the ReLU, forward and backward, and a softmax cross-entropy that stays
#   finite for logits of $\pm 1000$;
# - write the forward and backward pass of a network with any number of layers, exact to round-off;
# - write one update with momentum and one epoch of mini-batch training;
# - choose the settings that train your network to 95% test accuracy, and check every gradient it
#   shows against central differences.

# %%
# %matplotlib inline
import time

import numpy as np

import backprop_lib as bl
from backprop_lib import capstone, plots
from backprop_lib.widgets import CapstoneView

np.set_printoptions(precision=4, suppress=True)
COURSE_BUG = "A failure here is a bug in the course, not in your work; please report it."

# %% [markdown]
# ## 1. The plan: seven pieces
#
# The **data** are the 1797 handwritten digits of chapter 6: images of $8 \times 8$ pixels, each pixel a
# number from 0 (white) to 16 (black), read row by row into 64 numbers. A quarter of them (449) are held
# out as the **test set**, which the network never trains on; the other 1348 are the **training set**.
# Each pixel column is **standardised** (shifted and scaled to mean 0 and standard deviation 1 with the
# training set's statistics, chapter 3). A digit's class $c \in \{0, \dots, 9\}$ is stored as a
# **one-hot** row $t$ of 10 numbers, 1 at position $c$ and 0 elsewhere.
#
# The **network** has $L$ layers. With the batch of inputs as rows, $A_0 = X$ of shape $(N, 64)$, layer
# $l = 1, \dots, L$ computes
#
# $$ Z_l = A_{l-1} W_l + \mathbf b_l, \qquad A_l = \mathrm{relu}(Z_l) \ (l < L), $$
#
# with $W_l$ of shape $(n_{l-1}, n_l)$ and $\mathbf b_l$ of shape $(n_l,)$, added to every row. The last
# layer has $n_L = 10$ units and no ReLU: its $Z_L$ are the **logits**, and the loss is the mean
# softmax cross-entropy of chapter 6. Here are the pieces you will write, in the order the exercises ask
# for them:
#
# | piece | what it computes | shapes | where it was derived |
# |---|---|---|---|
# | `affine_forward(A_prev, W, b)` | $Z = A_{\text{prev}} W + \mathbf b$ | $(N, n_{in}), (n_{in}, n_{out}), (n_{out},) \to (N, n_{out})$ | chapter 5, section 1 |
# | `affine_backward(delta, A_prev, W)` | $(\partial L/\partial W, \partial L/\partial \mathbf b, \partial L/\partial A_{\text{prev}})$ from $\delta = \partial L/\partial Z$ | shapes of $W$, $\mathbf b$, $A_{\text{prev}}$ | chapter 5, section 1 |
# | `relu(Z)`, `relu_derivative(Z)` | $\max(0, z)$ and its slope, entry by entry | shape of $Z$ | chapter 2 |
# | `softmax_cross_entropy(Z, T)` | the mean loss and $\partial L/\partial Z$ | $(N, K), (N, K) \to$ (number, $(N, K)$) | chapter 6 and section 3 |
# | `loss_and_grads(X, T, params)` | the loss and the gradient of every parameter | dicts with keys `W1, b1, ..., WL, bL` | section 4 |
# | `momentum_step(params, grads, velocity, lr, mu)` | one update of every parameter | dicts | chapter 3 and section 5 |
# | `train_epoch(X, T, params, velocity, lr, mu, batch_size, rng)` | one pass over the training set in batches | | section 5 |
#
# The library loads and splits the digits (`capstone.digits_data()`, the same split as chapter 6's).

# %%
data = capstone.digits_data()
for name in ("X_train", "T_train", "X_test", "y_test"):
    print(f"{name:8s} shape {data[name].shape}")
print("one-hot row of the first training digit:", data["T_train"][0], "-> class", data["y_train"][0])
assert data["X_train"].shape == (1348, 64) and data["X_test"].shape == (449, 64), f"the split changed. {COURSE_BUG}"
assert np.allclose(data["X_train"].mean(axis=0), 0) and np.all(data["T_train"].sum(axis=1) == 1), \
    f"the inputs should be standardised and the targets one-hot. {COURSE_BUG}"

# %%
strip = np.full((8, 8 * 9 - 1), np.nan)                 # the first eight test digits side by side
for i, img in enumerate(data["images_test"][:8]):
    strip[:, 9 * i: 9 * i + 8] = img
fig, (ax,) = plots.new_figure(size=(7.2, 1.3), dpi=80)
ax.imshow(strip, cmap="gray_r", vmin=0, vmax=16)
ax.set_xticks(9 * np.arange(8) + 3.5, [f"class {c}" for c in data["y_test"][:8]], fontsize=9)
ax.set_yticks([])
fig

# %% [markdown]
# ## 2. The layers, forward and backward
#
# Every layer of the network is an **affine** step $Z = A_{\text{prev}} W + \mathbf b$, followed (except
# in the last layer) by the ReLU. Going backward, a layer receives $\delta = \partial L/\partial Z$, one
# row per sample, and chapter 5 derived, one index at a time,
#
# $$ \frac{\partial L}{\partial W} = A_{\text{prev}}^\top \delta, \qquad
# \frac{\partial L}{\partial \mathbf b} = \sum_{n=1}^N \delta_{n,:}, \qquad
# \frac{\partial L}{\partial A_{\text{prev}}} = \delta\, W^\top. $$
#
# Each gradient has the shape of what it is the gradient of, which is a free check on every product.
# The ReLU is $\mathrm{relu}(z) = \max(0, z)$ entry by entry; its slope is 1 for $z > 0$ and 0 for
# $z < 0$. At exactly $z = 0$ the ReLU has a corner and no derivative; like the library, the course
# takes the slope there to be **0**, and the checks test that entry. Through the ReLU the backward pass
# multiplies entry by entry, $\partial L/\partial Z = \partial L/\partial A \odot \mathrm{relu}'(Z)$.
#
# Here is the affine layer's backward pass for one small batch, checked against central differences of
# the loss $L = \sum (Z \odot G)$ for a fixed random $G$ (whose $\delta$ is exactly $G$):

# %%
rng = np.random.default_rng(0)
A_demo, W_demo, b_demo, G = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(4, 2))
loss_demo = lambda: np.sum((A_demo @ W_demo + b_demo) * G)
by_formula = {"W": A_demo.T @ G, "b": G.sum(axis=0), "A_prev": G @ W_demo.T}
by_differences = {"W": bl.numerical_gradient(lambda _: loss_demo(), W_demo),
                  "b": bl.numerical_gradient(lambda _: loss_demo(), b_demo),
                  "A_prev": bl.numerical_gradient(lambda _: loss_demo(), A_demo)}
for k in by_formula:
    print(f"dL/d{k:7s} relative error {bl.rel_error(by_formula[k], by_differences[k]):.1e}")
assert all(bl.rel_error(by_formula[k], by_differences[k]) < 1e-7 for k in by_formula), \
    f"the three formulas should agree with central differences. {COURSE_BUG}"

# %% [markdown]
# ## 3. The loss: softmax cross-entropy of a batch, stably
#
# For a batch of logits $Z$ (one row $\mathbf z_n$ of $K$ numbers per sample) and one-hot targets $T$, the
# mean cross-entropy is
#
# $$ L = -\frac1N \sum_{n=1}^N \sum_{k=1}^K t_{nk} \log p_{nk}, \qquad
# p_{nk} = \frac{e^{z_{nk}}}{\sum_j e^{z_{nj}}}, \qquad
# \frac{\partial L}{\partial Z} = \frac1N (P - T). $$
#
# The gradient is chapter 6's $y - t$ for each row, divided by $N$ because the loss is a **mean** over the
# rows. This $1/N$ enters once, here: every gradient further down the backward pass inherits it through
# $\delta$.
#
# To compute $\log p_{nk}$ without overflow, subtract from each row its own largest logit
# $m_n = \max_j z_{nj}$ (chapter 6's log-sum-exp):
# $\log p_{nk} = (z_{nk} - m_n) - \log \sum_j e^{z_{nj} - m_n}$. After the shift every exponent is
# $\le 0$, and the largest term of each row's sum is exactly 1.
#
# > ⚠️ **Common mistake: one shift for the whole batch.** Shifting by the largest logit of the *whole
# > batch* instead of each row's own is mathematically just as right, and it does avoid overflow. But a
# > row whose logits all lie far below that one number underflows: all its $e^{z - m}$ become 0, the log
# > of their sum is $-\infty$, and the loss comes out `nan`. Without any shift, logits near 1000 overflow
# > to `inf`, and the loss is `nan` again. The cell shows both, on two rows whose logits lie near $+1000$
# > and $-1000$:

# %%
Z_far = np.array([[1000.0, 998.0, 999.0], [-1000.0, -1001.0, -999.0]])
T_far = np.eye(3)[[0, 1]]


def mean_ce(Z, T, shift):
    with np.errstate(all="ignore"):
        S = Z - shift
        return -np.sum(T * (S - np.log(np.exp(S).sum(axis=1, keepdims=True)))) / len(Z)


no_shift, batch_shift = mean_ce(Z_far, T_far, 0.0), mean_ce(Z_far, T_far, Z_far.max())
row_shift = mean_ce(Z_far, T_far, Z_far.max(axis=1, keepdims=True))
print(f"no shift: {no_shift}   one shift for the batch: {batch_shift}   each row's own shift: {row_shift:.6f}")
assert np.isnan(no_shift) and np.isnan(batch_shift) and np.isfinite(row_shift), \
    f"only the shift by each row's maximum should stay finite. {COURSE_BUG}"

# %% [markdown]
# ## 4. The whole network: one loop forward, one loop backward
#
# The parameters live in a dict, `params = {"W1": ..., "b1": ..., "W2": ..., ...}`, so a network with
# $L$ layers has $2L$ entries. The **forward loop** runs $l = 1, \dots, L$ and keeps every $A_{l-1}$ and
# $Z_l$: the backward pass needs them. The loss and $\delta_L = \partial L/\partial Z_L$ come from the
# softmax cross-entropy of $Z_L$. The **backward loop** runs $l = L, \dots, 1$:
#
# 1. the affine backward step of layer $l$ with $\delta_l$ and $A_{l-1}$ gives $\partial L/\partial W_l$,
#    $\partial L/\partial \mathbf b_l$ and $\partial L/\partial A_{l-1}$;
# 2. if $l > 1$, the delta of the layer below is $\delta_{l-1} = \partial L/\partial A_{l-1} \odot
#    \mathrm{relu}'(Z_{l-1})$: the slope is the one of the layer the delta **arrives at**.
#
# That is chapter 5's four equations, written once for any depth. One forward and one backward pass give
# all the gradients, exactly; central differences need two forward passes per parameter and are only
# approximate, so they are the referee, never the method. The library's network computes the same
# quantities; here is its backward pass on a small relu network with a softmax output, checked against
# central differences, the test your `loss_and_grads` will pass too:

# %%
small = bl.MLP([5, 4, 3], activation="relu", output="softmax", seed=1)
X_small = np.random.default_rng(1).normal(size=(6, 5))
y_small = np.array([0, 1, 2, 2, 1, 0])
rel_errors = bl.gradient_check(small, X_small, y_small, loss="cross_entropy")
for l, errs in enumerate(rel_errors, start=1):
    print(f"layer {l}: " + ", ".join(f"d{k}{l} relative error {e:.1e}" for k, e in errs.items()))
assert all(e < 1e-7 for errs in rel_errors for e in errs.values()), f"backprop should match central differences. {COURSE_BUG}"

# %% [markdown]
# ## 5. Training: momentum and mini-batches
#
# **Momentum** (chapter 3) keeps a velocity $V$ for every parameter, starting at 0. With learning rate
# $\eta$ (`lr`) and momentum $\mu$ (`mu`, between 0 and 1), one step is, for every key of `params`,
#
# $$ V \leftarrow \mu V - \eta\, \frac{\partial L}{\partial W}, \qquad W \leftarrow W + V $$
#
# (first the new velocity, then the parameter moves by it). The velocity adds up past steps, so along a
# direction where the gradient keeps its sign the step grows to about $\eta/(1-\mu)$ times the gradient:
# ten times $\eta$ for $\mu = 0.9$.
#
# **One epoch** of mini-batch training visits every training row once: draw one order of the $N$ row
# indices, `order = rng.permutation(N)`, with the random generator `rng` it is given (a seeded generator
# makes the run repeatable), cut the order into consecutive batches of `batch_size` indices (the last
# batch holds the rows that are left, so it may be smaller), and for each batch take its rows of $X$
# **and** of $T$, compute the loss and the gradients, and take one momentum step from the parameters
# and the velocity the previous step returned.
#
# > ⚠️ **Common mistake: shuffling the inputs and the targets separately.** Two calls of a shuffle give
# > two different orders, and every image is then trained towards another image's label. The network
# > cannot learn anything but how often each class occurs. The cell shuffles the 1348 training rows twice
# > and counts the rows whose target is still their own (on average one) and those that got a target of
# > the right class by chance (about one in ten):

# %%
shuffle_rng = np.random.default_rng(0)
order_X, order_T = shuffle_rng.permutation(1348), shuffle_rng.permutation(1348)
kept = np.sum(data["y_train"][order_X] == data["y_train"][order_T])
same_row = np.sum(order_X == order_T)
print(f"rows still paired with their own target: {same_row} of 1348; "
      f"pairs with the right label by chance: {kept} ({kept / 1348:.0%})")
assert same_row < 10 and 0.05 < kept / 1348 < 0.16, f"two shuffles should scramble the pairs. {COURSE_BUG}"

# %% [markdown]
# ## 6. The settings, and a yardstick
#
# Your network is set by five numbers: `hidden` (the units of the hidden layer, or a list for several
# hidden layers), `lr`, `momentum`, `batch_size` and `epochs`. The weights start from He initialisation
# (chapter 7: $W_l \sim \mathcal N(0, 2/n_{l-1})$, $\mathbf b_l = 0$, the same seed every time), so two runs
# with the same settings do the same arithmetic. As a yardstick, here is the library's network of the
# same shape, 64-64-10 with ReLU, trained by **plain** mini-batch SGD (no momentum) with $\eta = 0.1$ in
# batches of 32 for 10 epochs:

# %%
start = time.perf_counter()
yardstick = bl.MLP([64, 64, 10], activation="relu", output="softmax", init="he", seed=0)
history = bl.train(yardstick, data["X_train"], data["y_train"], loss="cross_entropy", lr=0.1, epochs=10,
                   batch_size=32, seed=0)
yardstick_acc = np.mean(yardstick.predict(data["X_test"]) == data["y_test"])
print(f"library network, plain SGD: test accuracy {yardstick_acc:.1%} after 10 epochs "
      f"({time.perf_counter() - start:.1f} s)")
assert yardstick_acc >= 0.94, f"the yardstick should reach 94%. {COURSE_BUG}"

# %% [markdown]
# Exercise 6 asks you for settings with which **your** network reaches 95% on the test set. What each
# setting does: a larger `lr` (or `momentum`) takes larger steps, until they overshoot and the loss
# diverges; a smaller one learns more slowly and needs more epochs. Smaller batches take more steps per
# epoch, each one noisier. A wider hidden layer can represent more, at more cost per step. The check
# trains at most 100 epochs.

# %% [markdown]
# ## Exercises
#
# Each exercise has a cell for your code and a check cell below it. The check runs your code on several
# inputs and tells you which one went wrong, what it expected and what it got. Use numpy freely; the
# library's own network code (`bl.relu`, `bl.softmax`, `bl.losses`, `bl.MLP`, `bl.SGD`, `bl.train`) is not
# allowed: the point is a network made of your functions.
#
# In this copy of the course the solution is already in the code cell, **collapsed**: the cell shows
# only "…". Try first: write your own version in a new cell (or replace the collapsed code), run the
# check, and only then expand the solution (click the "…" or the blue bar left of the cell).
#
# ### Exercise 1 · The layers (2 points)
#
# Write the four functions of section 2: `affine_forward(A_prev, W, b)` returns $Z$;
# `affine_backward(delta, A_prev, W)` returns the tuple `(dW, db, dA_prev)`; `relu(Z)` and
# `relu_derivative(Z)` return new float arrays of $Z$'s shape (slope 0 at $z = 0$). None of them may
# change its inputs.

# %% nbgrader={"grade": false, "grade_id": "ex1_layers", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def affine_forward(A_prev, W, b):
    """Z = A_prev W + b. A_prev (N, n_in), W (n_in, n_out), b (n_out,) -> Z (N, n_out)."""
    ### BEGIN SOLUTION
    return A_prev @ W + b
    ### END SOLUTION


def affine_backward(delta, A_prev, W):
    """delta = dL/dZ (N, n_out) -> (dW (n_in, n_out), db (n_out,), dA_prev (N, n_in))."""
    ### BEGIN SOLUTION
    dW = A_prev.T @ delta
    db = delta.sum(axis=0)
    dA_prev = delta @ W.T
    return dW, db, dA_prev
    ### END SOLUTION


def relu(Z):
    """max(0, z) entry by entry: a new array of Z's shape."""
    ### BEGIN SOLUTION
    return np.maximum(Z, 0.0)
    ### END SOLUTION


def relu_derivative(Z):
    """relu'(z) entry by entry: 1.0 where z > 0, else 0.0 (also at z = 0)."""
    ### BEGIN SOLUTION
    return (Z > 0).astype(float)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from backprop_lib.checks import ch11

ch11.check_layers(affine_forward, affine_backward, relu, relu_derivative)
### BEGIN HIDDEN TESTS
ch11.check_layers(affine_forward, affine_backward, relu, relu_derivative, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 · Softmax cross-entropy, loss and gradient (2 points)
#
# Write `softmax_cross_entropy(Z, T)` for logits `Z` and one-hot targets `T`, both of shape $(N, K)$: it
# returns the pair `(loss, dZ)`, the mean cross-entropy of section 3 (a float) and
# $\partial L/\partial Z$ (shape $(N, K)$). It must stay finite for logits near $\pm 1000$, also when one
# row's logits lie near $+1000$ and another's near $-1000$.

# %% nbgrader={"grade": false, "grade_id": "ex2_softmax_cross_entropy", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def softmax_cross_entropy(Z, T):
    """Mean cross-entropy of the logits Z (N, K) with one-hot targets T (N, K), and dL/dZ (N, K)."""
    ### BEGIN SOLUTION
    N = Z.shape[0]
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -np.sum(T * log_probs) / N
    dZ = (np.exp(log_probs) - T) / N
    return float(loss), dZ
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ch11.check_softmax_cross_entropy(softmax_cross_entropy)
### BEGIN HIDDEN TESTS
ch11.check_softmax_cross_entropy(softmax_cross_entropy, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 · The whole forward and backward pass (3 points)
#
# Write `loss_and_grads(X, T, params)` for a network with ReLU hidden layers, a softmax output and the mean
# cross-entropy, for **any** number of layers $L \ge 1$ (`params` holds `W1, b1, ..., WL, bL`). It returns
# `(loss, grads)`, with `grads` a dict with the keys of `params`. Build it from your functions of exercises
# 1 and 2, as section 4 describes. The check compares every gradient with the exact one (to $10^{-13}$),
# on networks of 1, 2 and 3 layers, and asks for backpropagation: finite differences fail. (It runs your
# function with the course's versions of exercises 1 and 2 in place of yours, so a mistake in those is
# reported by their own checks, not here.)

# %% nbgrader={"grade": false, "grade_id": "ex3_loss_and_grads", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def loss_and_grads(X, T, params):
    """(loss, grads) of a relu network with a softmax output; params and grads: W1, b1, ..., WL, bL."""
    ### BEGIN SOLUTION
    L = len(params) // 2
    A, Z = {0: X}, {}
    for l in range(1, L + 1):
        Z[l] = affine_forward(A[l - 1], params[f"W{l}"], params[f"b{l}"])
        A[l] = relu(Z[l]) if l < L else Z[l]
    loss, delta = softmax_cross_entropy(Z[L], T)
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"], grads[f"b{l}"], dA_prev = affine_backward(delta, A[l - 1], params[f"W{l}"])
        if l > 1:
            delta = dA_prev * relu_derivative(Z[l - 1])
    return loss, grads
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
ch11.check_loss_and_grads(loss_and_grads)
### BEGIN HIDDEN TESTS
ch11.check_loss_and_grads(loss_and_grads, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# **Where does your backward pass first go wrong?** If the check fails, run the cell below. The
# backward-pass debugger runs your `loss_and_grads` on a small two-layer case and compares each gradient
# with the library's, in the order a backward pass computes them (the last layer first). It names the
# first one that is wrong and says how it differs (the same factor on every entry, a flipped sign, only
# some rows or columns, a transposed shape); the ones after it may be wrong only because they inherit its
# error. It says where, never what the right code is. To narrow it down, add your deltas to the dict you
# return as `"delta2"` and `"delta1"` (the check ignores extra keys). The picture shows your first wrong
# tensor minus the right one (white where an entry is right); when every tensor matches, each one's
# relative error.

# %%
from backprop_lib.debugger import debug_params_function

X_case, T_case, params_case = ch11.network_case([5, 4, 3], n=6, seed=0)
report = debug_params_function(loss_and_grads, X_case, T_case, params_case, activation="relu", output="softmax",
                               loss="cross_entropy")
print(report.text())
plots.debug_heatmap(report)

# %% [markdown]
# ### Exercise 4 · One step with momentum (1 point)
#
# Write `momentum_step(params, grads, velocity, lr, mu)`: for every key of `params`, the update of
# section 5. It returns two **new** dicts, `(new_params, new_velocity)`, and leaves its three input dicts
# (and their arrays) as they were.

# %% nbgrader={"grade": false, "grade_id": "ex4_momentum_step", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def momentum_step(params, grads, velocity, lr, mu):
    """One step with momentum for every parameter: new dicts (new_params, new_velocity)."""
    ### BEGIN SOLUTION
    new_velocity = {k: mu * velocity[k] - lr * grads[k] for k in params}
    new_params = {k: params[k] + new_velocity[k] for k in params}
    return new_params, new_velocity
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ch11.check_momentum_step(momentum_step)
### BEGIN HIDDEN TESTS
ch11.check_momentum_step(momentum_step, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 5 · One epoch of mini-batch training (2 points)
#
# Write `train_epoch(X, T, params, velocity, lr, mu, batch_size, rng)`: one epoch as section 5 describes,
# in the order `rng.permutation(N)` gives, calling your `loss_and_grads` and `momentum_step` for each batch.
# It returns `(params, velocity, losses)`: the parameters and the velocity after the last step, and the
# list of the batches' losses in order. `X` and `T` stay as they were. (The check runs it with the
# course's `loss_and_grads` and `momentum_step` in place of yours and watches what your loop passes them.)

# %% nbgrader={"grade": false, "grade_id": "ex5_train_epoch", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def train_epoch(X, T, params, velocity, lr, mu, batch_size, rng):
    """One epoch of mini-batch training with momentum: (params, velocity, list of batch losses)."""
    ### BEGIN SOLUTION
    order = rng.permutation(X.shape[0])
    losses = []
    for start in range(0, X.shape[0], batch_size):
        rows = order[start:start + batch_size]
        loss, grads = loss_and_grads(X[rows], T[rows], params)
        params, velocity = momentum_step(params, grads, velocity, lr, mu)
        losses.append(loss)
    return params, velocity, losses
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ch11.check_train_epoch(train_epoch)
### BEGIN HIDDEN TESTS
ch11.check_train_epoch(train_epoch, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 6 · Train it to 95% (2 points)
#
# Choose the settings of section 6: a dict with the keys `hidden`, `lr`, `momentum`, `batch_size` and
# `epochs`. The check builds the network from **your** functions of exercises 1-5 (He initialisation,
# seed 0), trains it with your `train_epoch`, and measures its accuracy on the 449 test digits; it passes
# at 95% or more. Aim for a few seconds of training (at most 100 epochs are allowed).

# %% nbgrader={"grade": false, "grade_id": "ex6_settings", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
settings = None
### BEGIN SOLUTION
settings = dict(hidden=64, lr=0.05, momentum=0.9, batch_size=32, epochs=10)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex6_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ch11.check_training(settings, globals())
### BEGIN HIDDEN TESTS
ch11.check_training(settings, globals(), hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Your network, trained
#
# The view below builds the network from your functions (exercises 1-5) with your settings (exercise 6),
# trains it for `epochs` epochs and draws the run, epoch 0 being the untrained network: the training and
# test loss, the training and test accuracy with the 95% goal, the norm of each layer's weight gradient
# $\|\partial L/\partial W_l\|$ over all training digits, and up to eight test digits it still gets wrong,
# with its guess and the probability it gives that guess. **Step** trains one more epoch, **Play** keeps
# going, **Reset** goes back to the same initial weights, untrained (epoch 0). If a function is not written
# yet, the line above the picture says which.

# %%
view = CapstoneView(globals(), settings)
view

# %%
network = view.network
print(network.summary())
if network.ready and not network.error:
    reached = network.history.test_acc[-1] >= 0.95
    print("Goal reached." if reached else "Not 95% yet: exercise 6's check says what to change.")

# %% [markdown]
# Compare the two loss curves: where the test loss stops falling while the training loss goes on
# falling, the network is learning the training digits by heart rather than digits in general. Look at
# the digits it gets wrong, too: some of them would puzzle a person.
#
# **Every gradient in that picture is right.** The gradient norms come from your `loss_and_grads`. The
# cell compares its gradients at the trained weights, on 20 training digits, with central differences of
# the loss computed by your forward functions alone: every entry of $W_2$, $\mathbf b_1$ and
# $\mathbf b_2$, and 300 of the 4096 entries of $W_1$ drawn at random (to keep the cell quick).

# %%
def forward_loss(X, T, params):
    """The loss by the forward pass alone, from your functions (no backward pass)."""
    L, A = len(params) // 2, X
    for l in range(1, L + 1):
        Z = affine_forward(A, params[f"W{l}"], params[f"b{l}"])
        A = relu(Z) if l < L else Z
    return softmax_cross_entropy(Z, T)[0]


def central_differences(f, x, entries, h=1e-5):
    """(f(x + h e_i) - f(x - h e_i)) / 2h for the listed flat entries i of x (x is restored)."""
    out, flat = [], x.reshape(-1)
    for i in entries:
        keep = flat[i]
        flat[i] = keep + h
        up = f()
        flat[i] = keep - h
        down = f()
        flat[i] = keep
        out.append((up - down) / (2 * h))
    return np.array(out)


if network.ready and not network.error:
    rows = np.random.default_rng(0).choice(1348, size=20, replace=False)
    X20, T20 = data["X_train"][rows], data["T_train"][rows]
    P = {k: np.array(v, dtype=np.float64) for k, v in network.params.items()}
    _, grads = loss_and_grads(X20, T20, P)
    pick = np.random.default_rng(1)
    for k in P:
        entries = pick.choice(P[k].size, size=300, replace=False) if P[k].size > 1000 else np.arange(P[k].size)
        numeric = central_differences(lambda: forward_loss(X20, T20, P), P[k], entries)
        err = bl.rel_error(np.asarray(grads[k]).reshape(-1)[entries], numeric)
        print(f"d loss / d {k}: {len(entries):4d} entries, relative error {err:.1e}")
        assert err < 1e-7, ("backprop and central differences disagree: if you changed loss_and_grads, run exercise "
                            f"3's check and the debugger above; with the course's solutions, {COURSE_BUG}")
else:
    print("Nothing to check yet:", network.summary())

# %% [markdown]
# ## Summary
#
# In this chapter we
# - listed the seven pieces of a classifier and the shapes that join them, and loaded the digits
#   (1348 for training, 449 for testing, standardised, one-hot targets);
# - wrote the affine layer (forward, and backward with $A_{\text{prev}}^\top\delta$, $\sum_n \delta_{n,:}$,
#   $\delta W^\top$) and the ReLU with its slope (0 at $z = 0$);
# - wrote the mean softmax cross-entropy and its gradient $(P - T)/N$, finite for logits of $\pm 1000$,
#   and saw one shift for the whole batch underflow a row that another shift per row keeps finite;
# - wrote the forward and the backward loop of a network of any depth, exact to $10^{-13}$, with the
#   debugger at hand to show where a backward pass first goes wrong;
# - wrote an update with momentum and an epoch of mini-batches, and saw that two separate shuffles of
#   inputs and targets destroy the pairs;
# - trained a network made only of our own functions to at least 95% test accuracy in a few seconds, and
#   checked its gradients against central differences.
#
# That is the whole of backpropagation, from the chain rule of chapter 4 to a working classifier.
#
# **Back to the start:** [Chapter 1 · The perceptron](01_perceptron.ipynb).

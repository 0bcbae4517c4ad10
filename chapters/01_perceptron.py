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
# # Chapter 1 · The perceptron
#
# [![Open in Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/backprop-course/backprop-course/HEAD?urlpath=lab/tree/chapters/01_perceptron.ipynb)
#
# A neural network is built from one small part, repeated: a *neuron* that weighs its inputs, adds
# them up and squashes the sum. Before we stack thousands of them, we take one apart completely.
# Everything backpropagation does in a deep network, the chain rule applied to a weighted sum and an
# activation, already happens here, in three lines of algebra.
#
# **In this chapter you will**
# - write a neuron's forward pass: the weighted sum $z = \mathbf w^\top \mathbf x + b$, then a step (the perceptron) or the sigmoid $a = \sigma(z)$;
# - see why the bias is just one more weight;
# - train a perceptron with its learning rule, and see why a step cannot be trained by gradient descent;
# - derive the gradient of the squared error, $\partial C/\partial w_i = x_i\,\hat y(1-\hat y)(\hat y - y)$, and check it numerically;
# - train a neuron by gradient descent and watch the learning rate at work;
# - see a single neuron fail on XOR, which is why networks have hidden layers.

# %%
# %matplotlib inline
import numpy as np

import backprop_lib as bl
from backprop_lib import plots
from backprop_lib.widgets import TrainingView

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. The weighted sum
#
# A neuron with $n$ inputs $x_1, \dots, x_n$ has one weight $w_i$ per input and a bias $b$. It first
# forms the **weighted sum** (the *pre-activation*)
#
# $$ z = w_1 x_1 + \dots + w_n x_n + b = \mathbf w^\top \mathbf x + b. $$
#
# A large positive $w_i$ means "input $i$ pushes the neuron on", a negative one "pushes it off"; $b$
# sets how easily the neuron switches on at all.

# %%
x = np.array([1.0, 2.0])          # one sample with two inputs
w = np.array([0.5, -1.0])         # one weight per input
b = 0.1

z = w @ x + b                     # the weighted sum
z_by_hand = 0.5 * 1.0 + (-1.0) * 2.0 + 0.1
print(f"z = {z:.4f}   (by hand: {z_by_hand:.4f})")
assert np.isclose(z, z_by_hand), (
    "Expected w @ x + b to equal the sum by hand. This is an error in the course, not in your work.")

# %% [markdown]
# ### The bias is weight number 0
#
# Put a constant $x_0 = 1$ in front of the inputs and call the bias $w_0 = b$. Then
#
# $$ z = w_0 \cdot 1 + w_1 x_1 + \dots + w_n x_n = \tilde{\mathbf w}^\top \tilde{\mathbf x},
# \qquad \tilde{\mathbf x} = (1, x_1, \dots, x_n),\ \tilde{\mathbf w} = (b, w_1, \dots, w_n). $$
#
# The bias needs no special treatment: it is the weight of an input that is always 1. Many texts
# use this trick; the code below uses a separate `b` because it keeps the shapes readable, but the
# two are the same computation.

# %%
x_tilde = np.concatenate([[1.0], x])
w_tilde = np.concatenate([[b], w])
print("w~ . x~ =", w_tilde @ x_tilde)
assert np.isclose(w_tilde @ x_tilde, z), (
    "Expected the bias-as-weight-0 form to give the same z. This is an error in the course, not in your work.")

# %% [markdown]
# For a whole batch of $N$ samples we stack them as the rows of a matrix $X$ of shape $(N, n)$. Then
# all $N$ weighted sums come from one matrix product, $\mathbf z = X\mathbf w + b$. This *row-batch*
# convention, `Z = X @ W + b`, is the one the whole course (and `backprop_lib`) uses.

# %%
X = np.array([[1.0, 2.0],
              [0.0, 0.0],
              [3.0, -1.0]])
z_batch = X @ w + b
print("z for each row:", z_batch)
assert np.allclose(z_batch, [w @ row + b for row in X]), (
    "Expected X @ w + b to equal the weighted sum of each row. This is an error in the course, not in your work.")

# %% [markdown]
# ## 2. From the perceptron to the sigmoid neuron
#
# ### The perceptron: a step
#
# The oldest artificial neuron, the **perceptron** (Rosenblatt, 1958), passes the weighted sum through
# a **step function** and answers yes or no:
#
# $$ a = \operatorname{step}(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases} . $$
#
# The inputs where $z = 0$ form its **decision boundary**: with two inputs, the straight line
# $w_1 x_1 + w_2 x_2 + b = 0$. Every input on one side gets the answer 1, every input on the other side 0.
#
# **The perceptron learning rule.** Show the perceptron the training samples one at a time. For a
# sample $\mathbf x$ with target $y \in \{0, 1\}$ and answer $a$, change the weights by
#
# $$ \mathbf w \leftarrow \mathbf w + \eta\,(y - a)\,\mathbf x, \qquad b \leftarrow b + \eta\,(y - a), $$
#
# with a step size $\eta > 0$ (the **learning rate**). A right answer has $y - a = 0$ and changes
# nothing. A wrong 0 ($y - a = +1$) adds $\eta\mathbf x$ to the weights and $\eta$ to the bias, so this
# sample's weighted sum grows by $\eta(\lVert\mathbf x\rVert^2 + 1)$: it moves towards the right side of
# the line. A wrong 1 does the opposite. One pass through all the training samples is an **epoch**,
# and the **training accuracy** is the fraction of the training samples the neuron answers correctly.
#
# If some straight line separates the 1s from the 0s (the data are **linearly separable**), the rule
# makes only finitely many mistakes and then stops changing (the *perceptron convergence theorem*). We
# try it on the four inputs of the logic gate **AND**, whose output is 1 only when both inputs are 1,
# starting from $\mathbf w = 0$, $b = 0$ with $\eta = 1$. All the numbers are small integers, so every
# machine computes exactly the same thing.

# %%
def step(z):
    """The perceptron's activation: 1.0 where z > 0, else 0.0."""
    return (np.asarray(z) > 0).astype(float)


def perceptron_epoch(X, y, w, b, lr=1.0):
    """One epoch of the perceptron rule, one sample at a time. Returns (w, b, number of mistakes)."""
    mistakes = 0
    for x_n, y_n in zip(X, y):
        a_n = step(x_n @ w + b)
        w, b = w + lr * (y_n - a_n) * x_n, b + lr * (y_n - a_n)
        mistakes += int(a_n != y_n)
    return w, b, mistakes


X_and, y_and = bl.datasets.logic_gate("and")
w_p, b_p, mistakes = np.zeros(2), 0.0, []
for epoch in range(20):
    w_p, b_p, m = perceptron_epoch(X_and, y_and, w_p, b_p)
    mistakes.append(m)
    if m == 0:
        break
print("AND: mistakes per epoch", mistakes, f"-> w = {w_p}, b = {b_p}")
print("answers", step(X_and @ w_p + b_p), " targets", y_and.astype(float))
assert mistakes[-1] == 0 and np.array_equal(step(X_and @ w_p + b_p), y_and), (
    "Expected the perceptron rule to stop making mistakes on AND within 20 epochs. "
    "This is an error in the course, not in your work.")

# %% [markdown]
# On the gate **XOR** (1 when exactly one input is 1) the rule never stops: there the 1s sit on one
# diagonal of the square and the 0s on the other, no straight line separates them, and every epoch
# makes at least one mistake (section 7 comes back to this).

# %%
X_xor, y_xor = bl.datasets.logic_gate("xor")
w_x, b_x, mistakes_xor = np.zeros(2), 0.0, []
for epoch in range(20):
    w_x, b_x, m = perceptron_epoch(X_xor, y_xor, w_x, b_x)
    mistakes_xor.append(m)
print("XOR: mistakes per epoch", mistakes_xor)
assert min(mistakes_xor) >= 1, ("Expected at least one mistake in every epoch on XOR (no line separates it). "
                                "This is an error in the course, not in your work.")

# %% [markdown]
# ### Why a step cannot learn by gradient descent
#
# The perceptron rule works for one neuron with a step, but it does not say what to do for a weight
# deep inside a network. The general method, used for the rest of this course, is **gradient
# descent**: measure the error with a cost $C$ (section 3), compute how $C$ changes when a weight
# changes, the derivative $\partial C/\partial w_i$ (section 4), and move the weight a little in the
# direction that lowers $C$ (section 5). With a step this fails. Its derivative is
# $\operatorname{step}'(z) = 0$ for every $z \ne 0$, and at $z = 0$ it does not exist (the function
# jumps). Whatever the cost, the chain rule gives
#
# $$ \frac{\partial C}{\partial w_i} = \frac{\partial C}{\partial a}\,\operatorname{step}'(z)\,x_i = 0
# \qquad \text{wherever it exists.} $$
#
# In words: a small change of a weight changes no answer, so the cost stays exactly the same; only
# when a sample crosses the boundary does the cost jump. The derivative is 0 almost everywhere and
# never says which way to go.
#
# The fix is to replace the step by a smooth S-shaped curve that climbs from 0 to 1, the **sigmoid**
# (logistic) function
#
# $$ a = \sigma(z) = \frac{1}{1 + e^{-z}} . $$
#
# Its slope $\sigma'(z)$ is positive everywhere, so every small change of a weight changes the output a
# little, and the slope of the cost says which way is downhill. $\sigma(kz)$ tends to the step as $k$
# grows (left plot below), so no expressive power is lost. On the right, the cost on AND as a function of the weight $w_1$ (with $w_2 = 1$,
# $b = -1.5$ fixed): a staircase for the step neuron, a smooth slope for the sigmoid neuron.

# %%
def and_cost(w1, activation):
    """Mean of 1/2 (a - y)^2 over the four AND inputs, with w = (w1, 1) and b = -1.5."""
    A = activation(X_and @ np.array([w1, 1.0]) - 1.5)
    return np.mean(0.5 * (A - y_and) ** 2)


zs = np.linspace(-6, 6, 601)
w1s = np.linspace(-2, 3, 501)
fig, (ax_act, ax_cost) = plots.new_figure(ncols=2, size=(4.2, 3.0))
ax_act.plot(zs, step(zs), color="k", lw=2, label="step(z)")
for k in [1, 5]:
    ax_act.plot(zs, bl.sigmoid(k * zs), lw=1.5, label=rf"$\sigma({k}z)$" if k > 1 else r"$\sigma(z)$")
ax_act.set_xlabel("z")
ax_act.set_title("the step and the sigmoid")
ax_act.legend(fontsize=8)
ax_cost.plot(w1s, [and_cost(v, step) for v in w1s], color="k", lw=2, label="step neuron")
ax_cost.plot(w1s, [and_cost(v, bl.sigmoid) for v in w1s], color="C0", lw=2, label="sigmoid neuron")
ax_cost.set_xlabel("$w_1$")
ax_cost.set_title("cost on AND")
ax_cost.legend(fontsize=8)
fig

# %%
# The slope of each cost at w1 = -1, by central differences: exactly 0 for the step (no answer
# changes within +-h), negative for the sigmoid (increasing w1 lowers the cost).
h = 1e-5
slope_step = (and_cost(-1 + h, step) - and_cost(-1 - h, step)) / (2 * h)
slope_sigmoid = (and_cost(-1 + h, bl.sigmoid) - and_cost(-1 - h, bl.sigmoid)) / (2 * h)
print(f"at w1 = -1: slope of the step neuron's cost {slope_step}, of the sigmoid neuron's {slope_sigmoid:.4f}")
assert slope_step == 0.0 and slope_sigmoid < -0.01, (
    "Expected a zero slope for the step neuron and a clearly negative one for the sigmoid neuron. "
    "This is an error in the course, not in your work.")

# %% [markdown]
# ### The sigmoid neuron
#
# From here on the neuron is $a = \sigma(z)$. We write $a$ for a neuron's output (its
# *activation*); when the neuron is the whole model we also call it the prediction $\hat y = a$. The
# output lies in $(0, 1)$, and we read it as "how sure the neuron is that the answer is 1"; its
# yes/no answer is $\hat y > \tfrac12$, which is the same as $z > 0$: the sigmoid neuron has the same
# straight-line decision boundary as the perceptron. Chapter 2 studies $\sigma$ and its derivative in
# detail; here we need one fact from it: $\sigma'(z) = \sigma(z)\,(1 - \sigma(z)) = a(1-a)$.

# %%
zs = np.linspace(-8, 8, 201)
fig, (ax,) = plots.new_figure(size=(5, 3))
ax.plot(zs, bl.sigmoid(zs), label=r"$\sigma(z)$")
ax.plot(zs, bl.sigmoid_prime(zs), label=r"$\sigma'(z) = a(1-a)$")
ax.axhline(0.5, color="grey", lw=0.5)
ax.set_xlabel("z")
ax.legend()
ax.set_title("the sigmoid and its slope")
fig

# %%
# Check: sigma(0) = 1/2, the curve is symmetric, and the slope formula matches central differences.
h = 1e-5
slope_numeric = (bl.sigmoid(zs + h) - bl.sigmoid(zs - h)) / (2 * h)
slope_error = np.abs(bl.sigmoid_prime(zs) - slope_numeric).max()
print("sigma(0) =", bl.sigmoid(0.0))
print(f"max |sigma'(z) - numerical slope| = {slope_error:.0e}  (should be below 1e-9)")
assert bl.sigmoid(0.0) == 0.5 and np.allclose(bl.sigmoid(-zs), 1 - bl.sigmoid(zs)), (
    "Expected sigma(0) = 1/2 and sigma(-z) = 1 - sigma(z). This is an error in the course, not in your work.")
assert slope_error < 1e-9, ("Expected a(1 - a) to match central differences to 1e-9. "
                            "This is an error in the course, not in your work.")

# %% [markdown]
# ## 3. How wrong is the neuron? The squared error
#
# For one sample with target $y$ (0 or 1 here), we measure the error of the prediction $\hat y = a$ by
#
# $$ C = \tfrac12 (\hat y - y)^2 . $$
#
# The $\tfrac12$ is there only to cancel the 2 that differentiation brings down. Over a data set of
# $N$ samples we average: $C = \frac1N \sum_{n=1}^N \tfrac12 (\hat y^{(n)} - y^{(n)})^2$, the **mean
# squared error** (MSE), which is `backprop_lib`'s `loss="mse"`.

# %%
def neuron(x, w, b):
    """a = sigma(w . x + b) for one sample x (n,) or a batch X (N, n)."""
    return bl.sigmoid(x @ w + b)


y = 1.0
y_hat = neuron(x, w, b)
C = 0.5 * (y_hat - y) ** 2
print(f"prediction {y_hat:.4f} for target {y}: cost C = {C:.4f}")
assert 0 < y_hat < 1 and np.isclose(C, 0.5 * (1 / (1 + np.exp(-z)) - 1) ** 2), (
    "Expected the cost 1/2 (y_hat - y)^2 computed two ways to agree. "
    "This is an error in the course, not in your work.")

# %% [markdown]
# ## 4. The gradient, by the chain rule
#
# Training means changing $w_i$ and $b$ so that $C$ goes down, and for that we need
# $\partial C/\partial w_i$. The weight does not reach the cost directly; it passes through two
# stages:
#
# $$ w_i \;\longrightarrow\; z = \mathbf w^\top \mathbf x + b \;\longrightarrow\; \hat y = \sigma(z)
# \;\longrightarrow\; C = \tfrac12(\hat y - y)^2 . $$
#
# Each stage has a simple local derivative:
#
# | stage | local derivative |
# |---|---|
# | $z = \sum_j w_j x_j + b$ | $\dfrac{\partial z}{\partial w_i} = x_i, \qquad \dfrac{\partial z}{\partial b} = 1$ |
# | $\hat y = \sigma(z)$ | $\dfrac{\partial \hat y}{\partial z} = \hat y\,(1 - \hat y)$ |
# | $C = \tfrac12 (\hat y - y)^2$ | $\dfrac{\partial C}{\partial \hat y} = \hat y - y$ |
#
# The **chain rule** multiplies them along the path:
#
# $$ \frac{\partial C}{\partial w_i} = \frac{\partial C}{\partial \hat y}\,\frac{\partial \hat y}{\partial z}\,
# \frac{\partial z}{\partial w_i} = x_i\;\hat y(1-\hat y)\;(\hat y - y), \qquad
# \frac{\partial C}{\partial b} = \hat y(1-\hat y)\;(\hat y - y). $$
#
# The product of the last two factors, $\delta = \partial C/\partial z = \hat y(1-\hat y)(\hat y - y)$,
# is the neuron's **error signal**. Every gradient of this neuron is $\delta$ times what the weight
# multiplies: $x_i$ for $w_i$, 1 for $b$. Everything on the right is already known after the forward
# pass, so the gradient costs a few multiplications. Chapter 4 shows that a deep network's gradient is
# this same pattern, repeated layer by layer.

# %%
def neuron_grad(x, y, w, b):
    """(dC/dw, dC/db) for C = 1/2 (sigma(w.x + b) - y)^2, one sample."""
    y_hat = neuron(x, w, b)
    delta = y_hat * (1 - y_hat) * (y_hat - y)   # dC/dz
    return delta * x, delta


dw, db = neuron_grad(x, y, w, b)
print("dC/dw =", dw, f"  dC/db = {db:.4f}")

# %% [markdown]
# **Check it.** The derivative is a limit of difference quotients, so we can estimate it without any
# calculus: nudge one weight by $\pm h$ and see how $C$ changes,
# $\partial C/\partial w_i \approx \big(C(w_i + h) - C(w_i - h)\big)/2h$. `bl.numerical_gradient` does
# this for every entry, and `bl.rel_error` compares two gradients: in float64 the two should agree to
# better than $10^{-7}$.

# %%
cost = lambda w_: 0.5 * (neuron(x, w_, b) - y) ** 2
dw_numeric = bl.numerical_gradient(cost, w.copy())
db_numeric = bl.numerical_gradient(lambda b_: 0.5 * (neuron(x, w, b_[0]) - y) ** 2, np.array([b]))
print(f"relative error dC/dw: {bl.rel_error(dw, dw_numeric):.0e}   (should be below 1e-7)")
print(f"relative error dC/db: {bl.rel_error(db, db_numeric[0]):.0e}")
assert bl.rel_error(dw, dw_numeric) < 1e-7 and bl.rel_error(db, db_numeric[0]) < 1e-7, (
    "Expected the chain-rule gradient to match central differences to 1e-7. "
    "This is an error in the course, not in your work.")

# %% [markdown]
# > ⚠️ **Common mistake: summing the errors first.** With $N$ samples and
# > $C = \frac1N \sum_n \tfrac12(\hat y^{(n)} - y^{(n)})^2$, each sample contributes its own product:
# >
# > $$ \frac{\partial C}{\partial w_i} = \frac1N \sum_{n=1}^{N} x_i^{(n)}\,\hat y^{(n)}(1-\hat y^{(n)})\,(\hat y^{(n)} - y^{(n)}). $$
# >
# > A tempting shortcut adds up the errors $\sum_n(\hat y^{(n)} - y^{(n)})$ first and then multiplies
# > that one number by each sample's factor $\hat y^{(n)}(1-\hat y^{(n)})\,x^{(n)}$. That is a
# > different (wrong) quantity: a sum of products is not a product of sums, so the sum belongs
# > **outside** the product. (Writing the cost without the $\tfrac12$, as
# > $\frac1N\sum(\hat y - y)^2$, is fine: it only puts a factor 2 in front of every gradient, which the
# > learning rate absorbs; just keep one convention.) The cell below shows the difference on three samples.

# %%
Y = np.array([1.0, 0.0, 1.0])
A = neuron(X, w, b)                                         # predictions for the batch
right = (X * (A * (1 - A) * (A - Y))[:, None]).mean(axis=0)  # mean of per-sample products
wrong = np.sum(A - Y) * (A * (1 - A))[:, None] * X           # sum first, then element-wise
batch_cost = lambda w_: np.mean(0.5 * (neuron(X, w_, b) - Y) ** 2)
numeric_batch = bl.numerical_gradient(batch_cost, w.copy())
print("right:", right, "  numerical:", numeric_batch, f"  relative error {bl.rel_error(right, numeric_batch):.1e}")
print("sum-first version (one row per sample: not even the shape of w):\n", wrong)
print("summed over the samples:", wrong.sum(axis=0) / len(X), " (still not the gradient)")
assert bl.rel_error(right, numeric_batch) < 1e-7, (
    "Expected the mean of the per-sample products to match central differences to 1e-7. "
    "This is an error in the course, not in your work.")
assert wrong.shape != w.shape and bl.rel_error(wrong.sum(axis=0) / len(X), numeric_batch) > 0.1, (
    "Expected the sum-first version to be wrong by more than 10%. This is an error in the course, not in your work.")

# %% [markdown]
# ## 5. Gradient descent: letting the neuron learn
#
# The gradient points uphill. To lower the cost we step the other way, by a small multiple $\eta$
# of it ($\eta$ is again called the **learning rate**):
#
# $$ w_i \leftarrow w_i - \eta\,\frac{\partial C}{\partial w_i}, \qquad b \leftarrow b - \eta\,\frac{\partial C}{\partial b}. $$
#
# Here is the whole training loop for one neuron, from scratch, on two clouds of points that a
# straight line can separate. Each epoch takes one step computed from all 200 samples (the gradient of
# the mean cost: chapter 3 compares this with steps on smaller batches).

# %%
X_blobs, y_blobs = bl.datasets.blobs(n=200, classes=2, noise=0.6, seed=0)
print("inputs", X_blobs.shape, " labels", np.bincount(y_blobs))

rng = np.random.default_rng(0)
w_scratch, b_scratch = rng.normal(0, 1, size=2), 0.0
lr, losses = 0.5, []
for epoch in range(100):
    A = neuron(X_blobs, w_scratch, b_scratch)
    losses.append(np.mean(0.5 * (A - y_blobs) ** 2))
    delta = A * (1 - A) * (A - y_blobs) / len(X_blobs)     # dC/dz for each sample, mean loss
    w_scratch -= lr * X_blobs.T @ delta                      # sum over samples of x * delta
    b_scratch -= lr * delta.sum()

accuracy = np.mean((neuron(X_blobs, w_scratch, b_scratch) > 0.5) == y_blobs)
print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f}, training accuracy {accuracy:.0%}")
assert losses[-1] < losses[0] / 5 and accuracy > 0.95, (
    "Expected the loss to fall by more than 5x and the training accuracy to exceed 95%. "
    "This is an error in the course, not in your work.")

# %% [markdown]
# From here on we use `backprop_lib` for the same thing. The library calls a network of neurons in
# layers an `MLP` (*multi-layer perceptron*: a name that stuck, although its neurons are sigmoid neurons,
# not step perceptrons; chapter 5 builds one). A single neuron is an `MLP` with no hidden layer,
# `sizes=[2, 1]`: two inputs, one sigmoid output. Its `loss_and_grads` returns exactly the
# gradient we derived; the check below starts it from the scratch neuron's weights and compares.

# %%
net = bl.MLP([2, 1], output="sigmoid")
net.layers[0].W = w_scratch.reshape(2, 1)
net.layers[0].b = [b_scratch]
loss, grads = net.loss_and_grads(X_blobs, y_blobs, loss="mse")
A = neuron(X_blobs, w_scratch, b_scratch)
delta = A * (1 - A) * (A - y_blobs) / len(X_blobs)
print("library dW:", grads[0]["W"].ravel(), "  ours:", X_blobs.T @ delta)
assert np.isclose(loss, np.mean(0.5 * (A - y_blobs) ** 2)), (
    "Expected the library's loss to equal ours. This is an error in the course, not in your work.")
assert bl.rel_error(grads[0]["W"].ravel(), X_blobs.T @ delta) < 1e-10, (
    "Expected the library's gradient to equal ours to 1e-10. This is an error in the course, not in your work.")

# %% [markdown]
# ## 6. Try it: the learning rate
#
# Below, a neuron trains on the two clouds. The left plot is the loss per epoch (log scale), the right
# one the neuron's output over the plane: the colour is $\hat y$, the white band is where $\hat y = 0.5$,
# the *decision boundary*. A single neuron's boundary is always a straight line.
#
# - Move the **learning rate** slider: the neuron restarts from the same initial weights and trains
#   100 epochs. Around $\eta = 1$ it is done quickly. With $\eta = 0.01$ it has hardly moved: its loss
#   has only fallen from 0.125 to 0.079, and every output is still between 0.3 and 0.75, so it is
#   unsure about every point. Yet the status line reports a training accuracy of 99.5% (199 of 200
#   points): accuracy only asks on which side of $\hat y = \tfrac12$ each point lies, and the
#   boundary reaches the gap between the clouds long before the neuron is sure. The loss measures how
#   sure it is; that is why we train on the loss and only report the accuracy.
# - **Play** keeps training (10 epochs per frame), **Step** trains one frame, **Reset** starts over.

# %%
view = TrainingView(X_blobs, y_blobs, sizes=[2, 1], activation="sigmoid", output="sigmoid", loss="mse",
                    lr=0.5, initial_epochs=100, epochs_per_frame=10, title="one sigmoid neuron")
view

# %%
# The widget holds a trained neuron even before you touch it (this is what a headless run shows).
print(view.history, f"training accuracy {view.accuracy():.1%}")
assert view.history.epochs == 100 and view.accuracy() > 0.95, (
    "Expected the view to show 100 epochs and a training accuracy above 95%. "
    "This is an error in the course, not in your work.")

# What the view shows at lr = 0.01 (the slider is set back to 0.5 afterwards).
view.lr.value = 0.01
outputs = view.net.forward(X_blobs).ravel()
print(f"lr = 0.01: loss {view.history.loss[0]:.3f} -> {view.history.loss[-1]:.3f}, outputs between "
      f"{outputs.min():.2f} and {outputs.max():.2f}, training accuracy {view.accuracy():.1%}")
assert 0.07 < view.history.loss[-1] < 0.09 and 0.3 < outputs.min() and outputs.max() < 0.75, (
    "Expected the neuron to have hardly moved at lr = 0.01. This is an error in the course, not in your work.")
print("the view's status line:", view.status.value.split(">")[1].split("<")[0])
assert np.sum(view.net.predict(X_blobs).ravel() == y_blobs) == 199 and "99.5% (199 of 200)" in view.status.value, (
    "Expected 199 of the 200 points on the right side at lr = 0.01, as the status line says. "
    "This is an error in the course, not in your work.")
view.lr.value = 0.5

# %% [markdown]
# What a learning rate does, side by side (the same neuron, 100 epochs each; on the right the three
# loss curves):

# %%
fig, axes = plots.new_figure(ncols=4, size=(3.0, 2.8))
runs = {}
for ax, rate in zip(axes, [0.01, 0.5, 10.0]):
    n = bl.MLP([2, 1], output="sigmoid", seed=0)
    runs[rate] = (n, bl.train(n, X_blobs, y_blobs, loss="mse", lr=rate, epochs=100))
    plots.decision_boundary(n, X_blobs, y_blobs, ax=ax, title=f"lr = {rate}: loss {runs[rate][1].loss[-1]:.4f}")
    axes[3].semilogy(runs[rate][1].loss, label=f"lr = {rate}")
axes[3].set_xlabel("epoch")
axes[3].set_title("loss per epoch")
axes[3].legend(fontsize=8)
fig

# %% [markdown]
# On these two clouds the largest rate ends lowest. That is a property of this easy problem, not a
# rule, and the loss curves show what happened. With $\eta = 10$ the very first step makes the weights
# large: the loss drops from 0.125 to below 0.001 at once, and then hardly moves for the next 99
# epochs. Most outputs are now within 0.01 of their targets: the neuron is **saturated**, and the
# factor $\sigma'(z) = a(1-a)$ in every gradient is close to 0 (chapter 2 looks at this closely). The
# big step worked here only because the clouds are far apart, so that one jump landed on the right
# side for every point, and because a sigmoid neuron's squared error can never exceed $\tfrac12$,
# so it cannot blow up. In general every problem has a largest learning rate that works: chapter 3
# derives it for a bowl-shaped loss and shows what happens above it, where each step overshoots
# further than the last and the loss explodes (the descent **diverges**).

# %%
n10, h10 = runs[10.0]
a10 = n10.forward(X_blobs).ravel()
near = np.mean(np.abs(a10 - y_blobs) < 0.01)
print(f"lr = 10: loss {h10.loss[0]:.3f} at the start, {h10.loss[1]:.5f} after one step, "
      f"{h10.loss[-1]:.5f} at the last epoch")
print(f"outputs within 0.01 of their targets: {near:.0%};  mean of sigma'(z) = a(1 - a): {np.mean(a10 * (1 - a10)):.3f}"
      " (at most 0.25)")
assert h10.loss[1] < 1e-3 and h10.loss[-1] > h10.loss[1] / 5 and near > 0.5 and np.mean(a10 * (1 - a10)) < 0.05, (
    "Expected lr = 10 to saturate the neuron in one step and then hardly move. "
    "This is an error in the course, not in your work.")

# %% [markdown]
# ## 7. Where one neuron fails: XOR
#
# AND and **OR** (1 when at least one input is 1) are linearly separable: one straight line splits the
# inputs that give 1 from those that give 0. XOR is not, as the perceptron found in section 2. Since a
# sigmoid neuron's boundary is a line too, no choice of weights makes it right on all four points:
# the best a line can do is 3 out of 4. Gradient descent on the squared error does not even reach
# that: on XOR it ends at $\mathbf w = 0$, $b = 0$, with $\hat y = \tfrac12$ on all four points, the
# neuron's way of saying "I don't know". Its loss is then $\tfrac12(\tfrac12)^2 = 0.125$ whatever the
# targets.

# %%
gate_nets = {}
for gate in ["and", "or", "xor"]:
    Xg, yg = bl.datasets.logic_gate(gate)
    gate_nets[gate] = n = bl.MLP([2, 1], output="sigmoid", seed=0)
    hist = bl.train(n, Xg, yg, loss="mse", lr=2.0, epochs=2000)
    print(f"{gate.upper():>3}: targets {yg}, outputs {n.forward(Xg).ravel().round(2)}, loss {hist.loss[-1]:.3f}")
for gate in ["and", "or"]:
    Xg, yg = bl.datasets.logic_gate(gate)
    assert np.all(np.abs(gate_nets[gate].forward(Xg).ravel() - yg) < 0.4), (
        f"Expected one neuron to learn {gate.upper()} (every output within 0.4 of its target). "
        "This is an error in the course, not in your work.")
xor_net = gate_nets["xor"]
print("XOR: largest |y_hat - 1/2| =", f"{np.abs(xor_net.forward(X_xor) - 0.5).max():.1e};",
      "weights", xor_net.layers[0].W.ravel().round(6) + 0.0, "bias", xor_net.layers[0].b.round(6) + 0.0)
xor_loss = xor_net.loss(X_xor, y_xor, loss="mse")
assert np.abs(xor_net.forward(X_xor) - 0.5).max() < 1e-6 and abs(xor_loss - 0.125) < 1e-9, (
    "Expected the neuron to settle at y_hat = 1/2 on every XOR input (loss 0.125). "
    "This is an error in the course, not in your work.")

# %% [markdown]
# Put a **hidden layer** between the inputs and the output neuron: a row of neurons that each take
# all the inputs, and whose outputs are not compared with any target (they are hidden from the data)
# but are the inputs of the output neuron. Each hidden neuron draws its own line, and the output
# neuron combines them. Below, 8 hidden neurons use the activation **tanh**, the hyperbolic tangent
# $\tanh z = \frac{e^z - e^{-z}}{e^z + e^{-z}} = 2\sigma(2z) - 1$: a sigmoid stretched to the range
# $(-1, 1)$ (chapter 2 compares the two). The same gradient descent now solves a noisy XOR: 200
# points in the four quadrants, class 1 where the two inputs have opposite signs. How to compute the
# gradient for a weight that sits *behind* another layer is the subject of chapters 4 and 5.

# %%
X_noisy, y_noisy = bl.datasets.xor(n=200, noise=0.1, seed=0)
single = bl.MLP([2, 1], output="sigmoid", seed=0)
hidden = bl.MLP([2, 8, 1], activation="tanh", output="sigmoid", seed=0)
h_single = bl.train(single, X_noisy, y_noisy, loss="mse", lr=2.0, epochs=500)
h_hidden = bl.train(hidden, X_noisy, y_noisy, loss="mse", lr=2.0, epochs=500)
acc_single = np.mean(single.predict(X_noisy) == y_noisy)
acc_hidden = np.mean(hidden.predict(X_noisy) == y_noisy)

fig, axes = plots.new_figure(ncols=2, size=(3.8, 3.2))
plots.decision_boundary(single, X_noisy, y_noisy, ax=axes[0], title=f"one neuron: {acc_single:.0%}")
plots.decision_boundary(hidden, X_noisy, y_noisy, ax=axes[1], title=f"8 hidden neurons: {acc_hidden:.0%}")
print(f"accuracy on noisy XOR: one neuron {acc_single:.0%}, one hidden layer {acc_hidden:.0%}")
assert acc_single < 0.8 and acc_hidden > 0.95, (
    "Expected one neuron below 80% and one hidden layer above 95% on noisy XOR. "
    "This is an error in the course, not in your work.")
fig

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
# ### Exercise 1 · The forward pass (1 point)
#
# Write `neuron_forward(x, w, b)` that returns the output $a = \sigma(\mathbf w^\top \mathbf x + b)$ of
# one sigmoid neuron for one sample `x` (a 1-D array), as a float. You may use `bl.sigmoid`.

# %% nbgrader={"grade": false, "grade_id": "ex1_neuron_forward", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def neuron_forward(x, w, b):
    """a = sigma(w . x + b) for one sample."""
    ### BEGIN SOLUTION
    return float(bl.sigmoid(np.dot(w, x) + b))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from backprop_lib.checks import ch01

ch01.check_neuron_forward(neuron_forward)
### BEGIN HIDDEN TESTS
ch01.check_neuron_forward(neuron_forward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 · The gradient (2 points)
#
# Write `neuron_gradient(x, y, w, b)` that returns the pair `(dC_dw, dC_db)` for one sample, where
# $C = \tfrac12(a - y)^2$ and $a = \sigma(\mathbf w^\top \mathbf x + b)$. `dC_dw` has the shape of `w`;
# `dC_db` is a number. Use the formula of section 4, not numerical differences (the check tests inputs
# where finite differences are measurably off, and notices `bl.numerical_gradient`).

# %% nbgrader={"grade": false, "grade_id": "ex2_neuron_gradient", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def neuron_gradient(x, y, w, b):
    """(dC/dw, dC/db) for C = 1/2 (sigma(w . x + b) - y)^2."""
    ### BEGIN SOLUTION
    a = bl.sigmoid(np.dot(w, x) + b)
    delta = a * (1 - a) * (a - y)
    return delta * np.asarray(x, dtype=float), float(delta)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ch01.check_neuron_gradient(neuron_gradient)
### BEGIN HIDDEN TESTS
ch01.check_neuron_gradient(neuron_gradient, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 · A neuron by hand (1 point)
#
# No training this time: choose the weights `w_nand` (two numbers) and the bias `b_nand` yourself so
# that the neuron computes **NAND**, which is 0 only when both inputs are 1. The check wants
# $a > 0.6$ where NAND is 1 and $a < 0.4$ where it is 0. (Why can a single neuron do NAND but not XOR?)

# %% nbgrader={"grade": false, "grade_id": "ex3_nand", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
w_nand = None   # two numbers, one weight per input
b_nand = None   # one number, the bias
### BEGIN SOLUTION
w_nand = np.array([-4.0, -4.0])
b_nand = 6.0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex3_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ch01.check_gate_weights(w_nand, b_nand, gate="nand")

# %% [markdown]
# ### Exercise 4 · The perceptron rule (1 point)
#
# Write `perceptron_update(x, y, w, b, lr)` that applies the perceptron rule of section 2 to one
# sample `x` (a 1-D array) with target `y` (0 or 1), weights `w`, bias `b` and learning rate `lr`, and
# returns the pair `(w_new, b_new)`. The perceptron's answer is $a = \operatorname{step}(z)$ with
# $z = \mathbf w^\top\mathbf x + b$: 1 for $z > 0$, and 0 for $z \le 0$ (so $z$ exactly 0 answers 0). Do
# not change the input arrays in place. (After you pass: why does a right answer never change the
# weights?)

# %% nbgrader={"grade": false, "grade_id": "ex4_perceptron_update", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def perceptron_update(x, y, w, b, lr):
    """One step of the perceptron rule for one sample: returns (w_new, b_new)."""
    ### BEGIN SOLUTION
    a = 1.0 if np.dot(w, x) + b > 0 else 0.0
    return w + lr * (y - a) * np.asarray(x, dtype=float), b + lr * (y - a)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ch01.check_perceptron_update(perceptron_update)
### BEGIN HIDDEN TESTS
ch01.check_perceptron_update(perceptron_update, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# In this chapter we
# - built a neuron: a weighted sum $z = \mathbf w^\top\mathbf x + b$ (the bias is the weight of a
#   constant input 1) followed by an activation;
# - trained a perceptron (a step activation) with its rule $\mathbf w \leftarrow \mathbf w + \eta(y - a)\mathbf x$,
#   which stops on AND and never stops on XOR, and saw why a step cannot be trained by gradient
#   descent: its derivative is 0 wherever it exists;
# - replaced the step by the sigmoid, $a = \sigma(z)$, whose slope is never 0;
# - measured its error with $C = \tfrac12(\hat y - y)^2$ and derived, by the chain rule,
#   $\partial C/\partial w_i = x_i\,\hat y(1-\hat y)(\hat y - y)$ and $\partial C/\partial b = \hat y(1-\hat y)(\hat y - y)$;
# - checked that gradient against central differences (relative error below $10^{-7}$), and put
#   the sum over samples where it belongs;
# - trained the neuron with $w \leftarrow w - \eta\,\nabla C$ and saw the learning rate decide between
#   crawling and converging (and a large rate saturate the neuron in one step);
# - saw that the training accuracy can read 99.5% while the neuron is still unsure of every point;
# - saw one neuron settle at $\hat y = \tfrac12$ on XOR and one hidden layer succeed.
#
# **Next:** [Chapter 2 · The sigmoid and its derivative](02_sigmoid_derivative.ipynb) looks closely at
# the factor $\hat y(1-\hat y)$: where it comes from, why it is cheap, and why it is never above 1/4.

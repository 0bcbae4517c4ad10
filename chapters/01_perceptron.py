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
# - write a neuron's forward pass: the weighted sum $z = \mathbf w^\top \mathbf x + b$ and the sigmoid $a = \sigma(z)$;
# - see why the bias is just one more weight;
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
assert np.isclose(z, z_by_hand)

# %% [markdown]
# ### The bias is weight number 0
#
# Put a constant $x_0 = 1$ in front of the inputs and call the bias $w_0 = b$. Then
#
# $$ z = w_0 \cdot 1 + w_1 x_1 + \dots + w_n x_n = \tilde{\mathbf w}^\top \tilde{\mathbf x},
# \qquad \tilde{\mathbf x} = (1, x_1, \dots, x_n),\ \tilde{\mathbf w} = (b, w_1, \dots, w_n). $$
#
# The bias needs no special treatment: it is the weight of an input that is always 1. Many texts
# (and document 000 of this course's sources) use this trick; the code below uses a separate `b`
# because it keeps the shapes readable, but the two are the same computation.

# %%
x_tilde = np.concatenate([[1.0], x])
w_tilde = np.concatenate([[b], w])
print("w~ . x~ =", w_tilde @ x_tilde)
assert np.isclose(w_tilde @ x_tilde, z)

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
assert np.allclose(z_batch, [w @ row + b for row in X])

# %% [markdown]
# ## 2. The sigmoid neuron
#
# The weighted sum can be any real number. To read the neuron's output as "how sure am I that the
# answer is 1", we squash it into $(0, 1)$ with the **sigmoid** (logistic) function
#
# $$ a = \sigma(z) = \frac{1}{1 + e^{-z}}. $$
#
# We write $a$ for a neuron's output (its *activation*); when the neuron is the whole model we also
# call it the prediction $\hat y = a$. Chapter 2 studies $\sigma$ and its derivative in detail; here
# we need one fact from it: $\sigma'(z) = \sigma(z)\,(1 - \sigma(z)) = a(1-a)$.

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
print("sigma(0) =", bl.sigmoid(0.0))
print("max |sigma'(z) - numerical slope| =", np.abs(bl.sigmoid_prime(zs) - slope_numeric).max())
assert bl.sigmoid(0.0) == 0.5
assert np.allclose(bl.sigmoid(-zs), 1 - bl.sigmoid(zs))
assert np.abs(bl.sigmoid_prime(zs) - slope_numeric).max() < 1e-9

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
assert 0 < y_hat < 1 and np.isclose(C, 0.5 * (1 / (1 + np.exp(-z)) - 1) ** 2)

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
print("dC/dw =", dw, "  dC/db =", db)

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
print("relative error dC/dw:", bl.rel_error(dw, dw_numeric))
print("relative error dC/db:", bl.rel_error(db, db_numeric[0]))
assert bl.rel_error(dw, dw_numeric) < 1e-7 and bl.rel_error(db, db_numeric[0]) < 1e-7

# %% [markdown]
# > ⚠️ **Common pitfall: where the sum over samples goes.** With $N$ samples and
# > $C = \frac1N \sum_n \tfrac12(\hat y^{(n)} - y^{(n)})^2$, each sample contributes its own product:
# >
# > $$ \frac{\partial C}{\partial w_i} = \frac1N \sum_{n=1}^{N} x_i^{(n)}\,\hat y^{(n)}(1-\hat y^{(n)})\,(\hat y^{(n)} - y^{(n)}). $$
# >
# > One of our source documents writes the sum of the errors $\sum_n(\hat y^{(n)} - y^{(n)})$ first and
# > then multiplies it element-wise by the per-sample factors $\hat y^{(n)}(1-\hat y^{(n)})\,x^{(n)}$.
# > That is a different (wrong) number: the sum belongs **outside** the product. (It also writes the
# > cost as $\frac1N\sum(y - \hat y)^2$ without the $\tfrac12$, which puts a factor 2 in front of
# > every gradient: harmless, as the learning rate absorbs it, but keep your convention consistent.)
# > The cell below shows the difference on three samples.

# %%
Y = np.array([1.0, 0.0, 1.0])
A = neuron(X, w, b)                                         # predictions for the batch
right = (X * (A * (1 - A) * (A - Y))[:, None]).mean(axis=0)  # mean of per-sample products
wrong = np.sum(A - Y) * (A * (1 - A))[:, None] * X           # sum first, then element-wise
batch_cost = lambda w_: np.mean(0.5 * (neuron(X, w_, b) - Y) ** 2)
print("right:", right, "  numerical:", bl.numerical_gradient(batch_cost, w.copy()))
print("sum-first version (per sample, does not even have the right shape):\n", wrong)
assert bl.rel_error(right, bl.numerical_gradient(batch_cost, w.copy())) < 1e-7

# %% [markdown]
# ## 5. Gradient descent: letting the neuron learn
#
# The gradient points uphill. To lower the cost we step the other way, by a small multiple $\eta$
# (the **learning rate**) of it:
#
# $$ w_i \leftarrow w_i - \eta\,\frac{\partial C}{\partial w_i}, \qquad b \leftarrow b - \eta\,\frac{\partial C}{\partial b}. $$
#
# Here is the whole training loop for one neuron, from scratch, on two clouds of points that a
# straight line can separate (*linearly separable*).

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
assert losses[-1] < losses[0] / 5 and accuracy > 0.95

# %% [markdown]
# From here on we use `backprop_lib` for the same thing. A single neuron is an `MLP` with no hidden
# layer, `sizes=[2, 1]`: two inputs, one sigmoid output. Its `loss_and_grads` returns exactly the
# gradient we derived; the check below starts it from the scratch neuron's weights and compares.

# %%
net = bl.MLP([2, 1], output="sigmoid")
net.layers[0].W = w_scratch.reshape(2, 1)
net.layers[0].b = [b_scratch]
loss, grads = net.loss_and_grads(X_blobs, y_blobs, loss="mse")
A = neuron(X_blobs, w_scratch, b_scratch)
delta = A * (1 - A) * (A - y_blobs) / len(X_blobs)
print("library dW:", grads[0]["W"].ravel(), "  ours:", X_blobs.T @ delta)
assert np.isclose(loss, np.mean(0.5 * (A - y_blobs) ** 2))
assert bl.rel_error(grads[0]["W"].ravel(), X_blobs.T @ delta) < 1e-12

# %% [markdown]
# ## 6. Try it: the learning rate
#
# Below, a neuron trains on the two clouds. The left plot is the loss per epoch (log scale), the right
# one the neuron's output over the plane: the colour is $\hat y$, the white band is where $\hat y = 0.5$,
# the *decision boundary*. A single neuron's boundary is always a straight line.
#
# - Move the **learning rate** slider: the neuron restarts from the same initial weights and trains
#   100 epochs. With $\eta = 0.01$ it has hardly moved; around $\eta = 1$ it is done quickly.
# - **Play** keeps training (10 epochs per frame), **Step** trains one frame, **Reset** starts over.

# %%
view = TrainingView(X_blobs, y_blobs, sizes=[2, 1], activation="sigmoid", output="sigmoid", loss="mse",
                    lr=0.5, initial_epochs=100, epochs_per_frame=10, title="one sigmoid neuron")
view

# %%
# The widget holds a trained neuron even before you touch it (this is what a headless run shows).
print(view.history, f"training accuracy {view.accuracy():.0%}")
assert view.history.epochs == 100 and view.accuracy() > 0.95

# %% [markdown]
# What a learning rate does, side by side (the same neuron, 100 epochs each):

# %%
fig, axes = plots.new_figure(ncols=3, size=(3.2, 2.8))
for ax, rate in zip(axes, [0.01, 0.5, 10.0]):
    n = bl.MLP([2, 1], output="sigmoid", seed=0)
    hist = bl.train(n, X_blobs, y_blobs, loss="mse", lr=rate, epochs=100)
    plots.decision_boundary(n, X_blobs, y_blobs, ax=ax, title=f"lr = {rate}: loss {hist.loss[-1]:.3f}")
fig

# %% [markdown]
# ## 7. Where one neuron fails: XOR
#
# AND and OR are linearly separable: one straight line splits the inputs that give 1 from those that
# give 0. **XOR** (1 when exactly one input is 1) is not: the two 1s sit on one diagonal of the square
# and the two 0s on the other, and no single line separates them. Since a neuron's boundary is a line,
# no choice of weights makes it right on all four points: the best it can do is 3 out of 4, and
# gradient descent on the squared error does not even reach that: it settles near $\hat y = 0.5$ everywhere.

# %%
X_xor, y_xor = bl.datasets.logic_gate("xor")
results = {}
for gate in ["and", "or", "xor"]:
    Xg, yg = bl.datasets.logic_gate(gate)
    n = bl.MLP([2, 1], output="sigmoid", seed=0)
    bl.train(n, Xg, yg, loss="mse", lr=2.0, epochs=2000)
    results[gate] = np.mean(n.predict(Xg) == yg)
    print(f"{gate.upper():>3}: one neuron gets {results[gate]:.0%} right, outputs {n.forward(Xg).ravel().round(2)}")
assert results["and"] == 1 and results["or"] == 1 and results["xor"] <= 0.75

# %% [markdown]
# Add one **hidden layer** of a few neurons between the inputs and the output and the picture changes:
# each hidden neuron draws its own line, and the output neuron combines them. The same gradient
# descent now solves XOR, on the four corners and on a noisy version of it. How to compute the
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
assert acc_single < 0.8 and acc_hidden > 0.95
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
# `dC_db` is a number. Use the formula of section 4, not numerical differences.

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
### BEGIN SOLUTION
w_nand = np.array([-4.0, -4.0])
b_nand = 6.0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex3_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ch01.check_gate_weights(w_nand, b_nand, gate="nand")

# %% [markdown]
# ## Summary
#
# In this chapter we
# - built a neuron: a weighted sum $z = \mathbf w^\top\mathbf x + b$ (the bias is the weight of a
#   constant input 1) followed by the sigmoid, $a = \sigma(z)$;
# - measured its error with $C = \tfrac12(\hat y - y)^2$ and derived, by the chain rule,
#   $\partial C/\partial w_i = x_i\,\hat y(1-\hat y)(\hat y - y)$ and $\partial C/\partial b = \hat y(1-\hat y)(\hat y - y)$;
# - checked that gradient against central differences (relative error below $10^{-7}$), and put
#   the sum over samples where it belongs;
# - trained the neuron with $w \leftarrow w - \eta\,\nabla C$ and saw the learning rate decide between
#   crawling and converging;
# - saw one neuron fail on XOR and one hidden layer succeed.
#
# **Next:** [Chapter 2 · The sigmoid and its derivative](02_sigmoid_derivative.ipynb) looks closely at
# the factor $\hat y(1-\hat y)$: where it comes from, why it is cheap, and why it is never above 1/4.

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
# # Chapter 5 · Matrix form
#
# [![Open in Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/backprop-course/backprop-course/HEAD?urlpath=lab/tree/chapters/05_matrix_form.ipynb)
#
# Chapter 4 computed gradients one weight at a time: a sum over paths, an index per neuron. That is
# the right way to *understand* backpropagation and the wrong way to *run* it. A layer with 1000
# inputs and 1000 outputs has a million weights, and a Python loop over them, repeated for every
# sample, takes minutes where a matrix product takes milliseconds. In this chapter we write the whole
# backward pass as four matrix equations. Nothing new happens mathematically: each matrix product is
# the same sum over indices, done all at once, and the only new skill is keeping track of shapes.
#
# **In this chapter you will**
# - write the affine layer $Z = A_{\text{prev}} W + b$ and derive its backward pass
#   $\partial L/\partial W = A_{\text{prev}}^\top \Delta$, $\partial L/\partial b = \sum_n \Delta_{n,:}$,
#   $\partial L/\partial A_{\text{prev}} = \Delta W^\top$, using shapes as a guide;
# - state the four equations of backpropagation (output delta, hidden delta, weight gradient, bias
#   gradient) and check them against central differences;
# - translate between the row-batch form $Z = A W + b$ used here and the column form $z = W a + b$ of
#   many lecture notes, and see they are the same equations transposed;
# - write a full MLP backward pass and time loops against matrices;
# - train networks of different depth and width live.

# %%
# %matplotlib inline

import numpy as np

import backprop_lib as bl
from backprop_lib import plots
from backprop_lib.timing import best_time
from backprop_lib.widgets import Playground

np.set_printoptions(precision=4, suppress=True)
COURSE_BUG = "A failure here is a bug in the course, not in your work; please report it."

# %% [markdown]
# ## 1. The affine layer, with shapes
#
# The course stores a batch of $N$ samples as the **rows** of a matrix. A **dense** layer (every input
# feeds every output) with $n_{\text{in}}$ inputs and $n_{\text{out}}$ outputs computes, for the whole
# batch at once,
#
# $$ \underbrace{Z}_{(N,\,n_{\text{out}})} = \underbrace{A_{\text{prev}}}_{(N,\,n_{\text{in}})}\;
# \underbrace{W}_{(n_{\text{in}},\,n_{\text{out}})} + \underbrace{b}_{(n_{\text{out}},)}, \qquad
# Z_{nj} = \sum_{i} A_{ni} W_{ij} + b_j , $$
#
# where the bias row $b$ is added to every row (numpy *broadcasting*). This is the **affine** part of
# the layer; the activation $A = f(Z)$ comes after it and is element-wise.
#
# **Backward.** Suppose the layers above have already told us how the loss changes with each entry of
# $Z$: the matrix $\Delta = \partial L/\partial Z$, of shape $(N, n_{\text{out}})$. Its rows are the error
# signals $\delta$ of chapters 1 and 4, one per sample. The chain rule, entry by entry:
#
# - $W_{ij}$ appears in $Z_{nj}$ for every sample $n$, multiplied by $A_{ni}$:
#   $\;\dfrac{\partial L}{\partial W_{ij}} = \sum_n \Delta_{nj} A_{ni} = \big(A_{\text{prev}}^\top \Delta\big)_{ij}$.
# - $b_j$ appears in $Z_{nj}$ for every $n$, multiplied by 1:
#   $\;\dfrac{\partial L}{\partial b_j} = \sum_n \Delta_{nj}$, the column sums of $\Delta$.
# - $A_{ni}$ appears in $Z_{nj}$ for every output $j$, multiplied by $W_{ij}$:
#   $\;\dfrac{\partial L}{\partial A_{ni}} = \sum_j \Delta_{nj} W_{ij} = \big(\Delta W^\top\big)_{ni}$.
#
# $$ \boxed{\;\frac{\partial L}{\partial W} = A_{\text{prev}}^\top \Delta, \qquad
# \frac{\partial L}{\partial b} = \sum_{n=1}^{N} \Delta_{n,:}, \qquad
# \frac{\partial L}{\partial A_{\text{prev}}} = \Delta\, W^\top \;} $$
#
# **Shapes are a free check.** A gradient always has the shape of the thing it differentiates:
# $\partial L/\partial W$ is $(n_{\text{in}}, n_{\text{out}})$ like $W$. The only product of $A_{\text{prev}}$
# $(N, n_{\text{in}})$ and $\Delta$ $(N, n_{\text{out}})$ with that shape is $A_{\text{prev}}^\top \Delta$:
# the sum over samples is the sum over the shared index $N$. Likewise $\Delta W^\top$ is the only way
# to get $(N, n_{\text{in}})$ out of $\Delta$ and $W$.
#
# The first two are the gradients the optimiser needs; the third is what the layer passes **down** to
# the layer below, which treats it as its own $\partial L/\partial A$. For a single sample ($N = 1$) the
# sum over rows has one term and $\partial L/\partial b$ is simply $\Delta$'s one row; with a batch, the
# bias gradient sums over the rows.

# %%
def affine_forward(A_prev, W, b):
    """Z = A_prev W + b: (N, n_in), (n_in, n_out), (n_out,) -> (N, n_out); the cache is what backward needs."""
    Z = A_prev @ W + b
    return Z, (A_prev, W)


def affine_backward(Delta, cache):
    """Given Delta = dL/dZ (N, n_out): (dW (n_in, n_out), db (n_out,), dA_prev (N, n_in))."""
    A_prev, W = cache
    return A_prev.T @ Delta, Delta.sum(axis=0), Delta @ W.T


rng = np.random.default_rng(0)
A_prev = rng.normal(size=(5, 4))          # N = 5 samples, n_in = 4
W = rng.normal(size=(4, 3))               # n_out = 3
b = rng.normal(size=3)
Z, cache = affine_forward(A_prev, W, b)
print("A_prev", A_prev.shape, " W", W.shape, " b", b.shape, " ->  Z", Z.shape)
assert Z.shape == (5, 3) and np.allclose(Z[2], A_prev[2] @ W + b), f"Z should be (5, 3), row n = a_n W + b. {COURSE_BUG}"

# %% [markdown]
# **Check it.** To test a backward pass on its own we need some loss of $Z$ whose $\partial L/\partial Z$
# we know. The simplest is $L = \sum_{n,j} G_{nj} Z_{nj}$ for a fixed random matrix $G$: then
# $\partial L/\partial Z = G$ exactly, and central differences of $L$ with respect to $W$, $b$ and
# $A_{\text{prev}}$ must agree with what `affine_backward(G, cache)` returns.

# %%
G = rng.normal(size=Z.shape)                          # plays the role of dL/dZ
L_of = lambda: np.sum(G * affine_forward(A_prev, W, b)[0])
dW, db, dA_prev = affine_backward(G, cache)
for name, ours, param in [("dW", dW, W), ("db", db, b), ("dA_prev", dA_prev, A_prev)]:
    err = bl.rel_error(ours, bl.numerical_gradient(lambda _: L_of(), param))
    print(f"{name:>8} shape {str(ours.shape):8}  relative error {err:.1e}   (should be below 1e-7)")
    assert ours.shape == param.shape and err < 1e-7, f"{name} should have its parameter's shape and match central differences. {COURSE_BUG}"

# %% [markdown]
# ## 2. The four equations
#
# A network is a stack of such layers. Number them $l = 1, \dots, L$, with $A_0 = X$ the input batch:
#
# $$ Z_l = A_{l-1} W_l + b_l, \qquad A_l = f(Z_l), \qquad W_l \text{ of shape } (n_{l-1}, n_l). $$
#
# Call $\Delta_l = \partial L/\partial Z_l$ layer $l$'s **delta** (shape $(N, n_l)$). Going from $Z_l$
# back to $A_{l-1}$ is the affine backward pass of section 1; going from $A_l$ back to $Z_l$ multiplies
# element-wise by $f'(Z_l)$, because $A_l = f(Z_l)$ acts on each entry separately. Together:
#
# | | equation | shapes |
# |---|---|---|
# | **(1) output delta** | $\Delta_L = \dfrac{\partial L}{\partial A_L} \odot f'(Z_L)$ | $(N, n_L)$ |
# | **(2) hidden delta** | $\Delta_l = \big(\Delta_{l+1} W_{l+1}^\top\big) \odot f'(Z_l)$ | $(N, n_{l+1})(n_{l+1}, n_l) \to (N, n_l)$ |
# | **(3) weight gradient** | $\dfrac{\partial L}{\partial W_l} = A_{l-1}^\top \Delta_l$ | $(n_{l-1}, N)(N, n_l) \to (n_{l-1}, n_l)$ |
# | **(4) bias gradient** | $\dfrac{\partial L}{\partial b_l} = \sum_n (\Delta_l)_{n,:}$ | $(n_l,)$ |
#
# $\odot$ is the element-wise product. For the mean squared error $L = \frac1N\sum_n \tfrac12\|a_n - t_n\|^2$
# the output delta is $\Delta_L = \frac1N (A_L - T) \odot f'(Z_L)$; with a linear output ($f(z) = z$,
# $f' = 1$) it is just $\frac1N(A_L - T)$. The $\frac1N$ is there because the loss is a mean; it
# enters once, in $\Delta_L$, and every other gradient inherits it. Equation (2) is chapter 4's
# $\delta_j = f'(z_j)\sum_k W_{jk}\delta_k$ for all $j$ and all samples at once:
# the sum over $k$ is the matrix product with $W_{l+1}^\top$.
#
# The backward pass runs (1) once, then (3), (4) and (2) for $l = L, L-1, \dots, 1$, reusing the
# $Z_l$ and $A_l$ the forward pass stored. Each step costs about as much as the matching forward
# step, so a full gradient costs about two forward passes, however many weights there are.

# %% [markdown]
# ### A worked example: one sample through two layers
#
# The row form runs a single sample just as well: a batch of $N = 1$. Take one sample with two
# features, a row $X$ of shape $1 \times 2$, a hidden layer of 3 sigmoid units and an output layer of
# 3 sigmoid units, and the loss $L = \tfrac12\|A_2 - T\|^2$:
#
# $$ \underbrace{Z_1}_{1\times3} = \underbrace{X}_{1\times2}\,\underbrace{W_1}_{2\times3} + \underbrace{b_1}_{(3,)}, \quad
#    A_1 = \sigma(Z_1), \quad \underbrace{Z_2}_{1\times3} = \underbrace{A_1}_{1\times3}\,\underbrace{W_2}_{3\times3} + \underbrace{b_2}_{(3,)}, \quad
#    A_2 = \sigma(Z_2). $$
#
# (Chapter 6 puts a softmax on $Z_2$ instead, to turn three scores into three class probabilities.)
# The cell runs the forward pass, checks every entry of $Z_1$ against the sum
# $\sum_i X_{1i} W_{ij} + b_j$ written out, and then runs equations (1)-(4) backwards. With one row,
# each bias gradient is $\Delta$'s single row: the sum over samples has one term.

# %%
rng = np.random.default_rng(1)
X1 = np.array([[0.6, -1.1]])                                     # one sample, two features: (1, 2)
T1 = np.array([[1.0, 0.0, 0.0]])
W1, b1 = rng.normal(size=(2, 3)), rng.normal(size=3)
W2, b2 = rng.normal(size=(3, 3)), rng.normal(size=3)

Z1 = X1 @ W1 + b1
A1 = bl.sigmoid(Z1)
Z2 = A1 @ W2 + b2
A2 = bl.sigmoid(Z2)
print(f"X {X1.shape} -> Z1 {Z1.shape} -> A1 {A1.shape} -> Z2 {Z2.shape} -> A2 {A2.shape};  A2 = {A2}")
Z1_by_units = np.array([[sum(X1[0, i] * W1[i, j] for i in range(2)) + b1[j] for j in range(3)]])
assert Z1.shape == A1.shape == Z2.shape == A2.shape == (1, 3), f"every layer's output should be 1 x 3. {COURSE_BUG}"
assert np.allclose(Z1, Z1_by_units, rtol=1e-12, atol=1e-14), \
    f"X W1 + b1 should be the sum over inputs written out. {COURSE_BUG}"

Delta2 = (A2 - T1) * A2 * (1 - A2)                             # (1) output delta, (1, 3)
dW2, db2, dA1 = affine_backward(Delta2, (A1, W2))              # (3), (4), and dL/dA1 for the layer below
Delta1 = dA1 * A1 * (1 - A1)                                   # (2) hidden delta, (1, 3)
dW1, db1, _ = affine_backward(Delta1, (X1, W1))
ours = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
values = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
loss_1x2 = lambda W1, b1, W2, b2: 0.5 * np.sum((bl.sigmoid(bl.sigmoid(X1 @ W1 + b1) @ W2 + b2) - T1) ** 2)
for name, value in values.items():
    err = bl.rel_error(ours[name], bl.numerical_gradient(lambda p: loss_1x2(**{**values, name: p}), value.copy()))
    print(f"dL/d{name} {str(ours[name].shape):7} relative error {err:.1e}   (should be below 1e-7)")
    assert ours[name].shape == value.shape and err < 1e-7, \
        f"dL/d{name} should have {name}'s shape and match central differences. {COURSE_BUG}"

# %% [markdown]
# ## 3. Column vectors: the same equations, transposed
#
# Many textbooks and lecture notes use **column** vectors for one sample and put the weight matrix on
# the left: $z_{l+1} = W_l\, a_l + b_l$, $a_l = f(z_l)$, with $W_l$ of shape $(n_{\text{out}}, n_{\text{in}})$. In
# that form the backward pass through the weights between a layer 1 of 4 units and a layer 2 of 3
# units reads
#
# $$ \delta_1 = W_1^\top \delta_2 \circ f'(z_1), \qquad \frac{\partial L}{\partial W_1} = \delta_2\, a_1^\top,
# \qquad \frac{\partial L}{\partial b_1} = \delta_2 . $$
#
# Careful with the indices: in this numbering $W_1$ *leaves* layer 1, so the gradient of $W_1$ uses the
# delta of layer **2**; in the course's numbering the same matrix is the $W$ of the layer whose output
# is $z_2$.
#
# The translation is one transpose. For one sample, the course's row vector is the column vector
# transposed, and the course's $W$ is the column form's $W$ transposed:
# $z^\top = (W_{\text{col}}\, a + b)^\top = a^\top W_{\text{col}}^\top + b^\top$. Transposing each equation of the
# column form gives ours:
#
# | | column form | course (rows) |
# |---|---|---|
# | forward | $z_2 = W_{\text{col}}\, a_1 + b$ | $z_2 = a_1 W + b$ with $W = W_{\text{col}}^\top$ |
# | hidden delta | $\delta_1 = W_{\text{col}}^\top \delta_2 \circ f'(z_1)$ | $\delta_1 = \delta_2 W^\top \odot f'(z_1)$ |
# | weight gradient | $\partial L/\partial W_{\text{col}} = \delta_2 a_1^\top$ (outer product, $3\times 4$) | $\partial L/\partial W = a_1^\top \delta_2$ ($4 \times 3$) |
#
# With a batch, the rows of $A$ and $\Delta$ are the samples, and $A^\top\Delta = \sum_n a_n^\top \delta_n$
# is the **sum of the per-sample outer products**. The cell below runs the 4-3 example both ways.

# %%
rng = np.random.default_rng(4)
W_col = rng.normal(size=(3, 4))            # column form: (n_out, n_in) = (3, 4)
b_col = rng.normal(size=(3, 1))
z1_col = rng.normal(size=(4, 1))           # a column vector: layer 1's pre-activation
t_col = np.array([[0.0], [1.0], [0.5]])
f, f_prime = bl.sigmoid, bl.sigmoid_prime


def loss_col(z1):
    """L = 1/2 ||sigma(z2) - t||^2 with z2 = W a1 + b, a1 = sigma(z1), all column vectors."""
    a2 = f(W_col @ f(z1) + b_col)
    return 0.5 * np.sum((a2 - t_col) ** 2)


# the column form
a1_col = f(z1_col)
z2_col = W_col @ a1_col + b_col
delta2_col = (f(z2_col) - t_col) * f_prime(z2_col)          # dL/dz2, (3, 1)
delta1_col = (W_col.T @ delta2_col) * f_prime(z1_col)        # (4, 1)
dW_col = delta2_col @ a1_col.T                               # (3, 4): the outer product delta2 a1^T

# the course's row form: same numbers, every vector a row, W transposed
W_row, b_row, z1_row = W_col.T, b_col.T, z1_col.T
a1_row = f(z1_row)
z2_row = a1_row @ W_row + b_row
delta2_row = (f(z2_row) - t_col.T) * f_prime(z2_row)         # (1, 3)
delta1_row = (delta2_row @ W_row.T) * f_prime(z1_row)        # (1, 4)
dW_row = a1_row.T @ delta2_row                               # (4, 3)

print("delta1 (column form):", delta1_col.ravel(), "  (row form):", delta1_row.ravel())
print("dW column form is", dW_col.shape, ", row form is", dW_row.shape, "; row form == column form transposed:",
      np.allclose(dW_row, dW_col.T))
assert np.allclose(delta1_row, delta1_col.T) and np.allclose(dW_row, dW_col.T), \
    f"the row form should be the column form transposed. {COURSE_BUG}"

# %%
# Both against central differences: delta1 = dL/dz1 and dL/dW (the column form's layout).
num_delta1 = bl.numerical_gradient(loss_col, z1_col.copy())
num_dW = bl.numerical_gradient(lambda _: loss_col(z1_col), W_col)
print(f"relative error delta1: {bl.rel_error(delta1_col, num_delta1):.1e}, "
      f"dL/dW: {bl.rel_error(dW_col, num_dW):.1e}   (should be below 1e-7)")
assert bl.rel_error(delta1_col, num_delta1) < 1e-7 and bl.rel_error(dW_col, num_dW) < 1e-7, \
    f"the column form's delta1 and dL/dW should match central differences. {COURSE_BUG}"

# A batch in rows: A^T Delta is the sum over samples of the per-sample outer products a_n^T delta_n.
A_batch, Delta_batch = rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
outer_sum = sum(np.outer(A_batch[n], Delta_batch[n]) for n in range(6))
assert np.allclose(A_batch.T @ Delta_batch, outer_sum), f"A^T Delta should be the sum of outer products. {COURSE_BUG}"
print("A^T Delta equals the sum of 6 outer products:", np.allclose(A_batch.T @ Delta_batch, outer_sum))

# %% [markdown]
# ## 4. The whole network, backward
#
# Here are the four equations as a loop over layers, for any depth, written from scratch on the
# weights of a `backprop_lib` network: a `bl.MLP`, short for *multi-layer perceptron*, the usual name
# for a stack of dense layers each followed by its activation (its units are smooth neurons like
# chapter 1's sigmoid neuron, not step perceptrons; the name stuck anyway). The forward pass stores every $Z_l$ and $A_l$; the backward pass
# walks the list in reverse. We use $\tanh$ hidden layers, a linear output and the mean squared error.

# %%
ACT = {"tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
       "sigmoid": (bl.sigmoid, bl.sigmoid_prime),
       "identity": (lambda z: z, np.ones_like)}


def mlp_backward(net, X, T):
    """(L, grads) for L = (1/N) sum_n 1/2 ||a_L - t_n||^2, by the four equations."""
    acts = [net.activation] * (len(net.layers) - 1) + [net.output]
    As, Zs = [X], []                                       # A_0 = X
    for layer, act in zip(net.layers, acts):               # forward, storing Z_l and A_l
        Zs.append(As[-1] @ layer.W + layer.b)
        As.append(ACT[act][0](Zs[-1]))
    N = X.shape[0]
    loss = 0.5 * np.sum((As[-1] - T) ** 2) / N
    Delta = (As[-1] - T) / N * ACT[acts[-1]][1](Zs[-1])   # (1) output delta
    grads = [None] * len(net.layers)
    for l in range(len(net.layers) - 1, -1, -1):          # l = L-1, ..., 0 (0-based)
        grads[l] = {"W": As[l].T @ Delta,                  # (3) weight gradient
                    "b": Delta.sum(axis=0)}                # (4) bias gradient
        if l > 0:
            Delta = (Delta @ net.layers[l].W.T) * ACT[acts[l - 1]][1](Zs[l - 1])   # (2) hidden delta
    return loss, grads


net = bl.MLP([3, 5, 4, 2], activation="tanh", output="identity", seed=1)
X, T = np.random.default_rng(2).normal(size=(8, 3)), np.random.default_rng(3).normal(size=(8, 2))
loss, grads = mlp_backward(net, X, T)
lib_loss, lib_grads = net.loss_and_grads(X, T, loss="mse")
print(net)
for l, (g, lg) in enumerate(zip(grads, lib_grads), start=1):
    print(f"layer {l}: dW {g['W'].shape}, db {g['b'].shape}; same as backprop_lib:",
          np.allclose(g["W"], lg["W"]) and np.allclose(g["b"], lg["b"]))
assert np.isclose(loss, lib_loss), f"our loss should equal the library's. {COURSE_BUG}"
assert all(np.allclose(g[k], lg[k]) for g, lg in zip(grads, lib_grads) for k in "Wb"), \
    f"our four equations should give the library's gradients. {COURSE_BUG}"

# %% [markdown]
# Our loop and `net.loss_and_grads` agree. Both must agree with central differences, for every
# parameter of every layer: `bl.gradient_check` perturbs each weight and bias in turn.

# %%
for l, errs in enumerate(bl.gradient_check(net, X, T, loss="mse"), start=1):
    print(f"layer {l}: relative error dW {errs['W']:.1e}, db {errs['b']:.1e}   (should be below 1e-7)")
    assert errs["W"] < 1e-7 and errs["b"] < 1e-7, f"layer {l}'s gradients should match central differences. {COURSE_BUG}"

# %% [markdown]
# From here on we use `backprop_lib`'s `MLP` for this: `net.loss_and_grads(X, T, loss=...)` runs
# exactly these four equations (its layers are `bl.Dense`, whose `backward_delta` is section 1's
# `affine_backward`).

# %% [markdown]
# ## 5. The whole algorithm: forward, backward, update
#
# Put together, one step of training a network of $L$ layers on a batch $X$ with targets $T$ is:
#
# 1. **Feed-forward.** $A_0 = X$; for $l = 1, \dots, L$: $\ Z_l = A_{l-1} W_l + b_l$, $\ A_l = f(Z_l)$. Keep
#    every $Z_l$ and $A_l$.
# 2. **Output delta.** $\Delta_L = \dfrac{\partial L}{\partial A_L} \odot f'(Z_L)$. For the mean squared error
#    $L = \frac1N\sum_n \tfrac12\|a_n - t_n\|^2$ that is $\frac1N (A_L - T) \odot f'(Z_L)$. (Without the
#    $\tfrac12$, the derivative brings down a factor 2: $\frac2N(A_L - T)\odot f'(Z_L)$.)
# 3. **Hidden deltas.** For $l = L-1, \dots, 1$: $\ \Delta_l = \big(\Delta_{l+1} W_{l+1}^\top\big) \odot f'(Z_l)$.
# 4. **Gradients.** $\ \dfrac{\partial L}{\partial W_l} = A_{l-1}^\top \Delta_l$, $\ \dfrac{\partial L}{\partial b_l} = \sum_n (\Delta_l)_{n,:}$.
# 5. **Update, with momentum** (chapter 3). Each parameter keeps a velocity $V$, zero at the start:
#    $V_l \leftarrow \mu V_l - \eta\, \dfrac{\partial L}{\partial W_l}$, $\ W_l \leftarrow W_l + V_l$, and the same
#    for $b_l$. With $\mu = 0$ this is plain gradient descent; $\mu = 0.5$ keeps half of the last step.
#
# Steps 1-4 are `mlp_backward` above. The cell adds step 5 and trains a 3-5-4-2 network, then
# trains a copy of it with the library's optimiser, `bl.SGD(lr, momentum)`, as an independent check:
# the two loss curves must be the same.

# %%
def train_with_momentum(net, X, T, lr, mu, epochs):
    """The five steps, `epochs` times, on the whole batch; returns the loss before each update."""
    velocity = [{k: np.zeros_like(layer.params[k]) for k in ("W", "b")} for layer in net.layers]
    losses = []
    for _ in range(epochs):
        loss, grads = mlp_backward(net, X, T)                        # steps 1-4
        losses.append(loss)
        for layer, g, v in zip(net.layers, grads, velocity):         # step 5
            for k in ("W", "b"):
                v[k] = mu * v[k] - lr * g[k]
                layer.params[k] += v[k]
    return np.array(losses)


losses_ours = train_with_momentum(bl.MLP([3, 5, 4, 2], activation="tanh", output="identity", seed=1),
                                  X, T, lr=0.1, mu=0.5, epochs=100)
net_lib = bl.MLP([3, 5, 4, 2], activation="tanh", output="identity", seed=1)
optimiser, losses_lib = bl.SGD(lr=0.1, momentum=0.5), []
for _ in range(100):
    loss, grads = net_lib.loss_and_grads(X, T, loss="mse")
    losses_lib.append(loss)
    optimiser.step(net_lib.params, grads)
losses_plain = train_with_momentum(bl.MLP([3, 5, 4, 2], activation="tanh", output="identity", seed=1),
                                   X, T, lr=0.1, mu=0.0, epochs=100)
print(f"loss at the start {losses_ours[0]:.4f}; after 100 steps: momentum 0.5 {losses_ours[-1]:.4f} "
      f"(bl.SGD: {losses_lib[-1]:.4f}), no momentum {losses_plain[-1]:.4f}")
assert np.allclose(losses_ours, losses_lib, rtol=1e-9, atol=0), \
    f"our five steps and the library's optimiser should give the same loss curve. {COURSE_BUG}"
assert losses_ours[-1] < losses_plain[-1] < losses_ours[0], \
    f"both runs should lower the loss, the one with momentum more. {COURSE_BUG}"

# %% [markdown]
# > ⚠️ **Common mistake: formulas for the other layout.** The algorithm is often written for one sample
# > as a column vector $a$, with the weights stored as the course stores them, $(n_{\text{in}}, n_{\text{out}})$,
# > so that the forward pass is $z_l = W_l^\top a_{l-1} + b_l$. Then the backward formulas must be
# > transposed to match: $\delta_l = W_{l+1}\,\delta_{l+1} \odot f'(z_l)$ and
# > $\partial L/\partial W_l = a_{l-1}\,\delta_l^\top$, of shape $(n_{\text{in}}, n_{\text{out}})$ like $W_l$. Three slips
# > are common, each borrowed from the layout that stores $W$ as $(n_{\text{out}}, n_{\text{in}})$:
# > - the hidden delta written $W_{l+1}^\top \delta_{l+1}$: with layers of different widths the shapes do
# >   not even fit; with equal widths it runs and is wrong;
# > - the update written $\Delta W_l = \delta_l\, a_{l-1}^\top$: an $(n_{\text{out}}, n_{\text{in}})$ matrix, the
# >   transpose of what $W_l$ needs;
# > - the last layer's weight gradient set equal to its delta, $\partial L/\partial W_L = \delta_L$: $\delta_L$ has
# >   one entry per *unit*, $\partial L/\partial W_L$ one per *weight*; the missing factor is the activation
# >   $a_{L-1}$ entering each weight ($\partial L/\partial W_L = a_{L-1}\delta_L^\top$).
# >
# > Code that "works" anyway has usually fixed the shapes silently with a `.T` somewhere. The check is
# > the one from section 1: a gradient has the shape of what it differentiates, and agrees with
# > central differences. The cell shows all three slips on a 4-3-2 network (sigmoid hidden layer, linear
# > output, $L = \tfrac12\|a_2 - t\|^2$), and the first one again on a 3-3-3 network, where it runs.

# %%
def column_case(sizes, seed):
    """One sample as a column; weights stored (n_in, n_out); forward z = W^T a + b. Returns a dict."""
    rng_ = np.random.default_rng(seed)
    c = {"W1": rng_.normal(size=sizes[:2]), "W2": rng_.normal(size=sizes[1:]),
         "b1": rng_.normal(size=(sizes[1], 1)), "b2": rng_.normal(size=(sizes[2], 1)),
         "x": rng_.normal(size=(sizes[0], 1)), "t": rng_.normal(size=(sizes[2], 1))}
    c["z1"] = c["W1"].T @ c["x"] + c["b1"]
    c["a1"] = bl.sigmoid(c["z1"])
    c["delta2"] = c["W2"].T @ c["a1"] + c["b2"] - c["t"]             # linear output: a2 - t
    c["loss"] = lambda W2: 0.5 * np.sum((W2.T @ c["a1"] + c["b2"] - c["t"]) ** 2)
    c["loss_z1"] = lambda z1: 0.5 * np.sum((c["W2"].T @ bl.sigmoid(z1) + c["b2"] - c["t"]) ** 2)
    return c


c = column_case((4, 3, 2), seed=5)
delta1 = (c["W2"] @ c["delta2"]) * bl.sigmoid_prime(c["z1"])        # right: (3, 2)(2, 1) -> (3, 1)
dW2 = c["a1"] @ c["delta2"].T                                        # right: (3, 1)(1, 2) -> (3, 2), like W2
err_delta1 = bl.rel_error(delta1, bl.numerical_gradient(c["loss_z1"], c["z1"].copy()))
err_dW2 = bl.rel_error(dW2, bl.numerical_gradient(c["loss"], c["W2"].copy()))
print(f"right:  delta1 {delta1.shape}, rel error {err_delta1:.0e};  dL/dW2 {dW2.shape} (W2 is {c['W2'].shape}), "
      f"rel error {err_dW2:.0e}")
try:
    c["W2"].T @ c["delta2"]
    slip1 = "ran"
except ValueError as e:
    slip1 = f"ValueError: {str(e)[:60]}..."
print(f"slip 1: W2^T delta2 with W2 {c['W2'].shape}, delta2 {c['delta2'].shape} -> {slip1}")
slip2_shape, slip3_size = (c["delta2"] @ c["a1"].T).shape, c["delta2"].size
print(f"slip 2: delta2 a1^T has shape {slip2_shape}, W2 has shape {c['W2'].shape}")
print(f"slip 3: delta2 has {slip3_size} entries, W2 has {c['W2'].size} weights")

c = column_case((3, 3, 3), seed=6)
numeric_delta1 = bl.numerical_gradient(c["loss_z1"], c["z1"].copy())
right = (c["W2"] @ c["delta2"]) * bl.sigmoid_prime(c["z1"])
slipped = (c["W2"].T @ c["delta2"]) * bl.sigmoid_prime(c["z1"])
print(f"3-3-3 network: W2 delta2 rel error {bl.rel_error(right, numeric_delta1):.0e};  "
      f"W2^T delta2 runs, rel error {bl.rel_error(slipped, numeric_delta1):.1f}")
assert err_delta1 < 1e-7 and err_dW2 < 1e-7 and dW2.shape == (3, 2), \
    f"the right formulas should have W's shape and match central differences. {COURSE_BUG}"
assert slip1.startswith("ValueError") and slip2_shape == (2, 3) and slip3_size == 2, \
    f"on the 4-3-2 network slip 1 should fail, slip 2 give a (2, 3) matrix, slip 3 have 2 entries. {COURSE_BUG}"
assert bl.rel_error(right, numeric_delta1) < 1e-7 < 0.1 < bl.rel_error(slipped, numeric_delta1), \
    f"on the 3-3-3 network the slipped hidden delta should be far off. {COURSE_BUG}"

# %% [markdown]
# ## 6. Two more common mistakes in the output delta
#
# The output delta for a sigmoid output and the squared error is short to derive, and two slips are
# common when it is written by hand.
#
# > ⚠️ **Common mistake: the sign in the sigmoid.** Writing the sigmoid as $\frac{1}{1 - e^{-z}}$ instead
# > of $\sigma(z) = \frac{1}{1 + e^{-z}}$. With the minus sign the function is not a sigmoid at all: it is
# > infinite at $z = 0$, above 1 for $z > 0$ and negative for $z < 0$, and its derivative is not
# > $\sigma(1-\sigma)$. On paper the next line usually goes on with the right $\sigma' = \sigma(1-\sigma)$, so
# > the slip is only in the writing; copied into code, it breaks everything.

# %%
h_values = np.array([-2.0, -0.5, 0.5, 2.0])
with np.errstate(divide="ignore"):
    wrong_sigmoid = 1 / (1 - np.exp(-h_values))
print("1/(1 + e^-h):", bl.sigmoid(h_values))
print("1/(1 - e^-h):", wrong_sigmoid, "  <- not in (0, 1); at h = 0 it is 1/0")
assert np.all((bl.sigmoid(h_values) > 0) & (bl.sigmoid(h_values) < 1)), f"the sigmoid should lie in (0, 1). {COURSE_BUG}"
assert np.any(wrong_sigmoid < 0) and np.any(wrong_sigmoid > 1), f"1/(1 - e^-h) should leave (0, 1). {COURSE_BUG}"

# %% [markdown]
# > ⚠️ **Common mistake: where the sum over samples goes.** For the mean squared error
# > $C = \frac1N\sum_n (a_n - t_n)^2$ of a sigmoid output, it is tempting to write the output delta of a
# > batch as $\frac{2}{N}\big[\sum_n (a_n - t_n)\big] \odot a(1 - a)$: first add up the errors of all
# > samples, then multiply by per-sample factors. The sum belongs **outside** the product. Each sample
# > has its own delta, $\delta_n = \frac{2}{N}(a_n - t_n)\, a_n(1-a_n)$, and the sum over samples happens
# > in equation (3), inside the matrix product $A_{L-1}^\top \Delta_L$. Below, on a sigmoid output layer
# > with four samples, summing first gives a different gradient; the per-sample form agrees with
# > central differences.

# %%
rng = np.random.default_rng(0)
A_prev4, Y4 = rng.normal(size=(4, 3)), np.array([[1.0], [0.0], [1.0], [0.0]])
W_out = rng.normal(size=(3, 1))
H = bl.sigmoid(A_prev4 @ W_out)                               # outputs a_n, (4, 1)
C = lambda W_: np.mean((bl.sigmoid(A_prev4 @ W_) - Y4) ** 2)  # C = (1/N) sum_n (a_n - t_n)^2
N = len(Y4)

delta_right = 2 / N * (H - Y4) * H * (1 - H)                  # one delta per sample
delta_summed = 2 / N * np.sum(H - Y4) * H * (1 - H)           # sum of errors first (the mistake)
numeric = bl.numerical_gradient(lambda _: C(W_out), W_out)
print(f"per-sample deltas: relative error {bl.rel_error(A_prev4.T @ delta_right, numeric):.1e}   (below 1e-7: right)")
print(f"summed first:      relative error {bl.rel_error(A_prev4.T @ delta_summed, numeric):.2f}      (wrong)")
assert bl.rel_error(A_prev4.T @ delta_right, numeric) < 1e-7, f"per-sample deltas should match central differences. {COURSE_BUG}"
assert bl.rel_error(A_prev4.T @ delta_summed, numeric) > 0.1, f"summing the errors first should be far off. {COURSE_BUG}"

# %% [markdown]
# ## 7. Loops against matrices
#
# Equation (3) says $\partial L/\partial W_{ij} = \sum_n A_{ni}\Delta_{nj}$. Written as three nested
# Python loops it does $N \cdot n_{\text{in}} \cdot n_{\text{out}}$ multiply-adds, one interpreted step
# at a time. `A.T @ Delta` does the same multiply-adds in compiled, vectorised code. Same numbers,
# very different clocks:

# %%
def dW_loops(A_prev, Delta):
    """dL/dW_ij = sum_n A_prev[n, i] * Delta[n, j], one weight (and one sample) at a time."""
    N, n_in = A_prev.shape
    n_out = Delta.shape[1]
    dW = np.zeros((n_in, n_out))
    for i in range(n_in):
        for j in range(n_out):
            total = 0.0
            for n in range(N):
                total += A_prev[n, i] * Delta[n, j]
            dW[i, j] = total
    return dW


rng = np.random.default_rng(0)
widths, t_loops, t_matrix = [4, 8, 16, 32], [], []
for n in widths:                                   # N = n_in = n_out = n
    A_, D_ = rng.normal(size=(n, n)), rng.normal(size=(n, n))
    assert np.allclose(dW_loops(A_, D_), A_.T @ D_), f"the loops and A.T @ Delta should give the same dW. {COURSE_BUG}"
    t_loops.append(best_time(lambda: dW_loops(A_, D_), 2))
    t_matrix.append(best_time(lambda: A_.T @ D_, 20))
    print(f"N = n_in = n_out = {n:3d}: loops {t_loops[-1] * 1e3:8.3f} ms   A.T @ Delta {t_matrix[-1] * 1e3:7.4f} ms"
          f"   ({t_loops[-1] / t_matrix[-1]:,.0f} times faster)")
assert t_loops[-1] > 100 * t_matrix[-1], f"at n = 32 the matrix product should be over 100 times faster. {COURSE_BUG}"

# %%
fig, (ax,) = plots.new_figure(size=(5, 3.4))
ax.loglog(widths, t_loops, "o-", label="Python loops")
ax.loglog(widths, t_matrix, "s-", label="A.T @ Delta")
ax.set_xlabel("N = n_in = n_out")
ax.set_ylabel("time (s)")
ax.set_xticks(widths, [str(n) for n in widths])
ax.set_xticks([], minor=True)
ax.set_title("the same dW, two ways")
ax.grid(True, which="both", alpha=0.3)
ax.legend()
fig

# %% [markdown]
# The loops' time grows like $n^3$ (slope 3 on the log-log plot): doubling every size makes eight
# times the work. The matrix product does the same work, but at these sizes its time is almost all
# call overhead, and it is more than a hundred times faster at $n = 32$ (the cell checks that; on most
# machines it is thousands).
# The other alternative, chapter 4's finite differences, needs two full forward passes **per
# parameter**; backpropagation gets all of them for about the cost of two. For the 4-layer net above:

# %%
t_backprop = best_time(lambda: net.loss_and_grads(X, T, loss="mse"), 20)
t_numeric = best_time(lambda: bl.gradient_check(net, X, T, loss="mse"), 1)
print(f"{net.n_params} parameters: backprop {t_backprop * 1e3:.3f} ms, central differences {t_numeric * 1e3:.1f} ms "
      f"({t_numeric / t_backprop:,.0f} times slower)")
assert t_numeric > t_backprop, f"finite differences should be slower than one backward pass. {COURSE_BUG}"

# %% [markdown]
# ## 8. Try it: depth, width and learning rate
#
# The playground below trains a network, with exactly the backward pass of this chapter and the
# squared error $L = \frac1N\sum_n \tfrac12 (a_n - t_n)^2$ on one sigmoid output, on a 2-D data set: two
# rings, one class each. The left panel is the decision boundary (white-edged points are the training
# set, black-edged the test set), the middle one the loss, the right one the size of each layer's
# weight gradient $\|A_{l-1}^\top \Delta_l\|$ per epoch. Every change of a slider starts again from
# fresh weights and trains 200 epochs: the first few at once, so the picture answers at once, and the
# rest under **Play**, which starts by itself and pauses at epoch 200 (the status line says so while it
# runs). What you then see is where 200 epochs get with that setting.
#
# - **hidden layers** = 0 leaves a single sigmoid unit: its boundary is a straight line and it cannot
#   separate the rings (it stays near 50% right). One hidden layer of a few units can.
# - **width** = 1 is no better than chance; 2 units bend the boundary (between 70% and 90% right);
#   4 units already close it around the inner ring.
# - **learning rate**: at 0.01 the loss hardly moves in 200 epochs; at 0.3 it learns, but 200 epochs
#   leave it below 90% right on the training set; from 3 up to 30, the top of the slider, the rings
#   are separated. With a sigmoid output the squared error's gradient stays bounded, so even 30 does
#   not make this network diverge (chapter 6 shows the price of that sigmoid slope: slow starts).
# - **Play** keeps training; **Step** trains one frame; **Reset** goes back to the initial weights.

# %%
playground = Playground(dataset="circles", depth=2, width=8, activation="tanh", lr=3.0, seed=0, loss="mse",
                        initial_epochs=200)
playground

# %%
# What a headless run shows: the 2-8-8-1 network after 200 epochs separates the rings.
print(playground, f"- training accuracy {playground.accuracy('train'):.0%}, test {playground.accuracy('test'):.0%}")
assert playground.net.sizes == [2, 8, 8, 1] and playground.history.epochs == 200, \
    f"the playground should start as a 2-8-8-1 network trained 200 epochs. {COURSE_BUG}"
assert playground.accuracy("test") > 0.9, f"after 200 epochs the rings should be separated (test accuracy > 90%). {COURSE_BUG}"

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
# ### Exercise 1 · The affine layer backward (1 point)
#
# Write `affine_backward_ex(delta, A_prev, W)` that returns `(dW, db, dA_prev)` for the layer
# $Z = A_{\text{prev}} W + b$, given `delta` $= \partial L/\partial Z$ of shape $(N, n_{\text{out}})$,
# `A_prev` $(N, n_{\text{in}})$ and `W` $(n_{\text{in}}, n_{\text{out}})$. Let the shapes guide you.

# %% nbgrader={"grade": false, "grade_id": "ex1_affine_backward", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def affine_backward_ex(delta, A_prev, W):
    """(dW, db, dA_prev) for Z = A_prev W + b, given delta = dL/dZ."""
    ### BEGIN SOLUTION
    return A_prev.T @ delta, delta.sum(axis=0), delta @ W.T
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from backprop_lib.checks import ch05

ch05.check_affine_backward(affine_backward_ex)
### BEGIN HIDDEN TESTS
ch05.check_affine_backward(affine_backward_ex, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 · The hidden delta (1 point)
#
# Write `hidden_delta(delta_next, W_next, z, activation)`, equation (2): given the next layer's delta
# $\Delta_{l+1}$ `(N, n_next)`, its weights $W_{l+1}$ `(n_l, n_next)` and this layer's pre-activation
# $Z_l$ `(N, n_l)`, return $\Delta_l = (\Delta_{l+1} W_{l+1}^\top) \odot f'(Z_l)$, where `activation` is
# `"sigmoid"`, `"tanh"` or `"relu"` (use $f'(0) = 0$ for ReLU). The check uses entries of $z$ that are
# exactly 0 for ReLU and as large as $\pm 1000$ for the sigmoid, where the result must stay finite.

# %% nbgrader={"grade": false, "grade_id": "ex2_hidden_delta", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def hidden_delta(delta_next, W_next, z, activation):
    """Delta_l = (Delta_{l+1} W_{l+1}^T) * f'(Z_l)."""
    ### BEGIN SOLUTION
    f_prime = {"sigmoid": bl.sigmoid_prime,
               "tanh": lambda z_: 1 - np.tanh(z_) ** 2,
               "relu": lambda z_: (z_ > 0).astype(float)}[activation]
    return (delta_next @ W_next.T) * f_prime(z)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ch05.check_hidden_delta(hidden_delta)
### BEGIN HIDDEN TESTS
ch05.check_hidden_delta(hidden_delta, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 · Find the bug (2 points)
#
# A colleague wrote the backward pass of a two-layer network: $\tanh$ hidden layer, linear output,
# $L = \frac1N\sum_n \tfrac12 \|a_n - t_n\|^2$. It runs, the shapes are right, and it is wrong. Here it
# is, followed by a gradient check that compares each of its gradients with central differences.

# %%
def buggy_two_layer_backward(X, T, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    Z1 = X @ W1 + b1
    A1 = np.tanh(Z1)
    A2 = A1 @ W2 + b2
    loss = 0.5 * np.sum((A2 - T) ** 2) / N
    error = A2 - T
    delta2 = error / N
    dW2 = A1.T @ error
    db2 = delta2.sum(axis=0)
    delta1 = (delta2 @ W2.T) * (1 - Z1 ** 2)
    dW1 = X.T @ delta1
    db1 = delta1.sum(axis=0)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


X_bug, T_bug, params_bug = ch05.two_layer_case(seed=0)
errors = ch05.gradient_report(buggy_two_layer_backward, ch05.two_layer_loss, X_bug, T_bug, params_bug)
assert errors["b2"] < 1e-7 and errors["W2"] > 1e-3 and errors["W1"] > 1e-3

# %% [markdown]
# The check says which gradients are off: the loss and `b2` are right, `W2`, `W1` and `b1` are not.
# There are **two** bugs. Copy the function into `two_layer_backward` below, find them (read the lines
# that compute the wrong gradients, and compare them with the four equations) and fix them. The check
# compares your gradients with the exact ones (relative error below $10^{-13}$, which only an exact
# backward pass reaches) and makes sure they come from backpropagation: an answer that estimates them
# by finite differences fails.

# %% nbgrader={"grade": false, "grade_id": "ex3_find_the_bug", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def two_layer_backward(X, T, params):
    """(loss, grads) for the tanh-hidden, linear-output network with the mean squared error."""
    ### BEGIN SOLUTION
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    Z1 = X @ W1 + b1
    A1 = np.tanh(Z1)
    A2 = A1 @ W2 + b2
    loss = 0.5 * np.sum((A2 - T) ** 2) / N
    delta2 = (A2 - T) / N
    dW2 = A1.T @ delta2                        # fix 1: the 1/N is in delta2, not in `error`
    db2 = delta2.sum(axis=0)
    delta1 = (delta2 @ W2.T) * (1 - A1 ** 2)   # fix 2: tanh'(z) = 1 - tanh(z)^2 = 1 - A1^2
    dW1 = X.T @ delta1
    db1 = delta1.sum(axis=0)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ch05.check_two_layer_backward(two_layer_backward)
### BEGIN HIDDEN TESTS
ch05.check_two_layer_backward(two_layer_backward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# **Where does your backward pass first go wrong?** If the check fails, run the cell below. The
# backward-pass debugger runs your function on the case above and compares each gradient with the
# library's, in the order a backward pass computes them (output side first). It names the first one
# that is wrong and says how it differs (the same factor on every entry, a flipped sign, only some rows
# or columns, a transposed shape); the gradients after it may be wrong only because they inherit its
# error. It says where, never what the right code is. To narrow it down, add your deltas to the dict
# you return, as `"delta2"` and `"delta1"` (the check ignores extra keys): the debugger compares
# those too. The picture shows your first wrong tensor minus the right one (white where an entry is
# right); when every tensor matches, it shows each one's relative error instead.

# %%
from backprop_lib.debugger import debug_params_function

report = debug_params_function(two_layer_backward, X_bug, T_bug, params_bug,
                               activation="tanh", output="identity", loss="mse")
print(report.text())
plots.debug_heatmap(report)

# %% [markdown]
# ### Exercise 4 · One step with momentum (1 point)
#
# Write `momentum_step(W, V, dW, lr, mu)`, step 5 of section 5 for one parameter array: given the
# parameter `W`, its velocity `V` and its gradient `dW` (all of the same shape), the learning rate `lr`
# and the momentum `mu`, return the tuple `(W_new, V_new)`. Do not change `W`, `V` or `dW` themselves.
# (`bl.SGD` is not allowed: write the update.)

# %% nbgrader={"grade": false, "grade_id": "ex4_momentum_step", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def momentum_step(W, V, dW, lr, mu):
    """(W_new, V_new) after one update with momentum."""
    ### BEGIN SOLUTION
    V_new = mu * V - lr * dW
    return W + V_new, V_new
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ch05.check_momentum_step(momentum_step)
### BEGIN HIDDEN TESTS
ch05.check_momentum_step(momentum_step, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 5 · The forward pass for a batch (1 point)
#
# Section 2's worked example sent one sample, a $1\times 2$ row $X$, through a sigmoid hidden layer
# and a sigmoid output layer. Write `forward_two_layer(X, W1, b1, W2, b2)` that does the same for a
# **batch**: `X` of shape $(N, n_0)$ with any number of rows $N \ge 1$, `W1` $(n_0, n_1)$, `b1`
# $(n_1,)$, `W2` $(n_1, n_2)$, `b2` $(n_2,)$, and returns the tuple `(Z1, A1, Z2, A2)`:
#
# $$ Z_1 = X W_1 + b_1, \qquad A_1 = \sigma(Z_1), \qquad Z_2 = A_1 W_2 + b_2, \qquad A_2 = \sigma(Z_2), $$
#
# each of shape $(N, n_l)$, one row per sample. The check runs it on two rows with $2\times2$ weights
# (where a transposed $W$ would still fit), on section 2's single sample and on five rows, and makes
# sure the inputs are left unchanged. (`bl.sigmoid` is allowed; the library's layers are not.)

# %% nbgrader={"grade": false, "grade_id": "ex5_forward_two_layer", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def forward_two_layer(X, W1, b1, W2, b2):
    """(Z1, A1, Z2, A2) for a batch X of any number of rows, sigmoid in both layers."""
    ### BEGIN SOLUTION
    Z1 = X @ W1 + b1
    A1 = bl.sigmoid(Z1)
    Z2 = A1 @ W2 + b2
    return Z1, A1, Z2, bl.sigmoid(Z2)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ch05.check_forward_two_layer(forward_two_layer)
### BEGIN HIDDEN TESTS
ch05.check_forward_two_layer(forward_two_layer, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# In this chapter we
# - wrote the affine layer $Z = A_{\text{prev}}W + b$ for a batch of rows and derived its backward pass,
#   $\partial L/\partial W = A_{\text{prev}}^\top\Delta$, $\partial L/\partial b = \sum_n \Delta_{n,:}$,
#   $\partial L/\partial A_{\text{prev}} = \Delta W^\top$, with the shapes as a check;
# - collected backpropagation into four equations: output delta, hidden delta
#   $\Delta_l = (\Delta_{l+1}W_{l+1}^\top)\odot f'(Z_l)$, weight gradient and bias gradient;
# - ran one $1\times2$ sample through two layers in matrix form and checked every gradient, then wrote
#   the same forward pass for a batch of any number of rows;
# - saw that the column form $\delta_1 = W_1^\top\delta_2 \circ f'(z_1)$, $\partial L/\partial W_1 = \delta_2 a_1^\top$
#   of many textbooks is the same computation transposed;
# - wrote a full MLP backward pass, checked it against `backprop_lib` and central differences;
# - wrote the whole training algorithm (feed-forward, output delta, hidden deltas, gradients, update
#   with momentum) and checked it against the library's optimiser;
# - met the common mistakes: backward formulas for the other weight layout (shapes that do not fit, or
#   fit and are wrong), a weight gradient equated with a delta, $1/(1 - e^{-z})$ for the sigmoid, and the
#   sum over samples in the wrong place;
# - timed the backward pass: matrices beat loops by orders of magnitude, and backprop beats finite differences by the
#   number of parameters.
#
# **Next:** [Chapter 6 · Softmax and cross-entropy](06_softmax_cross_entropy.ipynb) replaces the
# squared error by the loss classifiers use, and finds the output delta $y - t$ hiding behind a
# $K \times K$ Jacobian.

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
# # Chapter 8 · Convolution
#
# [![Open in Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/backprop-course/backprop-course/HEAD?urlpath=lab/tree/chapters/08_convolution.ipynb)
#
# A dense layer connects every input to every output. For a picture that is wasteful and blind at the
# same time: a 28×28 image feeding 100 hidden units needs 78,400 weights, and a unit that has learnt
# to spot a vertical stroke in the top-left corner knows nothing about the same stroke one pixel to
# the right. A **convolutional layer** fixes both: it slides one small kernel of weights over the
# whole image, so every position is judged by the same detector, with a handful of weights.
#
# The lecture notes behind chapters 3-6 list convolution as their sixth and last topic but never
# write it out. This chapter does. Nothing new is needed: a convolutional layer is an affine layer
# whose weights are shared, and its backward pass is the chain rule of chapters 4 and 5, applied to
# the question *which input touches which output*.
#
# **In this chapter you will**
# - compute a convolutional layer as a *correlation* (what deep-learning libraries call convolution),
#   in 1-D and then 2-D, with stride and padding, and predict its output shape;
# - derive its backward pass on a five-number example: the weight gradient is a correlation of the
#   input with the output delta, the input gradient a full convolution of the delta with the flipped
#   kernel, the bias gradient the sum of the delta;
# - handle stride by dilating the delta, and check every gradient against central differences;
# - watch forward and backward maps of edge detectors and blurs on a handwritten digit.

# %%
# %matplotlib inline
import numpy as np

import backprop_lib as bl
from backprop_lib import plots
from backprop_lib.conv import conv2d_backward, conv2d_forward, dilate, output_size
from backprop_lib.conv_view import touch_diagram
from backprop_lib.widgets import ConvView

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Convolution in one dimension
#
# Take a signal $x = (x_0, \dots, x_{n-1})$, a **kernel** $w = (w_0, \dots, w_{k-1})$ with $k \le n$
# and a bias $b$. The layer's output at position $i$ is the weighted sum of the $k$ inputs in the
# window that starts at $i$:
#
# $$ z_i = \sum_{m=0}^{k-1} w_m\, x_{i+m} + b, \qquad i = 0, \dots, n - k. $$
#
# Every output is a tiny dense neuron, $z_i = \mathbf w^\top (x_i, \dots, x_{i+k-1}) + b$, and all of
# them share the same $\mathbf w$ and $b$. As before, an activation $a_i = f(z_i)$ usually follows;
# we leave it out here, because its backward step is chapter 2's element-wise $\delta = \partial L/\partial a \cdot f'(z)$.
#
# We index from 0 so the formulas read like the code. The worked example of this chapter:

# %%
x = np.array([1.0, 2.0, -1.0, 0.5, 3.0])      # n = 5 inputs
w = np.array([0.2, -0.5, 1.0])                # kernel of k = 3 weights
b = 0.1

z_loop = np.array([sum(w[m] * x[i + m] for m in range(3)) + b for i in range(5 - 3 + 1)])
z = np.correlate(x, w, mode="valid") + b      # numpy's name for exactly this sum
print("z =", z, "  by the loop:", z_loop)
assert np.allclose(z, z_loop) and z.shape == (3,)

# %% [markdown]
# > ⚠️ **Common pitfall: "convolution" in deep learning is a correlation.** In mathematics and signal
# > processing the convolution of $x$ with $w$ flips the kernel, $(x * w)_i = \sum_m w_m\,x_{i-m}$.
# > What PyTorch's `Conv2d`, TensorFlow and this course call convolution slides the kernel *unflipped*,
# > as in the formula above: that is a **cross-correlation**. For learning it makes no difference
# > (a network would simply learn the flipped kernel), but it matters when you compare with a
# > library: `np.correlate` and `torch.nn.Conv2d` do not flip, while `np.convolve` and
# > `scipy.signal.convolve2d` do. And it matters in this chapter, because the backward pass turns
# > out to be a *true* convolution: the flip appears there.

# %%
print("np.convolve(x, w)       =", np.convolve(x, w, mode="valid"))
print("np.correlate(x, w[::-1]) =", np.correlate(x, w[::-1], mode="valid"))
assert np.allclose(np.convolve(x, w, mode="valid"), np.correlate(x, w[::-1], mode="valid"))
assert not np.allclose(np.convolve(x, w, mode="valid"), z - b)   # flipping changes the answer

# %% [markdown]
# ### Stride and padding
#
# Two knobs change which windows are read.
#
# - **Stride** $s$: the window jumps $s$ places at a time, $z_i = \sum_m w_m\,x_{s i + m} + b$. A
#   stride of 2 halves the output length.
# - **Padding** $p$: put $p$ zeros at each end of the input first. With $p = (k-1)/2$ and stride 1 the
#   output has the input's length ("same" padding), and border pixels are read as often as the others.
#
# The number of windows is
#
# $$ n_{\text{out}} = \frac{n + 2p - k}{s} + 1 . $$
#
# When $n + 2p - k$ is not a multiple of $s$, the last window would hang over the edge. PyTorch then
# rounds down and silently ignores the last inputs; `backprop_lib.conv` refuses with a `ValueError`
# that says what does not fit, so you choose the padding on purpose.

# %%
print("n=5, k=3:                 ", output_size(5, 3))
print("n=5, k=3, padding 1:      ", output_size(5, 3, padding=1))
print("n=7, k=3, stride 2:       ", output_size(7, 3, stride=2))
try:
    output_size(8, 3, stride=2)
except ValueError as e:
    print("n=8, k=3, stride 2:        ValueError:", e)
assert output_size(5, 3) == 3 and output_size(5, 3, padding=1) == 5 and output_size(7, 3, stride=2) == 3

# %% [markdown]
# ## 2. The backward pass, from who touches whom
#
# Suppose the layer sits inside a network with loss $L$, and back-propagation has delivered the output
# deltas $\delta_i = \partial L/\partial z_i$. We need $\partial L/\partial w_m$,
# $\partial L/\partial b$, and $\partial L/\partial x_j$ (the delta for the layer below). Write the
# three outputs of our example out in full:
#
# $$ \begin{aligned}
# z_0 &= w_0 x_0 + w_1 x_1 + w_2 x_2 + b\\
# z_1 &= w_0 x_1 + w_1 x_2 + w_2 x_3 + b\\
# z_2 &= w_0 x_2 + w_1 x_3 + w_2 x_4 + b
# \end{aligned} $$
#
# The diagram below draws every product as a line from the input it reads to the output it feeds,
# coloured by the weight it uses. The chain rule says: **the gradient of a variable is the sum, over
# every line leaving it, of the delta at the other end times the line's local derivative.**

# %%
fig, axes = plots.new_figure(ncols=2, size=(4.2, 2.2))
touch_diagram(axes[0], n_in=5, k=3, stride=1)
touch_diagram(axes[1], n_in=7, k=3, stride=2)
fig

# %% [markdown]
# **The weight gradient.** $w_0$ is a line in every output, and in $z_i$ it multiplies $x_i$; $w_1$
# multiplies $x_{i+1}$, and so on. So
#
# $$ \frac{\partial L}{\partial w_0} = \delta_0 x_0 + \delta_1 x_1 + \delta_2 x_2,\qquad
# \frac{\partial L}{\partial w_m} = \sum_i \delta_i\, x_{i+m} . $$
#
# That is the forward formula again with $\delta$ in the role of the kernel: **the weight gradient is
# the correlation of the input with the delta**, $\partial L/\partial w = x \star \delta$. It has
# the pattern of chapter 1, "delta times what the weight multiplies", summed over every position where
# the weight is used, just as a dense layer's $dW = A_{\text{prev}}^\top \delta$ sums over the rows
# of a batch. A shared weight collects gradient from every place it is used.
#
# **The bias gradient.** $b$ enters every $z_i$ with local derivative 1: $\partial L/\partial b = \sum_i \delta_i$.
#
# **The input gradient.** Count the lines leaving each input. $x_0$ feeds only $z_0$ (through $w_0$);
# $x_2$ feeds all three outputs, through $w_2$, $w_1$ and $w_0$:
#
# $$ \frac{\partial L}{\partial x_0} = \delta_0 w_0, \qquad
# \frac{\partial L}{\partial x_2} = \delta_0 w_2 + \delta_1 w_1 + \delta_2 w_0, \qquad
# \frac{\partial L}{\partial x_4} = \delta_2 w_2 . $$
#
# In general $x_j$ sits at place $m = j - i$ of window $i$, so
#
# $$ \frac{\partial L}{\partial x_j} = \sum_{i} \delta_i\, w_{j-i} \qquad (\text{over the } i \text{ with } 0 \le j - i < k), $$
#
# and the index $j - i$ *runs backwards* through the kernel as $i$ increases: this is a true
# convolution, $\partial L/\partial x = \delta * w$, the "full" one that also produces the border
# entries where only part of the kernel overlaps. In correlation form: **pad $\delta$ with $k-1$ zeros
# on both sides and correlate it with the flipped kernel** $(w_2, w_1, w_0)$. The result has
# $n_{\text{out}} + k - 1 = n$ entries, one per input.

# %%
delta = np.array([1.0, -2.0, 0.5])                  # some upstream dL/dz

dw = np.correlate(x, delta, mode="valid")           # x correlated with delta
db = delta.sum()
dx = np.correlate(np.pad(delta, 2), w[::-1], mode="valid")   # padded delta, flipped kernel
print("dL/dw =", dw, "  dL/db =", db)
print("dL/dx =", dx)
print("by hand: dL/dx_0 =", delta[0] * w[0], "  dL/dx_2 =", delta[0] * w[2] + delta[1] * w[1] + delta[2] * w[0])
assert np.isclose(dx[0], delta[0] * w[0]) and np.isclose(dx[2], delta @ w[::-1])
assert np.allclose(dx, np.convolve(delta, w, mode="full"))       # a true, full convolution

# %% [markdown]
# **Check it.** To give the layer these deltas, use the loss $L = \sum_i \delta_i z_i$: then
# $\partial L/\partial z_i = \delta_i$ exactly. Central differences on $x$, $w$ and $b$ must agree with
# the three formulas to better than $10^{-7}$.

# %%
def loss_1d(x_, w_, b_):
    return delta @ (np.correlate(x_, w_, mode="valid") + b_)


xc, wc, bc = x.copy(), w.copy(), np.array([b])
errors = {"dx": bl.rel_error(dx, bl.numerical_gradient(lambda _: loss_1d(xc, wc, bc[0]), xc)),
          "dw": bl.rel_error(dw, bl.numerical_gradient(lambda _: loss_1d(xc, wc, bc[0]), wc)),
          "db": bl.rel_error(db, bl.numerical_gradient(lambda _: loss_1d(xc, wc, bc[0]), bc)[0])}
print("relative errors (should be below 1e-7):", errors)
assert max(errors.values()) < 1e-7

# %% [markdown]
# ### The same thing as a dense layer
#
# Chapter 5's affine layer computes $z = x W + b$ and sends back $\partial L/\partial x = \delta W^\top$
# (lecture notes 003: $\partial L/\partial X = \partial L/\partial Y\, W^\top$). A convolution *is*
# such a layer, with a special $W$ of shape $(n, n_{\text{out}})$: column $i$ holds the kernel in rows
# $i, \dots, i+k-1$ and zeros elsewhere. Most of $W$ is zero, and the non-zero entries are the same
# three numbers over and over. Transposing that banded matrix is what flips the kernel in the
# backward pass:

# %%
W_band = np.zeros((5, 3))
for i in range(3):
    W_band[i:i + 3, i] = w
print("W (n_in=5, n_out=3):\n", W_band)
print("x W + b     =", x @ W_band + b)
print("delta W^T   =", delta @ W_band.T)
assert np.allclose(x @ W_band + b, z) and np.allclose(delta @ W_band.T, dx)

# %% [markdown]
# ### With a stride: dilate the delta
#
# With stride $s$, output $i$ reads $x_{s i + m}$ (right panel of the diagram). The same counting gives
#
# $$ \frac{\partial L}{\partial w_m} = \sum_i \delta_i\, x_{s i + m}, \qquad
# \frac{\partial L}{\partial x_j} = \sum_{i, m:\ s i + m = j} \delta_i\, w_m . $$
#
# Both become the stride-1 formulas if we first **dilate** the delta: put $s - 1$ zeros between
# neighbouring entries, $\tilde\delta = (\delta_0, 0, \delta_1, 0, \delta_2)$ for $s = 2$. A zero
# contributes nothing, so $\partial L/\partial w = x \star \tilde\delta$ and
# $\partial L/\partial x = \tilde\delta * w$ (full convolution) hold for any stride. Padding needs no
# new rule either: differentiate with respect to the padded input, then drop the entries that belong
# to the padding zeros, which are constants, not inputs.
#
# From here on we use `backprop_lib.conv`, which implements exactly this (in 2-D, below). A 1-D
# signal is an image of height 1, shape $(N, C, H, W) = (1, 1, 1, n)$:

# %%
x7 = np.array([1.0, 2.0, -1.0, 0.5, 3.0, -2.0, 1.5])
z7, cache7 = conv2d_forward(x7[None, None, None], w[None, None, None], np.array([b]), stride=2)
dx7, dw7, db7 = conv2d_backward(delta[None, None, None], cache7)
delta_dilated = dilate(delta[None, None, None], 2).ravel()
print("z =", z7.ravel(), "  dilated delta =", delta_dilated)
print("dL/dx =", dx7.ravel(), "  dL/dw =", dw7.ravel(), "  dL/db =", db7)
assert np.allclose(dw7.ravel(), np.correlate(x7, delta_dilated, mode="valid"))
assert np.allclose(dx7.ravel(), np.convolve(delta_dilated, w, mode="full"))

# %%
# ... and against central differences, as always (L = sum of delta_i z_i again)
x7c, w7c = x7[None, None, None].copy(), w[None, None, None].copy()
L7 = lambda _: delta @ conv2d_forward(x7c, w7c, np.array([b]), stride=2)[0].ravel()
err7 = {"dx": bl.rel_error(dx7, bl.numerical_gradient(L7, x7c)), "dw": bl.rel_error(dw7, bl.numerical_gradient(L7, w7c))}
print("relative errors (should be below 1e-7):", err7)
assert max(err7.values()) < 1e-7

# %% [markdown]
# ## 3. Two dimensions, channels and filters
#
# An image has height, width and **channels** $C$ (3 for colour, or the $F$ maps of the previous
# layer). A layer holds $F$ **filters**, each a $C \times K_H \times K_W$ block of weights with one
# bias, and each produces one output map. For a batch of $N$ images (the shapes of `conv2d_forward`,
# in the cs231n convention):
#
# | array | shape |
# |---|---|
# | input $x$ | $(N, C, H, W)$ |
# | weights $w$ | $(F, C, K_H, K_W)$ |
# | bias $b$ | $(F,)$ |
# | output $z$, and $\delta = \partial L/\partial z$ | $(N, F, H_{\text{out}}, W_{\text{out}})$, $H_{\text{out}} = (H + 2P - K_H)/S + 1$ |
#
# $$ z_{n f i j} = b_f + \sum_{c=0}^{C-1} \sum_{p=0}^{K_H - 1} \sum_{q=0}^{K_W - 1} w_{f c p q}\; x^{\text{pad}}_{n,\,c,\,S i + p,\,S j + q} . $$
#
# Every index of the 1-D derivation simply doubles, and channels add one more sum:
#
# $$ \frac{\partial L}{\partial w_{fcpq}} = \sum_{n,i,j} \delta_{nfij}\, x^{\text{pad}}_{n,c,Si+p,Sj+q}, \qquad
# \frac{\partial L}{\partial b_f} = \sum_{n,i,j} \delta_{nfij}, \qquad
# \frac{\partial L}{\partial x^{\text{pad}}_{nc}} = \sum_f \tilde\delta_{nf} * w_{fc} . $$
#
# In words: $\partial L/\partial w$ correlates each input channel with each (dilated) delta map and
# sums over the batch; $\partial L/\partial b$ sums each delta map; $\partial L/\partial x$ pads the
# dilated delta by $K - 1$, correlates it with the kernel flipped in both directions, sums over the
# filters that read the channel, and finally crops the padding off.
#
# First the forward pass. Two 3×3 **Sobel** kernels on a handwritten digit from `bl.datasets.digits()`:
# one responds to left-to-right changes in brightness (vertical strokes), the other to top-to-bottom
# changes. Both filters run in one call, as $F = 2$.

# %%
X_digits, y_digits = bl.datasets.digits()
digit = X_digits[0].reshape(8, 8) / 16.0                     # an 8x8 zero, pixels in [0, 1]
sobel_x = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])
filters = np.stack([sobel_x, sobel_x.T])[:, None]            # w: (F=2, C=1, 3, 3)
maps, _ = conv2d_forward(digit[None, None], filters, np.zeros(2), stride=1, padding=1)
print("x", digit[None, None].shape, "* w", filters.shape, "->", maps.shape)
assert maps.shape == (1, 2, 8, 8)

fig, axes = plots.new_figure(ncols=3, size=(2.6, 2.6))
axes[0].imshow(digit, cmap="gray")
axes[0].set_title(f"input: a {y_digits[0]}")
for ax, m, name in zip(axes[1:], maps[0], ["vertical edges", "horizontal edges"]):
    v = np.abs(m).max()
    ax.imshow(m, cmap="RdBu_r", vmin=-v, vmax=v)
    ax.set_title(name)
for ax in axes:
    ax.set_xticks([])
    ax.set_yticks([])
fig

# %% [markdown]
# Red marks a dark-to-bright change in the direction the kernel looks, blue the reverse. Now the full
# check of the backward pass on a batch of 2 random 3-channel images with 4 filters, stride 2 and
# padding 1, against central differences for every entry of $x$, $w$ and $b$:

# %%
rng = np.random.default_rng(0)
xb, wb, bb = rng.normal(size=(2, 3, 7, 7)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
out, cache = conv2d_forward(xb, wb, bb, stride=2, padding=1)
G = rng.normal(size=out.shape)                                 # L = sum(G * z), so delta = G
dxb, dwb, dbb = conv2d_backward(G, cache)
L_of = lambda _: np.sum(conv2d_forward(xb, wb, bb, stride=2, padding=1)[0] * G)
errors = {name: bl.rel_error(got, bl.numerical_gradient(L_of, param))
          for name, got, param in [("dx", dxb, xb), ("dw", dwb, wb), ("db", dbb, bb)]}
print("output", out.shape, "  relative errors (should be below 1e-7):", errors)
assert out.shape == (2, 4, 4, 4) and max(errors.values()) < 1e-7

# %% [markdown]
# And the forward pass against the definition, written as four nested loops (slow, but impossible to
# misread):

# %%
xp = np.pad(xb, ((0, 0), (0, 0), (1, 1), (1, 1)))
naive = np.array([[[[np.sum(xp[n, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3] * wb[f]) + bb[f]
                     for j in range(4)] for i in range(4)] for f in range(4)] for n in range(2)])
print("max |fast - naive| =", np.abs(out - naive).max())
assert np.allclose(out, naive, rtol=1e-12, atol=1e-12)

# %% [markdown]
# ## 4. Try it: forward and backward maps
#
# One 3×3 kernel slides over a digit (enlarged smoothly from 8×8 to 21×21 pixels so the maps are
# easier to read). The top row is the forward pass: the input with its padding (outside the dashed
# frame), the kernel, the output map. The bottom row is the backward pass for an upstream delta you
# choose: $\delta$ itself, the input gradient $\partial L/\partial x$ and the weight gradient
# $\partial L/\partial w$. Red is positive, blue negative.
#
# - **one hot pixel**: $\delta$ is 1 at one output pixel (orange square, move it with the δ row/column
#   sliders) and 0 elsewhere. Then $\partial L/\partial x$ is the kernel itself, *not* flipped, placed
#   on the window that pixel reads: the full convolution flips the kernel, and the indexing
#   $j - i$ flips it back. $\partial L/\partial w$ is the input patch under that window.
# - **all ones** ($L = \sum z$): every window stamps the kernel onto $\partial L/\partial x$ and the
#   stamps add up. Try the blurs with stride 1 and 2, and watch the border.
# - **the output** ($L = \tfrac12\sum z^2$, so $\delta = z$).
# - **stride** 2-4 spreads the windows apart; when a stride does not fit, the status line says which
#   rows are never read (their gradient is 0).

# %%
view = ConvView(digit=0, kernel="vertical edges (Sobel)", stride=1, padding=1, hot=(10, 5))
view

# %%
# The widget's state before you touch it (what a headless run shows): the one-hot delta makes
# dL/dx the kernel itself on the 3x3 window of output pixel (10, 5).
print("output map", view.out.shape, "  dL/db =", view.db)
window = view.dx[9:12, 4:7]                     # rows 10-1..10+1, columns 5-1..5+1 (padding 1)
print("dL/dx on that window:\n", window)
assert view.out.shape == (21, 21) and np.allclose(window, view.w) and np.isclose(np.abs(view.dx).sum(), np.abs(view.w).sum())

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
# ### Exercise 1 · Output shapes (1 point)
#
# Write `conv_output_shape(x_shape, w_shape, stride, padding)` that returns the shape
# `(N, F, H_out, W_out)` of a convolutional layer's output for an input of shape `(N, C, H, W)` and
# weights of shape `(F, C, KH, KW)`, and raises `ValueError` when the kernel does not fit in the
# padded input or the stride does not divide $H + 2P - K_H$ (or $W + 2P - K_W$). Don't call
# `backprop_lib.conv`: use the formula.

# %% nbgrader={"grade": false, "grade_id": "ex1_output_shape", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def conv_output_shape(x_shape, w_shape, stride=1, padding=0):
    """(N, F, H_out, W_out) for x (N, C, H, W) and w (F, C, KH, KW); ValueError if it does not fit."""
    ### BEGIN SOLUTION
    N, C, H, W = x_shape
    F, _, KH, KW = w_shape
    sizes = []
    for n, k in ((H, KH), (W, KW)):
        span = n + 2 * padding - k
        if span < 0 or span % stride != 0:
            raise ValueError(f"kernel {k} with stride {stride} does not fit input {n} with padding {padding}")
        sizes.append(span // stride + 1)
    return (N, F, sizes[0], sizes[1])
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from backprop_lib.checks import ch08

ch08.check_conv_output_shape(conv_output_shape)
### BEGIN HIDDEN TESTS
ch08.check_conv_output_shape(conv_output_shape, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 · The strided backward pass in 1-D (2 points)
#
# The layer is $z_i = \sum_m w_m\,x_{s i + m} + b$ (no padding), and `len(x)` always fits the
# stride. Write `corr1d_backward(x, w, delta, stride)` that returns `(dx, dw, db)`: the gradients of
# $L$ with respect to $x$, $w$ and $b$, given $\delta_i = \partial L/\partial z_i$. Use section 2:
# either dilate $\delta$ and use `np.correlate`, or loop over $i$ and $m$ and add each product's
# contribution where it belongs (`dx[s*i + m] += ...`, `dw[m] += ...`). Do not use `backprop_lib.conv`.

# %% nbgrader={"grade": false, "grade_id": "ex2_corr1d_backward", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def corr1d_backward(x, w, delta, stride=1):
    """(dL/dx, dL/dw, dL/db) for z_i = sum_m w_m x[stride*i + m] + b, given delta = dL/dz."""
    ### BEGIN SOLUTION
    dx, dw = np.zeros(len(x)), np.zeros(len(w))
    for i, d in enumerate(delta):
        for m in range(len(w)):
            dx[stride * i + m] += d * w[m]
            dw[m] += d * x[stride * i + m]
    return dx, dw, float(np.sum(delta))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ch08.check_corr1d_backward(corr1d_backward)
### BEGIN HIDDEN TESTS
ch08.check_corr1d_backward(corr1d_backward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 · The input gradient in 2-D (2 points)
#
# For one channel, stride 1 and no padding, $z = x \star w$ maps an input of shape
# $(O_H + K_H - 1,\ O_W + K_W - 1)$ to an output of shape $(O_H, O_W)$. Write
# `conv2d_input_grad(delta, w)` that returns $\partial L/\partial x$ for a delta of shape $(O_H, O_W)$
# and a kernel of shape $(K_H, K_W)$, as a full convolution: pad, flip, correlate. (Test yourself: a
# delta that is 1 in its top-left corner and 0 elsewhere must give the kernel in the top-left corner.)

# %% nbgrader={"grade": false, "grade_id": "ex3_conv2d_input_grad", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def conv2d_input_grad(delta, w):
    """dL/dx of z = x correlated with w (one channel, stride 1, no padding), given delta = dL/dz."""
    ### BEGIN SOLUTION
    kh, kw = w.shape
    padded = np.pad(delta, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    flipped = w[::-1, ::-1]
    H, W = delta.shape[0] + kh - 1, delta.shape[1] + kw - 1
    dx = np.zeros((H, W))
    for i in range(H):
        for j in range(W):
            dx[i, j] = np.sum(padded[i:i + kh, j:j + kw] * flipped)
    return dx
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ch08.check_conv2d_input_grad(conv2d_input_grad)
### BEGIN HIDDEN TESTS
ch08.check_conv2d_input_grad(conv2d_input_grad, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# In this chapter we
# - wrote a convolutional layer as a correlation, $z_i = \sum_m w_m x_{si+m} + b$ (what deep-learning
#   libraries call convolution; the true convolution flips the kernel), with stride $s$, padding $p$
#   and $n_{\text{out}} = (n + 2p - k)/s + 1$ outputs;
# - derived its backward pass by asking which input touches which output: the weight gradient is the
#   correlation of the input with the delta, $\partial L/\partial w = x \star \delta$; the bias
#   gradient is $\sum_i \delta_i$; the input gradient is the full convolution of the delta with the
#   kernel, i.e. the padded delta correlated with the flipped kernel; a stride dilates the delta;
# - saw that a convolution is a dense layer with a banded, shared weight matrix, whose transpose is
#   what flips the kernel;
# - used `backprop_lib.conv.conv2d_forward` / `conv2d_backward` for batches of multi-channel images
#   and checked every gradient against central differences (relative error below $10^{-7}$);
# - watched a one-hot delta stamp the kernel onto the input gradient.
#
# **Next:** [Chapter 9 · Automatic differentiation](09_autodiff.ipynb) stops deriving backward
# passes by hand: it builds the computational graph while computing and lets the chain rule run by
# itself, and checks that it finds the same gradients as chapters 4-6.

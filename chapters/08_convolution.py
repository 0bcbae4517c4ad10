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
# Nothing new is needed to train one: a convolutional layer is an affine layer
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
# - add pooling (max and average) and its backward pass: max pooling routes each gradient to the input
#   that won its window;
# - turn the whole convolutional layer into one matrix product (im2col) and time it against loops;
# - train a small convolutional network (conv, ReLU, pooling, dense, softmax) on handwritten digits,
#   every gradient checked, and watch its filters learn;
# - watch forward and backward maps of edge detectors and blurs on a handwritten digit.

# %%
# %matplotlib inline
import numpy as np

import backprop_lib as bl
from backprop_lib import plots
from backprop_lib.cnn import SmallCNN, images, train_cnn
from backprop_lib.conv import conv2d_backward, conv2d_forward, dilate, output_size
from backprop_lib.im2col import conv2d_backward_im2col, conv2d_forward_im2col, im2col
from backprop_lib.plots import touch_diagram
from backprop_lib.pooling import avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_forward
from backprop_lib.timing import best_time
from backprop_lib.widgets import CNNView, ConvView

np.set_printoptions(precision=4, suppress=True)
OOPS = "If this fails, the course is at fault, not you: please report it."   # ends every assert message

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
assert np.allclose(z, z_loop) and z.shape == (3,), f"expected np.correlate to give the loop's 3 outputs. {OOPS}"

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
assert np.allclose(np.convolve(x, w, mode="valid"), np.correlate(x, w[::-1], mode="valid")), f"expected convolution = correlation with the flipped kernel. {OOPS}"
assert not np.allclose(np.convolve(x, w, mode="valid"), z - b), f"expected flipping the kernel to change the result. {OOPS}"   # flipping changes the answer

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
assert output_size(5, 3) == 3 and output_size(5, 3, padding=1) == 5 and output_size(7, 3, stride=2) == 3, f"expected output sizes 3, 5 and 3. {OOPS}"

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
assert np.isclose(dx[0], delta[0] * w[0]) and np.isclose(dx[2], delta @ w[::-1]), f"expected dL/dx_0 and dL/dx_2 as worked out by hand. {OOPS}"
assert np.allclose(dx, np.convolve(delta, w, mode="full")), f"expected dL/dx to be the full convolution of delta with w. {OOPS}"       # a true, full convolution

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
assert max(errors.values()) < 1e-7, f"expected every gradient within 1e-7 of central differences. {OOPS}"

# %% [markdown]
# ### The same thing as a dense layer
#
# Chapter 5's affine layer computes $z = x W + b$ and sends back $\partial L/\partial x = \delta W^\top$
# (for a batch: $\partial L/\partial X = \partial L/\partial Y\, W^\top$). A convolution *is*
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
assert np.allclose(x @ W_band + b, z) and np.allclose(delta @ W_band.T, dx), f"expected the banded matrix to give the same z and dL/dx. {OOPS}"

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
dw7, db7, dx7 = conv2d_backward(delta[None, None, None], cache7)
delta_dilated = dilate(delta[None, None, None], 2).ravel()
print("z =", z7.ravel(), "  dilated delta =", delta_dilated)
print("dL/dx =", dx7.ravel(), "  dL/dw =", dw7.ravel(), "  dL/db =", db7)
assert np.allclose(dw7.ravel(), np.correlate(x7, delta_dilated, mode="valid")), f"expected dL/dw = x correlated with the dilated delta. {OOPS}"
assert np.allclose(dx7.ravel(), np.convolve(delta_dilated, w, mode="full")), f"expected dL/dx = full convolution of the dilated delta with w. {OOPS}"

# %%
# ... and against central differences, as always (L = sum of delta_i z_i again)
x7c, w7c = x7[None, None, None].copy(), w[None, None, None].copy()
L7 = lambda _: delta @ conv2d_forward(x7c, w7c, np.array([b]), stride=2)[0].ravel()
err7 = {"dx": bl.rel_error(dx7, bl.numerical_gradient(L7, x7c)), "dw": bl.rel_error(dw7, bl.numerical_gradient(L7, w7c))}
print("relative errors (should be below 1e-7):", err7)
assert max(err7.values()) < 1e-7, f"expected the strided gradients within 1e-7 of central differences. {OOPS}"

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
assert maps.shape == (1, 2, 8, 8), f"expected two 8x8 maps. {OOPS}"

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
dwb, dbb, dxb = conv2d_backward(G, cache)
L_of = lambda _: np.sum(conv2d_forward(xb, wb, bb, stride=2, padding=1)[0] * G)
errors = {name: bl.rel_error(got, bl.numerical_gradient(L_of, param))
          for name, got, param in [("dx", dxb, xb), ("dw", dwb, wb), ("db", dbb, bb)]}
print("output", out.shape, "  relative errors (should be below 1e-7):", errors)
assert out.shape == (2, 4, 4, 4) and max(errors.values()) < 1e-7, f"expected output (2, 4, 4, 4) and every gradient within 1e-7 of central differences. {OOPS}"

# %% [markdown]
# And the forward pass against the definition, written as four nested loops (slow, but impossible to
# misread):

# %%
xp = np.pad(xb, ((0, 0), (0, 0), (1, 1), (1, 1)))
naive = np.array([[[[np.sum(xp[n, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3] * wb[f]) + bb[f]
                     for j in range(4)] for i in range(4)] for f in range(4)] for n in range(2)])
print("max |fast - naive| =", np.abs(out - naive).max())
assert np.allclose(out, naive, rtol=1e-12, atol=1e-12), f"expected conv2d_forward to equal the four loops to round-off. {OOPS}"

# %% [markdown]
# ## 4. Pooling: shrinking a feature map
#
# A convolutional layer with "same" padding keeps the image's size: 8×8 in, 8×8 out, for every
# filter. A **pooling layer** then shrinks each map by summarising every $K \times K$ window with one
# number, usually with $K = 2$ and stride 2 (windows side by side), which halves the height and the
# width. It has no weights, and every channel (every filter's map) is pooled on its own:
#
# $$ \text{max pooling: } a_{ij} = \max_{0 \le p, q < K} a^{\text{prev}}_{Ki+p,\,Kj+q}, \qquad
# \text{average pooling: } a_{ij} = \frac{1}{K^2}\sum_{p,q} a^{\text{prev}}_{Ki+p,\,Kj+q} . $$
#
# Two things are gained: the next layer has four times fewer inputs, and a feature that moves by a pixel
# inside a window gives the same pooled value (a little **translation invariance**).
#
# **The backward pass, by who touches whom.** Average pooling is a tiny convolution with the fixed
# kernel $1/K^2$ everywhere and stride $K$: every input of window $(i, j)$ gets
# $\partial L/\partial a_{ij} \cdot 1/K^2$. Max pooling is stranger: in the window, only the largest
# input reaches the output. Its local derivative is 1 for that input (a small change of the maximum
# changes the output by the same amount) and 0 for the others (a small change of a smaller input
# changes nothing). So **max pooling routes the whole gradient of each output to the input that won
# its window**, and every other input gets 0:
#
# $$ \frac{\partial L}{\partial a^{\text{prev}}_{Ki+p,\,Kj+q}} =
# \begin{cases} \partial L/\partial a_{ij} & \text{if } (p, q) \text{ is the window's maximum} \\ 0 & \text{otherwise.} \end{cases} $$
#
# **Ties.** When two inputs of a window share the maximum, the max is not differentiable there (its
# slope is 1 in one direction and 0 in the other). Code must choose, and `backprop_lib.pooling`
# chooses as numpy's `argmax` and PyTorch do: the **first** maximal entry in reading order (row by row,
# left to right) gets the whole gradient. A ReLU before the pooling makes ties common: a window of four
# zeros is a four-way tie.

# %%
A_prev = np.array([[1.0, 3.0, 0.0, 2.0],
                   [2.0, -1.0, 2.0, 2.0],
                   [0.5, 0.0, -3.0, 4.0],
                   [1.0, 0.2, 1.0, 0.0]])[None, None]            # one 4x4 map: (N, C, H, W) = (1, 1, 4, 4)
A_max, cache_max = max_pool_forward(A_prev, size=2)
A_avg, cache_avg = avg_pool_forward(A_prev, size=2)
dA = np.array([[10.0, 20.0], [30.0, 40.0]])[None, None]          # some upstream dL/dA
print("max pooling:\n", A_max[0, 0], "\naverage pooling:\n", A_avg[0, 0])
print("max pooling backward (each gradient goes to its window's winner):\n", max_pool_backward(dA, cache_max)[0, 0])
print("average pooling backward (each gradient shared by 4):\n", avg_pool_backward(dA, cache_avg)[0, 0])
assert np.array_equal(A_max[0, 0], [[3.0, 2.0], [1.0, 4.0]]) and np.allclose(A_avg[0, 0], [[1.25, 1.5], [0.425, 0.5]]), \
    f"expected the pooled maps worked out by hand. {OOPS}"
assert np.array_equal(max_pool_backward(dA, cache_max)[0, 0], [[0, 10, 0, 20], [0, 0, 0, 0], [0, 0, 0, 40], [30, 0, 0, 0]]), \
    f"expected each upstream gradient at its window's first maximum (the top-right window has a 3-way tie). {OOPS}"

# %% [markdown]
# The top-right window $\begin{pmatrix} 0 & 2 \\ 2 & 2 \end{pmatrix}$ holds a three-way tie: its
# gradient 20 went to the first 2, in the top row. Now against central differences, on random maps
# (no ties), for several batches and channels, and with overlapping windows (size 3, stride 1), where an
# input can win several windows and collects the sum of their gradients:

# %%
rng = np.random.default_rng(0)
errors = {}
for size, stride in ((2, 2), (3, 1)):
    Ap = rng.normal(size=(2, 3, 6 if size == 2 else 5, 6 if size == 2 else 5))
    for name, fwd, bwd in (("max", max_pool_forward, max_pool_backward), ("average", avg_pool_forward, avg_pool_backward)):
        out, cache = fwd(Ap, size, stride)
        G = rng.normal(size=out.shape)                              # L = sum(G * A), so dL/dA = G
        numeric = bl.numerical_gradient(lambda _: np.sum(fwd(Ap, size, stride)[0] * G), Ap)
        errors[f"{name} {size}x{size} stride {stride}"] = bl.rel_error(bwd(G, cache), numeric)
print("relative errors (should be below 1e-7):", {k: f"{v:.0e}" for k, v in errors.items()})
assert max(errors.values()) < 1e-7, f"expected every pooling gradient within 1e-7 of central differences. {OOPS}"

# %% [markdown]
# > ⚠️ **Common mistake: the full gradient to every tied input.** At a tie the max has no derivative,
# > and any rule whose shares add up to 1 is defensible: all to one winner (the course, numpy's `argmax`,
# > PyTorch), or equal parts (what central differences measure: $1/2$ each at a two-way tie, because a
# > step up moves the output and a step down does not). Giving *each* of $k$ tied inputs the whole
# > gradient is wrong: moving all of them together by $\epsilon$ moves the output by $\epsilon$, not by
# > $k\epsilon$. And a gradient check must avoid ties, since there backprop and central differences
# > legitimately disagree; the random maps above have none:

# %%
tie = np.array([[2.0, 2.0], [0.0, 1.0]])[None, None]              # a two-way tie
out, cache = max_pool_forward(tie, 2)
numeric = bl.numerical_gradient(lambda _: max_pool_forward(tie, 2)[0].sum(), tie)
print("backprop (first winner):", max_pool_backward(np.ones((1, 1, 1, 1)), cache).ravel(),
      "  central differences:", numeric.ravel())
assert np.array_equal(max_pool_backward(np.ones((1, 1, 1, 1)), cache).ravel(), [1, 0, 0, 0]), f"expected [1, 0, 0, 0]. {OOPS}"
assert np.allclose(numeric.ravel(), [0.5, 0.5, 0, 0]), f"expected central differences of 1/2 at a two-way tie. {OOPS}"

# %% [markdown]
# ## 5. Convolution as one matrix product: im2col
#
# The four nested loops of section 3 are slow in Python, and even `conv2d_forward`'s sliding windows
# do many small operations. Most fast implementations turn the whole layer into **one matrix product**,
# the operation that numerical libraries make fastest. The trick is called **im2col** ("image to
# columns"): copy every window of the padded input into one row of a matrix. With $N$ images, $C$
# channels and $K_H \times K_W$ kernels there are $N \cdot H_{\text{out}} \cdot W_{\text{out}}$ windows, each
# of $C K_H K_W$ numbers:
#
# $$ \text{cols} \in \mathbb R^{(N H_{\text{out}} W_{\text{out}}) \times (C K_H K_W)}, \qquad
# W_{\text{mat}} \in \mathbb R^{F \times (C K_H K_W)} \ (\text{each filter flattened into a row}), \qquad
# Z_{\text{rows}} = \text{cols}\; W_{\text{mat}}^\top + b . $$
#
# Row $(n, i, j)$ of $Z_{\text{rows}}$ holds the $F$ outputs of window $(i, j)$ of image $n$; a reshape
# puts them back as $(N, F, H_{\text{out}}, W_{\text{out}})$. This *is* chapter 5's dense layer
# $Z = A_{\text{prev}} W + b$, with the windows as the rows of the batch and $W_{\text{mat}}^\top$ as
# the weights. So its backward pass is chapter 5's too, given $\Delta_{\text{rows}} = \partial L/\partial Z_{\text{rows}}$:
#
# $$ \frac{\partial L}{\partial W_{\text{mat}}} = \Delta_{\text{rows}}^\top\, \text{cols}, \qquad
# \frac{\partial L}{\partial b} = \sum_{\text{rows}} \Delta_{\text{rows}}, \qquad
# \frac{\partial L}{\partial\, \text{cols}} = \Delta_{\text{rows}} W_{\text{mat}} , $$
#
# and one new step, **col2im**: a pixel was copied into every window that contains it, so its gradient
# is the *sum* of the entries of $\partial L/\partial\,\text{cols}$ it was copied to (the shared-weight
# rule of section 2, now for shared inputs). The price of im2col is memory: each pixel is stored up to
# $K_H K_W$ times.

# %%
x_small = np.arange(16.0).reshape(1, 1, 4, 4)
print("a 4x4 image, 3x3 windows, stride 1 -> im2col has 4 rows (windows) of 9 numbers:\n", im2col(x_small, 3, 3))
assert im2col(x_small, 3, 3).shape == (4, 9), f"expected 4 windows of 9 numbers. {OOPS}"

rng = np.random.default_rng(1)
xb, wb, bb = rng.normal(size=(2, 3, 7, 7)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
Z_fast, cache_fast = conv2d_forward_im2col(xb, wb, bb, stride=2, padding=1)
xp = np.pad(xb, ((0, 0), (0, 0), (1, 1), (1, 1)))                 # the definition, as loops (section 3)
Z_loops = np.array([[[[np.sum(xp[n, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3] * wb[f]) + bb[f]
                       for j in range(4)] for i in range(4)] for f in range(4)] for n in range(2)])
G = rng.normal(size=Z_fast.shape)
grads = dict(zip(("dW", "db", "dA_prev"), conv2d_backward_im2col(G, cache_fast)))
L_of = lambda _: np.sum(conv2d_forward_im2col(xb, wb, bb, stride=2, padding=1)[0] * G)
errors = {k: bl.rel_error(grads[k], bl.numerical_gradient(L_of, p)) for k, p in (("dW", wb), ("db", bb), ("dA_prev", xb))}
print(f"im2col vs the loops: relative error {bl.rel_error(Z_fast, Z_loops):.0e};  gradients vs central "
      f"differences: {', '.join(f'{k} {v:.0e}' for k, v in errors.items())}  (should be below 1e-7)")
assert bl.rel_error(Z_fast, Z_loops) < 1e-12 and max(errors.values()) < 1e-7, \
    f"expected im2col to match the loops to round-off and its gradients within 1e-7. {OOPS}"

# %% [markdown]
# Same numbers, so how much faster? Time three ways on a batch of 4 digit-sized images (one channel,
# 8 filters of 3×3, padding 1): the definition as four nested loops (section 3), `conv2d_forward`
# (sliding windows and one `einsum`), and im2col (one matrix product). The cell prints the times on your
# machine and checks that the loops are more than ten times slower than im2col; the two vectorised
# versions are close to each other, and which of them wins depends on the machine and the sizes.

# %%
xt, wt, bt = rng.normal(size=(4, 1, 8, 8)), rng.normal(size=(8, 1, 3, 3)), np.zeros(8)


def conv_loops(x, w, b):
    """The definition: one window sum per image, filter and output pixel."""
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    return np.array([[[[np.sum(xp[n, :, i:i + 3, j:j + 3] * w[f]) + b[f] for j in range(8)] for i in range(8)]
                      for f in range(w.shape[0])] for n in range(x.shape[0])])


outs = []                                                          # the loops run once: they are slow
times = {"four nested loops": best_time(lambda: outs.append(conv_loops(xt, wt, bt)), repeat=1),
         "conv2d_forward (einsum)": best_time(lambda: conv2d_forward(xt, wt, bt, padding=1)),
         "im2col + one matmul": best_time(lambda: conv2d_forward_im2col(xt, wt, bt, padding=1))}
for name, t in times.items():
    print(f"{name:>24}: {1000 * t:8.3f} ms")
assert np.allclose(outs[0], conv2d_forward_im2col(xt, wt, bt, padding=1)[0]), f"expected equal outputs. {OOPS}"
assert times["four nested loops"] > 10 * times["im2col + one matmul"], \
    f"expected im2col more than 10 times faster than the loops. {OOPS}"

# %% [markdown]
# ## 6. A small convolutional network, trained on the digits
#
# Now all the pieces in one network, for the 8×8 digits of section 3 (pixels scaled to $[0, 1]$), with
# 10 classes and chapter 6's softmax cross-entropy:
#
# $$ A_0 \xrightarrow{\ \text{conv } 3\times3,\ 8 \text{ filters, padding } 1\ } Z_1\ (N, 8, 8, 8)
# \xrightarrow{\ \text{ReLU}\ } A_1 \xrightarrow{\ \text{max pool } 2\times2\ } P\ (N, 8, 4, 4)
# \xrightarrow{\ \text{flatten}\ } H\ (N, 128) \xrightarrow{\ H W_2 + b_2\ } Z_2\ (N, 10)
# \xrightarrow{\ \text{softmax}\ } L $$
#
# The backward pass walks the same line right to left, and every step is a rule we already have:
#
# 1. $\Delta_2 = (\mathrm{softmax}(Z_2) - T)/N$ (chapter 6), then the dense layer (chapter 5):
#    $\partial L/\partial W_2 = H^\top \Delta_2$, $\partial L/\partial b_2 = \sum_{\text{rows}}\Delta_2$,
#    $\partial L/\partial H = \Delta_2 W_2^\top$;
# 2. flattening only rearranges numbers: reshape $\partial L/\partial H$ back to $(N, 8, 4, 4)$;
# 3. max pooling routes it to the winners: $\partial L/\partial A_1$ (section 4);
# 4. ReLU: $\Delta_1 = \partial L/\partial A_1 \odot \mathrm{relu}'(Z_1)$, with $\mathrm{relu}'(0) = 0$;
# 5. the convolution (section 5): $\partial L/\partial W_1$, $\partial L/\partial b_1$. (Its input is the
#    data, so $\partial L/\partial A_0$ is not needed.)
#
# `backprop_lib.cnn.SmallCNN` implements exactly this list (He initialisation for the ReLU layer,
# chapter 7). First the gradient check. A *kink*, a point where a slope jumps, makes central differences
# unreliable: a ReLU input within $h$ of 0, or a pooling window whose two largest entries are within $h$
# of each other (section 4's tie). Digits are full of such places: many pixels are exactly 0, a window of
# zeros gives $Z_1 = b_1$, which is 0 at initialisation (on the kink), and neighbouring windows of zeros
# give equal values (a tie). So we check on 6 digits with a little noise added to every pixel, with
# non-zero biases and, to keep it quick, 2 filters instead of 8 (the same code), and assert that every
# unit is more than ten steps $h$ away from a kink before comparing:

# %%
X_digits, y_digits = bl.datasets.digits()
X_train, X_test, y_train, y_test = bl.datasets.train_test_split(X_digits, y_digits, test_fraction=0.25, seed=0)
A0_train, A0_test = images(X_train), images(X_test)                # (N, 1, 8, 8), pixels in [0, 1]

rng = np.random.default_rng(2)
A0_check, y_check = A0_train[:6] + rng.normal(0.0, 0.05, size=(6, 1, 8, 8)), y_train[:6]   # no two pixels equal
cnn = SmallCNN(filters=2, seed=0)                                  # 2 filters: the same code, a quicker check
cnn.params["b1"] = rng.normal(0.0, 0.1, size=2)                    # away from the ReLU's kink
L, grads = cnn.loss_and_grads(A0_check, y_check)
windows = np.sort(cnn.A1.reshape(6, 2, 4, 2, 4, 2).transpose(0, 1, 2, 4, 3, 5).reshape(6, 2, 4, 4, 4), axis=-1)
gap = windows[..., -1] - windows[..., -2]                          # winner minus runner-up, per window
kink_distance = min(np.abs(cnn.Z1).min(), gap[windows[..., -1] > 0].min())
errors = {k: bl.rel_error(grads[k], bl.numerical_gradient(lambda _: cnn.loss(A0_check, y_check), cnn.params[k]))
          for k in ("W1", "b1", "W2", "b2")}
print(f"nearest kink {kink_distance:.0e} (central differences step 1e-5);  relative errors: "
      + ", ".join(f"{k} {v:.0e}" for k, v in errors.items()) + "  (should be below 1e-7)")
assert kink_distance > 1e-4, f"expected every unit more than 10 steps h = 1e-5 from a kink. {OOPS}"
assert max(errors.values()) < 1e-7, f"expected every CNN gradient within 1e-7 of central differences. {OOPS}"

# %% [markdown]
# Now train it: mini-batches of 32, learning rate 0.1 with momentum 0.9 (chapter 3), 3 epochs over the
# 1,348 training images, then measure the accuracy on the 449 test images it has never seen:

# %%
cnn = SmallCNN(filters=8, seed=0)
run = train_cnn(cnn, A0_train, y_train, lr=0.1, momentum=0.9, epochs=3, batch_size=32, seed=0)
test_accuracy = cnn.accuracy(A0_test, y_test)
print("training loss per epoch:", np.round(run["loss"], 3))
print(f"accuracy: training {cnn.accuracy(A0_train, y_train):.1%}, test {test_accuracy:.1%}")
assert not run["diverged"] and run["loss"][-1] < 0.5 * run["loss"][0], f"expected the loss to fall by half or more. {OOPS}"
assert test_accuracy > 0.9, f"expected more than 90% test accuracy after 3 epochs. {OOPS}"


# %% [markdown]
# ## 7. Try it: forward and backward maps
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
assert view.out.shape == (21, 21) and np.allclose(window, view.w) and np.isclose(np.abs(view.dx).sum(), np.abs(view.w).sum()), f"expected dL/dx to be the kernel on the window of the hot pixel and 0 elsewhere. {OOPS}"

# %% [markdown]
# ## 8. Try it: a convolutional network learning
#
# Section 6's network again, trained live. Press **Play** (or **Step**: 8 mini-batches of 32 per step)
# and watch one test digit go through it. The middle panel shows its 8 feature maps after the
# convolution and the ReLU; a ring marks each 2×2 window's winner when it is above 0. Those ringed pixels
# are the only places where the backward pass gets through to the filters: max pooling sends each
# window's gradient to its winner, and the ReLU stops it where the map is 0. Watch the filters (third
# panel) change from their random start, and the test accuracy in the status line climb. Move **test
# digit** to look at another digit. A new **learning rate** starts again from the same initial weights
# and trains one step at that rate at once: try 1, and after a few steps the test accuracy is down at chance (below 20%): the
# steps are too large, and the ReLU units end up inactive on every digit.

# %%
cnn_view = CNNView(lr=0.1, digit=0)
cnn_view

# %%
# The view before you press Play (what a headless run shows): the untrained network, filters at random.
print(f"{len(cnn_view.trainer.history['batch_loss'])} mini-batches trained, test accuracy {cnn_view.accuracy():.1%} "
      "(random weights, before any training)")
assert cnn_view.trainer.epoch == 0 and not cnn_view.trainer.history["diverged"], f"expected an untrained view. {OOPS}"
assert cnn_view.accuracy() < 0.5, f"expected an untrained network to get most test digits wrong. {OOPS}"

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
# ### Exercise 4 · The max-pooling backward pass (2 points)
#
# Write `max_pool_backward_2x2(dA, A_prev)` for one feature map: `A_prev` of shape $(H, W)$ (both even)
# went through 2×2 max pooling with stride 2, and `dA` of shape $(H/2, W/2)$ holds
# $\partial L/\partial a_{ij}$. Return $\partial L/\partial A_{\text{prev}}$, shape $(H, W)$, by section
# 4's rule, ties included: the whole gradient of a window goes to its **first** maximal entry in reading
# order. Don't use `backprop_lib.pooling`.

# %% nbgrader={"grade": false, "grade_id": "ex4_max_pool_backward", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def max_pool_backward_2x2(dA, A_prev):
    """dL/dA_prev (H, W) for 2x2 max pooling with stride 2, given dA = dL/dA (H/2, W/2)."""
    ### BEGIN SOLUTION
    dA_prev = np.zeros(A_prev.shape)
    for i in range(dA.shape[0]):
        for j in range(dA.shape[1]):
            window = A_prev[2 * i:2 * i + 2, 2 * j:2 * j + 2]
            p, q = divmod(int(np.argmax(window)), 2)      # argmax: the first maximum, row by row
            dA_prev[2 * i + p, 2 * j + q] = dA[i, j]
    return dA_prev
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ch08.check_max_pool_backward_2x2(max_pool_backward_2x2)
### BEGIN HIDDEN TESTS
ch08.check_max_pool_backward_2x2(max_pool_backward_2x2, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 5 · im2col for one channel (1 point)
#
# Write `im2col_2d(x, kh, kw)` for one image `x` of shape $(H, W)$, stride 1 and no padding: it returns
# the matrix of section 5, one row per $kh \times kw$ window (windows in reading order: left to right,
# then top to bottom), each row the window flattened row by row, shape
# $((H - kh + 1)(W - kw + 1),\ kh \cdot kw)$. Then `im2col_2d(x, kh, kw) @ w.ravel()` is the correlation of
# `x` with a kernel `w`. Don't use `backprop_lib.im2col`.

# %% nbgrader={"grade": false, "grade_id": "ex5_im2col", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def im2col_2d(x, kh, kw):
    """One row per kh x kw window of x (stride 1, no padding), each window flattened row by row."""
    ### BEGIN SOLUTION
    H, W = x.shape
    rows = []
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            rows.append(x[i:i + kh, j:j + kw].reshape(-1))
    return np.array(rows)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ch08.check_im2col_2d(im2col_2d)
### BEGIN HIDDEN TESTS
ch08.check_im2col_2d(im2col_2d, hidden=True)
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
# - watched a one-hot delta stamp the kernel onto the input gradient;
# - added max and average pooling: average pooling shares each gradient equally within its window,
#   max pooling routes it to the window's (first) maximum;
# - wrote the layer as one matrix product (im2col), equal to the loops and much faster, whose backward
#   pass is the dense layer's plus col2im, which adds up the gradients of a pixel copied into several
#   windows;
# - trained a convolutional network (conv, ReLU, max pooling, dense, softmax) on the 8×8 digits to more
#   than 90% test accuracy in a few epochs, after checking every one of its gradients.
#
# **Next:** [Chapter 9 · Automatic differentiation](09_autodiff.ipynb) stops deriving backward
# passes by hand: it builds the computational graph while computing and lets the chain rule run by
# itself, and checks that it finds the same gradients as chapters 4-6.

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
# # Chapter 3 · Gradient descent and SGD
#
# [![Open in Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/backprop-course/backprop-course/HEAD?urlpath=lab/tree/chapters/03_gradient_descent.ipynb)
#
# Backpropagation computes a gradient; *gradient descent* is what turns that gradient into learning.
# Before we use it on networks, we study it where everything can be checked exactly: linear
# regression, which also has a closed-form answer. That lets us compare the two honestly, see what the
# learning rate does (including what "too large" really means), and see what changes when each step
# looks at a random mini-batch instead of all the data, or carries momentum from the steps before.
#
# **In this chapter you will**
# - fit a linear regression by the closed form $(X^\top X)^{-1}X^\top y$ and by gradient descent, get the same coefficients, and count what each costs;
# - use the update rule $\theta \leftarrow \theta - \eta\,\nabla L$ and see learning rates that are too small, good, and too large (and why too large diverges);
# - compare full-batch, mini-batch and stochastic gradient descent: the noise and the cost of a step;
# - see why inputs that are not centred make a narrow valley, and how standardising them removes it;
# - add momentum ($\mathbf v \leftarrow \mu\mathbf v - \eta\nabla L$) and watch it speed up a slow valley.

# %%
# %matplotlib inline
import warnings

import numpy as np

import backprop_lib as bl
from backprop_lib import plots
from backprop_lib.linreg import descent_path, linreg_hessian, linreg_loss, linreg_optimum
from backprop_lib.plots import DescentPlot
from backprop_lib.timing import best_time
from backprop_lib.widgets import DescentExplorer

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Linear regression, and its closed form
#
# Start from the linear model $y = \beta_0 + \beta_1 x_1 + \dots + \beta_k x_k + \varepsilon$
# with noise $\varepsilon$. With $n$ samples, put a column of ones (for $\beta_0$, the bias as weight 0,
# as in chapter 1) in front of the features to get the **design matrix** $X$ of shape $(n, k+1)$; then
# the model is $\mathbf y = X\boldsymbol\beta + \boldsymbol\varepsilon$. We choose $\boldsymbol\beta$ to
# make the squared error small; like `backprop_lib`'s MSE we average it and put a $\tfrac12$ in front:
#
# $$ L(\boldsymbol\beta) = \frac{1}{2n}\,\lVert X\boldsymbol\beta - \mathbf y\rVert^2
#   = \frac{1}{2n}\sum_{i=1}^n \bigl(\mathbf x_i^\top \boldsymbol\beta - y_i\bigr)^2,
# \qquad \nabla L(\boldsymbol\beta) = \frac1n X^\top\bigl(X\boldsymbol\beta - \mathbf y\bigr). $$
#
# (The factor $\frac{1}{2n}$ does not move the minimum.) The gradient comes from the chain rule: each
# residual $r_i = \mathbf x_i^\top\boldsymbol\beta - y_i$ has $\partial r_i/\partial \beta_j = x_{ij}$.
#
# $L$ is a **convex bowl**. A function is *convex* when the straight segment between any two points of
# its graph never passes below the graph; its graph then curves upward (or stays flat) in every
# direction, like a bowl, and has no separate local dips: every point where the gradient is zero is
# a lowest point. For our quadratic $L$ the curvature along a unit vector $\mathbf v$ is
# $\mathbf v^\top H\mathbf v$, with the matrix of second derivatives (the **Hessian**)
# $H = \frac1n X^\top X$, and $\mathbf v^\top H \mathbf v = \frac1n\lVert X\mathbf v\rVert^2 \ge 0$: never
# negative, so $L$ is convex. When the columns of $X$ are linearly independent it is even positive in
# every direction, the bowl has a single lowest point, and that point is where the gradient is zero.
# (The cell prints the curvatures along the bowl's principal directions: the **eigenvalues** $\lambda$
# of $H$, the numbers for which $H\mathbf v = \lambda\mathbf v$ for some direction $\mathbf v \ne 0$, an
# **eigenvector**; along it the curvature $\mathbf v^\top H\mathbf v / \lVert\mathbf v\rVert^2$ is exactly
# $\lambda$.) Setting the gradient to zero gives
#
# $$ X^\top X\,\hat{\boldsymbol\beta} = X^\top \mathbf y
# \quad\Longrightarrow\quad \hat{\boldsymbol\beta} = (X^\top X)^{-1} X^\top \mathbf y , $$
#
# the **normal equations** and their **closed form**. In code we *solve* the system rather than form
# the inverse (cheaper and more accurate).

# %%
rng = np.random.default_rng(0)
n, k = 500, 3
beta_true = np.array([1.0, 2.0, -3.0, 0.5])                 # beta_0 (intercept), beta_1..beta_3
X = np.c_[np.ones(n), rng.normal(size=(n, k))]             # design matrix (n, k + 1)
y = X @ beta_true + rng.normal(0, 0.3, size=n)


def loss(beta):
    r = X @ beta - y
    return 0.5 * np.mean(r * r)


def gradient(beta):
    return X.T @ (X @ beta - y) / n


beta_test = rng.normal(size=k + 1)
numeric = bl.numerical_gradient(loss, beta_test.copy())
print(f"relative error of the gradient formula: {bl.rel_error(gradient(beta_test), numeric):.0e} (should be below 1e-7)")
assert bl.rel_error(gradient(beta_test), numeric) < 1e-7, (
    "Expected the gradient formula to match central differences to 1e-7. "
    "This is an error in the course, not in your work.")
curvatures = np.linalg.eigvalsh(X.T @ X / n)
print("curvatures of the bowl (eigenvalues of H = X^T X / n):", curvatures, " all > 0: a single lowest point")
assert curvatures[0] > 0.1, (
    "Expected every eigenvalue of X^T X / n to be clearly positive. "
    "This is an error in the course, not in your work.")

beta_closed = np.linalg.solve(X.T @ X, X.T @ y)
print("closed form  :", beta_closed, "  (true:", beta_true, ")")
assert np.allclose(beta_closed, np.linalg.lstsq(X, y, rcond=None)[0]), (
    "Expected the normal equations and numpy's least squares to agree. "
    "This is an error in the course, not in your work.")
assert np.abs(gradient(beta_closed)).max() < 1e-12, (
    "Expected the gradient to vanish at the minimum. This is an error in the course, not in your work.")

# %% [markdown]
# ## 2. Gradient descent
#
# Gradient descent never solves anything. It starts somewhere and repeatedly takes a small step
# downhill, against the gradient, with step size (**learning rate**) $\eta$:
#
# $$ \boldsymbol\beta^{(t+1)} = \boldsymbol\beta^{(t)} - \eta\,\nabla L\bigl(\boldsymbol\beta^{(t)}\bigr). $$
#
# Each coefficient moves by its own partial derivative: a coefficient whose change would lower the
# loss a lot moves a lot. On this problem, 300 steps reach the closed form to about $10^{-11}$ (each
# step shrinks the remaining error by a fixed factor, so this is not round-off luck).

# %%
beta = np.zeros(k + 1)
lr = 0.1
for step in range(300):
    beta -= lr * gradient(beta)
print("gradient descent:", beta)
print("closed form     :", beta_closed)
print(f"largest difference: {np.abs(beta - beta_closed).max():.1e}")
assert 1e-12 < np.abs(beta - beta_closed).max() < 1e-10, (
    "Expected gradient descent to reach the closed form to about 1e-11. "
    "This is an error in the course, not in your work.")

# %% [markdown]
# ### Which one is cheaper?
#
# Count the multiply-adds, with $p = k + 1$ columns. The closed form forms $X^\top X$ ($n p^2$), $X^\top
# \mathbf y$ ($n p$) and solves a $p \times p$ system (about $p^3/3$): in all $O(n p^2 + p^3)$. One
# gradient step computes $X\boldsymbol\beta$ and $X^\top \mathbf r$: $2np$, so $O(np)$ per step and
# $O(T n p)$ for $T$ steps. Gradient descent is cheaper when it needs fewer than roughly $p/2$ steps;
# the closed form when the number of features is small or when gradient descent needs many steps
# (as it does when the bowl is elongated, section 3).
#
# The closed form needs one more thing: $X^\top X$ must be invertible. It is a $p \times p$ matrix of
# rank at most $n$, so with more features than samples ($p > n$) it is always singular: infinitely
# many $\boldsymbol\beta$ fit equally well and $(X^\top X)^{-1}$ does not exist. That case needs
# other tools (a penalty on $\lVert\boldsymbol\beta\rVert$, or the pseudo-inverse); the table below
# only prices problems with $n > p$, and the cell checks the rank on a small wide example.
#
# > ⚠️ **Common mistake: "the closed form costs $O(p^3)$, so gradient descent is always cheaper".**
# > The $p^3$ is only the solve. Forming $X^\top X$ costs $n p^2$, which is usually the *larger* part
# > because there are more samples than features, so the closed form costs $O(n p^2 + p^3)$. And a
# > gradient step's $O(np)$ has to be multiplied by the number of steps, which depends on the problem.
# > Neither always wins: the table shows both outcomes. For a few features (our example) the closed
# > form is cheaper and exact; for very many features, or when $X$ does not fit in memory, gradient
# > descent wins. The real reason neural networks use gradient descent is different: their loss has
# > **no** closed-form minimiser.

# %%
print(f"{'n':>9} {'features p':>10} {'steps T':>8} {'closed form n p^2 + p^3/3':>26} {'GD 2 n p T':>12}  cheaper")
cheaper = []
for n_, p_, T_ in [(500, 4, 300), (100_000, 100, 200), (100_000, 10_000, 200), (1_000_000, 1_000, 100)]:
    assert n_ > p_, (
        "Expected every priced problem to have more samples than features. "
        "This is an error in the course, not in your work.")
    closed, gd = n_ * p_ ** 2 + p_ ** 3 / 3, 2 * n_ * p_ * T_
    cheaper.append("closed form" if closed < gd else "gradient descent")
    print(f"{n_:>9,} {p_:>10,} {T_:>8} {closed:>26.2e} {gd:>12.2e}  {cheaper[-1]}")
assert set(cheaper) == {"closed form", "gradient descent"}, (
    "Expected each method to win at least once. This is an error in the course, not in your work.")

# More features than samples: X^T X (8 x 8) has rank 5, so it cannot be inverted.
X_wide = np.random.default_rng(3).normal(size=(5, 8))
rank = np.linalg.matrix_rank(X_wide.T @ X_wide)
print(f"\nn = 5 samples, p = 8 features: X^T X is 8 x 8 with rank {rank} (singular)")
assert rank == 5, "Expected X^T X of a 5 x 8 matrix to have rank 5. This is an error in the course, not in your work."

# One measurement on this machine (times vary from run to run):
Xb = np.c_[np.ones(2000), rng.normal(size=(2000, 199))]
yb = Xb @ rng.normal(size=200) + rng.normal(size=2000)
beta_b = np.linalg.solve(Xb.T @ Xb, Xb.T @ yb)
t_closed = best_time(lambda: np.linalg.solve(Xb.T @ Xb, Xb.T @ yb))
gd_b = np.zeros(200)
for _ in range(10):
    gd_b -= 0.5 * Xb.T @ (Xb @ gd_b - yb) / 2000
t_step = best_time(lambda: Xb.T @ (Xb @ gd_b - yb), number=10)
print(f"\nn = 2000, p = 200: closed form {t_closed * 1e3:.0f} ms; one gradient step {t_step * 1e3:.2f} ms, "
      f"so about {t_closed / t_step:.0f} steps cost as much as the closed form")
assert np.isfinite(beta_b).all(), (
    "Expected a finite closed-form solution. This is an error in the course, not in your work.")

# %% [markdown]
# ## 3. The learning rate: too small, good, too large
#
# To *see* the descent we need a loss of two parameters: fit a line $\hat y = w x + b$ to 200 points,
# so $\boldsymbol\theta = (w, b)$ and the loss $L(w, b) = \frac{1}{2n}\sum_i (w x_i + b - y_i)^2$ can be
# drawn as contour lines. The inputs lie in $[0, 3]$, not centred on 0, so the bowl is a long, narrow,
# tilted valley: steep across, shallow along. That is typical, and it is what makes the learning rate
# delicate. All runs start at $(w, b) = (-1, 3)$.

# %%
rng = np.random.default_rng(1)
x = rng.uniform(0, 3, size=200)
y_line = 2.0 * x - 1.0 + rng.normal(0, 0.5, size=200)
theta_best = linreg_optimum(x, y_line)
print("least-squares line: w = %.4f, b = %.4f" % tuple(theta_best))

rates = {"too small": 0.02, "good": 0.3, "too large": 0.6}
runs = {name: descent_path(x, y_line, start=(-1, 3), lr=rate, steps=80) for name, rate in rates.items()}

fig, axes = plots.new_figure(ncols=4, size=(3.0, 2.9))
for ax, (name, run) in zip(axes, runs.items()):
    DescentPlot(ax, x, y_line, title=f"{name}: lr = {rates[name]}").update(run)
    ax.get_legend().remove()
    axes[3].semilogy(run.loss, label=f"lr = {rates[name]} ({name})")
axes[3].set_xlabel("step")
axes[3].set_title("loss per step")
axes[3].legend(fontsize=7)
axes[3].grid(True, alpha=0.3)
for name, run in runs.items():
    print(f"{name:>9}: loss after {len(run.loss) - 1} steps {run.loss[-1]:.4g}" + ("  " + run.message if run.diverged else ""))
assert runs["good"].loss[-1] < 1.02 * linreg_loss(theta_best, x, y_line), (
    "Expected lr = 0.3 to reach the minimum within 2%. This is an error in the course, not in your work.")
too_small, good, too_large = runs["too small"].loss, runs["good"].loss, runs["too large"].loss
assert too_small[-1] > 5 * good[-1] and too_large[-1] > too_large[0], (
    "Expected lr = 0.02 to lag far behind and lr = 0.6 to end higher than it started. "
    "This is an error in the course, not in your work.")
fig

# %% [markdown]
# **Too small** ($\eta = 0.02$): every step is safe but tiny; after 80 steps the line is still far off.
# **Good** ($\eta = 0.3$): straight down into the valley, then along it. **Too large** ($\eta = 0.6$):
# each step jumps across the valley and lands *higher* on the other side than it started, so the
# zig-zag grows and the loss explodes: the descent **diverges**.
#
# ### Why there is a sharp limit
#
# The loss is a quadratic with the constant Hessian (matrix of second derivatives)
# $H = \frac1n X^\top X$, here $\begin{pmatrix}\overline{x^2} & \bar x\\ \bar x & 1\end{pmatrix}$ (a bar
# means the average over the $n$ samples: $\bar x$ of the inputs, $\overline{x^2}$ of their squares). Writing
# $\boldsymbol\theta = \boldsymbol\theta^* + \mathbf e$, the gradient is $H\mathbf e$, so one step does
# $\mathbf e \leftarrow (I - \eta H)\,\mathbf e$. Along an eigenvector of $H$ with eigenvalue (curvature)
# $\lambda$, the error is multiplied by $1 - \eta\lambda$ at every step. It shrinks if
# $|1 - \eta\lambda| < 1$, that is if $\eta < 2/\lambda$. The steepest direction, $\lambda_{\max}$, is the
# first to break: gradient descent on this loss converges exactly when $\eta < 2/\lambda_{\max}$. And
# the shallow direction, $\lambda_{\min}$, shrinks only by $1 - \eta\lambda_{\min}$ per step, which is
# why a narrow valley (large $\lambda_{\max}/\lambda_{\min}$) is slow whichever $\eta$ we pick.

# %%
H = linreg_hessian(x)
lams, vecs = np.linalg.eigh(H)
lr_limit = 2 / lams[-1]
print(f"curvatures: lambda_min = {lams[0]:.3f}, lambda_max = {lams[-1]:.3f};  2 / lambda_max = {lr_limit:.3f}")

# Check the theory: along the steepest eigenvector the error is multiplied by (1 - lr lambda_max) per step.
run = descent_path(x, y_line, start=(-1, 3), lr=0.6, steps=12)
along = (run.path - theta_best) @ vecs[:, -1]
ratios = along[6:] / along[5:-1]
print(f"measured ratio per step: {ratios.round(4)}   predicted 1 - lr lambda_max = {1 - 0.6 * lams[-1]:.4f}")
assert np.allclose(ratios, 1 - 0.6 * lams[-1], rtol=1e-2), (
    "Expected the measured ratio to equal 1 - lr lambda_max. This is an error in the course, not in your work.")
assert descent_path(x, y_line, lr=0.98 * lr_limit, steps=2000).loss[-1] < 0.2, (
    "Expected convergence just below the limit 2 / lambda_max. This is an error in the course, not in your work.")
assert descent_path(x, y_line, lr=1.02 * lr_limit, steps=2000).diverged, (
    "Expected divergence just above the limit 2 / lambda_max. This is an error in the course, not in your work.")

# %% [markdown]
# ### Centring and standardising the inputs
#
# The valley is narrow because the inputs are not centred on 0. The off-diagonal entry $\bar x$ of
# $H$ couples $w$ and $b$ (raising the slope can be undone by lowering the intercept), which tilts the
# valley; and $\overline{x^2} \approx 3$ against the 1 for $b$ makes one direction much steeper than
# the other. How narrow a valley is can be measured by the **condition number**
# $\kappa = \lambda_{\max}/\lambda_{\min}$ of $H$: 1 for a round bowl, large for a narrow valley.
#
# Both causes go away if we change the input before fitting:
#
# - **centring**, $x \to x - \bar x$, makes $\bar x = 0$, so
#   $H = \begin{pmatrix}\overline{x^2} & 0\\ 0 & 1\end{pmatrix}$: the valley's axes now point along $w$ and $b$;
# - **standardising**, $x \to (x - \bar x)/s$ with the **standard deviation**
#   $s = \sqrt{\frac1n\sum_i (x_i - \bar x)^2}$ (the typical distance of the inputs from their mean; its
#   square $s^2$ is the **variance**), also makes $\overline{x^2} = 1$, so $H = I$: the contours are
#   circles, $\kappa = 1$, and every direction has curvature 1. Then $\eta = 1$ multiplies the error by $1 - \eta\lambda = 0$: one step lands
#   on the minimum.
#
# Nothing is lost: a line $w' x' + b'$ in the standardised input $x' = (x - \bar x)/s$ is the line
# $w = w'/s$, $b = b' - w'\bar x/s$ in the original one, with the same loss. The cell compares the
# three versions (all starting from the same line, $w = -1$, $b = 3$) and maps the standardised answer
# back. For a network the recipe is the same: standardise each input feature with the mean and
# standard deviation of the training data, and apply the same transform to every new input.

# %%
x_mean, x_std = x.mean(), x.std()
inputs = {"original": x, "centred": x - x_mean, "standardised": (x - x_mean) / x_std}
starts = {"original": (-1.0, 3.0), "centred": (-1.0, 3.0 - x_mean), "standardised": (-x_std, 3.0 - x_mean)}
loss_min = linreg_loss(theta_best, x, y_line)
kappa, steps_needed, paths = {}, {}, {}
for name, xin in inputs.items():
    lam = np.linalg.eigvalsh(linreg_hessian(xin))
    kappa[name] = lam[-1] / lam[0]
    best_lr = 2 / (lam[0] + lam[-1])                     # the rate that shrinks the slowest direction most
    run_best = descent_path(xin, y_line, start=starts[name], lr=best_lr, steps=500)
    steps_needed[name] = int(np.argmax(run_best.loss - loss_min < 1e-6 * loss_min))
    paths[name] = descent_path(xin, y_line, start=starts[name], lr=0.3, steps=30)
    print(f"{name:>12}: curvatures {lam.round(3)}, condition number {kappa[name]:6.2f}; at its best lr "
          f"({best_lr:.2f}) {steps_needed[name]:3d} step{'s' if steps_needed[name] != 1 else ''} to within 1e-6 "
          "of the minimum loss")

w_s, b_s = linreg_optimum(inputs["standardised"], y_line)
mapped_back = np.array([w_s / x_std, b_s - w_s * x_mean / x_std])
one_step = descent_path(inputs["standardised"], y_line, start=starts["standardised"], lr=1.0, steps=1)
print(f"standardised fit mapped back: w = {mapped_back[0]:.4f}, b = {mapped_back[1]:.4f}"
      f"   (relative error against the original fit {bl.rel_error(mapped_back, theta_best):.0e})")
print(f"standardised, lr = 1: one step lands {np.abs(one_step.path[-1] - [w_s, b_s]).max():.0e} from the minimum")
assert kappa["original"] > 15 and kappa["centred"] < 1.5 and abs(kappa["standardised"] - 1) < 1e-9, (
    "Expected condition numbers above 15, below 1.5 and 1. This is an error in the course, not in your work.")
assert bl.rel_error(mapped_back, theta_best) < 1e-10 and np.abs(one_step.path[-1] - [w_s, b_s]).max() < 1e-10, (
    "Expected the standardised fit to map back to the original one and one step at lr = 1 to reach it. "
    "This is an error in the course, not in your work.")
assert round(kappa["original"]) == 21 and round(kappa["centred"], 1) == 1.4, (
    "Expected condition numbers 21 and 1.4 as the text says. This is an error in the course, not in your work.")
assert (steps_needed["original"], steps_needed["centred"], steps_needed["standardised"]) == (91, 5, 1), (
    "Expected 91, 5 and 1 steps as the text says. This is an error in the course, not in your work.")
assert steps_needed["standardised"] == 1 and steps_needed["original"] > 10 * steps_needed["centred"], (
    "Expected 1 step for standardised inputs and far more for the original than for the centred ones. "
    "This is an error in the course, not in your work.")

# %%
fig, axes = plots.new_figure(ncols=3, size=(3.2, 2.9))
for ax, name in zip(axes, ["original", "standardised"]):
    DescentPlot(ax, inputs[name], y_line, title=f"{name} x: lr = 0.3").update(paths[name])
    ax.get_legend().remove()
axes[1].set_xlabel("w' (slope for the standardised x)")
axes[1].set_ylabel("b' (intercept)")
for name, run in paths.items():
    axes[2].semilogy(np.maximum(run.loss - loss_min, 1e-16), label=name)
axes[2].set_xlabel("step (lr = 0.3)")
axes[2].set_title("loss above its minimum")
axes[2].legend(fontsize=7)
axes[2].grid(True, alpha=0.3)
fig

# %% [markdown]
# With the same $\eta = 0.3$, the original path slides slowly along the tilted valley; the
# standardised one heads straight for the centre of round contours. Each at its own best learning
# rate, the original inputs (condition number 21) need 91 steps to get within $10^{-6}$ of the minimum
# loss, the centred ones (condition number 1.4) 5, and the standardised ones (condition number 1) a
# single step. Chapter 7 meets the same idea inside a network: keeping each layer's
# inputs at a sensible scale is what good initialisation is about.

# %% [markdown]
# ### Divergence in `backprop_lib`
#
# A straight line is a network with one input, one output and no hidden layer: `bl.MLP([1, 1],
# output="identity")` with `loss="mse"`, which is exactly our $L$. With a learning rate above the
# limit, the loss overflows to `inf` after a few hundred epochs. `bl.train` does not crash and does
# not flood the notebook with numpy overflow warnings: it stops, marks the history as diverged, and
# warns **once**, saying where and what to do. The cell below catches that warning to show it.

# %%
net = bl.MLP([1, 1], output="identity", seed=0)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    history = bl.train(net, x[:, None], y_line, loss="mse", lr=1.0, epochs=1000)
print(history)
print("diverged:", history.diverged, "at epoch", history.diverged_epoch)
print("the warning:", caught[0].message)
assert history.diverged and len(caught) == 1 and issubclass(caught[0].category, bl.TrainingDiverged), (
    "Expected the run to diverge with exactly one TrainingDiverged warning. "
    "This is an error in the course, not in your work.")

net = bl.MLP([1, 1], output="identity", seed=0)
history = bl.train(net, x[:, None], y_line, loss="mse", lr=0.3, epochs=300)
print(f"with lr = 0.3 instead: w = {net.layers[0].W[0, 0]:.4f}, b = {net.layers[0].b[0]:.4f}, {history}")
assert not history.diverged and np.allclose([net.layers[0].W[0, 0], net.layers[0].b[0]], theta_best, atol=1e-3), (
    "Expected lr = 0.3 to reach the least-squares line to 1e-3. This is an error in the course, not in your work.")

# %% [markdown]
# ## 4. Batch, mini-batch, stochastic
#
# The gradient $\nabla L = \frac1n\sum_i \nabla \ell_i$ is an average over all $n$ samples, so one
# full-batch step reads the whole data set. With millions of samples that is slow, and it is also
# more precision than a single step needs. **Mini-batch** gradient descent estimates the gradient
# from a random batch $B$ of $|B|$ samples, $\frac{1}{|B|}\sum_{i \in B}\nabla\ell_i$; with $|B| = 1$ it
# is called **stochastic** gradient descent (SGD), though the name is used for all mini-batch sizes.
# The rows are shuffled once per *epoch* (one pass over the data) and cut into batches.
#
# | | rows read per step | steps per epoch | the gradient it uses |
# |---|---|---|---|
# | full batch | $n$ | 1 | exact |
# | mini-batch | $\lvert B\rvert$ | $n/\lvert B\rvert$ | unbiased estimate, noise $\propto 1/\sqrt{\lvert B\rvert}$ |
# | stochastic | 1 | $n$ | unbiased estimate, very noisy |
#
# The estimate is right *on average* (unbiased), and its spread (its standard deviation over many
# random batches) shrinks like $1/\sqrt{|B|}$: averaging $|B|$ independent samples divides the
# variance, the squared spread, by $|B|$. A step costs $O(|B|\,p)$, so a small batch
# buys many cheap, noisy steps for the price of one exact step. We measure the noise at the start
# point:

# %%
theta0 = np.array([-1.0, 3.0])
full = np.array([np.mean((theta0[0] * x + theta0[1] - y_line) * x), np.mean(theta0[0] * x + theta0[1] - y_line)])
rng = np.random.default_rng(2)
spread = {}
for size in [1, 4, 16]:
    estimates = []
    for _ in range(2000):
        idx = rng.choice(x.size, size=size, replace=False)
        r = theta0[0] * x[idx] + theta0[1] - y_line[idx]
        estimates.append([np.mean(r * x[idx]), np.mean(r)])
    estimates = np.array(estimates)
    spread[size] = estimates.std(axis=0)
    print(f"batch {size:>2}: mean of the estimates {estimates.mean(axis=0).round(3)} (full gradient {full.round(3)}),"
          f" spread {spread[size].round(3)}")
ratio = spread[1] / spread[16]
print("spread(batch 1) / spread(batch 16):", ratio.round(2), " (1/sqrt(|B|) predicts about 4)")
assert np.all((ratio > 3.5) & (ratio < 4.7)), (
    "Expected the spread to shrink by about 4 from batch 1 to batch 16. "
    "This is an error in the course, not in your work.")

# %% [markdown]
# What this means for the descent: below, 100 steps each with the same learning rate, and the loss
# against the amount of data read (epochs). Full batch glides down the middle of the valley; batches
# of 10 wobble around that path; single samples stagger. Per *step*, full batch makes the most
# progress. Per *row read*, the small batches are far ahead: after one epoch, full batch has taken
# one step and SGD two hundred. They stop improving once the noise of the estimate is as large as the
# remaining gradient, and jitter around the minimum (a smaller learning rate, or a larger batch, late
# in training, reduces that jitter).

# %%
batches = {"full batch (200)": 200, "mini-batch of 10": 10, "stochastic (1)": 1}
fig, axes = plots.new_figure(ncols=4, size=(3.0, 2.9))
for ax, (name, size) in zip(axes, batches.items()):
    run = descent_path(x, y_line, start=(-1, 3), lr=0.2, steps=100, batch_size=size, seed=0)
    DescentPlot(ax, x, y_line, title=name).update(run)
    ax.get_legend().remove()
    long = descent_path(x, y_line, start=(-1, 3), lr=0.2, steps=int(5 * 200 / size), batch_size=size, seed=0)
    axes[3].semilogy(np.arange(long.loss.size) * size / 200, long.loss, label=name,
                     lw=0.7 if size == 1 else 2, alpha=0.6 if size == 1 else 1, zorder=1 if size == 1 else 3)
    print(f"{name:>17}: loss {long.loss[-1]:.4f} after 5 epochs ({long.loss.size - 1} steps)")
axes[3].axhline(linreg_loss(theta_best, x, y_line), color="k", ls=":", lw=0.8)
axes[3].set_xlabel("epochs (rows read / n)")
axes[3].set_title("loss against data read")
axes[3].legend(fontsize=7)
axes[3].grid(True, alpha=0.3)
fig

# %% [markdown]
# ## 5. Momentum
#
# In a narrow valley, plain gradient descent spends its steps bouncing between the walls while
# creeping along the floor. **Momentum** gives the parameters a velocity $\mathbf v$ that remembers
# earlier steps:
#
# $$ \mathbf v \leftarrow \mu\,\mathbf v - \eta\,\nabla L(\boldsymbol\theta), \qquad
#    \boldsymbol\theta \leftarrow \boldsymbol\theta + \mathbf v , \qquad 0 \le \mu < 1 . $$
#
# Where the gradient keeps pointing the same way (along the valley floor) the steps add up: the
# velocity approaches $-\frac{\eta}{1-\mu}\nabla L$, so $\mu = 0.5$ doubles the effective step and
# $\mu = 0.9$ multiplies it by 10. Where the gradient flips sign from step to step (across the valley)
# successive steps cancel. $\mu = 0$ is plain gradient descent.
#
# In code the rule is two lines, `v = mu * v - lr * grad` and `theta = theta + v`; $\mu = 0.5$ is a
# common choice in small examples. (Code that writes the mean squared error without the $\tfrac12$
# gets an extra factor 2 in its gradient, e.g. `2 / n * X.T @ r`; that only rescales $\eta$.)
# `bl.SGD(lr, momentum)` is the same update; the cell checks a hand-written loop against it, step
# for step.

# %%
mu, lr = 0.5, 0.05
theta, v = np.array([-1.0, 3.0]), np.zeros(2)
params = [{"theta": np.array([-1.0, 3.0])}]
opt = bl.SGD(lr=lr, momentum=mu)
for _ in range(20):
    g = np.array([np.mean((theta[0] * x + theta[1] - y_line) * x), np.mean(theta[0] * x + theta[1] - y_line)])
    v = mu * v - lr * g                      # by hand
    theta = theta + v
    p = params[0]["theta"]
    g_lib = np.array([np.mean((p[0] * x + p[1] - y_line) * x), np.mean(p[0] * x + p[1] - y_line)])
    opt.step(params, [{"theta": g_lib}])     # backprop_lib
print("by hand:", theta, "  bl.SGD:", params[0]["theta"])
assert np.allclose(theta, params[0]["theta"], rtol=1e-12), (
    "Expected bl.SGD to match the loop. This is an error in the course, not in your work.")
assert np.allclose(theta, descent_path(x, y_line, start=(-1, 3), lr=lr, steps=20, momentum=mu).path[-1]), (
    "Expected descent_path with momentum to match the loop. This is an error in the course, not in your work.")

# %%
fig, axes = plots.new_figure(ncols=4, size=(3.0, 2.9))
final = {}
for ax, m in zip(axes, [0.0, 0.5, 0.9]):
    run = descent_path(x, y_line, start=(-1, 3), lr=0.05, steps=60, momentum=m)
    final[m] = run.loss[-1]
    DescentPlot(ax, x, y_line, title=f"momentum {m}").update(run)
    ax.get_legend().remove()
    axes[3].semilogy(run.loss, label=f"momentum {m}")
axes[3].axhline(linreg_loss(theta_best, x, y_line), color="k", ls=":", lw=0.8)
axes[3].set_xlabel("step")
axes[3].set_title("loss per step, lr = 0.05")
axes[3].legend(fontsize=7)
axes[3].grid(True, alpha=0.3)
print("loss after 60 steps:", {m: round(float(v_), 4) for m, v_ in final.items()})
assert final[0.9] < final[0.5] < final[0.0], (
    "Expected more momentum to end lower after 60 steps. This is an error in the course, not in your work.")
fig

# %% [markdown]
# With $\eta = 0.05$, plain descent is still on its way after 60 steps; $\mu = 0.5$ gets further, and
# $\mu = 0.9$ reaches the minimum, overshooting along the valley and swinging back (momentum can
# overshoot: that is its price). Momentum also moves the divergence limit: for this loss it becomes
# $\eta < 2(1 + \mu)/\lambda_{\max}$.
#
# ## 6. Try it: learning rate, batch size, momentum
#
# The explorer below reruns the descent from $(w, b) = (-1, 3)$ whenever you move a control, and
# draws the path over the contours (left) and the loss on all the data after each step (right).
#
# - **learning rate** (a log scale): find the largest rate that still converges (about
#   $2/\lambda_{\max} \approx 0.52$), then go past it and read the message.
# - **batch size**: from 1 (stochastic) to 200 (full batch): watch the path get noisier as it shrinks.
# - **momentum**: try 0.5 and 0.9 with a small learning rate; with momentum the stable range grows.
# - **steps**: how long to run.

# %%
explorer = DescentExplorer(x, y_line, lr=0.3, batch_size=200, momentum=0.0, steps=100)
explorer

# %%
print(explorer.message)
assert not explorer.result.diverged and explorer.result.loss[-1] < 1.02 * linreg_loss(theta_best, x, y_line), (
    "Expected the explorer's default run to converge. This is an error in the course, not in your work.")

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
# ### Exercise 1 · The gradient of the regression loss (1 point)
#
# Write `linreg_gradient(X, y, w)` that returns $\nabla L = \frac1n X^\top (X\mathbf w - \mathbf y)$,
# the gradient of $L(\mathbf w) = \frac{1}{2n}\lVert X\mathbf w - \mathbf y\rVert^2$, for a design matrix
# `X` of shape $(n, p)$, targets `y` $(n,)$ and coefficients `w` $(p,)$. Use the formula, not finite
# differences.

# %% nbgrader={"grade": false, "grade_id": "ex1_linreg_gradient", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def linreg_gradient(X, y, w):
    """X^T (X w - y) / n."""
    ### BEGIN SOLUTION
    return X.T @ (X @ w - y) / X.shape[0]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from backprop_lib.checks import ch03

ch03.check_linreg_gradient(linreg_gradient)
### BEGIN HIDDEN TESTS
ch03.check_linreg_gradient(linreg_gradient, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 · One step with momentum (2 points)
#
# Write `momentum_step(w, v, grad, lr, momentum)` that performs one update of section 5 and returns
# the pair `(w_new, v_new)`: first the velocity $\mathbf v' = \mu\mathbf v - \eta\,\nabla L$, then the
# parameters $\mathbf w' = \mathbf w + \mathbf v'$. Do not change the input arrays in place.

# %% nbgrader={"grade": false, "grade_id": "ex2_momentum_step", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def momentum_step(w, v, grad, lr, momentum):
    """(w + v', v') with v' = momentum * v - lr * grad."""
    ### BEGIN SOLUTION
    v_new = momentum * v - lr * grad
    return w + v_new, v_new
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ch03.check_momentum_step(momentum_step)
### BEGIN HIDDEN TESTS
ch03.check_momentum_step(momentum_step, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 · The largest stable learning rate (1 point)
#
# For the regression of section 1 (design matrix `X`, shape $(500, 4)$, loss
# $\frac{1}{2n}\lVert X\boldsymbol\beta - \mathbf y\rVert^2$), compute `lr_max`, the learning rate above
# which full-batch gradient descent diverges. (Section 3 shows how; `np.linalg.eigvalsh` returns the
# eigenvalues of a symmetric matrix in ascending order.)

# %% nbgrader={"grade": false, "grade_id": "ex3_lr_max", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
lr_max = None   # one number
### BEGIN SOLUTION
lr_max = 2 / np.linalg.eigvalsh(X.T @ X / X.shape[0])[-1]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex3_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ch03.check_lr_max(lr_max, X)

# %% [markdown]
# ### Exercise 4 · Standardise the inputs (2 points)
#
# Section 3 standardised a single input $x$. Real data has several inputs, the **columns** of a
# table with one sample per row, each with its own offset and scale. Write
# `standardise(X_train, X_test)` for a training table `X_train` of shape $(n, p)$ and a test table
# `X_test` of shape $(m, p)$ (any $n$, $m$ and $p$; the test rows stand for inputs that arrive
# later). Return the tuple `(S_train, S_test, mean, scale)`:
#
# - `mean` $(p,)$: the mean $\bar x_j$ of each column of `X_train`;
# - `scale` $(p,)$: the standard deviation of each column of `X_train`,
#   $s_j = \sqrt{\tfrac1n\sum_{i=1}^n (x_{ij} - \bar x_j)^2}$ (with $\tfrac1n$, numpy's default), except
#   where it is 0: a **constant column** (every entry equal) has $s_j = 0$, and dividing by it would fill
#   the column with `nan`. It carries no information for the fit, so use the divisor 1 for it: it is
#   still centred (all zeros in `S_train`), and `scale` holds the 1 you used;
# - `S_train` $= (X_{\text{train}} - \bar x) / s$ and `S_test` $= (X_{\text{test}} - \bar x) / s$, column by
#   column, both with the **training** statistics.
#
# Do not change `X_train` or `X_test` in place. Before you run the check, think about this: on
# standardised columns, with a column of ones for the intercept, every diagonal entry of the Hessian
# $H = \frac1n X^\top X$ is 1 and the intercept's row is $(1, 0, \dots, 0)$. Is its condition number
# then always 1? When the check passes, it answers with numbers.

# %% nbgrader={"grade": false, "grade_id": "ex4_standardise", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def standardise(X_train, X_test):
    """(S_train, S_test, mean, scale): both tables standardised with the training columns' statistics."""
    ### BEGIN SOLUTION
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    scale = np.where(std > 0, std, 1.0)
    return (X_train - mean) / scale, (X_test - mean) / scale, mean, scale
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ch03.check_standardise(standardise)
### BEGIN HIDDEN TESTS
ch03.check_standardise(standardise, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# In this chapter we
# - fitted a linear regression by the closed form $(X^\top X)^{-1}X^\top\mathbf y$ (solved, not inverted)
#   and by gradient descent, and got the same coefficients to about $10^{-11}$;
# - counted the cost: $O(np^2 + p^3)$ for the closed form (it needs $X^\top X$ invertible, which
#   requires $n \ge p$), $O(np)$ per gradient step, so which is cheaper depends on $n$, $p$ and the number of
#   steps;
# - saw learning rates that crawl, converge and diverge, and why the limit is $\eta < 2/\lambda_{\max}$:
#   each step multiplies the error along a curvature-$\lambda$ direction by $1 - \eta\lambda$;
# - standardised the input, which turns the narrow valley (condition number 21) into a round bowl
#   (condition number 1) that one step at $\eta = 1$ solves, and standardised a table of several
#   inputs with the training data's statistics (a constant column gets the divisor 1);
# - saw `bl.train` stop a diverging run, set `history.diverged` and warn once;
# - traded exact, expensive steps (full batch) for cheap, noisy ones (mini-batch, stochastic), whose
#   noise shrinks like $1/\sqrt{|B|}$;
# - added momentum, $\mathbf v \leftarrow \mu\mathbf v - \eta\nabla L$, which speeds up narrow valleys.
#
# **Next:** [Chapter 4 · The chain rule and computational graphs](04_chain_rule.ipynb) computes the
# gradient of a network, the part gradient descent takes for granted.

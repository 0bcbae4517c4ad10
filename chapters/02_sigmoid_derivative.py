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
# # Chapter 2 · The sigmoid and its derivative
#
# [![Open in Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/backprop-course/backprop-course/HEAD?urlpath=lab/tree/chapters/02_sigmoid_derivative.ipynb)
#
# In chapter 1 every gradient of the neuron carried the same factor, $\hat y(1-\hat y)$: the slope of
# the sigmoid. Backpropagation multiplies by one such slope for every layer it passes through, so the
# slope of the activation function decides how much of the error signal survives the trip. This
# chapter takes that factor apart: where the formula $\sigma' = \sigma(1-\sigma)$ comes from (two ways),
# how large it can get, what happens far from zero, why it costs almost nothing to compute, and how
# the two other common activations, tanh and ReLU, compare.
#
# **In this chapter you will**
# - derive $\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$ by the chain rule and by the quotient rule, and check it numerically;
# - find its maximum, $\tfrac14$ at $z = 0$, and see it vanish when the neuron *saturates*;
# - see why the formula is cheap: it reuses the value the forward pass already computed;
# - put the derivatives of tanh ($1 - \tanh^2$) and ReLU (0 or 1, and a convention at 0) side by side.

# %%
# %matplotlib inline

import numpy as np

import backprop_lib as bl
from backprop_lib import plots
from backprop_lib.timing import best_time
from backprop_lib.widgets import SigmoidExplorer

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. The sigmoid
#
# $$ \sigma(z) = \frac{1}{1 + e^{-z}} $$
#
# squashes any real $z$ into $(0, 1)$: $\sigma(0) = \tfrac12$, $\sigma(z) \to 1$ as $z \to \infty$ and
# $\sigma(z) \to 0$ as $z \to -\infty$. It is point-symmetric about $(0, \tfrac12)$:
# $\sigma(-z) = \frac{1}{1 + e^{z}} = \frac{e^{-z}}{e^{-z} + 1} = 1 - \sigma(z)$.
#
# `bl.sigmoid` computes it without overflow: for very negative $z$ the textbook formula would form
# $e^{-z} = e^{1000}$, which is `inf` in floating point; the library only ever forms $e^{-|z|}$.

# %%
z = np.array([-1000.0, -5.0, -1.0, 0.0, 1.0, 5.0, 1000.0])
a = bl.sigmoid(z)
print("z        :", z)
print("sigma(z) :", a)
assert a[3] == 0.5 and np.all(np.diff(a) >= 0) and np.all((a >= 0) & (a <= 1)), (
    "Expected sigma(0) = 1/2 and values rising from 0 to 1 without overflow. "
    "This is an error in the course, not in your work.")
assert np.allclose(bl.sigmoid(-z), 1 - a), (
    "Expected sigma(-z) = 1 - sigma(z). This is an error in the course, not in your work.")

# %% [markdown]
# ## 2. The derivative by the chain rule
#
# Read the sigmoid as an outer function of an inner one:
#
# $$ \sigma(z) = g(u(z)), \qquad g(u) = u^{-1}, \qquad u(z) = 1 + e^{-z}. $$
#
# Their derivatives are $g'(u) = -u^{-2}$ and $u'(z) = -e^{-z}$ (the derivative of $e^{-z}$ is
# $e^{-z}$ times the derivative of the exponent, $-1$: the chain rule once more). The chain rule
# $\sigma'(z) = g'(u(z))\,u'(z)$ gives
#
# $$ \sigma'(z) = -\left(1 + e^{-z}\right)^{-2} \cdot \left(-e^{-z}\right) = \frac{e^{-z}}{\left(1 + e^{-z}\right)^2}. $$
#
# That is already the derivative, but not yet in its useful form. Split the fraction and write
# $e^{-z} = (1 + e^{-z}) - 1$:
#
# $$ \sigma'(z) = \frac{1}{1 + e^{-z}} \cdot \frac{e^{-z}}{1 + e^{-z}}
# = \frac{1}{1 + e^{-z}} \cdot \frac{(1 + e^{-z}) - 1}{1 + e^{-z}}
# = \frac{1}{1 + e^{-z}} \left(1 - \frac{1}{1 + e^{-z}}\right) = \sigma(z)\,\bigl(1 - \sigma(z)\bigr). $$

# %% [markdown]
# > ⚠️ **Common mistake: a letter or a sign that changes on the way.** Two slips are easy to make
# > when copying this derivation. (1) Writing $e^{-x}$ in one line and $e^{-z}$ in the next: an
# > expression like $\frac{1}{1 + e^{-x}}$ does not depend on $z$ at all, so its $z$-derivative is 0.
# > Every letter in the exponent must be the variable we differentiate by. (2) Writing the sigmoid as
# > $\frac{1}{1 - e^{-z}}$: that function is infinite at $z = 0$ and negative for $z < 0$, nothing like
# > a number in $(0, 1)$. The cell below evaluates both slips next to the real thing.

# %%
def minus_sign(z):
    """1 / (1 - e^{-z}): the sign slip, NOT the sigmoid."""
    with np.errstate(divide="ignore"):
        return 1.0 / (1.0 - np.exp(-z))


zs_slip = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
def letter_slip(z, x=0.5):
    """1 / (1 + e^{-x}) read as a function of z: the letter slip. z does not appear in it."""
    return 1.0 / (1.0 + np.exp(-x))


h = 1e-5
slope_letter_slip = (letter_slip(0.5 + h) - letter_slip(0.5 - h)) / (2 * h)
print("z              :", zs_slip)
print("1/(1 + e^-z)   :", bl.sigmoid(zs_slip))
print("1/(1 - e^-z)   :", minus_sign(zs_slip))
print(f"slope in z of 1/(1 + e^-x) at z = x = 0.5, by central differences: {slope_letter_slip}"
      f"   (the real slope sigma'(0.5) = {bl.sigmoid_prime(0.5):.4f})")
assert np.all((bl.sigmoid(zs_slip) > 0) & (bl.sigmoid(zs_slip) < 1)), (
    "Expected sigma in (0, 1). This is an error in the course, not in your work.")
assert np.isinf(minus_sign(0.0)) and np.all(minus_sign(zs_slip[:2]) < 0) and slope_letter_slip == 0.0, (
    "Expected the sign slip to be infinite at 0 and negative for z < 0, and the letter slip to have slope 0. "
    "This is an error in the course, not in your work.")

# %% [markdown]
# ## 3. The same derivative by the quotient rule
#
# Now read the sigmoid as a quotient, numerator $1$ and denominator $1 + e^{-z}$, and use $\left(\frac{f}{g}\right)' = \frac{f' g - f g'}{g^2}$ with $f = 1$, $f' = 0$,
# $g = 1 + e^{-z}$, $g' = -e^{-z}$:
#
# $$ \sigma'(z) = \frac{0 \cdot (1 + e^{-z}) - 1 \cdot (-e^{-z})}{(1 + e^{-z})^2} = \frac{e^{-z}}{(1 + e^{-z})^2}. $$
#
# Then notice that $1 - \sigma(z) = \frac{(1 + e^{-z}) - 1}{1 + e^{-z}} = \frac{e^{-z}}{1 + e^{-z}}$, so
#
# $$ \sigma'(z) = \frac{e^{-z}}{1 + e^{-z}} \cdot \frac{1}{1 + e^{-z}} = \bigl(1 - \sigma(z)\bigr)\,\sigma(z). $$
#
# (The sigmoid is also often written $\frac{e^{z}}{e^{z} + 1}$, multiplying top and bottom by $e^{z}$;
# the quotient rule then gives $\frac{e^{z}}{(1 + e^{z})^2}$, the same function: multiply its top and
# bottom by $e^{-2z}$.)
# Both routes meet at the intermediate form $\frac{e^{-z}}{(1+e^{-z})^2}$ and end at $\sigma(1-\sigma)$.

# %% [markdown]
# ### Check it numerically
#
# Calculus is easy to get subtly wrong, so we check the result against the definition of the
# derivative, a limit of difference quotients. The **central difference**
# $\frac{\sigma(z + h) - \sigma(z - h)}{2h}$ with $h = 10^{-5}$ is accurate to better than $10^{-9}$
# here (chapter 4 explains why this $h$). On a grid of 2001 points we compare it with $\sigma(1-\sigma)$
# and with the intermediate form; then `bl.numerical_gradient`, the course's referee, does the same on
# every tenth point through the gradient of $\sum_i \sigma(z_i)$, whose $i$-th entry is exactly
# $\sigma'(z_i)$.

# %%
grid = np.linspace(-10, 10, 2001)
h = 1e-5
central = (bl.sigmoid(grid + h) - bl.sigmoid(grid - h)) / (2 * h)
s = bl.sigmoid(grid)
formula = s * (1 - s)
intermediate = np.exp(-grid) / (1 + np.exp(-grid)) ** 2

print(f"largest |sigma(1 - sigma) - central difference| on the grid: {np.abs(formula - central).max():.0e}"
      "  (should be below 1e-9)")
print(f"largest |e^-z/(1+e^-z)^2  - sigma(1 - sigma)|  on the grid: {np.abs(intermediate - formula).max():.0e}")
numeric = bl.numerical_gradient(lambda v: bl.sigmoid(v).sum(), grid[::10].copy())
print(f"relative error against bl.numerical_gradient: {bl.rel_error(formula[::10], numeric):.0e}  (should be below 1e-7)")
assert np.abs(formula - central).max() < 1e-9, (
    "Expected sigma(1 - sigma) to match central differences to 1e-9. "
    "This is an error in the course, not in your work.")
assert np.abs(intermediate - formula).max() < 1e-14, (
    "Expected both forms of sigma' to agree to round-off. This is an error in the course, not in your work.")
assert bl.rel_error(formula[::10], numeric) < 1e-7, (
    "Expected a relative error below 1e-7. This is an error in the course, not in your work.")

# %% [markdown]
# ## 4. How large can the slope be? The maximum and saturation
#
# Write $a = \sigma(z)$. The slope $a(1-a)$ is a downward parabola in $a$ with roots at $a = 0$ and
# $a = 1$, so it is largest halfway, at $a = \tfrac12$, that is at $z = 0$:
#
# $$ \max_z \sigma'(z) = \sigma'(0) = \tfrac12 \cdot \tfrac12 = \tfrac14 . $$
#
# Away from 0 it falls off fast. For large $|z|$, $\sigma'(z) = \frac{e^{-|z|}}{(1 + e^{-|z|})^2}
# \approx e^{-|z|}$: exponentially small. A neuron whose weighted sum sits far out on either side
# outputs almost exactly 0 or 1 and is **saturated**: a nudge to its weights hardly changes its output,
# so the gradient that reaches those weights, which carries the factor $\sigma'(z)$, is nearly zero and
# the neuron learns very slowly. Chapter 7 follows this factor through many layers, where it multiplies
# up to the *vanishing gradient*.

# %%
print("   z    sigma(z)   sigma'(z)    e^-|z|")
for zi in [0.0, 1.0, 2.0, 5.0, 10.0, -10.0]:
    ai = bl.sigmoid(zi)
    print(f"{zi:5.0f}   {ai:.6f}   {ai * (1 - ai):.3e}   {np.exp(-abs(zi)):.3e}")

assert bl.sigmoid_prime(0.0) == 0.25 and np.all(formula <= 0.25), (
    "Expected the largest slope, 1/4, at z = 0. This is an error in the course, not in your work.")
assert bl.sigmoid_prime(10.0) < 5e-5 and bl.sigmoid_prime(-10.0) < 5e-5, (
    "Expected a slope below 5e-5 at |z| = 10. This is an error in the course, not in your work.")

# %%
fig, (ax_z, ax_a) = plots.new_figure(ncols=2, size=(4.3, 3.2))
ax_z.semilogy(grid, formula, color="C1", lw=2, label=r"$\sigma'(z)$")
ax_z.semilogy(grid, np.exp(-np.abs(grid)), color="grey", ls="--", lw=1, label=r"$e^{-|z|}$")
ax_z.axvspan(-10, -4, color="C3", alpha=0.08)
ax_z.axvspan(4, 10, color="C3", alpha=0.08, label="saturated")
ax_z.set_xlabel("z")
ax_z.set_title("the slope falls off like $e^{-|z|}$")
ax_z.legend(fontsize=8, loc="lower center")
ax_z.grid(True, alpha=0.3)
ax_a.plot(s, formula, color="C1", lw=2)
ax_a.plot([0.5], [0.25], "o", color="C3")
ax_a.annotate("max 1/4 at a = 1/2 (z = 0)", (0.5, 0.25), (0.5, 0.12), ha="center", fontsize=9,
              arrowprops=dict(arrowstyle="->", color="grey"))
ax_a.set_xlabel(r"$a = \sigma(z)$")
ax_a.set_ylabel(r"$\sigma'(z) = a(1-a)$")
ax_a.set_ylim(0, 0.28)
ax_a.set_title("the slope as a function of the output")
ax_a.grid(True, alpha=0.3)
fig

# %% [markdown]
# ## 5. Why the formula is cheap: it reuses the forward value
#
# During training, the forward pass computes $a = \sigma(z)$ for every neuron, and keeps it: the
# output has to be passed on to the next layer anyway. The backward pass then needs $\sigma'(z)$ for
# every neuron. Computed from $z$, the intermediate form $\frac{e^{-z}}{(1+e^{-z})^2}$ costs an
# exponential, an addition, a square and a division per neuron. Computed from the stored $a$,
# $a(1-a)$ costs **one subtraction and one multiplication**: no exponential at all. With millions of
# neurons per step, and millions of steps, that difference adds up.
#
# `backprop_lib` is written this way: each activation's derivative receives both $z$ and the cached
# $a$, and the sigmoid's only looks at $a$ (we can even pass `None` for $z$).

# %%
rng = np.random.default_rng(0)
z_big = rng.normal(0, 3, size=1_000_000)
a_big = bl.sigmoid(z_big)                       # the forward pass has this already


t_scratch = best_time(lambda: np.exp(-z_big) / (1 + np.exp(-z_big)) ** 2)
t_reuse = best_time(lambda: a_big * (1 - a_big))
print(f"from z (exp, add, square, divide): {t_scratch * 1e3:6.2f} ms for 10^6 neurons")
print(f"from a (a * (1 - a))             : {t_reuse * 1e3:6.2f} ms   ({t_scratch / t_reuse:.1f}x faster here)")

library = bl.activations.ACTIVATIONS["sigmoid"].derivative(None, a_big)   # z is not even looked at
assert np.allclose(library, bl.sigmoid_prime(z_big)) and np.allclose(library, a_big * (1 - a_big)), (
    "Expected the library's derivative from a alone to equal a(1 - a). "
    "This is an error in the course, not in your work.")

# %% [markdown]
# ## 6. tanh and ReLU, side by side
#
# **tanh.** $\tanh z = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}$ is a sigmoid stretched to $(-1, 1)$:
# $\tanh z = 2\sigma(2z) - 1$. The quotient rule gives
#
# $$ \tanh'(z) = \frac{(e^{z} + e^{-z})^2 - (e^{z} - e^{-z})^2}{(e^{z} + e^{-z})^2} = 1 - \tanh^2 z , $$
#
# again a function of the forward value alone, $1 - a^2$. Its maximum is 1 at $z = 0$ (four times the
# sigmoid's), and it saturates at both ends just like the sigmoid.
#
# **ReLU.** $\mathrm{relu}(z) = \max(0, z)$ has slope 0 for $z < 0$ and slope 1 for $z > 0$: the
# cheapest derivative of all, a comparison. It never saturates for positive $z$, which is why it
# became the default in deep networks (chapter 7), but a unit whose $z$ stays negative passes no
# gradient at all.

# %% [markdown]
# > ⚠️ **Common mistake: "ReLU's derivative is 0 or 1".** True everywhere except at $z = 0$, where
# > the slope from the left is 0 and from the right is 1: ReLU has **no derivative** there, and code
# > must *choose* a value. `backprop_lib` uses 0 (`z > 0`, as most libraries do); any number in
# > $[0, 1]$ would be a valid choice (a *subgradient*). An exact 0 is rare with real-valued inputs, but
# > it bites in gradient checks: a central difference across the kink returns the average of the two
# > slopes, $\tfrac12$, which matches no convention (the check cell below prints it). Check ReLU's
# > gradient away from its kink.

# %%
zs = np.linspace(-4, 4, 801)
fig, axes = plots.new_figure(ncols=3, size=(3.3, 2.9))
pairs = [("sigmoid", bl.sigmoid, bl.sigmoid_prime, r"$\sigma'=a(1-a)$, max 1/4"),
         ("tanh", np.tanh, bl.activations.tanh_prime, r"$\tanh'=1-a^2$, max 1"),
         ("ReLU", bl.relu, bl.activations.relu_prime, r"relu$'$ = 0 or 1")]
for ax, (name, f, fprime, label) in zip(axes, pairs):
    ax.plot(zs, f(zs), color="C0", lw=2, label=name)
    slope = np.where(np.isclose(zs, 0.0), np.nan, fprime(zs))    # no line drawn across ReLU's jump
    ax.plot(zs, slope, color="C1", lw=2, label=label)
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    ax.set_xlabel("z")
    ax.set_title(name)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, loc="lower right" if name == "tanh" else "upper left")
axes[0].set_ylim(-0.1, 1.1)
axes[1].set_ylim(-1.15, 1.15)
axes[2].set_ylim(-0.3, 2.5)
axes[2].plot([0], [0], "o", color="C1", ms=6)
axes[2].annotate("at z = 0 we use 0", (0, 0), (-3.8, 0.5), fontsize=8, arrowprops=dict(arrowstyle="->", color="grey"))
fig

# %%
central_tanh = (np.tanh(zs + h) - np.tanh(zs - h)) / (2 * h)
away = np.abs(zs) > 1e-3                              # ReLU's kink excluded
central_relu = (bl.relu(zs + h) - bl.relu(zs - h)) / (2 * h)
err_tanh = np.abs(bl.activations.tanh_prime(zs) - central_tanh).max()
err_relu = np.abs(bl.activations.relu_prime(zs[away]) - central_relu[away]).max()
at_kink = (bl.relu(h) - bl.relu(-h)) / (2 * h)
print(f"tanh: largest |(1 - tanh^2) - central difference| = {err_tanh:.0e}   (should be below 1e-9)")
print(f"ReLU away from 0: largest error = {err_relu:.0e}")
print(f"ReLU at 0: central difference = {at_kink}, backprop_lib's convention = {bl.activations.relu_prime(0.0)}")
print("tanh(z) == 2 sigma(2z) - 1:", np.allclose(np.tanh(zs), 2 * bl.sigmoid(2 * zs) - 1))
assert err_tanh < 1e-9 and err_relu < 1e-9, (
    "Expected tanh' and relu' to match central differences to 1e-9. "
    "This is an error in the course, not in your work.")
assert at_kink == 0.5 and bl.activations.relu_prime(0.0) == 0.0, (
    "Expected 1/2 from central differences at ReLU's kink and the convention 0. "
    "This is an error in the course, not in your work.")
assert np.allclose(np.tanh(zs), 2 * bl.sigmoid(2 * zs) - 1), (
    "Expected tanh(z) = 2 sigma(2z) - 1. This is an error in the course, not in your work.")

# %% [markdown]
# ## 7. Try it: a point on the curve and its tangent
#
# Move **z** and watch the point slide along the curve: the dashed line is the tangent, whose slope is
# the derivative, drawn on the right. Near $z = 0$ the tangent is steepest (slope $\tfrac14$); beyond
# $|z| \approx 5$ it is flat: saturation.
#
# The **steepness** $k$ uses $\sigma(kz)$ instead of $\sigma(z)$ (think of $k$ as the size of the
# weights feeding the neuron). By the chain rule the slope is $k\,\sigma'(kz)$: a larger $k$ makes the
# curve steeper (nearer to the perceptron's step function), with a taller but **narrower** peak $k/4$,
# so fewer values of $z$ give a useful gradient. Switch to **tanh** and **relu** to compare; at
# $z = 0$ with ReLU the status line reminds you of the convention.

# %%
explorer = SigmoidExplorer(z=1.0, steepness=1.0)
explorer

# %%
# What the explorer shows at z = 1 (this is also what a headless run displays).
print(f"z = {explorer.z.value}: a = {explorer.value:.4f}, slope = {explorer.slope:.4f}")
assert np.isclose(explorer.slope, bl.sigmoid_prime(1.0)) and np.isclose(explorer.value, bl.sigmoid(1.0)), (
    "Expected the explorer to show sigma(1) and sigma'(1). This is an error in the course, not in your work.")

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
# ### Exercise 1 · The sigmoid's slope (1 point)
#
# Write `sigmoid_prime(z)` that returns $\sigma'(z)$ element-wise for an array `z`, using the cheap
# form $\sigma(1-\sigma)$. You may use `bl.sigmoid` (not `bl.sigmoid_prime`, and no finite differences).
# The check includes $|z| = 1000$, where a formula that forms $e^{-z}$ or $e^{z}$ overflows.

# %% nbgrader={"grade": false, "grade_id": "ex1_sigmoid_prime", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def sigmoid_prime(z):
    """sigma'(z) = sigma(z) (1 - sigma(z)), element-wise."""
    ### BEGIN SOLUTION
    a = bl.sigmoid(z)
    return a * (1 - a)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from backprop_lib.checks import ch02

ch02.check_sigmoid_prime(sigmoid_prime)
### BEGIN HIDDEN TESTS
ch02.check_sigmoid_prime(sigmoid_prime, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 · ReLU's slope, with a convention (1 point)
#
# Write `relu_prime(z)` that returns ReLU's derivative element-wise for an array `z` (any shape), as
# floats: 1 where $z > 0$, 0 where $z < 0$, and, by `backprop_lib`'s convention, 0 at exactly $z = 0$.

# %% nbgrader={"grade": false, "grade_id": "ex2_relu_prime", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def relu_prime(z):
    """1.0 where z > 0, else 0.0 (0 at z = 0 by convention)."""
    ### BEGIN SOLUTION
    return (np.asarray(z) > 0).astype(float)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ch02.check_relu_prime(relu_prime)
### BEGIN HIDDEN TESTS
ch02.check_relu_prime(relu_prime, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 · A steeper sigmoid (2 points)
#
# Write `steep_sigmoid_prime(z, k)` that returns $\frac{d}{dz}\,\sigma(kz)$ element-wise. Use the chain
# rule and the cheap form; do not use finite differences. (At $z = 0$ the answer is $k/4$.)

# %% nbgrader={"grade": false, "grade_id": "ex3_steep_sigmoid_prime", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def steep_sigmoid_prime(z, k):
    """d/dz sigma(k z) = k sigma(kz) (1 - sigma(kz))."""
    ### BEGIN SOLUTION
    a = bl.sigmoid(k * np.asarray(z, dtype=float))
    return k * a * (1 - a)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ch02.check_steep_sigmoid_prime(steep_sigmoid_prime)
### BEGIN HIDDEN TESTS
ch02.check_steep_sigmoid_prime(steep_sigmoid_prime, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# In this chapter we
# - derived $\sigma'(z) = \sigma(z)(1 - \sigma(z))$ twice, by the chain rule on $(1 + e^{-z})^{-1}$ and by
#   the quotient rule, both through $\frac{e^{-z}}{(1+e^{-z})^2}$, and checked it against central
#   differences on a grid (largest error below $10^{-9}$);
# - saw two easy slips go wrong: the variable must stay $z$ throughout, and the sigmoid is
#   $\frac{1}{1 + e^{-z}}$, not $\frac{1}{1 - e^{-z}}$;
# - found the slope's maximum, $\tfrac14$ at $z = 0$, and its exponential decay for large $|z|$:
#   saturated neurons pass almost no gradient;
# - saw why backpropagation likes these formulas: $a(1-a)$ and $1 - a^2$ reuse the forward value;
# - compared tanh ($1 - \tanh^2$, max 1) and ReLU (0 or 1, with the value at 0 a convention: 0 here).
#
# **Next:** [Chapter 3 · Gradient descent and SGD](03_gradient_descent.ipynb) turns gradients into
# learning: the update rule, the learning rate, mini-batches and momentum.

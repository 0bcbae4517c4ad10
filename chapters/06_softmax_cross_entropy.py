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
# # Chapter 6 · Softmax and cross-entropy
#
# [![Open in Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/backprop-course/backprop-course/HEAD?urlpath=lab/tree/chapters/06_softmax_cross_entropy.ipynb)
#
# So far our networks answered yes/no questions with one sigmoid output, or fitted numbers with the
# squared error. Most classifiers choose among $K$ classes: a digit is one of ten. Their last layer is a
# **softmax**, which turns $K$ scores into $K$ probabilities, and they are trained with the
# **cross-entropy**, the negative log-probability of the right answer. The softmax couples its outputs
# (raise one score and every other probability drops), so its derivative is a $K \times K$ matrix, and
# pushing a gradient through it is the one place where a careless chain rule gives a wrong answer. The
# reward for doing it right is the simplest output delta there is: $y - t$.
#
# **In this chapter you will**
# - derive the softmax from the sigmoid, through log-odds (logits);
# - compute the softmax Jacobian $\partial p_j/\partial z_u = p_j(\mathbb 1[j=u] - p_u)$ and the
#   cross-entropy derivative $-t_j/y_j$, and check both numerically;
# - see why the "naive" chain rule through the softmax is wrong, and why the correct sum gives $y - t$;
# - derive the binary cross-entropy for a sigmoid output (again $\delta = a - t$), and see, in a race
#   trained live, why the squared error with a sigmoid output learns slowly when it starts saturated;
# - compute the softmax and the cross-entropy without overflow (log-sum-exp);
# - take a 2-3-3 classifier apart and get one weight's gradient three ways: by a hand formula, by
#   backprop and by finite differences; then train classifiers on spirals and on handwritten digits.

# %%
# %matplotlib inline
import numpy as np

import backprop_lib as bl
from backprop_lib import plots
from backprop_lib.activations import log_softmax, softmax_jacobian
from backprop_lib.saturation import LossRace, output_deltas
from backprop_lib.widgets import DigitsView, LossRaceView, Playground, SoftmaxView

np.set_printoptions(precision=4, suppress=True)
COURSE_BUG = "A failure here is a bug in the course, not in your work; please report it."

# %% [markdown]
# ## 1. From the sigmoid to the softmax
#
# **Two classes.** A sigmoid output gives a probability $p = P(\text{class 1} \mid x)$. Which number
# does the neuron's pre-activation $z$ stand for? Write the **odds** of class 1, $\frac{p}{1-p}$ (3 means
# "three to one"), and take their logarithm, the **logit** (log-odds):
#
# $$ z = \ln\frac{p}{1-p} \quad\Longleftrightarrow\quad e^{z} = \frac{p}{1-p}
# \quad\Longleftrightarrow\quad p = \frac{e^{z}}{1 + e^{z}} = \frac{1}{1 + e^{-z}} = \sigma(z). $$
#
# So a sigmoid unit computes a logit and $\sigma$ turns it back into a probability. Odds run over
# $(0, \infty)$, logits over all of $\mathbb R$, which is what a weighted sum can produce.
#
# **$K$ classes.** Take the log-odds of each class against the last one, $z_i = \ln\frac{p_i}{p_K}$,
# so $p_i = e^{z_i} p_K$ and $z_K = 0$. The probabilities add up to one:
#
# $$ 1 = \sum_{i=1}^{K} p_i = p_K \sum_{i=1}^{K} e^{z_i}
# \quad\Longrightarrow\quad p_K = \frac{1}{\sum_j e^{z_j}}, \qquad
# p_i = \frac{e^{z_i}}{\sum_{j=1}^{K} e^{z_j}} = \mathrm{softmax}(z)_i . $$
#
# Adding the same constant to every $z_j$ multiplies the numerator and the denominator by the same
# $e^{c}$, so the reference $z_K = 0$ is no restriction: any $K$ real numbers are logits of some
# distribution, and the softmax of $(z, 0)$ is $(\sigma(z), 1 - \sigma(z))$. The sigmoid is the
# two-class softmax.

# %%
z = np.array([2.0, 1.0, 0.1])
p = bl.softmax(z)
print("logits", z, "-> probabilities", p, " sum", p.sum())
print("log(p_i / p_K) =", np.log(p / p[-1]), " = z_i - z_K =", z - z[-1])
print("softmax(z + 100) =", bl.softmax(z + 100), " (unchanged)")
print("softmax([1.5, 0])[0] =", bl.softmax(np.array([1.5, 0.0]))[0], "  sigmoid(1.5) =", bl.sigmoid(1.5))
assert np.isclose(p.sum(), 1) and np.allclose(np.log(p / p[-1]), z - z[-1]), \
    f"the probabilities should add up to 1 and their log-odds be the logit differences. {COURSE_BUG}"
assert np.allclose(bl.softmax(z + 100), p) and np.isclose(bl.softmax(np.array([1.5, 0.0]))[0], bl.sigmoid(1.5)), \
    f"a shift should not change the softmax, and the two-class softmax should be the sigmoid. {COURSE_BUG}"

# %% [markdown]
# ## 2. The softmax Jacobian
#
# Every output $p_j$ depends on every logit $z_u$ through the shared denominator $S = \sum_i e^{z_i}$.
# Two cases, by the quotient rule:
#
# - $u = j$: $\;\dfrac{\partial}{\partial z_j}\dfrac{e^{z_j}}{S} = \dfrac{e^{z_j} S - e^{z_j} e^{z_j}}{S^2}
#   = p_j (1 - p_j)$;
# - $u \ne j$: the numerator does not depend on $z_u$: $\;\dfrac{\partial}{\partial z_u}\dfrac{e^{z_j}}{S}
#   = -\dfrac{e^{z_j} e^{z_u}}{S^2} = -p_j p_u$.
#
# Together, $\dfrac{\partial p_j}{\partial z_u} = p_j\,(\mathbb 1[j = u] - p_u)$, or as a matrix,
#
# $$ J = \frac{\partial p}{\partial z} = \mathrm{diag}(p) - p\,p^\top . $$
#
# Its diagonal is the sigmoid's $p(1-p)$ again. Each row sums to zero (the probabilities always add up
# to one, so moving a logit cannot change their sum), and $J$ is symmetric.
#
# > ⚠️ **Common mistake: the diagonal is not the whole derivative.** Differentiating $p_j$ only with
# > respect to its own logit gives $p_j(1 - p_j)$, the diagonal of $J$, and it is tempting to stop there.
# > The off-diagonal entries $-p_j p_u$ are not a detail: because of them the one-path chain rule of
# > section 4 is wrong.

# %%
J = np.diag(p) - np.outer(p, p)
J_numeric = np.array([bl.numerical_gradient(lambda z_: bl.softmax(z_)[j], z.copy()) for j in range(3)])
print("J = diag(p) - p p^T:\n", J)
print("relative error against central differences:", f"{bl.rel_error(J, J_numeric):.1e}", "  (should be below 1e-7)")
print("row sums:", J.sum(axis=1), "  symmetric:", np.allclose(J, J.T))
assert bl.rel_error(J, J_numeric) < 1e-7 and np.allclose(J.sum(axis=1), 0), \
    f"J should match central differences and its rows sum to 0. {COURSE_BUG}"
assert np.allclose(softmax_jacobian(z), J), f"the library's softmax_jacobian should equal diag(p) - p p^T. {COURSE_BUG}"

# %% [markdown]
# ## 3. The cross-entropy and its derivative
#
# With a one-hot target $t$ (a 1 at the true class $c$, 0 elsewhere) and predicted probabilities $y$, the
# **cross-entropy** is
#
# $$ L = -\sum_{k=1}^{K} t_k \log y_k = -\log y_c , $$
#
# where $\log$ is the **natural** logarithm, $\ln$ (base $e$; `np.log` in numpy), as everywhere in this
# course. It is the negative log-probability the network gives the right answer: 0 when it is sure and right, large
# when it is sure and wrong. Only $y_c$ appears, but as the sum is written each $y_j$ has its own term,
# so
#
# $$ \frac{\partial L}{\partial y_j} = -\frac{t_j}{y_j} . $$
#
# > ⚠️ **Common mistake: dropping a term.** With three classes the sum has three terms. Written with
# > two, $-t_1 \ln y_1 - t_2 \ln y_2$, any sample of class 3 has loss 0 whatever the network predicts,
# > so class 3 is never learned. (The two-term form $-t\ln y - (1-t)\ln(1-y)$ is right for **two**
# > classes, where it is the whole sum: section 5.)

# %%
y = np.array([0.7, 0.2, 0.1])                     # a confident, wrong prediction ...
t = np.array([0.0, 0.0, 1.0])                     # ... for a sample of class 3
full = -np.sum(t * np.log(y))
two_terms = -t[0] * np.log(y[0]) - t[1] * np.log(y[1])
print(f"cross-entropy with all three terms: {full:.4f};  with only two terms: {two_terms:.4f}")
assert np.isclose(full, -np.log(0.1)) and two_terms == 0, \
    f"the full loss should be -ln 0.1 and the two-term one 0 for a class-3 sample. {COURSE_BUG}"

t = np.array([0.0, 1.0, 0.0])
dL_dy = -t / y
dL_dy_numeric = bl.numerical_gradient(lambda y_: -np.sum(t * np.log(y_)), y.copy())
print("dL/dy = -t/y:", dL_dy, "  relative error:", f"{bl.rel_error(dL_dy, dL_dy_numeric):.1e}")
assert bl.rel_error(dL_dy, dL_dy_numeric) < 1e-7, f"-t/y should match central differences. {COURSE_BUG}"

# %% [markdown]
# ## 4. Through the softmax: the naive chain rule and the right one
#
# We want $\partial L/\partial z_u$, the output delta, with $y = \mathrm{softmax}(z)$. The tempting shortcut
# treats the softmax like the sigmoid, one output per logit:
#
# $$ \text{naive:}\quad \frac{\partial L}{\partial z_j} \approx \frac{\partial L}{\partial y_j}\,
# \frac{\partial y_j}{\partial z_j} = -\frac{t_j}{y_j}\; y_j(1 - y_j) = -t_j (1 - y_j). $$
#
# > ⚠️ **Common mistake: one path through the softmax.** This line looks like the sigmoid case and is
# > wrong. A logit $z_u$ reaches the loss through **every** output $y_j$ (they share the denominator),
# > not only through $y_u$; keeping one path drops the off-diagonal entries $-y_j y_u$ of the Jacobian.
# > For every class but the true one ($t_j = 0$) it gives exactly 0: it never pushes down the logit of a
# > class the network wrongly favours. The cell below shows it against central differences.
#
# The chain rule sums over all the paths:
#
# $$ \frac{\partial L}{\partial z_u} = \sum_{j=1}^{K} \frac{\partial L}{\partial y_j}\frac{\partial y_j}{\partial z_u}
# = \sum_j \Big(-\frac{t_j}{y_j}\Big)\, y_j\,(\mathbb 1[j=u] - y_u)
# = -t_u + y_u \sum_j t_j = y_u - t_u , $$
#
# using $\sum_j t_j = 1$. In matrix form $\partial L/\partial z = J^\top\, \partial L/\partial y$; the naive
# version keeps only the diagonal of $J$.
#
# A shorter route: put the softmax into the loss first.
# $L = -\sum_i t_i \log\frac{e^{z_i}}{\sum_j e^{z_j}} = -\sum_i t_i z_i + \log\sum_j e^{z_j}$, and
# differentiating gives $-t_u + \frac{e^{z_u}}{\sum_j e^{z_j}} = y_u - t_u$ at once.

# %%
z = np.array([2.0, 1.0, 0.1])
t = np.array([0.0, 1.0, 0.0])
y = bl.softmax(z)
loss_of_z = lambda z_: -np.sum(t * np.log(bl.softmax(z_)))

naive = -t / y * (y * (1 - y))                  # diagonal of the Jacobian only
full_chain = softmax_jacobian(z).T @ (-t / y)   # the sum over all paths
numeric = bl.numerical_gradient(loss_of_z, z.copy())
print("y             =", y)
print("naive         =", naive, f"  relative error {bl.rel_error(naive, numeric):.2f}")
print("J^T dL/dy     =", full_chain)
print("y - t         =", y - t)
print("central diff. =", numeric, f"  (y - t: relative error {bl.rel_error(y - t, numeric):.1e})")
assert bl.rel_error(y - t, numeric) < 1e-7 and np.allclose(full_chain, y - t), \
    f"y - t and the full chain rule should match central differences. {COURSE_BUG}"
assert bl.rel_error(naive, numeric) > 0.3, f"the one-path chain rule should be far off. {COURSE_BUG}"

# %% [markdown]
# The naive gradient has the right entry for the true class (class 2: $y_2 - 1$) and zeros for the
# others, where the truth is $+0.66$ and $+0.10$. This is the output delta `backprop_lib` uses for a
# softmax output with the cross-entropy: $\Delta_L = \frac1N (Y - T)$ for a batch, the mean over samples.

# %% [markdown]
# ## 5. Two classes: the binary cross-entropy and a sigmoid output
#
# With two classes one output is enough: a sigmoid unit gives $a = \sigma(z) = P(\text{class 1} \mid x)$,
# and $1 - a$ is the probability of class 0. The target is a single number $t \in \{0, 1\}$. The
# cross-entropy of section 3 with the two classes written out is the **binary cross-entropy**
#
# $$ L = -\big[\, t \ln a + (1 - t) \ln(1 - a) \,\big], $$
#
# which is $-\ln a$ for a sample of class 1 and $-\ln(1 - a)$ for a sample of class 0. Its derivative
# through the sigmoid, with $\sigma'(z) = a(1 - a)$ (chapter 2):
#
# $$ \frac{\partial L}{\partial a} = -\frac{t}{a} + \frac{1 - t}{1 - a} = \frac{a - t}{a(1 - a)}, \qquad
#    \delta = \frac{\partial L}{\partial z} = \frac{\partial L}{\partial a}\,\frac{\partial a}{\partial z}
#    = \frac{a - t}{a(1 - a)}\; a(1 - a) = a - t . $$
#
# The sigmoid's slope cancels: the same output delta as softmax with the cross-entropy, and no
# surprise, since a sigmoid is a two-class softmax (section 1). For a stable formula, use
# $\ln a = -\ln(1 + e^{-z})$ and $\ln(1 - a) = -\ln(1 + e^{z})$; with the *softplus*
# $\ln(1 + e^{z}) = \max(z, 0) + \ln(1 + e^{-|z|})$, which never overflows, $L = \mathrm{softplus}(z) - t z$.
# The library's `"cross_entropy"` loss for a sigmoid output computes exactly this, from $z$.

# %%
def bce(z, t):
    """-[t ln a + (1 - t) ln(1 - a)] with a = sigma(z), as softplus(z) - t z."""
    return np.maximum(z, 0) + np.log1p(np.exp(-abs(z))) - t * z


cases = [(0.3, 1.0), (-2.0, 1.0), (2.5, 0.0), (-8.0, 1.0), (8.0, 0.0), (40.0, 0.0)]
worst = 0.0
for z_, t_ in cases:
    a_ = bl.sigmoid(z_)
    numeric = bl.numerical_gradient(lambda v: bce(v[0], t_), np.array([z_]))[0]
    err = bl.rel_error(a_ - t_, numeric)
    worst = max(worst, err)
    with np.errstate(divide="ignore"):
        textbook = -(t_ * np.log(a_) + (1 - t_) * np.log(1 - a_))
    print(f"z = {z_:5.1f}, t = {t_:.0f}: L = {bce(z_, t_):9.6f} (as -[t ln a + (1-t) ln(1-a)]: {textbook:9.6f}),  "
          f"delta = a - t = {a_ - t_: .6f},  central difference {numeric: .6f}")
print(f"largest relative error of a - t against central differences: {worst:.0e}  (should be below 1e-7)")
assert worst < 1e-7, f"a - t should match central differences of the binary cross-entropy. {COURSE_BUG}"
net1 = bl.MLP([1, 1], output="sigmoid")
net1.layers[0].W, net1.layers[0].b = np.ones((1, 1)), np.zeros(1)
zs_, ts_ = np.array([[z_] for z_, _ in cases]), np.array([[t_] for _, t_ in cases])
assert np.isclose(net1.loss(zs_, ts_, loss="cross_entropy"), np.mean([bce(z_, t_) for z_, t_ in cases])), \
    f"the library's cross-entropy for a sigmoid output should be the mean binary cross-entropy. {COURSE_BUG}"
assert np.isclose(bce(1.5, 1.0), -log_softmax(np.array([1.5, 0.0]))[0]), \
    f"the binary cross-entropy should equal the two-class softmax cross-entropy. {COURSE_BUG}"

# %% [markdown]
# ## 6. Why the squared error learns slowly with a sigmoid output
#
# Chapter 1 trained a sigmoid neuron with the squared error $L = \tfrac12(a - t)^2$. Its output delta
# keeps the sigmoid's slope:
#
# $$ \delta_{\text{squared}} = (a - t)\,\sigma'(z) = (a - t)\, a(1 - a), \qquad \delta_{\text{cross-entropy}} = a - t . $$
#
# When the neuron is **saturated**, $|z|$ large so that $a$ is near 0 or 1, the factor $a(1 - a)$ is tiny
# (at most $0.25$, and about $e^{-|z|}$ for large $|z|$). If it is saturated on the *right* side that is
# fine: the error is small anyway. If it is saturated on the *wrong* side, confidently wrong, then
# $a - t$ is nearly $\pm 1$ but the squared error's delta is nearly 0: the gradient is smallest exactly
# when the mistake is largest, and learning crawls. The cross-entropy's delta is $a - t$ itself, about
# $\pm 1$: the worse the mistake, the harder the push.

# %%
z_wrong = np.array([0.0, -2.0, -4.0, -6.0, -8.0])               # target t = 1: each z is wrong, more and more
d_squared, d_cross = output_deltas(z_wrong, 1.0)
for z_, ds, dc in zip(z_wrong, d_squared, d_cross):
    print(f"z = {z_:5.1f}, t = 1: a = {bl.sigmoid(z_):.4f}   squared error delta {ds: .5f}   "
          f"cross-entropy delta {dc: .5f}   ratio {dc / ds:7.1f}")
numeric_sq = bl.numerical_gradient(lambda v: np.sum(0.5 * (bl.sigmoid(v) - 1.0) ** 2), z_wrong.copy())
numeric_ce = bl.numerical_gradient(lambda v: np.sum(bce(v, 1.0)), z_wrong.copy())
print(f"relative errors against central differences: squared {bl.rel_error(d_squared, numeric_sq):.0e}, "
      f"cross-entropy {bl.rel_error(d_cross, numeric_ce):.0e}  (should be below 1e-7)")
assert bl.rel_error(d_squared, numeric_sq) < 1e-7 and bl.rel_error(d_cross, numeric_ce) < 1e-7, \
    f"both deltas should match central differences. {COURSE_BUG}"
assert np.allclose(d_cross / d_squared, 1 / bl.sigmoid_prime(z_wrong)), \
    f"the ratio of the deltas should be 1 / sigma'(z). {COURSE_BUG}"

# %% [markdown]
# The ratio is $1/\sigma'(z)$: 4 at $z = 0$, about 400 at $z = -6$ and about 3000 at $z = -8$.
#
# ### Try it: the same bad start, two losses
#
# One sigmoid neuron, two blobs of points (one per class), and a start that is as wrong as can be:
# the weights point the opposite way to a good direction, so every sample has $|z| \approx 2 \times$ the
# **how wrong** value, on the wrong side. Both networks start from exactly this state and are trained
# by full-batch gradient descent with the same learning rate, one with the squared error and one with
# the cross-entropy. Left: the squared-error run's loss; middle: the cross-entropy run's loss; right:
# both runs' training accuracy. Moving a slider starts both runs again and trains their first 100
# epochs: the first few at once, the rest under **Play**, which starts by itself and pauses at epoch 100.
# **Play** trains on (5 epochs per frame), **Reset** goes back to the start.
#
# - At the default (how wrong 3, so $|z| \approx 6$; lr 1) the cross-entropy run is 90% right within 3
#   epochs. The squared-error run sits on a plateau, its loss near the maximum $\tfrac12$, for about 80
#   epochs (the cell checks: between 70 and 90); then it falls fast, because once $z$ leaves the
#   saturated region, $a(1-a)$ grows.
# - Make the start worse (how wrong 4): the squared error has not reached 90% after 100 epochs, the
#   cross-entropy gets there within 5.
# - At how wrong 1 ($|z| \approx 2$, hardly saturated) both are 90% right within 10 epochs.

# %%
race_view = LossRaceView(scale=3.0, lr=1.0, initial_epochs=100)
race_view

# %%
# The headless run: what the text above says, from the same start.
race = race_view.race
print(race_view.message)
worse = LossRace(scale=4.0, lr=1.0)
worse.run(100)
mild = LossRace(scale=1.0, lr=1.0)
mild.run(100)
after = lambda r, loss: f"after {r.epochs_to(loss)} epochs" if r.epochs_to(loss) else f"not within {r.epochs} epochs"
for name, r in [("how wrong 4", worse), ("how wrong 1", mild)]:
    print(f"{name}: 90% right with the squared error {after(r, 'mse')}, with the cross-entropy {after(r, 'cross_entropy')}")
assert race.initial_accuracy == 0.0 and race.epochs == 100, f"both runs should start 0% right. {COURSE_BUG}"
assert race.epochs_to("cross_entropy") <= 3 and 70 <= race.epochs_to("mse") <= 90, \
    f"at how wrong 3 the runs should reach 90% within 3 and after 70 to 90 epochs. {COURSE_BUG}"
assert worse.epochs_to("mse") is None and worse.epochs_to("cross_entropy") <= 5, \
    f"at how wrong 4 the squared error should not reach 90% in 100 epochs. {COURSE_BUG}"
assert max(mild.epochs_to("mse"), mild.epochs_to("cross_entropy")) <= 10, \
    f"at how wrong 1 both runs should be 90% right within 10 epochs. {COURSE_BUG}"

# %% [markdown]
# ## 7. Computing it without overflow: log-sum-exp
#
# $e^{z}$ overflows float64 for $z > 709$. Logits that large are rare, but a network that diverges, or
# a classifier that is very sure, produces them, and then the textbook formula gives `nan`:

# %%
z_big = np.array([1000.0, 1000.0, 999.0])
with np.errstate(over="ignore", invalid="ignore"):
    naive_softmax = np.exp(z_big) / np.exp(z_big).sum()
print("naive softmax of", z_big, "->", naive_softmax)
print("stable softmax                    ->", bl.softmax(z_big))
assert np.all(np.isnan(naive_softmax)) and np.allclose(bl.softmax(z_big), bl.softmax(z_big - 1000)), \
    f"the naive softmax should give nan and the stable one a finite answer. {COURSE_BUG}"

# %% [markdown]
# The fix is the shift we met in section 1: subtract $m = \max_j z_j$ first. Then the largest exponent is
# $e^0 = 1$ and nothing overflows; the result is unchanged. For the loss we need $\log y_c$, and taking
# the log of a probability that underflowed to 0 gives $-\infty$. Work in logs throughout, with the
# **log-sum-exp**
#
# $$ \log\sum_j e^{z_j} = m + \log\sum_j e^{z_j - m}, \qquad
# L = -\log y_c = \log\sum_j e^{z_j} - z_c . $$
#
# The sum inside the log is at least 1 (the term $e^0$), so its log is finite. `bl.activations.log_softmax`
# and `bl.losses.softmax_cross_entropy` do exactly this, and the reason the library's losses take the
# logits $z$ rather than the probabilities.

# %%
def cross_entropy_naive(z, c):
    return -np.log(np.exp(z[c]) / np.exp(z).sum())


def cross_entropy_stable(z, c):
    m = z.max()
    return m + np.log(np.exp(z - m).sum()) - z[c]


with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
    for zz, c in [(np.array([2.0, 1.0, 0.1]), 1), (z_big, 2), (np.array([0.0, -1000.0]), 1)]:
        print(f"z = {zz}, class {c + 1}: naive {cross_entropy_naive(zz, c):8.4f}   stable {cross_entropy_stable(zz, c):9.4f}")
assert np.isclose(cross_entropy_stable(z_big, 2), np.log(2 + np.exp(-1.0)) + 1.0), \
    f"the stable loss for [1000, 1000, 999], class 3, should be ln(2 + 1/e) + 1. {COURSE_BUG}"
assert cross_entropy_stable(np.array([0.0, -1000.0]), 1) == 1000.0, f"the stable loss should be exactly 1000. {COURSE_BUG}"
assert np.isclose(cross_entropy_stable(z_big, 2), -log_softmax(z_big)[2]), f"it should equal the library's log_softmax. {COURSE_BUG}"

# %% [markdown]
# The first row is an ordinary case: both agree. In the second, the naive formula computes `inf/inf`;
# the right answer is $\log(2 + e^{-1}) + 1 \approx 1.86$. In the third, the network gives the true class
# probability $e^{-1000}$, which underflows to 0: the naive loss is $\infty$, the stable one 1000, a
# large but usable number whose gradient $y - t$ is perfectly finite.
#
# ## 8. A small classifier, end to end
#
# A small classifier: 2 inputs, 3 sigmoid hidden units, 3 softmax outputs, **no biases**, the
# cross-entropy. For one sample $x$ (a row):
#
# $$ s = \sigma(x W_1), \qquad z = s\, W_2, \qquad y = \mathrm{softmax}(z), \qquad L = -\sum_k t_k \log y_k , $$
#
# with $W_1$ of shape $(2, 3)$ and $W_2$ of shape $(3, 3)$, indexed (in, out) as always: $(W_1)_{11}$ joins
# input 1 to hidden unit 1 (`W1[0, 0]` in Python, which counts from 0), and $(W_2)_{1i}$ joins hidden
# unit 1 to output $i$ (`W2[0, i - 1]`). There is exactly one path from $(W_1)_{11}$ into the network,
# through $s_1$, and from $s_1$ three paths to the loss, one through each output logit. The chain rule
# along them:
#
# $$ \frac{\partial L}{\partial (W_1)_{11}} = \underbrace{\sum_{i=1}^{3} (y_i - t_i)\, (W_2)_{1i}}_{\partial L/\partial s_1}
# \; s_1 (1 - s_1)\; x_1 . $$
#
# We compute it three ways: by this formula, by backprop (`backprop_lib` with its biases set to zero;
# we ignore their gradients, and with the biases held at 0 the weights' gradients are those of the
# no-bias network), and by finite differences.

# %%
rng = np.random.default_rng(3)
x = np.array([1.0, -0.5])
t = np.array([0.0, 0.0, 1.0])                       # the sample is of class 3
W1, W2 = rng.normal(size=(2, 3)), rng.normal(size=(3, 3))


def loss_233(W1, W2):
    y_ = bl.softmax(bl.sigmoid(x @ W1) @ W2)
    return -np.sum(t * np.log(y_))


s = bl.sigmoid(x @ W1)
y = bl.softmax(s @ W2)
by_hand = np.sum((y - t) * W2[0, :]) * s[0] * (1 - s[0]) * x[0]

net = bl.MLP([2, 3, 3], activation="sigmoid", output="softmax")
net.layers[0].W, net.layers[1].W = W1, W2
net.layers[0].b, net.layers[1].b = np.zeros(3), np.zeros(3)
loss, grads = net.loss_and_grads(x[None, :], t[None, :], loss="cross_entropy")
by_backprop = grads[0]["W"][0, 0]

h = 1e-5
W1_plus, W1_minus = W1.copy(), W1.copy()
W1_plus[0, 0] += h
W1_minus[0, 0] -= h
by_differences = (loss_233(W1_plus, W2) - loss_233(W1_minus, W2)) / (2 * h)

print(f"loss {loss:.6f} (by hand {loss_233(W1, W2):.6f})")
print(f"dL/dw11: hand formula {by_hand:.10f}\n         backprop     {by_backprop:.10f}\n"
      f"         differences  {by_differences:.10f}")
print(f"relative errors against differences: hand {bl.rel_error(by_hand, by_differences):.1e}, "
      f"backprop {bl.rel_error(by_backprop, by_differences):.1e}   (should be below 1e-7)")
assert np.isclose(loss, loss_233(W1, W2)), f"the library's loss should equal the hand-written one. {COURSE_BUG}"
assert bl.rel_error(by_hand, by_differences) < 1e-7 and bl.rel_error(by_backprop, by_differences) < 1e-7, \
    f"the hand formula and backprop should match central differences. {COURSE_BUG}"

# %% [markdown]
# All three agree. Backprop gives the other 14 weights' gradients in the same pass; the finite
# differences of the whole $W_1$ and $W_2$ confirm them:

# %%
num_W1 = bl.numerical_gradient(lambda W_: loss_233(W_, W2), W1.copy())
num_W2 = bl.numerical_gradient(lambda W_: loss_233(W1, W_), W2.copy())
print(f"relative error dL/dW1 {bl.rel_error(grads[0]['W'], num_W1):.1e}, "
      f"dL/dW2 {bl.rel_error(grads[1]['W'], num_W2):.1e}   (should be below 1e-7)")
assert bl.rel_error(grads[0]["W"], num_W1) < 1e-7 and bl.rel_error(grads[1]["W"], num_W2) < 1e-7, \
    f"backprop's dL/dW1 and dL/dW2 should match central differences. {COURSE_BUG}"

# %% [markdown]
# > ⚠️ **Common mistake: a factor too many.** It is easy to write the same gradient as
# > $\sum_i (y_i - t_i)\,\{h_i(1 - h_i)\}\, (W_2)_{1i}\, s_1(1-s_1)\, x_1$, with an extra factor
# > $h_i(1-h_i)$ on each output unit. That factor is the derivative of a **sigmoid** on the output units,
# > and belongs only to a network that applies one before the softmax ($h = \sigma(z)$, then
# > $y = \mathrm{softmax}(h)$). A classifier like this one puts the softmax **directly on the logits**, and
# > $y - t$ is already $\partial L/\partial z$: there is no $h_i(1-h_i)$ to multiply by. With it, the gradient
# > disagrees with finite differences; the formula with the factor is right only for the network with
# > the extra sigmoid:

# %%
extra = bl.sigmoid(s @ W2) * (1 - bl.sigmoid(s @ W2))             # h_i (1 - h_i) with h = sigma(z)
with_factor = np.sum((y - t) * extra * W2[0, :]) * s[0] * (1 - s[0]) * x[0]
print(f"softmax on the logits:  with the factor {with_factor:.6f}, without {by_hand:.6f}, "
      f"differences {by_differences:.6f}")
print(f"  relative error with the factor {bl.rel_error(with_factor, by_differences):.2f}, "
      f"without {bl.rel_error(by_hand, by_differences):.1e}")

# The other network: a sigmoid between the logits and the softmax, y = softmax(sigma(s W2)).
loss_sig = lambda W_: -np.sum(t * np.log(bl.softmax(bl.sigmoid(bl.sigmoid(x @ W_) @ W2))))
y_sig = bl.softmax(bl.sigmoid(s @ W2))
formula_sig = np.sum((y_sig - t) * extra * W2[0, :]) * s[0] * (1 - s[0]) * x[0]
num_sig = bl.numerical_gradient(loss_sig, W1.copy())[0, 0]
print(f"sigmoid, then softmax: the formula with the factor {formula_sig:.6f}, differences {num_sig:.6f} "
      f"(relative error {bl.rel_error(formula_sig, num_sig):.1e})")
assert bl.rel_error(with_factor, by_differences) > 0.1 and bl.rel_error(formula_sig, num_sig) < 1e-7, \
    f"the factor should be wrong here and right for the network with the extra sigmoid. {COURSE_BUG}"

# %% [markdown]
# ## 9. Try it: logits and probabilities
#
# Move the logit sliders. The left plot shows the softmax probabilities (the true class in red) and the
# loss $-\log p_{\text{true}}$; the right one the gradient $\partial L/\partial z = p - t$ that backprop
# sends into the network (green), next to what the naive chain rule would send (grey, hatched).
#
# - Raise all three logits together: nothing changes (only differences between logits matter).
# - Make a wrong class's logit large: its green bar grows (backprop pushes it down), its grey bar stays 0.
# - Make the true class's logit much larger than the others: the loss and every bar go to 0.

# %%
softmax_view = SoftmaxView(logits=(2.0, 1.0, 0.1), target=1)
softmax_view

# %%
# The view's state is what the formulas say (this is also what a headless run shows).
print("p =", softmax_view.p, f" loss = {softmax_view.loss:.4f}", " dL/dz =", softmax_view.grad)
assert np.allclose(softmax_view.p, bl.softmax(np.array([2.0, 1.0, 0.1]))), f"the view should show softmax(z). {COURSE_BUG}"
assert np.allclose(softmax_view.grad, softmax_view.p - np.eye(3)[1]), f"the view's gradient should be p - t. {COURSE_BUG}"

# %% [markdown]
# ## 10. Try it: classifiers with many classes
#
# **Spirals.** Three interleaved spiral arms, one class each: a softmax output with three units. Change
# the depth, width, activation or learning rate: a change trains a fresh network for 300 epochs, the
# first few at once and the rest under **Play**, which starts by itself and pauses at epoch 300; after
# that **Play** keeps training. The third panel shows each layer's gradient norm (chapter 7 is about
# that one).

# %%
spirals = Playground(dataset="spirals", classes=3, depth=2, width=16, activation="tanh", lr=1.0, seed=0,
                     initial_epochs=300)
spirals

# %%
print(spirals, f"- training accuracy {spirals.accuracy('train'):.0%}, test accuracy {spirals.accuracy('test'):.0%}")
assert spirals.net.output == "softmax" and spirals.net.sizes[-1] == 3, f"three softmax outputs expected. {COURSE_BUG}"
assert spirals.accuracy("train") > 0.9, f"after 300 epochs the spirals should be over 90% right. {COURSE_BUG}"

# %% [markdown]
# **Handwritten digits.** 1797 images of 8×8 pixels (the set scikit-learn ships), ten classes: a
# network with 64 inputs, one hidden layer and a 10-way softmax. A quarter of the images are held out
# as a test set. On the right, twelve test digits with the network's guess and the probability it gives
# it (green: right, red: wrong). Try a learning rate of 0.01, or 2 hidden units: a change trains a
# fresh network for 10 epochs, the first at once and the rest under **Play**, which starts by itself
# and pauses at epoch 10.

# %%
digits = DigitsView(hidden=32, lr=0.3, initial_epochs=10)
digits

# %%
print(f"after {digits.history.epochs} epochs: test accuracy {digits.accuracy('test'):.1%}")
assert digits.accuracy("test") > 0.9, f"after 10 epochs the digits should be over 90% right. {COURSE_BUG}"

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
# ### Exercise 1 · A cross-entropy that never overflows (1 point)
#
# Write `cross_entropy(z, c)`: the loss $-\log \mathrm{softmax}(z)_c$ for one logit vector `z` (shape
# `(K,)`) and the true class index `c`. It must give the right finite answer for logits like
# `[1000, 1000, 999]` and `[0, -1000]` too: use the log-sum-exp. (Write it yourself: `log_softmax` and
# the library's losses are not allowed here.)

# %% nbgrader={"grade": false, "grade_id": "ex1_cross_entropy", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def cross_entropy(z, c):
    """-log softmax(z)[c], computed stably."""
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    m = z.max()
    return float(m + np.log(np.sum(np.exp(z - m))) - z[c])
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from backprop_lib.checks import ch06

ch06.check_cross_entropy(cross_entropy)
### BEGIN HIDDEN TESTS
ch06.check_cross_entropy(cross_entropy, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 · The softmax Jacobian (1 point)
#
# Write `jacobian(z)` that returns the $K \times K$ matrix $J_{ju} = \partial p_j/\partial z_u$ of the
# softmax at the logits `z`. (`bl.softmax` is allowed, `softmax_jacobian` is not.)

# %% nbgrader={"grade": false, "grade_id": "ex2_jacobian", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def jacobian(z):
    """J[j, u] = d softmax(z)_j / d z_u."""
    ### BEGIN SOLUTION
    p = bl.softmax(np.asarray(z, dtype=float))
    return np.diag(p) - np.outer(p, p)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ch06.check_jacobian(jacobian)
### BEGIN HIDDEN TESTS
ch06.check_jacobian(jacobian, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 · Find the bug (2 points)
#
# Here is the backward pass of a classifier with a sigmoid hidden layer, a softmax output and the mean
# cross-entropy, $L = -\frac1N\sum_n \sum_k t_{nk}\log y_{nk}$ (`T` is one-hot). It runs and has the
# right shapes. The gradient check below compares each of its gradients with central differences.

# %%
def buggy_classifier_backward(X, T, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    A1 = bl.sigmoid(X @ W1 + b1)
    Z2 = A1 @ W2 + b2
    Y = bl.softmax(Z2)
    loss = -np.sum(T * log_softmax(Z2)) / N
    dL_dY = -T / Y / N
    delta2 = dL_dY * Y * (1 - Y)
    dW2 = A1.T @ delta2
    db2 = delta2.sum(axis=0)
    delta1 = (delta2 @ W2.T) * A1 * (1 - A1)
    dW1 = X.T @ delta1
    db1 = delta1.sum(axis=0)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


X_bug, T_bug, params_bug = ch06.classifier_case(seed=0)
errors = ch06.gradient_report(buggy_classifier_backward, X_bug, T_bug, params_bug)
assert errors["loss"] < 1e-9 and all(errors[k] > 1e-3 for k in ("W1", "b1", "W2", "b2"))

# %% [markdown]
# The loss is right and **every** gradient is wrong. When all of them are off, the mistake sits where
# they all pass through: the output delta. Copy the function into `classifier_backward`, find the bug and
# fix it. As in chapter 5, the check compares your gradients with the exact ones and asks for
# backpropagation: finite differences fail.

# %% nbgrader={"grade": false, "grade_id": "ex3_find_the_bug", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def classifier_backward(X, T, params):
    """(loss, grads) for sigmoid hidden layer, softmax output, mean cross-entropy."""
    ### BEGIN SOLUTION
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    A1 = bl.sigmoid(X @ W1 + b1)
    Z2 = A1 @ W2 + b2
    Y = bl.softmax(Z2)
    loss = -np.sum(T * log_softmax(Z2)) / N
    delta2 = (Y - T) / N          # the fix: the whole Jacobian, not its diagonal, gives y - t
    dW2 = A1.T @ delta2
    db2 = delta2.sum(axis=0)
    delta1 = (delta2 @ W2.T) * A1 * (1 - A1)
    dW1 = X.T @ delta1
    db1 = delta1.sum(axis=0)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ch06.check_classifier_backward(classifier_backward)
### BEGIN HIDDEN TESTS
ch06.check_classifier_backward(classifier_backward, hidden=True)
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

report = debug_params_function(classifier_backward, X_bug, T_bug, params_bug, activation="sigmoid", output="softmax",
                               loss="cross_entropy")
print(report.text())
plots.debug_heatmap(report)

# %% [markdown]
# ### Exercise 4 · The binary cross-entropy and its delta (2 points)
#
# Write `binary_cross_entropy(z, t)` for a sigmoid output: given the logits `z` and the targets `t`
# (0 or 1) of $N$ samples, both of shape `(N,)`, return the tuple `(loss, delta)`: the mean
# $L = -\frac1N\sum_n [\,t_n \ln a_n + (1 - t_n)\ln(1 - a_n)\,]$ with $a_n = \sigma(z_n)$ (a float), and
# $\delta = \partial L/\partial z$ (shape `(N,)`). It must stay finite for logits like $\pm 1000$.
# (`bl.sigmoid` is allowed; the library's `binary_cross_entropy` and finite differences are not.)

# %% nbgrader={"grade": false, "grade_id": "ex4_binary_cross_entropy", "locked": false, "schema_version": 3, "solution": true, "task": false} jupyter={"source_hidden": true}
def binary_cross_entropy(z, t):
    """(mean binary cross-entropy, dL/dz) for logits z (N,) and targets t (N,)."""
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    per_sample = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))) - t * z
    return float(per_sample.mean()), (bl.sigmoid(z) - t) / z.size
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ch06.check_binary_cross_entropy(binary_cross_entropy)
### BEGIN HIDDEN TESTS
ch06.check_binary_cross_entropy(binary_cross_entropy, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## Summary
#
# In this chapter we
# - derived the softmax from the sigmoid: a logit is a log-odds, and $K$ log-odds against a reference
#   class give $p_i = e^{z_i}/\sum_j e^{z_j}$; the sigmoid is the two-class case;
# - computed the softmax Jacobian $J = \mathrm{diag}(p) - pp^\top$ (not just its diagonal) and the
#   cross-entropy derivative $-t_j/y_j$ (with all $K$ terms in the loss), checked numerically;
# - saw the naive one-path chain rule give $-t_j(1-y_j)$, wrong for every class but the true one, and
#   the sum over all paths give the output delta $y - t$;
# - derived the binary cross-entropy $-[t\ln a + (1-t)\ln(1-a)]$ for a sigmoid output, whose delta is
#   again $a - t$, and saw why the squared error with a sigmoid output learns slowly from a saturated
#   start: its delta $(a - t)\,\sigma'(z)$ is smallest when the mistake is largest (a race from the same
#   start: about 80 epochs on a plateau against at most 3);
# - computed the softmax and the loss stably with the log-sum-exp, for logits of 1000 and beyond;
# - took a 2-3-3 classifier apart: one weight's gradient by hand, by backprop and by finite
#   differences agree, and the extra factor $h_i(1-h_i)$ belongs only to a network with a sigmoid
#   before the softmax;
# - trained softmax classifiers on spirals and on handwritten digits.
#
# **Next:** [Chapter 7 · Vanishing gradients](07_vanishing_gradients.ipynb) asks what happens to these
# deltas on their way back through many layers.

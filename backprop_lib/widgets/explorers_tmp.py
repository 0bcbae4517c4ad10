"""Small interactive explorers for chapters 2-4: each is a few ipywidgets controls and one persistent
matplotlib figure (shown as a PNG through widgets.FigureView) whose artists are updated on every change.

    SigmoidExplorer            z and steepness sliders: a point on sigma(kz), its tangent and slope
    DescentExplorer            learning rate (log), batch size, momentum, steps: gradient descent on a
                               two-parameter linear regression, drawn over the loss contours
    FiniteDifferenceExplorer   step h (log): forward and central difference errors against h
    GraphStepper               walk the backward pass through a computational graph node by node

Every control is an attribute (`explorer.z`, `explorer.lr`, ...), so a test can set `.value` and check
that the state and the picture (`explorer.view.image.value`) changed. The numerical helpers
(`descent_path`, `linreg_loss`, `fd_errors`, ...) need numpy only and are used by the chapters too.
"""
from __future__ import annotations

import html
import numbers
from dataclasses import dataclass

import ipywidgets as W
import numpy as np

from ._display import ShowsWidget
from . import activations, plots
from . import graph as cgraph


def _figure_view(fig):
    # imported here, not at the top: widgets.py re-exports this module at its bottom
    from .widgets import FigureView

    return FigureView(fig)


def _status(text: str, kind: str = "info") -> str:
    color = {"info": "#333", "error": "#b00020", "ok": "#1b5e20"}[kind]
    return f"<div style='color:{color};font-size:13px;max-width:760px'>{html.escape(text)}</div>"


def _real(value, what: str, low=None, high=None, low_open=False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    value = float(value)
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{what} must be {'>' if low_open else '>='} {low}, got {value!r}")
    if high is not None and value > high:
        raise ValueError(f"{what} must be <= {high}, got {value!r}")
    return value


# ---------------------------------------------------------------------------------------------
# Chapter 2: the sigmoid (and tanh, ReLU) with a tangent line
# ---------------------------------------------------------------------------------------------
def scaled_activation(name: str, z, k: float = 1.0):
    r"""$(g(z), g'(z))$ for $g(z) = f(kz)$: by the chain rule $g'(z) = k\,f'(kz)$ (ReLU: 0 at $z = 0$)."""
    act = activations.get(name, valid=("sigmoid", "tanh", "relu"))
    u = k * np.asarray(z, dtype=np.float64)
    a = act.f(u)
    return a, k * act.derivative(u, a)


class SigmoidExplorer(ShowsWidget):
    """A point moving along $a = f(kz)$ with its tangent line, and the slope $f'$ beside it.

    Controls: `z` (where), `steepness` (k), `activation` ("sigmoid", "tanh", "relu").
    State: `value` = f(kz), `slope` = d/dz f(kz) at the current z, `message` (the status line as text).
    """

    Z_RANGE = (-8.0, 8.0)

    def __init__(self, z: float = 1.0, steepness: float = 1.0, activation: str = "sigmoid"):
        activations.get(activation, valid=("sigmoid", "tanh", "relu"))
        self.z = W.FloatSlider(value=z, min=self.Z_RANGE[0], max=self.Z_RANGE[1], step=0.1, description="z",
                               readout_format=".1f", layout=W.Layout(width="340px"))
        self.steepness = W.FloatSlider(value=steepness, min=0.25, max=4.0, step=0.25,
                                       description="steepness k", readout_format=".2f",
                                       style={"description_width": "initial"}, layout=W.Layout(width="300px"))
        self.activation = W.ToggleButtons(options=["sigmoid", "tanh", "relu"], value=activation,
                                          style={"button_width": "84px"})
        self.status = W.HTML()
        self.log = W.Output()

        self.zs = np.linspace(*self.Z_RANGE, 401)
        fig, (ax_f, ax_d) = plots.new_figure(ncols=2, size=(4.3, 3.2))
        self.ax_f, self.ax_d = ax_f, ax_d
        (self.curve,) = ax_f.plot([], [], color="C0", lw=2)
        (self.tangent,) = ax_f.plot([], [], color="C3", lw=1.4, ls="--", label="tangent")
        (self.point,) = ax_f.plot([], [], "o", color="C3", ms=7, zorder=5)
        (self.d_curve,) = ax_d.plot([], [], color="C1", lw=2)
        (self.d_point,) = ax_d.plot([], [], "o", color="C3", ms=7, zorder=5)
        self.d_max = ax_d.axhline(0.25, color="grey", lw=0.8, ls=":")
        self.d_max_label = ax_d.text(self.Z_RANGE[0] + 0.3, 0.25, "", va="bottom", fontsize=8, color="grey")
        for ax in (ax_f, ax_d):
            ax.axvline(0, color="grey", lw=0.5)
            ax.axhline(0, color="grey", lw=0.5)
            ax.set_xlim(*self.Z_RANGE)
            ax.set_xlabel("z")
            ax.grid(True, alpha=0.25)
        ax_f.legend(loc="upper left", fontsize=8)
        self._update()
        self.view = _figure_view(fig)          # renders once

        for control in (self.z, self.steepness, self.activation):
            control.observe(self.log.capture()(lambda change: self.redraw()), names="value")
        self.widget = W.VBox([W.HBox([self.activation]), W.HBox([self.z, self.steepness]), self.status,
                              self.view.image, self.log])

    def redraw(self) -> None:
        """Update the artists and the status from the controls, then render the PNG."""
        self._update()
        self.view.redraw()

    def _update(self) -> None:
        name, k, z0 = self.activation.value, self.steepness.value, self.z.value
        a, da = scaled_activation(name, self.zs, k)
        a0, s0 = (float(v) for v in scaled_activation(name, z0, k))
        self.value, self.slope = a0, s0
        self.curve.set_data(self.zs, a)
        half = 1.5 / max(1.0, abs(s0))          # keep the drawn tangent about 3 units long
        tz = np.array([z0 - half, z0 + half])
        self.tangent.set_data(tz, a0 + s0 * (tz - z0))
        self.point.set_data([z0], [a0])
        self.d_curve.set_data(self.zs, da)
        self.d_point.set_data([z0], [s0])
        peak = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0}[name] * k
        self.d_max.set_ydata([peak, peak])
        self.d_max_label.set_position((self.Z_RANGE[0] + 0.3, peak))
        self.d_max_label.set_text(f"max {peak:g}")
        symbol = {"sigmoid": "\u03c3", "tanh": "tanh", "relu": "relu"}[name]
        kz = "z" if k == 1 else f"{k:g}z"
        self.ax_f.set_title(f"a = {symbol}({kz})")
        self.ax_d.set_title(f"slope da/dz = {k:g}\u00b7{symbol}'({kz})" if k != 1 else f"slope da/dz = {symbol}'(z)")
        lo, hi = {"sigmoid": (-0.1, 1.1), "tanh": (-1.15, 1.15), "relu": (-0.5, 8.0 * k * 1.05)}[name]
        self.ax_f.set_ylim(lo, hi)
        self.ax_d.set_ylim(-0.06 * peak, 1.2 * peak)
        formula = {"sigmoid": "k\u00b7a(1\u2212a)", "tanh": "k\u00b7(1\u2212a\u00b2)", "relu": "k\u00b7[kz > 0]"}[name]
        text = f"z = {z0:.2f}, k = {k:g}: a = {a0:.4f}, slope = {formula} = {s0:.4f}"
        if name == "relu" and z0 == 0:
            text += "  (ReLU has no derivative at exactly 0; backprop_lib uses 0 there)"
        elif name != "relu" and s0 < 0.01 * peak:
            text += "  \u2014 saturated: the slope is almost 0, so almost no gradient flows back"
        self.message = text
        self.status.value = _status(text)


# ---------------------------------------------------------------------------------------------
# Chapter 3: gradient descent on a two-parameter linear regression
# ---------------------------------------------------------------------------------------------
def _xy(x, y):
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if x.size < 2 or x.shape != y.shape:
        raise ValueError(f"x and y must be 1-D arrays of the same length >= 2, got shapes {x.shape} and {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("x and y must not contain NaN or inf")
    return x, y


def linreg_loss(theta, x, y) -> float:
    r"""$L(w, b) = \frac{1}{2n}\sum_i (w x_i + b - y_i)^2$ for theta = (w, b)."""
    r = theta[0] * x + theta[1] - y
    return float(0.5 * np.mean(r * r))


def linreg_grad(theta, x, y) -> np.ndarray:
    r"""$\nabla L = \big(\frac1n \sum_i r_i x_i,\ \frac1n \sum_i r_i\big)$ with $r_i = w x_i + b - y_i$."""
    r = theta[0] * x + theta[1] - y
    return np.array([np.mean(r * x), np.mean(r)])


def linreg_loss_grid(W_, B_, x, y) -> np.ndarray:
    """L(w, b) on a grid of w and b values (arrays of equal shape), from five sums of the data."""
    sxx, sx, sxy, sy, syy = (np.mean(v) for v in (x * x, x, x * y, y, y * y))
    return 0.5 * (W_ * W_ * sxx + 2 * W_ * B_ * sx + B_ * B_ - 2 * W_ * sxy - 2 * B_ * sy + syy)


def linreg_optimum(x, y) -> np.ndarray:
    """The least-squares (w, b): the closed form, solving the 2x2 normal equations."""
    X = np.c_[x, np.ones_like(x)]
    return np.linalg.solve(X.T @ X, X.T @ y)


def linreg_hessian(x) -> np.ndarray:
    """The (constant) Hessian of L: [[mean x^2, mean x], [mean x, 1]]."""
    return np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])


@dataclass
class DescentResult:
    """What descent_path did: path (steps+1, 2) of (w, b), the full-data loss at each point, and
    diverged_at (the step where the loss exploded, or None) with a message in words."""

    path: np.ndarray
    loss: np.ndarray
    diverged_at: int | None
    message: str

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None


def descent_path(x, y, start=(-1.0, 3.0), lr: float = 0.1, steps: int = 60, batch_size: int | None = None,
                 momentum: float = 0.0, seed: int = 0, blowup: float = 1e6) -> DescentResult:
    r"""Run `steps` updates of (mini-batch) gradient descent with momentum on the linear regression loss.

    v <- momentum v - lr grad_B L,  theta <- theta + v, where grad_B is the gradient on a batch of
    `batch_size` rows (None: all rows), the rows reshuffled (seeded) every epoch. The path stops early,
    with no warning, when the loss exceeds `blowup` times its starting value (divergence).
    """
    x, y = _xy(x, y)
    lr = _real(lr, "learning rate lr", low=0, low_open=True)
    momentum = _real(momentum, "momentum", low=0.0, high=0.999)
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0, got {steps!r}")
    n = x.size
    if batch_size is None:
        batch_size = n
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number >= 1 or None (all rows), got {batch_size!r}")
    batch_size = min(int(batch_size), n)
    theta = np.array(start, dtype=np.float64).reshape(2)
    velocity = np.zeros(2)
    rng = np.random.default_rng(seed)
    path, losses = [theta.copy()], [linreg_loss(theta, x, y)]
    limit = blowup * max(losses[0], 1e-12)
    order, pos = np.arange(n), n
    diverged_at, message = None, ""
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, int(steps) + 1):
            if batch_size == n:
                xb, yb = x, y
            else:
                if pos + batch_size > n:
                    order, pos = rng.permutation(n), 0
                idx = order[pos:pos + batch_size]
                pos += batch_size
                xb, yb = x[idx], y[idx]
            velocity = momentum * velocity - lr * linreg_grad(theta, xb, yb)
            theta = theta + velocity
            loss = linreg_loss(theta, x, y)
            if not np.isfinite(loss) or loss > limit:
                lam = float(np.linalg.eigvalsh(linreg_hessian(x))[-1])
                diverged_at = step
                message = (f"Diverged at step {step}: the loss grew from {losses[0]:.3g} to "
                           f"{loss:.3g}. Each step overshoots the valley and lands higher up the other side. "
                           f"For this loss, steps grow once lr > 2(1 + momentum) / \u03bb_max = "
                           f"{2 * (1 + momentum) / lam:.3g} (\u03bb_max = {lam:.3g}, the largest curvature); "
                           f"lr = {lr:.3g}.")
                break
            path.append(theta.copy())
            losses.append(loss)
    return DescentResult(np.array(path), np.array(losses), diverged_at, message)


class DescentPlot:
    """The loss contours of the linear regression with a descent path on top (one Axes)."""

    def __init__(self, ax, x, y, wlim=(-2.0, 4.5), blim=(-3.5, 4.5), title: str = "path over the loss contours"):
        self.x, self.y = _xy(x, y)
        self.ax = ax
        ws, bs = np.linspace(*wlim, 120), np.linspace(*blim, 120)
        Wg, Bg = np.meshgrid(ws, bs)
        L = linreg_loss_grid(Wg, Bg, self.x, self.y)
        self.optimum = linreg_optimum(self.x, self.y)
        lmin = linreg_loss(self.optimum, self.x, self.y)
        levels = lmin + np.geomspace(0.02, max(L.max() - lmin, 1.0), 14)
        ax.contour(Wg, Bg, L, levels=levels, cmap="viridis", linewidths=0.8, alpha=0.8)
        ax.plot(*self.optimum, marker="*", color="k", ms=12, ls="none", zorder=4, label="minimum")
        (self.line,) = ax.plot([], [], "-", color="C3", lw=1.2, zorder=3)
        (self.dots,) = ax.plot([], [], "o", color="C3", ms=2.5, zorder=3)
        (self.start,) = ax.plot([], [], "o", color="k", mfc="white", ms=7, zorder=5, label="start")
        (self.end,) = ax.plot([], [], "o", color="C3", ms=6, zorder=5, label="end")
        self.note = ax.text(0.02, 0.02, "", transform=ax.transAxes, fontsize=9, color="#b00020", va="bottom")
        ax.set_xlim(*wlim)
        ax.set_ylim(*blim)
        ax.set_xlabel("w (slope)")
        ax.set_ylabel("b (intercept)")
        ax.set_title(title)
        ax.legend(loc="upper right", fontsize=7)

    def update(self, result: DescentResult) -> None:
        p = result.path
        (w0, w1), (b0, b1) = self.ax.get_xlim(), self.ax.get_ylim()
        outside = np.flatnonzero((p[:, 0] < w0) | (p[:, 0] > w1) | (p[:, 1] < b0) | (p[:, 1] > b1))
        if outside.size and result.diverged:     # draw a diverging path until it leaves the plot
            p = p[:outside[0] + 1]
        self.line.set_data(p[:, 0], p[:, 1])
        self.dots.set_data(p[:, 0], p[:, 1])
        self.start.set_data([p[0, 0]], [p[0, 1]])
        self.end.set_data([p[-1, 0]], [p[-1, 1]])
        self.note.set_text(f"diverged at step {result.diverged_at}" if result.diverged else "")


class DescentExplorer(ShowsWidget):
    """Gradient descent on y ~ w x + b, live: the path over the loss contours and the loss per step.

    Controls: `lr` (log slider), `batch_size` (1 .. n), `momentum`, `steps`. Every change reruns the
    descent from the same start with the same shuffling seed. State: `result` (a DescentResult) and
    `message` (the status line as text).
    """

    def __init__(self, x, y, lr: float = 0.3, batch_size: int | None = None, momentum: float = 0.0,
                 steps: int = 60, start=(-1.0, 3.0), seed: int = 0, wlim=(-2.0, 4.5), blim=(-3.5, 4.5)):
        self.x, self.y = _xy(x, y)
        self.start, self.seed = tuple(start), seed
        n = self.x.size
        sizes = sorted({s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500) if s < n} | {n})
        options = [(f"{s}" if s < n else f"{s} (all)", s) for s in sizes]
        batch_size = n if batch_size is None else int(batch_size)
        if batch_size not in sizes:
            raise ValueError(f"batch_size must be one of {sizes}, got {batch_size!r}")
        self.lr = W.FloatLogSlider(value=lr, base=10, min=-3, max=0.5, step=0.05, description="learning rate",
                                   readout_format=".3g", continuous_update=False,
                                   style={"description_width": "initial"}, layout=W.Layout(width="340px"))
        self.batch_size = W.SelectionSlider(options=options, value=batch_size, description="batch size",
                                            continuous_update=False, style={"description_width": "initial"},
                                            layout=W.Layout(width="340px"))
        self.momentum = W.FloatSlider(value=momentum, min=0.0, max=0.95, step=0.05, description="momentum",
                                      readout_format=".2f", continuous_update=False,
                                      style={"description_width": "initial"}, layout=W.Layout(width="300px"))
        self.steps = W.IntSlider(value=steps, min=5, max=300, step=5, description="steps",
                                 continuous_update=False, layout=W.Layout(width="300px"))
        self.status = W.HTML()
        self.log = W.Output()

        fig, (ax_path, ax_loss) = plots.new_figure(ncols=2, size=(4.4, 3.6))
        self.path_plot = DescentPlot(ax_path, self.x, self.y, wlim, blim)
        self.ax_loss = ax_loss
        self.loss_min = linreg_loss(self.path_plot.optimum, self.x, self.y)
        (self.loss_line,) = ax_loss.plot([], [], color="C0", lw=1.5, label="loss L(w, b)")
        ax_loss.axhline(self.loss_min, color="k", lw=0.8, ls=":", label="minimum")
        ax_loss.set_yscale("log")
        ax_loss.set_xlabel("step")
        ax_loss.set_ylabel("loss on all the data")
        ax_loss.set_title("loss per step")
        ax_loss.grid(True, alpha=0.3, which="both")
        ax_loss.legend(loc="upper right", fontsize=7)
        self._update()
        self.view = _figure_view(fig)

        for control in (self.lr, self.batch_size, self.momentum, self.steps):
            control.observe(self.log.capture()(lambda change: self.redraw()), names="value")
        self.widget = W.VBox([W.HBox([self.lr, self.batch_size]), W.HBox([self.momentum, self.steps]),
                              self.status, self.view.image, self.log])

    def run(self) -> DescentResult:
        return descent_path(self.x, self.y, self.start, lr=self.lr.value, steps=self.steps.value,
                            batch_size=self.batch_size.value, momentum=self.momentum.value, seed=self.seed)

    def redraw(self) -> None:
        """Rerun the descent with the current controls, update the artists, render the PNG."""
        self._update()
        self.view.redraw()

    def _update(self) -> None:
        self.result = r = self.run()
        self.path_plot.update(r)
        steps = np.arange(r.loss.size)
        self.loss_line.set_data(steps, r.loss)
        self.ax_loss.set_xlim(0, max(self.steps.value, 1))
        top = max(float(r.loss.max()), self.loss_min * 10)
        self.ax_loss.set_ylim(self.loss_min / 1.5, top * 2)
        n = self.x.size
        per_step = self.batch_size.value
        if r.diverged:
            self.message = r.message
            self.status.value = _status(r.message, "error")
        else:
            w, b = r.path[-1]
            dist = float(np.linalg.norm(r.path[-1] - self.path_plot.optimum))
            self.message = (f"after {r.loss.size - 1} steps: w = {w:.3f}, b = {b:.3f}, loss {r.loss[-1]:.4f} "
                            f"(minimum {self.loss_min:.4f}), distance to the minimum {dist:.3g}. Each step reads "
                            f"{per_step} of {n} rows ({(r.loss.size - 1) * per_step / n:.3g} epochs in all).")
            self.status.value = _status(self.message)


# ---------------------------------------------------------------------------------------------
# Chapter 4: finite differences and the computational graph
# ---------------------------------------------------------------------------------------------
def _sig(z):
    return activations.sigmoid(z)


def _sig_prime(z):
    return activations.sigmoid_prime(z)


FD_FUNCTIONS = {
    "sigmoid at z = 1": (_sig, _sig_prime, 1.0),
    "exp at x = 1": (np.exp, np.exp, 1.0),
    "sin at x = 1": (np.sin, np.cos, 1.0),
}


def fd_errors(f, fprime, x0: float, hs) -> tuple[np.ndarray, np.ndarray]:
    r"""|forward - f'(x0)| and |central - f'(x0)| for each step h in hs (float64):
    forward $(f(x+h) - f(x))/h$, central $(f(x+h) - f(x-h))/2h$."""
    hs = np.asarray(hs, dtype=np.float64)
    if hs.ndim != 1 or not np.all(hs > 0):
        raise ValueError("hs must be a 1-D array of step sizes > 0")
    exact = float(fprime(x0))
    fx = float(f(x0))
    forward = np.array([(float(f(x0 + h)) - fx) / h for h in hs])
    central = np.array([(float(f(x0 + h)) - float(f(x0 - h))) / (2 * h) for h in hs])
    return np.abs(forward - exact), np.abs(central - exact)


class FiniteDifferenceExplorer(ShowsWidget):
    """The error of forward and central differences against the step h, on a log-log plot, with the
    current h marked; beside it the function with the two secants and the tangent at x0.

    Controls: `h` (log slider), `function`. State: `forward_error`, `central_error` at the current h,
    `message` (the status line as text).
    """

    HS = np.logspace(-16, 0, 129)

    def __init__(self, h: float = 1e-3, function: str = "sigmoid at z = 1"):
        if function not in FD_FUNCTIONS:
            raise ValueError(f"unknown function {function!r}; choose one of: {', '.join(FD_FUNCTIONS)}")
        self.h = W.FloatLogSlider(value=h, base=10, min=-16, max=0, step=0.25, description="step h",
                                  readout_format=".1e", style={"description_width": "initial"},
                                  layout=W.Layout(width="380px"))
        self.function = W.Dropdown(options=list(FD_FUNCTIONS), value=function, description="function",
                                   layout=W.Layout(width="260px"))
        self.status = W.HTML()
        self.log = W.Output()

        fig, (ax_err, ax_f) = plots.new_figure(ncols=2, size=(4.4, 3.5))
        self.ax_err, self.ax_f = ax_err, ax_f
        (self.forward_line,) = ax_err.loglog([], [], color="C0", lw=1.5, label="forward  (f(x+h) \u2212 f(x)) / h")
        (self.central_line,) = ax_err.loglog([], [], color="C1", lw=1.5, label="central  (f(x+h) \u2212 f(x\u2212h)) / 2h")
        (self.forward_dot,) = ax_err.loglog([], [], "o", color="C0", ms=7, zorder=5)
        (self.central_dot,) = ax_err.loglog([], [], "o", color="C1", ms=7, zorder=5)
        ax_err.set_xlabel("step h")
        ax_err.set_ylabel("|error| of the estimate of f'(x)")
        ax_err.set_title("error against h")
        ax_err.set_xlim(self.HS[0], self.HS[-1])
        ax_err.set_ylim(1e-17, 10)
        self.h_line = ax_err.axvline(h, color="grey", lw=1, ls="--")     # after the limits: no singular xlim
        ax_err.grid(True, alpha=0.3, which="major")
        ax_err.legend(loc="upper center", fontsize=7)
        ax_err.text(1e-15, 3e-16, "round-off\nwins", fontsize=8, color="grey")
        ax_err.text(1e-4, 3e-16, "truncation\nwins", fontsize=8, color="grey")

        (self.f_line,) = ax_f.plot([], [], color="k", lw=1.8, label="f")
        (self.tangent_line,) = ax_f.plot([], [], color="grey", lw=1, ls=":", label="tangent (exact slope)")
        (self.forward_secant,) = ax_f.plot([], [], color="C0", lw=1.3, label="forward secant")
        (self.central_secant,) = ax_f.plot([], [], color="C1", lw=1.3, label="central secant")
        (self.secant_points,) = ax_f.plot([], [], "o", color="k", ms=4)
        ax_f.set_xlabel("x")
        ax_f.set_title("secants for this h")
        ax_f.grid(True, alpha=0.25)
        ax_f.legend(loc="upper left", fontsize=7)
        self._set_function()
        self._update()
        self.view = _figure_view(fig)

        self.function.observe(self.log.capture()(lambda change: self._new_function()), names="value")
        self.h.observe(self.log.capture()(lambda change: self.redraw()), names="value")
        self.widget = W.VBox([W.HBox([self.function, self.h]), self.status, self.view.image, self.log])

    def _new_function(self) -> None:
        self._set_function()
        self.redraw()

    def _set_function(self) -> None:
        f, fprime, x0 = FD_FUNCTIONS[self.function.value]
        self.f, self.fprime, self.x0 = f, fprime, x0
        fwd, cen = fd_errors(f, fprime, x0, self.HS)
        tiny = 1e-17          # an exact hit (error 0) is drawn at the bottom of the plot
        self.forward_line.set_data(self.HS, np.maximum(fwd, tiny))
        self.central_line.set_data(self.HS, np.maximum(cen, tiny))
        xs = np.linspace(x0 - 1.3, x0 + 1.3, 200)
        self.f_line.set_data(xs, f(xs))
        ys = f(xs)
        self.ax_f.set_xlim(xs[0], xs[-1])
        pad = 0.15 * (ys.max() - ys.min())
        self.ax_f.set_ylim(ys.min() - pad, ys.max() + pad)

    def redraw(self) -> None:
        """Recompute the errors at the current h, update the artists, render the PNG."""
        self._update()
        self.view.redraw()

    def _update(self) -> None:
        h, f, x0 = self.h.value, self.f, self.x0
        exact = float(self.fprime(x0))
        fwd, cen = fd_errors(f, self.fprime, x0, [h])
        self.forward_error, self.central_error = float(fwd[0]), float(cen[0])
        tiny = 1e-17
        self.h_line.set_xdata([h, h])
        self.forward_dot.set_data([h], [max(self.forward_error, tiny)])
        self.central_dot.set_data([h], [max(self.central_error, tiny)])
        fx = float(f(x0))
        slope_f = (float(f(x0 + h)) - fx) / h
        slope_c = (float(f(x0 + h)) - float(f(x0 - h))) / (2 * h)
        span = np.array([x0 - 1.2, x0 + 1.2])
        self.tangent_line.set_data(span, fx + exact * (span - x0))
        self.forward_secant.set_data(span, fx + slope_f * (span - x0))
        self.central_secant.set_data(span, float(f(x0 - h)) + slope_c * (span - (x0 - h)))
        self.secant_points.set_data([x0 - h, x0, x0 + h], [float(f(x0 - h)), fx, float(f(x0 + h))])
        self.ax_f.set_title(f"secants for h = {h:.1e}" + (" (= tangent, to the eye)" if h < 1e-3 else ""))
        best = "round-off dominates: h is too small" if h < 1e-8 else (
            "truncation dominates: h is too large" if h > 1e-4 else "near the sweet spot")
        self.message = (f"h = {h:.1e}: exact f'(x0) = {exact:.12f}; forward error {self.forward_error:.2e}, "
                        f"central error {self.central_error:.2e} ({best}).")
        self.status.value = _status(self.message)


class GraphStepper(ShowsWidget):
    """Walk the backward pass of a computational graph one node at a time.

    Controls: `example` ("neuron": one sigmoid neuron with squared error, "square": (x + 1)^2),
    `step` (0 = forward pass only, up to all steps), and Prev / Next buttons. State: `graph`,
    `output`, each node's `.grad` after `step.value` steps, and `message` (the status line as text).
    """

    def __init__(self, example: str = "neuron", step: int | None = None):
        self.example = W.Dropdown(options=[("one neuron, L = \u00bd(a \u2212 t)\u00b2", "neuron"),
                                           ("f = (x + 1)\u00b2", "square")], value=example,
                                  description="graph", layout=W.Layout(width="300px"))
        self.step = W.IntSlider(value=0, min=0, max=1, description="backward step",
                                style={"description_width": "initial"}, layout=W.Layout(width="360px"))
        self.prev_button = W.Button(description="Prev", icon="step-backward", layout=W.Layout(width="80px"))
        self.next_button = W.Button(description="Next", icon="step-forward", layout=W.Layout(width="80px"))
        self.status = W.HTML()
        self.log = W.Output()

        self.fig, (self.ax,) = plots.new_figure(size=(10.0, 5.0))
        self.view = None
        self._loading = False
        self._load(example, step)               # draws the artists; no PNG yet
        self.view = _figure_view(self.fig)       # renders once

        self.example.observe(self.log.capture()(lambda change: self._load(change["new"], None)), names="value")
        self.step.observe(self.log.capture()(lambda change: None if self._loading else self.redraw()), names="value")
        self.prev_button.on_click(self.log.capture()(lambda b: self._move(-1)))
        self.next_button.on_click(self.log.capture()(lambda b: self._move(+1)))
        self.widget = W.VBox([W.HBox([self.example, self.step, self.prev_button, self.next_button]),
                              self.status, self.view.image, self.log])

    def _load(self, name: str, step: int | None) -> None:
        self.graph, self.output = cgraph.example(name)
        self.ax.clear()
        self.plot = cgraph.GraphPlot(self.ax, self.graph, self.output, fontsize=10)
        n = self.plot.n_steps
        self._loading = True              # one redraw below, not one per changed trait
        try:
            self.step.max = n
            self.step.value = n if step is None else int(step)
        finally:
            self._loading = False
        self.redraw()

    def _move(self, delta: int) -> None:
        self.step.value = int(np.clip(self.step.value + delta, 0, self.step.max))

    def redraw(self) -> None:
        k = self.step.value
        self.plot.update(k)
        steps = self.graph.steps(self.output)
        if k == 0:
            text = "Forward pass: every node shows its value. Press Next to start the backward pass."
        elif k == len(steps):
            grads = ", ".join(f"\u2202{self.output}/\u2202{n.name} = {n.grad:.4g}" for n in self.graph.inputs)
            text = f"Backward pass complete ({k} steps): {grads}."
        else:
            text = f"Step {k} of {len(steps)}. " + steps[k - 1].describe()
        self.message = text
        self.status.value = _status(text)
        if self.view is not None:
            self.view.redraw()


__all__ = ["SigmoidExplorer", "DescentExplorer", "DescentPlot", "DescentResult", "FiniteDifferenceExplorer",
           "GraphStepper", "descent_path", "linreg_loss", "linreg_grad", "linreg_loss_grid", "linreg_optimum",
           "linreg_hessian", "scaled_activation", "fd_errors", "FD_FUNCTIONS"]

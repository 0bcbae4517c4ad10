"""Chapter 6's views: logit sliders showing the softmax probabilities, the cross-entropy and its
gradient (right and naive), and a digits classifier trained live.

    from backprop_lib.widgets import SoftmaxView, DigitsView
    sv = SoftmaxView(logits=(2.0, 1.0, 0.1), target=1)
    sv.logits[0].value = 4.0      # every control is an ipywidgets widget: set .value from Python
    sv.p, sv.loss, sv.grad        # the state the figure shows
    dv = DigitsView(hidden=32, lr=0.3)
    dv.step(); dv.history, dv.accuracy("test")

Both render a persistent matplotlib Figure through widgets.FigureView and redraw by updating artists.
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from ._display import ShowsWidget
from . import datasets, plots
from .activations import log_softmax, softmax
from .mlp import MLP
from .train import Trainer


def _status(text: str, color: str = "#333") -> str:
    return f"<div style='color:{color};font-size:13px;max-width:900px'>{html.escape(text)}</div>"


class SoftmaxView(ShowsWidget):
    """K logit sliders; bars of the softmax probabilities p = softmax(z) and of dL/dz for the
    cross-entropy L = -log p_target: the right gradient p - t next to the naive chain rule's
    -t (1 - p) (diagonal of the Jacobian only).

    Controls: .logits (a list of K FloatSliders), .target (ToggleButtons, the true class).
    State: .z, .p, .loss, .grad, .naive_grad; .view (FigureView), .widget.
    """

    def __init__(self, logits=(2.0, 1.0, 0.1), target: int = 0, z_max: float = 8.0, dpi: int = 80):
        logits = [float(v) for v in logits]
        if len(logits) < 2 or not all(np.isfinite(logits)):
            raise ValueError(f"logits must be at least two finite numbers, got {logits!r}")
        if any(abs(v) > z_max for v in logits):
            raise ValueError(f"every logit must lie in [-{z_max:g}, {z_max:g}] (the sliders' range), got {logits}")
        k = len(logits)
        if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not 0 <= target < k:
            raise ValueError(f"target must be a class index from 0 to {k - 1}, got {target!r}")
        self.k = k
        self.log = W.Output()
        self.logits = [W.FloatSlider(value=v, min=-z_max, max=z_max, step=0.1, description=f"z{i + 1}",
                                     readout_format=".1f", continuous_update=True,
                                     layout=W.Layout(width="300px")) for i, v in enumerate(logits)]
        self.target = W.ToggleButtons(options=[(f"class {i + 1}", i) for i in range(k)], value=int(target),
                                      description="true class", style={"button_width": "70px"})
        self.status = W.HTML()

        fig, (ax_p, ax_g) = plots.new_figure(ncols=2, size=(4.0, 3.0), dpi=dpi)
        x = np.arange(k)
        names = [f"{i + 1}" for i in range(k)]
        self.p_bars = ax_p.bar(x, np.zeros(k), color=plots.CLASS_COLORS[0], width=0.6)
        self.p_texts = [ax_p.text(i, 0, "", ha="center", va="bottom", fontsize=9) for i in range(k)]
        ax_p.set_ylim(0, 1.12)
        ax_p.set_xticks(x, names)
        ax_p.set_xlabel("class")
        ax_p.set_ylabel(r"$p_k = \mathrm{softmax}(z)_k$")
        ax_p.axhline(1.0, color="grey", lw=0.5)
        ax_p.grid(True, axis="y", alpha=0.3)
        self.ax_p = ax_p
        w = 0.38
        self.grad_bars = ax_g.bar(x - w / 2, np.zeros(k), width=w, color="#2ca02c", label="right: $p - t$")
        self.naive_bars = ax_g.bar(x + w / 2, np.zeros(k), width=w, color="#bbbbbb", hatch="//",
                                   edgecolor="#777777", label="naive: $-t(1-p)$")
        ax_g.axhline(0, color="black", lw=0.8)
        ax_g.set_ylim(-1.05, 1.45)   # gradients lie in [-1, 1]; the band above holds the legend
        ax_g.set_yticks([-1, -0.5, 0, 0.5, 1])
        ax_g.set_xticks(x, names)
        ax_g.set_xlabel("class")
        ax_g.set_ylabel(r"$\partial L / \partial z_k$")
        ax_g.set_title("the gradient backprop sends down")
        ax_g.legend(loc="upper center", ncol=2, fontsize=8)
        ax_g.grid(True, axis="y", alpha=0.3)
        self.ax_g = ax_g
        from .widgets import FigureView

        self.view = FigureView(fig)
        self.update()
        for s in self.logits:
            s.observe(self.log.capture()(lambda change: self.update()), names="value")
        self.target.observe(self.log.capture()(lambda change: self.update()), names="value")
        self.widget = W.VBox([W.HBox([W.VBox(self.logits), self.target]), self.status, self.view.image, self.log])

    @property
    def z(self) -> np.ndarray:
        """The logits the sliders hold, shape (K,)."""
        return np.array([s.value for s in self.logits], dtype=float)

    def update(self) -> None:
        """Recompute p, the loss and both gradients from the controls and redraw."""
        z, c = self.z, self.target.value
        t = np.eye(self.k)[c]
        self.p = softmax(z)
        self.loss = float(-log_softmax(z)[c])
        self.grad = self.p - t
        self.naive_grad = -t * (1 - self.p)
        for i, (bar, text) in enumerate(zip(self.p_bars, self.p_texts)):
            bar.set_height(self.p[i])
            bar.set_color(plots.CLASS_COLORS[1] if i == c else plots.CLASS_COLORS[0])
            text.set_position((i, self.p[i] + 0.02))
            text.set_text(f"{self.p[i]:.2f}")
        for bar, g in zip(self.grad_bars, self.grad):
            bar.set_height(g)
        for bar, g in zip(self.naive_bars, self.naive_grad):
            bar.set_height(g)
        self.ax_p.set_title(f"softmax (red: true class {c + 1}), loss $-\\log p_{{{c + 1}}}$ = {self.loss:.3f}")
        self.status.value = _status(
            "z = [" + ", ".join(f"{v:.1f}" for v in z) + "]   p = [" + ", ".join(f"{v:.3f}" for v in self.p)
            + f"]   cross-entropy {self.loss:.3f}")
        self.view.redraw()


class DigitsView(ShowsWidget):
    """A softmax classifier for the 8x8 digits, trained live: the train/test loss and a gallery of test
    digits with the network's guess (green right, red wrong) and its probability.

    Controls: .lr (log slider), .hidden (units in the one hidden layer), .play, .step_button,
    .reset_button. Model: .net, .trainer, .history. Moving a slider builds a fresh network (same seed)
    and trains `initial_epochs`.
    """

    def __init__(self, hidden: int = 32, activation: str = "tanh", lr: float = 0.3, batch_size: int = 64,
                 epochs_per_frame: int = 2, initial_epochs: int = 10, test_fraction: float = 0.25,
                 n_gallery: int = 12, seed: int = 0, dpi: int = 80, max_loss: float = 100.0):
        X, y = datasets.digits()
        X_train, X_test, self.y_train, self.y_test = datasets.train_test_split(X, y, test_fraction, seed=seed)
        self.X_train, self.X_test = datasets.standardize(X_train, X_test)
        self.images = X_test[:n_gallery].reshape(-1, 8, 8)
        self.activation, self.batch_size, self.seed = activation, batch_size, seed
        self.epochs_per_frame, self.initial_epochs = epochs_per_frame, initial_epochs
        self.max_loss = max_loss
        self.log = W.Output()
        self.lr = W.FloatLogSlider(value=lr, base=10, min=-3, max=1, step=0.1, description="learning rate",
                                   readout_format=".3g", continuous_update=False,
                                   style={"description_width": "initial"}, layout=W.Layout(width="320px"))
        self.hidden = W.IntSlider(value=hidden, min=2, max=64, step=2, description="hidden units",
                                  continuous_update=False, style={"description_width": "initial"},
                                  layout=W.Layout(width="300px"))
        self.play = W.Play(value=0, min=0, max=10**9, step=1, interval=300, description="Play",
                           show_repeat=False)
        self.step_button = W.Button(description="Step", icon="step-forward", layout=W.Layout(width="90px"))
        self.reset_button = W.Button(description="Reset", icon="undo", layout=W.Layout(width="90px"))
        self.status = W.HTML()

        # one axes for the whole gallery: the digits tiled into one image, a label above each tile
        cols = (n_gallery + 1) // 2
        from matplotlib.figure import Figure

        fig = Figure(figsize=(10, 3.3), dpi=dpi, layout="constrained")
        ax_loss, ax_gal = fig.subplots(1, 2, width_ratios=[4, 5.6])
        self.loss_plot = plots.LossPlot(ax_loss, title="cross-entropy", test=True)
        mosaic = np.full((2 * 11, cols * 10), np.nan)
        self.gallery = []
        for i, img in enumerate(self.images):
            r, c = divmod(i, cols)
            mosaic[r * 11 + 3: r * 11 + 11, c * 10 + 1: c * 10 + 9] = img
            self.gallery.append(ax_gal.text(c * 10 + 5, r * 11 + 2.2, "", ha="center", va="bottom", fontsize=9))
        ax_gal.imshow(mosaic, cmap="gray_r", vmin=0, vmax=16, interpolation="nearest")
        ax_gal.set_xticks([])
        ax_gal.set_yticks([])
        for spine in ax_gal.spines.values():
            spine.set_visible(False)
        ax_gal.set_title("test digits: the network's guess (probability)", fontsize=10)
        from .widgets import FigureView

        self.view = FigureView(fig)
        self._layout_frozen = False
        cap = self.log.capture()
        self.lr.observe(cap(lambda change: self.reset()), names="value")
        self.hidden.observe(cap(lambda change: self.reset()), names="value")
        self.play.observe(cap(lambda change: self.step()), names="value")
        self.step_button.on_click(cap(lambda b: self.step()))
        self.reset_button.on_click(cap(lambda b: self.reset()))
        self.widget = W.VBox([W.HBox([self.lr, self.hidden, self.play, self.step_button, self.reset_button]),
                              self.status, self.view.image, self.log])
        self.reset()

    @property
    def history(self):
        return self.trainer.history

    def reset(self) -> None:
        """A fresh network (same seed) for the current sliders, trained `initial_epochs`, redrawn."""
        self.net = MLP([64, self.hidden.value, 10], activation=self.activation, output="softmax", seed=self.seed)
        self.trainer = Trainer(self.net, self.X_train, self.y_train, loss="cross_entropy", lr=self.lr.value,
                               batch_size=self.batch_size, seed=self.seed, X_val=self.X_test, T_val=self.y_test,
                               warn=False)
        self._run(self.initial_epochs)
        self.redraw()

    def _run(self, epochs: int) -> None:
        """Train; a loss above `max_loss` (chance level is log 10 = 2.3) counts as diverged and stops."""
        h = self.trainer.run(epochs)
        big = np.flatnonzero(h.loss > self.max_loss)
        if big.size and not h.diverged:
            h.diverged, h.diverged_epoch = True, int(big[0]) + 1
            h.message = (f"Training diverged at epoch {big[0] + 1}: the loss reached {h.loss[big[0]]:.3g} "
                         f"(guessing gives 2.3). The learning rate lr={self.lr.value:.3g} is too large; "
                         f"try lr={self.lr.value / 10:.3g}.")

    def step(self) -> None:
        """Train `epochs_per_frame` more epochs and redraw."""
        if self.history.diverged:
            self.play.playing = False
            return
        self._run(self.epochs_per_frame)
        self.redraw()

    def accuracy(self, split: str = "test") -> float:
        X, y = (self.X_test, self.y_test) if split == "test" else (self.X_train, self.y_train)
        with np.errstate(all="ignore"):
            return float(np.mean(self.net.predict(X) == y))

    def redraw(self) -> None:
        h = self.history
        with np.errstate(all="ignore"):   # huge losses of a diverged run: keep the log axis drawable
            self.loss_plot.update(np.minimum(h.loss, 1e6), np.minimum(h.val_loss, 1e6))
        if h.diverged:
            self.play.playing = False
            self.status.value = _status(h.message, "#b00020")
        else:
            with np.errstate(all="ignore"):
                p = self.net.forward(self.X_test[: len(self.images)])
            for title, probs, label in zip(self.gallery, p, self.y_test):
                guess = int(np.argmax(probs))
                title.set_text(f"{guess}  ({probs[guess]:.0%})")
                title.set_color("#1b5e20" if guess == label else "#b00020")
            self.status.value = _status(
                f"epoch {h.epochs}: loss train {h.loss[-1]:.3f}, test {h.val_loss[-1]:.3f}; accuracy "
                f"train {self.accuracy('train'):.1%}, test {self.accuracy('test'):.1%} "
                f"(64-{self.hidden.value}-10 network, {self.activation} hidden layer, softmax output)")
        self.view.redraw()
        if not self._layout_frozen:   # solve the layout once, with real tick labels: it is costly
            self.view.fig.set_layout_engine("none")
            self._layout_frozen = True

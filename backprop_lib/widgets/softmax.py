"""Chapter 6's logit view: sliders on the logits showing the softmax probabilities, the cross-entropy
and its gradient (right and naive).

    from backprop_lib.widgets import SoftmaxView
    sv = SoftmaxView(logits=(2.0, 1.0, 0.1), target=1)
    sv.logits[0].value = 4.0      # every control is an ipywidgets widget: set .value from Python
    sv.p, sv.loss, sv.grad        # the state the figure shows
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from .. import plots
from .._validate import whole_number
from ..activations import log_softmax, softmax
from .base import FigureView, ShowsWidget, status_html


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
        target = whole_number(target, "target (a class index)", minimum=0, maximum=k - 1)
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
        self.zero_line = ax_g.axhline(0, color="black", lw=0.8)
        ax_g.set_ylim(-1.05, 1.45)   # gradients lie in [-1, 1]; the band above holds the legend
        ax_g.set_yticks([-1, -0.5, 0, 0.5, 1])
        ax_g.set_xticks(x, names)
        ax_g.set_xlabel("class")
        ax_g.set_ylabel(r"$\partial L / \partial z_k$")
        ax_g.set_title("the gradient backprop sends down")
        ax_g.legend(loc="upper center", ncol=2, fontsize=8)
        ax_g.grid(True, axis="y", alpha=0.3)
        self.ax_g = ax_g
        self.view = None
        self.update()
        self.view = FigureView(fig)
        for s in self.logits:
            s.observe(self.log.capture()(lambda change: self.update()), names="value")
        self.target.observe(self.log.capture()(lambda change: self.update()), names="value")
        self.widget = W.VBox([W.HBox([W.VBox(self.logits), self.target]), self.status, self.view.image, self.log])
        self.view.track(self, [*self.logits, self.target], self.update)

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
        self.status.value = status_html(
            "z = [" + ", ".join(f"{v:.1f}" for v in z) + "]   p = [" + ", ".join(f"{v:.3f}" for v in self.p)
            + f"]   cross-entropy {self.loss:.3f}")
        # the bars, their labels and the title change; the axes are a cached background
        dynamic = [*self.p_bars, *self.p_texts, *self.grad_bars, *self.naive_bars, self.zero_line, self.ax_p.title]
        if self.view is not None:
            self.view.redraw(dynamic=dynamic, key="axes")

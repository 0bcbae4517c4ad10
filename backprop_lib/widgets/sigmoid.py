"""Chapter 2's view: a point moving along a = f(kz) with its tangent line, and the slope beside it."""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from .. import plots
from ..activations import get as get_activation, scaled_activation
from .base import FigureView, ShowsWidget, status_html


class SigmoidExplorer(ShowsWidget):
    """A point moving along $a = f(kz)$ with its tangent line, and the slope $f'$ beside it.

    Controls: `z` (where), `steepness` (k), `activation` ("sigmoid", "tanh", "relu").
    State: `value` = f(kz), `slope` = d/dz f(kz) at the current z, `message` (the status line as text).
    """

    Z_RANGE = (-8.0, 8.0)

    def __init__(self, z: float = 1.0, steepness: float = 1.0, activation: str = "sigmoid"):
        get_activation(activation, valid=("sigmoid", "tanh", "relu"))
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
        self.view = FigureView(fig)          # renders once
        self.view.track(self, [self.z, self.steepness, self.activation], self.redraw)

        for control in (self.z, self.steepness, self.activation):
            control.observe(self.log.capture()(lambda change: self.redraw()), names="value")
        self.widget = W.VBox([W.HBox([self.activation]), W.HBox([self.z, self.steepness]), self.status,
                              self.view.image, self.log])

    def redraw(self) -> None:
        """Update the artists and the status from the controls, then render the PNG (only the curves
        and the point are redrawn while the activation and k, which set the axes and titles, stay)."""
        self._update()
        dynamic = [self.curve, self.tangent, self.point, self.d_curve, self.d_point, self.d_max, self.d_max_label]
        self.view.redraw(dynamic=dynamic, key=(self.activation.value, self.steepness.value))

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
        self.status.value = status_html(text)

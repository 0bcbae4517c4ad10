"""Chapter 10's view: a point on a loss surface, its gradient, the curvature along a direction, and the
Newton step against the gradient step, under sliders for the point, the direction and the learning rate."""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from .. import plots
from ..curvature import SurfacePoint, surface_point
from ..plots import SurfacePlot
from .base import FigureView, ShowsWidget, status_html


class CurvatureExplorer(ShowsWidget):
    """The loss of a = w2 tanh(w1 x) on data (x, t): move the point, turn the direction, set the learning rate.

    Controls: `w1`, `w2` (the point), `angle` (the direction d, degrees), `lr` (log slider). State: `point`
    (a SurfacePoint), its `grad`, `hessian`, `newton_step`, and `message` (the status line as text).
    """

    def __init__(self, x, t, w=(0.8, 1.2), angle: float = 30.0, lr: float = 0.5):
        self.x, self.t = np.asarray(x, dtype=float).ravel(), np.asarray(t, dtype=float).ravel()
        if self.x.shape != self.t.shape or self.x.size == 0:
            raise ValueError(f"x and t must be 1-D arrays of the same length, got {self.x.shape} and {self.t.shape}")
        if not (np.isfinite(self.x).all() and np.isfinite(self.t).all()):
            raise ValueError("x and t must be finite numbers")
        slider = dict(continuous_update=False, style={"description_width": "initial"}, layout=W.Layout(width="300px"))
        self.w1 = W.FloatSlider(value=w[0], min=-2.0, max=2.0, step=0.05, description="w1", readout_format=".2f", **slider)
        self.w2 = W.FloatSlider(value=w[1], min=-2.5, max=2.5, step=0.05, description="w2", readout_format=".2f", **slider)
        self.angle = W.FloatSlider(value=angle, min=0.0, max=180.0, step=5.0, description="direction (degrees)",
                                   readout_format=".0f", **slider)
        self.lr = W.FloatLogSlider(value=lr, base=10, min=-2, max=1, step=0.05, description="learning rate",
                                   readout_format=".3g", **slider)
        self.status = W.HTML()
        self.log = W.Output()

        fig, (ax_surface, ax_slice) = plots.new_figure(ncols=2, size=(4.3, 3.8))
        self.plot = SurfacePlot(ax_surface, ax_slice, self.x, self.t)
        self._update()
        self.view = FigureView(fig)
        fig.set_layout_engine("none")       # keep the first draw's layout: later full redraws skip the solver
        for control in (self.w1, self.w2, self.angle, self.lr):
            control.observe(self.log.capture()(lambda change: self.redraw()), names="value")
        self.widget = W.VBox([W.HBox([self.w1, self.w2]), W.HBox([self.angle, self.lr]), self.status,
                              self.view.image, self.log])
        self.view.track(self, [self.w1, self.w2, self.angle, self.lr], self.redraw)

    # -- what the view shows ---------------------------------------------------------------------
    @property
    def grad(self) -> np.ndarray:
        return self.point.grad

    @property
    def hessian(self) -> np.ndarray:
        return self.point.hessian

    @property
    def newton_step(self) -> np.ndarray | None:
        return self.point.newton_step

    def redraw(self) -> None:
        """Recompute at the sliders' values, move the artists, render the PNG."""
        self._update()
        self.view.redraw(dynamic=self.plot.dynamic, key=self.plot.ylim)

    def _update(self) -> None:
        self.point = p = surface_point((self.w1.value, self.w2.value), self.angle.value, self.lr.value, self.x, self.t)
        self.plot.update(p)
        self.message = self._describe(p)
        kind = "error" if (p.eigenvalues[0] < 0 or p.lr > p.lr_limit) else "info"
        self.status.value = status_html(self.message, kind)

    @staticmethod
    def _describe(p: SurfacePoint) -> str:
        lam_min, lam_max = p.eigenvalues
        text = (f"at w = ({p.w[0]:.2f}, {p.w[1]:.2f}): loss {p.loss:.4f}, gradient ({p.grad[0]:.3f}, {p.grad[1]:.3f}); "
                f"curvature along d: {p.curvature:.3f} (eigenvalues of H: {lam_min:.3f}, {lam_max:.3f}). ")
        if lam_max > 0:
            text += f"2/lambda_max = {p.lr_limit:.3g}: the learning rate {p.lr:.3g} is "
            text += "above it (overshoots this valley). " if p.lr > p.lr_limit else "below it. "
        if p.newton_step is None:
            text += "H is singular: no Newton step."
        else:
            text += f"Newton step ({p.newton_step[0]:.3f}, {p.newton_step[1]:.3f})"
            text += (": H has a negative eigenvalue, so it heads for the flat point of the quadratic model, "
                     "which is a saddle, not a minimum." if lam_min < 0 else ".")
        return text

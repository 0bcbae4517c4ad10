"""Chapter 6's live comparison: one sigmoid neuron started confidently wrong, trained with the squared
error and with the cross-entropy side by side.

    from backprop_lib.widgets import LossRaceView
    view = LossRaceView(scale=3.0, lr=1.0, initial_epochs=100)
    view.scale.value = 4.0       # every control is an ipywidgets widget: set .value from Python
    view.race                    # the saturation.LossRace being trained (nets, histories, accuracies)
"""
from __future__ import annotations

import ipywidgets as W

from .._validate import whole_number
from ..plots.loss_race import LossRacePlot
from ..saturation import LOSS_NAMES, LossRace
from .base import FigureView, ShowsWidget, TrainingControls, epochs_at_once, epochs_this_frame, locked


class LossRaceView(ShowsWidget):
    """Controls: .scale (how wrong the start is: |z| is about 2 x scale), .lr (log slider), and
    .controls (Play / Step / Reset; Play and Step train `epochs_per_step` epochs). Changing a slider
    starts both runs again from the new saturated start and trains `initial_epochs`: at once as many
    as fit in `initial_budget` seconds on the course's reference machine (a fixed count,
    `EPOCH_COST` each, so the picture depends only on the sliders and the page is sent it ahead, see
    widgets/frames.py), the rest under Play, which the change starts. State: .race, .view
    (FigureView), .message."""

    EPOCH_COST = 4e-4   # seconds one epoch of both runs takes on the reference machine (measured)

    def __init__(self, scale: float = 3.0, lr: float = 1.0, initial_epochs: int = 0, epochs_per_step: int = 5,
                 dpi: int = 80, initial_budget: float | None = 0.01):
        self.initial_budget = initial_budget
        self._catch_up = None     # epoch count a change's first run still has to reach under Play, or None
        self.epochs_per_step = whole_number(epochs_per_step, "epochs_per_step", minimum=1)
        self.initial_epochs = whole_number(initial_epochs, "initial_epochs", minimum=0)
        self.race = LossRace(scale, lr)     # validates scale and lr
        self.scale = W.FloatSlider(value=self.race.scale, min=0.5, max=6.0, step=0.5, description="how wrong",
                                   readout_format=".1f", continuous_update=False,
                                   layout=W.Layout(width="300px"))
        self.lr = W.FloatLogSlider(value=self.race.lr, base=10, min=-2, max=1, step=0.25, description="lr",
                                   readout_format=".2g", continuous_update=False, layout=W.Layout(width="300px"))
        self.controls = TrainingControls(self.step, self.reset)
        self.plot = LossRacePlot(dpi=dpi)
        if self.initial_epochs:
            self.race.run(self.initial_epochs)
        self.plot.update(self.race)
        self.view = FigureView(self.plot.fig)       # draws the figure once, with the trained state
        self.plot.fig.set_layout_engine("none")   # keep that layout: later frames skip the layout pass
        self._show_status()
        for slider in (self.scale, self.lr):
            slider.observe(self.controls.capture(lambda change: self.restart()), names="value")
        self.widget = W.VBox([W.HBox([self.scale, self.lr]), self.controls.box, self.controls.status,
                              self.view.image, self.controls.log])
        self.view.track(self, [self.scale, self.lr], self.restart, training=self.controls, restarts=True)
        self.view.steps_ahead(self, self.controls)     # Step and Play show a Step trained while idle

    @locked
    def step(self) -> None:
        """Train both runs `epochs_per_step` more epochs (while a change's first run catches up, at most
        up to its last epoch, where Play pauses) and redraw."""
        self.race.run(epochs_this_frame(self.epochs_per_step, self.race.epochs, self._catch_up))
        if self._catch_up is not None and self.race.epochs >= self._catch_up:
            self._catch_up = None
            self.controls.stop()
        self.view.progress()
        self._redraw()

    @locked
    def restart(self) -> None:
        """New slider settings: both runs from the new start, trained `initial_epochs` (at least one
        frame). What fits in `initial_budget` seconds (by `EPOCH_COST`) trains at once, so the picture
        shows what the setting does; Play, started by the change, trains the rest and pauses there."""
        self.race = LossRace(self.scale.value, self.lr.value)
        target = max(self.initial_epochs, self.epochs_per_step)
        now = epochs_at_once(target, self.initial_budget, self.EPOCH_COST)
        self._catch_up = None
        while self.race.epochs < now:
            self.race.run(min(self.epochs_per_step, now - self.race.epochs))
        if self.race.epochs < target:
            self._catch_up = target
            self.controls.play.playing = True
        self._redraw()

    @locked
    def reset(self) -> None:
        """Both runs back to the saturated start given by the sliders."""
        self.controls.stop()
        self._catch_up = None
        self.race = LossRace(self.scale.value, self.lr.value)
        self.view.progress()
        self._redraw()

    def _redraw(self) -> None:
        # while a first run catches up, the axes already span it: the cached background stays valid
        self.plot.update(self.race, min_epochs=self._catch_up or 0)
        self._show_status()
        self.view.redraw(dynamic=self.plot.dynamic, key=self.plot.limits)

    def _show_status(self) -> None:
        race = self.race
        parts = []
        for loss in race.LOSSES:
            h = race.history(loss)
            if h.diverged:
                parts.append(f"{LOSS_NAMES[loss]}: {h.message}")
                continue
            reached = race.epochs_to(loss)
            when = f"90% right after {reached} epochs" if reached else "not yet 90% right"
            parts.append(f"{LOSS_NAMES[loss]}: accuracy {race.accuracy(loss):.0%}, {when}, "
                         f"mean |delta| {race.mean_abs_delta(loss):.2g}")
        self.message = f"epoch {race.epochs}.  " + ";  ".join(parts)
        if self._catch_up is not None:
            self.message += (f".  New setting: epoch {race.epochs} of its first {self._catch_up}, which Play is "
                             "training now (it pauses at the end)")
        kind = "error" if any(race.history(l).diverged for l in race.LOSSES) else "info"
        self.controls.show_epoch(race.epochs)
        self.controls.show_status(self.message, kind)

"""The training playground: a small TensorFlow-Playground-like widget, plus what that one lacks, the
norm of every layer's gradient while the network trains (the vanishing-gradient view).

    from backprop_lib.widgets import Playground
    pg = Playground(dataset="spirals", classes=3, depth=3, width=16, activation="relu", lr=0.3, seed=0)
    pg                         # in a notebook cell: displays the widget (already trained a little)
    pg.depth.value = 6         # every control is an ipywidgets widget: set .value from Python
    pg.step()                  # train one frame and redraw
    pg.net, pg.history.grad_norms

Controls: data set (xor, circles, moons, spirals, Gaussian blobs), classes (spirals and blobs),
noise, test fraction, activation, initialisation, depth (hidden layers), width (units per hidden
layer), learning rate (log scale), batch size; Play / Pause, Step, Reset and an epoch counter.

* Two classes: one sigmoid output unit; three or more: a softmax over `classes` outputs. The loss
  is the cross-entropy, or with loss="mse" the squared error (chapter 5); the loss panel's title
  names it.
* The constructor trains exactly `initial_epochs` epochs, so a notebook run headless shows (the same)
  trained state every time. A structural change (data set, classes, noise, test fraction,
  activation, initialisation, depth, width) builds a new network and trains a short initial run
  again, so the picture at once shows what the setting does; a learning-rate or batch-size change
  restarts from the same initial weights. To answer at once, only part of the `initial_epochs` trains
  during the change: as many epochs as a fixed cost model (`epoch_cost`: the number of updates and of
  multiply-adds an epoch takes) says fit in `initial_budget` seconds on the course's reference machine
  (0.01, at least one epoch). A count, not a stopwatch: the picture a change gives depends only on the
  controls, on any machine, so the page can be sent it before the student asks (widgets/frames.py).
  Play, which the change starts, trains the rest of the `initial_epochs` and pauses there, and the
  status line says so meanwhile (`finish_first_run()` does it at once, for code). Pass
  initial_budget=None for exactly `initial_epochs` during the change. Reset goes back to the initial
  weights at epoch 0; Play trains from there.
* Play is driven by the ticks of an ipywidgets.Play: the kernel is free between frames, so the
  sliders keep working while the network trains. A frame (Play tick, Step, `.step()`) trains
  `epochs_per_frame` epochs, or fewer if they take longer than `frame_budget` seconds (at least one).
* If the loss becomes NaN/inf, or grows to `blowup` times its value before training, training stops,
  Play is paused and the status line explains that the learning rate is too large; the decision
  boundary of the wrecked weights is not drawn.

The figure is one persistent matplotlib Figure: the plots module's BoundaryPlot, LossPlot and
GradNormPlot, updated in place and shown through a FigureView. Between frames only the curves and the
heat map are redrawn over a cached background; the axes limits move in 1-2-5 steps (and a rebuild
keeps them if the new curves fit), so the expensive axes, ticks and labels are redrawn only when a
limit changes. Callbacks hold the controls' lock: JupyterLab may deliver widget messages to a kernel
subshell, i.e. another thread.

Import it from backprop_lib.widgets.
"""
from __future__ import annotations

import math
import time

import ipywidgets as W
import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.lines import Line2D

from .. import datasets, plots
from .._validate import one_of, real_number, whole_number
from ..layers import INITS
from ..mlp import MLP
from ..train import Trainer
from ..plots.fast import HeatMap, log_ticks, nice_ceil, nice_floor, positive_finite, set_ticks
from .base import FigureView, ShowsWidget, TrainingControls, epochs_at_once, epochs_this_frame, locked

LOSS_TITLES = {"cross_entropy": "cross-entropy", "mse": "squared error"}

DATASETS = {"xor": "XOR", "circles": "circles", "moons": "moons", "spirals": "spirals",
            "blobs": "Gaussian blobs"}
MULTICLASS = ("spirals", "blobs")    # the data sets whose number of classes the classes control sets
NOISE_SCALE = {"blobs": 5.0}         # blobs' noise is a standard deviation around centres 2 apart
ACTIVATIONS = ("tanh", "relu", "sigmoid")
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, "all")   # "all": the whole training set (full-batch descent)
MAX_DEPTH, MAX_WIDTH, MAX_CLASSES = 10, 32, 6
LR_RANGE = (-3.0, 1.5)               # the learning-rate slider's range, as powers of ten


class Playground(ShowsWidget):
    """Train a multi-layer perceptron on a 2-D toy data set and watch the decision boundary, the
    train/test loss and every layer's gradient norm change live (see the module docstring).

    Playground(dataset="circles", depth=2, width=8, activation="tanh", lr=1.0, seed=0, ...) with
      dataset: "xor", "circles", "moons", "spirals", "blobs";  classes: 2..6 (spirals, blobs only;
      default 3 for spirals, else 2);  noise: 0..0.5 (blobs: 5 x this is the spread);
      test_fraction: 0.1..0.9;  n: number of points;  activation: "tanh", "relu", "sigmoid";
      init: "auto", "xavier", "he", "naive";  depth: 0..10 hidden layers;  width: 1..32 units each;
      lr: 1e-3..31.6;  batch_size: 1, 2, 4, ..., 64 or "all" (or None: every training point);
      epochs_per_frame, frame_budget (seconds, None: no limit): what one frame trains;
      initial_epochs, initial_budget: the short run after every change;
      blowup: the loss growth (x the untrained loss) that counts as diverged;
      resolution: the decision-boundary grid;  dpi, interval (ms between Play ticks).

    Attributes: the controls .dataset, .classes, .noise, .test_fraction, .activation, .init, .depth,
    .width, .lr, .batch_size (ipywidgets: set .value), .play (ipywidgets.Play), .step_button,
    .reset_button, .epoch_label, .status, .log; the model .net, .trainer, .history; the data
    .X_train, .y_train, .X_test, .y_test; the views .view (FigureView), .boundary_plot, .loss_plot,
    .grad_plot; .widget (the whole thing as one ipywidgets box).
    """

    def __init__(self, dataset: str = "circles", depth: int = 2, width: int = 8, activation: str = "tanh",
                 lr: float = 1.0, seed: int = 0, *, noise: float = 0.1, classes: int | None = None,
                 test_fraction: float = 0.3, batch_size: int | None = None, init: str = "auto", n: int = 200,
                 epochs_per_frame: int = 10, frame_budget: float | None = 0.015, initial_epochs: int = 50,
                 initial_budget: float | None = 0.01, blowup: float = 20.0, resolution: int = 50,
                 dpi: int = 72, interval: int = 150, loss: str = "cross_entropy"):
        one_of("dataset", dataset, tuple(DATASETS))
        if classes is None:
            classes = 3 if dataset == "spirals" else 2
        classes = whole_number(classes, "classes", minimum=2, maximum=MAX_CLASSES)
        depth = whole_number(depth, "depth", minimum=0, maximum=MAX_DEPTH)
        width = whole_number(width, "width", minimum=1, maximum=MAX_WIDTH)
        one_of("activation", activation, ACTIVATIONS)
        one_of("init", init, INITS)
        real_number(lr, "lr", low=10 ** LR_RANGE[0], high=10 ** LR_RANGE[1])
        batch_size = one_of("batch_size", "all" if batch_size is None else batch_size, BATCH_SIZES)
        noise = real_number(noise, "noise", low=0.0, high=0.5)
        test_fraction = real_number(test_fraction, "test_fraction", low=0.1, high=0.9)
        self.n = whole_number(n, "n", minimum=20, maximum=100_000)
        self.seed = seed
        self.epochs_per_frame = whole_number(epochs_per_frame, "epochs_per_frame", minimum=1, maximum=10**6)
        self.initial_epochs = whole_number(initial_epochs, "initial_epochs", minimum=0, maximum=10**6)
        self.frame_budget, self.initial_budget = frame_budget, initial_budget
        self.blowup = real_number(blowup, "blowup", low=1.0, high=math.inf)
        self.loss_name = one_of("loss", loss, tuple(LOSS_TITLES))
        self.resolution = whole_number(resolution, "resolution", minimum=10, maximum=400)
        dpi, interval = whole_number(dpi, "dpi", minimum=20, maximum=300), whole_number(interval, "interval", minimum=10, maximum=60_000)

        # -- controls -------------------------------------------------------------------------------
        style = {"description_width": "initial"}
        slider = dict(continuous_update=False, style=style, layout=W.Layout(width="230px"))
        pick = dict(style=style, layout=W.Layout(width="190px"))
        self.dataset = W.Dropdown(options=[(label, key) for key, label in DATASETS.items()], value=dataset,
                                  description="data set", **pick)
        self.classes = W.IntSlider(value=classes, min=2, max=MAX_CLASSES, description="classes",
                                   disabled=dataset not in MULTICLASS, **slider)
        self.noise = W.FloatSlider(value=noise, min=0.0, max=0.5, step=0.01, description="noise", **slider)
        self.test_fraction = W.FloatSlider(value=test_fraction, min=0.1, max=0.9, step=0.05,
                                           description="test fraction", readout_format=".0%", **slider)
        self.activation = W.Dropdown(options=list(ACTIVATIONS), value=activation, description="activation",
                                     **pick)
        self.init = W.Dropdown(options=list(INITS), value=init, description="init", **pick)
        self.depth = W.IntSlider(value=depth, min=0, max=MAX_DEPTH, description="hidden layers", **slider)
        self.width = W.IntSlider(value=width, min=1, max=MAX_WIDTH, description="width", **slider)
        self.lr = W.FloatLogSlider(value=lr, base=10, min=LR_RANGE[0], max=LR_RANGE[1], step=0.1,
                                   description="learning rate", readout_format=".3g", **slider)
        self.batch_size = W.SelectionSlider(options=list(BATCH_SIZES),
                                            value=batch_size, description="batch size", **slider)

        self.controls = c = TrainingControls(self.step, self.reset, interval=interval)
        self.play, self.step_button, self.reset_button = c.play, c.step_button, c.reset_button
        self.epoch_label, self.status, self.log = c.epoch_label, c.status, c.log

        # -- figure: decision boundary | loss | gradient norm per layer -------------------------------
        fig, (self._ax_boundary, ax_loss, ax_grad) = plots.new_figure(ncols=3, size=(3.3, 2.9), dpi=dpi)
        self.fig = fig
        self.loss_plot = plots.LossPlot(ax_loss, title=f"loss ({LOSS_TITLES[self.loss_name]})", test=True)
        self.grad_plot = plots.GradNormPlot(ax_grad, title="gradient norm per layer")
        self._make_grad_lines()
        self._limits = {}
        self._catch_up = None   # epoch count a change's first run still has to reach under Play, or None
        self._version = 0    # bumped whenever the cached background of the figure becomes stale
        self._make_data()
        self._make_boundary()
        self._new_network(train=False)
        self._train(self.initial_epochs, None)   # the first run is never cut short: reproducible headless
        self._update_artists()
        self._freeze_layout()
        # a background per combination of axis limits the settings around the current one give: the
        # pictures rendered ahead mostly find theirs (one is 0.6 MB)
        self.view = FigureView(fig, backgrounds=24)
        self.redraw()

        # -- wiring: every callback's errors show up in the log Output ------------------------------
        for control in (self.dataset, self.classes, self.noise, self.test_fraction):
            control.observe(c.capture(self._on_data_change), names="value")
        for control in (self.activation, self.init, self.depth, self.width):
            control.observe(c.capture(self._on_net_change), names="value")
        for control in (self.lr, self.batch_size):
            control.observe(c.capture(lambda change: self.restart()), names="value")
        self.widget = W.VBox([
            W.HBox([self.dataset, self.classes, self.noise, self.test_fraction]),
            W.HBox([self.activation, self.init, self.depth, self.width]),
            W.HBox([self.lr, self.batch_size, c.box]),
            self.status, self.view.image, self.log])
        # every control restarts training from seeded weights: the page is sent the pictures of the
        # settings around the current one before the student moves there (widgets/frames.py)
        data = (self.dataset, self.classes, self.noise, self.test_fraction)
        net = (self.activation, self.init, self.depth, self.width)
        what_a_change_does = {control: (lambda control=control: self._on_data_change({"owner": control}))
                              for control in data}
        what_a_change_does.update({control: (lambda: self._on_net_change(None)) for control in net})
        what_a_change_does.update({control: self.restart for control in (self.lr, self.batch_size)})
        self.view.track(self, list(what_a_change_does), what_a_change_does, training=c, restarts=True,
                        restore=self._restore_points)
        self.view.steps_ahead(self, self.controls)     # Step and Play show a Step trained while idle

    # -- data and network ------------------------------------------------------------------------------
    @property
    def n_classes(self) -> int:
        return self.classes.value if self.dataset.value in MULTICLASS else 2

    def _make_data(self) -> None:
        name = self.dataset.value
        noise = self.noise.value * NOISE_SCALE.get(name, 1.0)
        X, y = datasets.load(name, n=self.n, noise=noise, seed=self.seed, classes=self.n_classes)
        self.X, self.y = X, y
        self.X_train, self.X_test, self.y_train, self.y_test = datasets.train_test_split(
            X, y, test_fraction=self.test_fraction.value, seed=self.seed)

    def _make_boundary(self) -> None:
        """(Re)build the decision-boundary axes for the current data: heat map, train and test points.
        With the same number of classes the artists are kept and only moved (the cached background,
        which holds the axes' frame and title, stays valid)."""
        bp = getattr(self, "boundary_plot", None)
        if bp is not None:
            bp.shows = self.X       # which data the artists show (see _restore_points)
            k = max(int(self.y.max()) + 1, 2)
            if k != bp.n_classes:    # the title names the classes: part of the background's key below
                bp.set_classes(k)
                bp.ax.set_title(f"decision boundary ({self.n_classes} classes)")
            bp.reframe(self.X)
            bp.set_points(self.X_train, self.y_train)
            self.test_points.set_offsets(self.X_test)
            self.test_points.set_facecolors(bp._rgb[self.y_test % len(bp._rgb)])
            return
        ax = self._ax_boundary
        ax.clear()
        bp = plots.BoundaryPlot(ax, self.X, self.y, resolution=self.resolution,
                                title=f"decision boundary ({self.n_classes} classes)")
        bp.set_points(self.X_train, self.y_train)
        self.test_points = ax.scatter(self.X_test[:, 0], self.X_test[:, 1], s=14, zorder=2,
                                      c=np.array(plots.CLASS_COLORS)[self.y_test % len(plots.CLASS_COLORS)], edgecolors="black",
                                      linewidths=0.7)
        ax.set_xlabel("edge: white = train, black = test", fontsize=8)
        self.diverged_text = ax.text(0.5, 0.5, "training diverged:\nsee the message above",
                                     transform=ax.transAxes, ha="center", va="center", fontsize=10,
                                     color="#b00020", zorder=5, visible=False,
                                     bbox=dict(boxstyle="round", facecolor="white", alpha=0.9,
                                               edgecolor="#b00020"))
        bp.shows = self.X
        bp.image.set_visible(False)            # drawn by the cheaper _HeatMap instead
        self.heatmap = HeatMap(bp.image, ax)
        ax.add_artist(self.heatmap)
        self.boundary_plot = bp
        self._version += 1

    def _restore_points(self) -> None:
        """After a picture was rendered ahead for other data (widgets/frames.py), the points and the
        axes show that data: show this data again."""
        if self.boundary_plot.shows is not self.X:
            self._make_boundary()

    def sizes(self) -> list[int]:
        """The network's layer sizes for the current controls: [2, width x depth, outputs]."""
        k = self.n_classes
        return [2] + [self.width.value] * self.depth.value + [1 if k == 2 else k]

    @property
    def batch_size_value(self) -> int | None:
        """The batch size the trainer uses (None: full batch)."""
        return None if self.batch_size.value == "all" else self.batch_size.value

    def _new_network(self, train: bool) -> None:
        """A network from the controls, always with the same initial weights for the same settings."""
        k = self.n_classes
        self.net = MLP(self.sizes(), activation=self.activation.value, output="sigmoid" if k == 2 else "softmax",
                       init=self.init.value, seed=self.seed)
        self.trainer = Trainer(self.net, self.X_train, self.y_train, loss=self.loss_name, lr=self.lr.value,
                               batch_size=self.batch_size_value, seed=self.seed, X_val=self.X_test,
                               T_val=self.y_test, warn=False, blowup=self.blowup)
        if train:
            self._train(self.initial_epochs, self.initial_budget)

    @property
    def history(self):
        """The current run's History (loss, val_loss = test loss, grad_norms, diverged, message)."""
        return self.trainer.history

    # -- training ------------------------------------------------------------------------------------
    def epoch_cost(self) -> float:
        """What one epoch of the current network costs on the course's reference machine, in seconds,
        as a fixed model (measured there: about 0.1 ms per update plus 0.045 ms per layer, plus 3 ns per
        sample and weight): the same number on every machine."""
        n, batch = len(self.X_train), self.batch_size_value
        updates = 1 if batch is None else -(-n // batch)
        return updates * (8e-5 + 4.5e-5 * len(self.net.layers)) + 3e-9 * n * self.net.n_params

    def _epochs_now(self, epochs: int) -> int:
        """How many of a change's first `epochs` train during the change (see the module docstring)."""
        return epochs_at_once(epochs, self.initial_budget, self.epoch_cost())

    def _train(self, epochs: int, budget: float | None) -> int:
        """Train up to `epochs` epochs, one at a time, stopping early after `budget` seconds (at least
        one epoch) or as soon as training diverges; return how many epochs ran."""
        start, done, run = time.perf_counter(), 0, self.trainer.run
        while done < epochs and not self.history.diverged:
            if done and budget is not None and time.perf_counter() - start >= budget:
                break
            run(1)
            done += 1
        return done

    @locked
    def step(self) -> None:
        """Train one frame (`epochs_per_frame` epochs, or fewer if over `frame_budget`) and redraw.
        While a change's first run is still catching up, a frame stops at its last epoch (and Play,
        which the change started, pauses there)."""
        if not self.history.diverged:
            self._train(epochs_this_frame(self.epochs_per_frame, self.history.epochs, self._catch_up),
                        self.frame_budget)
        if self._catch_up is not None and (self.history.epochs >= self._catch_up or self.history.diverged):
            self._catch_up = None
            self.controls.stop()
        self.view.progress()
        self.redraw()

    def _first_run(self, epochs: int) -> None:
        """A change's first run: `epochs` epochs, of which only `_epochs_now(epochs)` run now, so the
        picture answers at once; the rest continues under Play, which starts by itself (and pauses
        when the run is complete) — the status line says so."""
        self._catch_up = None
        # the axes start afresh: a change's picture depends on the controls only, not on the limits
        # that earlier runs left (then the page can be sent it ahead); within a run they stick
        self._limits = {}
        done = self._train(self._epochs_now(epochs), None)
        if done < epochs and not self.history.diverged:
            self._catch_up = epochs
            self.controls.play.playing = True

    @locked
    def restart(self, epochs: int | None = None) -> None:
        """Back to the initial weights (new learning rate / batch size), train `epochs` (default
        `initial_epochs`; see `_first_run`), redraw."""
        self._new_network(train=False)
        self._first_run(self.initial_epochs if epochs is None else epochs)
        self.redraw()

    @locked
    def reset(self) -> None:
        """Back to the initial weights at epoch 0 (what the Reset button does); Play trains from there."""
        self.controls.stop()
        self.view.progress()
        self.restart(0)

    @locked
    def finish_first_run(self) -> None:
        """Train at once what is left of a change's first run (what Play does frame by frame after a
        change); for code, where no Play ticks arrive."""
        if self._catch_up is not None:
            self._train(self._catch_up - self.history.epochs, None)
            self._catch_up = None
            self.controls.stop()
            self.view.progress()
            self.redraw()

    @locked
    def _on_net_change(self, change) -> None:
        self._new_network(train=False)
        self._first_run(self.initial_epochs)
        self.redraw()

    @locked
    def _on_data_change(self, change) -> None:
        self.classes.disabled = self.dataset.value not in MULTICLASS
        if change["owner"] is self.classes and self.dataset.value not in MULTICLASS:
            return   # the two-class data sets ignore the classes control
        self._make_data()
        self._make_boundary()
        self._new_network(train=False)
        self._first_run(self.initial_epochs)
        self.redraw()

    # -- drawing -------------------------------------------------------------------------------------
    def accuracy(self, split: str = "train") -> float:
        """Fraction of correctly classified training ("train") or test ("test") points."""
        X, y = (self.X_train, self.y_train) if split == "train" else (self.X_test, self.y_test)
        with np.errstate(all="ignore"):
            return float(np.mean(self.net.predict(X) == y))

    def _sticky(self, name: str, lo: float, hi: float, decades: bool = False, slack: float = 1.0):
        """Log-axis limits covering [lo, hi] that move in steps (1-2-5 numbers, or whole decades) and
        only grow while they leave at most `slack` decades unused, so that a rebuild (another depth,
        say) usually keeps the axes as they are and the cached background stays valid."""
        if decades:
            new = (10.0 ** math.floor(math.log10(lo / 1.5)), 10.0 ** math.ceil(math.log10(hi * 1.5)))
        else:
            new = (nice_floor(lo / 1.2), nice_ceil(hi * 1.2))
        old = self._limits.get(name)
        if old is not None:   # widen the old limits to cover the data, unless that wastes too much room
            union = (min(old[0], new[0]), max(old[1], new[1]))
            if math.log10(union[1] / union[0]) <= math.log10(new[1] / new[0]) + slack + 1e-9:
                new = union
        self._limits[name] = new
        return new

    def _update_artists(self) -> None:
        h = self.history
        loss, test_loss, grads = h.loss, h.val_loss, h.grad_norms
        self.loss_plot.update(loss, test_loss)
        self._use_grad_lines(len(self.net.layers))
        self.grad_plot.update(grads)
        # epochs: 0 to a 1-2-5 number, at least the initial run, so a rebuild keeps the same axis
        x_max = nice_ceil(max(h.epochs, self.initial_epochs, 10) * 1.02)
        self._limits["x"] = (0.0, x_max)
        x_ticks = list(np.linspace(0, x_max, 6 if str(int(x_max))[0] == "5" else 5))
        for ax, values, name in ((self.loss_plot.ax, positive_finite(loss, test_loss), "loss"),
                                 (self.grad_plot.ax, positive_finite(grads), "grad")):
            ax.set_xlim(0, x_max)
            set_ticks(ax.xaxis, x_ticks)
            if values.size:   # whole decades (gradient norms: more room before rescaling): few full redraws
                y_lim = self._sticky(name, values.min(), values.max(), decades=True,
                                     slack=3.0 if name == "grad" else 1.0)
                ax.set_ylim(*y_lim)
                set_ticks(ax.yaxis, log_ticks(*y_lim))
        bp = self.boundary_plot
        with np.errstate(all="ignore"):
            if h.diverged:
                bp.image.set_data(np.zeros((bp.resolution, bp.resolution, 4)))
            else:
                bp.update(self.net)
        self.diverged_text.set_visible(h.diverged)
        if h.diverged:      # (the rate in it: moving the slider between two rates that diverge shows)
            self.diverged_text.set_text(f"training diverged at learning rate {self.lr.value:.3g}:\n"
                                        "see the message above")

    def _make_grad_lines(self) -> None:
        """One line per possible layer, made once; a depth change recolours and shows the ones in use
        (cheaper than new lines and a new legend, and the cached background stays valid). The legend
        does not depend on the depth: colours run from layer 1 (dark) to the output layer (yellow)."""
        ax = self.grad_plot.ax
        self._cmap = matplotlib.colormaps[plots.LAYER_CMAP]
        self._grad_pool = [ax.plot([], [], lw=1.5)[0] for _ in range(MAX_DEPTH + 1)]
        self.grad_plot.lines = []
        handles = [Line2D([], [], color=self._cmap(0.0), lw=1.5), Line2D([], [], color=self._cmap(1.0), lw=1.5)]
        ax.legend(handles, ["layer 1 (input side)", "output layer"], loc="upper right", fontsize=7,
                  handlelength=1.5, framealpha=0.8)

    def _use_grad_lines(self, n_layers: int) -> None:
        if len(self.grad_plot.lines) == n_layers:
            return
        for i, line in enumerate(self._grad_pool):
            line.set_visible(i < n_layers)
            line.set_color(self._cmap(i / max(n_layers - 1, 1)))
            line.set_label(f"layer {i + 1}")
            if i >= n_layers:
                line.set_data([], [])
        self.grad_plot.lines = self._grad_pool[:n_layers]

    def _freeze_layout(self) -> None:
        """Solve the constrained layout once, with the widest tick labels the axes can get, then keep
        it: the layout engine is the most expensive part of a redraw."""
        saved = []
        for ax in (self.loss_plot.ax, self.grad_plot.ax):
            saved.append((ax.get_ylim(), ax.yaxis.get_major_locator(), ax.yaxis.get_major_formatter()))
            ax.set_ylim(1e-12, 1e4)
            set_ticks(ax.yaxis, [1e-10, 0.005, 1000])
        FigureCanvasAgg(self.fig).draw()
        self.fig.set_layout_engine("none")
        for ax, (ylim, locator, formatter) in zip((self.loss_plot.ax, self.grad_plot.ax), saved):
            ax.set_ylim(*ylim)
            ax.yaxis.set_major_locator(locator)
            ax.yaxis.set_major_formatter(formatter)

    def _dynamic_artists(self) -> list:
        bp = self.boundary_plot
        return ([self.heatmap, bp.points, self.test_points, self.diverged_text,
                 self.loss_plot.train_line, self.loss_plot.test_line] + list(self.grad_plot.lines))

    @locked
    def redraw(self) -> None:
        """Update every view from the network and its History and publish the figure (a Play tick, Step
        or Reset calls `view.progress()` first: its picture shows training on from what a change drew)."""
        h, c = self.history, self.controls
        self._update_artists()
        if h.diverged:
            c.stop()
            c.show_status(h.message, "error")
        else:
            c.show_status(self._summary(), "info")
        c.show_epoch(h.epochs)
        # (the boundary axes has no ticks: its limits, which follow the data, are not in the background)
        key = (self._version, self.boundary_plot.n_classes, tuple(sorted(self._limits.items())))
        self.view.redraw(dynamic=self._dynamic_artists(), key=key)

    def _summary(self) -> str:
        h, net = self.history, self.net
        arch = "-".join(str(s) for s in net.sizes)
        auto = "he" if net.activation == "relu" else "xavier"     # what init="auto" picks (layers.py)
        init = self.init.value
        init_text = (f"init auto = {auto}" if init == "auto" else
                     f"init {init}, the same weights as auto gives {net.activation}" if init == auto else f"init {init}")
        text = f"network {arch} ({net.activation}, {init_text}, {net.output} output, {net.n_params} parameters)"
        if not h.epochs:
            return text + ": untrained, press Play or Step"
        if self._catch_up is not None:
            text += (f" · new setting: epoch {h.epochs} of its first {self._catch_up}, which Play is training now"
                     " (it pauses at the end)")
        text += (f" · loss train {h.loss[-1]:.3f}, test {h.val_loss[-1]:.3f} · accuracy train "
                 f"{self.accuracy('train'):.0%}, test {self.accuracy('test'):.0%}")
        g = h.grad_norms[-1]
        if len(g) > 1 and g[-1] > 0 and np.isfinite(g).all():
            text += f" · gradient norm layer 1 / layer {len(g)}: {g[0] / g[-1]:.2g}"
        return text

    # -- display ---------------------------------------------------------------------------------------
    def __repr__(self) -> str:
        return (f"Playground({self.dataset.value!r}, depth={self.depth.value}, width={self.width.value}, "
                f"activation={self.activation.value!r}, lr={self.lr.value:.3g}, epoch {self.history.epochs})")

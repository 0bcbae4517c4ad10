"""No silent control (issue 13): every control of every widget the chapters show, moved the way a
student moves it (one keyboard step of a slider or a dropdown, up and then down; a button click; a Play
tick), changes the picture or the view's text (status line, epoch counter), so that the student sees
that something happened or reads why not. Built with the chapters' own arguments.

No timing here: the speed targets live in benchmarks/bench_widgets.py.
"""
from __future__ import annotations

import math

import ipywidgets as W
import numpy as np
import pytest

from backprop_lib import datasets
from backprop_lib import widgets as bw


def _ch01():
    X, y = datasets.blobs(n=200, classes=2, noise=0.6, seed=0)
    return bw.TrainingView(X, y, sizes=[2, 1], activation="sigmoid", output="sigmoid", loss="mse", lr=0.5,
                           initial_epochs=100, epochs_per_frame=10, title="one sigmoid neuron")


def _ch03():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 3, size=200)
    return bw.DescentExplorer(x, 2.0 * x - 1.0 + rng.normal(0, 0.5, size=200), lr=0.3, batch_size=200,
                              momentum=0.0, steps=100)


def _ch10():
    x = np.linspace(-2, 2, 24)
    return bw.CurvatureExplorer(x, 1.5 * np.tanh(x), w=(0.8, 1.2), angle=30.0, lr=0.5)


VIEWS = {
    "ch01 TrainingView": _ch01,
    "ch02 SigmoidExplorer": lambda: bw.SigmoidExplorer(z=1.0, steepness=1.0),
    "ch03 DescentExplorer": _ch03,
    "ch04 FiniteDifferenceExplorer": lambda: bw.FiniteDifferenceExplorer(h=0.3, function="sigmoid at z = 1"),
    "ch04 GraphStepper": lambda: bw.GraphStepper(example="neuron", step=4),
    "ch05 Playground": lambda: bw.Playground(dataset="circles", depth=2, width=8, activation="tanh", lr=3.0, seed=0,
                                             loss="mse", initial_epochs=200),
    "ch06 LossRaceView": lambda: bw.LossRaceView(scale=3.0, lr=1.0, initial_epochs=100),
    "ch06 SoftmaxView": lambda: bw.SoftmaxView(logits=(2.0, 1.0, 0.1), target=1),
    "ch06 Playground spirals": lambda: bw.Playground(dataset="spirals", classes=3, depth=2, width=16,
                                                     activation="tanh", lr=1.0, seed=0, initial_epochs=300),
    "ch06 DigitsView": lambda: bw.DigitsView(hidden=32, lr=0.3, initial_epochs=10),
    "ch07 Playground": lambda: bw.Playground(dataset="circles", depth=4, width=8, activation="sigmoid", lr=0.05,
                                             seed=0, initial_epochs=200),
    "ch08 ConvView": lambda: bw.ConvView(digit=0, kernel="vertical edges (Sobel)", stride=1, padding=1, hot=(10, 5)),
    "ch08 CNNView": lambda: bw.CNNView(lr=0.1, digit=0),
    "ch09 AutodiffView": lambda: bw.AutodiffView(expression="(x + 1)²", x=2.0),
    "ch10 CurvatureExplorer": _ch10,
}

KINDS = (W.IntSlider, W.FloatSlider, W.FloatLogSlider, W.SelectionSlider, W.Dropdown, W.ToggleButtons, W.Checkbox,
         W.ToggleButton, W.Button, W.Play, W.RadioButtons)


def _walk(widget, seen=None):
    seen = set() if seen is None else seen
    if id(widget) in seen:
        return
    seen.add(id(widget))
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child, seen)


def controls(view):
    names = {}
    for owner in (view, getattr(view, "controls", None)):
        for k, v in (vars(owner).items() if owner is not None else ()):
            if isinstance(v, W.Widget):
                names.setdefault(id(v), k)
            elif isinstance(v, list):
                for i, item in enumerate(v):
                    if isinstance(item, W.Widget):
                        names.setdefault(id(item), f"{k}[{i}]")
    return [(names.get(id(w), getattr(w, "description", "")), w) for w in _walk(view.widget) if isinstance(w, KINDS)]


def seen_state(view):
    """What the student sees: every image's PNG bytes and every text."""
    return ([w.value for w in _walk(view.widget) if isinstance(w, W.Image)],
            [w.value for w in _walk(view.widget) if isinstance(w, (W.HTML, W.Label))])


def one_step(w, up: bool):
    """The value one keyboard step up (down) from the control's value, or None at that end."""
    if isinstance(w, W.FloatLogSlider):
        e = round((math.log(w.value, w.base) + (w.step if up else -w.step)) / w.step) * w.step
        return w.base ** e if w.min - 1e-9 <= e <= w.max + 1e-9 else None
    if isinstance(w, (W.IntSlider, W.FloatSlider)):
        v = w.value + (w.step if up else -w.step)
        v = round(v, 10) if isinstance(w, W.FloatSlider) else v
        return v if w.min <= v <= w.max else None
    if isinstance(w, (W.Checkbox, W.ToggleButton)):
        return not w.value
    values = [o[1] if isinstance(o, tuple) else o for o in w.options]
    i = w.index + (1 if up else -1)
    return values[i] if 0 <= i < len(values) else None


def prepare(view, name, w) -> None:
    """Before a button press or a Play tick: give it something to do, as a student's use would."""
    c = getattr(view, "controls", None)
    if isinstance(w, W.Button):
        if name == "reset_button" and c is not None:
            c.step_button.click()                  # Reset after some progress, as a student uses it
        elif name == "prev_button" and view.step.value == 0:
            view.step.value = 1
        elif name == "next_button" and view.step.value == view.step.max:
            view.step.value = view.step.max - 1
        elif name == "step_button" and isinstance(view, bw.AutodiffView) and view.step.value == view.step.max:
            view.restart()
    elif isinstance(w, W.Play):
        if isinstance(view, bw.AutodiffView) and view.step.value == view.step.max:
            view.restart()                          # pressing Play at the end starts the replay over
        c._last_frame_end = -math.inf               # not a tick the pacing drops


def press(w, up: bool) -> None:
    """One change as a student makes it: a click, a Play tick, one keyboard step."""
    if isinstance(w, W.Button):
        w.click()
        return
    if isinstance(w, W.Play):
        w.value += 1
        return
    v = one_step(w, up)
    w.value = one_step(w, not up) if v is None else v


@pytest.mark.parametrize("label", list(VIEWS))
def test_every_control_shows_its_effect(label):
    view = VIEWS[label]()
    usable = [(name, w) for name, w in controls(view) if not w.disabled]
    assert len(usable) >= 2, f"{label}: expected several usable controls, found {[n for n, _ in usable]}"
    for name, w in usable:
        for up in (True, False):
            prepare(view, name, w)
            before = seen_state(view)
            value = getattr(w, "value", None)
            press(w, up)
            after = seen_state(view)
            assert after != before, (f"{label}: moving {name} ({type(w).__name__}) from {value!r} to "
                                     f"{getattr(w, 'value', None)!r} changed neither the picture nor the text")


def test_a_change_shows_at_once_and_its_first_run_continues_under_play():
    """A structural change trains only what fits the budget now; Play, started by the change, trains the
    rest of the first run and pauses at its end; the status line says so meanwhile."""
    pg = bw.Playground(dataset="circles", depth=2, width=8, initial_epochs=40, initial_budget=1e-9,
                       epochs_per_frame=10, frame_budget=None)
    pg.depth.value = 3
    assert pg.history.epochs == 1 and pg.play.playing
    assert "epoch 1 of its first 40, which Play is training now" in pg.status.value
    for _ in range(3):                      # 1 -> 11 -> 21 -> 31: still catching up
        pg.step()
    assert pg.history.epochs == 31 and pg.play.playing
    pg.step()                               # the last frame of the first run stops at epoch 40, Play pauses
    assert pg.history.epochs == 40 and not pg.play.playing
    assert "Play is training now" not in pg.status.value
    pg.width.value = 4
    assert pg.play.playing and pg.history.epochs == 1
    pg.finish_first_run()
    assert pg.history.epochs == 40 and not pg.play.playing


def test_an_init_that_gives_the_same_weights_says_so():
    pg = bw.Playground(dataset="circles", depth=2, width=8, activation="tanh", initial_epochs=5)
    assert "init auto = xavier" in pg.status.value
    pg.init.value = "xavier"
    assert "init xavier, the same weights as auto gives tanh" in pg.status.value


def test_step_buttons_are_disabled_at_the_ends_of_a_replay():
    st = bw.GraphStepper(example="neuron", step=0)
    assert st.prev_button.disabled and not st.next_button.disabled
    st.step.value = st.step.max
    assert st.next_button.disabled and not st.prev_button.disabled
    ad = bw.AutodiffView(expression="(x + 1)²", x=2.0)
    assert ad.step.value == ad.step.max and ad.step_button.disabled
    ad.reset_button.click()
    assert ad.step.value == 0 and not ad.step_button.disabled
    ad.step.value = ad.step.max
    ad.play.playing = True                  # Play at the end replays from the forward pass
    assert ad.step.value == 0

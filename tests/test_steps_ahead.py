"""The next Step trained and drawn while the kernel is idle (FigureView.steps_ahead): a Step or Play tick
then shows it at once, so it must be exactly what the Step would have shown, the view must not change
until then, and anything that happens in between makes it stale."""
from __future__ import annotations

import numpy as np
import pytest

from test_capstone import SETTINGS, student_namespace
from test_widget_controls import VIEWS


def _capstone():
    from backprop_lib.widgets import CapstoneView
    return CapstoneView(student_namespace(), dict(SETTINGS, epochs=2))


TRAINING = {name: make for name, make in VIEWS.items()
            if name.split()[1] in {"TrainingView", "Playground", "LossRaceView", "DigitsView", "CNNView"}}
TRAINING["ch11 CapstoneView"] = _capstone


def make(name):
    view = TRAINING[name]()
    if hasattr(view, "frame_budget"):   # a stopwatch: a Step's epochs would depend on how fast it ran
        view.frame_budget = None
    view.view.image.send_frame = lambda key, png: None
    return view


def seen(view) -> tuple:
    """What the student sees: the picture, its frame key, the status line, the epoch counter, Play."""
    c = view.controls
    return view.view.image.value, view.view.image.key, c.status.value, c.epoch_label.value, c.play.playing


def press(view, i: int) -> None:
    """A Step, or a Play tick (every other time)."""
    c = view.controls
    if i % 2:
        c._last_frame_end = -np.inf
        c.play.value += 1
    else:
        c.step_button.click()


def model_arrays(view) -> list:
    """Copies of every array the view's state holds (weights, velocities, histories, data)."""
    # (not the CNN's accuracy cache: it is keyed by the trainer's id, which a twin does not share)
    skip = ("view", "controls", "widget", "_accuracy")
    out, stack, seen_ids = [], [v for k, v in vars(view).items() if k not in skip], set()
    while stack:
        v = stack.pop()
        if id(v) in seen_ids or type(v).__module__.startswith(("ipywidgets", "matplotlib", "backprop_lib.plots")):
            continue
        seen_ids.add(id(v))
        if isinstance(v, np.ndarray):
            out.append(v.copy())
        elif isinstance(v, dict):
            stack += list(v.values())
        elif isinstance(v, (list, tuple)):
            if v and all(isinstance(x, (int, float)) for x in v):
                out.append(np.array(v, dtype=float))
            else:
                stack += list(v)
        elif hasattr(v, "__dict__") and type(v).__module__.startswith("backprop_lib"):
            stack += list(vars(v).values())
    return out


@pytest.mark.parametrize("name", sorted(TRAINING))
def test_a_step_prepared_ahead_is_the_step_the_kernel_takes(name):
    """Two twin views: one prepares every Step while idle and shows it, the other trains when pressed.
    Over eight Steps and Play ticks (the axes rescale on the way) the student sees the same thing."""
    a, b = make(name), make(name)
    assert seen(a) == seen(b)
    for i in range(8):
        a.view.prefetch_now()
        assert a.view.steps_prepared == i + 1, f"{name}: Step {i + 1} was not prepared"
        press(a, i)
        press(b, i)
        assert a.view.steps_answered == i + 1, f"{name}: Step {i + 1} was trained again, not shown"
        assert seen(a) == seen(b), f"{name}: Step {i + 1} prepared ahead differs from the Step taken"
    assert all(np.array_equal(x, y, equal_nan=True) for x, y in zip(model_arrays(a), model_arrays(b)))


@pytest.mark.parametrize("name", sorted(TRAINING))
def test_preparing_a_step_leaves_the_view_as_it_was(name):
    view = make(name)
    view.controls.step_button.click()
    before, arrays, attrs = seen(view), model_arrays(view), dict(vars(view))
    widgets = {id(w): dict(w._trait_values) for w in _walk(view.widget)}
    assert view.view._prepare_step() and view.view._next is not None
    assert not view.view._prepare_step(), f"{name}: a Step was prepared twice for the same state"
    assert seen(view) == before, f"{name}: preparing a Step changed what the student sees"
    assert {k: id(v) for k, v in vars(view).items()} == {k: id(v) for k, v in attrs.items()}
    assert all(np.array_equal(x, y, equal_nan=True) for x, y in zip(arrays, model_arrays(view))), \
        f"{name}: preparing a Step trained the view's own network"
    for w in _walk(view.widget):
        assert not w._states_to_send, f"{name}: preparing a Step left {type(w).__name__} changes to send"
        before_w = widgets[id(w)]
        assert all(w._trait_values[k] is v for k, v in before_w.items()), \
            f"{name}: preparing a Step left a {type(w).__name__} changed"


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


@pytest.mark.parametrize("name", sorted(TRAINING))
def test_a_step_prepared_before_something_else_happened_is_not_shown(name):
    """A Reset (or a cell's redraw) publishes another picture: the Step prepared before it is stale, and
    the next Step trains from the new state, as it would have without any preparation."""
    a, b = make(name), make(name)
    a.view.prefetch_now()
    a.controls.reset_button.click()
    b.controls.reset_button.click()
    press(a, 0)
    press(b, 0)
    assert a.view.steps_answered == 0 and seen(a) == seen(b)
    a.view.prefetch_now()
    a.epochs_per_frame = b.epochs_per_frame = 2     # a cell changes the view: not what was prepared
    if hasattr(a, "batches_per_frame"):
        a.batches_per_frame = b.batches_per_frame = 2
    press(a, 1)
    press(b, 1)
    assert a.view.steps_answered == 0 and seen(a) == seen(b)
    a.view.prefetch_now()
    for view in (a, b):     # a cell changes the weights in place and redraws
        first_weights(view)[...] *= 0.5
        (getattr(view, "redraw", None) or view._redraw)()
    press(a, 2)
    press(b, 2)
    assert a.view.steps_answered == 0 and seen(a) == seen(b), f"{name}: a Step from before the redraw was shown"


def first_weights(view) -> np.ndarray:
    net = getattr(view, "net", None) or getattr(view, "network", None) or next(iter(view.race.nets.values()))
    return net.layers[0].W if hasattr(net, "layers") else net.params["W1"]


def test_a_students_error_in_a_prepared_step_and_a_function_redefined_after_preparing():
    """A student's function that raises: the prepared Step shows the error the real Step shows. A
    function redefined in a cell after a Step was prepared (the namespace is shared, not copied) makes
    that Step stale: the Step runs the new function."""
    view, twin = _capstone(), _capstone()
    view.view.image.send_frame = lambda key, png: None

    def broken(*args):
        raise ValueError("a bug in train_epoch")

    # the capstone keeps a student's error and shows it: a Step prepared with it shows the same message
    twin.namespace["train_epoch"] = view.namespace["train_epoch"] = broken
    view.view.prefetch_now()
    assert view.view._next is not None
    view.step_button.click()
    twin.step_button.click()
    assert view.view.steps_answered == 1 and seen(view) == seen(twin)
    assert "a bug in train_epoch" in view.status.value
    view = _capstone()
    view.view.image.send_frame = lambda key, png: None
    view.view.prefetch_now()
    assert view.view._next is not None
    epochs = view.history.epochs
    view.namespace["train_epoch"] = broken      # the student runs a cell that redefines it
    view.step_button.click()
    assert view.view.steps_answered == 0, "a Step prepared with the function from before the cell was shown"
    assert view.history.epochs == epochs and "a bug in train_epoch" in view.status.value


def test_while_play_runs_the_next_tick_is_prepared_right_after_the_frames_of_the_slider_moved_last():
    """The idle kernel's order: while Play runs, the frames of the slider the student moved last (they may
    move it again at once), then the next tick (certain to come), then the other controls' frames; when
    Play does not run, the next Step after all frames."""
    view = make("ch05 Playground")
    fv = view.view
    view.controls.play.playing = True
    tasks = fv._prefetch_tasks()
    assert tasks[0] == fv._prepare_step, "no slider moved yet: the next tick comes first"
    view.lr.value = view.lr.value * 10 ** view.lr.step       # the student moves a slider (Play keeps on)
    view.controls.play.playing = True
    tasks = fv._prefetch_tasks()
    lead = [t for t in tasks if getattr(t, "args", (None,))[0] is view.lr]
    assert len(lead) >= 3 and tasks.index(fv._prepare_step) == len(lead), \
        "the next tick is prepared right after the moved slider's frames"
    assert tasks[:len(lead)] == lead and len(tasks) > len(lead) + 1
    view.controls.play.playing = False
    tasks = fv._prefetch_tasks()
    assert tasks[-1] == fv._prepare_step and tasks.count(fv._prepare_step) == 1


def test_a_prepared_step_that_stops_play_stops_it_when_shown():
    """A run that diverges stops Play: the prepared Step carries that change to the Play button."""
    from backprop_lib.widgets import CapstoneView
    view = CapstoneView(student_namespace(), dict(SETTINGS, lr=0.2, epochs=1))   # diverges at epoch 5
    view.view.image.send_frame = lambda key, png: None
    view.controls.play.playing = True
    for _ in range(10):
        view.view.prefetch_now()
        assert view.controls.play.playing, "preparing the Step stopped Play before it was shown"
        view.controls._last_frame_end = -np.inf
        view.controls.play.value += 1
        if view.history.diverged:
            break
    assert view.history.diverged and view.view.steps_answered >= 1
    assert not view.controls.play.playing and "diverged" in view.status.value

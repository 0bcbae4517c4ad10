"""Frames rendered ahead of time (widgets/frames.py, FigureView.track): the page may show a frame the
kernel rendered before the student asked for it, so that frame must be exactly the picture the kernel
draws when the control really moves there, and rendering it must leave the view as it was (its controls,
its status line, its attributes, and no message to the page but the frame itself).
"""
from __future__ import annotations

import io

import ipywidgets as W
import numpy as np
import pytest
from PIL import Image

from backprop_lib.widgets.frames import FramePane, key_part, neighbours, synced_trait
from test_widget_controls import VIEWS

TRACKED = [name for name, make in VIEWS.items()
           if name.split()[1] in {"SigmoidExplorer", "DescentExplorer", "FiniteDifferenceExplorer", "GraphStepper",
                                  "SoftmaxView", "ConvView", "AutodiffView", "CurvatureExplorer"}]


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_key_parts_match_the_page():
    """The page writes a number with toExponential(8) (9 significant digits, exponent without zeros)."""
    assert key_part(1) == key_part(1.0) == "1.00000000e+0"
    assert key_part(0.1 + 0.2) == key_part(0.3) == "3.00000000e-1"
    assert key_part(1e-7) == "1.00000000e-7"
    assert key_part(12345.0) == "1.23450000e+4"
    assert key_part(True) == "true" and key_part(False) == "false"
    assert key_part(0) == "0.00000000e+0"


def test_neighbours_of_each_slider_kind():
    assert neighbours(W.IntSlider(value=0, min=0, max=3), 2) == [[[("value", 1)]], [[("value", 2)]]]
    fl = neighbours(W.FloatSlider(value=0.7, min=0, max=1, step=0.1), 1)
    assert fl == [[[("value", 0.8)], [("value", 0.6)]]]
    log = neighbours(W.FloatLogSlider(value=0.1, base=10, min=-3, max=0, step=0.5), 1)[0]
    assert np.allclose([s[0][1] for s in log], [10 ** -0.5, 10 ** -1.5])
    sel = W.SelectionSlider(options=[("a", 1), ("b", 2), ("c", 3)], value=2)
    assert neighbours(sel, 1) == [[[("index", 2), ("value", 3), ("label", "c")], [("index", 0), ("value", 1), ("label", "a")]]]
    assert synced_trait(sel) == "index" and synced_trait(W.IntSlider()) == "value"
    assert neighbours(W.IntSlider(value=1, min=0, max=3, disabled=True), 1) == []
    assert neighbours(W.Dropdown(options=["a", "b"]), 1) == []


@pytest.mark.parametrize("name", TRACKED)
def test_frames_ahead_are_the_pictures_the_kernel_draws(name):
    view = VIEWS[name]()
    fv = view.view
    assert isinstance(fv.image, FramePane) and isinstance(fv.image, W.Image)
    assert fv._tracked is not None, f"{name} does not render ahead"
    controls = fv._tracked[1]
    widgets = list(_walk(view.widget))
    before = {id(w): dict(w.get_state()) for w in widgets}
    attrs = {k: v for k, v in vars(view).items()}
    sent = []
    for w in widgets:
        w._send = (lambda w: lambda msg, buffers=None: sent.append((w, msg)))(w)
    frames = []
    fv.image.send_frame = lambda key, png: frames.append((key, png))
    candidates = fv._candidates()
    n = fv.prefetch_now()
    assert n >= 1 and len(frames) == n, f"{name}: {n} frames rendered ahead, {len(frames)} sent"
    assert sent == [], f"{name}: rendering ahead sent widget state to the page: {sent[:2]}"
    for w in widgets:
        assert dict(w.get_state()) == before[id(w)], f"{name}: rendering ahead changed {type(w).__name__}"
    for k, v in attrs.items():
        assert vars(view)[k] is v, f"{name}: rendering ahead left attribute {k} changed"
    for w in widgets:
        del w._send
    # each frame sent ahead is the picture of that setting, drawn from scratch
    ahead = dict(frames)
    for control, setting in candidates[:4]:
        trait = synced_trait(control)
        value = dict(setting)[trait]
        old = getattr(control, trait)
        answered = fv.answered_from_cache
        fv._sent.update(ahead)              # as the kernel left it after sending them
        setattr(control, trait, value)
        key = fv.frame_key()
        if key not in ahead:
            setattr(control, trait, old)
            continue
        assert fv.answered_from_cache == answered + 1, f"{name}: a frame sent ahead was drawn again"
        assert fv.image.value == ahead[key]
        fv._sent.clear()
        fv._tracked[2]()                    # the view's own rendering, nothing cached
        fresh = pixels(fv.image.value)
        assert (pixels(ahead[key]) == fresh).all(), \
            f"{name}: the frame sent ahead for {control.description}={value} differs from the drawn one"
        setattr(control, trait, old)


@pytest.mark.parametrize("name", TRACKED)
def test_a_setting_not_sent_ahead_is_drawn_right_after_rendering_ahead(name):
    """Rendering ahead moves the figure's artists to other settings: the next real change that was
    not rendered ahead must still draw its own picture, not a leftover."""
    view = VIEWS[name]()
    fv = view.view
    fv.image.send_frame = lambda key, png: None
    fv.prefetch_now()
    sliders = [c for c in fv._tracked[1] if neighbours(c, 3) and len(neighbours(c, 3)) == 3
               and neighbours(c, 3)[2]]
    if not sliders:
        pytest.skip("no slider with three steps")
    c = sliders[0]
    setting = neighbours(c, 3)[2][0]
    trait = synced_trait(c)
    setattr(c, trait, dict(setting)[trait])
    shown = pixels(fv.image.value)
    fv._sent.clear()
    fv._tracked[2]()
    assert (pixels(fv.image.value) == shown).all(), f"{name}: a leftover of rendering ahead was shown"


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)

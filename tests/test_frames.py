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
                                  "SoftmaxView", "ConvView", "AutodiffView", "CurvatureExplorer", "TrainingView",
                                  "CNNView", "Playground", "LossRaceView", "DigitsView"}]
RESTARTS = [name for name in TRACKED if name.split()[1] in {"Playground", "LossRaceView", "DigitsView"}]


def render_for(fv, control):
    render = fv._tracked[2]
    return render[control] if isinstance(render, dict) else render


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
    drop = W.Dropdown(options=[("one", "a"), ("two", "b"), ("three", "c"), ("four", "d")], value="b")
    assert neighbours(drop, 2) == [[[("index", 2), ("value", "c"), ("label", "three")],
                                    [("index", 0), ("value", "a"), ("label", "one")]],
                                   [[("index", 3), ("value", "d"), ("label", "four")]]]
    assert synced_trait(drop) == "index"
    assert neighbours(W.ToggleButtons(options=["x", "y"], value="x"), 1) == [[[("index", 1), ("value", "y"), ("label", "y")]]]
    assert neighbours(W.Dropdown(options=["a", "b"], disabled=True), 1) == []
    assert neighbours(W.Button(), 1) == [] and neighbours(W.Checkbox(), 1) == []


def test_sliders_are_rendered_ahead_before_dropdowns():
    """A key steps a slider; a dropdown is clicked now and then: its frames come after every slider's
    (in the browser they delayed the sliders' when they were interleaved), but they do come."""
    view = VIEWS["ch07 Playground"]()
    view.depth.value += 1       # the slider moved last leads; the rest follow by kind
    kinds = ["list" if isinstance(c, W.Dropdown) else "slider" for c, _ in view.view._candidates()]
    assert "list" in kinds and "slider" in kinds
    assert kinds.index("list") > max(i for i, k in enumerate(kinds) if k == "slider")


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
    # a rendering that clamps another control is sent under both keys (before and after the clamp)
    assert n >= 1 and n <= len(frames) <= 2 * n, f"{name}: {n} frames rendered ahead, {len(frames)} sent"
    assert sent == [], f"{name}: rendering ahead sent widget state to the page: {sent[:2]}"
    for w in widgets:
        assert dict(w.get_state()) == before[id(w)], f"{name}: rendering ahead changed {type(w).__name__}"
    for k, v in attrs.items():
        assert vars(view)[k] is v, f"{name}: rendering ahead left attribute {k} changed"
    for w in widgets:
        del w._send
    # each frame sent ahead is the picture of that setting, drawn from scratch
    ahead = dict(frames)
    # the likeliest four, and a dropdown's (or toggle buttons') first choice next to the chosen one
    lists = {}
    for control, setting in candidates:
        if not isinstance(control, W.SelectionSlider) and synced_trait(control) == "index":
            lists.setdefault(id(control), (control, setting))
    for control, setting in candidates[:4] + [cs for cs in lists.values() if cs not in candidates[:4]]:
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
        # (a change that redraws twice on its way, e.g. a restart and then one frame, is answered twice)
        assert fv.answered_from_cache >= answered + 1, f"{name}: a frame sent ahead was drawn again"
        assert fv.image.value == ahead[key]
        fv._sent.clear()
        render_for(fv, control)()           # the view's own rendering, nothing cached
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
    render_for(fv, c)()
    assert (pixels(fv.image.value) == shown).all(), f"{name}: a leftover of rendering ahead was shown"


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


@pytest.mark.parametrize("name", ["ch01 TrainingView", "ch08 CNNView"])
def test_training_makes_frames_sent_ahead_stale(name):
    """A Step (or a Play tick) trains the network: the picture for the same slider values is another
    one, so the generation moves on and the kernel draws it instead of answering from the cache."""
    view = VIEWS[name]()
    fv = view.view
    fv.image.send_frame = lambda key, png: None
    fv.prefetch_now()
    generation, before = fv.image.generation, fv.image.value
    view.controls.step_button.click()
    assert fv.image.generation == generation + 1
    assert fv.image.value != before, f"{name}: a Step showed the picture from before it"
    assert not fv._sent
    # while it plays, nothing is rendered ahead; a slider change still draws the right picture
    view.controls.play.playing = True
    fv._page_connected, fv._in_kernel = True, False
    assert fv.prefetch_now() >= 0
    view.controls.play.playing = False


@pytest.mark.parametrize("name", RESTARTS)
def test_a_view_whose_changes_restart_keeps_its_frames_while_it_trains(name):
    """The playground, the loss race and the digits view start training again from seeded weights at
    every change: what a change leads to does not depend on how far Play got, so a Play tick (or Step)
    keeps the frames sent ahead, publishes its own picture under a key of its own ("<key>~n", which
    the page shows but never takes for the frame of <key>), and frames are rendered ahead while it
    plays; moving a slider then lands on the frame sent ahead, which is the picture the kernel draws."""
    view = VIEWS[name]()
    fv = view.view
    page = {}
    fv.image.send_frame = lambda key, png: page.__setitem__(key, png)
    assert fv.prefetch_now() >= 2
    generation, key = fv.image.generation, fv.frame_key()
    view.controls.play.playing = True
    fv._page_connected, fv._in_kernel = True, False
    for _ in range(2):
        before = fv.image.value
        view.controls.step_button.click()
        assert fv.image.value != before, f"{name}: a Step showed the picture from before it"
        values = key.split("|", 1)[1]       # (the generation moves on if a sticky axis limit moved)
        assert fv.image.key.split("|", 1)[1].startswith(values + "~"), \
            f"{name}: a Step published under {fv.image.key!r}"
    if fv.image.generation == generation:   # (unless an axis limit that sticks moved: all stale)
        assert len(fv._sent) >= 2, f"{name}: training dropped the frames sent ahead"
    assert fv.prefetch_now() >= 0
    c = next(c for c in fv._tracked[1] if neighbours(c, 1) and neighbours(c, 1)[0])
    trait = synced_trait(c)
    setting = neighbours(c, 1)[0][0]
    saved = dict(c._trait_values)
    c._trait_values.update(dict(setting))
    target = fv.frame_key()
    c._trait_values.clear()
    c._trait_values.update(saved)
    assert target in page, f"{name}: no frame was sent ahead for {c.description}"
    answered = fv.answered_from_cache
    setattr(c, trait, dict(setting)[trait])
    assert fv.answered_from_cache > answered and fv.image.value == page[target]
    fv._sent.clear()
    render_for(fv, c)()                     # the view's own rendering, nothing cached
    assert (pixels(fv.image.value) == pixels(page[target])).all(), \
        f"{name}: the frame sent ahead while it trained differs from the picture of that change"
    view.controls.play.playing = False


@pytest.mark.parametrize("name", TRACKED)
def test_the_page_never_shows_a_frame_that_differs_from_the_kernels(name):
    """The invariant behind it all, over a student's session: the page keeps every frame sent ahead
    (until the generation changes); whenever a control lands on a key the page has, that frame is
    exactly the picture the kernel then publishes. Sliders go up twice and down twice, each with an
    idle kernel before the press; a training view also trains a Step in the middle."""
    view = VIEWS[name]()
    fv = view.view
    page = {}
    generation = [fv.image.generation]

    def receive(key, png):
        if fv.image.generation != generation[0]:
            page.clear()
            generation[0] = fv.image.generation
        page[key] = png

    fv.image.send_frame = receive
    sliders = [c for c in fv._tracked[1] if neighbours(c, 1) and not c.disabled]
    checked = 0
    # first every slider up and back down in turn (back to a value with another state behind it), then
    # every slider up twice, a Step, down twice
    plan = [(c, (0, 1)) for c in sliders] + [(c, (0, 0, 1, 1)) for c in sliders]
    for c, moves in plan:
        trait = synced_trait(c)
        for i, k in enumerate(moves):
            fv.prefetch_now()
            ring = (neighbours(c, 1) or [[]])[0]     # (another change may have disabled it)
            if not ring:
                continue
            setting = ring[min(k, len(ring) - 1)]
            if i == 2 and len(moves) == 4 and hasattr(getattr(view, "controls", None), "step_button"):
                view.controls.step_button.click()
                fv.prefetch_now()
                ring = neighbours(c, 1)[0]
                setting = ring[min(k, len(ring) - 1)]
            if fv.image.generation != generation[0]:
                page.clear()
                generation[0] = fv.image.generation
            # the key the page computes the moment the control moves (before the kernel hears of it)
            saved = dict(c._trait_values)
            c._trait_values.update(dict(setting))
            key = fv.frame_key()
            c._trait_values.clear()
            c._trait_values.update(saved)
            shown = page.get(f"{fv._tracked[1].index(c)}>{key}", page.get(key))     # as onControl looks up
            for t, v in setting:
                if t == trait:
                    setattr(c, trait, v)
            if fv.image.generation != generation[0]:
                page.clear()
                generation[0] = fv.image.generation
            published = fv.image.value
            # the truth: the view's own rendering of this state with nothing cached
            sent = dict(fv._sent)
            fv._sent.clear()
            render_for(fv, c)()
            truth = pixels(fv.image.value)
            fv._sent.update(sent)
            assert (pixels(published) == truth).all(), \
                f"{name}: the kernel published a stale frame for {c.description} = {getattr(c, trait)}"
            if shown is not None:
                checked += 1
                assert (pixels(shown) == truth).all(), \
                    f"{name}: the page would show a stale frame for {c.description} = {getattr(c, trait)}"
    assert checked >= 2, f"{name}: only {checked} presses landed on a frame sent ahead"

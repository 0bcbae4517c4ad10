"""Chapter 9's AutodiffView: every control changes the state and the picture; the drawn graph's replay
ends with the gradients Tensor.backward() found; to_graph refuses what it cannot draw."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

from backprop_lib.autodiff import Tensor  # noqa: E402
from backprop_lib.scalar_graph import EXPRESSIONS, build, to_graph  # noqa: E402
from backprop_lib.widgets import AutodiffView  # noqa: E402

NAMES = list(EXPRESSIONS)


@pytest.fixture(scope="module")
def view():
    return AutodiffView(expression=NAMES[0], x=2.0)


def _state(v):
    return (dict(v.grads), v.output.item(), v.step.value, v.step.max, v.plot.k, v.png(), v.status.value)


def test_headless_state_is_the_complete_backward_pass(view):
    assert view.grads == {"x": 6.0} and view.replay_grads == {"x": 6.0}
    assert view.output.item() == 9.0
    assert view.step.value == view.step.max == view.plot.n_steps == 3
    assert view.w.disabled and view.b.disabled and not view.x.disabled
    assert "agrees" in view.status.value and view.png()[:4] == b"\x89PNG"


@pytest.mark.parametrize("name", NAMES)
def test_every_expression_draws_and_its_replay_matches_autodiff(view, name):
    view.expression.value = NAMES[(NAMES.index(name) + 1) % len(NAMES)]
    before = view.png()
    view.expression.value = name
    assert view.png() != before, "the PNG did not change"
    assert view.step.value == view.step.max == view.plot.n_steps
    for leaf, g in view.grads.items():
        assert view.replay_grads[leaf] == pytest.approx(g, rel=1e-12, abs=1e-15)
    assert all(getattr(view, leaf).disabled == (leaf not in view.grads) for leaf in ("x", "w", "b"))


@pytest.mark.parametrize("control, value", [("x", -1.5), ("w", 2.5), ("b", -0.7), ("step", 2), ("expression", NAMES[2])])
def test_every_control_changes_state_and_picture(view, control, value):
    view.expression.value = NAMES[1]             # the neuron uses x, w and b
    view.x.value, view.w.value, view.b.value = 2.0, 1.0, 0.5
    view.step.value = view.step.max
    before = _state(view)
    getattr(view, control).value = value
    after = _state(view)
    assert after[5] != before[5], "the PNG did not change"
    assert after[:5] != before[:5], "the state did not change"


def test_values_flow_into_the_drawn_graph(view):
    view.expression.value = NAMES[2]             # f = (x w)(x + b)
    view.x.value, view.w.value, view.b.value = 2.0, 1.0, 0.5
    assert view.grads == pytest.approx({"x": 2 * 1.0 * 2.0 + 1.0 * 0.5, "w": 2.0 * 2.5, "b": 2.0})
    assert view.graph["x"].value == 2.0 and view.graph["f"].value == pytest.approx(5.0)
    view.x.value = -1.0
    assert view.graph["f"].value == pytest.approx(-1.0 * -0.5)
    assert view.replay_grads["x"] == pytest.approx(2 * -1.0 + 0.5)


def test_stepping_backward_reaches_the_leaves_last(view):
    view.expression.value = NAMES[1]
    view.step.value = 0
    assert all(view.graph[n].grad == 0 for n in ("x", "w", "b")) and "not started" in view.plot.caption.get_text()
    view.step.value = 1
    assert view.graph["L"].grad == 1.0 and view.graph["x"].grad == 0
    view.step.value = view.step.max
    assert view.graph["x"].grad == pytest.approx(view.grads["x"])


def test_relu_gate_closes(view):
    view.expression.value = NAMES[3]
    view.x.value, view.w.value, view.b.value = 2.0, -1.0, 0.5    # w x + b = -1.5 < 0
    assert view.output.item() == 0.0 and view.grads == {"x": 0.0, "w": 0.0, "b": 0.0}


def test_play_step_and_reset_walk_the_backward_pass(view):
    """The shared Play/Step/Reset controls: Reset goes back to the forward pass, Step (and each Play tick)
    moves one node further, and Play stops at the end of the backward pass."""
    view.expression.value = NAMES[0]
    view.reset_button.click()
    assert view.step.value == 0 and view.plot.k == 0
    before = view.view.image.value
    view.step_button.click()
    assert view.step.value == 1 and view.plot.k == 1 and view.view.image.value != before
    view.controls.play.playing = True
    for _ in range(view.step.max + 2):
        view.next_step()
    assert view.step.value == view.step.max and not view.controls.play.playing


def test_build_and_to_graph():
    out, leaves = build(NAMES[1], {"x": 1.0, "w": 0.5, "b": 0.1})
    graph, name = to_graph(out)
    assert name == "L" and set(leaves) == {"x", "w", "b"}
    out.backward()
    assert graph.backward(name)["w"] == pytest.approx(leaves["w"].grad.item(), rel=1e-12)
    with pytest.raises(ValueError, match="unknown expression"):
        build("sin(x)", {"x": 1.0, "w": 0.0, "b": 0.0})
    with pytest.raises(ValueError, match="single numbers"):
        to_graph(Tensor(np.ones(3)).sum() * Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="cannot be drawn"):
        to_graph(Tensor(2.0).log())

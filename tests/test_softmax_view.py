"""Chapter 6's views: setting a control's .value changes the model state and the published PNG."""
from __future__ import annotations

import numpy as np
import pytest

from backprop_lib.activations import softmax
from backprop_lib.widgets import DigitsView, SoftmaxView


@pytest.fixture(scope="module")
def digits_view():
    return DigitsView(hidden=8, lr=0.3, initial_epochs=2, epochs_per_frame=1, initial_budget=None)   # exact runs


def test_softmax_view_initial_state():
    sv = SoftmaxView(logits=(2.0, 1.0, 0.1), target=1)
    assert np.allclose(sv.p, softmax(np.array([2.0, 1.0, 0.1])))
    assert np.isclose(sv.loss, -np.log(sv.p[1]))
    assert np.allclose(sv.grad, sv.p - [0, 1, 0])
    assert np.allclose(sv.naive_grad, [0, -(1 - sv.p[1]), 0])
    assert sv.view.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert [bar.get_height() for bar in sv.p_bars] == pytest.approx(list(sv.p))


def test_softmax_view_logit_slider_changes_state_and_png():
    sv = SoftmaxView(logits=(2.0, 1.0, 0.1), target=1)
    png, p, loss = sv.view.image.value, sv.p.copy(), sv.loss
    sv.logits[1].value = 5.0
    assert sv.z[1] == 5.0
    assert sv.p[1] > p[1] and sv.loss < loss
    assert np.allclose(sv.p, softmax(np.array([2.0, 5.0, 0.1])))
    assert [bar.get_height() for bar in sv.p_bars] == pytest.approx(list(sv.p))
    assert sv.view.image.value != png


def test_softmax_view_target_changes_gradient_and_png():
    sv = SoftmaxView(logits=(2.0, 1.0, 0.1), target=1)
    png = sv.view.image.value
    sv.target.value = 0
    assert np.allclose(sv.grad, sv.p - [1, 0, 0])
    assert np.isclose(sv.loss, -np.log(sv.p[0]))
    assert [bar.get_height() for bar in sv.grad_bars] == pytest.approx(list(sv.grad))
    assert sv.view.image.value != png


def test_softmax_view_shift_invariance_and_extremes():
    sv = SoftmaxView(logits=(8.0, -8.0, 0.0, 8.0), target=1)
    assert np.all(np.isfinite(sv.p)) and np.isfinite(sv.loss) and sv.loss > 16
    sv.logits[0].value = 7.0
    sv.logits[3].value = 7.0
    sv.logits[1].value = -7.0
    p = sv.p.copy()
    for s in sv.logits:
        s.value = s.value - 0.5
    assert np.allclose(sv.p, p)


@pytest.mark.parametrize("kwargs, match", [
    (dict(logits=(1.0,)), "at least two"),
    (dict(logits=(1.0, np.nan)), "finite"),
    (dict(logits=(1.0, 20.0)), "range"),
    (dict(logits=(1.0, 2.0), target=2), "target"),
    (dict(logits=(1.0, 2.0), target=True), "target"),
])
def test_softmax_view_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SoftmaxView(**kwargs)


def test_digits_view_trains_and_steps(digits_view):
    dv = digits_view
    assert dv.history.epochs == 2 and dv.net.sizes == [64, 8, 10]
    png, epochs = dv.view.image.value, dv.history.epochs
    dv.step()
    assert dv.history.epochs == epochs + 1
    assert dv.view.image.value != png
    assert 0.5 < dv.accuracy("test") <= 1.0


def test_digits_view_sliders_rebuild_the_network(digits_view):
    dv = digits_view
    dv.hidden.value = 12
    assert dv.net.sizes == [64, 12, 10] and dv.history.epochs == 2
    W_before = dv.net.layers[0].W.copy()
    png = dv.view.image.value
    dv.lr.value = 0.01
    assert dv.trainer.lr == pytest.approx(0.01)
    assert dv.history.epochs == 2 and dv.view.image.value != png
    assert not np.allclose(dv.net.layers[0].W, W_before)   # smaller steps from the same start


def test_digits_view_divergence_is_reported():
    dv = DigitsView(hidden=8, activation="relu", lr=10.0, initial_epochs=3)
    h = dv.history
    assert h.diverged and h.diverged_epoch == 1
    assert "diverged" in dv.status.value and "learning rate" in dv.status.value
    epochs, png = h.epochs, dv.view.image.value
    dv.step()                                  # a diverged run does not train on
    assert dv.history.epochs == epochs and dv.view.image.value == png
    dv.lr.value = 0.1                          # a sensible learning rate starts afresh
    assert not dv.history.diverged and np.all(np.isfinite(dv.history.loss))


@pytest.mark.parametrize("logits, target", [((2.0, 1.0, 0.1), 1), ((-3.0, 7.5, 0.0, 2.2), 0), ((0.0, 0.0), 1)])
def test_softmax_view_gradient_against_central_differences(logits, target):
    from backprop_lib import numerical_gradient, rel_error
    from backprop_lib.activations import log_softmax

    sv = SoftmaxView(logits=logits, target=target)
    numeric = numerical_gradient(lambda z: -log_softmax(z)[target], np.array(logits, dtype=np.float64))
    assert rel_error(sv.grad, numeric) <= 1e-7
    # the naive chain rule (diagonal of the Jacobian only) is right on the true class and nowhere else
    assert np.isclose(sv.naive_grad[target], numeric[target])
    others = np.arange(len(logits)) != target
    assert np.all(sv.naive_grad[others] == 0) and np.all(numeric[others] > 0)

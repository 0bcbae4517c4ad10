"""Chapter 6's slow-learning numerics (backprop_lib.saturation) and its live view (LossRaceView)."""
from __future__ import annotations

import numpy as np
import pytest

import backprop_lib as bl
from backprop_lib.saturation import LossRace, output_deltas, saturated_start
from backprop_lib.widgets import LossRaceView


def _bce(z, t):
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))) - t * z


@pytest.mark.parametrize("t", [0.0, 1.0])
def test_output_deltas_against_central_differences(t):
    z = np.array([-30.0, -8.0, -2.0, -0.3, 0.0, 0.7, 3.0, 9.0, 30.0])
    d_sq, d_ce = output_deltas(z, t)
    num_sq = bl.numerical_gradient(lambda v: np.sum(0.5 * (bl.sigmoid(v) - t) ** 2), z.copy())
    num_ce = bl.numerical_gradient(lambda v: np.sum(_bce(v, t)), z.copy())
    assert bl.rel_error(d_sq, num_sq) < 1e-7
    assert bl.rel_error(d_ce, num_ce) < 1e-7
    assert np.all(np.isfinite(output_deltas(np.array([-1e4, 1e4]), t)))


def test_squared_error_delta_is_smaller_by_sigma_prime():
    z = np.linspace(-10, 10, 41)
    d_sq, d_ce = output_deltas(z, 1.0)
    assert np.allclose(d_sq, d_ce * bl.sigmoid_prime(z))
    assert abs(d_sq[0]) < 1e-4 < 0.99 < abs(d_ce[0])      # z = -10, t = 1: confidently wrong


def test_saturated_start_is_confidently_wrong():
    net, X, T = saturated_start(scale=3.0)
    z = X @ net.layers[0].W + net.layers[0].b
    wrong = (z > 0) != (T > 0.5)
    assert wrong.mean() == 1.0
    assert np.median(np.abs(z)) > 4.0
    assert net.sizes == [2, 1] and net.output == "sigmoid"


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf"), "three"])
def test_bad_scale_is_named(bad):
    with pytest.raises(ValueError, match="scale"):
        LossRace(scale=bad)
    with pytest.raises(ValueError, match="lr"):
        LossRace(lr=-1.0)


def test_cross_entropy_wins_the_race():
    race = LossRace(scale=3.0, lr=1.0)
    assert race.initial_accuracy == 0.0
    race.run(100)
    assert race.epochs == 100
    assert race.epochs_to("cross_entropy") <= 3
    assert 70 <= race.epochs_to("mse") <= 90
    h = race.history("mse").loss
    assert abs(h[0] - 0.5) < 0.01 and h[40] > 0.45     # the plateau near the maximum 1/2
    assert race.history("cross_entropy").loss[-1] < 0.02


def test_view_sliders_restart_the_race_and_change_the_png():
    view = LossRaceView(scale=3.0, lr=1.0, initial_epochs=20, initial_budget=None)   # exact first runs
    png, net = view.view.image.value, view.race.nets["mse"]
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and view.race.epochs == 20
    view.scale.value = 5.0
    assert view.race.scale == 5.0 and view.race.epochs == 20 and view.race.nets["mse"] is not net
    assert view.race.nets["mse"] is not net
    assert view.view.image.value != png
    png = view.view.image.value
    view.lr.value = 0.1
    assert view.race.lr == pytest.approx(0.1) and view.race.trainers["mse"].lr == pytest.approx(0.1)
    assert view.race.epochs == 20 and view.view.image.value != png     # retrained at the new rate at once
    steps = {}
    for lr in (0.1, 1.0):                                # ten times the learning rate, much bigger first steps
        race = LossRace(3.0, lr)
        W0 = race.nets["cross_entropy"].layers[0].W.copy()
        race.run(1)
        steps[lr] = np.abs(race.nets["cross_entropy"].layers[0].W - W0).max()
    assert 5 * steps[0.1] < steps[1.0]


def test_view_step_trains_both_runs_and_updates_png_and_message():
    view = LossRaceView(scale=3.0, lr=1.0)
    png, W_before = view.view.image.value, view.race.nets["cross_entropy"].layers[0].W.copy()
    view.controls.step_button.click()
    assert view.race.epochs == view.epochs_per_step
    assert not np.allclose(view.race.nets["cross_entropy"].layers[0].W, W_before)
    assert view.view.image.value != png
    assert f"epoch {view.epochs_per_step}" in view.message and "cross-entropy" in view.message
    view.controls.reset_button.click()
    assert view.race.epochs == 0 and np.allclose(view.race.nets["cross_entropy"].layers[0].W, W_before)

"""Chapter 5's playground instructions, carried out exactly as the text gives them: a Playground with the
squared error (loss="mse"), every slider change trains 200 epochs from fresh weights."""
from __future__ import annotations

import pytest

from backprop_lib.widgets import Playground


@pytest.fixture(scope="module")
def pg():
    return Playground(dataset="circles", depth=2, width=8, activation="tanh", lr=3.0, seed=0, loss="mse",
                      initial_epochs=200, initial_budget=None)


def _reset(pg):
    pg.depth.value, pg.width.value, pg.lr.value = 2, 8, 3.0


def test_the_loss_is_the_squared_error_and_the_title_says_so(pg):
    _reset(pg)
    assert pg.trainer.loss_name == "mse"
    assert "squared error" in pg.loss_plot.ax.get_title()
    assert pg.history.epochs == 200 and pg.accuracy("test") > 0.9


def test_no_hidden_layer_stays_near_chance(pg):
    _reset(pg)
    pg.depth.value = 0
    assert pg.net.sizes == [2, 1] and pg.history.epochs == 200
    assert pg.accuracy("train") < 0.65


@pytest.mark.parametrize("width, low, high", [(1, 0.0, 0.65), (2, 0.7, 0.9), (4, 0.95, 1.0)])
def test_width(pg, width, low, high):
    _reset(pg)
    pg.width.value = width
    assert pg.history.epochs == 200
    assert low <= pg.accuracy("train") <= high


def test_learning_rate_001_hardly_moves(pg):
    _reset(pg)
    pg.lr.value = 0.01
    loss = pg.history.loss
    assert pg.history.epochs == 200 and abs(loss[-1] - loss[0]) < 0.02 * loss[0]


def test_learning_rate_03_learns_but_not_enough(pg):
    _reset(pg)
    pg.lr.value = 0.3
    loss = pg.history.loss
    assert loss[-1] < loss[0] and pg.accuracy("train") < 0.9


@pytest.mark.parametrize("lr", [3.0, 10.0, 30.0])
def test_learning_rates_3_to_30_separate_the_rings_without_diverging(pg, lr):
    _reset(pg)
    pg.lr.value = lr
    assert not pg.history.diverged and pg.history.epochs == 200
    assert pg.accuracy("train") > 0.95 and pg.accuracy("test") > 0.95

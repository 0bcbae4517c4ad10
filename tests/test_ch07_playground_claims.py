"""Chapter 7's playground instructions (section 8), carried out on the widget exactly as the text gives them.

The chapter itself checks the exploding-gradient bullet without a second widget (a Playground costs about a
second to build and draw): it trains the network those settings build with bl.Trainer on the playground's
training points. Here the controls are moved one by one, as a student would, and the chapter's shortcut is
shown to give the same runs.
"""
from __future__ import annotations

import numpy as np
import pytest

import backprop_lib as bl
from backprop_lib.widgets import Playground


@pytest.fixture(scope="module")
def pg():
    """The chapter's playground: 4 hidden sigmoid layers of 8 units on the rings, lr 0.05, 200 epochs."""
    return Playground(dataset="circles", depth=4, width=8, activation="sigmoid", lr=0.05, seed=0,
                      initial_epochs=200)


def _set(pg, control, value):
    """Move one control, then let Play finish the change's first run (it starts by itself after a change)."""
    control.value = value
    pg.finish_first_run()


@pytest.fixture(scope="module")
def exploding(pg):
    """The last bullet: activation relu, learning rate back to 0.05, width 32, 6 hidden layers, init naive;
    then init he. Returns the two histories and the accuracy after he."""
    for control, value in ((pg.activation, "relu"), (pg.lr, 0.05), (pg.width, 32), (pg.depth, 6),
                           (pg.init, "naive")):
        _set(pg, control, value)
    naive = pg.history
    _set(pg, pg.init, "he")
    return naive, pg.history, pg.accuracy("train"), pg


def test_the_chapter_playground_starts_as_the_text_says(pg):
    if pg.net.sizes != [2, 8, 8, 8, 8, 1]:
        pytest.skip("the module's playground was already changed by another test")
    g = pg.history.grad_norms
    assert g.shape == (200, 5) and g[0, 0] / g[0, -1] < 1e-2


def test_naive_weights_explode_and_diverge_at_epoch_2(exploding):
    naive, _, _, pg = exploding
    assert naive.diverged and naive.diverged_epoch == 2
    assert naive.grad_norms[0].min() > 100, "the first epoch's gradients should be in the hundreds"
    assert "init" in naive.message and "he" in naive.message


def test_he_separates_the_rings_with_the_same_learning_rate(exploding):
    _, he, accuracy, pg = exploding
    assert pg.net.sizes == [2] + [32] * 6 + [1] and pg.lr.value == 0.05
    assert not he.diverged and he.epochs == 200 and accuracy > 0.9


def test_the_chapters_shortcut_is_the_same_run(exploding):
    """Chapter 7's cell trains bl.Trainer on train_test_split(circles, 0.3) with blowup=20: the same curves."""
    naive, he, _, pg = exploding
    X, y = bl.datasets.circles(n=200, noise=0.1, seed=0)
    X_pg, _, y_pg, _ = bl.datasets.train_test_split(X, y, test_fraction=0.3, seed=0)
    assert np.array_equal(X_pg, pg.X_train) and np.array_equal(y_pg, pg.y_train)
    for init, history in (("naive", naive), ("he", he)):
        net = bl.MLP([2] + [32] * 6 + [1], activation="relu", output="sigmoid", init=init, seed=0)
        ours = bl.Trainer(net, X_pg, y_pg, loss="cross_entropy", lr=0.05, seed=0, warn=False, blowup=20).run(200)
        assert ours.diverged == history.diverged and ours.epochs == history.epochs
        np.testing.assert_allclose(ours.loss, history.loss, rtol=1e-12, atol=0)
        assert ours.message == history.message

"""A diverging run names its likely cause: naive N(0, 1) weights (chapter 7), or else the learning rate."""
from __future__ import annotations

import warnings

import numpy as np

import backprop_lib as bl


def _diverged_history(init: str, lr: float):
    X, y = bl.datasets.circles(n=200, noise=0.1, seed=0)
    net = bl.MLP([2] + [32] * 6 + [1], activation="relu", output="sigmoid", init=init, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bl.TrainingDiverged)
        return bl.train(net, X, y, loss="cross_entropy", lr=lr, epochs=50)


def test_naive_initialisation_is_named_as_the_cause():
    h = _diverged_history("naive", 0.1)
    assert h.diverged and "init='naive'" in h.message and "init='he'" in h.message


def test_otherwise_the_learning_rate_is_blamed():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    net = bl.MLP([2, 8, 1], activation="tanh", output="identity", init="xavier", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bl.TrainingDiverged)
        h = bl.train(net, X, X.sum(axis=1, keepdims=True), loss="mse", lr=50.0, epochs=200)
    assert h.diverged and "learning rate lr=50 is too large" in h.message and "init=" not in h.message

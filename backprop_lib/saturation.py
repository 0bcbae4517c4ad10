"""Chapter 6: why the squared error learns slowly with a sigmoid output, and the cross-entropy does not.

For one sigmoid output a = sigma(z) and a target t in {0, 1}:

    squared error  L = 1/2 (a - t)^2                       delta = dL/dz = (a - t) sigma'(z) = (a - t) a (1 - a)
    cross-entropy  L = -[t log a + (1 - t) log(1 - a)]    delta = dL/dz = a - t

When the neuron is confidently wrong (|z| large, a near 0 or 1 on the wrong side), a (1 - a) is tiny and
the squared error's delta with it: learning stalls exactly when the error is largest.

    output_deltas(z, t)        both deltas, element-wise
    saturated_start(scale)     one sigmoid neuron on two blobs, started confidently wrong
    LossRace                   that start trained with both losses side by side (two train.Trainer)
"""
from __future__ import annotations

import numpy as np

from . import datasets
from ._validate import real_number, whole_number
from .activations import sigmoid
from .mlp import MLP
from .train import Trainer

LOSS_NAMES = {"mse": "squared error", "cross_entropy": "cross-entropy"}


def output_deltas(z, t) -> tuple[np.ndarray, np.ndarray]:
    r"""$(\delta_{\text{mse}}, \delta_{\text{ce}}) = ((a - t)\,a(1 - a),\ a - t)$ with $a = \sigma(z)$; z, t broadcast."""
    z = np.asarray(z, dtype=float)
    t = np.asarray(t, dtype=float)
    a = sigmoid(z)
    return (a - t) * a * (1 - a), a - t


def saturated_start(scale: float = 3.0, n: int = 100, seed: int = 0) -> tuple[MLP, np.ndarray, np.ndarray]:
    """(net, X (n, 2), T (n, 1)): a single sigmoid neuron (bl.MLP([2, 1], output="sigmoid")) on two
    Gaussian blobs (class 0 around (1.4, 1.4), class 1 around (-1.4, -1.4)), with weights
    W = scale * (1, 1) / sqrt(2) and b = 0: the exact opposite of a good direction, so every sample's
    pre-activation is about -2 scale (class 1) or +2 scale (class 0): confidently wrong."""
    scale = real_number(scale, "scale (how wrong the start is)", low=0.0, low_open=True, high=50.0)
    n = whole_number(n, "n (number of samples)", minimum=4)
    X, y = datasets.blobs(n=n, seed=seed)
    net = MLP([2, 1], activation="sigmoid", output="sigmoid", seed=seed)
    net.layers[0].W = scale * np.ones((2, 1)) / np.sqrt(2)
    net.layers[0].b = np.zeros(1)
    return net, X, y[:, None].astype(float)


class LossRace:
    """The same saturated start trained twice by full-batch gradient descent, once with the squared
    error and once with the cross-entropy (each a `train.Trainer`, which also decides divergence).

    State: .nets, .trainers, .accuracies (dicts keyed by "mse" and "cross_entropy"), .epochs.
    """

    LOSSES = ("mse", "cross_entropy")

    def __init__(self, scale: float = 3.0, lr: float = 1.0, n: int = 100, seed: int = 0):
        self.scale = real_number(scale, "scale (how wrong the start is)", low=0.0, low_open=True, high=50.0)
        self.lr = real_number(lr, "learning rate lr", low=0.0, low_open=True)
        self.nets, self.trainers, self.accuracies = {}, {}, {}
        for loss in self.LOSSES:
            net, X, T = saturated_start(self.scale, n, seed)
            self.X, self.T = X, T
            self.nets[loss] = net
            self.trainers[loss] = Trainer(net, X, T, loss=loss, lr=self.lr, warn=False)
            self.accuracies[loss] = []
        self.initial_accuracy = self.accuracy("mse")

    @property
    def epochs(self) -> int:
        return self.trainers["mse"].history.epochs

    def history(self, loss: str):
        return self.trainers[loss].history

    def accuracy(self, loss: str) -> float:
        """The fraction of samples the network trained with `loss` classifies right (a > 1/2 means class 1)."""
        a = self.nets[loss].forward(self.X)
        return float(np.mean((a > 0.5) == (self.T > 0.5)))

    def run(self, epochs: int = 1) -> None:
        """Train both networks `epochs` more epochs, recording the accuracy after each."""
        epochs = whole_number(epochs, "epochs", minimum=0)
        for _ in range(epochs):
            for loss in self.LOSSES:
                h = self.trainers[loss].run(1)
                if not h.diverged:
                    self.accuracies[loss].append(self.accuracy(loss))

    def epochs_to(self, loss: str, accuracy: float = 0.9) -> int | None:
        """The first epoch after which the `loss` run classifies at least `accuracy` right (None: not yet)."""
        for epoch, acc in enumerate(self.accuracies[loss], start=1):
            if acc >= accuracy:
                return epoch
        return None

    def mean_abs_delta(self, loss: str) -> float:
        """The mean |dL/dz| over the samples at the current weights (per sample, not divided by N)."""
        z = self.X @ self.nets[loss].layers[0].W + self.nets[loss].layers[0].b
        return float(np.mean(np.abs(output_deltas(z, self.T)[0 if loss == "mse" else 1])))

    def __repr__(self) -> str:
        return f"LossRace(scale={self.scale:g}, lr={self.lr:g}, epoch {self.epochs})"

"""A small convolutional network for the 8x8 digits (chapter 8):

    A0 (N, 1, 8, 8) -> conv 3x3, F filters, padding 1 -> Z1 (N, F, 8, 8) -> ReLU -> A1
       -> max pool 2x2 -> P (N, F, 4, 4) -> flatten -> H (N, 16 F) -> dense -> Z2 (N, 10)
       -> softmax cross-entropy against the labels

Parameters (a dict, as the MLP's layers keep them): W1 (F, 1, 3, 3), b1 (F,), W2 (16 F, 10), b2 (10,).
The backward pass runs the same steps in reverse, each with its own rule from the course:
    delta2 = (softmax(Z2) - T) / N                     (chapter 6)
    dW2 = H^T delta2, db2 = sum of delta2's rows, dH = delta2 W2^T     (chapter 5's dense layer)
    dA1 = max-pool backward of dH (reshaped)           (routes to each window's maximum)
    delta1 = dA1 * relu'(Z1)                           (relu'(0) = 0, as everywhere in the course)
    dW1, db1 = the convolution's backward pass (as one matrix product, im2col)
"""
from __future__ import annotations

import numpy as np

from ._validate import real_number, whole_number
from .activations import log_softmax, softmax
from .im2col import conv2d_backward_im2col, conv2d_forward_im2col
from .pooling import max_pool_backward, max_pool_forward
from .train import diverged_by

PARAMS = ("W1", "b1", "W2", "b2")
BLOWUP = 20.0          # a batch loss above 20 times the first one counts as diverged (as in the playground)


def images(X) -> np.ndarray:
    """Digits as rows of 64 pixels (0..16) -> images (N, 1, 8, 8) scaled to [0, 1]."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 64:
        raise ValueError(f"expected digits as rows of 64 pixels, shape (N, 64), got {X.shape}")
    return X.reshape(-1, 1, 8, 8) / 16.0


class SmallCNN:
    """conv(3x3, `filters`, padding 1) -> ReLU -> max pool 2x2 -> dense(10) -> softmax, for 8x8 images."""

    def __init__(self, filters: int = 8, classes: int = 10, seed: int = 0):
        self.filters = whole_number(filters, "filters", minimum=1)
        self.classes = whole_number(classes, "classes", minimum=2)
        rng = np.random.default_rng(seed)
        n_flat = 16 * self.filters
        self.params = {                                   # He initialisation for the ReLU layer (chapter 7)
            "W1": rng.normal(0.0, np.sqrt(2.0 / 9.0), size=(self.filters, 1, 3, 3)),
            "b1": np.zeros(self.filters),
            "W2": rng.normal(0.0, np.sqrt(2.0 / (n_flat + self.classes)), size=(n_flat, self.classes)),
            "b2": np.zeros(self.classes),
        }

    def forward(self, A0) -> np.ndarray:
        """A0 (N, 1, 8, 8) -> logits Z2 (N, classes); keeps what the backward pass needs."""
        p = self.params
        self.Z1, self._conv_cache = conv2d_forward_im2col(A0, p["W1"], p["b1"], stride=1, padding=1)
        self.A1 = np.maximum(self.Z1, 0.0)
        self.P, self._pool_cache = max_pool_forward(self.A1, size=2)
        self.H = self.P.reshape(len(self.P), -1)
        self.Z2 = self.H @ p["W2"] + p["b2"]
        return self.Z2

    def _labels(self, y, n: int) -> np.ndarray:
        y = np.asarray(y)
        if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= self.classes:
            raise ValueError(f"y must hold {n} integer labels in 0..{self.classes - 1}, got {y.dtype} of shape {y.shape}")
        return y

    def loss(self, A0, y) -> float:
        """Mean softmax cross-entropy of the network's logits against the integer labels y (N,)."""
        Z2 = self.forward(A0)
        y = self._labels(y, len(Z2))
        return float(-log_softmax(Z2)[np.arange(len(y)), y].mean())

    def loss_and_grads(self, A0, y) -> tuple[float, dict]:
        """(L, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}), each gradient the shape of its parameter."""
        L = self.loss(A0, y)
        N, p = len(y), self.params
        delta2 = softmax(self.Z2)
        delta2[np.arange(N), y] -= 1.0
        delta2 /= N                                            # dL/dZ2 (N, classes)
        dW2, db2 = self.H.T @ delta2, delta2.sum(axis=0)
        dP = (delta2 @ p["W2"].T).reshape(self.P.shape)        # dL/dP (N, F, 4, 4)
        dA1 = max_pool_backward(dP, self._pool_cache)          # (N, F, 8, 8)
        delta1 = dA1 * (self.Z1 > 0)                           # dL/dZ1
        dW1, db1, _ = conv2d_backward_im2col(delta1, self._conv_cache)
        return L, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}

    def predict(self, A0) -> np.ndarray:
        """The most probable class of every image (N,)."""
        return self.forward(A0).argmax(axis=1)

    def accuracy(self, A0, y) -> float:
        return float(np.mean(self.predict(A0) == np.asarray(y)))


class CNNTrainer:
    """Mini-batch SGD with momentum on a SmallCNN, a few batches at a time (the widget runs it by frames).

    history: {"loss": mean training loss of every finished epoch, "batch_loss": every batch's loss,
    "diverged": bool, "message": str}. Divergence (a batch loss that is NaN/inf or above BLOWUP times the
    first batch's) is decided by backprop_lib.train.diverged_by, the course's one rule.
    """

    def __init__(self, net: SmallCNN, A0, y, lr: float = 0.1, momentum: float = 0.9, batch_size: int = 32,
                 seed: int = 0):
        self.net = net
        self.lr = real_number(lr, "lr", low=0.0)
        self.momentum = real_number(momentum, "momentum", low=0.0, high=1.0)
        self.batch_size = whole_number(batch_size, "batch_size", minimum=1)
        self.A0 = np.asarray(A0, dtype=np.float64)
        self.y = net._labels(np.asarray(y), len(self.A0))
        self.rng = np.random.default_rng(seed)
        self.velocity = {k: np.zeros_like(v) for k, v in net.params.items()}
        self.history = {"loss": [], "batch_loss": [], "diverged": False, "message": ""}
        self.epoch, self._order, self._start, self._total, self._first = 0, None, 0, 0.0, None

    def run_batches(self, k: int = 1) -> dict:
        """Train k more mini-batches (an epoch ends after the last batch of a shuffled pass); the history."""
        h, n = self.history, len(self.A0)
        for _ in range(whole_number(k, "k", minimum=0)):
            if h["diverged"]:
                break
            if self._order is None:
                self._order, self._start, self._total = self.rng.permutation(n), 0, 0.0
            idx = self._order[self._start:self._start + self.batch_size]
            L, grads = self.net.loss_and_grads(self.A0[idx], self.y[idx])
            self._first = L if self._first is None else self._first
            if diverged_by(L, self._first, BLOWUP):
                h["diverged"] = True
                h["message"] = (f"Training diverged in epoch {self.epoch + 1}: the loss became {L:.3g} (it started "
                                f"at {self._first:.3g}). The steps overshoot and grow: the learning rate "
                                f"lr={self.lr:g} is too large; try lr={self.lr / 10:g}.")
                break
            h["batch_loss"].append(L)
            self._total += L * len(idx)
            for key in PARAMS:
                self.velocity[key] = self.momentum * self.velocity[key] - self.lr * grads[key]
                self.net.params[key] += self.velocity[key]
            self._start += self.batch_size
            if self._start >= n:
                self.epoch += 1
                h["loss"].append(self._total / n)
                self._order = None
        return h

    def run_epochs(self, epochs: int = 1) -> dict:
        """Train whole epochs (stopping early if training diverges); the history."""
        target = self.epoch + whole_number(epochs, "epochs", minimum=0)
        while self.epoch < target and not self.history["diverged"]:
            self.run_batches(1)
        return self.history


def train_cnn(net: SmallCNN, A0, y, lr: float = 0.1, epochs: int = 5, batch_size: int = 32, momentum: float = 0.9,
              seed: int = 0) -> dict:
    """Mini-batch SGD with momentum on `net` in place for `epochs` epochs; returns CNNTrainer's history
    ({"loss": per-epoch mean training loss, "batch_loss", "diverged", "message"})."""
    return CNNTrainer(net, A0, y, lr=lr, momentum=momentum, batch_size=batch_size, seed=seed).run_epochs(epochs)

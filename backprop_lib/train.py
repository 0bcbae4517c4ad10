"""The training loop and its History: loss per epoch, per-layer gradient norms, divergence."""
from __future__ import annotations

import math
import warnings

import numpy as np

from ._validate import as_matrix, real_number, whole_number
from .optim import SGD


class TrainingDiverged(RuntimeWarning):
    """The loss became NaN or inf (or grew past the run's `blowup` limit): training stopped."""


def diverged_by(loss: float, first: float, blowup: float | None = None) -> bool:
    """The course's one divergence rule: the loss is NaN or inf, or, when `blowup` is given, it has grown
    to more than `blowup` times `first` (the loss before training). Every training loop and view decides divergence here."""
    if not math.isfinite(loss):
        return True
    return blowup is not None and loss > blowup * max(first, 1e-12)


class History:
    """What a training run recorded, one entry per epoch.

    loss: mean training loss per epoch (N,); grad_norms: (epochs, n_layers), the mean over the epoch's
    batches of ||dW|| for each layer; val_loss: loss on validation data if given; diverged: whether
    the loss became NaN/inf, diverged_epoch: where (1-based), message: what happened, in words.
    """

    def __init__(self, n_layers: int):
        self.n_layers = n_layers
        self._loss: list[float] = []
        self._val_loss: list[float] = []
        self._grad_norms: list[np.ndarray] = []
        self.diverged = False
        self.diverged_epoch: int | None = None
        self.message = ""

    @property
    def loss(self) -> np.ndarray:
        return np.array(self._loss)

    @property
    def val_loss(self) -> np.ndarray:
        return np.array(self._val_loss)

    @property
    def grad_norms(self) -> np.ndarray:
        return np.array(self._grad_norms).reshape(-1, self.n_layers)

    @property
    def epochs(self) -> int:
        return len(self._loss)

    def __repr__(self) -> str:
        last = f", final loss {self._loss[-1]:.4g}" if self._loss else ""
        return f"History({self.epochs} epochs{last}{', DIVERGED' if self.diverged else ''})"


class Trainer:
    """Mini-batch SGD on a network that can be run a few epochs at a time (the widgets do this).

    The data are checked once here; each epoch shuffles the rows (seeded) and visits every batch.
    """

    def __init__(self, net, X, T, loss: str = "mse", lr: float = 0.1, batch_size: int | None = None,
                 momentum: float = 0.0, seed: int = 0, X_val=None, T_val=None, warn: bool = True,
                 blowup: float | None = None):
        net._check_loss(loss)
        self.net, self.loss_name, self.warn = net, loss, warn
        self.X = as_matrix(X, "X", width=net.sizes[0])
        self.T = net._targets(T, self.X.shape[0])
        if X_val is not None:
            self.X_val = as_matrix(X_val, "X_val", width=net.sizes[0])
            self.T_val = net._targets(T_val, self.X_val.shape[0])
        else:
            self.X_val = self.T_val = None
        n = self.X.shape[0]
        if batch_size is not None:
            batch_size = whole_number(batch_size, "batch_size (or None: full batch)", minimum=1)
        self.batch_size = n if batch_size is None else min(batch_size, n)
        self.blowup = None if blowup is None else real_number(blowup, "blowup", low=1.0)
        self.start_loss: float | None = None   # the untrained network's loss, the yardstick for `blowup`
        self.optimizer = SGD(lr, momentum)
        self.rng = np.random.default_rng(seed)
        self.history = History(len(net.layers))

    @property
    def lr(self) -> float:
        return self.optimizer.lr

    def run(self, epochs: int = 1) -> History:
        """Train `epochs` more epochs (stopping early if the loss becomes NaN/inf); return the History."""
        epochs = whole_number(epochs, "epochs", minimum=0)
        h, net, opt = self.history, self.net, self.optimizer
        n, bs = self.X.shape[0], self.batch_size
        full = bs >= n
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            if self.blowup is not None and self.start_loss is None:
                net._forward(self.X)
                self.start_loss = net._loss_value(self.T, self.loss_name)
            for _ in range(int(epochs)):
                if h.diverged:
                    break
                order = None if full else self.rng.permutation(n)
                total, norms, n_batches = 0.0, np.zeros(len(net.layers)), 0
                for start in range(0, n, bs):
                    if full:
                        Xb, Tb = self.X, self.T
                    else:
                        idx = order[start:start + bs]
                        Xb, Tb = self.X[idx], self.T[idx]
                    value, grads = net._loss_and_grads(Xb, Tb, self.loss_name)
                    if diverged_by(value, value):
                        self._diverge(h.epochs + 1, f"the loss became {value}")
                        break
                    total += value * Xb.shape[0]
                    norms += [np.sqrt(np.sum(g["W"] * g["W"])) for g in grads]
                    n_batches += 1
                    opt.step(net.params, grads)
                if h.diverged:
                    break
                h._loss.append(total / n)
                h._grad_norms.append(norms / n_batches)
                if self.blowup is not None and diverged_by(h._loss[-1], self.start_loss, self.blowup):
                    self._diverge(h.epochs, f"the loss jumped from {self.start_loss:.3g} (before training) to "
                                            f"{h._loss[-1]:.3g}, more than {self.blowup:g} times as much")
                    break
                if self.X_val is not None:
                    net._forward(self.X_val)
                    h._val_loss.append(net._loss_value(self.T_val, self.loss_name))
        return h

    _warn_stacklevel = 3   # TrainingDiverged is reported at the line that called run()

    def _diverge(self, epoch: int, what: str) -> None:
        h = self.history
        h.diverged, h.diverged_epoch = True, epoch
        if getattr(self.net, "init", None) == "naive" and len(self.net.layers) > 1:
            # chapter 7: N(0, 1) weights make activations and gradients grow layer by layer, so that
            # even small steps overshoot; blaming only the learning rate would send students the wrong way
            cause = (f"The initial weights are the likely cause, not only the learning rate lr={self.lr:g}: "
                     f"init='naive' draws every weight from N(0, 1), so activations and gradients grow from "
                     f"layer to layer and the first steps are huge. Try init='he' (relu) or 'xavier' "
                     f"(tanh, sigmoid) with the same learning rate.")
        else:
            cause = (f"The steps overshoot and grow: the learning rate lr={self.lr:g} is too large for this "
                     f"problem. Try a smaller one, e.g. lr={self.lr / 10:g}.")
        h.message = f"Training diverged at epoch {epoch}: {what}. {cause}"
        if self.warn:
            warnings.warn(h.message, TrainingDiverged, stacklevel=self._warn_stacklevel)


def train(net, X, T, loss: str = "mse", lr: float = 0.1, epochs: int = 100, batch_size: int | None = None,
          momentum: float = 0.0, seed: int = 0, X_val=None, T_val=None) -> History:
    """Train `net` in place with mini-batch SGD; return its History.

    batch_size None means full batch; seed fixes the shuffling. If the loss becomes NaN or inf, training
    stops, History.diverged is set and one TrainingDiverged warning says at which epoch.
    """
    trainer = Trainer(net, X, T, loss=loss, lr=lr, batch_size=batch_size, momentum=momentum, seed=seed,
                      X_val=X_val, T_val=T_val)
    trainer._warn_stacklevel = 4   # point the warning at train()'s caller, not at this line
    return trainer.run(epochs)

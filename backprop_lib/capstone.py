"""Chapter 11's capstone: a digit classifier made only of the student's functions, trained epoch by epoch.

The student writes eight functions in the chapter's exercises (their names and shapes are in FUNCTIONS);
`YourNetwork` looks them up by those names in a namespace (the notebook's `globals()`), says which ones are
not written yet, and trains a network built from them on the 8x8 digits. It only glues the pieces
together: the forward pass calls the student's `affine_forward` and `relu`, an epoch is the student's
`train_epoch` (which calls their `loss_and_grads` and `momentum_step`), the loss and the per-layer gradient
norms it records come from the student's `loss_and_grads`. The library's network code is never used.

    net = YourNetwork(globals(), dict(hidden=64, lr=0.05, momentum=0.9, batch_size=32, epochs=10))
    net.problems          # [] when every function is written and runs
    net.train()           # settings["epochs"] epochs (or net.train(3))
    net.history           # per epoch: loss, test_loss, train_acc, test_acc, grad_norms (epochs, layers)
    net.accuracy("test"); net.misclassified(8)
"""
from __future__ import annotations

import traceback

import numpy as np

from . import datasets
from ._validate import real_number, whole_number
from .activations import softmax
from .train import diverged_by

# name -> (exercise number, what it computes)
FUNCTIONS = {
    "affine_forward": (1, "Z = A_prev W + b"),
    "affine_backward": (1, "(dW, db, dA_prev) from delta"),
    "relu": (1, "max(0, z)"),
    "relu_derivative": (1, "relu'(z)"),
    "softmax_cross_entropy": (2, "(loss, dL/dZ) of the mean cross-entropy"),
    "loss_and_grads": (3, "the forward and backward pass of the whole network"),
    "momentum_step": (4, "one update with momentum"),
    "train_epoch": (5, "one epoch of mini-batch training"),
}
SETTINGS = ("hidden", "lr", "momentum", "batch_size", "epochs")
MAX_EPOCHS = 100          # the chapter asks for a network trained in seconds
MAX_HIDDEN = 512
CHUNK = 64                # rows per call when the whole training or test set is evaluated
BLOWUP = 20.0             # a loss 20 times the untrained one has diverged (train.diverged_by decides)

_DATA: dict = {}


def digits_data(test_fraction: float = 0.25, seed: int = 0) -> dict:
    """The digits split as every chapter splits them: X_train (1348, 64), X_test (449, 64) standardised with
    the training set's statistics, y_train, y_test (integer labels), T_train, T_test (one-hot) and
    images_test (449, 8, 8), the raw pixels 0..16 of the test digits. Cached; treat it as read-only."""
    key = (test_fraction, seed)
    if key not in _DATA:
        X, y = datasets.digits()
        X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_fraction, seed=seed)
        images = X_test.reshape(-1, 8, 8)
        X_train, X_test = datasets.standardize(X_train, X_test)
        _DATA[key] = {"X_train": X_train, "X_test": X_test, "y_train": y_train, "y_test": y_test,
                      "T_train": datasets.one_hot(y_train, 10), "T_test": datasets.one_hot(y_test, 10),
                      "images_test": images}
    return _DATA[key]


def check_settings(settings) -> dict:
    """The training settings as a clean dict, or a ValueError that names the problem.

    hidden: units of the hidden layer (an int) or of several (a list of ints); lr > 0; momentum in [0, 1);
    batch_size >= 1; epochs in 1..MAX_EPOCHS."""
    if not isinstance(settings, dict):
        raise ValueError(f"settings must be a dict with the keys {', '.join(SETTINGS)}; got "
                         f"{type(settings).__name__}")
    missing = [k for k in SETTINGS if k not in settings]
    unknown = [k for k in settings if k not in SETTINGS]
    if missing or unknown:
        raise ValueError(f"settings must have exactly the keys {', '.join(SETTINGS)}"
                         + (f"; missing {', '.join(missing)}" if missing else "")
                         + (f"; unknown {', '.join(map(str, unknown))}" if unknown else ""))
    hidden = settings["hidden"]
    hidden = list(hidden) if isinstance(hidden, (list, tuple)) else [hidden]
    hidden = [whole_number(h, "each hidden layer's number of units", minimum=1, maximum=MAX_HIDDEN) for h in hidden]
    return {"hidden": hidden,
            "lr": real_number(settings["lr"], "the learning rate lr", low=0.0, low_open=True),
            "momentum": real_number(settings["momentum"], "momentum (the fraction of the velocity kept, mu)",
                                    low=0.0, high=1.0, high_open=True),
            "batch_size": whole_number(settings["batch_size"], "batch_size", minimum=1),
            "epochs": whole_number(settings["epochs"], "epochs", minimum=1, maximum=MAX_EPOCHS)}


def init_params(sizes, seed: int = 0) -> dict:
    """He initialisation (chapter 7): W_l ~ N(0, 2 / n_{l-1}) of shape (n_{l-1}, n_l), b_l = 0 (n_l,)."""
    rng = np.random.default_rng(seed)
    params = {}
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{l}"] = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
        params[f"b{l}"] = np.zeros(n_out)
    return params


# ------------------------------------------------------------------------------------------------
# Are the student's functions written?
# ------------------------------------------------------------------------------------------------
def _probe_inputs(name: str, ns: dict):
    rng = np.random.default_rng(0)
    A, W, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=2)
    T = np.eye(2)[[0, 1, 1]]
    params = {"W1": rng.normal(size=(4, 3)), "b1": np.zeros(3), "W2": rng.normal(size=(3, 2)), "b2": np.zeros(2)}
    grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    return {"affine_forward": (A, W, b), "affine_backward": (rng.normal(size=(3, 2)), A, W),
            "relu": (A,), "relu_derivative": (A,), "softmax_cross_entropy": (A[:, :2], T),
            "loss_and_grads": (A, T, params), "momentum_step": (params, grads, velocity, 0.1, 0.9),
            "train_epoch": (A, T, params, velocity, 0.1, 0.9, 2, np.random.default_rng(0))}[name]


def _raised_in(name: str, exc: BaseException) -> str:
    """Which of the exercises' functions raised exc: the innermost frame of the traceback that has one of
    their names (`name` itself when none has, e.g. a stub with another name)."""
    frames = [f.name for f in traceback.extract_tb(exc.__traceback__)]
    return next((f for f in reversed(frames) if f in FUNCTIONS), name)


def function_problems(ns: dict, names=tuple(FUNCTIONS)) -> list[str]:
    """One line per function of `names` that is missing from `ns`, not written yet (raises
    NotImplementedError), waiting for one that is not, or raising an error on a small valid input."""
    problems = []
    for name in names:
        ex = FUNCTIONS[name][0]
        fn = ns.get(name)
        if fn is None:
            problems.append(f"{name} (exercise {ex}) is not defined: run its cell.")
            continue
        if not callable(fn):
            problems.append(f"{name} (exercise {ex}) should be a function, but it is a {type(fn).__name__}.")
            continue
        try:
            with np.errstate(all="ignore"):
                fn(*_probe_inputs(name, ns))
        except NotImplementedError as e:
            where = _raised_in(name, e)
            if where == name:
                problems.append(f"{name} (exercise {ex}) is not written yet.")
            else:
                problems.append(f"{name} (exercise {ex}) calls {where}, which is not written yet.")
        except Exception as e:        # the student's code: report it in one line, never a traceback
            problems.append(f"{name} (exercise {ex}) raises {type(e).__name__}: {e} (run its check).")
    return problems


# ------------------------------------------------------------------------------------------------
# The network
# ------------------------------------------------------------------------------------------------
class CapstoneHistory:
    """Per epoch: loss (training loss after the epoch, from loss_and_grads on all training digits),
    test_loss, train_acc, test_acc, grad_norms (epochs, layers): ||dL/dW_l|| on all training digits;
    batch_losses: every batch's loss as train_epoch returned it. Entry 0 is the untrained network."""

    def __init__(self):
        self.loss, self.test_loss, self.train_acc, self.test_acc = [], [], [], []
        self._grad_norms, self.batch_losses = [], []
        self.diverged, self.message = False, ""

    @property
    def grad_norms(self) -> np.ndarray:
        return np.array(self._grad_norms)

    @property
    def epochs(self) -> int:
        """Epochs trained (the untrained network's entry 0 does not count)."""
        return max(len(self.loss) - 1, 0)


class YourNetwork:
    """A 64-hidden-10 classifier for the digits built from the student's functions (see the module doc).

    `problems` lists what stops it (functions not written, bad settings); when it is empty, `train(epochs)`
    runs the student's train_epoch and records the history. An error raised by the student's code stops
    training and is kept in `error` (one line), never raised."""

    def __init__(self, namespace: dict, settings, seed: int = 0, data: dict | None = None):
        self.ns, self.seed = namespace, seed
        self.data = digits_data() if data is None else data
        self.problems = []
        self.settings = None
        if settings is None:
            self.problems.append("settings is still None: choose the training settings (exercise 6).")
        else:
            try:
                self.settings = check_settings(settings)
            except ValueError as e:
                self.problems.append(f"The settings are not usable: {e}.")
        self.problems += function_problems(namespace)
        self.error = ""
        self.reset()

    @property
    def ready(self) -> bool:
        return not self.problems

    @property
    def sizes(self) -> list[int]:
        hidden = self.settings["hidden"] if self.settings else [64]
        return [64, *hidden, 10]

    def reset(self) -> None:
        """Fresh He-initialised weights (same seed), zero velocity, the shuffling generator, an empty history;
        the untrained network is recorded as entry 0."""
        self.params = init_params(self.sizes, self.seed)
        self.velocity = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.rng = np.random.default_rng(self.seed)
        self.history = CapstoneHistory()
        self.error = ""
        if self.ready:
            try:
                self._record()
            except Exception as e:      # the student's code: one line, never a traceback
                self.error = (f"Your functions fail on the untrained network: {type(e).__name__}: {e}. "
                              "Run the exercises' checks to find which function.")

    def not_ready_message(self) -> str:
        return "Your network cannot train yet:\n  - " + "\n  - ".join(self.problems)

    def _fn(self, name):
        return self.ns[name]

    def logits(self, X) -> np.ndarray:
        """The last layer's Z for the rows of X, by the student's affine_forward and relu (in chunks of CHUNK
        rows: the same numbers, and it keeps small products off the BLAS thread pool)."""
        L, out = len(self.params) // 2, []
        for start in range(0, X.shape[0], CHUNK):
            A = X[start:start + CHUNK]
            for l in range(1, L + 1):
                Z = self._fn("affine_forward")(A, self.params[f"W{l}"], self.params[f"b{l}"])
                A = self._fn("relu")(Z) if l < L else Z
            out.append(np.asarray(A, dtype=float))
        return np.concatenate(out)

    def full_loss_and_grads(self, X, T):
        """The student's loss_and_grads over all rows of (X, T), computed in chunks of CHUNK rows and
        combined with weights n_chunk / N: the mean loss and its gradients, exact up to round-off."""
        N, loss, grads = X.shape[0], 0.0, None
        for start in range(0, N, CHUNK):
            part_loss, part = self._fn("loss_and_grads")(X[start:start + CHUNK], T[start:start + CHUNK], self.params)
            w = min(CHUNK, N - start) / N
            loss += w * float(part_loss)
            grads = {k: w * np.asarray(g, dtype=float) for k, g in part.items()} if grads is None else \
                {k: grads[k] + w * np.asarray(part[k], dtype=float) for k in grads}
        return loss, grads

    def predict(self, X) -> np.ndarray:
        return np.argmax(self.logits(X), axis=1)

    def accuracy(self, split: str = "test") -> float:
        d = self.data
        X, y = (d["X_test"], d["y_test"]) if split == "test" else (d["X_train"], d["y_train"])
        with np.errstate(all="ignore"):
            return float(np.mean(self.predict(X) == y))

    def _record(self) -> None:
        d, h = self.data, self.history
        with np.errstate(all="ignore"):
            loss, grads = self.full_loss_and_grads(d["X_train"], d["T_train"])
            test_loss, _ = self._fn("softmax_cross_entropy")(self.logits(d["X_test"]), d["T_test"])
            L = len(self.params) // 2
            h._grad_norms.append([float(np.linalg.norm(grads[f"W{l}"])) for l in range(1, L + 1)])
        h.loss.append(float(loss))
        h.test_loss.append(float(test_loss))
        h.train_acc.append(self.accuracy("train"))
        h.test_acc.append(self.accuracy("test"))

    def train(self, epochs: int | None = None):
        """Train `epochs` more epochs (default: the settings' epochs) with the student's train_epoch; return
        the history. Stops when the loss diverges (train.diverged_by) or the student's code raises."""
        if not self.ready or self.error:
            return self.history
        epochs = self.settings["epochs"] if epochs is None else whole_number(epochs, "epochs", minimum=0)
        s, d, h = self.settings, self.data, self.history
        for _ in range(epochs):
            if h.diverged or self.error:
                break
            try:
                with np.errstate(all="ignore"):
                    out = self._fn("train_epoch")(d["X_train"], d["T_train"], self.params, self.velocity, s["lr"],
                                                  s["momentum"], s["batch_size"], self.rng)
                    self.params, self.velocity, losses = out
                    h.batch_losses.extend(float(x) for x in losses)
                    self._record()
            except Exception as e:      # the student's code: one line, never a traceback
                self.error = (f"Training stopped at epoch {h.epochs + 1}: your code raised {type(e).__name__}: {e}. "
                              "Run the exercises' checks to find which function.")
                break
            if diverged_by(h.loss[-1], h.loss[0], BLOWUP):
                h.diverged = True
                h.message = (f"Training diverged at epoch {h.epochs}: the loss went from {h.loss[0]:.3g} (untrained) "
                             f"to {h.loss[-1]:.3g}. The steps overshoot: the learning rate lr={s['lr']:g} is too "
                             f"large (with momentum {s['momentum']:g}); try lr={s['lr'] / 10:g}.")
        return h

    def misclassified(self, k: int = 8):
        """Up to k wrongly classified test digits: (indices, images (k, 8, 8), true labels, guesses,
        the probability the network gives its guess)."""
        d = self.data
        with np.errstate(all="ignore"):
            p = softmax(self.logits(d["X_test"]))
        guess = np.argmax(p, axis=1)
        idx = np.flatnonzero(guess != d["y_test"])[:k]
        return idx, d["images_test"][idx], d["y_test"][idx], guess[idx], p[idx, guess[idx]]

    def summary(self) -> str:
        """One paragraph: what was trained and how well, or what stops it."""
        if not self.ready:
            return self.not_ready_message()
        h, s = self.history, self.settings
        sizes = "-".join(map(str, self.sizes))
        text = (f"{sizes} network of your functions, {h.epochs} epochs (lr {s['lr']:g}, momentum {s['momentum']:g}, "
                f"batches of {s['batch_size']}): training loss {h.loss[-1]:.4f}, accuracy train "
                f"{h.train_acc[-1]:.1%}, test {h.test_acc[-1]:.1%}")
        if h.diverged:
            text += "\n" + h.message
        if self.error:
            text += "\n" + self.error
        return text

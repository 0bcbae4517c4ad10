"""Small seeded data sets, numpy only. Each returns (X, y): X float64 (N, 2) (digits: (N, 64)),
y integer class labels (N,)."""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from ._validate import choice, real_number, whole_number

GATES = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "xor": [0, 1, 1, 0], "nand": [1, 1, 1, 0]}
DATASETS = ("xor", "blobs", "circles", "moons", "spirals")


def _n(n, what="n", minimum=1) -> int:
    return whole_number(n, what, minimum=minimum)


def _noise(noise) -> float:
    return real_number(noise, "noise", low=0.0)


def logic_gate(name: str = "and"):
    """The four points of a two-input truth table: X (4, 2) in {0, 1}, y (4,)."""
    y = np.array(GATES[choice("gate", name, GATES)])
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    return X, y


def xor(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Points in the four quadrants of [-1, 1]^2 (kept 0.15 away from the axes, then jittered by
    `noise`); class 1 where x1 * x2 < 0, the XOR pattern."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.15, 1, size=(_n(n), 2)) * rng.choice([-1.0, 1.0], size=(n, 2))
    y = (X[:, 0] * X[:, 1] < 0).astype(int)
    X += rng.normal(0, _noise(noise), size=X.shape)
    return X, y


def blobs(n: int = 200, classes: int = 2, noise: float = 0.5, seed: int = 0):
    """Gaussian blobs with centres on a circle of radius 2 and standard deviation `noise`."""
    rng = np.random.default_rng(seed)
    n, k = _n(n), _n(classes, "classes", 2)
    y = np.arange(n) % k
    angle = 2 * np.pi * np.arange(k) / k + np.pi / 4
    centres = 2.0 * np.c_[np.cos(angle), np.sin(angle)]
    X = centres[y] + rng.normal(0, _noise(noise), size=(n, 2))
    return X, y


def circles(n: int = 200, noise: float = 0.1, factor: float = 0.5, seed: int = 0):
    """Two concentric rings, radius 1 (class 0) and `factor` (class 1)."""
    rng = np.random.default_rng(seed)
    n = _n(n)
    y = np.arange(n) % 2
    t = rng.uniform(0, 2 * np.pi, n)
    r = np.where(y == 1, factor, 1.0)
    X = np.c_[r * np.cos(t), r * np.sin(t)] + rng.normal(0, _noise(noise), size=(n, 2))
    return X, y


def moons(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles, centred around the origin."""
    rng = np.random.default_rng(seed)
    n = _n(n)
    y = np.arange(n) % 2
    t = rng.uniform(0, np.pi, n)
    X = np.where(y[:, None] == 0, np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)])
    X = X - [0.5, 0.25] + rng.normal(0, _noise(noise), size=(n, 2))
    return X, y


def spirals(n: int = 300, classes: int = 3, noise: float = 0.1, seed: int = 0):
    """`classes` interleaved spiral arms (the CS231n toy set), radius up to 1."""
    rng = np.random.default_rng(seed)
    n, k = _n(n), _n(classes, "classes", 2)
    y = np.arange(n) % k
    r = rng.uniform(0.05, 1.0, n)
    t = y * 2 * np.pi / k + 4.0 * r + rng.normal(0, _noise(noise), n)
    return np.c_[r * np.sin(t), r * np.cos(t)], y


def load(name: str, n: int = 200, noise: float | None = None, seed: int = 0, classes: int | None = None):
    """Any of the 2-D sets by name: "xor", "blobs", "circles", "moons", "spirals"."""
    fn = {"xor": xor, "blobs": blobs, "circles": circles, "moons": moons, "spirals": spirals}[
        choice("data set", name, DATASETS)]
    kw = {"n": n, "seed": seed}
    if noise is not None:
        kw["noise"] = noise
    if classes is not None and name in ("blobs", "spirals"):
        kw["classes"] = classes
    return fn(**kw)


def digits():
    """The 8x8 handwritten digits scikit-learn ships: X (1797, 64) with pixels 0..16, y (1797,) in 0..9."""
    with gzip.open(Path(__file__).with_name("data") / "digits.csv.gz", "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    return data[:, :-1], data[:, -1].astype(int)


def one_hot(y, classes: int | None = None) -> np.ndarray:
    """Integer labels (N,) -> one-hot rows (N, classes)."""
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"one_hot needs a 1-D array of integer labels, got {y.dtype} of shape {y.shape}")
    k = int(y.max()) + 1 if classes is None else _n(classes, "classes")
    if y.size and (y.min() < 0 or y.max() >= k):
        raise ValueError(f"labels must lie in 0..{k - 1}, got {y.min()}..{y.max()}")
    return np.eye(k)[y]


def train_test_split(X, y, test_fraction: float = 0.25, seed: int = 0):
    """Shuffle (seeded) and split: X_train, X_test, y_train, y_test."""
    X, y = np.asarray(X), np.asarray(y)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction}")
    if X.shape[0] < 2:
        raise ValueError(f"train_test_split needs at least 2 rows, got {X.shape[0]}")
    idx = np.random.default_rng(seed).permutation(X.shape[0])
    n_test = min(max(1, int(round(test_fraction * X.shape[0]))), X.shape[0] - 1)   # both parts non-empty
    return X[idx[n_test:]], X[idx[:n_test]], y[idx[n_test:]], y[idx[:n_test]]


def standardize(X_train, *others):
    """Scale columns to mean 0, std 1 using the training set's statistics (constant columns left at 0)."""
    mu = X_train.mean(axis=0)
    sd = X_train.std(axis=0)
    sd[sd == 0] = 1.0
    out = [(X_train - mu) / sd] + [(Xo - mu) / sd for Xo in others]
    return out[0] if not others else tuple(out)


def upsample(image: np.ndarray, size: int) -> np.ndarray:
    """Bilinear interpolation of a square image to size x size (numpy only)."""
    n = image.shape[0]
    t = np.linspace(0, n - 1, size)
    rows = np.array([np.interp(t, np.arange(n), r) for r in image])          # (n, size)
    return np.array([np.interp(t, np.arange(n), c) for c in rows.T]).T       # (size, size)


def digit_images(size: int = 21) -> list[np.ndarray]:
    """The first example of each digit 0..9 from bl.datasets.digits(), scaled to [0, 1] and smoothly
    enlarged from 8x8 to size x size pixels (21 is odd, so stride 2 fits with any padding)."""
    X, y = digits()
    return [upsample(X[np.argmax(y == d)].reshape(8, 8) / 16.0, size) for d in range(10)]

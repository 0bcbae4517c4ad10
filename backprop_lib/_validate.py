"""Input checks that turn bad input into one clear ValueError instead of a deep numpy traceback."""
from __future__ import annotations

from typing import Iterable

import numpy as np


def choice(kind: str, name, valid: Iterable[str]) -> str:
    """Return `name` if it is one of `valid`, else raise a ValueError that lists the valid names."""
    valid = list(valid)
    if not isinstance(name, str) or name not in valid:
        raise ValueError(f"unknown {kind} {name!r}; valid {kind}s are: {', '.join(repr(v) for v in valid)}")
    return name


def as_matrix(x, what: str = "X", width: int | None = None) -> np.ndarray:
    """A float64 (N, width) array with no NaN or inf; a 1-D input is read as one column when width is 1."""
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what} must be numeric: {e}") from None
    if a.ndim == 1 and (width == 1 or a.shape[0] == 0):   # [] is an empty batch, not a shape error
        a = a[:, None]
    elif a.ndim == 1 and width is not None and a.shape[0] == width:
        a = a[None, :]
    if a.ndim != 2:
        expects = "" if width is None else f" (the network's first layer expects {width} features)"
        raise ValueError(f"{what} must be a 2-D array of shape (N, features), got shape {a.shape}{expects}")
    if a.shape[0] == 0:
        raise ValueError(f"{what} is an empty batch (0 rows)")
    if width is not None and a.shape[1] != width:
        raise ValueError(f"{what} has {a.shape[1]} columns but the network's first layer expects {width}")
    if not np.isfinite(a).all():
        bad = "NaN" if np.isnan(a).any() else "inf"
        raise ValueError(f"{what} contains {bad} (at row {int(np.argwhere(~np.isfinite(a))[0, 0])})")
    return a


def as_targets(t, n_rows: int, n_out: int, one_hot_labels: bool) -> np.ndarray:
    """Targets as a float64 (N, n_out) array.

    A 1-D target is a column when n_out == 1, or integer class labels when one_hot_labels is true.
    """
    t = np.asarray(t)
    if t.ndim == 1 and n_out > 1 and one_hot_labels:
        if t.shape[0] != n_rows:
            raise ValueError(f"targets have {t.shape[0]} rows but the inputs have {n_rows}")
        if not np.issubdtype(t.dtype, np.integer):
            if not np.issubdtype(t.dtype, np.floating) or not np.all(np.isfinite(t)) or np.any(t != np.round(t)):
                raise ValueError("1-D targets for a softmax output must be integer class labels")
            t = t.astype(np.int64)
        if t.size and (t.min() < 0 or t.max() >= n_out):
            raise ValueError(f"class labels must lie in 0..{n_out - 1}, got {t.min()}..{t.max()}")
        out = np.zeros((n_rows, n_out))
        out[np.arange(n_rows), t] = 1.0
        return out
    if t.ndim == 1 and n_out == 1:
        t = t[:, None]
    t = as_matrix(t, "targets T")
    if t.shape[0] != n_rows:
        raise ValueError(f"targets have {t.shape[0]} rows but the inputs have {n_rows}")
    if t.shape[1] != n_out:
        raise ValueError(f"targets have {t.shape[1]} columns but the network has {n_out} outputs")
    return t

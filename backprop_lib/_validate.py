"""Input checks that turn bad input into one clear ValueError instead of a deep numpy traceback."""
from __future__ import annotations

import math
import numbers
from typing import Iterable

import numpy as np


def choice(kind: str, name, valid: Iterable[str]) -> str:
    """Return `name` if it is one of `valid`, else raise a ValueError that lists the valid names."""
    valid = list(valid)
    if not isinstance(name, str) or name not in valid:
        raise ValueError(f"unknown {kind} {name!r}; valid {kind}s are: {', '.join(repr(v) for v in valid)}")
    return name


def whole_number(value, what: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """`value` as an int if it is a whole number (not a bool) within [minimum, maximum], else a ValueError
    that names `what` and the allowed range."""
    ok = not isinstance(value, bool) and isinstance(value, numbers.Integral)
    if ok and ((minimum is not None and value < minimum) or (maximum is not None and value > maximum)):
        ok = False
    if not ok:
        if minimum is not None and maximum is not None:
            allowed = f"a whole number from {minimum} to {maximum}"
        elif minimum is not None:
            allowed = f"a whole number >= {minimum}"
        elif maximum is not None:
            allowed = f"a whole number <= {maximum}"
        else:
            allowed = "a whole number"
        raise ValueError(f"{what} must be {allowed}, got {value!r}")
    return int(value)


def real_number(value, what: str, low: float | None = None, high: float | None = None,
                low_open: bool = False, high_open: bool = False) -> float:
    """`value` as a float if it is a finite real number (not a bool) within the given bounds (closed unless
    `low_open`/`high_open`), else a ValueError that names `what` and the bounds."""
    ok = (not isinstance(value, bool) and isinstance(value, (numbers.Real, np.floating, np.integer))
          and math.isfinite(float(value)))
    if ok:
        v = float(value)
        if low is not None and (v < low or (low_open and v == low)):
            ok = False
        if high is not None and (v > high or (high_open and v == high)):
            ok = False
    if not ok:
        bounds = []
        if low is not None:
            bounds.append(f"{'>' if low_open else '>='} {low:g}")
        if high is not None:
            bounds.append(f"{'<' if high_open else '<='} {high:g}")
        rule = f" {' and '.join(bounds)}" if bounds else ""
        raise ValueError(f"{what} must be a finite number{rule}, got {value!r}")
    return float(value)


def one_of(what: str, value, options) -> object:
    """`value` if it is one of `options` (any values, not only names), else a ValueError listing them."""
    if value not in options:
        raise ValueError(f"{what} must be one of {', '.join(repr(o) for o in options)}; got {value!r}")
    return value


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

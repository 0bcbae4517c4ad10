"""Exercise checks with feedback a student can act on.

A passing check prints one line starting with a check mark. A failing check raises CheckFailed, whose
notebook rendering is the message alone (which input, expected vs got, a hint), not a traceback;
because it is still an error, nbgrader's autograder scores the cell 0.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np


class CheckFailed(AssertionError):
    """A wrong answer. In IPython it renders as its message only."""

    def _render_traceback_(self):
        lines = str(self).splitlines() or ["Not yet right."]
        return ["\x1b[1;31m" + lines[0] + "\x1b[0m"] + lines[1:]


def passed(message: str) -> None:
    print(f"\u2705 {message}")


def fail(message: str, hint: str | None = None) -> None:
    raise CheckFailed(f"\u274c {message}" + (f"\nHint: {hint}" if hint else ""))


def fmt(value: Any) -> str:
    """A short, readable rendering of a number or array for feedback messages."""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if isinstance(value, np.ndarray) or isinstance(value, (list, tuple)):
        try:
            arr = np.asarray(value, dtype=float)
            with np.printoptions(precision=4, suppress=True, threshold=12, edgeitems=3):
                return np.array2string(arr, separator=", ") + (f" (shape {arr.shape})" if arr.ndim > 1 else "")
        except (TypeError, ValueError):
            pass
    return repr(value)


def _describe_args(args: tuple, names: Iterable[str] | None) -> str:
    names = list(names) if names else [f"arg{i}" for i in range(len(args))]
    return ", ".join(f"{n}={fmt(a)}" for n, a in zip(names, args))


def close(got, expected, rtol: float = 1e-6, atol: float = 1e-9) -> tuple[bool, str]:
    """Compare two numbers/arrays (or tuples of them, e.g. (dW, db)); return (ok, why-not)."""
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return False, f"expected a tuple of {len(expected)} values, got {type(got).__name__} {fmt(got)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            ok, why = close(g, e, rtol, atol)
            if not ok:
                return False, f"item {i} of the returned tuple: {why}"
        return True, ""
    try:
        got_arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False, f"expected a number or array, got {type(got).__name__} {got!r}"
    exp_arr = np.asarray(expected, dtype=float)
    if got_arr.shape != exp_arr.shape:
        if got_arr.size == exp_arr.size and got_arr.size > 0:
            return False, f"the values may be right but the shape is {got_arr.shape}, expected {exp_arr.shape}"
        return False, f"shape {got_arr.shape}, expected {exp_arr.shape}"
    if not np.all(np.isfinite(got_arr)) and np.all(np.isfinite(exp_arr)):
        return False, "the result contains NaN or inf"
    if not np.allclose(got_arr, exp_arr, rtol=rtol, atol=atol):
        return False, f"expected {fmt(expected)}, got {fmt(got)}"
    return True, ""


def check_value(name: str, got, expected, hint: str | None = None, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Check a single value the student computed."""
    ok, why = close(got, expected, rtol, atol)
    if not ok:
        fail(f"{name}: {why}", hint)
    passed(f"{name} is correct.")


def run_student(fn, name: str, where: str, hint: str | None, *args):
    """Call the student's fn on copies of args; a crash, a stub or a missing return becomes a message."""
    if not callable(fn):
        fail(f"{name} should be a function, but it is a {type(fn).__name__}.", hint)
    copies = tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args)
    try:
        with np.errstate(all="ignore"):
            got = fn(*copies)
    except NotImplementedError:
        fail(f"{name} is not written yet (it raises NotImplementedError).", hint)
    except Exception as e:   # the student's code failed: say where, not a traceback
        fail(f"{where} raised {type(e).__name__}: {e}", hint)
    if got is None:
        fail(f"{where} returned None. Did you forget `return`?", hint)
    return got


def check_function(fn: Callable, reference: Callable, cases: list[tuple], name: str | None = None,
                   arg_names: Iterable[str] | None = None, hint: str | None = None, rtol: float = 1e-6,
                   atol: float = 1e-9, quiet: bool = False) -> None:
    """Call the student's fn and the reference on every case (a tuple of arguments) and compare."""
    name = name or getattr(fn, "__name__", "your function")
    if not callable(fn):
        fail(f"{name} should be a function, but it is a {type(fn).__name__}.", hint)
    for args in cases:
        copies = tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args)
        expected = reference(*copies)
        where = f"{name}({_describe_args(args, arg_names)})"
        got = run_student(fn, name, where, hint, *args)
        ok, why = close(got, expected, rtol, atol)
        if not ok:
            fail(f"{where}: {why}", hint)
    if not quiet:
        passed(f"{name} gives the right answer on {len(cases)} test input{'s' if len(cases) != 1 else ''}.")

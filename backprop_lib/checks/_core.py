"""Exercise checks that teach: a hint ladder, checks of the method, and messages that never hold the solution.

How feedback works
------------------
A passing check prints one line that starts with ``PASS_MARK`` ("Correct:"). A failing check raises
``CheckFailed``; in a notebook it renders as its message only (no traceback), first line in bold red, and
because it is still an error nbgrader's autograder scores the cell 0. The marks are plain words, styled
with ANSI colour inside a kernel (JupyterLab and nbgrader's feedback HTML both render it), so nothing
depends on an emoji font (a stock Debian Chromium shows ✅/❌ as empty boxes).

A pass is also noted on this computer for the start page (``_record_pass`` -> ``backprop_lib.progress``):
the exercise is the one the running ``chNN.check_*`` function names (``exercise_of``); nothing is noted
in a grading run or an nbgrader course folder, and a pass of the code in the chapter's own solution cell
(still marked ``### BEGIN SOLUTION``) is noted as the course's, not the student's. It never raises.

The hint ladder
---------------
Every exercise has an ``Exercise`` object that owns its feedback. Failures of the same exercise climb a
ladder (counted per exercise in this kernel; ``reset_ladder()`` starts again):

  rung 1 (first failure)   the message (which input, expected vs got) and **the kind of slip**
  rung 2 (second failure)  + **where to reread** (section / equation)
  rung 3 (third and later) + a **code-level hint**, which still never contains the solution's code

A stub (raises NotImplementedError, returns None, value still None) is not a slip: it gets "where to
start" (``Exercise.start``), never the recipe, and does not climb the ladder. In a grading run
(``grading()``: the environment variable BACKPROP_GRADING=1 that ``tools/homework.py autograde`` sets, or
nbgrader's own layout, a kernel started in ``COURSE/autograded/STUDENT/ASSIGNMENT`` with
``COURSE/nbgrader_config.py``) only rung 1 is shown, so the feedback HTML never carries more.

Writing a check with the ladder
-------------------------------
    EX1 = Exercise("ch01.ex1", "neuron_forward",
                   start="Section 2 defines the neuron: first the weighted sum, then the activation.",
                   reread="Section 2, the definition of z and a (equation 1.1).",
                   code="The weighted sum of two 1-D arrays is one number; sigma is applied after it.")

    def check_neuron_forward(fn, hidden=False):
        cases = [Case((x, w, b)) ...]          # or plain tuples of arguments
        check_cases(EX1, fn, _reference, cases, arg_names=("x", "w", "b"),
                    slips=[Slip("the bias is missing", lambda x, w, b: ..., reread=..., code=...)],
                    quiet=hidden)

``check_cases`` calls the student's function on every case (through ``Exercise.call``: it reports a stub,
a crash, a missing return, a changed input array, a call to a forbidden function) and compares with the
reference (``compare``). When they differ it asks each ``Slip`` what that slip would have returned on
this input; the first slip whose prediction matches names the mistake (its ``kind`` on rung 1, its own
``reread``/``code`` on the higher rungs). Unnamed differences fall back to the exercise's generic texts.
For anything else, call ``EX.fail(message, kind, reread=None, code=None)`` (a slip),
``EX.not_written(message)`` (a stub) and ``EX.passed(message)`` yourself.

Checks of the method
--------------------
- ``Forbidden(label, why, targets)`` + ``Exercise.call(..., forbid=[...])``: the named functions (e.g.
  ``bl.numerical_gradient``, ``np.gradient``, a library function that *is* the answer) are replaced, for
  the duration of the student's call, by spies that still compute; they are patched in their modules and
  wherever the student's function's globals hold them (``from backprop_lib import numerical_gradient``).
  A call fails the check with the label and the reason. ``Spy`` counts calls (e.g. to a forward
  function: a finite-difference answer calls the loss 2n times).
- ``compare(..., exact=True)`` uses a tolerance tight enough that finite differences (error >= 1e-7
  relative on the inputs the checks choose: large |z|, steep slopes, large targets) fail while any exact
  formula (a loop, einsum, another algebraic form: round-off <= 1e-13) passes with a margin of >= 100 on
  both sides, on any IEEE machine. A result that agrees to 1e-4 but not to round-off is reported as
  "looks like a numerical estimate".
- Input arrays are passed as copies and compared afterwards: an in-place change is a named slip.
- ``dtype="float"`` rejects bool/integer/float32 results with a message that says so.

Writing a catalogue (tests/catalogue/chNN.py)
---------------------------------------------
Each chapter's catalogue module defines ``CHAPTER = "chapters/NN_name.py"`` and ``EXERCISES``, a list of
``tests.catalogue.Exercise(grade_id, check, stub, wrong=[Wrong(label, answer, phrase)...], right=[...])``
(without the list the runner takes the module's Exercise instances); see tests/catalogue/__init__.py.
``check(answer, hidden=False)`` runs the chapter's check on an answer (a function, or a value for value
exercises); ``grade_id`` names the solution cell (its ``### BEGIN SOLUTION`` part is the reference the
leak test compares every message with); every wrong answer must fail at all three rungs with ``phrase``
in its first message; every right answer must pass the visible and the hidden check. The generic runner
is ``tests/test_check_catalogue.py``.
"""
from __future__ import annotations

import inspect
import linecache
import os
import re
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .. import gradcheck as _gradcheck
from .. import progress as _progress

PASS_MARK = "Correct:"
FAIL_MARK = "Not yet:"
GRADING_ENV = "BACKPROP_GRADING"
LADDER_NOTE = ("(Change your code and run the check again: a second failure says where to reread, "
               "a third gives a hint for the code.)")


# ------------------------------------------------------------------------------------------------
# Output
# ------------------------------------------------------------------------------------------------
def _in_kernel() -> bool:
    ip = sys.modules.get("IPython")
    try:
        shell = ip.get_ipython() if ip is not None else None
    except Exception:
        return False
    return shell is not None and hasattr(shell, "kernel")


class CheckFailed(AssertionError):
    """A wrong answer. In IPython it renders as its message only, the first line bold red."""

    def _render_traceback_(self):
        lines = str(self).splitlines() or [FAIL_MARK]
        return ["\x1b[1;31m" + lines[0] + "\x1b[0m"] + lines[1:]


def passed(message: str) -> None:
    """Print the pass line: 'Correct: ...' (bold green inside a kernel), and note the pass on this
    machine for the start page (``_record_pass``)."""
    mark = f"\x1b[1;32m{PASS_MARK}\x1b[0m" if _in_kernel() else PASS_MARK
    print(f"{mark} {message}")
    _record_pass()


def fail(message: str, hint: str | None = None) -> None:
    """A failure without a ladder (older checks). Prefer Exercise.fail."""
    raise CheckFailed(f"{FAIL_MARK} {message}" + (f"\nHint: {hint}" if hint else ""))


def grading() -> bool:
    """True in an nbgrader grading run: BACKPROP_GRADING=1, or a kernel in COURSE/autograded/S/A."""
    flag = os.environ.get(GRADING_ENV)
    if flag is not None:
        return flag.strip() not in ("", "0", "false", "no")
    try:
        cwd = Path.cwd()
        return (len(cwd.parents) >= 3 and cwd.parents[1].name == "autograded"
                and (cwd.parents[2] / "nbgrader_config.py").exists())
    except OSError:
        return False


# ------------------------------------------------------------------------------------------------
# Progress on this machine (backprop_lib.progress; the start page shows it)
# ------------------------------------------------------------------------------------------------
SOLUTION_MARK = "### BEGIN SOLUTION"
_COURSE_FOLDERS = ("source", "release", "submitted", "autograded", "feedback")
_EXERCISE_OF: dict[types.CodeType, Any] = {}


def _names_in(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names_in(const)
    return names


def exercise_key(ex: "Exercise") -> str:
    """The exercise an Exercise belongs to: "ch11.ex1" for "ch11.ex1" and for a part, "ch11.ex1.relu"."""
    m = re.match(r"ch\d\d\.ex\d+", ex.key)
    return m.group(0) if m else ex.key


def exercise_of(check: Callable):
    """The exercise a chapter's check function reports on, as (key, Exercise objects): the Exercises of
    its module that its code names (EX1, or the parts EX1_FORWARD, EX1_RELU, ... of one exercise), all
    of one exercise key; None if they belong to no or several exercises."""
    code = getattr(check, "__code__", None)
    if code is None:
        return None
    if code not in _EXERCISE_OF:
        g = getattr(check, "__globals__", {})
        found = {id(v): v for n in _names_in(code) if isinstance(v := g.get(n), Exercise)}
        keys = {exercise_key(ex) for ex in found.values()}
        _EXERCISE_OF[code] = (keys.pop(), sorted(found.values(), key=lambda ex: ex.key)) if len(keys) == 1 else None
    return _EXERCISE_OF[code]


def _running_check():
    """((key, parts), answer) of the outermost chapter check (checks.chNN.check_*) on the call stack."""
    found = None
    frame = sys._getframe(2)
    while frame is not None:
        g, code = frame.f_globals, frame.f_code
        if (str(g.get("__name__", "")).startswith(f"{__package__}.ch") and code.co_name.startswith("check_")
                and getattr(g.get(code.co_name), "__code__", None) is code):
            exercise = exercise_of(g[code.co_name])
            if exercise is not None:
                answer = frame.f_locals.get(code.co_varnames[0]) if code.co_argcount else None
                found = (exercise, answer)
        frame = frame.f_back
    return found


def _in_solution_region(lines: list[str], start: int) -> bool:
    """Is line `start` inside a ### BEGIN SOLUTION ... ### END SOLUTION region of these lines?"""
    before = "".join(lines[:start])
    return before.rfind(SOLUTION_MARK) > before.rfind("### END SOLUTION")


def _answer_cell(parts: Sequence["Exercise"], answer) -> str | None:
    """The source that defined the answer: a function's own lines (or SOLUTION_MARK if they sit inside a
    solution region of their cell); for a value, the last cell run in this kernel that assigns one of
    the names the exercise asks for."""
    code = getattr(answer, "__code__", None)
    if code is not None:
        lines = linecache.getlines(code.co_filename)
        start = max(code.co_firstlineno - 1, 0)
        if not lines or start >= len(lines):
            return None
        if _in_solution_region(lines, start):
            return SOLUTION_MARK
        try:
            return "".join(inspect.getblock(lines[start:]))
        except Exception:
            return "".join(lines[start:])
    ip = sys.modules.get("IPython")
    shell = ip.get_ipython() if ip is not None else None
    history = getattr(shell, "user_ns", {}).get("In", []) if shell is not None else []
    names = [n.strip() for ex in parts for n in ex.name.split(",") if n.strip().isidentifier()]
    if not names:
        return None
    assigns = re.compile(r"^[ \t]*[\w ,]*\b(?:" + "|".join(map(re.escape, names)) + r")\b[\w ,]*=(?!=)", re.M)
    return next((cell for cell in reversed(history) if isinstance(cell, str) and assigns.search(cell)), None)


def _in_course_directory() -> bool:
    """A kernel in an nbgrader course folder: COURSE/source/A, COURSE/release/A, COURSE/submitted/S/A, ..."""
    try:
        up = [Path.cwd(), *Path.cwd().parents]
        return any(up[k - 1].name in _COURSE_FOLDERS and (up[k] / "nbgrader_config.py").exists()
                   for k in (2, 3) if k < len(up))
    except OSError:
        return False


def _record_pass() -> None:
    """Note the passing exercise in backprop_lib.progress: never in a grading run, in an nbgrader course
    folder or with recording off; own=False when the answer still sits in the chapter's solution cell
    (the shipped solution, marked SOLUTION_MARK). Never raises into the student's check."""
    try:
        if not _progress.recording() or grading() or _in_course_directory():
            return
        found = _running_check()
        if found is None:
            return
        (key, parts), answer = found
        cell = _answer_cell(parts, answer)
        own = cell is None or SOLUTION_MARK not in cell
        _progress.record_pass(key, chapter=key.split(".")[0].removeprefix("ch"),
                              exercise=", ".join(ex.name for ex in parts), own=own)
    except Exception:
        pass


# ------------------------------------------------------------------------------------------------
# Numbers in messages
# ------------------------------------------------------------------------------------------------
def _num(x) -> str:
    """One number: an exact zero prints as 0 (also -0.0); anything else with 6 significant digits."""
    x = float(x)
    if x == 0.0:
        return "0"
    if not np.isfinite(x):
        return "nan" if np.isnan(x) else ("inf" if x > 0 else "-inf")
    return f"{x:.6g}"


def fmt(value: Any) -> str:
    """A short rendering of a number or array in which an exact 0 is visibly 0 and 1e-9 is 1e-09."""
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return _num(value)
    if isinstance(value, (np.ndarray, list, tuple)):
        if isinstance(value, tuple) and any(isinstance(v, (np.ndarray, list, tuple)) for v in value):
            return "(" + ", ".join(fmt(v) for v in value) + ")"
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError):
            return repr(value)
        if arr.dtype == object:
            return repr(value)
        if arr.dtype.kind in "fc" or arr.dtype.kind in "iub":
            text = np.array2string(arr, separator=", ", threshold=12, edgeitems=3,
                                   formatter={"float_kind": _num, "bool": str, "int": str})
            if arr.dtype.kind == "b":
                text += " (bools)"
            elif arr.dtype == np.float32:
                text += " (float32)"
            return text + (f" (shape {arr.shape})" if arr.ndim > 1 else "")
    return repr(value)


def _describe_args(args: tuple, names: Iterable[str] | None) -> str:
    names = list(names) if names else [f"arg{i}" for i in range(len(args))]
    return ", ".join(f"{n}={fmt(a)}" for n, a in zip(names, args))


# ------------------------------------------------------------------------------------------------
# Comparison
# ------------------------------------------------------------------------------------------------
EXACT_RTOL = 1e-10      # exact formulas differ by round-off (<= 1e-13 on the checks' inputs)
LOOSE_RTOL = 1e-4       # within this but not exact: a numerical estimate, not the formula


@dataclass
class Verdict:
    ok: bool
    why: str = ""
    kind: str = ""       # "", "type", "shape", "nonfinite", "dtype", "approx", "value"


def _as_array(got):
    if isinstance(got, np.ndarray):
        return got
    if isinstance(got, (bool, int, float, complex, np.generic)):
        return np.asarray(got)
    if isinstance(got, (list, tuple)):
        return np.asarray(got)
    raise TypeError(type(got).__name__)


def compare(got, expected, rtol: float = 1e-6, atol: float = 1e-9, *, exact: bool = False,
            scale: float | None = None, dtype: str | None = None) -> Verdict:
    """Compare got with expected (numbers, arrays, or tuples of them, e.g. (dW, db)).

    exact=True: |got - expected| <= EXACT_RTOL * (|expected| + scale) element-wise, where scale (default
    max |expected|, at least 1e-300) sets the absolute floor; a result within LOOSE_RTOL of that but not
    within it gets kind "approx" (the signature of a finite-difference estimate). dtype="float": bool and
    integer results get kind "dtype", float32 too.
    """
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            what = f"{type(got).__name__} {fmt(got)}" if not isinstance(got, (tuple, list)) else \
                f"a {type(got).__name__} of {len(got)}"
            return Verdict(False, f"expected a tuple of {len(expected)} values, got {what}", "type")
        for i, (g, e) in enumerate(zip(got, expected)):
            v = compare(g, e, rtol, atol, exact=exact, scale=scale, dtype=dtype)
            if not v.ok:
                return Verdict(False, f"returned value {i + 1} of {len(expected)}: {v.why}", v.kind)
        return Verdict(True)
    try:
        g = _as_array(got)
        if g.dtype == object:
            raise TypeError
    except (TypeError, ValueError):
        return Verdict(False, f"expected a number or an array of numbers, got {type(got).__name__} {got!r}",
                       "type")
    e = np.asarray(expected, dtype=float)
    if g.shape != e.shape:
        if g.size == e.size and g.size > 0:
            return Verdict(False, f"the values may be right but the shape is {g.shape}, expected {e.shape}",
                           "shape")
        return Verdict(False, f"shape {g.shape}, expected {e.shape}", "shape")
    if g.dtype.kind not in "biuf":
        return Verdict(False, f"expected real numbers, got an array of dtype {g.dtype}", "type")
    if dtype == "float" and g.dtype.kind in "biu":
        what = "bools (True/False)" if g.dtype.kind == "b" else f"integers ({g.dtype})"
        return Verdict(False, f"the result holds {what}; expected floats like {fmt(expected)}", "dtype")
    if dtype == "float" and g.dtype != np.float64 and g.dtype.kind == "f":
        return Verdict(False, f"the result is {g.dtype}; expected float64 (numpy's default float)", "dtype")
    gf = g.astype(float)
    if not np.all(np.isfinite(gf)) and np.all(np.isfinite(e)):
        return Verdict(False, f"expected {fmt(expected)}, got {fmt(got)}: the result contains nan or inf",
                       "nonfinite")
    if exact:
        floor = float(np.max(np.abs(e))) if e.size else 0.0
        floor = scale if scale is not None else max(floor, 1e-300)
        err = np.abs(gf - e)
        if np.all(err <= EXACT_RTOL * (np.abs(e) + floor)):
            return Verdict(True)
        if np.all(err <= LOOSE_RTOL * (np.abs(e) + floor)):
            worst = float(np.max(err / (np.abs(e) + floor)))
            return Verdict(False, f"close to the exact values but off by {worst:.1e} (relative): expected "
                                  f"{fmt(expected)}, got {fmt(got)}", "approx")
        return Verdict(False, f"expected {fmt(expected)}, got {fmt(got)}", "value")
    if not np.allclose(gf, e, rtol=rtol, atol=atol):
        return Verdict(False, f"expected {fmt(expected)}, got {fmt(got)}", "value")
    return Verdict(True)


def close(got, expected, rtol: float = 1e-6, atol: float = 1e-9) -> tuple[bool, str]:
    """Compare two numbers/arrays (or tuples of them); return (ok, why-not). Older API."""
    v = compare(got, expected, rtol, atol)
    return v.ok, v.why


# ------------------------------------------------------------------------------------------------
# Spies: forbidden functions and call counts
# ------------------------------------------------------------------------------------------------
class Spy:
    """Count calls to functions while a block runs; the functions still compute.

    targets: (owner, attribute) pairs, e.g. (np, "gradient"), (backprop_lib, "numerical_gradient"); an
    owner may also be a dict, e.g. (fn.__globals__, "two_layer_loss") to count how often the student's
    function calls the loss defined in the notebook (a finite-difference answer calls it 2n times).
    namespaces: extra dicts (a student function's __globals__) in which any name bound to one of the
    targets' original objects is replaced by the spy too. Everything is restored afterwards.
    """

    def __init__(self, targets: Sequence[tuple[Any, str]], namespaces: Sequence[dict] = ()):
        self.targets = [(o, a) for o, a in targets if (a in o if isinstance(o, dict) else hasattr(o, a))]
        self.namespaces = list(namespaces)
        self.calls = 0
        self._saved: list[tuple[Any, str, Any, bool]] = []

    def _wrap(self, original):
        def spy(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)
        spy.__wrapped__ = original
        spy.__name__ = getattr(original, "__name__", "spy")
        return spy

    def __enter__(self) -> "Spy":
        originals = {}
        for owner, attr in self.targets:
            is_dict = isinstance(owner, dict)
            orig = owner[attr] if is_dict else getattr(owner, attr)
            wrapped = originals.setdefault(id(orig), (orig, self._wrap(orig)))[1]
            self._saved.append((owner, attr, orig, is_dict))
            if is_dict:
                owner[attr] = wrapped
            else:
                setattr(owner, attr, wrapped)
        for ns in self.namespaces:
            for key, val in list(ns.items()):
                if id(val) in originals and originals[id(val)][0] is val:
                    self._saved.append((ns, key, val, True))
                    ns[key] = originals[id(val)][1]
        return self

    def __exit__(self, *exc) -> None:
        for owner, attr, orig, is_dict in reversed(self._saved):
            if is_dict:
                owner[attr] = orig
            else:
                setattr(owner, attr, orig)
        self._saved.clear()


@dataclass
class Forbidden:
    """Functions the exercise forbids: label (what the student used), why (which method is asked for)."""
    label: str
    why: str
    targets: Sequence[tuple[Any, str]]


LIB = sys.modules[__name__.split(".")[0]]      # the backprop_lib package (already imported: we are inside it)


def finite_differences(why: str, label: str = "a finite-difference routine (bl.numerical_gradient, np.gradient)",
                       extra: Sequence[tuple[Any, str]] = ()) -> Forbidden:
    """The library's and numpy's finite-difference helpers, forbidden where a formula/backprop is asked."""
    targets = [(LIB, "numerical_gradient"), (_gradcheck, "numerical_gradient"), (np, "gradient"), *extra]
    return Forbidden(label, why, targets)


# ------------------------------------------------------------------------------------------------
# Slips and cases
# ------------------------------------------------------------------------------------------------
@dataclass
class Slip:
    """A known mistake: what it would return on the case's arguments (predict), and its feedback."""
    kind: str
    predict: Callable[..., Any]
    reread: str | None = None
    code: str | None = None
    rtol: float = 1e-7
    atol: float = 1e-12

    def matches(self, got, args, expected=None) -> bool:
        """Does got look like this slip on these arguments? A slip that would give the right answer on
        this input (e.g. 'y is missing' when y = 0) cannot be told apart here and never matches."""
        try:
            with np.errstate(all="ignore"):
                pred = self.predict(*_copies(args))
        except Exception:
            return False
        try:
            if expected is not None and compare(pred, expected, exact=True).ok:
                return False
            return compare(got, pred, self.rtol, self.atol).ok
        except Exception:
            return False


_LADDER: dict[str, int] = {}


def reset_ladder(key: str | None = None) -> None:
    """Forget the failures counted so far (for one exercise, or all)."""
    if key is None:
        _LADDER.clear()
    else:
        _LADDER.pop(key, None)


def _copies(args: tuple) -> tuple:
    return tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args)


@dataclass
class Exercise:
    """One exercise's feedback. key: unique id ("ch01.ex1"); name: the function/variable asked for;
    start: where to start (for stubs); reread: the section/equation (rung 2); code: a code-level hint
    (rung 3) that never contains the solution's code."""
    key: str
    name: str
    start: str
    reread: str
    code: str
    forbid: Sequence[Forbidden] = field(default_factory=tuple)

    # -- the ladder --------------------------------------------------------------------------------
    def fail(self, message: str, kind: str, reread: str | None = None, code: str | None = None) -> None:
        """Raise CheckFailed for a slip, with the rung of the ladder this failure reached."""
        n = _LADDER.get(self.key, 0) + 1
        _LADDER[self.key] = n
        rung = 1 if grading() else min(n, 3)
        lines = [f"{FAIL_MARK} {message}", f"What went wrong: {kind}"]
        if rung >= 2:
            lines.append(f"Reread: {reread or self.reread}")
        if rung >= 3:
            lines.append(f"Hint: {code or self.code}")
        elif not grading():
            lines.append(LADDER_NOTE)
        raise CheckFailed("\n".join(lines))

    def not_written(self, message: str) -> None:
        """Raise CheckFailed for a stub: where to start, never the recipe; does not climb the ladder."""
        raise CheckFailed(f"{FAIL_MARK} {message}\nWhere to start: {self.start}")

    def passed(self, message: str) -> None:
        passed(message)

    # -- calling the student's code ---------------------------------------------------------------
    def call(self, fn, args: tuple, where: str, forbid: Sequence[Forbidden] = (),
             arg_names: Sequence[str] | None = None):
        """Call fn(*copies of args). A stub, a crash, a missing return, a changed input array or a call
        to a forbidden function becomes a message; otherwise returns what fn returned."""
        if not callable(fn):
            if fn is None:
                self.not_written(f"{self.name} is still None.")
            self.fail(f"{self.name} should be a function, but it is a {type(fn).__name__}.",
                      f"the exercise asks for a function (def {self.name}(...): ...), not a value.")
        copies = _copies(args)
        pristine = _copies(args)
        forbid = list(self.forbid) + [f for f in forbid if f not in self.forbid]
        ns = [getattr(fn, "__globals__", {})]
        spies = [Spy(f.targets, ns) for f in forbid]
        try:
            for s in spies:
                s.__enter__()
            try:
                with np.errstate(all="ignore"):
                    got = fn(*copies)
            finally:
                for s in reversed(spies):
                    s.__exit__(None, None, None)
        except NotImplementedError:
            self.not_written(f"{self.name} is not written yet (it raises NotImplementedError).")
        except CheckFailed:
            raise
        except RecursionError:
            self.fail(f"{where} never returns: it calls itself without end (RecursionError).",
                      "a function that calls itself; compute the value from the arguments instead.")
        except Exception as e:      # the student's code failed: say where, not a traceback
            self.fail(f"{where} raised {type(e).__name__}: {e}", _crash_kind(e))
        for f, s in zip(forbid, spies):
            if s.calls:
                self.fail(f"{where} calls {f.label}.", f"{f.label} is not allowed here: {f.why}")
        for i, (c, p) in enumerate(zip(copies, pristine)):
            if isinstance(p, np.ndarray) and not (c.shape == p.shape and np.array_equal(c, p, equal_nan=True)):
                arg = list(arg_names)[i] if arg_names and i < len(list(arg_names)) else f"number {i + 1}"
                self.fail(f"{where} changed its input {arg} in place (before: {fmt(p)}, after: {fmt(c)}).",
                          f"the function modifies an input array in place (e.g. with +=, -= or an "
                          f"assignment into {arg}[...]); the caller's {arg} must stay as it was. Build new "
                          "arrays for the results instead.")
        if got is None:
            self.not_written(f"{where} returned None. Did you forget `return`?")
        return got


def _crash_kind(e: Exception) -> str:
    if isinstance(e, NameError):
        return ("the code uses a name that is not defined (a typo, or a variable from another cell "
                "that was not run).")
    text = str(e)
    if isinstance(e, ValueError) and ("matmul" in text or "align" in text or "core dimension" in text):
        return ("a matrix product of arrays whose shapes do not fit: check each array's shape against the "
                "exercise; is one of the matrices the wrong way round (transposed)?")
    if isinstance(e, ValueError) and ("shape" in text or "broadcast" in text):
        return "arrays of incompatible shapes were combined: check each array's shape against the exercise."
    if isinstance(e, ValueError) and "ambiguous" in text:
        return ("an `if` (or and/or) on a whole array: compare element-wise instead, so that the code works "
                "for arrays of any shape.")
    if isinstance(e, (TypeError, AttributeError)):
        return "a value of an unexpected type reached an operation: check what each argument is."
    if isinstance(e, IndexError):
        return "an index past the end of an array: check the loop bounds and the axes."
    return "the code raised an error on this input."


@dataclass
class Case:
    """One test input. args: the arguments; names: override arg_names; note: why this input (shown)."""
    args: tuple
    note: str = ""


def _quiet_call(fn, args):
    try:
        with np.errstate(all="ignore"):
            return True, fn(*_copies(args))
    except Exception:
        return False, None


def _name_slip(fn, slips: Sequence[Slip], cases: Sequence, failing: Case, got, expected) -> Slip | None:
    """The slip that explains the failing case. Several slips can agree on one input (z >= 0 and 'the sides
    swapped' both give 1 at z = 0), so the student's function is also run on the other cases, and a slip
    that matches on all of them wins; failing that, the first slip that matches the failing case."""
    candidates = [s for s in slips if s.matches(got, failing.args, expected)]
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    evidence = []
    for c in cases:
        c = c if isinstance(c, Case) else Case(tuple(c))
        if c is failing:
            continue
        ok, out = _quiet_call(fn, c.args)
        if ok and out is not None:
            evidence.append((c.args, out))
    for s in candidates:
        if all(s.matches(out, args) for args, out in evidence):
            return s
    return candidates[0]


def check_cases(ex: Exercise, fn, reference: Callable, cases: Sequence, arg_names: Sequence[str] | None = None,
                slips: Sequence[Slip] = (), *, exact: bool = True, rtol: float = 1e-6, atol: float = 1e-9,
                scale: Callable[..., float] | None = None, dtype: str | None = None,
                forbid: Sequence[Forbidden] = (), approx_kind: str | None = None,
                value_kind: str | None = None, nonfinite_kind: str | None = None, quiet: bool = False,
                name: str | None = None) -> None:
    """Run fn on every case, compare with reference, name the slip when one matches (see the module doc).

    approx_kind: the rung-1 text when the result is close but not exact (default: a numerical estimate).
    value_kind: the rung-1 text for an unnamed wrong value; nonfinite_kind: for nan/inf results. scale(*args): the absolute floor for exact
    comparison on that case (default max |expected|).
    """
    name = name or ex.name
    cases = [c if isinstance(c, Case) else Case(tuple(c)) for c in cases]
    for case in cases:
        args = case.args
        with np.errstate(all="ignore"):
            expected = reference(*_copies(args))
        where = f"{name}({_describe_args(args, arg_names)})"
        got = ex.call(fn, args, where, forbid, arg_names)
        v = compare(got, expected, rtol, atol, exact=exact, dtype=dtype,
                    scale=scale(*args) if scale else None)
        if v.ok:
            continue
        note = f" [{case.note}]" if case.note else ""
        if v.kind != "type" and slips:
            slip = _name_slip(fn, slips, cases, case, got, expected)
            if slip is not None:
                ex.fail(f"{where}{note}: {v.why}", slip.kind, slip.reread, slip.code)
        if v.kind == "approx":
            ex.fail(f"{where}{note}: {v.why}", approx_kind or (
                "the result is close but not exact: this is what a numerical estimate (finite differences) "
                "gives. The exercise asks for the exact formula, whose only error is round-off."))
        if v.kind == "nonfinite":
            ex.fail(f"{where}{note}: {v.why}", nonfinite_kind or (
                "an intermediate value overflowed or divided by zero on this input, although the exact "
                "answer is a finite number."))
        if v.kind == "dtype":
            ex.fail(f"{where}{note}: {v.why}", "the numbers have the wrong type: the exercise asks for floats.")
        if v.kind in ("shape", "type"):
            ex.fail(f"{where}{note}: {v.why}", "the result does not have the form the exercise asks for "
                                               "(its shape, or the number of values returned).")
        ex.fail(f"{where}{note}: {v.why}", value_kind or "the formula gives different numbers on this input.")
    if not quiet:
        passed(f"{name} gives the right answer on {len(cases)} test input{'s' if len(cases) != 1 else ''}.")


# ------------------------------------------------------------------------------------------------
# Older API (chapters not yet moved to Exercise): one hint, shown on every failure
# ------------------------------------------------------------------------------------------------
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
    copies = _copies(args)
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
        expected = reference(*_copies(args))
        where = f"{name}({_describe_args(args, arg_names)})"
        got = run_student(fn, name, where, hint, *args)
        ok, why = close(got, expected, rtol, atol)
        if not ok:
            fail(f"{where}: {why}", hint)
    if not quiet:
        passed(f"{name} gives the right answer on {len(cases)} test input{'s' if len(cases) != 1 else ''}.")

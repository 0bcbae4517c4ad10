"""The catalogue of wrong and right answers for every exercise: the exercise checks' own test suite.

One module per chapter, `tests/catalogue/chNN.py`, defines

    CHAPTER = "chapters/NN_name.py"          # the reviewed source holding the reference solutions
    EXERCISES = [Exercise(...), ...]         # one per exercise (per solution cell); without this list
                                             # the runner takes every module-level Exercise instance

and `tests/test_check_catalogue.py` runs them all (it finds every chNN.py here; nothing to register):

- every `Wrong` answer must fail the visible check three times in a row (the three rungs of the hint
  ladder: rung 2 adds "Reread:", rung 3 "Hint:"), and its first message must contain `phrase`
  (case-insensitive, whitespace normalised): the phrase is how the catalogue says "the message names
  the slip". In a grading run (BACKPROP_GRADING=1) every failure shows rung 1 only;
- every `right` answer (written differently from the reference: a loop, einsum, another formula) must
  pass the visible and the hidden check;
- the stub (what nbgrader's release holds: a function raising NotImplementedError, or None for a value)
  gets "Where to start:" and no hint;
- the leak test: no message (stub, every wrong answer, every rung, grading or not) shares 25 or more
  characters (whitespace removed) with the code between `### BEGIN SOLUTION` and `### END SOLUTION`
  of the solution cell `grade_id` in CHAPTER;
- every solution cell of CHAPTER has an entry with >= 5 wrong and >= 2 right answers, and the reference
  solution itself (executed in `namespace()`) passes its check.

`check(answer, hidden=False)` runs the chapter's check on one answer: for a function exercise usually the
check itself (`ch01.check_neuron_forward`); for a value exercise a small lambda that passes the value on
(`lambda v, hidden=False: ch03.check_lr_max(v, X)`), and the answers are the values.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import backprop_lib as bl


@dataclass
class Wrong:
    """A plausible wrong answer: label (what the slip is), the answer, and a phrase its message must hold."""
    label: str
    answer: Any
    phrase: str


@dataclass
class Exercise:
    """One exercise: its solution cell's grade_id, how to check an answer, the stub, wrong and right answers.

    name: the function/variable the solution cell defines, or a function of the cell's namespace that
    returns the answer (the reference solution is run and checked); namespace(): the globals the
    solution cell needs (np and bl by default)."""
    grade_id: str
    check: Callable[..., None]
    stub: Any
    wrong: list[Wrong]
    right: list[Any]
    name: str | Callable[[dict], Any] = ""
    namespace: Callable[[], dict] = field(default=lambda: {"np": np, "bl": bl})


Entry = Exercise


def not_written(*args, **kwargs):
    """nbgrader's stub: `raise NotImplementedError()`."""
    raise NotImplementedError()

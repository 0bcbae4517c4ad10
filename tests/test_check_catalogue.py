"""Runs the catalogue of wrong and right answers (tests/catalogue/chNN.py, see its __init__ for the rules):
every wrong answer fails with a message naming its slip at every rung of the hint ladder, every right
answer passes, stubs get "where to start", and no message contains 25+ characters of the solution."""
from __future__ import annotations

import importlib
import os
import re
from pathlib import Path

import pytest

import catalogue
from backprop_lib.checks import CheckFailed, reset_ladder

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = Path(__file__).resolve().parent / "catalogue"
LEAK = 25


def _modules():
    mods = []
    for path in sorted(CATALOGUE.glob("ch[0-9][0-9].py")):
        mods.append(importlib.import_module(f"catalogue.{path.stem}"))
    return mods


def _exercises(m) -> list:
    """The module's EXERCISES (or ENTRIES) list, else its module-level Exercise instances in order."""
    listed = getattr(m, "EXERCISES", None) or getattr(m, "ENTRIES", None)
    if listed:
        return list(listed)
    return [v for v in vars(m).values() if isinstance(v, catalogue.Exercise)]


MODULES = _modules()
ENTRIES = [(m, e) for m in MODULES for e in _exercises(m)]
WRONG = [(m, e, w) for m, e in ENTRIES for w in e.wrong]
RIGHT = [(m, e, i) for m, e in ENTRIES for i in range(len(e.right))]


def _eid(m, e) -> str:
    return f"{m.__name__.split('.')[-1]}-{e.grade_id}"


@pytest.fixture(autouse=True)
def _fresh_ladder(monkeypatch):
    monkeypatch.delenv("BACKPROP_GRADING", raising=False)
    reset_ladder()
    yield
    reset_ladder()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _message(check, answer, **kw) -> str:
    try:
        check(answer, **kw)
    except CheckFailed as e:
        return str(e)
    return ""


def solution_code(chapter: str, grade_id: str) -> str:
    """The code between ### BEGIN SOLUTION and ### END SOLUTION in the chapter's cell `grade_id`."""
    text = (ROOT / chapter).read_text()
    cells = re.split(r"^# %%", text, flags=re.M)
    cell = next((c for c in cells if f'"grade_id": "{grade_id}"' in c.split("\n", 1)[0]), None)
    assert cell is not None, f"{chapter} has no cell with grade_id {grade_id}"
    m = re.search(r"### BEGIN SOLUTION\n(.*?)\n\s*### END SOLUTION", cell, re.S)
    assert m, f"{chapter} {grade_id}: no ### BEGIN/END SOLUTION region"
    return m.group(1)


def solution_grade_ids(chapter: str) -> list[str]:
    text = (ROOT / chapter).read_text()
    return re.findall(r'^# %% nbgrader=\{[^\n]*"grade_id": "([^"]+)"[^\n]*"solution": true', text, flags=re.M)


@pytest.mark.parametrize("m, e, w", WRONG, ids=[f"{_eid(m, e)}-{w.label}" for m, e, w in WRONG])
def test_wrong_answer_fails_and_names_the_slip(m, e, w):
    msgs = [_message(e.check, w.answer) for _ in range(3)]
    assert msgs[0], f"{_eid(m, e)}: the wrong answer '{w.label}' PASSES the check"
    assert _norm(w.phrase) in _norm(msgs[0]), (
        f"{_eid(m, e)}: '{w.label}' fails, but its message does not name the slip ({w.phrase!r}):\n{msgs[0]}")
    assert all(msgs), f"{_eid(m, e)}: '{w.label}' fails once and then passes"
    if "Where to start:" not in msgs[0]:
        assert "Reread:" not in msgs[0] and "Hint:" not in msgs[0], msgs[0]
        assert "Reread:" in msgs[1] and "Hint:" not in msgs[1], msgs[1]
        assert "Reread:" in msgs[2] and "Hint:" in msgs[2], msgs[2]


@pytest.mark.parametrize("m, e, w", WRONG, ids=[f"{_eid(m, e)}-{w.label}" for m, e, w in WRONG])
def test_grading_run_shows_only_the_first_rung(m, e, w, monkeypatch):
    monkeypatch.setenv("BACKPROP_GRADING", "1")
    for _ in range(3):
        msg = _message(e.check, w.answer)
        assert msg and "Reread:" not in msg and "Hint:" not in msg, msg


@pytest.mark.parametrize("m, e, i", RIGHT, ids=[f"{_eid(m, e)}-right{i}" for m, e, i in RIGHT])
def test_right_answer_passes(m, e, i, capsys):
    answer = e.right[i]
    for hidden in (False, True):
        msg = _message(e.check, answer, hidden=hidden)
        assert not msg, f"{_eid(m, e)}: right answer {i} fails (hidden={hidden}):\n{msg}"


@pytest.mark.parametrize("m, e", ENTRIES, ids=[_eid(m, e) for m, e in ENTRIES])
def test_stub_gets_where_to_start(m, e):
    for _ in range(3):
        msg = _message(e.check, e.stub)
        assert "Where to start:" in msg and "Hint:" not in msg and "Reread:" not in msg, msg


def cell_code(chapter: str, grade_id: str) -> str:
    """The whole code cell `grade_id` of the chapter (its header line removed)."""
    cells = re.split(r"^# %%", (ROOT / chapter).read_text(), flags=re.M)
    cell = next(c for c in cells if f'"grade_id": "{grade_id}"' in c.split("\n", 1)[0])
    return cell.split("\n", 1)[1]


@pytest.mark.parametrize("m, e", ENTRIES, ids=[_eid(m, e) for m, e in ENTRIES])
def test_reference_solution_passes(m, e):
    """The chapter's own solution cell, run in e.namespace(), passes the visible and the hidden check."""
    code = cell_code(m.CHAPTER, e.grade_id)
    name = e.name or next(iter(re.findall(r"^def (\w+)\(", code, flags=re.M)), None)
    if not name:
        pytest.skip("a value exercise without Exercise.name: its solution runs in the notebook tests only")
    ns = e.namespace()
    exec(compile(code, f"<{m.CHAPTER} {e.grade_id}>", "exec"), ns)
    answer = name(ns) if callable(name) else ns[name]
    for hidden in (False, True):
        msg = _message(e.check, answer, hidden=hidden)
        assert not msg, msg


def _windows(text: str) -> set[str]:
    s = re.sub(r"\s+", "", text)
    return {s[i:i + LEAK] for i in range(len(s) - LEAK + 1)}


def _all_messages(e) -> list[str]:
    msgs = []
    for grading in (False, True):
        if grading:
            os.environ["BACKPROP_GRADING"] = "1"
        try:
            reset_ladder()
            msgs += [_message(e.check, e.stub) for _ in range(3)]
            for w in e.wrong:
                reset_ladder()
                msgs += [_message(e.check, w.answer) for _ in range(3)]
        finally:
            os.environ.pop("BACKPROP_GRADING", None)
    return [m for m in msgs if m]


@pytest.mark.parametrize("m, e", ENTRIES, ids=[_eid(m, e) for m, e in ENTRIES])
def test_no_message_contains_the_solution(m, e):
    solution = _windows(solution_code(m.CHAPTER, e.grade_id))
    for msg in _all_messages(e):
        flat = re.sub(r"\s+", "", msg)
        leaks = [flat[i:i + LEAK] for i in range(len(flat) - LEAK + 1) if flat[i:i + LEAK] in solution]
        assert not leaks, f"{_eid(m, e)}: a message shares {leaks[0]!r} with the solution:\n{msg}"


@pytest.mark.parametrize("m", MODULES, ids=[m.__name__.split(".")[-1] for m in MODULES])
def test_every_exercise_has_its_catalogue(m):
    ids = solution_grade_ids(m.CHAPTER)
    assert ids, f"{m.CHAPTER} has no solution cells"
    have = {e.grade_id: e for e in _exercises(m)}
    missing = [g for g in ids if g not in have]
    assert not missing, f"{m.CHAPTER}: no catalogue entry for {missing}"
    for g in ids:
        e = have[g]
        assert len(e.wrong) >= 5 and len(e.right) >= 2, (
            f"{m.CHAPTER} {g}: {len(e.wrong)} wrong and {len(e.right)} right answers (need >= 5 and >= 2)")

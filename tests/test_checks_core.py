"""backprop_lib.checks._core: the hint ladder, stubs, grading mode, spies, in-place changes, exactness,
and number formatting (an exact 0 prints as 0; 1e-9 does not)."""
from __future__ import annotations

import numpy as np
import pytest

import backprop_lib as bl
from backprop_lib.checks import (FAIL_MARK, PASS_MARK, CheckFailed, Exercise, Forbidden, Slip, Spy,
                                 check_cases, compare, fmt, reset_ladder)

EX = Exercise("test.ex", "double", start="START-TEXT", reread="REREAD-TEXT", code="CODE-TEXT")


def _ref(x):
    return 2.0 * x


CASES = [(np.array([1.0, -2.0, 0.0]),)]


def _msg(fn, **kw) -> str:
    with pytest.raises(CheckFailed) as info:
        check_cases(EX, fn, _ref, CASES, arg_names=("x",), **kw)
    return str(info.value)


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    monkeypatch.delenv("BACKPROP_GRADING", raising=False)
    reset_ladder()
    yield
    reset_ladder()


def test_ladder_climbs_one_rung_per_failure():
    wrong = lambda x: 3.0 * x  # noqa: E731
    first, second, third, fourth = (_msg(wrong) for _ in range(4))
    assert first.startswith(FAIL_MARK) and "expected [2, -4, 0], got [3, -6, 0]" in first
    assert "What went wrong:" in first and "REREAD" not in first and "CODE" not in first
    assert "REREAD-TEXT" in second and "CODE" not in second
    assert "REREAD-TEXT" in third and "CODE-TEXT" in third
    assert fourth == third
    reset_ladder("test.ex")
    assert _msg(wrong) == first


def test_grading_run_shows_only_the_first_rung(monkeypatch):
    monkeypatch.setenv("BACKPROP_GRADING", "1")
    msgs = [_msg(lambda x: 3.0 * x) for _ in range(3)]
    assert all("What went wrong:" in m and "REREAD" not in m and "CODE" not in m for m in msgs)


def test_grading_detected_from_nbgraders_autograded_folder(tmp_path, monkeypatch):
    from backprop_lib.checks import grading
    folder = tmp_path / "autograded" / "alice" / "01_perceptron"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    assert not grading()
    (tmp_path / "nbgrader_config.py").write_text("")
    assert grading()


def test_a_stub_gets_where_to_start_at_every_attempt():
    def stub(x):
        raise NotImplementedError
    for fn in (stub, lambda x: None):
        for _ in range(3):
            m = _msg(fn)
            assert "Where to start: START-TEXT" in m and "CODE" not in m and "REREAD" not in m


def test_a_slip_is_named():
    slip = Slip("SLIP-KIND", lambda x: x + x + 1, reread="SLIP-REREAD", code="SLIP-CODE")
    m = [_msg(lambda x: 2 * x + 1, slips=[slip]) for _ in range(3)]
    assert "SLIP-KIND" in m[0] and "SLIP-REREAD" in m[1] and "SLIP-CODE" in m[2]


def test_in_place_change_is_caught_and_the_value_still_right():
    def sneaky(x):
        x *= 2.0
        return x
    assert "changed its input x in place" in _msg(sneaky)


def test_forbidden_function_is_caught_also_when_imported_by_name():
    ns = {"np": np}
    exec("def grad(x):\n    return np.gradient(2 * x) * 0 + 2 * x\n", ns)
    exec("from numpy import gradient as g\ndef grad2(x):\n    return g(x) * 0 + 2 * x\n", ns)
    forbid = [Forbidden("np.gradient", "WHY", [(np, "gradient")])]
    for fn in (ns["grad"], ns["grad2"]):
        assert "calls np.gradient" in _msg(fn, forbid=forbid) and "WHY" in _msg(fn, forbid=forbid)
    assert np.gradient.__module__.startswith("numpy") and ns["g"] is np.gradient   # restored


def test_spy_counts_and_restores():
    original = bl.sigmoid
    with Spy([(bl, "sigmoid")]) as spy:
        bl.sigmoid(np.zeros(3))
        bl.sigmoid(1.0)
    assert spy.calls == 2 and bl.sigmoid is original


def test_spy_counts_calls_to_a_function_in_the_students_namespace():
    ns = {"np": np}
    exec("def loss(w):\n    return float(np.sum(w ** 2))\n"
         "def grad(w):\n    return np.array([(loss(w + e) - loss(w - e)) / 2 for e in np.eye(len(w))])\n", ns)
    original = ns["loss"]
    with Spy([(ns, "loss")]) as spy:
        ns["grad"](np.ones(4))
    assert spy.calls == 8 and ns["loss"] is original


def test_exact_comparison_flags_a_numerical_estimate():
    assert compare(2.0 + 1e-8, 2.0, exact=True).kind == "approx"
    assert compare(2.0 * (1 + 1e-14), 2.0, exact=True).ok
    assert "numerical estimate" in _msg(lambda x: 2.0 * x + 1e-9)


def test_float_dtype_and_nonfinite():
    assert compare(np.array([True, False]), np.array([1.0, 0.0]), dtype="float").kind == "dtype"
    assert compare(np.array([1, 0]), np.array([1.0, 0.0]), dtype="float").kind == "dtype"
    assert compare(np.array([1.0], np.float32), np.array([1.0]), dtype="float").kind == "dtype"
    assert compare(np.array([np.nan]), np.array([0.0])).kind == "nonfinite"


def test_pass_line_has_no_emoji(capsys):
    check_cases(EX, lambda x: x * 2, _ref, CASES)
    out = capsys.readouterr().out
    assert out.startswith(PASS_MARK) and all(ord(c) < 0x2000 for c in out)


def test_fmt_shows_exact_zero_as_zero_and_tiny_numbers_as_tiny():
    assert fmt(np.array([-2.0, -1e-9, 0.0, -0.0, 2.0])) == "[-2, -1e-09, 0, 0, 2]"
    assert fmt(0.0) == "0" and fmt(-0.0) == "0" and fmt(1e-9) == "1e-09"
    assert "(bools)" in fmt(np.array([True, False]))

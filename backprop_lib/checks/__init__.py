"""Immediate-feedback checks for the exercises, one module per chapter (ch01, ch02, ...).

    from backprop_lib.checks import ch01
    ch01.check_neuron_forward(neuron_forward)

How a check is written (the hint ladder, checks of the method, the catalogue of wrong and right answers
in tests/catalogue/): see the docstring of backprop_lib/checks/_core.py.
"""
import importlib

from ._core import (FAIL_MARK, PASS_MARK, Case, CheckFailed, Exercise, Forbidden, Slip, Spy, check_cases,
                    check_function, check_value, close, compare, fail, fmt, grading, passed, reset_ladder)

__all__ = ["FAIL_MARK", "PASS_MARK", "Case", "CheckFailed", "Exercise", "Forbidden", "Slip", "Spy",
           "check_cases", "check_function", "check_value", "close", "compare", "fail", "fmt", "grading",
           "passed", "reset_ladder"]


def __getattr__(name):
    if name.startswith("ch") and name[2:].isdigit():
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'backprop_lib.checks' has no attribute {name!r}")

"""Immediate-feedback checks for the exercises, one module per chapter (ch01, ch02, ...).

    from backprop_lib.checks import ch01
    ch01.check_weighted_sum(weighted_sum)
"""
import importlib

from ._core import CheckFailed, check_function, check_value, close, fail, fmt, passed

__all__ = ["CheckFailed", "check_function", "check_value", "close", "fail", "fmt", "passed"]


def __getattr__(name):
    if name.startswith("ch") and name[2:].isdigit():
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'backprop_lib.checks' has no attribute {name!r}")

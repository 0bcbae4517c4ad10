"""Shared setup for the backprop_lib test suite.

The `pytest` script does not put the repository root on sys.path (tests/ has no __init__.py), so
add it here: `import backprop_lib` then finds the package in this checkout, installed or not.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

from gradient_assertions import _assert_gradient_matches

# Deterministic property tests: the same examples on every run, so CI never flakes on a new draw.
# (HYPOTHESIS_PROFILE=explore draws fresh examples each run, for hunting new failures.)
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None, print_blob=True)
settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, seeded generator per test, so tests do not depend on each other's draws."""
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def assert_gradient_matches():
    """assert_gradient_matches(analytic, numeric, f_scale=|f(x)|): see _assert_gradient_matches.

    Session-scoped so hypothesis tests may use it (no per-example fixture reset needed)."""
    return _assert_gradient_matches

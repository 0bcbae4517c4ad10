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


def _assert_gradient_matches(analytic, numeric, f_scale: float = 1.0, tol: float = 1e-7) -> None:
    """rel_error(analytic, numeric) <= tol, the course's criterion for a correct gradient.

    One exception, for true gradients that are themselves at float64's round-off floor (a saturated
    tanh, a bias gradient whose rows cancel): central differences carry an absolute error of about
    1e-16 |f| / h per entry, so rel_error of a ~1e-9 gradient measures noise. Then the absolute error
    must stay below 1e-10 max(1, |f|) per entry, far below what any wrong formula produces.
    """
    import backprop_lib as bl

    analytic, numeric = np.asarray(analytic), np.asarray(numeric)
    assert analytic.shape == numeric.shape
    err = bl.rel_error(analytic, numeric)
    floor = 1e-10 * max(1.0, abs(float(f_scale))) * np.sqrt(max(numeric.size, 1))
    assert err <= tol or np.linalg.norm(analytic - numeric) <= floor, (
        f"rel_error {err:.3g} > {tol:g} (|analytic| {np.linalg.norm(analytic):.3g}, "
        f"|numeric| {np.linalg.norm(numeric):.3g})")


@pytest.fixture(scope="session")
def assert_gradient_matches():
    """assert_gradient_matches(analytic, numeric, f_scale=|f(x)|): see _assert_gradient_matches.

    Session-scoped so hypothesis tests may use it (no per-example fixture reset needed)."""
    return _assert_gradient_matches

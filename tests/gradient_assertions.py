"""The gradient criterion shared by the test files (a plain module: `conftest` is ambiguous under
xdist, where tests/e2e has a conftest of its own)."""
from __future__ import annotations

import numpy as np


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

"""Chapter 4's finite-difference cell asserts properties of the error-vs-h curve that must hold on every
IEEE machine. numpy's SIMD code paths change only the round-off of sigma; here the same criteria run
on several algebraically equal ways of computing sigma (each rounds differently, like another CPU path:
the tanh and exp-ratio forms reproduce the lucky 1.4e-11 forward-difference minimum seen on AVX-512),
and must hold for every one of them. The criteria are copied from the chapter's cell."""
from __future__ import annotations

import math

import numpy as np
import pytest

import backprop_lib as bl
from backprop_lib.gradcheck import fd_errors

HS = np.logspace(-16, 0, 161)
Z1 = 1.0
VARIANTS = {
    "library": bl.sigmoid,
    "math.exp": lambda z: 1.0 / (1.0 + math.exp(-z)),
    "tanh form": lambda z: 0.5 * (1.0 + math.tanh(z / 2.0)),
    "exp ratio": lambda z: math.exp(z) / (1.0 + math.exp(z)),
    "expm1 form": lambda z: 1.0 / (2.0 + math.expm1(-z)),
}


def _in_range(lo, hi):
    return (HS >= lo * (1 - 1e-9)) & (HS <= hi * (1 + 1e-9))


def _median_near(err, h_star):
    return np.median(err[(HS >= h_star / np.sqrt(10)) & (HS <= h_star * np.sqrt(10))])


@pytest.mark.parametrize("name", list(VARIANTS))
def test_chapter4_criteria_hold_for_every_rounding(name):
    f = VARIANTS[name]
    err_fwd, err_cen = fd_errors(f, bl.sigmoid_prime, Z1, HS)
    s1 = bl.sigmoid(Z1)
    d2, d3 = s1 * (1 - s1) * (1 - 2 * s1), s1 * (1 - s1) * (1 - 6 * s1 + 6 * s1 ** 2)
    eps = np.finfo(np.float64).eps / 2
    trunc_fwd, trunc_cen, roundoff = HS * abs(d2) / 2, HS ** 2 * abs(d3) / 6, eps * s1 / HS
    h_fwd, best_fwd = np.sqrt(2 * eps * s1 / abs(d2)), np.sqrt(2 * eps * s1 * abs(d2))
    h_cen = (3 * eps * s1 / abs(d3)) ** (1 / 3)
    best_cen = 1.5 * eps * s1 / h_cen

    ratio_fwd = err_fwd[_in_range(1e-4, 1e-2)] / trunc_fwd[_in_range(1e-4, 1e-2)]
    ratio_cen = err_cen[_in_range(1e-3, 1e-1)] / trunc_cen[_in_range(1e-3, 1e-1)]
    assert np.all((ratio_fwd > 0.95) & (ratio_fwd < 1.05)) and np.all((ratio_cen > 0.95) & (ratio_cen < 1.05))
    small = _in_range(1e-14, 1e-12)
    for err in (err_fwd, err_cen):
        assert 1 / 30 < np.median(err[small] / roundoff[small]) < 10
    upto = HS <= 1e-2
    assert np.all(err_fwd[upto] <= 1.05 * trunc_fwd[upto] + 10 * roundoff[upto])
    assert np.all(err_cen[upto] <= 1.05 * trunc_cen[upto] + 10 * roundoff[upto])
    assert best_fwd / 10 < _median_near(err_fwd, h_fwd) < best_fwd * 10
    assert best_cen / 10 < _median_near(err_cen, h_cen) < best_cen * 10
    assert fd_errors(f, bl.sigmoid_prime, Z1, [1e-5])[1][0] < 1e-10


def test_the_argmin_is_luck():
    """Why the chapter never asserts on the lowest point: it moves with the rounding."""
    minima = {name: fd_errors(f, bl.sigmoid_prime, Z1, HS)[0].min() for name, f in VARIANTS.items()}
    assert max(minima.values()) > 10 * min(minima.values())

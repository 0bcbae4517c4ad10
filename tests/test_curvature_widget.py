"""CurvatureExplorer (chapter 10): every control changes the model and the picture; the numbers it shows
are the two-weight loss's exact derivatives; the Newton step and the curvature are what they claim."""
import numpy as np
import pytest

import backprop_lib as bl
from backprop_lib import curvature as cv
from backprop_lib.widgets import CurvatureExplorer

X = np.linspace(-2, 2, 24)
T = 1.5 * np.tanh(X)


@pytest.fixture
def view():
    return CurvatureExplorer(X, T, w=(0.8, 1.2), angle=30.0, lr=0.5)


def test_initial_state_is_checked_against_central_differences(view):
    w = np.array([0.8, 1.2])
    g_fd = bl.numerical_gradient(lambda v: float(cv.two_weight_loss(v[0], v[1], X, T)), w.copy())
    H_fd = cv.jacobian_fd(lambda v: cv.two_weight_grad(v, X, T), w)
    assert bl.rel_error(view.grad, g_fd) < 1e-7 and bl.rel_error(view.hessian, H_fd) < 1e-7
    assert np.allclose(view.hessian @ view.newton_step, -view.grad, rtol=1e-12, atol=1e-15)
    d = view.point.direction
    assert view.point.curvature == pytest.approx(d @ view.hessian @ d)
    assert np.allclose(view.point.gradient_step, -0.5 * view.grad)
    assert "below it" in view.message and "negative eigenvalue" not in view.message
    assert view.view.image.value[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("control, value", [("w1", 0.2), ("w2", -1.0), ("angle", 120.0), ("lr", 5.0)])
def test_each_control_changes_the_model_and_the_picture(view, control, value):
    before_png, before_msg = view.view.image.value, view.message
    before = view.point
    getattr(view, control).value = value
    assert view.view.image.value != before_png, f"moving {control} did not change the picture"
    assert view.message != before_msg
    if control in ("w1", "w2"):
        assert not np.allclose(view.grad, before.grad) and not np.allclose(view.hessian, before.hessian)
    elif control == "angle":
        assert view.point.curvature != pytest.approx(before.curvature)
        assert np.allclose(view.point.direction, [np.cos(np.radians(120)), np.sin(np.radians(120))])
    else:
        assert np.allclose(view.point.gradient_step, -5.0 * view.grad)
        assert "above it" in view.message


def test_negative_curvature_is_named_and_newton_heads_for_the_saddle(view):
    view.w1.value, view.w2.value = 0.2, 0.5
    assert view.point.eigenvalues[0] < 0 and "negative eigenvalue" in view.message
    to_saddle = -np.array([0.2, 0.5])
    assert view.newton_step @ to_saddle > 0          # the Newton step points towards the saddle at (0, 0)


def test_curvature_sweeps_between_the_eigenvalues(view):
    curvatures = []
    for angle in range(0, 181, 10):
        view.angle.value = float(angle)
        curvatures.append(view.point.curvature)
    lo, hi = view.point.eigenvalues
    assert min(curvatures) >= lo - 1e-12 and max(curvatures) <= hi + 1e-12
    assert min(curvatures) < lo + 0.01 * (hi - lo) and max(curvatures) > hi - 0.01 * (hi - lo)


def test_at_a_perfect_fit_newton_stays_and_the_saddle_has_no_gradient(view):
    view.w1.value, view.w2.value = 1.0, 1.5
    assert np.abs(view.grad).max() < 1e-12 and np.abs(view.newton_step).max() < 1e-12
    view.w1.value, view.w2.value = 0.0, 0.0
    assert np.abs(view.grad).max() == 0.0 and view.point.eigenvalues[0] < 0


def test_bad_input_gets_a_clear_message():
    with pytest.raises(ValueError, match="same length"):
        CurvatureExplorer(X, T[:5])
    with pytest.raises(ValueError, match="finite"):
        CurvatureExplorer(X, np.full_like(T, np.nan))
    with pytest.raises(ValueError, match="learning rate"):
        cv.surface_point((0.1, 0.2), 0.0, -1.0, X, T)

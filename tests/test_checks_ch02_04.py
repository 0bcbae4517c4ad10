"""The exercise checks of chapters 2-4: right answers pass (visible and hidden inputs); wrong answers
raise CheckFailed with a message that names the input, the expected and the got value and gives a hint;
a student function that raises, returns None or is not written yet is reported, never a traceback."""
from __future__ import annotations

import numpy as np
import pytest

import backprop_lib as bl
from backprop_lib.checks import CheckFailed, ch02, ch03, ch04


def _fails(check, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        check(*args, **kwargs)
    return str(info.value)


def _raises(*_):
    raise ZeroDivisionError("division by zero")


def _not_written(*_):
    raise NotImplementedError


# ---------------------------------------------------------------------------------------------
# Reference solutions
# ---------------------------------------------------------------------------------------------
def sigmoid_prime(z):
    a = bl.sigmoid(z)
    return a * (1 - a)


def relu_prime(z):
    return (np.asarray(z) > 0).astype(float)


def steep_sigmoid_prime(z, k):
    a = bl.sigmoid(k * np.asarray(z, dtype=float))
    return k * a * (1 - a)


def linreg_gradient(X, y, w):
    return X.T @ (X @ w - y) / X.shape[0]


def momentum_step(w, v, grad, lr, momentum):
    v_new = momentum * v - lr * grad
    return w + v_new, v_new


def central_difference(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def hidden_delta(W2, delta_out, a_hidden):
    return (1 - a_hidden ** 2) * (W2 @ delta_out)


def two_layer_gradients(x, t, W1, b1, W2, b2):
    a1 = np.tanh(x @ W1 + b1)
    y = a1 @ W2 + b2
    d_out = y - t
    d_hid = (1 - a1 ** 2) * (W2 @ d_out)
    return np.outer(x, d_hid), d_hid, np.outer(a1, d_out), d_out


RIGHT = [
    (ch02.check_sigmoid_prime, sigmoid_prime),
    (ch02.check_relu_prime, relu_prime),
    (ch02.check_steep_sigmoid_prime, steep_sigmoid_prime),
    (ch03.check_linreg_gradient, linreg_gradient),
    (ch03.check_momentum_step, momentum_step),
    (ch04.check_central_difference, central_difference),
    (ch04.check_hidden_delta, hidden_delta),
    (ch04.check_two_layer_gradients, two_layer_gradients),
]
IDS = [check.__name__ for check, _ in RIGHT]


@pytest.mark.parametrize("check, solution", RIGHT, ids=IDS)
def test_right_answers_pass_visible_and_hidden(check, solution, capsys):
    check(solution)
    out = capsys.readouterr().out
    assert out.startswith("\u2705") and "right answer" in out
    check(solution, hidden=True)
    assert capsys.readouterr().out == ""          # hidden checks pass silently


@pytest.mark.parametrize("check, solution", RIGHT, ids=IDS)
def test_a_raising_function_is_reported_not_a_traceback(check, solution):
    msg = _fails(check, _raises)
    assert "raised ZeroDivisionError: division by zero" in msg and "Hint:" in msg


@pytest.mark.parametrize("check, solution", RIGHT, ids=IDS)
def test_not_written_none_and_not_a_function(check, solution):
    assert "not written yet" in _fails(check, _not_written)
    assert "returned None" in _fails(check, lambda *args: None)
    assert "should be a function" in _fails(check, 3.0)


def test_failure_renders_without_a_traceback():
    with pytest.raises(CheckFailed) as info:
        ch02.check_sigmoid_prime(lambda z: bl.sigmoid(z))
    lines = info.value._render_traceback_()
    assert "Traceback" not in "".join(lines) and "expected" in "".join(lines)


# ---------------------------------------------------------------------------------------------
# Wrong answers name the input, the expected and the got value
# ---------------------------------------------------------------------------------------------
def test_ch02_sigmoid_prime_wrong():
    msg = _fails(ch02.check_sigmoid_prime, lambda z: bl.sigmoid(z))                    # forgot (1 - sigma)
    assert "sigmoid_prime(z=[0.]): expected [0.25], got [0.5]" in msg and "Hint:" in msg
    msg = _fails(ch02.check_sigmoid_prime, lambda z: bl.sigmoid(z) * bl.sigmoid(z))   # sigma^2: right at 0 only
    assert "sigmoid_prime(z=[-2. , -0.5,  1. ,  3. ]): expected [0.105" in msg and "got [0.0142" in msg
    hidden = _fails(ch02.check_sigmoid_prime, lambda z: bl.sigmoid(z) * (1 - bl.sigmoid(z)) + (np.abs(z) > 5) * 1e-3,
                    hidden=True)
    assert "sigmoid_prime(z=" in hidden and "expected" in hidden


def test_ch02_relu_prime_convention_at_zero():
    msg = _fails(ch02.check_relu_prime, lambda z: (np.asarray(z) >= 0).astype(float))
    assert "relu_prime(z=[0.])" in msg and "expected [0.]" in msg and "got [1.]" in msg and "z > 0" in msg
    half = _fails(ch02.check_relu_prime, lambda z: np.where(np.asarray(z) == 0, 0.5, np.asarray(z) > 0))
    assert "got [0.5]" in half
    wrong_elsewhere = _fails(ch02.check_relu_prime, lambda z: (np.abs(np.asarray(z)) > 0).astype(float))
    assert "relu_prime(z=[-2." in wrong_elsewhere and "expected" in wrong_elsewhere and "got" in wrong_elsewhere
    assert "returned" in _fails(ch02.check_relu_prime, lambda z: "zero")


def test_ch02_steep_sigmoid_forgets_the_inner_derivative():
    msg = _fails(ch02.check_steep_sigmoid_prime, lambda z, k: bl.sigmoid_prime(k * z))
    assert "steep_sigmoid_prime(z=[0.], k=2)" in msg and "expected [0.5], got [0.25]" in msg and "chain rule" in msg


def test_ch03_linreg_gradient_wrong():
    msg = _fails(ch03.check_linreg_gradient, lambda X, y, w: X.T @ (X @ w - y))       # forgot / n
    assert "linreg_gradient(X=" in msg and "y=[1., 0.]" in msg and "expected" in msg and "got" in msg
    assert "divide by n" in msg
    shape = _fails(ch03.check_linreg_gradient, lambda X, y, w: (X.T @ (X @ w - y) / len(y))[None, :])
    assert "shape" in shape


def test_ch03_momentum_step_wrong_order():
    msg = _fails(ch03.check_momentum_step, lambda w, v, g, lr, mu: (w + v, mu * v - lr * g))   # old velocity
    assert "momentum_step(w=[ 1., -1.], v=[0., 0.], grad=[0.5, 2. ], lr=0.1, momentum=0.5)" in msg
    assert "item 0 of the returned tuple" in msg and "expected" in msg and "got" in msg
    single = _fails(ch03.check_momentum_step, lambda w, v, g, lr, mu: w + mu * v - lr * g)
    assert "expected a tuple of 2 values" in single


def test_ch03_lr_max_messages():
    X = np.c_[np.ones(50), np.random.default_rng(0).normal(size=(50, 2))]
    right = ch03.critical_learning_rate(X)
    ch03.check_lr_max(right, X)
    assert "exactly half" in _fails(ch03.check_lr_max, right / 2, X)
    smallest = 2 / np.linalg.eigvalsh(X.T @ X / 50)[0]
    assert "smallest eigenvalue" in _fails(ch03.check_lr_max, smallest, X)
    msg = _fails(ch03.check_lr_max, 0.123, X)
    assert "lr_max" in msg and f"expected {right:.6g}" in msg and "got 0.123" in msg
    assert "one number" in _fails(ch03.check_lr_max, "big", X)


def test_ch04_central_difference_wrong():
    msg = _fails(ch04.check_central_difference, lambda f, x, h: (f(x + h) - f(x)) / h)   # forward difference
    assert "central_difference(f=f(x) = (x + 1)**2, x=2, h=0.001)" in msg and "expected 6" in msg and "got 6.001" in msg
    msg = _fails(ch04.check_central_difference, lambda f, x, h: (f(x + h) - f(x - h)) / h)  # forgot the 2
    assert "expected 6, got 12" in msg and "Note the 2" in msg
    hidden = _fails(ch04.check_central_difference, lambda f, x, h: (f(x + h) - f(x)) / h, hidden=True)
    assert "f(z) = sigmoid(z)" in hidden


def test_ch04_hidden_delta_wrong():
    msg = _fails(ch04.check_hidden_delta, lambda W2, d, a: a * (1 - a) * (W2 @ d))   # sigmoid's derivative
    assert "hidden_delta(W2=" in msg and "delta_out=[ 0.1, -0.2]" in msg and "expected" in msg and "got" in msg
    assert "1 - a_j**2" in msg
    transposed = _fails(ch04.check_hidden_delta, lambda W2, d, a: (1 - a ** 2) * (W2.T @ d))    # W2.T: shapes clash
    assert "raised ValueError" in transposed and "hidden_delta(W2=" in transposed


def test_ch04_two_layer_gradients_wrong():
    def swapped(x, t, W1, b1, W2, b2):
        dW1, db1, dW2, db2 = two_layer_gradients(x, t, W1, b1, W2, b2)
        return dW1.T, db1, dW2, db2
    msg = _fails(ch04.check_two_layer_gradients, swapped)
    assert "two_layer_gradients(x=" in msg and "item 0 of the returned tuple" in msg and "shape" in msg

    def sign(x, t, W1, b1, W2, b2):
        dW1, db1, dW2, db2 = two_layer_gradients(x, t, W1, b1, W2, b2)
        return dW1, db1, -dW2, -db2
    msg = _fails(ch04.check_two_layer_gradients, sign)
    assert "item 2 of the returned tuple: expected" in msg and "got" in msg and "delta_out = y - t" in msg

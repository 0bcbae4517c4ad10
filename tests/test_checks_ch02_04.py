"""The exercise checks of chapters 1-4, beyond their catalogue (tests/catalogue/ch01-04.py): the pass line,
hidden checks passing silently, a crash / stub / missing return reported without a traceback, and the
issue-10 cases stated one by one (finite differences, the library's own answer, in-place changes, z = 0
printed as 0, |z| = 1000, no public helper that hands out lr_max)."""
from __future__ import annotations

import numpy as np
import pytest

import backprop_lib as bl
from backprop_lib.checks import PASS_MARK, CheckFailed, ch01, ch02, ch03, ch04, reset_ladder


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    monkeypatch.delenv("BACKPROP_GRADING", raising=False)
    reset_ladder()


def _fails(check, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        check(*args, **kwargs)
    return str(info.value)


def _raises(*_):
    raise ZeroDivisionError("division by zero")


# reference-style solutions (the catalogue holds the differently written ones)
def neuron_forward(x, w, b):
    return float(bl.sigmoid(np.dot(w, x) + b))


def neuron_gradient(x, y, w, b):
    a = bl.sigmoid(np.dot(w, x) + b)
    d = a * (1 - a) * (a - y)
    return d * np.asarray(x, float), float(d)


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
    d_out = a1 @ W2 + b2 - t
    d_hid = (1 - a1 ** 2) * (W2 @ d_out)
    return np.outer(x, d_hid), d_hid, np.outer(a1, d_out), d_out


RIGHT = [
    (ch01.check_neuron_forward, neuron_forward), (ch01.check_neuron_gradient, neuron_gradient),
    (ch02.check_sigmoid_prime, sigmoid_prime), (ch02.check_relu_prime, relu_prime),
    (ch02.check_steep_sigmoid_prime, steep_sigmoid_prime), (ch03.check_linreg_gradient, linreg_gradient),
    (ch03.check_momentum_step, momentum_step), (ch04.check_central_difference, central_difference),
    (ch04.check_hidden_delta, hidden_delta), (ch04.check_two_layer_gradients, two_layer_gradients),
]
IDS = [check.__name__ for check, _ in RIGHT]


@pytest.mark.parametrize("check, solution", RIGHT, ids=IDS)
def test_right_answer_prints_one_pass_line_and_hidden_is_silent(check, solution, capsys):
    check(solution)
    out = capsys.readouterr().out
    assert out.startswith(PASS_MARK) and "right answer" in out and out.count("\n") == 1
    assert all(ord(c) < 0x2000 for c in out), "no emoji in the pass line (issue 9 item 4)"
    check(solution, hidden=True)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("check, solution", RIGHT, ids=IDS)
def test_crash_stub_and_missing_return_are_messages(check, solution):
    crash = _fails(check, _raises)
    assert "raised ZeroDivisionError: division by zero" in crash and "What went wrong:" in crash
    assert "Where to start:" in _fails(check, lambda *a: (_ for _ in ()).throw(NotImplementedError()))
    assert "returned None" in _fails(check, lambda *args: None)
    assert "should be a function" in _fails(check, 3.0)


def test_failure_renders_without_a_traceback():
    with pytest.raises(CheckFailed) as info:
        ch02.check_sigmoid_prime(lambda z: z)
    lines = info.value._render_traceback_()
    assert "Traceback" not in "".join(lines) and "expected" in "".join(lines)


# -- the cases issue 10 lists, one by one ----------------------------------------------------------
def test_ch01_neuron_gradient_by_finite_differences_fails():
    def fd(x, y, w, b, h=1e-5):
        C = lambda w_, b_: 0.5 * (bl.sigmoid(np.dot(w_, x) + b_) - y) ** 2  # noqa: E731
        return (np.array([(C(w + h * e, b) - C(w - h * e, b)) / (2 * h) for e in np.eye(len(w))]),
                (C(w, b + h) - C(w, b - h)) / (2 * h))
    assert "numerical estimate" in _fails(ch01.check_neuron_gradient, fd)
    reset_ladder()
    via_library = lambda x, y, w, b: (bl.numerical_gradient(  # noqa: E731
        lambda w_: 0.5 * (bl.sigmoid(w_ @ x + b) - y) ** 2, w.copy()), 0.0)
    assert "calls a finite-difference routine" in _fails(ch01.check_neuron_gradient, via_library)


def test_ch01_nand_untouched_is_where_to_start_not_a_name_error():
    msg = _fails(ch01.check_gate_weights, None, None, gate="nand")
    assert "still None" in msg and "Where to start:" in msg
    wrong_shape = _fails(ch01.check_gate_weights, [1.0, 2.0, 3.0], 1.0, gate="nand")
    assert "What went wrong:" in wrong_shape      # every rejection says what went wrong (ex3 had no hint)


def test_ch02_derivatives_by_finite_differences_fail():
    fd = lambda z: (bl.sigmoid(z + 1e-5) - bl.sigmoid(z - 1e-5)) / 2e-5  # noqa: E731
    assert "finite-difference" in _fails(ch02.check_sigmoid_prime, fd)
    steep_fd = lambda z, k: (bl.sigmoid(k * (z + 1e-5)) - bl.sigmoid(k * (z - 1e-5))) / 2e-5  # noqa: E731
    assert "finite-difference" in _fails(ch02.check_steep_sigmoid_prime, steep_fd)


def test_ch02_relu_bools_and_z_ge_0_fail_and_zero_prints_as_zero():
    bools = _fails(ch02.check_relu_prime, lambda z: z > 0)
    assert "bools" in bools
    ge = _fails(ch02.check_relu_prime, lambda z: (z >= 0).astype(float))
    assert "relu_prime(z=[0])" in ge and "expected [0], got [1]" in ge and "z > 0, not z >= 0" in ge
    reset_ladder()
    # the old message printed +-1e-9 as '-0., 0.'; an input that is not exactly 0 now shows as what it is
    half = _fails(ch02.check_relu_prime, lambda z: np.where(z > 1e-6, 1.0, 0.0))
    assert "1e-09" in half


def test_ch02_naive_sigmoid_prime_overflows_at_z_1000():
    msg = _fails(ch02.check_sigmoid_prime, lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2)
    assert "-1000" in msg and "overflowed" in msg


def test_ch03_momentum_step_in_place_fails():
    def in_place(w, v, grad, lr, momentum):
        v *= momentum
        v -= lr * grad
        w += v
        return w, v
    assert "in place" in _fails(ch03.check_momentum_step, in_place)


def test_ch03_has_no_public_helper_that_hands_out_lr_max():
    assert not any(hasattr(ch03, n) for n in ("critical_learning_rate", "lr_max", "_critical_learning_rate"))
    assert all(not name.startswith("critical") for name in dir(ch03))


def test_ch04_two_layer_gradients_by_finite_differences_fail():
    def fd(x, t, W1, b1, W2, b2):
        ps = [W1, b1, W2, b2]

        def E(i):
            def f(p):
                q = list(ps)
                q[i] = p
                a1 = np.tanh(x @ q[0] + q[1])
                return 0.5 * np.sum((a1 @ q[2] + q[3] - t) ** 2)
            return f
        grads = []
        for i, p in enumerate(ps):
            g = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                e = np.zeros_like(p)
                e[idx] = 1e-5
                g[idx] = (E(i)(p + e) - E(i)(p - e)) / 2e-5
            grads.append(g)
        return tuple(grads)
    assert "finite differences" in _fails(ch04.check_two_layer_gradients, fd)

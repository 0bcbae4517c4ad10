"""The exercise checks of chapters 8 and 9, beyond the catalogue (tests/catalogue/ch08-09.py, run by
tests/test_check_catalogue.py): right answers pass quietly on the hidden inputs, the library's answers
are refused however they are reached, non-square shapes catch height/width mix-ups, and the classifier's
gradients must come from backward()."""
from __future__ import annotations

import numpy as np
import pytest

import backprop_lib as bl
from backprop_lib import conv
from backprop_lib.autodiff import Tensor, topological_order
from backprop_lib.checks import CheckFailed, ch08, ch09, reset_ladder


@pytest.fixture(autouse=True)
def _fresh_ladder(monkeypatch):
    monkeypatch.delenv("BACKPROP_GRADING", raising=False)
    reset_ladder()
    yield
    reset_ladder()


def message(check, fn, **kw) -> str:
    with pytest.raises(CheckFailed) as info:
        check(fn, **kw)
    msg = str(info.value)
    assert "Traceback" not in msg
    return msg


def conv_output_shape(x_shape, w_shape, stride=1, padding=0):
    N, _, H, W = x_shape
    F, _, KH, KW = w_shape
    sizes = []
    for n, k in ((H, KH), (W, KW)):
        span = n + 2 * padding - k
        if span < 0 or span % stride:
            raise ValueError("does not fit")
        sizes.append(span // stride + 1)
    return (N, F, *sizes)


def corr1d_backward(x, w, delta, stride=1):
    dx, dw = np.zeros(len(x)), np.zeros(len(w))
    for i, d in enumerate(delta):
        for m in range(len(w)):
            dx[stride * i + m] += d * w[m]
            dw[m] += d * x[stride * i + m]
    return dx, dw, float(np.sum(delta))


def conv2d_input_grad(delta, w):
    kh, kw = w.shape
    padded = np.pad(delta, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    H, W = delta.shape[0] + kh - 1, delta.shape[1] + kw - 1
    return np.array([[np.sum(padded[i:i + kh, j:j + kw] * w[::-1, ::-1]) for j in range(W)] for i in range(H)])


def sin(t):
    out = Tensor(np.sin(t.data), parents=(t,), op="sin")

    def _backward():
        t.grad += np.cos(t.data) * out.grad
    out._backward = _backward
    return out


def topo_order(root):
    order, seen = [], set()

    def visit(v):
        if v not in seen:
            seen.add(v)
            for p in v.parents:
                visit(p)
            order.append(v)
    visit(root)
    return order


def classifier_grads(X, T, W1, W2):
    W1, W2 = Tensor(W1), Tensor(W2)
    ((Tensor(X) @ W1).sigmoid() @ W2).softmax_cross_entropy(T).backward()
    return W1.grad, W2.grad


@pytest.mark.parametrize("check, fn", [
    (ch08.check_conv_output_shape, conv_output_shape), (ch08.check_corr1d_backward, corr1d_backward),
    (ch08.check_conv2d_input_grad, conv2d_input_grad), (ch09.check_sin, sin), (ch09.check_topo_order, topo_order),
    (ch09.check_classifier_grads, classifier_grads),
])
def test_right_answers_pass_and_hidden_checks_are_quiet(check, fn, capsys):
    check(fn)
    assert capsys.readouterr().out.startswith("Correct:")
    check(fn, hidden=True)
    assert capsys.readouterr().out == ""


def test_height_only_fit_fails_on_a_non_square_input():
    def height_only(x, w, s=1, p=0):
        if (x[2] + 2 * p - w[2]) % s or x[2] + 2 * p < w[2]:
            raise ValueError("does not fit")
        return (x[0], w[0], (x[2] + 2 * p - w[2]) // s + 1, (x[3] + 2 * p - w[3]) // s + 1)
    msg = message(ch08.check_conv_output_shape, height_only)
    assert "x_shape=(1, 1, 7, 8)" in msg and "the height fits but the width does not" in msg


@pytest.mark.parametrize("answer", [
    lambda x, w, s=1, p=0: (x[0], w[0], conv.output_size(x[2], w[2], s, p), conv.output_size(x[3], w[3], s, p)),
    lambda x, w, s=1, p=0: bl.conv.conv2d_forward(np.zeros(x), np.zeros(w), np.zeros(w[0]), s, p)[0].shape,
])
def test_library_output_shape_is_refused(answer):
    assert "calls backprop_lib.conv" in message(ch08.check_conv_output_shape, answer)


def test_conv2d_backward_on_one_by_one_arrays_is_refused():
    def via_library(x, w, delta, stride=1):
        _, cache = conv.conv2d_forward(x[None, None, None], w[None, None, None], np.zeros(1), stride, 0)
        dx, dw, db = conv.conv2d_backward(np.asarray(delta, float)[None, None, None], cache)
        return dx.ravel(), dw.ravel(), float(db.sum())
    assert "backprop_lib.conv" in message(ch08.check_corr1d_backward, via_library)


def test_check_references_are_refused():
    assert "the check's own reference" in message(ch08.check_corr1d_backward, lambda x, w, d, s=1: ch08._backward1d(x, w, d, s))
    assert "the check's own reference" in message(ch08.check_conv2d_input_grad, lambda d, w: ch08._input_grad2d(d, w))


def test_topological_order_is_refused_directly_and_through_backward():
    assert "topological_order" in message(ch09.check_topo_order, topological_order)
    assert "topological_order" in message(ch09.check_topo_order, lambda root: topological_order(root))

    def through_backward(root):
        root.backward(np.ones_like(root.data))
        return topo_order(root)
    assert "topological_order" in message(ch09.check_topo_order, through_backward)


def test_classifier_grads_needs_backward():
    def hand(X, T, W1, W2):
        S = 1 / (1 + np.exp(-X @ W1))
        Y = np.exp(S @ W2) / np.exp(S @ W2).sum(axis=1, keepdims=True)
        d2 = (Y - T) / len(X)
        d1 = (d2 @ W2.T) * S * (1 - S)
        return X.T @ d1, S.T @ d2
    assert "never calls backward" in message(ch09.check_classifier_grads, hand)

    def backward_for_show(X, T, W1, W2):
        Tensor(1.0).backward()
        return hand(X, T, W1, W2)
    assert "not the gradient backward() left" in message(ch09.check_classifier_grads, backward_for_show)

    def fd(X, T, W1, W2):
        def loss(a, b):
            return ((Tensor(X) @ Tensor(a)).sigmoid() @ Tensor(b)).softmax_cross_entropy(T).item()
        W1, W2 = W1.copy(), W2.copy()
        return (bl.numerical_gradient(lambda _: loss(W1, W2), W1), bl.numerical_gradient(lambda _: loss(W1, W2), W2))
    assert "finite-difference" in message(ch09.check_classifier_grads, fd)


def test_sin_messages_do_not_show_the_solution():
    def assigns(t):
        out = Tensor(np.sin(t.data), parents=(t,), op="sin")

        def _backward():
            t.grad = np.cos(t.data) * out.grad
        out._backward = _backward
        return out
    msgs = [message(ch09.check_sin, assigns) for _ in range(3)]
    for m in msgs:
        assert "np.cos(t.data) * out.grad" not in m and "out._backward = _backward" not in m
    assert "Hint:" in msgs[2]

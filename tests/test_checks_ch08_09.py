"""The exercise checks of chapters 8 and 9: right answers pass (visible and hidden inputs); wrong ones
fail with a CheckFailed that names the input, shows expected vs got and gives a hint, never a traceback."""
from __future__ import annotations

import numpy as np
import pytest

from backprop_lib.autodiff import Tensor
from backprop_lib.checks import CheckFailed, ch08, ch09

# ---------------------------------------------------------------------------------------------
# chapter 8
# ---------------------------------------------------------------------------------------------


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


def _fails(check, fn, *needles, hidden=False):
    with pytest.raises(CheckFailed) as info:
        check(fn, hidden=hidden) if hidden else check(fn)
    message = str(info.value)
    for needle in needles:
        assert needle in message, f"{needle!r} not in:\n{message}"
    assert "Traceback" not in message
    return message


@pytest.mark.parametrize("check, fn", [
    (ch08.check_conv_output_shape, conv_output_shape),
    (ch08.check_corr1d_backward, corr1d_backward),
    (ch08.check_conv2d_input_grad, conv2d_input_grad),
])
def test_ch08_right_answers_pass(check, fn, capsys):
    check(fn)
    assert capsys.readouterr().out.startswith("Correct:")
    check(fn, hidden=True)
    assert capsys.readouterr().out == ""          # hidden checks are quiet when they pass


def test_ch08_output_shape_wrong_answers():
    _fails(ch08.check_conv_output_shape, lambda x, w, s, p: (x[0], w[0], x[2] - w[2] + 1, x[3] - w[3] + 1),
           "conv_output_shape(x_shape=", "expected (2, 4, 8, 8), got (2, 4, 6, 6)", "Hint:", "2*padding")
    _fails(ch08.check_conv_output_shape,
           lambda x, w, s, p: (x[0], w[0], (x[2] + 2 * p - w[2]) // s + 1, (x[3] + 2 * p - w[3]) // s + 1),
           "returned (1, 1, 3, 3), but this kernel does not fit", "not a multiple of the stride", "raise ValueError")
    _fails(ch08.check_conv_output_shape, lambda x, w, s, p: (x[1], w[0], 1, 1), "expected (1, 1, 3, 3)")
    _fails(ch08.check_conv_output_shape, lambda x, w, s, p: "3x3", "expected a tuple of 4 whole numbers")
    _fails(ch08.check_conv_output_shape, lambda x, w, s, p: None, "returned None")
    _fails(ch08.check_conv_output_shape, 5, "should be a function")


def test_ch08_output_shape_hidden_cases_catch_more():
    def kh_for_both(x, w, s, p):       # a typo: KH used for the width too; right for square kernels only
        return conv_output_shape(x, (w[0], w[1], w[2], w[2]), s, p)

    ch08.check_conv_output_shape(kh_for_both)            # every visible kernel is square...
    _fails(ch08.check_conv_output_shape, kh_for_both,    # ...one hidden kernel is not
           "conv_output_shape(x_shape=(3, 2, 11, 7), w_shape=(6, 2, 3, 1), stride=2, padding=1)",
           "expected (3, 6, 6, 5), got (3, 6, 6, 4)", hidden=True)


def test_ch08_corr1d_backward_wrong_answers():
    def unflipped(x, w, delta, stride=1):
        dx, dw, db = corr1d_backward(x, w, delta, stride)
        d = np.zeros((len(delta) - 1) * stride + 1)
        d[::stride] = delta
        return np.correlate(np.pad(d, len(w) - 1), w, mode="valid"), dw, db

    _fails(ch08.check_corr1d_backward, unflipped, "dx is wrong", "flipped kernel w[::-1]", "corr1d_backward(x=")

    def no_dilation(x, w, delta, stride=1):
        dw = np.array([sum(delta[i] * x[i + m] for i in range(len(delta))) for m in range(len(w))])
        return corr1d_backward(x, w, delta, stride)[0], dw, float(np.sum(delta))

    _fails(ch08.check_corr1d_backward, no_dilation, "dw is wrong", "stride 2: did you dilate delta first?")
    _fails(ch08.check_corr1d_backward, lambda x, w, d, s=1: corr1d_backward(x, w, d, s)[:2] + (float(np.mean(d)),),
           "db is wrong", "dL/db = sum_i delta_i")
    _fails(ch08.check_corr1d_backward, lambda x, w, d, s=1: corr1d_backward(x, w, d, s)[:2],
           "expected a tuple (dx, dw, db)")
    _fails(ch08.check_corr1d_backward, lambda x, w, d, s=1: x[10], "raised IndexError")

    def not_written(x, w, d, s=1):
        raise NotImplementedError

    _fails(ch08.check_corr1d_backward, not_written, "not written yet")


def test_ch08_input_grad_wrong_answers():
    _fails(ch08.check_conv2d_input_grad, lambda d, w: conv2d_input_grad(d, w[::-1, ::-1]),
           "conv2d_input_grad(delta=", "expected [[1, 2, 3, 0]", "flipped in both directions")
    _fails(ch08.check_conv2d_input_grad, lambda d, w: conv2d_input_grad(d, w[::-1, ::-1])[:d.shape[0], :d.shape[1]],
           "shape (2, 2), expected (4, 4)", "dL/dx has the shape of x")
    _fails(ch08.check_conv2d_input_grad, lambda d, w: conv2d_input_grad(d, w) * 2, "expected", "Hint: pad delta")


# ---------------------------------------------------------------------------------------------
# chapter 9
# ---------------------------------------------------------------------------------------------


def make_sin(local=np.cos, assign=False, attach=True, parents=True, forward=np.sin, as_array=False):
    """A sin operation, right by default; each argument plants one typical mistake."""
    def sin(t):
        if as_array:
            return np.sin(t.data)
        out = Tensor(forward(t.data), parents=(t,) if parents else (), op="sin")

        def _backward():
            if assign:
                t.grad = local(t.data) * out.grad
            else:
                t.grad += local(t.data) * out.grad
        if attach:
            out._backward = _backward
        return out
    return sin


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
    (ch09.check_sin, make_sin()),
    (ch09.check_topo_order, topo_order),
    (ch09.check_classifier_grads, classifier_grads),
])
def test_ch09_right_answers_pass(check, fn, capsys):
    check(fn)
    assert capsys.readouterr().out.startswith("Correct:")
    check(fn, hidden=True)
    assert capsys.readouterr().out == ""


def test_ch09_sin_wrong_answers():
    _fails(ch09.check_sin, make_sin(assign=True), "sin(t) * t", "write t.grad += ..., not t.grad =")
    _fails(ch09.check_sin, make_sin(attach=False), "t.grad is wrong", "out._backward = _backward")
    _fails(ch09.check_sin, make_sin(local=lambda x: -np.cos(x)), "t.grad is wrong", "sign is flipped")
    _fails(ch09.check_sin, make_sin(parents=False), "does not list its input among its parents", "parents=(t,)")
    _fails(ch09.check_sin, make_sin(forward=np.cos), "the forward value is wrong", "np.sin(t.data)")
    _fails(ch09.check_sin, make_sin(as_array=True), "not a Tensor")
    _fails(ch09.check_sin, make_sin(local=np.sin), "t.grad is wrong", "Hint: build the result")

    def ignores_upstream(t):
        out = Tensor(np.sin(t.data), parents=(t,), op="sin")

        def _backward():
            t.grad += np.cos(t.data)
        out._backward = _backward
        return out

    _fails(ch09.check_sin, ignores_upstream, "with upstream gradient", "upstream gradient out.grad")
    _fails(ch09.check_sin, lambda t: t.data.foo, "raised AttributeError")
    _fails(ch09.check_sin, "sin", "should be a function")


def test_ch09_topo_order_wrong_answers():
    def no_seen_set(root):
        order = []

        def visit(v):
            for p in v.parents:
                visit(p)
            order.append(v)
        visit(root)
        return order

    _fails(ch09.check_topo_order, no_seen_set, "Tensor(a: 2.) appears 3 times", "visited")

    def reversed_preorder(root):
        order, seen = [], set()

        def visit(v):
            if v not in seen:
                seen.add(v)
                order.append(v)
                for p in v.parents:
                    visit(p)
        visit(root)
        return order[::-1]

    _fails(ch09.check_topo_order, reversed_preorder, "topo_order(<a * exp(a*b)>)", "comes before its parent")
    _fails(ch09.check_topo_order, lambda root: topo_order(root)[::-1], "comes before its parent")
    _fails(ch09.check_topo_order, lambda root: topo_order(root)[1:], "nodes are missing")
    _fails(ch09.check_topo_order, lambda root: [root], "nodes are missing")
    _fails(ch09.check_topo_order, lambda root: 3, "expected a list of Tensors")


def test_ch09_topo_order_hidden_graphs():
    def only_two_levels(root):         # parents and grandparents only: fine on shallow graphs
        order = []
        for p in root.parents:
            for g in p.parents:
                if all(g is not o for o in order):
                    order.append(g)
            if all(p is not o for o in order):
                order.append(p)
        return order + [root]

    with pytest.raises(CheckFailed):
        ch09.check_topo_order(only_two_levels)
    _fails(ch09.check_topo_order, lambda root: topo_order(root) if root.parents else [], "nodes are missing",
           hidden=True)


def test_ch09_classifier_wrong_answers():
    def summed(X, T, W1, W2):
        g1, g2 = classifier_grads(X, T, W1, W2)
        return g1 * len(X), g2 * len(X)

    _fails(ch09.check_classifier_grads, summed, "dW1 is wrong", "times too large", "mean over the rows")
    _fails(ch09.check_classifier_grads, lambda X, T, W1, W2: tuple(-g for g in classifier_grads(X, T, W1, W2)),
           "dW1 is wrong", "sign is flipped")
    _fails(ch09.check_classifier_grads, lambda X, T, W1, W2: (Tensor(W1), Tensor(W2)), "returned Tensors", "W1.grad")
    _fails(ch09.check_classifier_grads, lambda X, T, W1, W2: classifier_grads(X, T, W1, W2)[0],
           "expected a pair (dW1, dW2)")

    def tanh_hidden(X, T, W1, W2):
        W1, W2 = Tensor(W1), Tensor(W2)
        ((Tensor(X) @ W1).tanh() @ W2).softmax_cross_entropy(T).backward()
        return W1.grad, W2.grad

    _fails(ch09.check_classifier_grads, tanh_hidden, "classifier_grads(X=", "is wrong", "relative error")

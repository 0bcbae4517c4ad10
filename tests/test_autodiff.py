"""Reverse-mode autodiff: every operation's gradient against central differences (hypothesis over
small shapes, with broadcasting), the topological order, backward()'s bookkeeping, agreement with the
hand-written backward passes of the MLP, and the ValueErrors."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import backprop_lib as bl
from backprop_lib.autodiff import Tensor, topological_order, unbroadcast
from gradient_assertions import _assert_gradient_matches

TOL = 1e-7


def check_grads(build, *arrays, seed=0):
    """build(*tensors) -> Tensor; compare backward() with central differences of L = sum(G * out)."""
    leaves = [Tensor(a) for a in arrays]
    out = build(*leaves)
    G = np.random.default_rng(seed).normal(size=out.shape)
    (out * G).sum().backward()
    for i, leaf in enumerate(leaves):
        numeric = bl.numerical_gradient(lambda _: float(np.sum(build(*leaves).data * G)), leaf.data)
        # rel error <= 1e-7, or (for a true gradient at float64's round-off floor) a tiny absolute error
        _assert_gradient_matches(leaf.grad, numeric, f_scale=float(np.sum(out.data * G)), tol=TOL)
    return out


shapes = st.tuples(st.integers(1, 3), st.integers(1, 3))
seeds = st.integers(0, 2**31 - 1)


def _arr(seed, shape, low=None):
    a = np.random.default_rng(seed).normal(size=shape)
    return a if low is None else np.abs(a) + low          # strictly positive when low is given


UNARY = {
    "exp": (lambda a: a.exp(), None),
    "log": (lambda a: a.log(), 0.5),
    "sigmoid": (lambda a: a.sigmoid(), None),
    "tanh": (lambda a: a.tanh(), None),
    "relu": (lambda a: a.relu(), 0.1),                    # away from the kink at 0 ...
    "relu_negative": (lambda a: (a * -1.0).relu(), 0.1),  # ... on both sides
    "neg": (lambda a: -a, None),
    "square": (lambda a: a ** 2, None),
    "cube": (lambda a: a ** 3, None),
    "sqrt": (lambda a: a ** 0.5, 0.5),
    "reciprocal": (lambda a: a ** -1, 0.5),
    "sum": (lambda a: a.sum(), None),
    "sum_axis0": (lambda a: a.sum(axis=0), None),
    "sum_axis1": (lambda a: a.sum(axis=1), None),
    "mean": (lambda a: a.mean(), None),
    "mean_axis0": (lambda a: a.mean(axis=0), None),
    "scalar_ops": (lambda a: 2.0 * a + 1.0 - (3.0 - a) / 4.0 + 1.0 / (a * a + 1.0), None),
}


@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=15, deadline=None)
@given(shape=shapes, seed=seeds)
def test_unary_ops_against_central_differences(name, shape, seed):
    fn, low = UNARY[name]
    check_grads(fn, _arr(seed, shape, low), seed=seed)


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 0.5),
}


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("broadcast", ["same", "row", "column", "scalar"])
@settings(max_examples=10, deadline=None)
@given(shape=shapes, seed=seeds)
def test_binary_ops_with_broadcasting(name, broadcast, shape, seed):
    other = {"same": shape, "row": (shape[1],), "column": (shape[0], 1), "scalar": ()}[broadcast]
    check_grads(BINARY[name], _arr(seed, shape), _arr(seed + 1, other), seed=seed)
    check_grads(BINARY[name], _arr(seed + 1, other), _arr(seed, shape), seed=seed)   # broadcast on the left


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4), seed=seeds)
def test_matmul(n, k, m, seed):
    out = check_grads(lambda a, b: a @ b, _arr(seed, (n, k)), _arr(seed + 1, (k, m)), seed=seed)
    assert out.shape == (n, m)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 4), k=st.integers(2, 4), seed=seeds, labels=st.booleans())
def test_softmax_cross_entropy(n, k, seed, labels):
    y = np.random.default_rng(seed).integers(0, k, n)
    targets = y if labels else np.eye(k)[y]
    out = check_grads(lambda z: z.softmax_cross_entropy(targets), _arr(seed, (n, k)) * 3, seed=seed)
    assert out.shape == ()
    np.testing.assert_allclose(out.item(), bl.losses.softmax_cross_entropy(_arr(seed, (n, k)) * 3, np.eye(k)[y]))


@settings(max_examples=20, deadline=None)
@given(shape=shapes, seed=seeds)
def test_a_composite_expression_with_reuse(shape, seed):
    """A value used several times must collect the gradient of every use (grad +=, not =)."""
    check_grads(lambda a, b: (a * b + a).tanh() * a - (b.exp() * a).sigmoid(), _arr(seed, shape), _arr(seed + 2, shape),
                seed=seed)


def test_square_example_from_the_lecture_notes():
    x = Tensor(2.0, label="x")
    f = (x + 1) ** 2
    f.backward()
    assert f.item() == 9.0 and x.grad == 6.0


def test_same_gradients_as_the_mlp():
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 3, 6)
    for loss, output in (("mse", "identity"), ("cross_entropy", "softmax")):
        net = bl.MLP([3, 5, 3], activation="sigmoid", output=output, seed=2)
        for layer in net.layers:
            layer.b = rng.normal(size=layer.n_out)
        T = np.eye(3)[y]
        value, grads = net.loss_and_grads(X, y if output == "softmax" else T, loss=loss)
        W1, b1, W2, b2 = (Tensor(layer.params[k]) for layer in net.layers for k in ("W", "b"))
        z2 = (Tensor(X) @ W1 + b1).sigmoid() @ W2 + b2
        L = z2.softmax_cross_entropy(y) if output == "softmax" else ((z2 - T) ** 2).sum() * (0.5 / len(X))
        L.backward()
        assert L.item() == pytest.approx(value, rel=1e-12)
        for t, g in zip((W1, b1, W2, b2), (grads[0]["W"], grads[0]["b"], grads[1]["W"], grads[1]["b"])):
            assert bl.rel_error(t.grad, g) <= TOL


def test_topological_order():
    a, b = Tensor(1.0, label="a"), Tensor(2.0, label="b")
    c = a * b
    d = c + a            # a is used twice: a diamond
    e = d * c
    order = topological_order(e)
    assert len(order) == len({id(n) for n in order}) == 5
    pos = {id(n): i for i, n in enumerate(order)}
    for n in order:
        assert all(pos[id(p)] < pos[id(n)] for p in n.parents)
    assert order[-1] is e


def test_topological_order_of_a_deep_graph_needs_no_recursion():
    x = Tensor(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_backward_resets_intermediates_and_accumulates_leaves():
    x = Tensor(3.0)
    y = x * x
    z = y + 1
    z.backward()
    assert x.grad == 6.0 and y.grad == 1.0
    z.backward()         # a second pass: the leaf accumulates (as in PyTorch), the intermediate does not
    assert x.grad == 12.0 and y.grad == 1.0
    z.zero_grad()
    assert x.grad == 0.0 and y.grad == 0.0 and z.grad == 0.0


def test_backward_with_a_given_gradient():
    x = Tensor([1.0, 2.0, 3.0])
    y = x * 2.0
    y.backward(grad=np.array([1.0, 0.0, -1.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, -2.0])


def test_unbroadcast():
    g = np.ones((2, 3))
    np.testing.assert_array_equal(unbroadcast(g, (3,)), [2, 2, 2])
    np.testing.assert_array_equal(unbroadcast(g, (2, 1)), [[3], [3]])
    assert unbroadcast(g, ()) == 6
    assert unbroadcast(g, (2, 3)) is g


def test_constants_are_marked_and_labelled():
    x = Tensor(2.0, label="x")
    y = x + 1
    const = y.parents[1]
    assert const.is_constant and const.label == "1" and not x.is_constant
    assert y.op == "+" and "op='+'" in repr(y) and "x" in repr(x)


def test_extreme_values_stay_finite():
    z = Tensor([[1000.0, -1000.0, 0.0]])
    L = z.softmax_cross_entropy([1]) + z.sigmoid().sum() + z.tanh().sum()
    L.backward()
    assert np.isfinite(L.data) and np.isfinite(z.grad).all()
    np.testing.assert_allclose(L.item(), 2000.0 + 1.0 + 0.5 + 0.0)


@pytest.mark.parametrize("call, match", [
    (lambda: Tensor("abc"), "numeric"),
    (lambda: Tensor(Tensor(1.0)), "already a Tensor"),
    (lambda: Tensor(1.0) + "a", "cannot combine"),
    (lambda: Tensor(1.0) ** Tensor(2.0), "constant number"),
    (lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3))), r"\(2, 3\) @ \(2, 3\)"),
    (lambda: Tensor(np.ones(3)) @ Tensor(np.ones(3)), "2-D"),
    (lambda: Tensor(np.ones(3)).backward(), "single number"),
    (lambda: Tensor(1.0).backward(grad=np.ones(2)), "grad has shape"),
    (lambda: Tensor(np.ones(3)).softmax_cross_entropy([0, 1, 2]), r"\(N, K\)"),
    (lambda: Tensor(np.ones((2, 3))).softmax_cross_entropy([0, 3]), "labels must be"),
    (lambda: Tensor(np.ones((2, 3))).softmax_cross_entropy(np.ones((2, 2))), "targets have shape"),
])
def test_bad_input_raises_a_clear_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# The power rule at a = 0 for integer exponents. PyTorch's derivative of pow(x, p) is
# p * x**(p-1), except that it returns zeros for p == 0 (torch/csrc/autograd/FunctionsManual.cpp,
# pow_backward; torch.tensor(0., requires_grad=True) ** 0 then .backward() leaves grad 0, not NaN).
# The true derivative of a**p at a = 0 is 0 for p = 0, 1 for p = 1 and 0 for every p >= 2.
@pytest.mark.parametrize("p", [0, 1, 2, 3, 4, 7, 0.0, 1.0, 2.0])
def test_power_rule_at_zero_for_integer_exponents(p):
    a = np.array([0.0, -0.0, 1.5, -2.0])
    expected = np.zeros_like(a) if p == 0 else p * a ** (p - 1) if p != 1 else np.ones_like(a)
    with np.errstate(all="raise"):                      # 0 * inf or 0 ** -1 would raise here
        x = Tensor(a)
        y = x ** p
        y.sum().backward()
    assert np.array_equal(y.data, a ** p)
    assert np.all(np.isfinite(x.grad)), f"a ** {p}: gradient {x.grad} is not finite"
    assert np.array_equal(x.grad, expected), f"a ** {p}: gradient {x.grad}, expected {expected}"
    assert x.grad[0] == (1.0 if p == 1 else 0.0)
    # central differences at every point (h = 1e-6: the truncation error at 0 is C(p, 3) h^2 <= 4e-11)
    h = 1e-6
    numeric = ((a + h) ** p - (a - h) ** p) / (2 * h)
    assert np.allclose(x.grad, numeric, rtol=1e-7, atol=1e-9), (x.grad, numeric)


def test_power_zero_gives_no_runtime_warning():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = Tensor(0.0)
        y = x ** 0
        y.backward()
    assert float(y.data) == 1.0 and float(x.grad) == 0.0

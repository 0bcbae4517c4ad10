"""The exercise checks of chapters 5-7, beyond the catalogue (tests/catalogue/ch05-07.py, run by
tests/test_check_catalogue.py): right answers pass quietly on the hidden inputs, the find-the-bug grader
asks for backpropagation (finite differences fail, in every form), its hint names the wrong layer, the
edge inputs are visible in the messages, and the checks' exact references agree with central differences."""
from __future__ import annotations

import numpy as np
import pytest

import backprop_lib as bl
from backprop_lib import numerical_gradient, rel_error
from backprop_lib.activations import sigmoid, softmax
from backprop_lib.checks import CheckFailed, ch05, ch06, ch07, reset_ladder


@pytest.fixture(autouse=True)
def _fresh_ladder(monkeypatch):
    monkeypatch.delenv("BACKPROP_GRADING", raising=False)
    reset_ladder()
    yield
    reset_ladder()


def message(check, fn, **kw) -> str:
    with pytest.raises(CheckFailed) as info:
        check(fn, **kw)
    return str(info.value)


def two_layer_backward(X, T, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    A1 = np.tanh(X @ W1 + b1)
    A2 = A1 @ W2 + b2
    d2 = (A2 - T) / len(X)
    d1 = (d2 @ W2.T) * (1 - A1 ** 2)
    return 0.5 * np.sum((A2 - T) ** 2) / len(X), {"W1": X.T @ d1, "b1": d1.sum(0), "W2": A1.T @ d2, "b2": d2.sum(0)}


def classifier_backward(X, T, params):
    A1 = sigmoid(X @ params["W1"] + params["b1"])
    Z2 = A1 @ params["W2"] + params["b2"]
    d2 = (softmax(Z2) - T) / len(X)
    d1 = (d2 @ params["W2"].T) * A1 * (1 - A1)
    return ch06.classifier_loss(X, T, params), {"W1": X.T @ d1, "b1": d1.sum(0), "W2": A1.T @ d2, "b2": d2.sum(0)}


def deep_backward(X, T, params):
    return ch07.deep_loss(X, T, params), ch07._deep_grads(X, T, params)


@pytest.mark.parametrize("check, fn", [(ch05.check_two_layer_backward, two_layer_backward),
                                       (ch06.check_classifier_backward, classifier_backward),
                                       (ch07.check_deep_backward, deep_backward)])
def test_find_the_bug_right_answer_passes_quietly_when_hidden(check, fn, capsys):
    check(fn)
    assert capsys.readouterr().out.startswith("Correct:")
    check(fn, hidden=True)
    assert capsys.readouterr().out == ""


# -- the find-the-bug grader asks for backprop ---------------------------------------------------------
def _fd(loss_fn, h=1e-5):
    """Central differences with fresh copies, written out (no library call, params never touched)."""
    def backward(X, T, params):
        grads = {}
        for k, v in params.items():
            g = np.zeros(v.shape)
            for idx in np.ndindex(v.shape):
                e = np.zeros(v.shape)
                e[idx] = h
                g[idx] = (loss_fn(X, T, {**params, k: v + e}) - loss_fn(X, T, {**params, k: v - e})) / (2 * h)
            grads[k] = g
        return loss_fn(X, T, params), grads
    return backward


def _own_loss(kind):
    def loss(X, T, p):   # the student's own forward pass (not the check's loss function)
        if kind == "ch05":
            return float(0.5 * np.sum((np.tanh(X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"] - T) ** 2) / len(X))
        if kind == "ch06":
            z = sigmoid(X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
            return float(-np.sum(T * bl.log_softmax(z) if hasattr(bl, "log_softmax") else
                                 T * (z - np.log(np.exp(z).sum(axis=1, keepdims=True)))) / len(X))
        return ch07.deep_loss.__wrapped__(X, T, p) if hasattr(ch07.deep_loss, "__wrapped__") else _deep_own(X, T, p)
    return loss


def _deep_own(X, T, p):
    a = X
    L = len(p) // 2
    for l in range(1, L + 1):
        z = a @ p[f"W{l}"] + p[f"b{l}"]
        a = np.tanh(z) if l < L else z
    return float(0.5 * np.sum((a - T) ** 2) / len(X))


@pytest.mark.parametrize("check, kind", [(ch05.check_two_layer_backward, "ch05"),
                                         (ch06.check_classifier_backward, "ch06"),
                                         (ch07.check_deep_backward, "ch07")])
@pytest.mark.parametrize("h", [1e-5, 6e-6, 1e-4])
def test_finite_differences_written_out_fail_as_not_exact(check, kind, h):
    msg = message(check, _fd(_own_loss(kind), h))
    assert "finite differences" in msg and "not exact" in msg, msg


@pytest.mark.parametrize("check, loss_fn", [(ch05.check_two_layer_backward, ch05.two_layer_loss),
                                            (ch06.check_classifier_backward, ch06.classifier_loss),
                                            (ch07.check_deep_backward, ch07.deep_loss)])
def test_the_checks_loss_in_numerical_gradient_fails(check, loss_fn):
    def via_library(X, T, params):
        q = {k: v.copy() for k, v in params.items()}
        return loss_fn(X, T, q), {k: numerical_gradient(lambda _: loss_fn(X, T, q), q[k]) for k in q}

    def in_place(X, T, params):
        return loss_fn(X, T, params), {k: numerical_gradient(lambda _: loss_fn(X, T, params), v)
                                       for k, v in params.items()}
    assert "finite-difference tool" in message(check, via_library)
    assert "finite-difference tool" in message(check, in_place)
    assert "evaluates the loss" in message(check, _fd(loss_fn))


def test_in_place_nudging_is_named():
    def nudge(X, T, params):
        params["W1"][0, 0] += 1e-5
        return two_layer_backward(X, T, params)
    msg = message(ch05.check_two_layer_backward, nudge)
    assert "in place" in msg and "read-only" in msg


def test_calling_the_loss_once_for_the_value_is_fine():
    def with_loss(X, T, params):
        return ch05.two_layer_loss(X, T, params), two_layer_backward(X, T, params)[1]
    ch05.check_two_layer_backward(with_loss, hidden=True)


def test_the_hint_names_the_hidden_layer_when_only_it_is_wrong():
    def wrong_hidden(X, T, params):
        loss, g = classifier_backward(X, T, params)
        return loss, {**g, "W1": 2 * g["W1"], "b1": 2 * g["b1"]}
    msg = message(ch06.check_classifier_backward, wrong_hidden)
    assert "layer 1" in msg and "output delta" not in msg and "W2, b2 are right" in msg

    def wrong_middle(X, T, params):
        loss, g = deep_backward(X, T, params)
        return loss, {**g, "W2": 2 * g["W2"], "W1": -g["W1"]}
    msg = message(ch07.check_deep_backward, wrong_middle)
    assert "layer 2 is the first wrong one" in msg and "layers 3 to 4 are right" in msg


# -- edge inputs -------------------------------------------------------------------------------------
def test_relu_z_exactly_zero_is_visible():
    def ge(delta_next, W_next, z, activation):
        f = {"relu": lambda z: (z >= 0).astype(float), "tanh": lambda z: 1 - np.tanh(z) ** 2,
             "sigmoid": lambda z: sigmoid(z) * (1 - sigmoid(z))}[activation]
        return (delta_next @ W_next.T) * f(z)
    msg = message(ch05.check_hidden_delta, ge)
    assert "z=[[0, 1.5, -0.7, 0]" in msg and "z = 0" in msg and "1e-09" not in msg


def test_hidden_delta_naive_sigmoid_overflows_at_1000():
    def naive(delta_next, W_next, z, activation):
        f = {"relu": lambda z: (z > 0).astype(float), "tanh": lambda z: 1 - np.tanh(z) ** 2,
             "sigmoid": lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2}[activation]
        return (delta_next @ W_next.T) * f(z)
    assert "-1000" in message(ch05.check_hidden_delta, naive)


def test_init_std_every_rejection_has_a_hint():
    for wrong in (lambda i, o, s: 0.3, lambda i, o, s: {"naive": 1.0, "xavier": 0.2, "he": 0.1}[s]):
        reset_ladder()
        msgs = [message(ch07.check_init_std, wrong) for _ in range(3)]
        assert "What went wrong:" in msgs[0] and "Reread:" in msgs[1] and "Hint:" in msgs[2]


def test_layer_gradient_norms_must_not_train_the_network():
    def step(net, X, T, loss):
        _, grads = net.loss_and_grads(X, T, loss=loss)
        for layer, g in zip(net.layers, grads):
            layer.W -= g["W"]
        return [np.linalg.norm(g["W"]) for g in grads]
    assert "changed the network" in message(ch07.check_layer_gradient_norms, step)


# -- the checks' references against central differences ---------------------------------------------
def test_reference_affine_backward_against_central_differences(rng):
    A, W, b, G = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(5, 3))
    dW, db, dA = ch05._affine_backward(G, A, W)
    loss = lambda _: np.sum(G * (A @ W + b))
    for ours, param in [(dW, W), (db, b), (dA, A)]:
        assert rel_error(ours, numerical_gradient(loss, param)) <= 1e-7


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_reference_hidden_delta_against_central_differences(rng, activation):
    f = {"sigmoid": sigmoid, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}[activation]
    z = rng.normal(size=(4, 5))
    z[np.abs(z) < 0.05] = 0.5      # keep away from ReLU's kink, where the derivative is undefined
    W_next, delta_next = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    numeric = numerical_gradient(lambda z_: np.sum(delta_next * (f(z_) @ W_next)), z)
    assert rel_error(ch05._hidden_delta(delta_next, W_next, z, activation), numeric) <= 1e-7


@pytest.mark.parametrize("loss_fn, grads_fn, case", [
    (ch05.two_layer_loss, ch05._two_layer_grads, lambda s: ch05.two_layer_case(5, 3, 4, 2, seed=s)),
    (ch06.classifier_loss, ch06._classifier_grads, lambda s: ch06.classifier_case(5, 2, 3, 4, seed=s)),
    (ch07.deep_loss, ch07._deep_grads, lambda s: ch07.deep_case((3, 4, 3, 2), seed=s)),
])
@pytest.mark.parametrize("seed", [0, 1])
def test_exact_gradient_references_against_central_differences(loss_fn, grads_fn, case, seed):
    X, T, params = case(seed)
    exact = grads_fn(X, T, params)
    for k in params:
        numeric = numerical_gradient(lambda _: loss_fn(X, T, params), params[k])
        assert rel_error(exact[k], numeric) <= 1e-7, k


def test_reference_jacobian_and_cross_entropy_against_central_differences(rng):
    z = rng.normal(size=5)
    numeric = np.array([numerical_gradient(lambda z_: softmax(z_)[j], z.copy()) for j in range(5)])
    assert rel_error(ch06._jacobian(z), numeric) <= 1e-7
    numeric_ce = numerical_gradient(lambda z_: ch06._cross_entropy(z_, 2), z.copy())
    assert rel_error(softmax(z) - np.eye(5)[2], numeric_ce) <= 1e-7


def test_gradient_report_prints_every_parameter(capsys):
    errors = ch05.gradient_report(two_layer_backward, ch05.two_layer_loss, *ch05.two_layer_case(seed=3))
    out = capsys.readouterr().out
    assert set(errors) == {"loss", "W1", "b1", "W2", "b2"} and max(errors.values()) < 1e-7
    assert out.count("ok") == 5 and "WRONG" not in out

"""The exercise checks of chapters 5-7: right answers pass (also on the hidden inputs), wrong answers fail
with a message that names the input, what was expected and a hint, never with a bare traceback."""
from __future__ import annotations

import numpy as np
import pytest

from backprop_lib.activations import log_softmax, sigmoid, softmax
from backprop_lib.checks import CheckFailed, ch05, ch06


def fails(check, fn, *words, **kwargs) -> str:
    """Run a check that must fail; return its message after asserting it contains `words`."""
    with pytest.raises(CheckFailed) as info:
        check(fn, **kwargs)
    msg = str(info.value)
    assert msg.startswith("Not yet:")
    for w in words:
        assert w in msg, f"{w!r} not in message:\n{msg}"
    return msg


# ------------------------------------------------------------------------------------------------
# chapter 5
# ------------------------------------------------------------------------------------------------
def affine_backward(delta, A_prev, W):
    return A_prev.T @ delta, delta.sum(axis=0), delta @ W.T


@pytest.mark.parametrize("hidden", [False, True])
def test_ch05_affine_backward_right(hidden, capsys):
    ch05.check_affine_backward(affine_backward, hidden=hidden)
    assert ("Correct:" in capsys.readouterr().out) != hidden


def test_ch05_affine_backward_transposed_dW():
    msg = fails(ch05.check_affine_backward, lambda d, A, W: (d.T @ A, d.sum(axis=0), d @ W.T),
                "affine_backward(", "item 0", "shape", "Hint:")
    assert "A_prev.T @ delta" in msg


def test_ch05_affine_backward_bias_over_wrong_axis():
    fails(ch05.check_affine_backward, lambda d, A, W: (A.T @ d, d.sum(axis=1), d @ W.T), "item 1", "shape")


def test_ch05_affine_backward_bias_not_summed():
    # with N = 1 the unsummed delta has the right size but the wrong shape; the check names the item
    fails(ch05.check_affine_backward, lambda d, A, W: (A.T @ d, d, d @ W.T), "item 1")


def test_ch05_affine_backward_raises_and_none():
    fails(ch05.check_affine_backward, lambda d, A, W: (A @ d, d.sum(0), d @ W.T), "raised ValueError", "Hint:")
    fails(ch05.check_affine_backward, lambda d, A, W: None, "returned None")
    fails(ch05.check_affine_backward, 3, "should be a function")


def hidden_delta(delta_next, W_next, z, activation):
    f_prime = {"sigmoid": lambda z: sigmoid(z) * (1 - sigmoid(z)), "tanh": lambda z: 1 - np.tanh(z) ** 2,
               "relu": lambda z: (z > 0).astype(float)}[activation]
    return (delta_next @ W_next.T) * f_prime(z)


@pytest.mark.parametrize("hidden", [False, True])
def test_ch05_hidden_delta_right(hidden):
    ch05.check_hidden_delta(hidden_delta, hidden=hidden)


def test_ch05_hidden_delta_derivative_of_a_not_z():
    # the classic slip: sigmoid'(z) written as z (1 - z)
    def wrong(delta_next, W_next, z, activation):
        if activation == "sigmoid":
            return (delta_next @ W_next.T) * z * (1 - z)
        return hidden_delta(delta_next, W_next, z, activation)
    fails(ch05.check_hidden_delta, wrong, "hidden_delta(", "activation='sigmoid'", "expected", "f'(z)")


def test_ch05_hidden_delta_missing_derivative():
    fails(ch05.check_hidden_delta, lambda d, W, z, a: d @ W.T, "expected", "Hint:")


def test_ch05_hidden_delta_wrong_only_on_hidden_input():
    def wrong(delta_next, W_next, z, activation):   # right for the visible cases, wrong if z has 2 columns
        out = hidden_delta(delta_next, W_next, z, activation)
        return out * 2 if z.shape[1] == 2 else out
    ch05.check_hidden_delta(wrong)
    fails(ch05.check_hidden_delta, wrong, "expected", hidden=True)


def two_layer_backward(X, T, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    A1 = np.tanh(X @ W1 + b1)
    A2 = A1 @ W2 + b2
    delta2 = (A2 - T) / N
    delta1 = (delta2 @ W2.T) * (1 - A1 ** 2)
    return 0.5 * np.sum((A2 - T) ** 2) / N, {"W1": X.T @ delta1, "b1": delta1.sum(0),
                                             "W2": A1.T @ delta2, "b2": delta2.sum(0)}


@pytest.mark.parametrize("hidden", [False, True])
def test_ch05_two_layer_backward_right(hidden):
    ch05.check_two_layer_backward(two_layer_backward, hidden=hidden)


def _patched(fn, **changes):
    """fn with some of its gradients replaced by changes[key](X, T, params, grads)."""
    def wrapped(X, T, params):
        loss, grads = fn(X, T, params)
        grads = dict(grads)
        for k, f in changes.items():
            grads[k] = f(X, T, params, grads)
        return loss, grads
    return wrapped


def test_ch05_two_layer_backward_names_the_wrong_parameter():
    wrong = _patched(two_layer_backward, W2=lambda X, T, p, g: g["W2"] * X.shape[0])   # 1/N forgotten in dW2
    msg = fails(ch05.check_two_layer_backward, wrong, "gradient check fails for W2", "relative error",
                "should be below 1e-07", "W1, b1, b2 are right")
    assert "b1:" not in msg


def test_ch05_two_layer_backward_buggy_version_from_the_chapter():
    def buggy(X, T, params):
        W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
        N = X.shape[0]
        Z1 = X @ W1 + b1
        A1 = np.tanh(Z1)
        A2 = A1 @ W2 + b2
        error = A2 - T
        delta2 = error / N
        delta1 = (delta2 @ W2.T) * (1 - Z1 ** 2)
        return 0.5 * np.sum(error ** 2) / N, {"W1": X.T @ delta1, "b1": delta1.sum(0), "W2": A1.T @ error,
                                              "b2": delta2.sum(0)}
    fails(ch05.check_two_layer_backward, buggy, "W1, b1, W2", "The gradients of b2 are right")
    errors = ch05.gradient_errors(buggy, ch05.two_layer_loss, *ch05.two_layer_case(seed=0))
    assert errors["b2"] < 1e-7 and min(errors["W1"], errors["b1"], errors["W2"]) > 1e-3


def test_ch05_two_layer_backward_wrong_loss():
    fails(ch05.check_two_layer_backward, lambda X, T, p: (two_layer_backward(X, T, p)[0] * X.shape[0],
                                                          two_layer_backward(X, T, p)[1]),
          "wrong loss", "mean over the N rows")


def test_ch05_two_layer_backward_structural_mistakes():
    fails(ch05.check_two_layer_backward, _patched(two_layer_backward, W1=lambda X, T, p, g: g["W1"].T),
          "gradient for W1 has shape", "A_prev.T @ delta")
    fails(ch05.check_two_layer_backward, lambda X, T, p: (1.0, {"W1": 0}), "no entry 'b1'")
    fails(ch05.check_two_layer_backward, lambda X, T, p: {"W1": 0}, "return (loss, grads)")
    fails(ch05.check_two_layer_backward, lambda X, T, p: None, "returned None")
    fails(ch05.check_two_layer_backward, lambda X, T, p: 1 / 0, "raised ZeroDivisionError")
    fails(ch05.check_two_layer_backward, lambda X, T, p: ([1.0, 2.0], two_layer_backward(X, T, p)[1]),
          "one number")


def test_ch05_two_layer_backward_nan_gradient():
    fails(ch05.check_two_layer_backward, _patched(two_layer_backward, b1=lambda X, T, p, g: g["b1"] * np.nan),
          "fails for b1", "inf")


def test_ch05_gradient_report_prints_every_parameter(capsys):
    errors = ch05.gradient_report(two_layer_backward, ch05.two_layer_loss, *ch05.two_layer_case(seed=3))
    out = capsys.readouterr().out
    assert set(errors) == {"loss", "W1", "b1", "W2", "b2"} and max(errors.values()) < 1e-7
    assert out.count("ok") == 5 and "WRONG" not in out


# ------------------------------------------------------------------------------------------------
# chapter 6
# ------------------------------------------------------------------------------------------------
def cross_entropy(z, c):
    z = np.asarray(z, dtype=float)
    m = z.max()
    return m + np.log(np.exp(z - m).sum()) - z[c]


@pytest.mark.parametrize("hidden", [False, True])
def test_ch06_cross_entropy_right(hidden):
    ch06.check_cross_entropy(cross_entropy, hidden=hidden)


def test_ch06_cross_entropy_naive_overflows():
    fails(ch06.check_cross_entropy, lambda z, c: -np.log(np.exp(z[c]) / np.exp(z).sum()),
          "cross_entropy(z=[1000, 1000, 999], c=2) returned nan", "overflowed", "Hint: subtract m = max(z)")


def test_ch06_cross_entropy_underflow_of_probability():
    def via_stable_probs(z, c):   # stable softmax, but the log of an underflowed probability
        return -np.log(softmax(z)[c])
    fails(ch06.check_cross_entropy, via_stable_probs, "returned inf", "underflowed to 0")


def test_ch06_cross_entropy_sign_and_shape():
    fails(ch06.check_cross_entropy, lambda z, c: log_softmax(z)[c], "sign is flipped")
    fails(ch06.check_cross_entropy, lambda z, c: -log_softmax(z), "one number")
    fails(ch06.check_cross_entropy, lambda z, c: -np.log(softmax(z)[c]) if abs(z).max() < 500 else 0.0,
          "c=2)", "expected 1.86")


def jacobian(z):
    p = softmax(np.asarray(z, dtype=float))
    return np.diag(p) - np.outer(p, p)


@pytest.mark.parametrize("hidden", [False, True])
def test_ch06_jacobian_right(hidden):
    ch06.check_jacobian(jacobian, hidden=hidden)


def test_ch06_jacobian_diagonal_only():
    fails(ch06.check_jacobian, lambda z: np.diag(softmax(z) * (1 - softmax(z))), "only the diagonal",
          "-p_j p_u", "Hint:")


def test_ch06_jacobian_off_diagonal_only_and_wrong():
    fails(ch06.check_jacobian, lambda z: -np.outer(softmax(z), softmax(z)), "only the -p_j p_u part")
    fails(ch06.check_jacobian, lambda z: np.outer(softmax(z), softmax(z)), "jacobian(z=", "expected",
          "Each row of J sums to 0")
    fails(ch06.check_jacobian, lambda z: softmax(z), "shape")


def classifier_backward(X, T, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    A1 = sigmoid(X @ W1 + b1)
    Z2 = A1 @ W2 + b2
    delta2 = (softmax(Z2) - T) / N
    delta1 = (delta2 @ W2.T) * A1 * (1 - A1)
    return -np.sum(T * log_softmax(Z2)) / N, {"W1": X.T @ delta1, "b1": delta1.sum(0),
                                              "W2": A1.T @ delta2, "b2": delta2.sum(0)}


@pytest.mark.parametrize("hidden", [False, True])
def test_ch06_classifier_backward_right(hidden):
    ch06.check_classifier_backward(classifier_backward, hidden=hidden)


def test_ch06_classifier_backward_naive_chain_rule():
    def naive(X, T, params):
        W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
        N = X.shape[0]
        A1 = sigmoid(X @ W1 + b1)
        Z2 = A1 @ W2 + b2
        Y = softmax(Z2)
        delta2 = -T / Y / N * Y * (1 - Y)
        delta1 = (delta2 @ W2.T) * A1 * (1 - A1)
        return -np.sum(T * log_softmax(Z2)) / N, {"W1": X.T @ delta1, "b1": delta1.sum(0),
                                                  "W2": A1.T @ delta2, "b2": delta2.sum(0)}
    msg = fails(ch06.check_classifier_backward, naive, "fails for W1, b1, W2, b2", "output delta", "(Y - T) / N")
    assert "are right" not in msg


def test_ch06_classifier_backward_wrong_hidden_derivative():
    def wrong(X, T, params):   # the sigmoid derivative taken of Z1 instead of A1
        loss, g = classifier_backward(X, T, params)
        Z1 = X @ params["W1"] + params["b1"]
        A1 = sigmoid(Z1)
        delta2 = (softmax(A1 @ params["W2"] + params["b2"]) - T) / X.shape[0]
        delta1 = (delta2 @ params["W2"].T) * Z1 * (1 - Z1)
        return loss, {**g, "W1": X.T @ delta1, "b1": delta1.sum(0)}
    fails(ch06.check_classifier_backward, wrong, "fails for W1, b1", "The gradients of W2, b2 are right")


def test_ch06_gradient_report_on_the_chapter_case(capsys):
    errors = ch06.gradient_report(classifier_backward, *ch06.classifier_case(seed=0))
    assert max(errors.values()) < 1e-7 and "WRONG" not in capsys.readouterr().out


# ------------------------------------------------------------------------------------------------
# chapter 7
# ------------------------------------------------------------------------------------------------
from backprop_lib import MLP  # noqa: E402
from backprop_lib.checks import ch07  # noqa: E402
from backprop_lib.layers import init_std as library_init_std  # noqa: E402


def init_std(n_in, n_out, scheme):
    return {"naive": 1.0, "xavier": np.sqrt(2 / (n_in + n_out)), "he": np.sqrt(2 / n_in)}[scheme]


@pytest.mark.parametrize("hidden", [False, True])
def test_ch07_init_std_right(hidden):
    ch07.check_init_std(init_std, hidden=hidden)


def test_ch07_init_std_matches_the_library():
    for n_in, n_out in [(64, 32), (2, 16), (7, 300)]:
        for scheme in ("naive", "xavier", "he"):
            assert np.isclose(init_std(n_in, n_out, scheme), library_init_std(n_in, n_out, scheme, "tanh"))


@pytest.mark.parametrize("wrong, words", [
    (lambda n_in, n_out, s: init_std(n_in, n_out, s) ** 2, ["variance", "square root"]),
    (lambda n_in, n_out, s: np.sqrt(1 / n_in) if s == "he" else init_std(n_in, n_out, s), ["LeCun", "He doubles"]),
    (lambda n_in, n_out, s: np.sqrt(2 / n_out) if s == "he" else init_std(n_in, n_out, s), ["fan-in"]),
    (lambda n_in, n_out, s: np.sqrt(1 / (n_in + n_out)) if s == "xavier" else init_std(n_in, n_out, s), ["a 2 in"]),
    (lambda n_in, n_out, s: np.sqrt(6 / (n_in + n_out)) if s == "xavier" else init_std(n_in, n_out, s), ["UNIFORM"]),
    (lambda n_in, n_out, s: 0.01, ["init_std(", "expected", "Hint: naive: 1"]),
])
def test_ch07_init_std_common_mistakes(wrong, words):
    fails(ch07.check_init_std, wrong, *words)


def test_ch07_init_std_raises():
    fails(ch07.check_init_std, lambda n_in, n_out, s: {"naive": 1.0}[s], "raised KeyError", "xavier")


def layer_gradient_norms(net, X, T, loss):
    _, grads = net.loss_and_grads(X, T, loss=loss)
    return [np.linalg.norm(g["W"]) for g in grads]


@pytest.mark.parametrize("hidden", [False, True])
def test_ch07_layer_gradient_norms_right(hidden):
    ch07.check_layer_gradient_norms(layer_gradient_norms, hidden=hidden)


def test_ch07_layer_gradient_norms_mistakes():
    fails(ch07.check_layer_gradient_norms, lambda net, X, T, loss: layer_gradient_norms(net, X, T, loss)[::-1],
          "reversed")
    fails(ch07.check_layer_gradient_norms,
          lambda net, X, T, loss: [np.linalg.norm(g["b"]) for g in net.loss_and_grads(X, T, loss=loss)[1]],
          "bias gradients")
    fails(ch07.check_layer_gradient_norms, lambda net, X, T, loss: layer_gradient_norms(net, X, T, loss)[1:],
          "the network has 3 layers")
    fails(ch07.check_layer_gradient_norms,
          lambda net, X, T, loss: [np.abs(g["W"]).sum() for g in net.loss_and_grads(X, T, loss=loss)[1]],
          "expected", "square root of the sum of squares")
    msg = fails(ch07.check_layer_gradient_norms, lambda net, X, T, loss: net.loss_and_grads(X, T, loss=loss),
                "should return one number per layer", "got tuple", "np.linalg.norm(g['W'])")
    assert len(msg) < 600
    fails(ch07.check_layer_gradient_norms, lambda net, X, T, loss: net.loss_and_grads(X, T, loss="bogus"),
          "raised ValueError", "loss_and_grads(X, T, loss=loss)")
    fails(ch07.check_layer_gradient_norms, lambda net, X, T, loss: None, "returned None")


def deep_backward(X, T, params):
    n_layers = len(params) // 2
    As = [X]
    for l in range(1, n_layers + 1):
        Z = As[-1] @ params[f"W{l}"] + params[f"b{l}"]
        As.append(np.tanh(Z) if l < n_layers else Z)
    delta = (As[-1] - T) / X.shape[0]
    grads = {}
    for l in range(n_layers, 0, -1):
        grads[f"W{l}"], grads[f"b{l}"] = As[l - 1].T @ delta, delta.sum(0)
        if l > 1:
            delta = (delta @ params[f"W{l}"].T) * (1 - As[l - 1] ** 2)
    return 0.5 * np.sum((As[-1] - T) ** 2) / X.shape[0], grads


@pytest.mark.parametrize("hidden", [False, True])
def test_ch07_deep_backward_right(hidden):
    ch07.check_deep_backward(deep_backward, hidden=hidden)


def test_ch07_deep_backward_off_by_one_is_named():
    def off_by_one(X, T, params):
        n_layers = len(params) // 2
        As = [X]
        for l in range(1, n_layers + 1):
            Z = As[-1] @ params[f"W{l}"] + params[f"b{l}"]
            As.append(np.tanh(Z) if l < n_layers else Z)
        delta = (As[-1] - T) / X.shape[0]
        grads = {}
        for l in range(n_layers, 0, -1):
            grads[f"W{l}"], grads[f"b{l}"] = As[l - 1].T @ delta, delta.sum(0)
            if l > 1:
                delta = (delta @ params[f"W{l}"].T) * (1 - As[l] ** 2)
        return 0.5 * np.sum((As[-1] - T) ** 2) / X.shape[0], grads
    msg = fails(ch07.check_deep_backward, off_by_one, "fails for W1, b1, W2, b2, W3, b3",
                "The gradients of W4, b4 are right", "A[l-1]")
    assert "test input 1" in msg


def test_ch07_deep_backward_fails_only_on_hidden_depths():
    def only_three_layers(X, T, params):   # hard-codes 4 layers: right on the visible case, fails elsewhere
        if len(params) != 8:
            return deep_backward(X, T, {k: v for k, v in params.items()})[0], {k: np.zeros_like(v)
                                                                                for k, v in params.items()}
        return deep_backward(X, T, params)
    with pytest.raises(CheckFailed):
        ch07.check_deep_backward(only_three_layers)
    fails(ch07.check_deep_backward, only_three_layers, "test input 2", "relative error 1.00e+00")


def test_ch07_gradient_report(capsys):
    X, T, params = ch07.deep_case(seed=1)
    errors = ch07.gradient_report(deep_backward, X, T, params)
    assert set(errors) == {"loss"} | set(params) and max(errors.values()) < 1e-7
    assert capsys.readouterr().out.count("ok") == len(params) + 1


def test_ch07_deep_loss_matches_an_mlp():
    X, T, params = ch07.deep_case(sizes=(3, 4, 2), seed=2)
    net = MLP([3, 4, 2], activation="tanh", output="identity")
    for l, layer in enumerate(net.layers, start=1):
        layer.W, layer.b = params[f"W{l}"], params[f"b{l}"]
    assert np.isclose(ch07.deep_loss(X, T, params), net.loss(X, T, loss="mse"))


def _stub(*args):
    raise NotImplementedError


@pytest.mark.parametrize("check", [ch05.check_affine_backward, ch05.check_hidden_delta,
                                   ch05.check_two_layer_backward, ch06.check_cross_entropy, ch06.check_jacobian,
                                   ch06.check_classifier_backward, ch07.check_init_std,
                                   ch07.check_layer_gradient_norms, ch07.check_deep_backward])
def test_unwritten_stub_is_reported_not_traced(check):
    fails(check, _stub, "is not written yet", "NotImplementedError")


def test_ch05_messages_use_the_students_function_name():
    def affine_backward_ex(delta, A_prev, W):
        return A_prev.T @ delta, delta.sum(axis=0), delta @ W   # forgot the transpose
    fails(ch05.check_affine_backward, affine_backward_ex, "affine_backward_ex(")


# ------------------------------------------------------------------------------------------------
# the checks' reference gradients themselves, against central differences
# ------------------------------------------------------------------------------------------------
from backprop_lib import numerical_gradient, rel_error  # noqa: E402


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


def test_reference_jacobian_and_cross_entropy_against_central_differences(rng):
    z = rng.normal(size=5)
    numeric = np.array([numerical_gradient(lambda z_: softmax(z_)[j], z.copy()) for j in range(5)])
    assert rel_error(ch06._jacobian(z), numeric) <= 1e-7
    numeric_ce = numerical_gradient(lambda z_: ch06._cross_entropy(z_, 2), z.copy())
    assert rel_error(softmax(z) - np.eye(5)[2], numeric_ce) <= 1e-7

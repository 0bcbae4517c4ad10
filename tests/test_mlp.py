"""The MLP: API contract, loss conventions by hand, loss_and_grads against central differences for
every hidden activation x output x loss, extreme logits, and bad input."""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import backprop_lib as bl
from backprop_lib.activations import sigmoid, softmax

TOL = 1e-7
# Central-difference step for whole networks. Deep sigmoid stacks can make the first layer's gradient
# ~1e-5 of the loss; then float64 round-off in (f(x+h) - f(x-h)) / 2h, about 1e-16 |L| / h, alone
# approaches 1e-7 at the default h=1e-5. h=3e-5 balances round-off against the O(h^2) truncation.
H = 3e-5
HIDDEN = ["sigmoid", "tanh", "relu"]
OUTPUTS = ["identity", "sigmoid", "softmax"]
LOSSES = ["mse", "cross_entropy"]
STRICT_FP = dict(over="warn", invalid="warn", divide="warn", under="ignore")


def _targets(rng, n, n_out, output, loss, labels=False):
    """Targets that suit the output: one-hot (or int labels) for softmax, 0/1 for sigmoid."""
    if output == "softmax":
        y = rng.integers(0, n_out, size=n)
        return y if labels else np.eye(n_out)[y]
    if output == "sigmoid":
        return rng.integers(0, 2, size=(n, n_out)).astype(float)
    return rng.normal(size=(n, n_out))


# ---------------------------------------------------------------------------------------------
# API contract
# ---------------------------------------------------------------------------------------------
def test_api_contract_shapes():
    net = bl.MLP([2, 8, 8, 1], activation="tanh", output="sigmoid", seed=0)
    assert len(net.layers) == 3
    for layer, (n_in, n_out) in zip(net.layers, [(2, 8), (8, 8), (8, 1)]):
        assert layer.W.shape == (n_in, n_out)
        assert layer.b.shape == (n_out,)
    assert [layer.activation.name for layer in net.layers] == ["tanh", "tanh", "sigmoid"]
    assert net.n_params == 2 * 8 + 8 + 8 * 8 + 8 + 8 + 1
    X = np.random.default_rng(0).normal(size=(5, 2))
    out = net.forward(X)
    assert out.shape == (5, 1)
    np.testing.assert_array_equal(net(X), out)
    T = np.array([[0.0], [1.0], [1.0], [0.0], [1.0]])
    loss, grads = net.loss_and_grads(X, T, loss="mse")
    assert isinstance(loss, float)
    assert isinstance(grads, list) and len(grads) == 3
    for g, layer in zip(grads, net.layers):
        assert set(g) == {"W", "b"}
        assert g["W"].shape == layer.W.shape and g["b"].shape == layer.b.shape
    assert [p["W"] is layer.W for p, layer in zip(net.params, net.layers)] == [True] * 3


def test_default_loss_is_mse(rng):
    net = bl.MLP([2, 3, 1], seed=1)
    X, T = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    assert net.loss_and_grads(X, T)[0] == net.loss(X, T) == net.loss(X, T, loss="mse")


def test_forward_by_hand(rng):
    net = bl.MLP([3, 4, 2], activation="relu", output="softmax", seed=3)
    for layer in net.layers:
        layer.b = rng.normal(size=layer.b.shape)
    X = rng.normal(size=(6, 3))
    h = np.maximum(X @ net.layers[0].W + net.layers[0].b, 0)
    expected = softmax(h @ net.layers[1].W + net.layers[1].b)
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-13)


def test_seed_fixes_the_initial_weights():
    a = bl.MLP([2, 5, 3], seed=4)
    b = bl.MLP([2, 5, 3], seed=4)
    c = bl.MLP([2, 5, 3], seed=5)
    for la, lb in zip(a.layers, b.layers):
        np.testing.assert_array_equal(la.W, lb.W)
    assert not np.array_equal(a.layers[0].W, c.layers[0].W)
    assert a.layers[0].W.std() > 0


def test_single_sample_1d_input_is_one_row():
    net = bl.MLP([3, 4, 2], seed=0)
    x = np.array([0.1, -0.2, 0.3])
    np.testing.assert_array_equal(net.forward(x), net.forward(x[None, :]))
    assert net.forward(x).shape == (1, 2)


def test_single_input_1d_is_one_column():
    net = bl.MLP([1, 4, 1], seed=0)
    x = np.array([0.1, -0.2, 0.3])
    assert net.forward(x).shape == (3, 1)
    np.testing.assert_array_equal(net.forward(x), net.forward(x[:, None]))


def test_predict():
    net = bl.MLP([2, 1], output="sigmoid")
    net.layers[0].W = [[1.0], [0.0]]
    np.testing.assert_array_equal(net.predict([[2.0, 0.0], [-2.0, 5.0]]), [1, 0])
    soft = bl.MLP([2, 3], output="softmax")
    soft.layers[0].W = np.eye(2, 3) * 5
    np.testing.assert_array_equal(soft.predict([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]), [0, 1, 2])


def test_repr_names_the_architecture():
    r = repr(bl.MLP([2, 8, 1], activation="relu", output="sigmoid"))
    assert "[2, 8, 1]" in r and "relu" in r and "sigmoid" in r and str(2 * 8 + 8 + 8 + 1) in r


# ---------------------------------------------------------------------------------------------
# loss conventions by hand
# ---------------------------------------------------------------------------------------------
def test_mse_convention_by_hand(rng):
    net = bl.MLP([3, 5, 2], activation="tanh", output="identity", seed=2)
    X, T = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    a = net.forward(X)
    expected = np.mean([0.5 * np.sum((a[n] - T[n]) ** 2) for n in range(7)])
    assert net.loss(X, T, "mse") == pytest.approx(expected, rel=1e-13)
    assert net.loss_and_grads(X, T, "mse")[0] == pytest.approx(expected, rel=1e-13)


def test_softmax_cross_entropy_convention_by_hand(rng):
    net = bl.MLP([3, 5, 4], activation="sigmoid", output="softmax", seed=2)
    X = rng.normal(size=(6, 3))
    y = np.array([0, 3, 1, 1, 2, 0])
    T = np.eye(4)[y]
    p = net.forward(X)
    expected = np.mean([-np.sum(T[n] * np.log(p[n])) for n in range(6)])
    assert expected == pytest.approx(-np.mean(np.log(p[np.arange(6), y])))
    assert net.loss(X, T, "cross_entropy") == pytest.approx(expected, rel=1e-12)
    loss_labels, g_labels = net.loss_and_grads(X, y, "cross_entropy")
    loss_onehot, g_onehot = net.loss_and_grads(X, T, "cross_entropy")
    assert loss_labels == pytest.approx(expected, rel=1e-12)
    assert loss_onehot == loss_labels
    for gl, go in zip(g_labels, g_onehot):
        np.testing.assert_array_equal(gl["W"], go["W"])
        np.testing.assert_array_equal(gl["b"], go["b"])


def test_float_labels_that_are_whole_numbers_accepted(rng):
    net = bl.MLP([2, 3], output="softmax")
    X = rng.normal(size=(3, 2))
    assert net.loss(X, np.array([0.0, 2.0, 1.0]), "cross_entropy") == net.loss(X, [0, 2, 1], "cross_entropy")
    with pytest.raises(ValueError, match="integer class labels"):
        net.loss(X, np.array([0.0, 1.5, 1.0]), "cross_entropy")
    with pytest.raises(ValueError, match=r"0\.\.2"):
        net.loss(X, [0, 3, 1], "cross_entropy")
    with pytest.raises(ValueError, match=r"0\.\.2"):
        net.loss(X, [0, -1, 1], "cross_entropy")


def test_binary_cross_entropy_convention_by_hand(rng):
    net = bl.MLP([2, 4, 1], activation="tanh", output="sigmoid", seed=5)
    X = rng.normal(size=(8, 2))
    t = rng.integers(0, 2, size=8).astype(float)
    a = net.forward(X)[:, 0]
    expected = -np.mean(t * np.log(a) + (1 - t) * np.log(1 - a))
    assert net.loss(X, t, "cross_entropy") == pytest.approx(expected, rel=1e-12)
    assert net.loss(X, t[:, None], "cross_entropy") == pytest.approx(expected, rel=1e-12)


def test_mse_with_sigmoid_output_by_hand(rng):
    net = bl.MLP([2, 3, 2], activation="relu", output="sigmoid", seed=0)
    X, T = rng.normal(size=(4, 2)), rng.uniform(size=(4, 2))
    a = net.forward(X)
    assert net.loss(X, T, "mse") == pytest.approx(0.5 * np.sum((a - T) ** 2) / 4, rel=1e-13)


# ---------------------------------------------------------------------------------------------
# loss_and_grads against central differences: every activation x output x loss
# ---------------------------------------------------------------------------------------------
COMBOS = list(itertools.product(HIDDEN, OUTPUTS, LOSSES))
VALID = [c for c in COMBOS if not (c[1] == "identity" and c[2] == "cross_entropy")]
INVALID = [c for c in COMBOS if c[1] == "identity" and c[2] == "cross_entropy"]


def _check_gradients(net, X, T, loss, assert_gradient_matches):
    """Backprop's grads against central differences of net.loss, layer by layer and all together.

    Each block must have rel_error <= 1e-7 (unless its true gradient is at float64's round-off floor,
    see conftest); the whole gradient vector must have rel_error <= 1e-7 without exception.
    """
    value, grads = net.loss_and_grads(X, T, loss=loss)
    grads = [{k: g[k].copy() for k in g} for g in grads]
    assert value == pytest.approx(net.loss(X, T, loss=loss), rel=1e-14)
    analytic, numeric = [], []
    for layer, g in zip(net.layers, grads):
        for k in ("W", "b"):
            num = bl.numerical_gradient(lambda _: net.loss(X, T, loss=loss), layer.params[k], h=H)
            assert_gradient_matches(g[k], num, f_scale=value, tol=TOL)
            analytic.append(g[k].ravel())
            numeric.append(num.ravel())
    err = bl.rel_error(np.concatenate(analytic), np.concatenate(numeric))
    assert err <= TOL, f"whole gradient: rel_error {err:.2e}"


@pytest.mark.parametrize("activation, output, loss", VALID)
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), n_in=st.integers(1, 4),
       hidden=st.lists(st.integers(2, 4), max_size=2), n_out=st.integers(1, 4), labels=st.booleans())
def test_loss_and_grads_match_central_differences(activation, output, loss, seed, n, n_in, hidden, n_out,
                                                  labels, assert_gradient_matches):
    # Hidden widths start at 2: behind a 1-unit bottleneck the first layers' gradients can be ~1e-4 of
    # the loss, and then even the O(h^2) truncation error of central differences nears rel_error 1e-7.
    if output == "softmax":
        n_out = max(n_out, 2)
    sizes = [n_in, *hidden, n_out]
    rng = np.random.default_rng(seed)
    net = bl.MLP(sizes, activation=activation, output=output, seed=seed % 1000)
    for layer in net.layers:
        layer.b = rng.normal(0, 0.3, size=layer.b.shape)
    X = rng.normal(size=(n, sizes[0]))
    T = _targets(rng, n, sizes[-1], output, loss, labels=labels)
    if activation == "relu":   # no hidden pre-activation near the kink
        net.forward(X)
        assume(all(np.abs(layer.z).min() > 1e-3 for layer in net.layers[:-1]))
    _check_gradients(net, X, T, loss, assert_gradient_matches)


@pytest.mark.parametrize("activation, output, loss", VALID)
def test_gradient_check_deeper_net(activation, output, loss, assert_gradient_matches):
    rng = np.random.default_rng(VALID.index((activation, output, loss)))
    sizes = [3, 5, 4, 3]
    net = bl.MLP(sizes, activation=activation, output=output, seed=1)
    X = rng.normal(size=(6, 3))
    T = _targets(rng, 6, 3, output, loss)
    if activation == "relu":
        net.forward(X)
        assert all(np.abs(layer.z).min() > 1e-3 for layer in net.layers[:-1])
    _check_gradients(net, X, T, loss, assert_gradient_matches)
    for row in bl.gradient_check(net, X, T, loss=loss, h=H):
        assert row["W"] <= TOL and row["b"] <= TOL


@pytest.mark.parametrize("activation, output, loss", INVALID)
def test_cross_entropy_with_identity_output_is_rejected(activation, output, loss):
    net = bl.MLP([2, 3, 1], activation=activation, output=output)
    X, T = np.zeros((2, 2)), np.zeros((2, 1))
    for call in (lambda: net.loss_and_grads(X, T, loss=loss), lambda: net.loss(X, T, loss=loss),
                 lambda: bl.train(net, X, T, loss=loss, epochs=1)):
        with pytest.raises(ValueError, match=r"cross_entropy.*'identity'") as e:
            call()
        assert "softmax" in str(e.value) and "sigmoid" in str(e.value)


def test_output_delta_is_a_minus_t_for_cross_entropy(rng):
    for output, T in (("softmax", np.eye(3)[[0, 2, 1, 1]]), ("sigmoid", rng.integers(0, 2, (4, 3)) * 1.0)):
        net = bl.MLP([2, 5, 3], activation="tanh", output=output, seed=0)
        X = rng.normal(size=(4, 2))
        net.loss_and_grads(X, T, "cross_entropy")
        np.testing.assert_allclose(net.layers[-1].delta, (net.layers[-1].a - T) / 4, rtol=1e-15)


# ---------------------------------------------------------------------------------------------
# extreme logits through the network
# ---------------------------------------------------------------------------------------------
def _huge_logit_net(output, n_out):
    net = bl.MLP([2, 3, n_out], activation="tanh", output=output, seed=0)
    net.layers[0].W = np.array([[5.0, 0.0, -5.0], [0.0, 5.0, 5.0]])    # tanh saturates to +-1
    W = np.zeros((3, n_out))
    W[:, 0] = [5e3, 5e3, 0.0]
    if n_out > 1:
        W[:, 1] = [-5e3, -5e3, 0.0]
    net.layers[1].W = W
    return net


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_cross_entropy_with_huge_logits_stays_finite(output):
    n_out = 2 if output == "softmax" else 1
    net = _huge_logit_net(output, n_out)
    X = np.array([[3.0, 3.0], [-3.0, -3.0], [3.0, 3.0], [-3.0, -3.0]])
    T = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])[:, :n_out]
    with warnings.catch_warnings(), np.errstate(**STRICT_FP):
        warnings.simplefilter("error")
        loss, grads = net.loss_and_grads(X, T, loss="cross_entropy")
    z = net.layers[-1].z
    assert np.abs(z).max() >= 1e4 - 1   # the logits really are about +-1e4
    assert np.isfinite(loss)
    # two rows right with certainty (loss 0), two wrong by logit margin 2e4 (softmax) or 1e4 (sigmoid)
    margin = 2e4 if output == "softmax" else 1e4
    assert loss == pytest.approx(2 * margin / 4, rel=1e-3)
    for g in grads:
        assert np.isfinite(g["W"]).all() and np.isfinite(g["b"]).all()
    a = net.layers[-1].a
    np.testing.assert_array_equal(net.layers[-1].delta, (a - T) / 4)
    assert np.abs(grads[-1]["W"]).max() > 0


def test_mse_with_huge_sigmoid_logits_stays_finite():
    net = _huge_logit_net("sigmoid", 1)
    X = np.array([[3.0, 3.0], [-3.0, -3.0]])
    with warnings.catch_warnings(), np.errstate(**STRICT_FP):
        warnings.simplefilter("error")
        loss, grads = net.loss_and_grads(X, np.array([[0.0], [1.0]]), loss="mse")
    assert loss == pytest.approx(0.5, rel=1e-12)
    assert all(np.isfinite(g["W"]).all() for g in grads)


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def net():
    return bl.MLP([2, 4, 1], activation="tanh", output="sigmoid", seed=0)


def test_input_width_mismatch_names_both_numbers(net):
    X = np.zeros((4, 5))
    for call in (net.forward, net.predict, lambda X: net.loss(X, np.zeros((4, 1))),
                 lambda X: net.loss_and_grads(X, np.zeros((4, 1)))):
        with pytest.raises(ValueError, match=r"5 columns.*expects 2"):
            call(X)


def test_1d_input_of_wrong_length_is_rejected(net):
    with pytest.raises(ValueError, match=r"shape \(5,\).*expects 2"):
        net.forward(np.zeros(5))


def test_target_row_mismatch_names_both_numbers(net):
    with pytest.raises(ValueError, match=r"7 rows.*inputs have 4"):
        net.loss_and_grads(np.zeros((4, 2)), np.zeros((7, 1)))
    with pytest.raises(ValueError, match=r"7 rows.*inputs have 4"):
        net.loss(np.zeros((4, 2)), np.zeros(7))
    soft = bl.MLP([2, 3], output="softmax")
    with pytest.raises(ValueError, match=r"7 rows.*inputs have 4"):
        soft.loss_and_grads(np.zeros((4, 2)), np.zeros(7, dtype=int), loss="cross_entropy")


def test_target_width_mismatch(net):
    with pytest.raises(ValueError, match=r"3 columns.*1 outputs"):
        net.loss_and_grads(np.zeros((4, 2)), np.zeros((4, 3)))


@pytest.mark.parametrize("bad, word", [(np.nan, "NaN"), (np.inf, "inf"), (-np.inf, "inf")])
def test_non_finite_inputs_and_targets_rejected(net, bad, word):
    X = np.zeros((3, 2))
    X[1, 0] = bad
    with pytest.raises(ValueError, match=rf"X contains {word}.*row 1"):
        net.forward(X)
    with pytest.raises(ValueError, match=rf"X contains {word}"):
        net.loss_and_grads(X, np.zeros((3, 1)))
    T = np.zeros((3, 1))
    T[2, 0] = bad
    with pytest.raises(ValueError, match=rf"targets T contains {word}"):
        net.loss_and_grads(np.zeros((3, 2)), T)


def test_huge_finite_inputs_are_accepted(net):
    """Huge but finite inputs are inputs (no false 'contains inf'); +inf next to -inf is reported."""
    X = np.array([[1e308, 1e308], [-1e308, 1e308]])
    assert net.forward(X).shape == (2, 1)
    with pytest.raises(ValueError, match=r"X contains inf.*row 0"):
        net.forward(np.array([[np.inf, -np.inf]]))


def test_non_numeric_input_rejected(net):
    with pytest.raises(ValueError, match="numeric"):
        net.forward([["a", "b"]])


@pytest.mark.parametrize("X", [np.zeros((0, 2)), []])
def test_empty_batch_rejected(net, X):
    with pytest.raises(ValueError, match="empty batch"):
        net.forward(X)
    with pytest.raises(ValueError, match="empty batch"):
        net.loss_and_grads(X, np.zeros((0, 1)))


@pytest.mark.parametrize("kind, kwargs, valid", [
    ("activation", {"activation": "swish"}, HIDDEN),
    ("activation", {"activation": "softmax"}, HIDDEN),
    ("output", {"output": "relu"}, OUTPUTS),
    ("output", {"output": "tanhh"}, OUTPUTS),
])
def test_unknown_activation_or_output_lists_valid_ones(kind, kwargs, valid):
    with pytest.raises(ValueError, match=rf"unknown {kind} '{list(kwargs.values())[0]}'") as e:
        bl.MLP([2, 3, 1], **kwargs)
    for name in valid:
        assert repr(name) in str(e.value)


@pytest.mark.parametrize("bad", ["hinge", "MSE", "crossentropy"])
def test_unknown_loss_lists_valid_ones(net, bad):
    X, T = np.zeros((2, 2)), np.zeros((2, 1))
    for call in (lambda: net.loss_and_grads(X, T, loss=bad), lambda: net.loss(X, T, loss=bad),
                 lambda: bl.train(net, X, T, loss=bad, epochs=1)):
        with pytest.raises(ValueError, match=rf"unknown loss '{bad}'") as e:
            call()
        assert "'mse'" in str(e.value) and "'cross_entropy'" in str(e.value)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "4", None])
def test_bad_layer_size_rejected(bad):
    with pytest.raises(ValueError, match=rf"sizes\[1\] must be a whole number >= 1, got {bad!r}"):
        bl.MLP([2, bad, 1])
    with pytest.raises(ValueError, match=r"sizes\[0\]"):
        bl.MLP([bad, 3, 1])


@pytest.mark.parametrize("sizes", [[3], [], "23", 5, None])
def test_sizes_must_list_at_least_two_layers(sizes):
    with pytest.raises(ValueError, match="at least 2 entries"):
        bl.MLP(sizes)


def test_numpy_integer_sizes_accepted():
    net = bl.MLP(np.array([2, 3, 1]))
    assert net.sizes == [2, 3, 1] and all(type(n) is int for n in net.sizes)

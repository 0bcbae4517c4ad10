"""The training loop: History, updates against hand-written SGD, XOR, divergence, seeds, bad settings."""
from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

import backprop_lib as bl


def _data(seed=0, n=12, n_in=2, n_out=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_in)), rng.normal(size=(n, n_out))


def _weights(net):
    return [layer.W.copy() for layer in net.layers] + [layer.b.copy() for layer in net.layers]


def _accuracy(net, X, y):
    return float(np.mean(net.predict(X) == y))


# ---------------------------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------------------------
def test_history_shapes_and_flags():
    net = bl.MLP([2, 8, 8, 1], activation="tanh", output="sigmoid", seed=0)
    X, T = _data()
    hist = bl.train(net, X, T, loss="mse", lr=0.1, epochs=100, batch_size=None, momentum=0.0, seed=0)
    assert isinstance(hist, bl.History)
    assert hist.loss.shape == (100,) and hist.epochs == 100
    assert hist.grad_norms.shape == (100, 3)
    assert hist.diverged is False and hist.diverged_epoch is None and hist.message == ""
    assert np.isfinite(hist.loss).all() and (hist.grad_norms >= 0).all()
    assert hist.val_loss.shape == (0,)
    assert "100 epochs" in repr(hist)


def test_loss_decreases():
    X, y = bl.datasets.blobs(60, seed=1)
    net = bl.MLP([2, 6, 2], activation="tanh", output="softmax", seed=0)
    hist = bl.train(net, X, y, loss="cross_entropy", lr=0.5, epochs=50)
    assert hist.loss[-1] < 0.5 * hist.loss[0]
    assert np.all(np.diff(hist.loss) <= 1e-12)     # full batch, small step: monotone


def test_zero_epochs_changes_nothing():
    net = bl.MLP([2, 3, 1], seed=0)
    before = _weights(net)
    hist = bl.train(net, *_data(), epochs=0)
    assert hist.loss.shape == (0,) and hist.grad_norms.shape == (0, 2)
    for a, b in zip(before, _weights(net)):
        np.testing.assert_array_equal(a, b)


def test_first_loss_and_grad_norms_are_those_at_the_initial_weights():
    X, T = _data(n=10)
    net = bl.MLP([2, 4, 3, 1], activation="sigmoid", output="identity", seed=3)
    ref = copy.deepcopy(net)
    loss0, grads0 = ref.loss_and_grads(X, T, loss="mse")
    hist = bl.train(net, X, T, loss="mse", lr=0.05, epochs=1)
    assert hist.loss[0] == pytest.approx(loss0, rel=1e-14)
    expected = [np.linalg.norm(g["W"]) for g in grads0]
    np.testing.assert_allclose(hist.grad_norms[0], expected, rtol=1e-13)
    assert hist.grad_norms.shape == (1, 3)


def test_one_full_batch_epoch_is_one_plain_sgd_step():
    X, T = _data(n=8)
    net = bl.MLP([2, 5, 1], activation="tanh", output="sigmoid", seed=1)
    ref = copy.deepcopy(net)
    _, grads = ref.loss_and_grads(X, T, loss="mse")
    bl.train(net, X, T, loss="mse", lr=0.7, epochs=1, momentum=0.0)
    for layer, ref_layer, g in zip(net.layers, ref.layers, grads):
        np.testing.assert_allclose(layer.W, ref_layer.W - 0.7 * g["W"], rtol=1e-14, atol=1e-16)
        np.testing.assert_allclose(layer.b, ref_layer.b - 0.7 * g["b"], rtol=1e-14, atol=1e-16)


def test_momentum_half_matches_hand_written_update_for_two_steps():
    X, T = _data(n=8)
    net = bl.MLP([2, 4, 1], activation="tanh", output="identity", seed=2)
    ref = copy.deepcopy(net)
    lr, mu = 0.1, 0.5
    velocity = [{k: np.zeros_like(v) for k, v in p.items()} for p in ref.params]
    losses = []
    for _ in range(2):
        value, grads = ref.loss_and_grads(X, T, loss="mse")
        losses.append(value)
        for p, v, g in zip(ref.params, velocity, grads):
            for k in p:
                v[k] = mu * v[k] - lr * g[k]
                p[k] += v[k]
    hist = bl.train(net, X, T, loss="mse", lr=lr, epochs=2, momentum=mu)
    np.testing.assert_allclose(hist.loss, losses, rtol=1e-14)
    for layer, ref_layer in zip(net.layers, ref.layers):
        np.testing.assert_allclose(layer.W, ref_layer.W, rtol=1e-13, atol=1e-16)
        np.testing.assert_allclose(layer.b, ref_layer.b, rtol=1e-13, atol=1e-16)
    # and it is not the plain update
    plain_net = bl.MLP([2, 4, 1], activation="tanh", output="identity", seed=2)
    bl.train(plain_net, X, T, loss="mse", lr=lr, epochs=2, momentum=0.0)
    assert not np.allclose(plain_net.layers[0].W, net.layers[0].W, rtol=1e-10, atol=0)


def test_batch_size_at_least_n_is_full_batch():
    X, T = _data(n=9)
    runs = []
    for bs in (None, 9, 1000):
        net = bl.MLP([2, 3, 1], seed=0)
        runs.append((bl.train(net, X, T, lr=0.1, epochs=5, batch_size=bs, seed=bs or 0).loss, _weights(net)))
    for loss, weights in runs[1:]:
        np.testing.assert_array_equal(loss, runs[0][0])
        for a, b in zip(weights, runs[0][1]):
            np.testing.assert_array_equal(a, b)


def test_minibatch_epoch_loss_is_the_mean_over_samples():
    """Batches of 3, 3, 3, 1: the epoch loss weights each batch by its size, so with a tiny lr
    (weights barely move) it equals the full-batch loss, not the plain mean of the 4 batch losses."""
    X, T = _data(n=10)
    net = bl.MLP([2, 3, 1], seed=0)
    ref = copy.deepcopy(net)
    full = ref.loss(X, T)
    hist = bl.train(net, X, T, lr=1e-9, epochs=1, batch_size=3, seed=4)
    assert hist.loss[0] == pytest.approx(full, rel=1e-6)
    order = np.random.default_rng(4).permutation(10)
    batch_losses = [ref.loss(X[order[i:i + 3]], T[order[i:i + 3]]) for i in range(0, 10, 3)]
    assert abs(np.mean(batch_losses) - full) > 1e-4 * full       # the weighting matters here


def test_minibatches_reproducible_with_seed_and_differ_across_seeds():
    X, y = bl.datasets.moons(40, seed=0)

    def run(seed):
        net = bl.MLP([2, 6, 2], activation="relu", output="softmax", seed=0)
        hist = bl.train(net, X, y, loss="cross_entropy", lr=0.2, epochs=5, batch_size=7, seed=seed)
        return hist, _weights(net)

    h1, w1 = run(1)
    h1b, w1b = run(1)
    h2, w2 = run(2)
    np.testing.assert_array_equal(h1.loss, h1b.loss)
    np.testing.assert_array_equal(h1.grad_norms, h1b.grad_norms)
    for a, b in zip(w1, w1b):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(h1.loss, h2.loss)
    assert any(not np.array_equal(a, b) for a, b in zip(w1, w2))


def test_trainer_in_pieces_equals_one_run():
    X, T = _data(n=20)
    net_a, net_b = bl.MLP([2, 4, 1], seed=5), bl.MLP([2, 4, 1], seed=5)
    hist_a = bl.train(net_a, X, T, lr=0.1, epochs=6, batch_size=6, momentum=0.5, seed=3)
    trainer = bl.Trainer(net_b, X, T, lr=0.1, batch_size=6, momentum=0.5, seed=3)
    trainer.run(2)
    trainer.run(0)
    hist_b = trainer.run(4)
    assert trainer.lr == 0.1
    np.testing.assert_allclose(hist_b.loss, hist_a.loss, rtol=1e-14)
    for a, b in zip(_weights(net_a), _weights(net_b)):
        np.testing.assert_allclose(a, b, rtol=1e-14)


def test_validation_loss_recorded_each_epoch():
    X, y = bl.datasets.blobs(40, seed=0)
    Xv, yv = bl.datasets.blobs(20, seed=1)
    net = bl.MLP([2, 4, 2], activation="tanh", output="softmax", seed=0)
    hist = bl.train(net, X, y, loss="cross_entropy", lr=0.3, epochs=7, X_val=Xv, T_val=yv)
    assert hist.val_loss.shape == (7,)
    assert hist.val_loss[-1] == pytest.approx(net.loss(Xv, yv, "cross_entropy"), rel=1e-14)
    assert hist.val_loss[-1] < hist.val_loss[0]


def test_normal_run_emits_no_warning():
    X, y = bl.datasets.logic_gate("and")
    net = bl.MLP([2, 3, 1], activation="sigmoid", output="sigmoid", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bl.train(net, X, y, loss="cross_entropy", lr=1.0, epochs=20)


# ---------------------------------------------------------------------------------------------
# XOR
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_hidden_layer_fits_the_xor_gate(activation):
    X, y = bl.datasets.logic_gate("xor")
    net = bl.MLP([2, 8, 1], activation=activation, output="sigmoid", seed=0)
    hist = bl.train(net, X, y, loss="cross_entropy", lr=1.0, epochs=2000)
    assert _accuracy(net, X, y) == 1.0
    assert hist.loss[-1] < 0.05


def test_hidden_layer_fits_the_xor_gate_with_mse():
    X, y = bl.datasets.logic_gate("xor")
    net = bl.MLP([2, 8, 8, 1], activation="tanh", output="sigmoid", seed=0)
    bl.train(net, X, y, loss="mse", lr=1.0, epochs=1500, momentum=0.5)
    assert _accuracy(net, X, y) == 1.0


def test_hidden_layer_fits_the_xor_point_cloud():
    X, y = bl.datasets.xor(200, noise=0.02, seed=0)
    net = bl.MLP([2, 16, 2], activation="tanh", output="softmax", seed=0)
    bl.train(net, X, y, loss="cross_entropy", lr=0.5, epochs=300, batch_size=20, momentum=0.5, seed=0)
    assert _accuracy(net, X, y) >= 0.95
    X_test, y_test = bl.datasets.xor(200, noise=0.02, seed=1)
    assert _accuracy(net, X_test, y_test) >= 0.9


@pytest.mark.parametrize("loss, output", [("cross_entropy", "sigmoid"), ("mse", "sigmoid"), ("mse", "identity")])
def test_no_hidden_layer_cannot_fit_xor(loss, output):
    X, y = bl.datasets.logic_gate("xor")
    net = bl.MLP([2, 1], output=output, seed=0)
    bl.train(net, X, y, loss=loss, lr=0.5, epochs=2000)
    assert _accuracy(net, X, y) <= 0.75


def test_no_hidden_layer_cannot_fit_the_xor_point_cloud():
    X, y = bl.datasets.xor(200, noise=0.02, seed=0)
    net = bl.MLP([2, 2], output="softmax", seed=0)
    bl.train(net, X, y, loss="cross_entropy", lr=0.5, epochs=300)
    assert _accuracy(net, X, y) <= 0.75


# ---------------------------------------------------------------------------------------------
# divergence
# ---------------------------------------------------------------------------------------------
def test_huge_learning_rate_diverges_with_one_warning():
    X, y = bl.datasets.logic_gate("xor")
    net = bl.MLP([2, 8, 1], activation="tanh", output="identity", seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hist = bl.train(net, X, y, loss="mse", lr=100.0, epochs=500)
    assert hist.diverged is True
    assert isinstance(hist.diverged_epoch, int) and 1 <= hist.diverged_epoch <= 500
    assert hist.epochs == hist.diverged_epoch - 1 < 500        # stopped there
    assert np.isfinite(hist.loss).all()
    assert f"epoch {hist.diverged_epoch}" in hist.message
    assert "lr=100" in hist.message
    diverged = [w for w in caught if issubclass(w.category, bl.TrainingDiverged)]
    assert len(diverged) == 1
    assert str(diverged[0].message) == hist.message
    assert diverged[0].filename == __file__          # reported at the caller's line
    others = [w for w in caught if issubclass(w.category, RuntimeWarning)
              and not issubclass(w.category, bl.TrainingDiverged)]
    assert others == []
    assert issubclass(bl.TrainingDiverged, RuntimeWarning)
    assert "DIVERGED" in repr(hist)


def test_diverged_trainer_stays_stopped():
    X, y = bl.datasets.logic_gate("xor")
    net = bl.MLP([2, 8, 1], activation="tanh", output="identity", seed=0)
    trainer = bl.Trainer(net, X, y, lr=100.0, warn=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # warn=False: no warning at all
        hist = trainer.run(500)
        n = hist.epochs
        trainer.run(10)
    assert hist.diverged and hist.epochs == n


def test_trainer_run_reports_divergence_at_the_callers_line():
    X, y = bl.datasets.logic_gate("xor")
    trainer = bl.Trainer(bl.MLP([2, 8, 1], activation="tanh", seed=0), X, y, lr=100.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.run(500)
    assert [w.filename for w in caught] == [__file__]
    assert caught[0].category is bl.TrainingDiverged


# ---------------------------------------------------------------------------------------------
# bad settings and data
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, pattern", [
    ({"lr": 0}, r"learning rate lr must be a finite number > 0, got 0"),
    ({"lr": -0.5}, r"learning rate lr.*-0\.5"),
    ({"lr": np.nan}, r"learning rate lr.*nan"),
    ({"lr": np.inf}, r"learning rate lr.*inf"),
    ({"lr": "big"}, r"learning rate lr.*'big'"),
    ({"momentum": 1.0}, r"momentum must be a finite number >= 0 and < 1, got 1\.0"),
    ({"momentum": -0.1}, r"momentum.*-0\.1"),
    ({"batch_size": 0}, r"batch_size \(or None: full batch\) must be a whole number >= 1, got 0"),
    ({"batch_size": -4}, r"batch_size.*-4"),
    ({"batch_size": 2.5}, r"batch_size.*2\.5"),
    ({"batch_size": True}, r"batch_size.*True"),
    ({"batch_size": "8"}, r"batch_size.*'8'"),
    ({"epochs": -1}, r"epochs must be a whole number >= 0, got -1"),
    ({"epochs": 2.5}, r"epochs.*2\.5"),
    ({"epochs": True}, r"epochs.*True"),
    ({"epochs": "10"}, r"epochs.*'10'"),
])
def test_bad_settings_rejected_before_training(kwargs, pattern):
    net = bl.MLP([2, 3, 1], seed=0)
    before = _weights(net)
    with pytest.raises(ValueError, match=pattern):
        bl.train(net, *_data(), **kwargs)
    for a, b in zip(before, _weights(net)):
        np.testing.assert_array_equal(a, b)


def test_numpy_integer_batch_size_and_epochs_accepted():
    hist = bl.train(bl.MLP([2, 3, 1]), *_data(), batch_size=np.int64(4), epochs=np.int32(3))
    assert hist.loss.shape == (3,)


def test_bad_data_rejected_before_training():
    net = bl.MLP([2, 3, 1], seed=0)
    X, T = _data(n=6)
    with pytest.raises(ValueError, match=r"3 columns.*expects 2"):
        bl.train(net, np.zeros((6, 3)), T)
    with pytest.raises(ValueError, match=r"5 rows.*inputs have 6"):
        bl.train(net, X, T[:5])
    X_nan = X.copy()
    X_nan[2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        bl.train(net, X_nan, T)
    with pytest.raises(ValueError, match="empty batch"):
        bl.train(net, np.zeros((0, 2)), np.zeros((0, 1)))
    with pytest.raises(ValueError, match=r"X_val has 4 columns"):
        bl.train(net, X, T, X_val=np.zeros((3, 4)), T_val=np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"2 rows.*inputs have 3"):
        bl.train(net, X, T, X_val=np.zeros((3, 2)), T_val=np.zeros((2, 1)))


def test_lists_are_accepted():
    net = bl.MLP([2, 3, 1], seed=0)
    hist = bl.train(net, [[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0], epochs=3)
    assert hist.loss.shape == (3,)

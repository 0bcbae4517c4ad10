"""Chapter 11's capstone: YourNetwork built from a student's functions, its picture and its live view."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import backprop_lib as bl
from backprop_lib import capstone
from backprop_lib.checks import ch11
from backprop_lib.debugger import debug_params_function

SETTINGS = dict(hidden=64, lr=0.05, momentum=0.9, batch_size=32, epochs=10)


def stub(*args):
    raise NotImplementedError()


def student_namespace(**replace):
    """The eight functions as a notebook holds them: train_epoch calls loss_and_grads and momentum_step by name."""
    ns = dict(ch11.reference_functions())

    def train_epoch(X, T, params, velocity, lr, mu, batch_size, rng):
        order = rng.permutation(X.shape[0])
        losses = []
        for s in range(0, X.shape[0], batch_size):
            idx = order[s:s + batch_size]
            loss, grads = ns["loss_and_grads"](X[idx], T[idx], params)
            params, velocity = ns["momentum_step"](params, grads, velocity, lr, mu)
            losses.append(loss)
        return params, velocity, losses
    ns["train_epoch"] = train_epoch
    ns.update(replace)
    return ns


def test_problems_name_what_is_missing_and_what_waits_for_it():
    def relu(Z):
        raise NotImplementedError()

    def loss_and_grads(X, T, params):
        return ns["relu"](X), {}
    ns = student_namespace(relu=relu, loss_and_grads=loss_and_grads)
    del ns["momentum_step"]
    problems = capstone.function_problems(ns)
    text = " ".join(problems)
    assert "relu (exercise 1) is not written yet." in text
    assert "loss_and_grads (exercise 3) calls relu, which is not written yet." in text
    assert "momentum_step (exercise 4) is not defined" in text
    assert "train_epoch (exercise 5) calls loss_and_grads" not in text       # its first failure is relu's
    assert "train_epoch (exercise 5) calls relu, which is not written yet." in text
    net = capstone.YourNetwork(ns, None)
    assert not net.ready and "settings is still None" in net.summary()
    assert net.train(3).epochs == 0                   # nothing trains, nothing raises


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="momentum"):
        capstone.check_settings(dict(SETTINGS, momentum=1.0))
    with pytest.raises(ValueError, match="missing epochs"):
        capstone.check_settings({k: v for k, v in SETTINGS.items() if k != "epochs"})
    assert capstone.check_settings(dict(SETTINGS, hidden=[32, 16]))["hidden"] == [32, 16]


def test_whole_set_in_chunks_is_the_full_batch_gradient():
    net = capstone.YourNetwork(student_namespace(), SETTINGS)
    d = net.data
    loss, grads = net.full_loss_and_grads(d["X_train"], d["T_train"])
    loss_full, grads_full = ch11._loss_and_grads(d["X_train"], d["T_train"], net.params)
    assert abs(loss - loss_full) <= 1e-12 * loss_full
    assert all(bl.rel_error(grads[k], grads_full[k]) < 1e-12 for k in grads)


def test_training_reaches_the_goal_and_a_students_error_is_kept_not_raised():
    net = capstone.YourNetwork(student_namespace(), SETTINGS)
    h = net.train()
    assert h.epochs == 10 and h.test_acc[-1] >= 0.95 and h.loss[-1] < h.loss[0] / 10
    assert h.grad_norms.shape == (11, 2) and np.all(h.grad_norms > 0)
    assert ch11.reference_accuracy(net.params) == h.test_acc[-1]
    idx, images, true, guess, prob = net.misclassified(8)
    assert len(idx) == 8 and np.all(true != guess) and images.shape == (8, 8, 8)

    def broken(X, T, params, velocity, lr, mu, batch_size, rng):     # fine on the probe, fails on the digits
        if X.shape[0] > 100:
            raise IndexError("index 99 is out of bounds")
        return params, velocity, []
    bad = capstone.YourNetwork(student_namespace(train_epoch=broken), SETTINGS)
    bad.train()
    assert "IndexError: index 99" in bad.error and bad.history.epochs == 0


def test_a_diverging_run_stops_and_says_so():
    net = capstone.YourNetwork(student_namespace(), dict(SETTINGS, lr=5.0))
    h = net.train()
    assert h.diverged and "diverged" in h.message and h.epochs < 10


def test_debugger_points_at_the_first_wrong_layer_of_a_relu_network():
    def no_slope(X, T, params):
        loss, grads = ch11._loss_and_grads(X, T, params)
        A1 = np.maximum(X @ params["W1"] + params["b1"], 0)
        Z2 = A1 @ params["W2"] + params["b2"]
        delta1 = ch11._softmax_cross_entropy(Z2, T)[1] @ params["W2"].T       # the relu slope forgotten
        return loss, dict(grads, W1=X.T @ delta1, b1=delta1.sum(axis=0))
    X, T, params = ch11.network_case([5, 4, 3], n=6, seed=0)
    report = debug_params_function(no_slope, X, T, params, activation="relu", output="softmax", loss="cross_entropy")
    assert report["dW2"].match and report.first_wrong.name == "dW1"


def test_view_steps_resets_and_redraws():
    from backprop_lib.widgets import CapstoneView
    view = CapstoneView(student_namespace(), dict(SETTINGS, epochs=2))
    first, first_losses = view.view.image.value, list(view.history.loss)
    assert view.history.epochs == 2 and "epoch 2" in view.status.value
    view.step_button.click()
    assert view.history.epochs == 3 and view.view.image.value != first and "epoch 3" in view.status.value
    view.reset_button.click()
    untrained = view.view.image.value
    assert view.history.epochs == 0 and "untrained" in view.status.value and untrained != first
    view.step_button.click()
    view.step_button.click()
    assert view.history.epochs == 2 and view.history.loss == first_losses   # the same run again
    assert "epoch 2" in view.status.value and view.view.image.value != untrained
    # ... and the same picture: blitted over cached backgrounds it may differ from the first (full) draw
    # only in antialiased edge pixels
    a, b = (np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=int) for png in (first, view.view.image.value))
    assert a.shape == b.shape and np.mean(np.abs(a - b) > 64) < 0.005


def test_view_without_the_students_functions_says_which():
    from backprop_lib.widgets import CapstoneView
    view = CapstoneView(student_namespace(softmax_cross_entropy=stub), None)
    assert "softmax_cross_entropy (exercise 2) is not written yet" in view.status.value
    view.step_button.click()
    assert view.history.epochs == 0


def test_capstone_figure_draws():
    from backprop_lib import plots
    net = capstone.YourNetwork(student_namespace(), dict(SETTINGS, epochs=1))
    net.train()
    fig = plots.capstone_figure(net)
    assert plots.figure_png(fig)[:4] == b"\x89PNG"

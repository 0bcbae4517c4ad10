"""The backward-pass debugger (backprop_lib.debugger, plots.debug_heatmap): for each planted bug in a
student-style backward pass it names the first wrong tensor (where the bug is), says how it differs without
code, and draws a non-blank heat map; a right pass matches everywhere."""
from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

import backprop_lib as bl
from backprop_lib import activations, plots
from backprop_lib.autodiff import Tensor
from backprop_lib.conv import conv2d_forward
from backprop_lib.debugger import (DebugReport, debug_conv, debug_mlp, debug_mlp_function, debug_params_function,
                                   debug_tensor, mlp_intermediates)

N = 6
# fragments of backward-pass code that must never appear in a message
CODE = ("@", ".T", "np.", "sum(", "axis=", "**", "W.T", "delta @", "A_prev.T", "lambda", "def ", "return")


def batch(n_in=3, n_out=2, labels=False, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, n_in))
    T = rng.integers(0, n_out, size=N) if labels else rng.normal(size=(N, n_out))
    return X, T


def act(name, z):
    return {"tanh": np.tanh, "sigmoid": bl.sigmoid, "relu": bl.relu, "identity": lambda v: v,
            "softmax": bl.softmax}[name](z)


def dact(name, z, a):
    return {"tanh": activations.tanh_derivative, "sigmoid": activations.sigmoid_derivative,
            "relu": activations.relu_derivative, "identity": activations.identity_derivative}[name](z, a)


def student_backward(net, X, T, loss="mse", bug=None):
    """A student's hand-written backward pass (its own forward too), returning every intermediate by name;
    `bug` plants one mistake."""
    Ws, bs = [layer.W for layer in net.layers], [layer.b for layer in net.layers]
    L = len(Ws)
    As, Zs = [X], []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        Zs.append(As[-1] @ W + b)
        As.append(act(net.output if i == L - 1 else net.activation, Zs[-1]))
    if loss == "cross_entropy":
        T = np.eye(net.sizes[-1])[T] if T.ndim == 1 else T
    n = X.shape[0]
    out = {}
    if loss == "mse":
        dA = (As[-1] - T) / n
        if bug == "missing 1/N":
            dA = As[-1] - T
        if bug == "sign flip":
            dA = (T - As[-1]) / n
        out[f"dA{L}"] = dA
        delta = dA * dact(net.output, Zs[-1], As[-1])
    else:
        delta = (As[-1] - T) / n
        if bug == "classifier missing 1/N":
            delta = As[-1] - T
        if bug == "classifier extra softmax derivative":
            delta = delta * As[-1] * (1 - As[-1])
        if bug == "classifier one sample's target off":
            delta = delta.copy()
            delta[2] = (As[-1][2] - np.roll(T[2], 1)) / n
    for l in range(L, 0, -1):
        if l < L:
            dA = delta @ Ws[l].T
            out[f"dA{l}"] = dA
            f = net.activation
            if bug == "wrong derivative in layer 1" and l == 1:
                delta = dA * (1 - Zs[l - 1] ** 2)          # tanh'(z) written with z instead of a
            else:
                delta = dA * dact(f, Zs[l - 1], As[l])
            if bug == "wrong column" and l == 2:
                delta = delta.copy()
                delta[:, 1] = dA[:, 1]                     # one unit's derivative forgotten
        out[f"dZ{l}" if (loss == "cross_entropy" and l == L) else f"delta{l}"] = delta
        dW = As[l - 1].T @ delta
        if bug == "missing transpose" and l == 2:
            dW = delta.T @ As[l - 1]
        if bug == "dW missing 1/N convention" and l == 3:
            dW = As[l - 1].T @ (delta * n)
        db = delta.sum(axis=0)
        if bug == "bias summed over the wrong axis" and l == 2:
            db = delta.sum(axis=1)
        out[f"dW{l}"], out[f"db{l}"] = dW, db
    return out


MLP_BUGS = [  # (bug, loss, first wrong tensor, words the diagnosis should contain)
    ("missing transpose", "mse", "dW2", "transpose"),
    ("wrong derivative in layer 1", "mse", "delta1", "differ"),
    ("missing 1/N", "mse", "dA3", "factor 6"),
    ("sign flip", "mse", "dA3", "wrong sign"),
    ("wrong column", "mse", "delta2", "columns (units) 1 (of 5)"),
    ("bias summed over the wrong axis", "mse", "db2", "the batch size"),
    ("dW missing 1/N convention", "mse", "dW3", "factor 6"),
    ("classifier missing 1/N", "cross_entropy", "delta3", "factor 6"),
    ("classifier extra softmax derivative", "cross_entropy", "delta3", "differ"),
    ("classifier one sample's target off", "cross_entropy", "delta3", "rows (samples) 2 (of 6)"),
]


def make_net(loss):
    if loss == "mse":
        return bl.MLP([3, 4, 5, 2], activation="tanh", output="identity", seed=0)
    return bl.MLP([3, 4, 5, 3], activation="tanh", output="softmax", seed=0)


def nonblank(fig) -> bool:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    img = np.asarray(canvas.buffer_rgba())[..., :3].astype(int)
    colored = (np.abs(img - img[..., :1]).max(axis=-1) > 30).mean()   # not grey/white/black
    return colored > 0.02


def assert_no_code(report: DebugReport):
    text = report.text() + report._repr_html_()
    for fragment in CODE:
        assert fragment not in text, f"the report shows code ({fragment!r}):\n{text}"


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_right_pass_matches_everywhere(loss):
    net = make_net(loss)
    X, T = batch(n_out=net.sizes[-1], labels=loss == "cross_entropy")
    grads = student_backward(net, X, T, loss)
    report = debug_mlp(grads, net, X, T, loss)
    assert report.ok and report.first_wrong is None and not report.missing
    assert len(report.entries) == len(grads)
    assert "Every tensor matches" in report.text()
    assert nonblank(plots.debug_heatmap(report))
    # and it is the library's own gradient, which matches central differences
    lib = mlp_intermediates(net, X, T, loss)
    num = bl.numerical_gradient(lambda _: net.loss(X, T, loss), net.layers[0].W)
    assert bl.rel_error(lib["dW1"], num) < 1e-7


@pytest.mark.parametrize("bug,loss,first,words", MLP_BUGS, ids=[b[0] for b in MLP_BUGS])
def test_mlp_bug_is_pinpointed(bug, loss, first, words):
    net = make_net(loss)
    X, T = batch(n_out=net.sizes[-1], labels=loss == "cross_entropy")
    report = debug_mlp_function(lambda n, x, t: student_backward(n, x, t, loss, bug), net, X, T, loss)
    assert not report.ok
    assert report.first_wrong.name == first, report.text()
    order = [e.name for e in report.entries]
    assert all(e.match for e in report.entries[:order.index(first)]), report.text()
    assert words in report.first_wrong.diagnosis, report.text()
    assert f"First wrong tensor: {first}." in report.text()
    assert_no_code(report)
    fig = plots.debug_heatmap(report)
    assert nonblank(fig), "the heat map is blank"
    assert first in fig.axes[0].get_title() or first in fig.get_suptitle()


def test_aliases_grads_dict_and_missing_names():
    """A chapter-style grads dict {"W1": dW1, "b1": db1, ...} is compared too; what is absent is listed."""
    net = make_net("mse")
    X, T = batch()
    _, grads = net.loss_and_grads(X, T)
    given = {f"W{i + 1}": g["W"] for i, g in enumerate(grads)} | {f"b{i + 1}": g["b"] for i, g in enumerate(grads)}
    given["W2"] = given["W2"] * 2.0
    report = debug_mlp(given, net, X, T)
    assert report.first_wrong.name == "dW2" and "factor 2" in report.first_wrong.diagnosis
    assert "delta1" in report.missing and "dA3" in report.missing
    assert [e.name for e in report.entries] == ["dW3", "db3", "dW2", "db2", "dW1", "db1"]
    assert "did not give (dA3, delta3, dA2, delta2)" in report.text(), "it should not claim the bug is in dW2 itself"


def test_function_that_raises_and_bad_input():
    net = make_net("mse")
    X, T = batch()

    def broken(net, X, T):
        return {"dW3": X @ net.layers[0].W.T}

    report = debug_mlp_function(broken, net, X, T)
    assert not report.ok and "ValueError" in report.error and "did not run" in report.text()
    fig = plots.debug_heatmap(report)                    # drawing a failed run says so instead of failing
    assert "ValueError" in fig.axes[0].texts[0].get_text()
    report = debug_mlp("not a dict", net, X, T)
    assert not report.ok and "dict" in report.error
    report = debug_mlp({"dW9": np.zeros(3), "delta3": None}, net, X, T)
    assert report.unknown == ["dW9"] and report.first_wrong.name == "delta3"
    assert "None" in report.first_wrong.diagnosis
    with pytest.raises(ValueError, match="MLP"):
        debug_mlp({}, "net", X, T)


def test_student_net_is_not_changed():
    net = make_net("mse")
    X, T = batch()
    W = net.layers[0].W.copy()

    def rude(net, X, T):
        net.layers[0].W *= 0
        return {}

    debug_mlp_function(rude, net, X, T)
    debug_mlp({}, net, X, T)
    assert np.array_equal(net.layers[0].W, W) and net.layers[0].a_prev is None


# ---------------------------------------------------------------------------------------------
# conv layer (chapter 8): a student's backward built from correlations
# ---------------------------------------------------------------------------------------------
def conv_case(seed=2):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(2, 2, 5, 5))        # N=2, C=2
    W = rng.normal(size=(3, 2, 3, 3))        # F=3
    b = rng.normal(size=3)
    delta = rng.normal(size=(2, 3, 3, 3))
    return A, W, b, delta


def student_conv_backward(delta, cache, bug=None):
    A, W, b, stride, padding = cache
    F, C, kh, kw = W.shape
    db = delta.sum(axis=(0, 2, 3)) if bug != "db over wrong axes" else delta.sum(axis=(1, 2, 3))
    dW = conv2d_forward(A.transpose(1, 0, 2, 3), delta.transpose(1, 0, 2, 3), np.zeros(F))[0].transpose(1, 0, 2, 3)
    if bug == "dW from one sample":
        dW = conv2d_forward(A[:1].transpose(1, 0, 2, 3), delta[:1].transpose(1, 0, 2, 3),
                            np.zeros(F))[0].transpose(1, 0, 2, 3)
    kernel = W.transpose(1, 0, 2, 3) if bug == "kernel not flipped" else W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    dA = conv2d_forward(delta, kernel, np.zeros(C), padding=kh - 1)[0]
    return dW, db, dA


CONV_BUGS = [("kernel not flipped", "dA_prev"), ("db over wrong axes", "db"), ("dW from one sample", "dW")]


def test_conv_right_pass():
    A, W, b, delta = conv_case()
    report = debug_conv(lambda d, c: student_conv_backward(d, c), A, W, b, delta)
    assert report.ok, report.text()
    assert [e.name for e in report.entries] == ["dW", "db", "dA_prev"]


@pytest.mark.parametrize("bug,first", CONV_BUGS, ids=[b[0] for b in CONV_BUGS])
def test_conv_bug_is_pinpointed(bug, first):
    A, W, b, delta = conv_case()
    report = debug_conv(lambda d, c: student_conv_backward(d, c, bug), A, W, b, delta)
    assert report.first_wrong.name == first, report.text()
    assert_no_code(report)
    assert nonblank(plots.debug_heatmap(report))
    if bug == "db over wrong axes":
        assert "the batch size" in report.first_wrong.diagnosis


def test_conv_accepts_dict_and_tuple_and_reports_errors():
    A, W, b, delta = conv_case()
    dW, db, dA = student_conv_backward(delta, (A, W, b, 1, 0))
    assert debug_conv({"dW": dW, "db": db, "dA_prev": dA}, A, W, b, delta).ok
    assert debug_conv((dW, -db, dA), A, W, b, delta).first_wrong.diagnosis.startswith("Every entry has the wrong sign")
    report = debug_conv(lambda d, c: 1 / 0, A, W, b, delta)
    assert "ZeroDivisionError" in report.error


# ---------------------------------------------------------------------------------------------
# a Tensor graph (chapter 9)
# ---------------------------------------------------------------------------------------------
def tensor_graph(seed=3):
    rng = np.random.default_rng(seed)
    X = Tensor(rng.normal(size=(4, 3)), label="X")
    W = Tensor(rng.normal(size=(3, 3)), label="W")
    b = Tensor(rng.normal(size=3), label="b")
    Z = X @ W + b
    Z.label = "Z"
    A = Z.tanh()
    A.label = "A"
    L = (A * A).sum()
    return L, X, W, b, Z, A


def student_tensor_grads(X, W, b, Z, A, bug=None):
    dA = 2 * A.data
    dZ = dA * (1 - A.data ** 2) if bug != "tanh derivative from z" else dA * (1 - Z.data ** 2)
    dW = X.data.T @ dZ if bug != "square transpose" else dZ.T @ X.data
    db = dZ.sum(axis=0) if bug != "bias not summed" else dZ
    return {"A": dA, "Z": dZ, "W": dW, "b": db, "X": dZ @ W.data.T}


TENSOR_BUGS = [("tanh derivative from z", "Z", "differ"), ("square transpose", "W", "transpose"),
               ("bias not summed", "b", "batch") ]


def test_tensor_right_pass_and_graph_untouched():
    L, X, W, b, Z, A = tensor_graph()
    report = debug_tensor(student_tensor_grads(X, W, b, Z, A), L)
    assert report.ok, report.text()
    assert [e.name for e in report.entries][:2] == ["A", "Z"]
    assert not W.grad.any(), "the debugger should leave the graph's .grad as it found it"


@pytest.mark.parametrize("bug,first,words", TENSOR_BUGS, ids=[b[0] for b in TENSOR_BUGS])
def test_tensor_bug_is_pinpointed(bug, first, words):
    L, X, W, b, Z, A = tensor_graph()
    report = debug_tensor(student_tensor_grads(X, W, b, Z, A, bug), L)
    assert report.first_wrong.name == first, report.text()
    if words != "batch":
        assert words in report.first_wrong.diagnosis, report.text()
    assert_no_code(report)
    assert nonblank(plots.debug_heatmap(report))


def test_html_marks_first_wrong():
    net = make_net("mse")
    X, T = batch()
    report = debug_mlp(student_backward(net, X, T, bug="sign flip"), net, X, T)
    html = report._repr_html_()
    assert "first wrong" in html and "<table>" in html and "WRONG" in html


# ---------------------------------------------------------------------------------------------
# the chapters' find-the-bug form: fn(X, T, params) -> (loss, {"W1": ..., "b1": ..., ...})
# ---------------------------------------------------------------------------------------------
def two_layer(X, T, params, bug=None):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = X.shape[0]
    A1 = np.tanh(X @ W1 + b1)
    A2 = A1 @ W2 + b2
    delta2 = (A2 - T) / n
    dW2 = A1.T @ (A2 - T) if bug == "dW2 without 1/N" else A1.T @ delta2
    delta1 = (delta2 @ W2.T) * (1 - A1 ** 2)
    if bug == "hidden delta of the wrong layer":
        delta1 = (delta2 @ W2.T) * (1 - np.tanh(X @ W1) ** 2)
    grads = {"W1": X.T @ delta1, "b1": delta1.sum(axis=0), "W2": dW2, "b2": delta2.sum(axis=0)}
    return 0.5 * np.sum((A2 - T) ** 2) / n, grads | {"delta2": delta2, "delta1": delta1}


@pytest.mark.parametrize("bug,first", [(None, None), ("dW2 without 1/N", "dW2"),
                                       ("hidden delta of the wrong layer", "delta1")])
def test_params_function(bug, first):
    from backprop_lib.checks.ch05 import two_layer_case
    X, T, params = two_layer_case(seed=0)
    report = debug_params_function(lambda x, t, p: two_layer(x, t, p, bug), X, T, params, "tanh", "identity")
    if first is None:
        assert report.ok, report.text()
    else:
        assert report.first_wrong.name == first, report.text()
        assert_no_code(report)


def test_params_function_errors():
    from backprop_lib.checks.ch05 import two_layer_case
    X, T, params = two_layer_case(seed=0)

    def stub(X, T, params):
        raise NotImplementedError()

    report = debug_params_function(stub, X, T, params)
    assert "not written yet" in report.error
    with pytest.raises(ValueError, match="W1, b1"):
        debug_params_function(stub, X, T, {"W1": params["W1"]})
    with pytest.raises(ValueError, match="shape"):
        debug_params_function(stub, X, T, params | {"b2": np.zeros(7)})

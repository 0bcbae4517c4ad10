"""backprop_lib.scalar_graph (and its drawing, plots.GraphPlot): forward values, the backward pass against central differences (also on random
graphs), the step-by-step replay, bad input, and the drawing."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import backprop_lib as bl
from gradient_assertions import _assert_gradient_matches
from backprop_lib import scalar_graph as G
from backprop_lib.plots import GraphPlot, draw_graph
from backprop_lib.scalar_graph import Graph, neuron_example, square_example

TOL = 1e-7


def _rel(a: dict, b: dict) -> float:
    keys = sorted(b)
    return bl.rel_error([a[k] for k in keys], [b[k] for k in keys])


# ---------------------------------------------------------------------------------------------
# The worked examples
# ---------------------------------------------------------------------------------------------
def test_square_example_is_six_both_ways():
    g = square_example(2.0)
    assert g["y"].value == 3.0 and g["f"].value == 9.0
    grads = g.backward("f")
    assert grads["x"] == 6.0 and grads["y"] == 6.0 and grads["f"] == 1.0
    assert abs(g.numerical_grads("f")["x"] - 6.0) < 1e-8


def test_neuron_example_matches_chapter_1_formula():
    x, w, b, t = np.array([1.0, 2.0]), np.array([0.5, -1.0]), 0.1, 1.0
    g = neuron_example(x=tuple(x), w=tuple(w), b=b, t=t)
    a = bl.sigmoid(w @ x + b)
    delta = (a - t) * a * (1 - a)
    grads = g.backward("L")
    assert g["a"].value == pytest.approx(a, abs=1e-15)
    assert g["L"].value == pytest.approx(0.5 * (a - t) ** 2, abs=1e-15)
    assert grads["w1"] == pytest.approx(delta * x[0], abs=1e-15)
    assert grads["w2"] == pytest.approx(delta * x[1], abs=1e-15)
    assert grads["b"] == pytest.approx(delta, abs=1e-15)
    assert grads["z"] == pytest.approx(delta, abs=1e-15)
    assert _rel(grads, g.numerical_grads("L")) < TOL


@given(x1=st.floats(-3, 3), x2=st.floats(-3, 3), w1=st.floats(-3, 3), w2=st.floats(-3, 3),
       b=st.floats(-3, 3), t=st.floats(0, 1))
@settings(max_examples=60, deadline=None)
def test_neuron_example_against_central_differences(x1, x2, w1, w2, b, t):
    g = neuron_example(x=(x1, x2), w=(w1, w2), b=b, t=t)
    grads = g.backward("L")
    numeric = g.numerical_grads("L")
    keys = sorted(numeric)
    # rel error <= 1e-7, or, for a saturated neuron whose true gradients sit at float64's round-off
    # floor, an absolute error far below what any wrong formula gives (see conftest)
    _assert_gradient_matches(np.array([grads[k] for k in keys]), np.array([numeric[k] for k in keys]),
                             f_scale=g["L"].value, tol=TOL)


def test_a_value_used_twice_adds_its_paths():
    g = Graph()
    x = g.input("x", 3.0)
    sq = g.mul(x, x, name="sq")            # x enters mul twice
    s = g.sigmoid(x, name="s")             # and a second consumer
    g.add(sq, s, name="f")
    grads = g.backward("f")
    expected = 2 * 3.0 + bl.sigmoid_prime(3.0)
    assert grads["x"] == pytest.approx(expected, rel=1e-14)
    assert grads["x"] == pytest.approx(g.numerical_grads("f")["x"], rel=1e-9)


@pytest.mark.parametrize("op, u, expected", [
    ("square", 1.5, 3.0), ("half_square", 1.5, 1.5), ("sigmoid", 0.0, 0.25), ("tanh", 0.0, 1.0),
    ("relu", 2.0, 1.0), ("relu", -2.0, 0.0), ("relu", 0.0, 0.0), ("exp", 0.0, 1.0),
])
def test_local_derivatives_of_unary_ops(op, u, expected):
    g = Graph()
    x = g.input("x", u)
    g.op(op, x, name="y")
    assert g.backward("y")["x"] == pytest.approx(expected)


def test_binary_ops():
    g = Graph()
    u, v = g.input("u", 2.0), g.input("v", -3.0)
    g.add(g.sub(u, v, name="d"), g.mul(u, v, name="p"), name="f")     # f = (u - v) + u v
    grads = g.backward("f")
    assert g["f"].value == (2.0 + 3.0) + 2.0 * -3.0
    assert grads["u"] == 1.0 + -3.0 and grads["v"] == -1.0 + 2.0


def test_exp_stays_finite_and_consistent_beyond_overflow():
    g = Graph()
    x = g.input("x", 800.0)
    g.exp(x, name="e")
    assert math.isfinite(g["e"].value)
    assert g.backward("e")["x"] == pytest.approx(g.numerical_grads("e")["x"], abs=1e-6)


# ---------------------------------------------------------------------------------------------
# Random graphs against central differences
# ---------------------------------------------------------------------------------------------
OPS_1 = ["square", "half_square", "sigmoid", "tanh", "relu", "exp"]
OPS_2 = ["add", "sub", "mul"]


@st.composite
def random_graph(draw):
    g = Graph()
    nodes = [g.input(f"x{i}", draw(st.floats(-2, 2))) for i in range(3)]
    for i in range(draw(st.integers(1, 7))):
        if draw(st.booleans()):
            op = draw(st.sampled_from(OPS_1))
            parent = nodes[draw(st.integers(0, len(nodes) - 1))]
            if op == "relu":
                assume(abs(parent.value) > 1e-3)           # not at the kink, where no derivative exists
            node = g.op(op, parent, name=f"n{i}")
        else:
            op = draw(st.sampled_from(OPS_2))
            a, b = (nodes[draw(st.integers(0, len(nodes) - 1))] for _ in range(2))
            node = g.op(op, a, b, name=f"n{i}")
        assume(abs(node.value) < 1e3)
        nodes.append(node)
    return g, nodes[-1].name


@given(random_graph())
@settings(max_examples=150, deadline=None)
def test_random_graphs_against_central_differences(case):
    g, out = case
    grads = g.backward(out)
    numeric = g.numerical_grads(out)
    # a relu may sit within h of its kink for a perturbed input: skip those rare cases
    for n in g.nodes:
        if n.op == "relu":
            assume(abs(n.parents[0].value) > 1e-3)
    scale = max(abs(v) for v in numeric.values())
    if scale < 1e-8:   # the output does not depend on the inputs here (e.g. relu off, x - x)
        assert max(abs(grads[k]) for k in numeric) < 1e-6
    else:
        assert _rel(grads, numeric) < TOL


# ---------------------------------------------------------------------------------------------
# Steps and replay
# ---------------------------------------------------------------------------------------------
def test_steps_seed_first_and_one_per_needed_op():
    g = neuron_example()
    steps = g.steps("L")
    assert steps[0].node.name == "L" and steps[0].terms == []
    assert [s.node.name for s in steps[1:]] == ["L", "d", "a", "z", "p2", "p1"]
    a_step = steps[3]
    (parent, local, formula, product), = a_step.terms
    assert parent.name == "z" and formula == "a(1\u2212a)"
    assert local == pytest.approx(g["a"].value * (1 - g["a"].value))
    assert product == pytest.approx(local * a_step.upstream)
    assert "a(1" not in steps[0].describe() and "\u2202L/\u2202z +=" in a_step.describe()


def test_unused_nodes_get_no_step():
    g = Graph()
    x = g.input("x", 1.0)
    g.sigmoid(x, name="unused")
    g.square(x, name="f")
    assert [s.node.name for s in g.steps("f")] == ["f", "f"]
    assert g.backward("f")["unused"] == 0.0


def test_replay_builds_up_to_the_full_backward_pass():
    g = neuron_example()
    full = g.backward("L")
    n = len(g.steps("L"))
    g.replay("L", 0)
    assert all(node.grad == 0.0 for node in g.nodes) and g.reached("L", 0) == set()
    previous = set()
    for k in range(1, n + 1):
        g.replay("L", k)
        reached = g.reached("L", k)
        assert previous <= reached
        previous = reached
    assert {node.name: node.grad for node in g.nodes} == full
    g.replay("L", 4)                         # after the sigmoid's step: delta has reached z, not w1
    assert g["z"].grad == full["z"] and g["w1"].grad == 0.0


def test_set_reruns_the_forward_pass():
    g = square_example(2.0)
    g.set("x", -1.0)
    assert g["f"].value == 0.0 and g.backward("f")["x"] == 0.0


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------
def test_bad_input_raises_value_errors_that_name_the_problem():
    g = Graph()
    x = g.input("x", 1.0)
    with pytest.raises(ValueError, match="unknown operation 'cube'"):
        g.op("cube", x)
    with pytest.raises(ValueError, match="takes 2 inputs, got 1"):
        g.op("mul", x)
    with pytest.raises(ValueError, match="at least 2"):
        g.op("add", x)
    with pytest.raises(ValueError, match="nodes of this graph"):
        g.square(Graph().input("y", 1.0))
    with pytest.raises(ValueError, match="already a node called 'x'"):
        g.input("x", 2.0)
    with pytest.raises(ValueError, match="finite number"):
        g.input("z", float("nan"))
    with pytest.raises(ValueError, match="finite number"):
        g.input("z", "2")
    sq = g.square(x, name="sq")
    with pytest.raises(ValueError, match="computed from other nodes"):
        g.set("sq", 1.0)
    with pytest.raises(ValueError, match="step k must be"):
        g.replay(sq, 5)
    with pytest.raises(KeyError, match="no node called 'nope'"):
        g.backward("nope")
    with pytest.raises(ValueError, match="unknown example"):
        G.example("resnet")


def test_constants_get_unique_names():
    g = Graph()
    a, b = g.const(1.0), g.const(1.0)
    assert a.name != b.name


# ---------------------------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------------------------
def test_graph_plot_updates_texts_and_picture():
    from backprop_lib import plots

    g = neuron_example()
    fig, (ax,) = plots.new_figure(size=(8, 4))
    view = GraphPlot(ax, g, "L")
    view.update(0)
    png0 = plots.figure_png(fig)
    assert view.grad_texts["w1"].get_text() == "" and "not started" in view.caption.get_text()
    view.update(4)
    png4 = plots.figure_png(fig)
    assert view.grad_texts["z"].get_text().startswith("\u2202L/\u2202z = ") and view.grad_texts["w1"].get_text() == ""
    assert view.edge_texts[("z", "a")].get_visible() and "a(1\u2212a)" in view.edge_texts[("z", "a")].get_text()
    assert "step 4 of 7" in view.caption.get_text()
    view.update()
    assert view.grad_texts["w1"].get_text() != ""
    assert png0 != png4
    assert view.value_texts["a"].get_text().startswith("a = 0.19")


def test_draw_graph_returns_a_figure_with_the_finished_pass():
    fig = draw_graph(square_example(), "f")
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert any("\u2202f/\u2202x = 6" in t for t in texts)
    assert any("backward pass complete" in t for t in texts)

"""Checks for chapter 10, Jacobians and Hessians: a ReLU network's input Jacobian by the chain rule, a
whole Jacobian from vector-Jacobian products (one per output), and an exact Hessian-vector product."""
from __future__ import annotations

import numpy as np

from .. import curvature
from ..activations import sigmoid
from ..mlp import MLP
from ._core import Exercise, Forbidden, Slip, compare, finite_differences, fmt

_vjp = curvature.vjp                     # the checks' own network calls, bound before any spy patches them
_jacobian_reverse = curvature.jacobian_reverse

_LIBRARY_ANSWER = Forbidden(
    "backprop_lib.curvature (the library's Jacobian and Hessian routines)",
    "the exercise asks you to write the computation yourself; the library's routines are its answer.",
    [(curvature, name) for name in ("jacobian_fd", "jacobian_reverse", "jacobian_forward", "vjp", "jvp", "hvp",
                                    "hvp_fd", "hessian", "hessian_fd")])


def _fail_with_slips(ex: Exercise, where: str, got, expected, args, slips, approx_kind: str | None = None):
    """Compare exactly; on a difference name the first matching slip, else the generic kinds."""
    v = compare(got, expected, exact=True, dtype="float")
    if v.ok:
        return
    for slip in slips:
        if slip.matches(got, args):
            ex.fail(f"{where}: {v.why}", slip.kind, slip.reread, slip.code)
    if v.kind == "approx":
        ex.fail(f"{where}: {v.why}", approx_kind or (
            "the result is close but not exact: this is what a numerical estimate (finite differences) gives. "
            "The exercise asks for the exact derivative, whose only error is round-off."))
    if v.kind == "nonfinite":
        ex.fail(f"{where}: {v.why}", "an intermediate value overflowed (inf or nan), although the exact answer "
                                     "is finite: some formula is not safe for large |z|.")
    if v.kind == "dtype":
        ex.fail(f"{where}: {v.why}", "the numbers have the wrong type: the exercise asks for floats.")
    if v.kind in ("shape", "type"):
        ex.fail(f"{where}: {v.why}", "the result does not have the shape the exercise asks for.")
    ex.fail(f"{where}: {v.why}", "the numbers differ from the exact derivative on this input.")


# -- exercise 1: the input Jacobian of a ReLU network -----------------------------------------------
EX1 = Exercise(
    "ch10.ex1", "input_jacobian",
    start="Section 1 builds the Jacobian of a small network from its forward pass; here the hidden "
          "activation is relu instead of tanh.",
    reread="Section 1: the chain rule through each hidden unit, J = W2^T diag(f'(z1)) W1^T, with its shapes; "
           "chapter 2 for the derivative of relu and its value at exactly 0.",
    code="compute z1 for the sample, turn it into the slopes of relu (one number per hidden unit), and "
         "combine the two weight matrices and the slopes so that the result has one row per output and "
         "one column per input.",
    forbid=[finite_differences("the exercise asks for the chain rule, which is exact; finite differences "
                               "are only an estimate (and at z = 0 they see half of relu's kink)."),
            _LIBRARY_ANSWER])


def _input_jacobian(x, W1, b1, W2, b2):
    slope = (x @ W1 + b1 > 0).astype(float)
    return W2.T @ (slope[:, None] * W1.T)


def _jacobian_with_slope(slope_fn):
    return lambda x, W1, b1, W2, b2: W2.T @ (slope_fn(x @ W1 + b1)[:, None] * W1.T)


_EX1_SLIPS = [
    Slip("rows and columns are swapped: you returned the transpose of J (n rows, m columns). J has one ROW "
         "per output and one COLUMN per input.", lambda *a: _input_jacobian(*a).T,
         reread="Section 1: the definition J_kj = d a_k / d x_j and the shapes (m, 4)(4, 4)(4, n) = (m, n)."),
    Slip("relu'(0) was taken as 1: at a hidden unit with z exactly 0 the course's convention is relu'(0) = 0.",
         _jacobian_with_slope(lambda z: (z >= 0).astype(float)),
         reread="Chapter 2: relu's derivative is undefined at 0 and the course uses 0 there."),
    Slip("this looks like a finite-difference estimate: at a hidden unit with z exactly 0 a central difference "
         "sees half of relu's kink (slope 1/2). The exercise asks for the chain rule.",
         _jacobian_with_slope(lambda z: np.where(z > 0, 1.0, np.where(z == 0, 0.5, 0.0))), rtol=1e-4, atol=1e-7),
    Slip("the derivative of the activation is missing: the path through hidden unit i is multiplied by "
         "relu'(z1_i), which is 0 for a unit that is off.", _jacobian_with_slope(lambda z: np.ones_like(z))),
    Slip("rows and columns are swapped AND the activation's derivative is missing.",
         lambda x, W1, b1, W2, b2: (W2.T @ W1.T).T),
    Slip("the activation's VALUE relu(z1) was used where its DERIVATIVE relu'(z1) belongs.",
         _jacobian_with_slope(lambda z: np.maximum(z, 0.0))),
    Slip("tanh's derivative 1 - a^2 was used, as in section 1, but this network's hidden layer is relu.",
         _jacobian_with_slope(lambda z: 1 - np.tanh(z) ** 2)),
]


def _ex1_cases(hidden: bool):
    rng = np.random.default_rng(101 if hidden else 10)
    x = np.array([1.0, 2.0, -1.0])
    W1 = np.array([[1.0, 0.5, -1.0, 2.0], [0.5, 1.0, 1.0, -0.5], [-1.0, 2.0, 0.5, 1.0]])
    b1 = np.array([0.5, -0.5, -1.0, 0.25])           # z1 = [3.5, 0, -0.5, 0.25]: unit 2 sits exactly at 0
    W2 = np.array([[1.0, -2.0], [3.0, 1.0], [-1.0, 0.5], [0.5, 2.0]])
    cases = [((x, W1, b1, W2, np.array([0.1, -0.1])), "the second hidden unit has z exactly 0")]
    shapes = [(2, 3, 4), (3, 5, 3)] if not hidden else [(4, 6, 2), (1, 3, 3), (3, 4, 1), (2, 2, 2)]
    for n, h, m in shapes:
        cases.append(((rng.normal(size=n), rng.normal(size=(n, h)), rng.normal(size=h), rng.normal(size=(h, m)),
                       rng.normal(size=m)), f"n = {n} inputs, m = {m} outputs"))
    if hidden:   # |z| ~ 1000, and a unit at exactly 0 again in a non-square network
        x = np.array([10.0, -20.0])
        W1 = np.array([[100.0, 0.0, 40.0], [0.0, 50.0, 20.0]])
        cases.append(((x, W1, np.array([0.0, 0.0, 0.0]), rng.normal(size=(3, 4)), np.zeros(4)),
                      "z1 = [1000, -1000, 0]"))
    return cases


def check_input_jacobian(fn, hidden: bool = False) -> None:
    """input_jacobian(x, W1, b1, W2, b2) == d a2/dx (m, n) for a2 = relu(x W1 + b1) W2 + b2."""
    names = ("x", "W1", "b1", "W2", "b2")
    for args, note in _ex1_cases(hidden):
        where = f"input_jacobian(x={fmt(args[0])}, W1 of shape {args[1].shape}, ...) [{note}]"
        got = EX1.call(fn, args, where, arg_names=names)
        _fail_with_slips(EX1, where, got, _input_jacobian(*args), args, _EX1_SLIPS)
    if not hidden:
        EX1.passed("input_jacobian is the exact Jacobian, (m, n), on non-square networks and at z = 0.")


# -- exercise 2: a Jacobian from VJPs -----------------------------------------------------------------
EX2 = Exercise(
    "ch10.ex2", "jacobian_from_vjps",
    start="Section 2: what does one backward pass, started from a vector u at the outputs, give you? Which "
          "u gives exactly one row of J?",
    reread="Section 2: u^T J is a weighted sum of J's rows, and u = e_k picks row k; the cost table in section 4.",
    code="call vjp once for each output k, with the vector that is 1 at place k and 0 elsewhere, and stack "
         "the results as the rows of the answer.",
    forbid=[_LIBRARY_ANSWER])


class _WrongVector(ValueError):
    """The student's u does not have one entry per output."""


def _network_vjp(n: int, m: int, seed: int):
    """vjp(u) = u^T J of a hidden tanh network (n inputs, m outputs) at a fixed sample, and its calls."""
    rng = np.random.default_rng(seed)
    net = MLP([n, 4, m], activation="tanh", output="identity", seed=seed)
    for layer in net.layers:
        layer.b = rng.normal(0, 0.5, size=layer.n_out)
    x = rng.normal(size=(1, n))
    calls = []

    def vjp(u):
        u = np.asarray(u, dtype=float)
        if u.shape != (m,):
            raise _WrongVector(f"vjp(u) needs u of shape ({m},): one weight per OUTPUT of the network, got shape "
                               f"{u.shape}")
        calls.append(u.copy())
        return _vjp(net, x, u[None, :])[0][0]

    J = _jacobian_reverse(net, x[0])
    return vjp, calls, J


def check_jacobian_from_vjps(fn, hidden: bool = False) -> None:
    """jacobian_from_vjps(vjp, m) == J (m, n), with exactly m calls of vjp."""
    shapes = [(3, 2), (2, 4), (3, 3)] if not hidden else [(5, 1), (1, 3), (4, 4), (6, 2)]
    for i, (n, m) in enumerate(shapes):
        vjp, calls, J = _network_vjp(n, m, seed=(200 if hidden else 20) + i)
        where = f"jacobian_from_vjps(vjp of a network with n = {n} inputs and m = {m} outputs, m={m})"
        got = EX2.call(fn, (vjp, m), where)
        v = compare(got, J, exact=True, dtype="float")
        if not v.ok:
            g = np.asarray(got, dtype=float) if not isinstance(got, (str, bytes, dict)) else np.array([])
            if g.shape == J.T.shape and compare(g.T, J, exact=True).ok:
                EX2.fail(f"{where}: {v.why}", "the rows of J came back as columns: each VJP gives one ROW of J "
                                              "(one per output), so the answer has m rows.")
            if m == 1 and g.shape == (n,) and compare(g, J[0], exact=True).ok:
                EX2.fail(f"{where}: {v.why}", "the numbers are J's only row, but J has shape (m, n) = (1, n): one "
                                              "row per output, even when there is only one output.")
            if g.shape == (n,) and compare(g, J.sum(axis=0), exact=True).ok:
                EX2.fail(f"{where}: {v.why}", "one call with u = (1, 1, ..., 1) gives the SUM of J's rows, not J: "
                                              "a VJP mixes the rows with the weights in u.")
            if g.shape == (n,) and compare(g, J[0], exact=True).ok:
                EX2.fail(f"{where}: {v.why}", "only the first row of J was returned; J has one row per output.")
            EX2.fail(f"{where}: {v.why}", "the result is not J: check which vectors you pass to vjp and how you "
                                          "arrange the results.")
        if len(calls) != m:
            EX2.fail(f"{where}: the result is right, but vjp was called {len(calls)} times for m = {m} outputs.",
                     f"{len(calls)} backward passes where {m} are enough: each call is a whole backward pass, "
                     "and one per output gives every row of J (a probe call to learn n is not needed: the first "
                     "row already has n entries).")
    if not hidden:
        EX2.passed(f"jacobian_from_vjps builds J from exactly m backward passes ({len(shapes)} networks).")


# -- exercise 3: an exact Hessian-vector product ------------------------------------------------------
EX3 = Exercise(
    "ch10.ex3", "neuron_hvp",
    start="Section 5 differentiates every line of a forward and backward pass along a direction; do the same "
          "for the neuron's three lines: z = X w, a = sigma(z), and the gradient X^T delta.",
    reread="Section 5: the table of lines and their derivatives along v (the product rule on each line), and "
           "the common mistake 'the Hessian is J^T J'.",
    code="along v the pre-activations move by X v; delta is a product of two factors that both depend on z, "
         "so its derivative has two terms; the second derivative of the sigmoid is the derivative of a(1 - a) "
         "with respect to z.",
    forbid=[finite_differences("the exercise asks for the exact Hessian-vector product; central differences of "
                               "the gradient are only an estimate."), _LIBRARY_ANSWER])


def _neuron_hvp(X, t, w, v):
    a = sigmoid(X @ w)
    s1 = a * (1 - a)
    z_dot = X @ v
    return X.T @ ((s1 * s1 + (a - t) * s1 * (1 - 2 * a)) * z_dot) / X.shape[0]


def _hvp_with(second):
    def hvp(X, t, w, v):
        a = sigmoid(X @ w)
        s1 = a * (1 - a)
        return X.T @ ((s1 * s1 + (a - t) * second(a, s1)) * (X @ v)) / X.shape[0]
    return hvp


def _neuron_grad(X, t, w, v):
    a = sigmoid(X @ w)
    return X.T @ ((a - t) * a * (1 - a)) / X.shape[0]


_EX3_SLIPS = [
    Slip("the term with the residual (a - t) is missing: that is the Gauss-Newton part (1/N) J^T J v, which "
         "is the Hessian only where a = t.", _hvp_with(lambda a, s1: 0.0 * a)),
    Slip("the result is N times too large: the loss is a MEAN over the N rows, so the 1/N stays.",
         lambda X, t, w, v: _neuron_hvp(X, t, w, v) * X.shape[0]),
    Slip("the second derivative of the sigmoid has the wrong sign: d/dz [a(1 - a)] = a(1 - a)(1 - 2a).",
         _hvp_with(lambda a, s1: -s1 * (1 - 2 * a))),
    Slip("the second derivative of the sigmoid is wrong: differentiate sigma' = a(1 - a) with respect to z "
         "(both factors depend on z, and da/dz = a(1 - a)).", _hvp_with(lambda a, s1: s1)),
    Slip("the second derivative of the sigmoid is wrong: differentiate sigma' = a(1 - a) with respect to z "
         "(both factors depend on z, and da/dz = a(1 - a)).", _hvp_with(lambda a, s1: s1 * (1 - s1))),
    Slip("the second derivative of the sigmoid is wrong: differentiate sigma' = a(1 - a) with respect to z, "
         "not with respect to a.", _hvp_with(lambda a, s1: 1 - 2 * a)),
    Slip("the sign of the whole result is flipped.", lambda *args: -_neuron_hvp(*args)),
    Slip("this is the gradient, not H v: the direction v must enter (through X v).", _neuron_grad),
]


def _ex3_cases(hidden: bool):
    rng = np.random.default_rng(303 if hidden else 30)
    cases = []
    for N, n, scale, tscale in ([(6, 3, 1.5, 3.0), (9, 2, 2.5, 4.0)] if not hidden else
                                [(5, 4, 2.0, 3.0), (12, 3, 3.0, 5.0), (7, 2, 1.0, 2.0)]):
        X = rng.normal(size=(N, n)) * scale
        cases.append(((X, rng.normal(size=N) * tscale, rng.normal(size=n), rng.normal(size=n)),
                      f"N = {N} rows, n = {n} weights"))
    X = rng.normal(size=(4, 3))
    X[1] = [400.0, -300.0, 250.0]              # a row whose z is about +-1000
    w = np.array([1.0, -1.0, 0.5])
    cases.append(((X, np.array([0.0, 1.0, 0.5, 2.0]), w, rng.normal(size=3)), "one row has |z| ~ 1000"))
    return cases


def check_neuron_hvp(fn, hidden: bool = False) -> None:
    """neuron_hvp(X, t, w, v) == H v (n,) for L(w) = mean 1/2 (sigmoid(X w) - t)^2, exactly."""
    for args, note in _ex3_cases(hidden):
        X, t, w, v = args
        where = f"neuron_hvp(X of shape {X.shape}, t={fmt(t)}, w={fmt(w)}, v={fmt(v)}) [{note}]"
        got = EX3.call(fn, args, where, arg_names=("X", "t", "w", "v"))
        expected = _neuron_hvp(*args)
        g = np.asarray(got, dtype=float) if isinstance(got, (np.ndarray, list, tuple, float, int)) else None
        if g is not None and g.shape == (w.size, w.size) and compare(g @ v, expected, exact=True).ok:
            EX3.fail(f"{where}: returned a {w.size} x {w.size} matrix, expected a vector of shape ({w.size},)",
                     "this is the whole Hessian H; the exercise asks for the product H v, a vector (and the point "
                     "of an HVP is that it never needs the matrix).")
        _fail_with_slips(EX3, where, got, expected, args, _EX3_SLIPS)
    if not hidden:
        EX3.passed("neuron_hvp is the exact Hessian-vector product, including rows where the sigmoid saturates.")

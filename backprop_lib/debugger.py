"""The backward-pass debugger: where a student's backward pass first goes wrong.

Give it the intermediate gradients a backward pass produced (a dict of named arrays) and what it ran on;
it computes the right ones with the library and compares them one by one, in backward order. The first
tensor that does not match is where the bug is: everything computed from it afterwards is wrong only
because it inherits the error. For that tensor it says *how* it differs (shape, transpose, a factor on
every entry, a flipped sign, only some rows or columns), never what the right code is.

    report = debug_mlp(student_grads, net, X, T, loss="mse")      # chapters 5-7 (and 6's classifier)
    report = debug_mlp_function(fn, net, X, T, loss="mse")        # fn(net, X, T) -> dict
    report = debug_params_function(fn, X, T, params, "tanh", "identity", "mse")  # fn(X, T, params) -> (loss, grads)
    report = debug_conv(student, A_prev, W, b, delta, stride=1, padding=0)     # chapter 8
    report = debug_tensor(student_grads, output)                  # chapter 9: a Tensor graph
    print(report.text()); report.first_wrong                      # bl.plots.debug_heatmap(report): a picture

Names for an MLP with layers l = 1..L (shapes, N = batch size):
    dA{l}    dL/da_l     (N, n_l)      (dA{L} only for the mean squared error)
    delta{l} dL/dz_l     (N, n_l)      (also accepted as dZ{l}, chapter 6's name for the output delta)
    dW{l}    dL/dW_l     (n_{l-1}, n_l) (also accepted as W{l}, the key a grads dict uses)
    db{l}    dL/db_l     (n_l,)         (also accepted as b{l})
in backward order: for l = L, ..., 1: dA{l}, delta{l}, dW{l}, db{l}.
Conv: dW (F, C, KH, KW), db (F,), dA_prev (N, C, H, W). Tensor graph: every labelled Tensor, output first.
"""
from __future__ import annotations

import copy
import html
import re

import numpy as np

from . import losses
from ._validate import as_matrix, choice
from .autodiff import Tensor, topological_order
from .conv import conv2d_backward, conv2d_forward
from .gradcheck import rel_error
from .mlp import MLP

TOLERANCE = 1e-7          # the course's bar for two gradients to agree (relative error)


class Entry:
    """One compared tensor: name, what the student gave (`got`), the right value (`expected`), `shape_ok`,
    `rel_error` (None when the shapes differ), `match`, `axes` (names of its axes) and `diagnosis`."""

    def __init__(self, name: str, got, expected: np.ndarray, axes=None, sizes=None):
        self.name, self.expected, self.axes, self.sizes = name, expected, axes, dict(sizes or {})
        self.got, self.problem = _as_array(got)
        self.shape_ok = self.got is not None and self.got.shape == expected.shape
        finite = self.shape_ok and bool(np.isfinite(self.got).all())
        self.rel_error = rel_error(self.got, expected) if finite else None
        self.match = self.rel_error is not None and self.rel_error <= TOLERANCE
        self.diagnosis = "" if self.match else _diagnose(self)

    @property
    def shape(self):
        return None if self.got is None else self.got.shape

    def status(self) -> str:
        if self.match:
            return "ok"
        return "WRONG" if self.shape_ok else "WRONG SHAPE"


class DebugReport:
    """The comparison, tensor by tensor in backward order (`entries`); `first_wrong` is the first entry
    that does not match (None if all do), `error` a message when the backward function itself failed,
    `missing` the names the student did not give, `unknown` names that are not part of this pass."""

    def __init__(self, entries, what: str, missing=(), unknown=(), error: str | None = None):
        self.entries, self.what = list(entries), what
        self.missing, self.unknown, self.error = list(missing), list(unknown), error
        self.first_wrong = next((e for e in self.entries if not e.match), None)

    @property
    def ok(self) -> bool:
        """True when the backward pass ran, gave at least one tensor, and every tensor matches."""
        return self.error is None and bool(self.entries) and self.first_wrong is None

    def __getitem__(self, name: str) -> Entry:
        for e in self.entries:
            if e.name == name:
                return e
        raise KeyError(f"no tensor named {name!r} in this report; it has {[e.name for e in self.entries]}")

    def _lines(self):
        """(header, rows, footer): plain strings the text and HTML forms share."""
        if self.error is not None:
            return f"Backward-pass debugger ({self.what}): your function did not run.", [], [self.error]
        header = f"Backward-pass debugger ({self.what}), tensors in backward order:"
        rows, seen_wrong = [], False
        for e in self.entries:
            shape = "?" if e.shape is None else str(e.shape)
            err = "   -   " if e.rel_error is None else f"{e.rel_error:.1e}"
            mark = ""
            if e is self.first_wrong:
                mark, seen_wrong = "<- first wrong: the bug is here", True
            elif seen_wrong and not e.match:
                mark = "(wrong after the first: may only inherit it)"
            rows.append((e.name, shape, err, e.status(), mark))
        footer = []
        if not self.entries:
            footer.append("No tensor to compare: give a dict with names such as "
                          + ", ".join(self.known_names[:6]) + ".")
        elif self.first_wrong is None:
            footer.append(f"Every tensor matches (relative error <= {TOLERANCE:g}).")
        else:
            e = self.first_wrong
            footer.append(f"First wrong tensor: {e.name}. {e.diagnosis}")
            order = list(self.known_names) or [x.name for x in self.entries]
            before = order[:order.index(e.name)] if e.name in order else []
            unseen = [n for n in before if n in self.missing]
            if unseen:
                footer.append(f"It is the first wrong one of the tensors you gave: the mistake is in the step that "
                              f"computes {e.name}, or earlier in one you did not give ({', '.join(unseen)}). "
                              "Add those to your dict under these names to narrow it down.")
            elif not before:
                footer.append(f"It is the first tensor of the backward pass: the mistake is in the step that "
                              f"computes {e.name} from the forward pass's values and the targets.")
            else:
                footer.append("Every tensor before it is right, so the mistake is in the step that computes "
                              f"{e.name}, not earlier.")
        if self.missing:
            footer.append("Not given (not compared): " + ", ".join(self.missing) + ".")
        if self.unknown:
            footer.append("Unknown names (ignored): " + ", ".join(self.unknown)
                          + ". Known: " + ", ".join(self.known_names) + ".")
        return header, rows, footer

    known_names: list = []

    def text(self) -> str:
        """A short plain-text report (for print() and nbgrader feedback)."""
        header, rows, footer = self._lines()
        out = [header]
        if rows:
            w = [max(len(r[i]) for r in rows + [("tensor", "shape", "rel err", "status", "")]) for i in range(4)]
            out.append(f"  {'tensor':<{w[0]}}  {'shape':<{w[1]}}  {'rel err':>{w[2]}}  status")
            for r in rows:
                out.append(f"  {r[0]:<{w[0]}}  {r[1]:<{w[1]}}  {r[2]:>{w[2]}}  {r[3]:<{w[3]}}  {r[4]}".rstrip())
        out.extend(footer)
        return "\n".join(out)

    __str__ = text

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        header, rows, footer = self._lines()
        esc = html.escape
        parts = [f"<div><b>{esc(header)}</b>"]
        if rows:
            parts.append("<table><tr><th>tensor</th><th>shape</th><th>rel. error</th><th>status</th><th></th></tr>")
            for r, e in zip(rows, self.entries):
                color = "#2ca02c" if e.match else "#d62728"
                style = ' style="background:#fde0dc"' if e is self.first_wrong else ""
                parts.append(f"<tr{style}><td><code>{esc(r[0])}</code></td><td>{esc(r[1])}</td><td>{esc(r[2])}</td>"
                             f'<td style="color:{color}"><b>{esc(r[3])}</b></td><td>{esc(r[4])}</td></tr>')
            parts.append("</table>")
        parts.extend(f"<p>{esc(line)}</p>" for line in footer)
        parts.append("</div>")
        return "".join(parts)


# ---------------------------------------------------------------------------------------------
# comparing two arrays: how does `got` differ from `expected`?
# ---------------------------------------------------------------------------------------------
def _as_array(x):
    """(array, None) or (None, why it is not an array of numbers)."""
    if x is None:
        return None, "is None (nothing was returned for it)"
    if isinstance(x, Tensor):
        x = x.data
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"is not an array of numbers (got {type(x).__name__})"
    return a, None


def _index_list(idx) -> str:
    idx = [int(i) for i in idx]
    shown = ", ".join(str(i) for i in idx[:8])
    return shown + (f", ... ({len(idx)} in all)" if len(idx) > 8 else "")


def _diagnose(e: Entry) -> str:
    """How e.got differs from e.expected, in words (never code)."""
    got, exp = e.got, e.expected
    if got is None:
        return f"It {e.problem}."
    if got.shape != exp.shape:
        msg = f"Its shape is {got.shape}, the right one is {exp.shape}."
        if got.ndim == 2 and got.shape == exp.shape[::-1]:
            if rel_error(got.T, exp) <= TOLERANCE:
                msg += " It is exactly the transpose of the right tensor."
            else:
                msg += " That is the transposed shape (and the values differ too)."
        elif got.size == exp.size:
            msg += " It has the right number of entries in the wrong arrangement."
        elif got.ndim > exp.ndim:
            msg += " It has more axes than the right one: an axis is kept that the right one does not have."
        elif got.ndim < exp.ndim or got.size < exp.size:
            msg += " Some axis was summed away or dropped that should stay, or the wrong one was."
        for size_name, n in e.sizes.items():
            if n in got.shape and n not in exp.shape:
                msg += f" Yours has an axis of length {n}, {size_name}, which the right one does not have."
        return msg
    if not np.isfinite(got).all():
        return "It contains NaN or inf."
    if not np.any(exp) and not np.any(got):
        return ""
    if not np.any(got):
        return "It is all zeros; the right tensor is not."
    if exp.ndim == 2 and exp.shape[0] == exp.shape[1] and rel_error(got.T, exp) <= TOLERANCE:
        return "It is exactly the transpose of the right tensor (square, so the shape did not show it)."
    if rel_error(-got, exp) <= TOLERANCE:
        return "Every entry has the wrong sign (it is -1 times the right tensor)."
    ee = float(np.vdot(exp, exp))
    if ee > 0:
        c = float(np.vdot(got, exp)) / ee
        if c != 0 and rel_error(got, c * exp) <= 1e-6:
            return (f"Every entry is the right one times the same factor {c:.6g} "
                    f"(the right tensor is {1 / c:.6g} times yours). Look for a missing or extra constant.")
    scale = max(float(np.abs(exp).max()), float(np.abs(got).max()))
    bad = np.abs(got - exp) > TOLERANCE * scale
    axes = e.axes or _default_axes(exp.ndim)
    parts = []
    for axis in range(exp.ndim):
        other = tuple(a for a in range(exp.ndim) if a != axis)
        wrong = np.flatnonzero(bad.any(axis=other) if other else bad)
        if 0 < wrong.size < exp.shape[axis]:
            parts.append(f"{axes[axis]} {_index_list(wrong)} (of {exp.shape[axis]})")
    frac = bad.mean()
    if parts:
        return ("Only some entries are wrong: " + "; ".join(parts)
                + f" ({bad.sum()} of {bad.size} entries differ); the rest are right.")
    sign = np.sign(got) * np.sign(exp)
    if np.all(sign[bad] <= 0) and bad.any():
        return f"{frac:.0%} of the entries differ; each wrong one has the opposite sign or is zero where it should not be."
    msg = f"{frac:.0%} of the entries differ, with no single factor or sign that explains it."
    nonzero = np.abs(exp) > 1e-12 * scale
    if nonzero.any():
        ratio = got[nonzero] / exp[nonzero]
        msg += f" Entry by entry, yours / right ranges from {ratio.min():.3g} to {ratio.max():.3g}"
        msg += (": a positive factor that changes from entry to entry (as a local derivative does)."
                if ratio.min() > 0 else ".")
    return msg


def _default_axes(ndim: int):
    return ["rows", "columns"] if ndim == 2 else (["entries"] if ndim == 1 else [f"axis {i} index" for i in range(ndim)])


def _compare(student, expected: dict, axes: dict, aliases: dict, what: str, sizes=None) -> DebugReport:
    """Entries for the names in `expected` (backward order) that the student gave (directly or by alias)."""
    if not isinstance(student, dict):
        return DebugReport([], what, error=f"Expected a dict of named gradients, got {type(student).__name__}.")
    canon = {}
    unknown = []
    for key in student:
        name = aliases.get(key, key)
        if name in expected:
            canon.setdefault(name, student[key])
        else:
            unknown.append(str(key))
    entries, missing = [], []
    for name, exp in expected.items():
        if name in canon:
            entries.append(Entry(name, canon[name], exp, axes.get(name), sizes))
        else:
            missing.append(name)
    report = DebugReport(entries, what, missing=missing if entries else [], unknown=unknown)
    report.known_names = list(expected)
    return report


# ---------------------------------------------------------------------------------------------
# the MLP of chapters 5-7 (and chapter 6's classifier)
# ---------------------------------------------------------------------------------------------
def mlp_intermediates(net: MLP, X, T, loss: str = "mse") -> dict[str, np.ndarray]:
    """The right intermediate gradients of `net` on (X, T), by the library's own backward pass, in backward
    order (names and shapes in the module docstring). The network's parameters are not changed."""
    if not isinstance(net, MLP):
        raise ValueError(f"net must be a backprop_lib MLP, got {type(net).__name__}")
    choice("loss", loss, losses.LOSSES)
    work = copy.deepcopy(net)          # the library's pass caches in the layers: keep the student's net clean
    X = as_matrix(X, "X", width=work.sizes[0])
    T = work._targets(T, X.shape[0])
    work._check_loss(loss)
    work._loss_and_grads(X, T, loss)
    L = len(work.layers)
    out = {}
    for l in range(L, 0, -1):
        layer = work.layers[l - 1]
        if l == L:
            if loss == "mse":
                out[f"dA{l}"] = losses.mse_grad(layer.a, T)
        else:
            nxt = work.layers[l]
            out[f"dA{l}"] = nxt.delta @ nxt.params["W"].T
        out[f"delta{l}"] = np.array(layer.delta)
        out[f"dW{l}"] = np.array(layer.grads["W"])
        out[f"db{l}"] = np.array(layer.grads["b"])
    return out


def _mlp_axes(L: int) -> tuple[dict, dict]:
    axes, aliases = {}, {}
    for l in range(1, L + 1):
        axes[f"dA{l}"] = axes[f"delta{l}"] = ["rows (samples)", "columns (units)"]
        axes[f"dW{l}"] = ["rows (inputs)", "columns (units)"]
        axes[f"db{l}"] = ["entries (units)"]
        aliases.update({f"dZ{l}": f"delta{l}", f"W{l}": f"dW{l}", f"b{l}": f"db{l}", f"dz{l}": f"delta{l}",
                        f"da{l}": f"dA{l}", f"dw{l}": f"dW{l}"})
    return axes, aliases


def debug_mlp(student: dict, net: MLP, X, T, loss: str = "mse") -> DebugReport:
    """Compare a student's intermediate gradients (dict: name -> array) for `net` on the batch (X, T) with
    the library's, in backward order. Names: dA{l}, delta{l} (or dZ{l}), dW{l} (or W{l}), db{l} (or b{l})."""
    expected = mlp_intermediates(net, X, T, loss)
    axes, aliases = _mlp_axes(len(net.layers))
    n = np.shape(X)[0] if np.ndim(X) == 2 else None
    return _compare(student, expected, axes, aliases, f"MLP {net.sizes}, loss {loss}",
                    sizes={"the batch size N": n} if n else None)


def _call(fn, *args):
    """(result, None) or (None, a one-line message naming the exception), without a traceback."""
    if not callable(fn):
        return None, f"Expected a function, got {type(fn).__name__}."
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, "It is not written yet (it raises NotImplementedError)."
    except Exception as exc:            # the student's code may raise anything: report it, do not crash
        return None, (f"It raised {type(exc).__name__}{': ' + str(exc) if str(exc) else ''}. Run it on its own to see the line; "
                      "shapes printed just before the failing line usually show the problem.")


def _grads_dict(result):
    """A backward function may return the dict or (loss, dict)."""
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict):
        return result[1]
    return result


def debug_mlp_function(fn, net: MLP, X, T, loss: str = "mse") -> DebugReport:
    """Run a student's backward function `fn(net, X, T)` (returning the dict of intermediates, or
    (loss, dict)) on a copy of `net` and compare with `debug_mlp`; an exception becomes the report's error."""
    expected_net = copy.deepcopy(net)
    result, error = _call(fn, copy.deepcopy(net), X, T)
    if error is not None:
        return DebugReport([], f"MLP {net.sizes}, loss {loss}", error=error)
    return debug_mlp(_grads_dict(result), expected_net, X, T, loss)


def mlp_from_params(params: dict, activation: str = "tanh", output: str = "identity") -> MLP:
    """An MLP whose weights are a parameter dict {"W1": (n_0, n_1), "b1": (n_1,), ..., "WL", "bL"} (the
    chapters' exercise form), hidden layers `activation`, last layer `output`. The arrays are copied."""
    if not isinstance(params, dict) or not params:
        raise ValueError(f"params must be a dict {{'W1': ..., 'b1': ..., ...}}, got {type(params).__name__}")
    n_layers = len(params) // 2
    missing = [k for l in range(1, n_layers + 1) for k in (f"W{l}", f"b{l}") if k not in params]
    if missing or len(params) != 2 * n_layers:
        raise ValueError(f"params must hold W1, b1, ..., WL, bL and nothing else; missing {missing}, "
                         f"got {sorted(params)}")
    sizes = [np.shape(params["W1"])[0]] + [np.shape(params[f"W{l}"])[1] for l in range(1, n_layers + 1)]
    net = MLP(sizes, activation=activation, output=output)
    for l, layer in enumerate(net.layers, start=1):
        layer.W, layer.b = params[f"W{l}"], params[f"b{l}"]     # the setters check the shapes
    return net


def debug_params_function(fn, X, T, params: dict, activation: str = "tanh", output: str = "identity",
                          loss: str = "mse") -> DebugReport:
    """The chapters' find-the-bug form: run `fn(X, T, params)` -> (loss, grads) on copies, where grads holds
    "W1", "b1", ... (and, if the student adds them, intermediates such as "delta2", "dA1"), and compare with
    the library's backward pass of the same network (hidden `activation`, last layer `output`, `loss`)."""
    net = mlp_from_params(params, activation, output)
    what = f"MLP {net.sizes}, loss {loss}"
    result, error = _call(fn, np.array(X, dtype=np.float64), np.array(T, dtype=np.float64),
                          {k: np.array(v, dtype=np.float64) for k, v in params.items()})
    if error is not None:
        return DebugReport([], what, error=error)
    return debug_mlp(_grads_dict(result), net, X, T, loss)


# ---------------------------------------------------------------------------------------------
# the conv layer of chapter 8
# ---------------------------------------------------------------------------------------------
CONV_NAMES = ("dW", "db", "dA_prev")
_CONV_AXES = {"dW": ["filters", "channels", "kernel rows", "kernel columns"], "db": ["filters"],
              "dA_prev": ["samples", "channels", "rows", "columns"]}


def debug_conv(student, A_prev, W, b, delta, stride: int = 1, padding: int = 0) -> DebugReport:
    """Compare a student's conv-layer gradients with `conv.conv2d_backward`'s. `student` is a dict
    {"dW", "db", "dA_prev"}, a tuple (dW, db, dA_prev), or a function `fn(delta, cache)` returning the
    tuple, where cache = (A_prev, W, b, stride, padding) as `conv2d_forward` returns it.
    Shapes: A_prev (N, C, H, W), W (F, C, KH, KW), b (F,), delta = dL/dZ (N, F, OH, OW)."""
    _, cache = conv2d_forward(A_prev, W, b, stride, padding)
    dW, db, dA_prev = conv2d_backward(delta, cache)
    expected = {"dW": dW, "db": db, "dA_prev": dA_prev}
    what = f"conv layer, stride {stride}, padding {padding}"
    if callable(student):
        student, error = _call(student, np.array(delta, dtype=np.float64), tuple(copy.deepcopy(cache)))
        if error is not None:
            return DebugReport([], what, error=error)
    if isinstance(student, (tuple, list)):
        if len(student) != 3:
            return DebugReport([], what, error=f"Expected the tuple (dW, db, dA_prev), got {len(student)} items.")
        student = dict(zip(CONV_NAMES, student))
    return _compare(student, expected, _CONV_AXES, {}, what, sizes={"the batch size N": dA_prev.shape[0]})


# ---------------------------------------------------------------------------------------------
# a Tensor graph of chapter 9
# ---------------------------------------------------------------------------------------------
def debug_tensor(student: dict, output: Tensor) -> DebugReport:
    """Compare a student's gradients {label: array} of the labelled Tensors of the graph that computes
    `output` (a single number) with `output.backward()`'s, in backward order (output side first).
    The graph's own .grad arrays are left as they were."""
    if not isinstance(output, Tensor):
        raise ValueError(f"output must be a Tensor, got {type(output).__name__}")
    order = topological_order(output)
    saved = [n.grad.copy() for n in order]
    try:
        for n in order:
            n.grad = np.zeros_like(n.data)
        output.backward()
        expected = {}
        for n in reversed(order):
            if n.label and not n.is_constant and n is not output and n.label not in expected:
                expected[n.label] = n.grad.copy()
    finally:
        for n, g in zip(order, saved):
            n.grad = g
    what = f"Tensor graph of {len(order)} nodes"
    if isinstance(student, dict):
        student = {k: v for k, v in student.items()}
    return _compare(student, expected, {}, {}, what)


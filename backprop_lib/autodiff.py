"""Reverse-mode automatic differentiation on numpy arrays (micrograd, with arrays instead of scalars).

A Tensor holds `data` (a float64 array) and, after `backward()`, `grad` (same shape): dL/d(this).
Every operation returns a new Tensor that remembers its parents and a `_backward` closure, which
adds (local derivative x upstream gradient) into each parent's grad. `backward()` sorts the graph
topologically and runs the closures from the output back to the leaves.

    x = Tensor(2.0, label="x")
    f = (x + 1) ** 2
    f.backward()          # x.grad == 6.0

Broadcasting works as in numpy; a parent that was broadcast gets its gradient summed back to its
own shape (`unbroadcast`), which is where a bias's "sum over the rows of delta" comes from.
"""
from __future__ import annotations

import numbers

import numpy as np

from .activations import log_softmax, sigmoid, softmax


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum `grad` over the axes numpy broadcast to reach it, so it has `shape` again."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Tensor:
    """An array that records how it was computed. `parents` are the Tensors it was computed from,
    `op` names the operation ("" for a leaf), `label` is a name for printing and drawing."""

    def __init__(self, data, parents: tuple = (), op: str = "", label: str = ""):
        if isinstance(data, Tensor):
            raise ValueError("Tensor(data) needs a number or an array; it is already a Tensor")
        try:
            self.data = np.array(data, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise ValueError(f"Tensor data must be numeric: {e}") from None
        self.grad = np.zeros_like(self.data)
        self.parents = tuple(parents)
        self.op = op
        self.label = label
        self.is_constant = False          # True for plain numbers wrapped by an operation (x + 1)
        self._backward = lambda: None

    # -- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _wrap(other) -> "Tensor":
        if isinstance(other, Tensor):
            return other
        if isinstance(other, bool) or not isinstance(other, (numbers.Real, np.ndarray, list, tuple)):
            raise ValueError(f"cannot combine a Tensor with {type(other).__name__} {other!r}")
        t = Tensor(other, label=f"{other:g}" if isinstance(other, numbers.Real) else "const")
        t.is_constant = True
        return t

    @property
    def shape(self) -> tuple:
        return self.data.shape

    def item(self) -> float:
        return self.data.item()

    def __repr__(self) -> str:
        name = f"{self.label}: " if self.label else ""
        op = f", op={self.op!r}" if self.op else ""
        return f"Tensor({name}{np.array2string(self.data, precision=4)}{op})"

    # -- arithmetic ------------------------------------------------------------------------------
    def __add__(self, other) -> "Tensor":
        r"""$c = a + b$: $\partial c/\partial a = \partial c/\partial b = 1$."""
        other = self._wrap(other)
        out = Tensor(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += unbroadcast(out.grad, self.shape)
            other.grad += unbroadcast(out.grad, other.shape)
        out._backward = _backward
        return out

    def __sub__(self, other) -> "Tensor":
        r"""$c = a - b$: $\partial c/\partial a = 1$, $\partial c/\partial b = -1$."""
        other = self._wrap(other)
        out = Tensor(self.data - other.data, (self, other), "-")

        def _backward():
            self.grad += unbroadcast(out.grad, self.shape)
            other.grad -= unbroadcast(out.grad, other.shape)
        out._backward = _backward
        return out

    def __mul__(self, other) -> "Tensor":
        r"""$c = a b$ (element-wise): $\partial c/\partial a = b$, $\partial c/\partial b = a$."""
        other = self._wrap(other)
        out = Tensor(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += unbroadcast(other.data * out.grad, self.shape)
            other.grad += unbroadcast(self.data * out.grad, other.shape)
        out._backward = _backward
        return out

    def __truediv__(self, other) -> "Tensor":
        r"""$c = a / b$: $\partial c/\partial a = 1/b$, $\partial c/\partial b = -a/b^2$."""
        other = self._wrap(other)
        out = Tensor(self.data / other.data, (self, other), "/")

        def _backward():
            self.grad += unbroadcast(out.grad / other.data, self.shape)
            other.grad -= unbroadcast(out.grad * self.data / other.data ** 2, other.shape)
        out._backward = _backward
        return out

    def __pow__(self, p) -> "Tensor":
        r"""$c = a^p$ for a constant number p: $\partial c/\partial a = p\,a^{p-1}$."""
        if isinstance(p, bool) or not isinstance(p, numbers.Real):
            raise ValueError(f"only a constant number can be an exponent, got {type(p).__name__}")
        out = Tensor(self.data ** p, (self,), f"**{p:g}")

        def _backward():
            if p == 0:   # a**0 == 1 for every a: derivative 0, also at a = 0 (where p * a**(p-1) is 0 * inf)
                return
            self.grad += p * self.data ** (p - 1) * out.grad
        out._backward = _backward
        return out

    def __neg__(self) -> "Tensor":
        return self * -1.0

    def __radd__(self, other) -> "Tensor":
        return self._wrap(other) + self

    def __rsub__(self, other) -> "Tensor":
        return self._wrap(other) - self

    def __rmul__(self, other) -> "Tensor":
        return self._wrap(other) * self

    def __rtruediv__(self, other) -> "Tensor":
        return self._wrap(other) / self

    def __matmul__(self, other) -> "Tensor":
        r"""$C = A B$ for 2-D A (n, k), B (k, m): $\partial L/\partial A = G B^\top$, $\partial L/\partial B = A^\top G$."""
        other = self._wrap(other)
        if self.data.ndim != 2 or other.data.ndim != 2 or self.shape[1] != other.shape[0]:
            raise ValueError(f"@ needs two 2-D arrays (n, k) @ (k, m), got {self.shape} @ {other.shape}")
        out = Tensor(self.data @ other.data, (self, other), "@")

        def _backward():
            self.grad += out.grad @ other.data.T
            other.grad += self.data.T @ out.grad
        out._backward = _backward
        return out

    # -- reductions ------------------------------------------------------------------------------
    def sum(self, axis=None) -> "Tensor":
        r"""$s = \sum a$ (over `axis`, or everything): every entry gets the upstream gradient."""
        out = Tensor(self.data.sum(axis=axis), (self,), "sum")

        def _backward():
            g = out.grad if axis is None else np.expand_dims(out.grad, axis)
            self.grad += np.broadcast_to(g, self.shape)
        out._backward = _backward
        return out

    def mean(self, axis=None) -> "Tensor":
        r"""$\bar a = \frac1n \sum a$."""
        n = self.data.size if axis is None else np.prod([self.shape[a] for a in np.atleast_1d(axis)])
        return self.sum(axis=axis) * (1.0 / n)

    # -- element-wise functions ------------------------------------------------------------------
    def _unary(self, value: np.ndarray, local: np.ndarray, op: str) -> "Tensor":
        out = Tensor(value, (self,), op)

        def _backward():
            self.grad += local * out.grad
        out._backward = _backward
        return out

    def exp(self) -> "Tensor":
        r"""$e^a$, whose derivative is itself."""
        e = np.exp(self.data)
        return self._unary(e, e, "exp")

    def log(self) -> "Tensor":
        r"""$\log a$: derivative $1/a$."""
        return self._unary(np.log(self.data), 1.0 / self.data, "log")

    def sigmoid(self) -> "Tensor":
        r"""$\sigma(a)$: derivative $\sigma(a)(1 - \sigma(a))$, reusing the forward value."""
        s = sigmoid(self.data)
        return self._unary(s, s * (1.0 - s), "sigmoid")

    def tanh(self) -> "Tensor":
        r"""$\tanh(a)$: derivative $1 - \tanh^2(a)$."""
        t = np.tanh(self.data)
        return self._unary(t, 1.0 - t * t, "tanh")

    def relu(self) -> "Tensor":
        r"""$\max(0, a)$: derivative 1 where a > 0, else 0 (the convention at 0)."""
        return self._unary(np.maximum(self.data, 0.0), (self.data > 0).astype(np.float64), "relu")

    def softmax_cross_entropy(self, targets) -> "Tensor":
        r"""$L = -\frac1N \sum_n \sum_k t_{nk} \log \mathrm{softmax}(z_n)_k$ for logits (N, K): $\partial L/\partial z = (p - t)/N$.

        targets: one-hot (N, K) or integer labels (N,).
        """
        if self.data.ndim != 2:
            raise ValueError(f"softmax_cross_entropy needs logits of shape (N, K), got {self.shape}")
        t = np.asarray(targets)
        if t.ndim == 1:
            if not np.issubdtype(t.dtype, np.integer) or t.shape[0] != self.shape[0] or t.min() < 0 or t.max() >= self.shape[1]:
                raise ValueError(f"labels must be {self.shape[0]} integers in 0..{self.shape[1] - 1}")
            t = np.eye(self.shape[1])[t]
        if t.shape != self.shape:
            raise ValueError(f"targets have shape {t.shape}, the logits {self.shape}")
        n = self.shape[0]
        out = Tensor(-np.sum(t * log_softmax(self.data)) / n, (self,), "softmax-CE")

        def _backward():
            self.grad += (softmax(self.data) - t) / n * out.grad
        out._backward = _backward
        return out

    # -- the backward pass -----------------------------------------------------------------------
    def backward(self, grad=None) -> None:
        """Fill .grad of every Tensor this one depends on with d(self)/d(that), by the chain rule.

        The output's gradient starts at 1 (it must be a single number unless `grad` is given).
        Intermediate gradients are reset first; leaves accumulate, so zero them between passes.
        """
        if grad is None:
            if self.data.size != 1:
                raise ValueError(f"backward() without a gradient needs a single number, this has shape {self.shape}; "
                                 "reduce it first (.sum() or .mean()) or pass grad=")
            grad = np.ones_like(self.data)
        grad = np.asarray(grad, dtype=np.float64)
        if grad.shape != self.shape:
            raise ValueError(f"grad has shape {grad.shape}, the output {self.shape}")
        order = topological_order(self)
        for node in order:
            if node.parents:
                node.grad = np.zeros_like(node.data)
        self.grad = grad.copy()
        for node in reversed(order):
            node._backward()

    def zero_grad(self) -> None:
        """Set .grad to 0 in this Tensor and every Tensor it depends on."""
        for node in topological_order(self):
            node.grad = np.zeros_like(node.data)


def topological_order(root: Tensor) -> list[Tensor]:
    """Every Tensor `root` depends on, each once, parents before children (root last)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:                       # depth-first, without recursion (deep graphs are fine)
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((p, False) for p in reversed(node.parents) if id(p) not in seen)
    return order

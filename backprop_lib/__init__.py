"""backprop_lib: the small numpy library behind the backpropagation course.

    import backprop_lib as bl
    net = bl.MLP([2, 8, 8, 1], activation="tanh", output="sigmoid", seed=0)
    loss, grads = net.loss_and_grads(X, T, loss="mse")
    hist = bl.train(net, X, T, loss="mse", lr=0.1, epochs=100)

Plots and widgets (matplotlib, ipywidgets) are imported only from backprop_lib.plots and
backprop_lib.widgets, so the core needs numpy alone.
"""
from . import activations, datasets, losses
from .activations import relu, sigmoid, sigmoid_prime, softmax, tanh
from .gradcheck import gradient_check, numerical_gradient, rel_error
from .layers import Dense
from .mlp import MLP
from .optim import SGD
from .train import History, Trainer, TrainingDiverged, train

__version__ = "0.1.0"

__all__ = [
    "MLP", "Dense", "SGD", "History", "Trainer", "TrainingDiverged", "train",
    "numerical_gradient", "rel_error", "gradient_check",
    "sigmoid", "sigmoid_prime", "tanh", "relu", "softmax",
    "activations", "losses", "datasets",
]


def __getattr__(name):
    # plots, widgets and checks pull in matplotlib / ipywidgets: import them only on first use
    if name in ("plots", "widgets", "checks"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'backprop_lib' has no attribute {name!r}")

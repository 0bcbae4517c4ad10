"""The widgets layer: every interactive view the chapters display (ipywidgets controls over a matplotlib
figure shown as PNG). One module per widget family; `base` holds what they all share. This module only
re-exports, so `from backprop_lib.widgets import Playground` works for every view.

    base        ShowsWidget, FigureView, status_html, TrainingControls (Play/Step/Reset, the lock), locked
    frames      FramePane: the view's picture, with frames rendered ahead that the page shows at once
    training    TrainingView                                   (chapter 1)
    sigmoid     SigmoidExplorer                                (chapter 2)
    descent     DescentExplorer                                (chapter 3)
    chain_rule  FiniteDifferenceExplorer, GraphStepper         (chapter 4)
    playground  Playground                                     (chapters 5 and 7)
    softmax     SoftmaxView                                    (chapter 6)
    digits      DigitsView                                     (chapter 6)
    loss_race   LossRaceView                                   (chapter 6)
    conv        ConvView                                       (chapter 8)
    cnn         CNNView                                        (chapter 8)
    autodiff    AutodiffView                                   (chapter 9)
    curvature   CurvatureExplorer                              (chapter 10)
    capstone    CapstoneView                                   (chapter 11)
    progress    ProgressPage                                   (the start page, start.ipynb)
"""
from .autodiff import AutodiffView
from .capstone import CapstoneView
from .base import FigureView, ShowsWidget, TrainingControls, TrainingViewBase, locked, status_html
from .chain_rule import FiniteDifferenceExplorer, GraphStepper
from .cnn import CNNView
from .conv import ConvView
from .curvature import CurvatureExplorer
from .descent import DescentExplorer
from .digits import DigitsView
from .loss_race import LossRaceView
from .playground import Playground
from .progress import ProgressPage
from .sigmoid import SigmoidExplorer
from .softmax import SoftmaxView
from .training import TrainingView

__all__ = ["FigureView", "ShowsWidget", "TrainingControls", "TrainingViewBase", "locked", "status_html", "TrainingView",
           "SigmoidExplorer", "DescentExplorer", "FiniteDifferenceExplorer", "GraphStepper", "Playground",
           "SoftmaxView", "DigitsView", "LossRaceView", "ConvView", "CNNView", "AutodiffView", "CurvatureExplorer",
           "ProgressPage", "CapstoneView"]

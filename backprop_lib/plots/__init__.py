"""The pictures layer: matplotlib drawings of the numeric layer's objects, one module per subject.
Pyplot is never used; every figure is a plain `matplotlib.figure.Figure` (see `new_figure`).

    core      new_figure, figure_png, LossPlot, BoundaryPlot, GradNormPlot, loss_curve, decision_boundary
    fast      ticks and limits in 1-2-5 steps, HeatMap: for views that redraw many times a second
    decades   decade_ticks: a log axis labelled 10⁻⁴ in plain text, no minor ticks (quick to draw)
    graph     GraphPlot, draw_graph: a scalar computational graph with its backward pass (chapters 4, 9)
    descent   DescentPlot: loss contours of a linear regression with a descent path (chapter 3)
    curvature SurfacePlot: a point of a two-weight loss surface, its gradient and Newton steps (chapter 10)
    conv      touch_diagram: which input touches which output in a correlation (chapter 8)
    loss_race LossRacePlot: squared error against cross-entropy from one saturated start (chapter 6)
    debugger  debug_heatmap: where a backward pass first goes wrong, as a heat map of got - expected
    capstone  CapstonePlot, capstone_figure: a training run of chapter 11's network (loss, accuracy, gradient
              norms, misclassified digits)

Everything is re-exported here: `from backprop_lib import plots; plots.LossPlot(...)`.
"""
from .core import (CLASS_COLORS, LAYER_CMAP, BoundaryPlot, GradNormPlot, LossPlot, decision_boundary, figure_png,
                   loss_curve, new_figure)
from .capstone import CapstonePlot, capstone_figure
from .conv import touch_diagram
from .curvature import SurfacePlot
from .debugger import debug_heatmap
from .decades import decade_label, decade_ticks
from .descent import DescentPlot
from .graph import GraphPlot, draw_graph
from .loss_race import LossRacePlot

__all__ = ["CLASS_COLORS", "LAYER_CMAP", "new_figure", "figure_png", "LossPlot", "BoundaryPlot", "GradNormPlot",
           "loss_curve", "decision_boundary", "touch_diagram", "DescentPlot", "GraphPlot", "draw_graph", "SurfacePlot",
           "LossRacePlot", "debug_heatmap", "CapstonePlot", "capstone_figure", "decade_ticks", "decade_label"]

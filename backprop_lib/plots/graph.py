"""Drawing a scalar computational graph (`backprop_lib.scalar_graph.Graph`): forward values, the
backward pass step by step (chapters 4 and 9)."""
from __future__ import annotations

import math

from matplotlib.patches import Circle, FancyArrowPatch

from ..scalar_graph import OPS, Graph, format_number
from .core import new_figure

VALUE_COLOR = "#1f4e9a"
GRAD_COLOR = "#c62828"
ACTIVE_COLOR = "#c62828"


class GraphPlot:
    """Draw a Graph on a matplotlib Axes: each node a circle (its operation, or a leaf's name) with
    its forward value above (blue) and its gradient below (red, once the backward pass reaches it).

    `update(k)` shows the state after k backward steps: the node being processed in step k is ringed
    in red, the edges to its parents turn red and are labelled with the local derivative that
    multiplies the upstream gradient, and a caption spells the multiplication out.
    """

    def __init__(self, ax, graph: Graph, output, radius: float = 0.42, fontsize: float = 9,
                 caption_room: float = 1.3):
        self.ax, self.graph, self.output = ax, graph, graph._output(output)
        self.radius, self.fontsize = radius, fontsize
        self.pos = graph.layout()
        self.k = None
        self.circles, self.symbols, self.value_texts, self.grad_texts = {}, {}, {}, {}
        self.edges, self.edge_texts, self.overlays = {}, {}, {}
        for n in graph.nodes:
            x, y = self.pos[n.name]
            for p in n.parents:
                (x0, y0), key = self.pos[p.name], (p.name, n.name)
                length = math.hypot(x - x0, y - y0) or 1.0
                ux, uy = (x - x0) / length, (y - y0) / length
                ends = (x0 + radius * ux, y0 + radius * uy), (x - radius * ux, y - radius * uy)
                arrow = FancyArrowPatch(*ends,
                                        arrowstyle="-|>", mutation_scale=11, lw=1.2, color="#9e9e9e",
                                        shrinkA=0, shrinkB=1, zorder=1)
                self.edges[key] = arrow
                ax.add_patch(arrow)
                # the highlighted edge is a red arrow drawn over the grey one (a separate artist, so a
                # live view can redraw the highlight without redrawing the graph)
                self.overlays[key] = ax.add_patch(FancyArrowPatch(
                    *ends, arrowstyle="-|>", mutation_scale=11,
                    lw=2.2, color=ACTIVE_COLOR, shrinkA=0, shrinkB=1, zorder=1.5, visible=False))
                self.edge_texts[key] = ax.text((x0 + x) / 2, (y0 + y) / 2, "", ha="center", va="center",
                                               fontsize=fontsize - 1, color=GRAD_COLOR, zorder=5, linespacing=1.1,
                                               bbox=dict(boxstyle="round,pad=0.15", fc="white", ec=GRAD_COLOR,
                                                         lw=0.6), visible=False)
        for n in graph.nodes:
            x, y = self.pos[n.name]
            face = {"input": "#e3f2fd", "const": "#f5f5f5", "op": "#fff8e1"}[n.kind]
            circle = Circle((x, y), radius, fc=face, ec="#616161", lw=1.2, zorder=3)
            ax.add_patch(circle)
            self.circles[n.name] = circle
            label = n.name if n.op is None else OPS[n.op].symbol
            self.symbols[n.name] = ax.text(x, y, label, ha="center", va="center", zorder=4,
                                           fontsize=fontsize + (1 if len(label) <= 2 else -1),
                                           fontweight="bold" if n.op is not None else "normal")
            box = dict(boxstyle="square,pad=0.05", fc="white", ec="none", alpha=0.85)
            if n.op is None:      # leaves: value and gradient to the left, so stacked leaves do not collide
                self.value_texts[n.name] = ax.text(x - radius - 0.12, y + 0.03, "", ha="right", va="bottom",
                                                   zorder=6, fontsize=fontsize, color=VALUE_COLOR, bbox=box)
                self.grad_texts[n.name] = ax.text(x - radius - 0.12, y - 0.03, "", ha="right", va="top",
                                                  zorder=6, fontsize=fontsize, color=GRAD_COLOR, bbox=box)
            else:                 # operations: value above, gradient below
                self.value_texts[n.name] = ax.text(x, y + radius + 0.08, "", ha="center", va="bottom", zorder=6,
                                                   fontsize=fontsize, color=VALUE_COLOR, bbox=box)
                self.grad_texts[n.name] = ax.text(x, y - radius - 0.08, "", ha="center", va="top", zorder=6,
                                                  fontsize=fontsize, color=GRAD_COLOR, bbox=box)
        # the ring around the node being processed (drawn over its circle)
        self.ring = ax.add_patch(Circle((0, 0), radius, fill=False, ec=ACTIVE_COLOR, lw=2.6, zorder=3.5, visible=False))
        xs = [p[0] for p in self.pos.values()]
        ys = [p[1] for p in self.pos.values()]
        ax.set_xlim(min(xs) - 3.0, max(xs) + 1.0)      # room for the leaves' labels on the left
        ax.set_ylim(min(ys) - 1.0 - caption_room, max(ys) + 0.85)
        ax.set_aspect("equal")
        ax.axis("off")
        self.caption = ax.text(0.5, 0.01, "", transform=ax.transAxes, ha="center", va="bottom",
                               fontsize=fontsize, linespacing=1.3)

    @property
    def dynamic(self) -> list:
        """The artists a backward step changes (for a view that blits them over a cached background):
        the gradients, the highlight (ring, red edges and their labels) and the caption. The circles,
        their symbols, the grey edges and the forward values do not change with the step (the values
        change only with the inputs: make them part of the background's key)."""
        return [*self.overlays.values(), *self.edge_texts.values(), self.ring, *self.grad_texts.values(),
                self.caption]

    @property
    def n_steps(self) -> int:
        return len(self.graph.steps(self.output))

    def update(self, k: int | None = None, highlight: bool = True) -> None:
        """Show the forward values and the backward pass after k steps (default: all of them).

        With highlight=False the last step is not singled out: the picture is the finished pass.
        """
        steps = self.graph.steps(self.output)
        k = len(steps) if k is None else k
        self.graph.replay(self.output, k)
        self.k = k
        reached = self.graph.reached(self.output, k)
        current = steps[k - 1] if k >= 1 and highlight else None
        o = self.output.name
        for n in self.graph.nodes:
            shown = n.kind != "const" or n.name != f"{n.value:g}"   # an unnamed constant shows its value already
            self.value_texts[n.name].set_text(f"{n.name} = {format_number(n.value)}" if shown else "")
            self.grad_texts[n.name].set_text(f"\u2202{o}/\u2202{n.name} = {format_number(n.grad)}"
                                             if n.name in reached and n.kind != "const" else "")
        self.ring.set_visible(current is not None)
        if current is not None:
            self.ring.set_center(self.pos[current.node.name])
        for key, overlay in self.overlays.items():
            overlay.set_visible(False)
            self.edge_texts[key].set_visible(False)
        if current is None and k == len(steps):
            grads = ", ".join(f"\u2202{o}/\u2202{n.name} = {format_number(n.grad)}" for n in self.graph.inputs)
            self.caption.set_text(f"backward pass complete: {grads}")
        elif current is None:
            self.caption.set_text(f"forward pass done: {self.output.name} = {format_number(self.output.value)}. "
                                  "The backward pass has not started.")
        elif not current.terms:
            self.caption.set_text(f"step 1 of {len(steps)}: start at the output, "
                                  f"\u2202{o}/\u2202{o} = 1")
        else:
            lines = []
            for p, local, formula, product in current.terms:
                key = (p.name, current.node.name)
                self.overlays[key].set_visible(True)
                name = current.node.name
                self.edge_texts[key].set_text(f"\u00d7 {formula}" + (f"\n= {format_number(local)}" if formula != format_number(local)
                                                                     else ""))
                self.edge_texts[key].set_visible(True)
                lines.append(f"\u2202{o}/\u2202{p.name} += \u2202{name}/\u2202{p.name} \u00b7 \u2202{o}/\u2202{name}"
                             f" = {format_number(local)} \u00b7 {format_number(current.upstream)} = {format_number(product)}")
            head = f"step {k} of {len(steps)}: node {current.node.name} sends its gradient back"
            self.caption.set_text(head + "\n" + "\n".join(lines))


def draw_graph(graph: Graph, output, k: int | None = None, ax=None, size=(8.5, 3.6), title: str = ""):
    """A one-off drawing of the graph after k backward steps, step k highlighted (default: the finished
    backward pass, nothing highlighted); returns the Figure."""
    if ax is None:
        fig, (ax,) = new_figure(size=size)
    else:
        fig = ax.figure
    GraphPlot(ax, graph, output).update(k, highlight=k is not None)
    if title:
        ax.set_title(title)
    return fig

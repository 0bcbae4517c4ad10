"""What every widget of the course is built from (every widget module imports this one at the top).

Views are driven by ticks (ipywidgets.Play), never by a blocking loop, so the kernel stays free and the
sliders keep working while a network trains. Every view renders its matplotlib figure to PNG into an
ipywidgets.Image (a FramePane, frames.py), which works the same in JupyterLab, Notebook 7, VS Code and on
Binder, and shows the last state in a saved notebook.

    ShowsWidget       a view displays as its `.widget` when it ends a notebook cell
    FigureView        a Figure shown as an Image (fast redraws: cached canvas, optional blitting, fast PNG);
                      `track()` renders the pictures one to three slider steps away while the kernel is idle
                      and sends them to the page ahead of time, so that the page answers a step at once;
                      `steps_ahead()` trains and draws a training view's next Step while the kernel is idle,
                      so that Step and Play show it at once
    status_html       the one status line style (info / ok / error)
    TrainingControls  Play / Step / Reset, an epoch counter, a status line, an error log, the lock
    locked            run a view's method holding its controls' lock
"""
from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import html
import math
import struct
import threading
import time
import zlib
from collections import OrderedDict

import ipywidgets as W
import numpy as np
from IPython.display import display
import matplotlib
from matplotlib import font_manager
from matplotlib.backends import backend_agg
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Colormap
from matplotlib.figure import FigureBase
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.text import Text
from traitlets import EventHandler

from .frames import FramePane, key_part, neighbours, synced_trait



def _font_settings() -> tuple:
    """What else decides which file a FontProperties finds: the font families in matplotlib's rcParams."""
    rc = matplotlib.rcParams
    return (tuple(rc["font.family"]), tuple(rc["font.sans-serif"]), tuple(rc["font.serif"]),
            tuple(rc["font.monospace"]))


class _GlyphCachingRenderer(backend_agg.RendererAgg):
    """matplotlib's Agg renderer with its plain-text drawing cached: the layout of a string (FreeType
    shaping) and every rendered glyph bitmap (at a quarter-pixel position) are kept between frames.
    matplotlib >= 3.11 lays out and rasterises every glyph of every text on every draw, which made text
    the largest part of a live view's frame (a tick label, a status caption, a number in a box). The
    pixels are those of matplotlib's own path, up to a glyph's position rounded to 1/4 pixel. Anything
    unusual (rotated text, font features, mathtext, an older matplotlib) takes matplotlib's own path."""

    _layouts: dict = {}
    _glyphs: dict = {}
    _fonts: dict = {}       # FontProperties -> font file (matplotlib looks it up for every text)
    _heights: dict = {}     # (FontProperties, dpi) -> the font's line metrics (see below)
    _MAX = 20000

    def _get_font_height_metrics(self, prop):
        """(ascent, descent, line gap) in pixels of the font `prop` names, from its OS/2 or hhea table:
        what `Text._get_layout` computes for every text at every draw (a font lookup and two table
        reads, a quarter of a full redraw of a live view), with the same arithmetic, kept per font,
        size and dpi. matplotlib asks a renderer for it when the renderer has this method."""
        key = (prop, _font_settings(), self.dpi)
        metrics = self._heights.get(key)
        if metrics is None:
            key = (prop.copy(), key[1], self.dpi)      # (a FontProperties can change: keep its copy)
            metrics = (None, None, None)
            font = font_manager.get_font(font_manager.fontManager._find_fonts_by_props(prop))
            for table_name, gap_key, ascent_key, descent_key in (
                    ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                    ("hhea", "lineGap", "ascent", "descent")):
                table = font.get_sfnt_table(table_name)
                if table is None:
                    continue
                scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * self.dpi / 72
                metrics = (table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale)
                break
            if len(self._heights) > self._MAX:
                self._heights.clear()
            self._heights[key] = metrics
        return metrics

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or angle or not gc.get_antialiased() or (mtext is not None and (
                mtext.get_fontfeatures() is not None or mtext.get_language() is not None)):
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        try:
            size = prop.get_size_in_points()
            fname = self._fonts.get((prop, _font_settings()))
            font = None
            if fname is None:
                font = self._prepare_font(prop)
                fname = self._fonts[(prop.copy(), _font_settings())] = font.fname
            flags = backend_agg.get_hinting_flag()
            key = (s, fname, size, self.dpi, flags)
            items = self._layouts.get(key)
            if items is None:
                font = font or self._prepare_font(prop)
                items = [(i.ft_object, i.glyph_index, i.x, i.y) for i in font._layout(s, flags=flags)]
                if len(self._layouts) > self._MAX:
                    self._layouts.clear()
                self._layouts[key] = items
            for ft, glyph, dx, dy in items:
                self._draw_glyph(gc, ft, size, glyph, flags, x + dx, self.height - y + dy)
        except (AttributeError, TypeError):      # another matplotlib: its own path
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)

    def _draw_text_glyphs_and_boxes(self, gc, x, y, angle, glyphs, boxes):
        # mathtext's path (matplotlib >= 3.11): upright glyphs from the cache, the rest as matplotlib does
        glyphs = list(glyphs)
        if angle or not gc.get_antialiased() or any(slant or extend != 1 for _, _, _, slant, extend, _, _ in glyphs):
            return super()._draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs, boxes)
        flags = backend_agg.get_hinting_flag()
        for font, size, glyph, _, _, dx, dy in glyphs:
            self._draw_glyph(gc, font, size, glyph, flags, x + dx, self.height - y + dy)
        if boxes:
            super()._draw_text_glyphs_and_boxes(gc, x, y, angle, [], boxes)

    def _draw_glyph(self, gc, ft, size, glyph, flags, gx, gy_up):
        ix, iy = math.floor(gx), math.floor(gy_up)
        qx, qy = round((gx - ix) * 4), round((gy_up - iy) * 4)      # quarter pixels
        key = (ft.fname, size, self.dpi, glyph, qx, qy, flags)
        cached = self._glyphs.get(key)
        if cached is None:
            ft.set_size(size, self.dpi)
            ft._set_transform(np.array([[0x10000, 0], [0, 0x10000]]), [16 * qx, 16 * qy])
            bitmap = ft._render_glyph(glyph, flags, backend_agg.RenderMode.NORMAL)
            cached = (np.array(bitmap.buffer), bitmap.left, bitmap.top)
            if len(self._glyphs) > self._MAX:
                self._glyphs.clear()
            self._glyphs[key] = cached
        buffer, left, top = cached
        if buffer.size:
            self._renderer.draw_text_image(buffer, ix + left, int(self.height) - (iy + top) + buffer.shape[0], 0, gc)


class _Canvas(FigureCanvasAgg):
    """An Agg canvas whose renderer caches text layouts and glyphs (see _GlyphCachingRenderer)."""

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = _GlyphCachingRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


class ShowsWidget:
    """A view that displays as its `.widget` (an ipywidgets box) when it ends a notebook cell."""

    def _ipython_display_(self):
        display(self.widget)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


class FigureView:
    """A Figure shown as an ipywidgets.Image; call `redraw()` after changing its artists.

    The figure gets its own Agg canvas once, so the renderer and its text-layout cache survive between
    redraws, and the PNG is encoded with light compression (`compress_level`, 0-9, zlib): both matter
    for live animation. `redraw(dynamic=artists, key=k)` goes further: everything except `dynamic` is
    drawn once and cached as a background while `key` stays equal (make it hold whatever the
    background depends on, e.g. the axes limits); later redraws only paste the background and draw
    the dynamic artists (lines, images) on top.
    """

    def __init__(self, fig, compress_level: int = 1, backgrounds: int = 8, freeze_layout: bool = True):
        self.fig = fig
        self.canvas = _Canvas(fig)
        self.compress_level = compress_level
        self._backgrounds = {}          # key -> cached background, the most recently used last
        self._max_backgrounds = max(1, backgrounds)
        self.full_redraws = 0   # how many redraws had to draw the whole figure (for tests/benchmarks)
        self.skipped = 0        # redraws that gave the same pixels as the last one (not sent again)
        self._rows = {}         # the PNG encoder's row buffer, kept between frames
        self._lock = threading.RLock()
        self.image = FramePane(format="png", layout=W.Layout(width=f"{int(fig.get_figwidth() * fig.dpi)}px"))
        self._tracked = None    # see track()
        self._page_connected = False    # a page said it listens for frames sent ahead
        self._sent = OrderedDict()      # frame key -> PNG rendered ahead and sent to the page
        self._moves_others = set()      # ids of tracked controls whose change moved other controls
        self._capturing = False
        self._captured = None
        self._moved_on = False          # see progress()
        self._progress_count = 0
        self._restarts = False
        self._lead_count = 0            # of the frames to render ahead, those of the slider moved last
        self._training = None
        self._restore = None
        self._prefetch_round = 0
        self.prefetched = 0     # frames rendered ahead of time and sent to the page (for tests/benchmarks)
        self.answered_from_cache = 0    # changes whose picture had been sent ahead (not drawn again)
        self._stepper = None    # see steps_ahead()
        self._next = None       # the next Step's state and picture, prepared while the kernel was idle
        self._progress_seen = False
        self._publishes = 0     # pictures published so far (a prepared Step is valid only from the same one)
        self.steps_prepared = 0     # Steps / Play ticks trained and drawn ahead (for tests/benchmarks)
        self.steps_answered = 0     # Steps / Play ticks that showed the prepared one
        try:
            asyncio.get_running_loop()
            self._in_kernel = True      # a kernel: prefetch between its messages
        except RuntimeError:
            self._in_kernel = False     # a script or a test: prefetch_now() only
        self.image._on_ready.append(self._page_ready)
        # the layout engine (constrained layout) is the costliest part of a full redraw: it is solved
        # for the first picture the owner draws (its real titles and labels) and then kept
        self._freeze_pending = False
        self.redraw()
        engine = fig.get_layout_engine()
        self._freeze_pending = freeze_layout and engine is not None and not isinstance(engine, PlaceHolderLayoutEngine)

    def redraw(self, dynamic=(), key=None) -> None:
        """Render the figure and publish it as PNG (see the class docstring for `dynamic` and `key`).

        Backgrounds are cached per `key` (the `backgrounds` most recently used ones), so a control
        moved back and forth between a few settings redraws the whole figure once per setting.
        Thread-safe: two callbacks running at once (kernel subshells) do not draw over each other."""
        with self._lock:
            self._redraw([a for a in dynamic if a is not None], key)

    def _redraw(self, dynamic, key, png: bytes | None = None) -> None:
        frame = self.frame_key() if self._tracked is not None else ""
        if frame and self._moved_on and not self._capturing:
            # a training frame after a restart: not the picture the controls decide, so under a key of its
            # own ("<key>~n"), which the page shows but never takes for the frame of `frame`
            self._moved_on = False
            self._progress_count += 1
            frame = f"{frame}~{self._progress_count}"
        elif frame and not self._capturing and frame in self._sent and not self._freeze_pending:
            # the page was sent this picture ahead of time (and showed it when the control moved):
            # publish the same bytes, without drawing, so `image.value` stays the current picture. Only
            # a frame rendered ahead counts: it ran the whole change, while a picture the kernel drew
            # may be a step on the way (a restart redraws, then trains a frame and redraws again)
            self._sent.move_to_end(frame)
            self.answered_from_cache += 1
            self._publish(self._sent[frame], frame)
            return
        if png is None:     # (else the picture of a Step prepared ahead, see steps_ahead)
            self._draw(dynamic, key)
            png = self.png()
        if self._capturing:
            self._captured = png
            return
        if frame:       # drawn here: the page will not reuse it (it may be a step on the way)
            self._sent.pop(frame, None)
        self._publish(png, frame)

    def _publish(self, png: bytes, frame: str) -> None:
        with self.image.hold_sync():
            self.image.key = frame
            if png == self.image.value:
                self.skipped += 1       # the same picture: do not send it again
            else:
                self.image.value = png
        self._publishes += 1
        self._schedule_prefetch()

    def _remember(self, frame: str, png: bytes) -> None:
        self._sent[frame] = png
        self._sent.move_to_end(frame)
        while len(self._sent) > self.image.max_frames:
            self._sent.popitem(last=False)

    def _draw(self, dynamic, key) -> None:
        drawn = False
        if self._freeze_pending:
            self.canvas.draw()          # everything visible: the layout leaves room for every title
            self.fig.set_layout_engine("none")
            self._freeze_pending, drawn = False, True
        # the dynamic artists are drawn over the background in their z-order, as a full draw would; the
        # frames (spines) of their axes go with them, or an image drawn over the background would
        # cover its frame, which a full draw puts on top of it
        frames = [sp for ax in {id(a.axes): a.axes for a in dynamic if a.axes is not None}.values()
                  if ax.axison for sp in ax.spines.values()]
        dynamic = sorted(dynamic + frames, key=lambda a: a.get_zorder())
        if not dynamic or key is None:
            self._backgrounds.clear()
            if not drawn:
                self.canvas.draw()
            self.full_redraws += 1
        elif key not in self._backgrounds:
            shown = [a.get_visible() for a in dynamic]
            # an Axes places its (visible) title while it draws; a hidden one it moves out of the way:
            # keep every dynamic text where the last full draw put it
            placed = [(a, a.get_position()) for a in dynamic if isinstance(a, Text)]
            try:
                for a in dynamic:
                    a.set_visible(False)
                self.canvas.draw()
                self.full_redraws += 1
                self._backgrounds[key] = self.canvas.copy_from_bbox(self.fig.bbox)
                while len(self._backgrounds) > self._max_backgrounds:
                    del self._backgrounds[next(iter(self._backgrounds))]
            finally:   # whatever happens, do not leave the dynamic artists hidden
                for a, visible in zip(dynamic, shown):
                    a.set_visible(visible)
                for a, xy in placed:
                    a.set_position(xy)
            self._draw_dynamic(dynamic)
        else:
            self._backgrounds[key] = self._backgrounds.pop(key)     # most recently used
            self.canvas.restore_region(self._backgrounds[key])
            self._draw_dynamic(dynamic)

    # -- pictures answered in the page (frames.py) ------------------------------------------------------

    def track(self, owner, controls, render, depth: int = 2, restore=None, training=None,
              restarts: bool = False) -> None:
        """Let the page answer `controls` (sliders, buttons, dropdowns) by itself: each published picture
        is keyed by the controls' values, and while the kernel is idle the pictures one to three steps
        away on the slider moved last, one and two on the others, are rendered by calling `render()`
        (the owner's redraw, which reads the controls and calls this FigureView's `redraw`) with the
        controls set to those values without the page seeing it, and sent to the page ahead of time.
        `owner` is the view: its widgets and attributes are put back as they were after each such
        rendering. The owner must call
        `changed()` when anything else than these controls changes the picture. A view whose rendering
        changes objects in place (a graph's values) gives `restore()`, which puts them back for the
        controls' real values (called after the owner's attributes were put back). `render` may also be
        a dict {control: callable}, when a control's change takes another method than a redraw.

        A view that trains (`training`, its TrainingControls) renders ahead only while it does not play,
        and what its Play, Step and Reset do to the network is "something else": they call `changed()`.
        Its tracked controls must lead to a state that depends only on the controls (a fixed number of
        epochs from seeded weights), so that the frame rendered ahead is the picture the change draws.

        `restarts=True`: every change of a tracked control starts training again from the same seeded
        weights (the playground, the loss race, the digits view), so the frame a change leads to does not
        depend on how far Play has trained meanwhile. Frames then stay valid while it plays and are
        rendered ahead while it plays; the view instead calls `progress()` before each redraw that shows
        training on from that frame (a Play tick, Step, Reset), and `changed()` only if something the
        controls do not decide came to change what a change draws (the playground keeps that from
        happening: its axis limits start afresh at each change)."""
        self._tracked = (owner, list(controls), render, depth)
        self._restore = restore
        self._training = training
        self._restarts = bool(restarts)
        if training is not None and not restarts:
            training.before_user_change.append(self.changed)
            training.play.observe(lambda change: None if change["new"] else self._schedule_prefetch(),
                                  names="playing")
        self._last_values = self._values()
        self._direction = {}
        for c in controls:      # a change waits while a frame is being rendered ahead in another thread
            for name in {"value", synced_trait(c)}:
                handlers = c._trait_notifiers.get(name, {}).get("change", [])
                # (the widget's own @observe methods stay as they are: traitlets resolves them by name)
                handlers[:] = [h if getattr(h, "_frame_locked", False) or isinstance(h, EventHandler)
                               else self._locked_handler(h) for h in handlers]
        self.image.controls = [[c.model_id, synced_trait(c)] for c in controls]
        self.image.key = self.frame_key()

    def _page_ready(self) -> None:
        """A page (re)connected: it holds only the current picture; send it the frames around it."""
        self._page_connected = True
        self._sent.clear()
        self._direction = {}
        self._schedule_prefetch()

    def _locks(self) -> list:
        """The locks a frame rendered ahead holds, always in this order (the owner's TrainingControls
        lock first, as its Play ticks take it before they redraw, then this view's): two threads that
        took them in opposite orders would wait for each other for ever."""
        owner = (self._tracked or self._stepper)[0]
        controls = getattr(owner, "controls", None)
        return ([controls.lock] if isinstance(controls, TrainingControls) else []) + [self._lock]

    def _locked_handler(self, handler):
        def run(change):
            locks = self._locks()
            for lock in locks:
                lock.acquire()
            try:
                return handler(change)
            finally:
                for lock in reversed(locks):
                    lock.release()
        run._frame_locked = True
        return run

    def progress(self) -> None:
        """The next picture shows training on from the state the controls decide (a Play tick, Step or
        Reset of a view tracked with `restarts=True`): it is published under a key of its own, so that
        neither the page nor this view takes it, or the frame sent ahead, for the other."""
        if self._tracked is not None and not self._capturing:
            self._moved_on = True
        self._progress_seen = True      # (what a Step prepared ahead does, see take_step)

    def changed(self) -> None:
        """Something other than the tracked controls changed the picture: frames sent ahead are stale."""
        if self._tracked is None or self._capturing:
            return
        self._prefetch_round += 1
        self._sent.clear()
        self.image.generation += 1

    def _values(self):
        return [getattr(c, synced_trait(c)) for c in self._tracked[1]]

    def frame_key(self) -> str:
        """The key of the picture for the controls' current values (as the page computes it)."""
        return f"{self.image.generation}|" + "|".join(key_part(v) for v in self._values())

    def _candidates(self):
        """The control settings to render ahead, the likeliest first: the slider the student moved last,
        one, two and three steps on in the direction they moved, then one and two steps back; then one step
        either way on every other slider (the one moved most recently first), then two steps; then the
        same for the dropdowns and toggle buttons (the options next to the chosen one)."""
        owner, controls, render, depth = self._tracked
        values = self._values()
        for c, old, new in zip(controls, self._last_values, values):
            if old != new and isinstance(old, (int, float)) and isinstance(new, (int, float)):
                self._direction[id(c)] = (1 if new > old else -1, time.perf_counter())
        self._last_values = values
        order = sorted(controls, key=lambda c: -self._direction.get(id(c), (0, -math.inf))[1])
        out = []
        lead = order[0] if order and id(order[0]) in self._direction else None
        if lead is not None:
            rings = neighbours(lead, depth + 1)
            ahead, back = (0, 1) if self._direction[id(lead)][0] > 0 else (1, 0)
            sides = [[ring[i] for ring in rings if len(ring) == 2] for i in (ahead, back)]
            # a ring with one setting is at an end of the range: it is the one side there is
            sides[0] += [ring[0] for ring in rings if len(ring) == 1]
            out += [(lead, setting) for setting in sides[0] + sides[1][:depth]]
        self._lead_count = len(out)
        rest = [c for c in order if c is not lead]
        rings = {id(c): neighbours(c, depth) for c in rest}
        # the sliders first, which a key steps; then the dropdowns and buttons, which a student clicks
        # less often (their frames would delay the sliders' behind them)
        for group in ([c for c in rest if not _is_list(c)], [c for c in rest if _is_list(c)]):
            for k in range(depth):
                for c in group:
                    ring = rings[id(c)][k] if k < len(rings[id(c)]) else []
                    out.extend((c, setting) for setting in ring)
        return out

    def _schedule_prefetch(self) -> None:
        # only for a page that listens (no work in nbval, nbgrader or a script), on the event loop of the
        # thread that handled the change: ipykernel 7 may hand widget messages to a subshell thread, and
        # the next change then comes on that thread, after the frames rendered ahead of it
        if not self._in_kernel or not self._page_connected:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:        # a thread without an event loop: nothing to schedule on
            return
        self._prefetch_round += 1
        todo = self._prefetch_tasks()
        if not todo:
            return
        round_ = self._prefetch_round

        def step(i=0):
            if round_ != self._prefetch_round:      # a newer picture was published: start from there
                return
            while i < len(todo):
                task = todo[i]
                i += 1
                if task():
                    loop.call_later(0.001, step, i)     # let waiting messages in first
                    return

        loop.call_later(0.005, step)

    def _prefetch_tasks(self) -> list:
        """What the idle kernel does next, in order; each task returns whether it did any work: the frames
        of the controls' neighbours (`track`), the slider moved last first, and the next Step. While Play
        runs, the next tick comes right after the frames of the slider moved last (a student moving it
        again needs them at once; the tick is certain to come), else after all of them."""
        tasks = []
        playing = self._stepper is not None and self._stepper[1].play.playing
        # (a view that trains but does not restart: every tick changes what a change leads to)
        if self._tracked is not None and not self._playing():
            self._lead_count = 0
            tasks = [functools.partial(self._prefetch_if_still, c, setting) for c, setting in self._candidates()]
        if self._stepper is not None:
            tasks.insert(self._lead_count if playing and tasks else len(tasks), self._prepare_step)
        return tasks

    def _prefetch_if_still(self, control, setting) -> bool:
        return not self._playing() and self._prefetch_one(control, setting)

    def _playing(self) -> bool:
        """Play runs and its ticks change what a change leads to (not so for a view that restarts)."""
        return self._training is not None and not self._restarts and self._training.play.playing

    def prefetch_now(self) -> int:
        """Render and send every frame the idle kernel would, and prepare the next Step (for tests and
        benchmarks); returns how many frames were sent to the page."""
        sent = self.prefetched
        for task in self._prefetch_tasks():
            task()
        return self.prefetched - sent

    @contextlib.contextmanager
    def _all_locks(self):
        locks = self._locks()
        for lock in locks:
            lock.acquire()
        try:
            yield
        finally:
            for lock in reversed(locks):
                lock.release()

    @contextlib.contextmanager
    def _off_page(self, owner):
        """Render a picture the page is not shown (yet): the figure's redraw is captured, not published,
        nothing the rendering sets on a widget is sent, and afterwards the owner's widgets and attributes are
        put back as they were (and the owner's `restore()` called)."""
        widgets = [w for w in _walk(owner.widget) if w is not self.image]
        kept = [(w, dict(w._trait_values), w._holding_sync) for w in widgets]
        state = dict(vars(owner))
        try:
            for w in widgets:
                w._holding_sync = True
            self._capturing, self._captured = True, None
            yield kept
        finally:
            self._capturing = False
            for w, values, holding in kept:
                w._trait_values.clear()
                w._trait_values.update(values)
                w._states_to_send.clear()
                w._holding_sync = holding
            vars(owner).clear()
            vars(owner).update(state)
            if self._restore is not None:
                self._restore()

    def _prefetch_one(self, control, setting) -> bool:
        """Render the picture for `control` set to `setting` (trait, value pairs), send it to the page,
        put everything back. False if it was there already or could not be rendered."""
        owner, controls, render, depth = self._tracked
        saved = {name: control._trait_values[name] for name, _ in setting}
        for name, value in setting:
            control._trait_values[name] = value
        try:
            frame = self.frame_key()
        finally:
            control._trait_values.update(saved)
        tag = f"{controls.index(control)}>{frame}"
        if tag in self._sent or (frame in self._sent and id(control) not in self._moves_others):
            return False
        with self._all_locks():     # a change handled meanwhile in another thread waits for this frame
            return self._prefetch_locked(owner, control, setting, render, frame, tag)

    def _prefetch_locked(self, owner, control, setting, render, frame, tag) -> bool:
        after, png = frame, None
        with self._off_page(owner):
            try:
                for name, value in setting:
                    control._trait_values[name] = value
                (render.get(control) if isinstance(render, dict) else render)()
                png = self._captured
                # the rendering may move other controls (a slider's range shrinks and clamps its value):
                # the picture is then also the one for the settings the page will show once told so
                after = self.frame_key()
            except Exception:       # a setting the view refuses is simply not sent ahead
                png = None
        if png is None:
            return False
        # a change that moved other controls as well leads to a state its own key does not name (that
        # key may be another setting's frame): under "<i>><key>" for the page to find when control i
        # moves, and under the key of the settings it ends at (frames.py)
        if after != frame:
            self._moves_others.add(id(control))
        for k in [frame] if id(control) not in self._moves_others else dict.fromkeys([tag, after]):
            self._remember(k, png)
            self.image.send_frame(k, png)
        self.prefetched += 1
        return True

    # -- the next Step, trained and drawn while the kernel is idle ----------------------------------------

    def steps_ahead(self, owner, controls, shared=()) -> None:
        """Let a training view answer Step and Play at once: while the kernel is idle, the next Step is
        trained and drawn on a copy of the view's state (`owner`'s attributes, deep-copied, except its
        widgets, figures and plots and the attributes named in `shared`, which a Step does not change), and
        `controls` (its TrainingControls) then shows that picture and takes that state instead of training
        when the student presses Step or Play ticks. The view is never ahead of its picture: until then
        nothing of the view changed, and anything published meanwhile (a slider, a Reset, a cell's redraw)
        makes the prepared Step stale. A Step that fails or finds nothing to do is not prepared: the
        real Step runs and shows what happens."""
        self._stepper = (owner, controls, frozenset(shared))
        controls.next_step = self

    def _state_token(self) -> tuple:
        """What a prepared Step depends on: the picture it follows, the view's attributes and what the
        shared dicts hold (a student's namespace: a function redefined in a cell makes it stale)."""
        owner, _, shared = self._stepper
        state = vars(owner)
        return (self._publishes, tuple((k, id(v)) for k, v in state.items()),
                tuple(tuple((k, id(v)) for k, v in state[name].items()) for name in sorted(shared)
                      if isinstance(state.get(name), dict)))

    def _prepare_step(self) -> bool:
        """Train and draw the next Step on a copy of the state (see steps_ahead); False if one is ready
        already or it could not be prepared."""
        if self._stepper is None:
            return False
        with self._all_locks():
            if self._next is not None and self._next[0] == self._state_token():
                return False
            self._next = None
            return self._prepare_step_locked()

    def _prepare_step_locked(self) -> bool:
        owner, controls, shared = self._stepper
        token = self._state_token()
        state = dict(vars(owner))
        memo = {id(owner): owner}
        for name, value in state.items():
            if name in shared or _is_picture(value):
                memo[id(value)] = value
        png = None
        with self._off_page(owner) as kept:
            try:
                vars(owner).update(copy.deepcopy(state, memo))
                self._progress_seen = False
                controls._on_step()
                png = self._captured
                after, progress = dict(vars(owner)), self._progress_seen
                changes = [(w, {name: value for name, value in w._trait_values.items()
                                if not name.startswith("_") and (name not in values or value is not values[name])})
                           for w, values, _ in kept]
            except Exception:       # the real Step runs instead (and shows what went wrong)
                png = None
        if png is None:
            return False
        self._next = (token, after, [(w, c) for w, c in changes if c], png, progress)
        self.steps_prepared += 1
        return True

    def take_step(self) -> bool:
        """Show the Step prepared ahead and take its state (TrainingControls calls it at a Step or a Play
        tick, holding its lock); False if there is none for the view's current state."""
        with self._lock:
            prepared, self._next = self._next, None
            if prepared is None or prepared[0] != self._state_token():
                return False
            _, after, changes, png, progress = prepared
            owner = self._stepper[0]
            vars(owner).clear()
            vars(owner).update(after)
            for w, values in changes:
                with w.hold_sync():
                    for name, value in values.items():
                        setattr(w, name, value)
            self.steps_answered += 1
            if progress:
                self.progress()     # as the view's Step did before it redrew
            self._redraw((), None, png=png)
            return True

    def _draw_dynamic(self, dynamic) -> None:
        for a in dynamic:
            self.fig.draw_artist(a)

    def invalidate(self) -> None:
        """Forget the cached backgrounds: the next redraw draws the whole figure."""
        self._backgrounds.clear()

    def png(self) -> bytes:
        """The canvas as it was last drawn, as PNG bytes (RGB if the figure is opaque, else RGBA)."""
        rgba = np.asarray(self.canvas.buffer_rgba())
        channels = 3 if self.fig.get_facecolor()[3] == 1 else 4
        return _encode_png(rgba[:, :, :channels], self.compress_level, self._rows)


def _is_picture(value) -> bool:
    """A widget, figure, artist or plot: what a Step redraws but does not own (not copied by steps_ahead)."""
    if isinstance(value, (list, tuple)):
        return bool(value) and all(_is_picture(v) for v in value)
    return (isinstance(value, (W.Widget, FigureView, TrainingControls, Artist, FigureBase, Colormap))
            or type(value).__module__.startswith("backprop_lib.plots"))


def _is_list(control) -> bool:
    """A dropdown, toggle or radio buttons: a choice that is clicked, not stepped by a key."""
    return isinstance(control, W.widgets.widget_selection._Selection) and not isinstance(control, W.SelectionSlider)


def _walk(widget):
    """`widget` and every widget inside it (the children of boxes, depth first)."""
    yield widget
    for child in getattr(widget, "children", ()):
        if isinstance(child, W.Widget):
            yield from _walk(child)


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def _encode_png(pixels: np.ndarray, level: int = 1, cache: dict | None = None) -> bytes:
    """(h, w, 3 or 4) uint8 -> PNG bytes: unfiltered rows, zlib at `level`. For live views this is
    about twice as fast as Pillow at a similar size; `cache` keeps the row buffer between frames
    (allocating a fresh megabyte per frame costs page faults)."""
    h, w, c = pixels.shape
    rows = None if cache is None else cache.get((h, w, c))
    if rows is None:
        rows = np.zeros((h, 1 + w * c), dtype=np.uint8)   # column 0: filter type 0 (none) per row
        if cache is not None:
            cache.clear()
            cache[(h, w, c)] = rows
    rows[:, 1:].reshape(h, w, c)[...] = pixels
    header = struct.pack(">IIBBBBB", w, h, 8, 2 if c == 3 else 6, 0, 0, 0)
    return b"".join([b"\x89PNG\r\n\x1a\n", _png_chunk(b"IHDR", header),
                     _png_chunk(b"IDAT", zlib.compress(rows, level)), _png_chunk(b"IEND", b"")])


STATUS_COLORS = {"info": "#333", "error": "#b00020", "ok": "#1b5e20"}


def status_html(text: str, kind: str = "info") -> str:
    """The status line under a view's controls: `text` (escaped) in the colour of `kind`
    ("info", "ok" or "error"); an empty text gives an empty line."""
    if not text:
        return ""
    return f"<div style='color:{STATUS_COLORS[kind]};font-size:13px;max-width:900px'>{html.escape(text)}</div>"


def locked(method):
    """Run a view's method holding its controls' lock (see TrainingControls)."""

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with self.controls.lock:
            return method(self, *args, **kwargs)

    return run


def epochs_at_once(epochs: int, budget: float | None, cost_per_epoch: float) -> int:
    """How many of a change's first `epochs` train during the change: all of them without a `budget`,
    else as many as fit in `budget` seconds of the course's reference machine at `cost_per_epoch` (a
    fixed cost model, at least one epoch). A count, not a stopwatch: the picture a change leads to
    depends on the controls only, on any machine, so it can be rendered ahead (widgets/frames.py);
    Play trains the rest."""
    if budget is None:
        return epochs
    return min(epochs, max(1, int(budget / cost_per_epoch)))


def epochs_this_frame(per_frame: int, done: int, catch_up: int | None) -> int:
    """A Play tick's or Step's epochs: `per_frame`, but while a change's first run catches up (to epoch
    `catch_up`, see `epochs_at_once`) no further than that epoch, where Play pauses."""
    if catch_up is None:
        return per_frame
    return max(1, min(per_frame, catch_up - done))


class TrainingControls:
    """The transport shared by the training views: Play / Pause (an ipywidgets.Play whose ticks call
    `on_step`), Step, Reset, an epoch counter, a status line and an Output that shows the callbacks'
    errors in the notebook (`capture(fn)` wraps a callback so).

    `lock` serialises everything that touches the model and the figure. With ipykernel 7 and a
    recent JupyterLab, widget messages can be handled in a kernel *subshell*, i.e. in another thread
    than the cells, so a Play tick may arrive while a slider change (or a cell) is still redrawing.
    A tick that finds the lock taken, or that arrives right after the previous frame finished (ticks
    queued while the kernel was busy), is dropped: a slow frame never builds up a backlog in front
    of slider changes. So is a tick within `hold_after_change` seconds of the student moving a control in
    the page (a change the page sent, not one made from Python): the next move finds the kernel free.
    Other callbacks wait for the lock. The lock is taken *outside* the Output's
    capture: two threads inside one Output's capture at once garble its message routing (JupyterLab
    then stopped delivering Play ticks).
    """

    def __init__(self, on_step, on_reset, interval: int = 200):
        self.play = W.Play(value=0, min=0, max=10**9, step=1, interval=interval, description="Play",
                           show_repeat=False)
        self.step_button = W.Button(description="Step", icon="step-forward", layout=W.Layout(width="90px"))
        self.reset_button = W.Button(description="Reset", icon="undo", layout=W.Layout(width="90px"))
        self.epoch_label = W.HTML()
        self.status = W.HTML()
        self.log = W.Output()
        self.lock = threading.RLock()
        self.before_user_change = []    # called before a Play tick, Step or Reset changes the network
        self.hold_after_change = 0.35   # seconds without Play ticks after the student moved a control
        self._held_until = -np.inf
        self._on_step = on_step
        self.next_step = None   # a FigureView that prepares the next Step ahead (steps_ahead)
        self._min_gap = 0.25 * interval / 1000
        self._last_frame_end = -np.inf
        self._captured_step = self.log.capture()(self._user(on_step))
        self.play.observe(self._tick, names="value")
        self.step_button.on_click(self.capture(lambda b: self._user(on_step)()))
        self.reset_button.on_click(self.capture(lambda b: self._user(on_reset)()))
        self.box = W.HBox([self.play, self.step_button, self.reset_button, self.epoch_label])

    def _user(self, fn):
        def run():
            for hook in self.before_user_change:
                hook()
            # a Step prepared while the kernel was idle (FigureView.steps_ahead): shown at once
            if fn is self._on_step and self.next_step is not None and self.next_step.take_step():
                return None
            return fn()
        return run

    def capture(self, fn):
        """`fn` wrapped to run holding the lock, and so that an exception it raises is shown in the
        log Output, not lost."""
        captured = self.log.capture()(fn)

        @functools.wraps(fn)
        def run(*args, **kwargs):
            with self.lock:
                try:
                    return captured(*args, **kwargs)
                finally:
                    self._hold_if_moved_in_page(args)

        return run

    def _hold_if_moved_in_page(self, args) -> None:
        """After a student moved a control (a change that came from the page), let Play ticks pass only
        after `hold_after_change` seconds: a student who moves the slider again soon finds the kernel free
        instead of behind a training frame."""
        change = args[0] if args else None
        if (isinstance(change, dict) and change.get("name") not in (None, "playing")
                and change.get("name") in getattr(change.get("owner"), "_property_lock", {})):
            self._held_until = time.perf_counter() + self.hold_after_change

    def _tick(self, change) -> None:
        if change["new"] < change["old"]:    # Stop rewinds the counter: that is not a frame
            return
        if time.perf_counter() - self._last_frame_end < self._min_gap:
            return
        if time.perf_counter() < self._held_until:     # the student is moving a control: keep the kernel free
            return
        if not self.lock.acquire(blocking=False):   # a frame or a rebuild is running: skip this tick
            return
        try:
            self._captured_step()
        finally:
            self._last_frame_end = time.perf_counter()
            self.lock.release()

    def stop(self) -> None:
        self.play.playing = False

    def show_epoch(self, epochs: int) -> None:
        self.epoch_label.value = f"<b>epoch {epochs}</b>"

    def show_status(self, text: str, kind: str = "info") -> None:
        self.status.value = status_html(text, kind)


class TrainingViewBase(ShowsWidget):
    """What every view that trains a network live shares: `self.trainer` (a train.Trainer) runs under
    `self.controls` (TrainingControls); `step()` trains one frame unless the run has diverged (the trainer
    decides that), `history` is the run's History. Subclasses set `epochs_per_frame` and define `redraw()`."""

    @property
    def history(self):
        return self.trainer.history

    @locked
    def step(self) -> None:
        """Train one frame (`epochs_per_frame` epochs) and redraw; a diverged run does not train on."""
        if self.history.diverged:
            self.controls.stop()
            return
        self.trainer.run(self.epochs_per_frame)
        self.redraw()


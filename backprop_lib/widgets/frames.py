"""The picture of a view, answered in the page: a frame cache that makes a slider step instant.

A slider's change normally travels to the kernel, which computes, draws and encodes the new picture and
sends it back: on this course's 2-core reference machine that round trip alone (a kernel that does
nothing but send back a ready PNG) costs about 70 ms, more than the 60 ms that feel instant. So the
picture a student is about to ask for is made *before* they ask:

- `FramePane` is the <img> of a view (an ipywidgets.Image, drawn by a few lines of JavaScript through
  anywidget). It knows the view's controls; the page keeps a cache of frames keyed by the controls'
  values, and when a control changes it shows the cached frame for the new values at once, without
  waiting for the kernel.
- `FigureView.track(...)` (base.py) fills that cache: after each picture it publishes, and while the
  kernel has nothing else to do, it renders the pictures one to three steps on along the slider the
  student moved last (in the direction they moved), then one and two steps either way on every tracked
  slider, and sends them to the page. The kernel still handles every change as before (state, status
  line, the image's value); when the page already has the frame, the kernel sends the same bytes back
  without drawing.

A frame's key is the controls' values, each written the same way in Python and JavaScript
(`key_part`), after a generation number that the view bumps whenever something other than a tracked
control changes the picture (`FigureView.changed()`), so a stale frame is never shown. A change that
moves other controls as well (a dropdown that shows its new graph with the backward pass complete, a
range that shrinks and clamps a slider) leads to another state than its key names: its frame goes under
"<i>><key>" (i: the control that moved), which the page looks up first when control i moves, and under
the key of the settings it ends at. The training views
whose every change starts again from seeded weights (the playground, the loss race, the digits) keep
their frames while Play trains: a training frame is published under "<key>~n", which the page shows while
the controls stay at <key> but never takes for the frame a change to <key> leads to.
"""
from __future__ import annotations

import math
import re
import uuid

import anywidget
import ipywidgets as W
import traitlets as T

_ESM = r"""
// pane uid -> what all views of one pane share (global, so that a browser session can inspect it)
const PANES = globalThis.__framePanes = globalThis.__framePanes || new Map();

function part(v) {          // must give the same text as key_part() in frames.py
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return String(v);
    return v.toExponential(8).replace(/e([+-])0*(\d)/, "e$1$2");
  }
  if (v === null || v === undefined) return "null";
  return String(v);
}

function shared(model) {
  const uid = model.get("uid");
  let s = PANES.get(uid);
  if (!s) {
    s = {frames: new Map(), imgs: new Set(), shown: null, url: null, controls: [], hits: 0, misses: 0};
    PANES.set(uid, s);
  }
  return s;
}

function keyNow(model, s) {
  if (!s.controls.length) return null;
  return model.get("generation") + "|" + s.controls.map(([m, t]) => part(m.get(t))).join("|");
}

function show(s, key, url, source) {
  s.shown = key; s.url = url; s.shownFrom = source;
  for (const img of s.imgs) { img.dataset.frameSource = source; img.src = url; }
}

function remember(model, s, key, url) {
  const old = s.frames.get(key);
  s.frames.delete(key);
  s.frames.set(key, url);
  if (old && old !== url && old !== s.url) URL.revokeObjectURL(old);
  const max = model.get("max_frames");
  while (s.frames.size > max) {
    const [k, u] = s.frames.entries().next().value;
    s.frames.delete(k);
    if (u !== s.url) URL.revokeObjectURL(u);
  }
}

function urlOf(bytes) {
  return URL.createObjectURL(new Blob([bytes], {type: "image/png"}));
}

function fromKernel(model, s) {          // the kernel published the picture of its current state
  const key = model.get("key"), bytes = model.get("value");
  if (!bytes || !bytes.byteLength) return;
  // the page showed the frame sent ahead for this key: the kernel sends the same picture back
  if (key && key === s.shown && s.shownFrom === "page") return;
  const now = keyNow(model, s);
  // "<key>~n": training on from the frame of <key> (a Play tick after a restart), shown while the
  // controls are still at <key>
  const at = key ? key.split("~")[0] : key;
  // the student has moved on and the page has the frame they moved to (or another control's update,
  // which each model applies on its own, is still on its way and the page shows its frame): keep it
  if (at && now !== null && at !== now && s.frames.has(now)) return;
  const old = s.url;
  // not kept for later: the picture of a key the kernel drew may be a state the key does not decide
  // (the start of a run, a restart on the way); only frames rendered ahead are reused
  show(s, key || null, urlOf(bytes), "kernel");
  if (old && !Array.from(s.frames.values()).includes(old)) URL.revokeObjectURL(old);
}

function onControl(model, s, i) {        // tracked control i moved in the page
  // "<i>><key>": what moving control i to <key> leads to, where that change moves other controls too (a
  // dropdown that shows its new graph complete): not the picture of the state <key> names
  const key = keyNow(model, s), url = s.frames.get(i + ">" + key) ?? s.frames.get(key);
  if (url !== undefined) {
    s.hits += 1;
    if (key !== s.shown) show(s, key, url, "page");
  } else {
    s.misses += 1;                       // the kernel's answer will show it
  }
}

async function connect(model, s) {
  const refs = model.get("controls") || [];
  const found = await Promise.all(refs.map(async ([id, trait]) => [await model.widget_manager.get_model(id), trait]));
  s.controls = found;
  found.forEach(([m, trait], i) => m.on("change:" + trait, () => onControl(model, s, i)));
}

export default {
  initialize({ model }) {
    const s = shared(model);
    model.on("msg:custom", (msg, buffers) => {
      if (msg.kind !== "frame" || !buffers || !buffers.length) return;
      const url = urlOf(buffers[0]);
      const pre = new Image();           // decode now, so showing it later is only a paint
      pre.src = url;
      pre.decode().catch(() => {});
      remember(model, s, msg.key, url);
      if (msg.key === keyNow(model, s) && msg.key !== s.shown) show(s, msg.key, url, "page");
    });
    model.on("change:value", () => fromKernel(model, s));
    model.on("change:generation", () => {
      for (const [k, u] of s.frames) if (u !== s.url) URL.revokeObjectURL(u);
      s.frames.clear();
    });
    model.on("change:controls", () => connect(model, s));
    connect(model, s).then(() => model.send({kind: "ready"}));   // the kernel may now send frames ahead
  },
  render({ model, el }) {
    const s = shared(model);
    const img = document.createElement("img");
    img.style.display = "block";
    img.style.maxWidth = "100%";
    img.alt = model.get("alt") || "";
    if (!s.url) {
      const bytes = model.get("value");
      if (bytes && bytes.byteLength) { s.url = urlOf(bytes); s.shown = model.get("key") || null; }
    }
    if (s.url) img.src = s.url;
    s.imgs.add(img);
    el.appendChild(img);
    el.dataset.framePane = model.get("uid");
    return () => { s.imgs.delete(img); };
  },
};
"""


class FramePane(anywidget.AnyWidget, W.Image):
    """The <img> of a FigureView: an ipywidgets.Image (`value` holds the PNG the kernel last published)
    whose page side also keeps a cache of frames keyed by the tracked controls' values (see the module
    docstring). Untracked (no `controls`), it behaves like a plain Image."""

    _esm = _ESM
    uid = T.Unicode().tag(sync=True)
    key = T.Unicode("").tag(sync=True)
    generation = T.Int(0).tag(sync=True)
    controls = T.List(T.List()).tag(sync=True)     # [[model_id, synced trait], ...]
    max_frames = T.Int(64).tag(sync=True)
    alt = T.Unicode("").tag(sync=True)

    def __init__(self, **kwargs):
        kwargs.setdefault("uid", uuid.uuid4().hex)
        super().__init__(**kwargs)
        self._on_ready = []       # called when a page has connected to the controls (a page was opened)
        self.on_msg(self._on_page_msg)

    def _on_page_msg(self, widget, content, buffers) -> None:
        if isinstance(content, dict) and content.get("kind") == "ready":
            for callback in list(self._on_ready):
                callback()

    def send_frame(self, key: str, png: bytes) -> None:
        """Give the page the picture for `key` ahead of time."""
        self.send({"kind": "frame", "key": key}, buffers=[png])


def synced_trait(control) -> str:
    """The trait a control syncs with the page for its position: `index` for the selection widgets
    (their `value` is a Python object the page does not see), else `value`."""
    return "index" if isinstance(control, W.widgets.widget_selection._Selection) else "value"


_EXPONENT = re.compile(r"e([+-])0*(\d)")


def key_part(value) -> str:
    """A control's value as the page writes it: booleans true/false, every number as 9 significant
    digits in exponent form (JavaScript's toExponential(8)), so 1, 1.0 and 0.1+0.2 vs 0.3 agree."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        v = float(value)
        if not math.isfinite(v):
            return {math.inf: "Infinity", -math.inf: "-Infinity"}.get(v, "NaN")
        return _EXPONENT.sub(r"e\1\2", f"{v:.8e}")
    if value is None:
        return "null"
    return str(value)


def neighbours(control, depth: int = 2) -> list[list]:
    """The values one, two, ... `depth` steps away on each side of a slider's current value, as
    [[+1 step, -1 step], [+2, -2], ...] (a side that leaves the range is left out). Each is a list of
    (trait, value) pairs to set: a selection slider moves its index, value and label together. A
    dropdown (or toggle/radio buttons) has the options next to the chosen one, the way its list reads
    (a short list is then covered whole). Buttons and checkboxes have none."""
    out = []
    if getattr(control, "disabled", False):
        return out
    if isinstance(control, W.widgets.widget_selection._Selection) and control.index is not None:
        opts = list(control._options_labels)
        for k in range(1, depth + 1):
            ring = []
            for i in (control.index + k, control.index - k):
                if 0 <= i < len(opts):
                    ring.append([("index", i), ("value", control._options_values[i]), ("label", opts[i])])
            out.append(ring)
        return out
    if isinstance(control, W.FloatLogSlider):
        base = control.base
        e0 = math.log(control.value, base) if control.value > 0 else control.min
        for k in range(1, depth + 1):
            ring = []
            for e in (e0 + k * control.step, e0 - k * control.step):
                # the page's slider lands on its grid (min + whole steps): from 10^0.477 (3.0), one
                # step right is 10^0.6, not 10^0.577
                e = control.min + round((e - control.min) / control.step) * control.step
                if control.min - 1e-9 <= e <= control.max + 1e-9 and abs(e - e0) > 1e-9:
                    ring.append([("value", float(base ** e))])
            out.append(ring)
        return out
    if isinstance(control, (W.IntSlider, W.FloatSlider)):
        step = control.step
        if not step:
            return []
        for k in range(1, depth + 1):
            ring = []
            for v in (control.value + k * step, control.value - k * step):
                if control.min - 1e-12 <= v <= control.max + 1e-12:
                    v = min(max(v, control.min), control.max)
                    if isinstance(control, W.FloatSlider):
                        v = float(f"{v:.12g}")      # 0.1 + 0.2 -> 0.3, as the slider shows it
                    ring.append([("value", v)])
            out.append(ring)
        return out
    return []

"""Key-to-pixel latency of every slider of every chapter, measured in the page, in a real JupyterLab +
headless Chromium (the same private server and browser as tests/e2e).

    .venv/bin/python benchmarks/bench_latency_browser.py                 # all chapters, 5 presses/slider
    .venv/bin/python benchmarks/bench_latency_browser.py --chapters 03 07 --presses 9
    .venv/bin/python benchmarks/bench_latency_browser.py --no-write      # print only

For each chapter: open it with a fresh kernel, Run All, wait until the kernel is idle; then for every
enabled slider, `--presses` key presses alternating ArrowRight / ArrowLeft (ArrowLeft first if the
slider sits at its maximum), each after the previous one has landed (every message it sent has its
kernel `idle`, every image change decoded, 120 ms quiet). The time of a press is taken in the page
(tests/e2e/latency.py: performance.now() at the keydown, WebSocket frames hooked, a MutationObserver on
the <img> elements, img.decode(), the next animation frame) from the key press to the first animation
frame after the changed image was decoded. A press after which no image's pixels changed is silent;
a slider whose presses are all silent is a silent slider (the run fails).

Writes benchmarks/results/latency-browser.md (+ .json with every press): per chapter and per slider n,
p50, p90, max and the medians of the breakdown (kernel vs frontend), overall p50/p90/max against the
targets of issue 13 (p50 <= 60 ms, p90 <= 100 ms), the machine, the load average. A section headed
"## Findings" and everything after it in an existing results file is kept (hand-written diagnosis).
Not part of the pytest suite; the machine has 2 cores shared with other jobs (see the load average).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from _machine import cpu_model  # noqa: E402

import conftest as e2e  # noqa: E402  (tests/e2e/conftest.py: LabServer, Chromium)
import latency  # noqa: E402
import test_browser as tb  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
MD = RESULTS / "latency-browser.md"
JSON = RESULTS / "latency-browser.json"
TARGET_P50, TARGET_P90 = 60.0, 100.0
FINDINGS = "## Findings"

VIEW_RE = re.compile(r"\b([A-Z][A-Za-z]*(?:View|Explorer|Stepper)|Playground)\(")

SLIDER_INFO_JS = """
(s) => {
  const cell = s.closest('.jp-Cell');
  const cells = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')];
  const i = cells.indexOf(cell);
  const app = window.jupyterapp;
  const panel = app && Array.from(app.shell.widgets('main')).find(x => x.sessionContext && x.content && x.content.model);
  const m = panel && i >= 0 ? panel.content.model.cells.get(i) : null;
  const label = s.querySelector('.widget-label');
  return {cell: i, source: m ? m.sharedModel.getSource() : '', label: label ? label.textContent.trim() : '',
          disabled: !!s.querySelector('.noUi-target[disabled], .noUi-handle[disabled]')};
}
"""


class LoadSampler(threading.Thread):
    """The 1-minute load average every 5 s while the benchmark runs."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.is_set():
            self.samples.append(os.getloadavg()[0])
            self.stop_event.wait(5)


def widget_name(source: str) -> str:
    m = VIEW_RE.search(source)
    if m:
        return m.group(1)
    first = next((ln for ln in source.splitlines() if ln.strip() and not ln.startswith("#")), "")
    return first.strip()[:40] or "?"


def run_all(page, n_code: int, log: list[str]) -> dict:
    """Run > Run All Cells (the command) and wait until every cell ran and the kernel is idle."""
    ready = tb.wait_until(lambda: (tb.dismiss_dialogs(page, log), tb.kernel_idle(page))[1], tb.OPEN_TIMEOUT)
    if not ready:
        raise RuntimeError("the kernel never became idle after opening")
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    tb.wait_until(lambda: (page.evaluate(tb.RUN_STATE_JS) or {}).get("executed"), 20)
    state = tb.wait_for_run(page, n_code, tb.RUN_TIMEOUT, log)
    if not (state and state["status"] == "idle" and state["running"] == 0):
        raise RuntimeError(f"Run All did not finish: {state}")
    tb.wait_until(lambda: not page.get_by_text("Loading widget...").count(), 15)
    return state


PATTERN = {"name": "alternate", "gap_ms": 20}     # set from --pattern / --gap-ms


def measure_slider(page, slider, presses: int, timeout_s: float) -> tuple[list[dict], str]:
    """`presses` key presses on one slider; returns their analyses and the first key used."""
    handle = slider.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    info = slider.evaluate(SLIDER_INFO_JS)
    key, first_key, out, flipped = "ArrowRight", None, [], False
    while len(out) < presses:
        tb.wait_until(lambda: tb.kernel_idle(page), 30, 0.05)
        latency.arm(page, info["cell"])
        handle.press(key)
        a = latency.analyse(latency.collect(page, timeout_ms=timeout_s * 1000, quiet_ms=120))
        if a["status"] == "no message sent" and not out and not flipped:
            key, flipped = ("ArrowLeft" if key == "ArrowRight" else "ArrowRight"), True   # at its maximum
            continue
        if a["status"] == "no message sent" and PATTERN["name"] == "forward" and out:
            key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"    # the end of the range: turn
            continue
        first_key = first_key or key
        a["key"] = key
        out.append(a)
        if PATTERN["name"] == "alternate":
            key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
        page.wait_for_timeout(PATTERN["gap_ms"])
    return out, first_key


def measure_chapter(lab, server, nb: Path, presses: int, timeout_s: float, rel: str | None = None) -> dict:
    """Open `nb` (served at `rel`, default chapters/NAME) with a fresh kernel, Run All, press every slider."""
    log: list[str] = []
    t0 = time.monotonic()
    result = {"chapter": nb.stem, "sliders": [], "log": log, "load_start": os.getloadavg()[0]}
    if rel is None:
        server.copy_chapters()
        rel = f"chapters/{nb.name}"
    page = lab.open(rel, f"latency-{nb.stem}", log)
    try:
        page.wait_for_selector(".jp-NotebookPanel", timeout=tb.OPEN_TIMEOUT * 1000)
        state = run_all(page, tb._code_cell_count(nb), log)
        result["run_all_s"] = round(time.monotonic() - t0, 1)
        problems = page.evaluate(tb.PROBLEMS_JS)
        if problems["errors"] or state["executed"] < state["n"]:
            result["error"] = f"Run All: {problems['errors'][:3]} ({state['executed']} of {state['n']} cells ran)"
        if latency.start(page) is None:
            raise RuntimeError("the page has no latency instrumentation (window.__lat)")
        sliders = page.locator(tb.SLIDER)
        # JupyterLab's default windowing renders cells lazily, when the page is idle: wait until the
        # number of sliders stops growing (a busy machine may take seconds; counting at once has found
        # none in a chapter that has seven)
        counts, t_wait = [], time.monotonic()
        while time.monotonic() - t_wait < 12 and not (len(counts) >= 4 and counts[-1] and len(set(counts[-4:])) == 1):
            counts.append(sliders.count())
            page.wait_for_timeout(250)
        for i in range(sliders.count()):
            s = sliders.nth(i)
            info = s.evaluate(SLIDER_INFO_JS)
            entry = {"index": i, "cell": info["cell"], "widget": widget_name(info["source"]),
                     "slider": info["label"] or f"slider #{i + 1}"}
            if not s.is_visible():
                entry["skipped"] = "not visible"
            elif info["disabled"]:
                entry["skipped"] = "disabled"
            else:
                entry["presses"], entry["first_key"] = measure_slider(page, s, presses, timeout_s)
                entry["summary"] = latency.summarise(entry["presses"])
            result["sliders"].append(entry)
            st = entry.get("summary") or {}
            print(f"  {nb.stem} cell {entry['cell']:>3} {entry['widget']:<24} {entry['slider'][:28]:<28} "
                  + (f"p50 {st.get('p50')} p90 {st.get('p90')} max {st.get('max')} silent {st.get('silent')}"
                     if st else entry.get("skipped", "")), flush=True)
        cells = sorted({e["cell"] for e in result["sliders"] if e.get("presses")})
        result["pngs"] = [dict(g, chapter=nb.stem, widget=next(e["widget"] for e in result["sliders"]
                                                                 if e["cell"] == g["cell"]))
                          for g in page.evaluate(latency.GRAB_JS, [latency.PANEL, cells])]
        best = {}
        for g in result["pngs"]:               # one image per widget: its largest
            if g["widget"] not in best or g["bytes"] > best[g["widget"]]["bytes"]:
                best[g["widget"]] = g
        if best:   # the same decode timings as in the blank page, in this page (a whole notebook's DOM)
            res = page.evaluate(latency.DECODE_BENCH_JS, [[{"name": w, "b64": g["b64"], "mime": "image/png"}
                                                           for w, g in best.items()], 5])
            result["decode_in_lab"] = [dict(r, px=f"{best[r['name']]['w']}x{best[r['name']]['h']}") for r in res]
        after = page.evaluate(tb.PROBLEMS_JS)
        new = [e for e in after["errors"] if e not in problems["errors"]]
        if new:
            result["errors_after"] = new[:5]
    except Exception as exc:          # one broken chapter must not lose the others' numbers
        result["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
        lab.discard()
    finally:
        server.fresh_kernels()
    result["seconds"] = round(time.monotonic() - t0, 1)
    result["load_end"] = os.getloadavg()[0]
    return result


# --floor: the same figure sent five ways by a kernel that does nothing but assign precomputed bytes, so
# the key-to-pixel time is the floor of this stack (page, JupyterLab, server, ZMQ, ipywidgets) for each.
FLOOR_SETUP = """%matplotlib inline
import base64, io
import ipywidgets as W
import numpy as np
import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage
from backprop_lib.widgets.base import _encode_png

fig = Figure(figsize=(704 / 72, 288 / 72), dpi=72)
canvas = FigureCanvasAgg(fig)
ax1, ax2 = fig.subplots(1, 2)
xx, yy = np.meshgrid(np.linspace(-2, 2, 100), np.linspace(-2, 2, 100))
frames = []
for k in range(11):
    ax1.clear(); ax2.clear()
    ax1.contourf(xx, yy, np.tanh(xx * (1 + k / 5) + yy ** 2 - 1), levels=20, cmap="RdBu")
    ax2.plot(np.exp(-np.arange(100) / (10 + 5 * k)))
    canvas.draw()
    frames.append(np.asarray(canvas.buffer_rgba())[:, :, :3].copy())

def pil(f, fmt, **kw):
    buf = io.BytesIO(); f.save(buf, fmt, **kw); return buf.getvalue()

png = [_encode_png(f, 1) for f in frames]
data_url = [b"data:image/png;base64," + base64.b64encode(p) for p in png]
palette = [pil(PILImage.fromarray(f).quantize(256, method=PILImage.Quantize.FASTOCTREE), "PNG", compress_level=1)
           for f in frames]
jpeg = [pil(PILImage.fromarray(f), "JPEG", quality=90) for f in frames]

class NoEchoSlider(W.IntSlider):
    value = traitlets.CInt(5).tag(sync=True, echo_update=False)

def view(label, values, fmt, slider=W.IntSlider):
    img = W.Image(value=values[5], format=fmt, layout=W.Layout(width="704px"))
    s = slider(value=5, min=0, max=10, description=label, continuous_update=False,
               style={"description_width": "initial"})
    s.observe(lambda change: setattr(img, "value", values[change["new"]]), names="value")
    return W.VBox([s, img])
"""
FLOOR_CELLS = [
    'view("PNG as FigureView sends it (Blob URL)", png, "png")',
    'view("the same PNG as a data: URL (format=url)", data_url, "url")',
    'view("256-colour palette PNG", palette, "png")',
    'view("JPEG quality 90", jpeg, "jpeg")',
    'view("PNG, slider without echo_update", png, "png", NoEchoSlider)',
]


def floor_notebook(server) -> tuple[Path, str]:
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in [FLOOR_SETUP] + FLOOR_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = server.root / "selftest" / "latency_floor.ipynb"
    path.parent.mkdir(exist_ok=True)
    nbformat.write(nb, path)
    return path, "selftest/latency_floor.ipynb"


def png_variants(b64: str) -> list[dict]:
    """The widget's PNG as sent and re-encoded other ways (for --diagnose): name, mime, base64, size, the
    time to encode it here (this process, not the kernel: an indication of the kernel's cost)."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    from backprop_lib.widgets.base import _encode_png   # what FigureView sends (read, not changed)

    raw = base64.b64decode(b64)
    im = Image.open(io.BytesIO(raw))
    im.load()
    rgb = np.ascontiguousarray(np.asarray(im.convert("RGB")))

    def timed(fn):
        fn()                                   # warm up
        t = time.perf_counter()
        for _ in range(3):
            data = fn()
        return data, (time.perf_counter() - t) / 3 * 1e3

    def pil(img, fmt_, **kw):
        def run():
            buf = io.BytesIO()
            img.save(buf, fmt_, **kw)
            return buf.getvalue()
        return run

    rgb_im = Image.fromarray(rgb)
    todo = [("as sent (FigureView: no filter, zlib 1)", "image/png", lambda: _encode_png(rgb, 1)),
            ("no filter, zlib 6", "image/png", lambda: _encode_png(rgb, 6)),
            ("Pillow PNG (adaptive filters), level 1", "image/png", pil(rgb_im, "PNG", compress_level=1)),
            ("Pillow PNG (adaptive filters), level 6", "image/png", pil(rgb_im, "PNG", compress_level=6)),
            ("256-colour palette PNG, level 1", "image/png",
             lambda: pil(rgb_im.quantize(256, method=Image.Quantize.FASTOCTREE), "PNG", compress_level=1)()),
            ("JPEG quality 90", "image/jpeg", pil(rgb_im, "JPEG", quality=90)),
            ("half the pixels (0.71 x 0.71), as sent", "image/png",
             lambda: _encode_png(np.asarray(rgb_im.resize((int(rgb.shape[1] * 0.71), int(rgb.shape[0] * 0.71)))), 1))]
    out = []
    for name, mime, fn in todo:
        data, ms = timed(fn)
        out.append({"name": name, "mime": mime, "b64": base64.b64encode(data).decode(), "bytes": len(data),
                    "encode_ms": round(ms, 2)})
    return out


def decode_bench(context, chapters: list[dict], diagnose: bool, reps: int) -> list[dict]:
    """Decode/show times in a blank page of the same browser for one image per widget (and, with
    `diagnose`, its re-encoded variants)."""
    seen, items = set(), []
    for c in chapters:
        for g in sorted(c.get("pngs", []), key=lambda g: -g["bytes"]):
            if g["widget"] in seen:
                continue
            seen.add(g["widget"])
            label = f"{c['chapter'][:2]} {g['widget']} {g['w']}x{g['h']}"
            if diagnose:
                for v in png_variants(g["b64"]):
                    items.append(dict(v, image=label, px=f"{g['w']}x{g['h']}"))
            else:
                items.append({"name": "as sent", "mime": "image/png", "b64": g["b64"], "bytes": g["bytes"],
                              "encode_ms": None, "image": label, "px": f"{g['w']}x{g['h']}"})
    if not items:
        return []
    page = context.new_page()
    try:
        page.set_content("<html><body></body></html>")
        res = page.evaluate(latency.DECODE_BENCH_JS,
                            [[{"name": str(k), "b64": it["b64"], "mime": it["mime"]} for k, it in enumerate(items)],
                             reps])
    finally:
        page.close()
    for it, r in zip(items, res):
        it.pop("b64")
        it.update({k: round(r[k], 2) for k in ("show", "decode", "bitmap", "blob_url", "data_url")})
    return items


def fmt(x, unit=""):
    return "-" if x is None else f"{x:g}{unit}"


def machine_line(browser_version: str, protocol: str | None) -> str:
    v = {p: metadata.version(p) for p in ("jupyterlab", "ipywidgets", "jupyterlab_widgets", "ipykernel",
                                           "playwright")}
    return (f"- Machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}; "
            f"Python {platform.python_version()}; Chromium {browser_version} (headless, --disable-gpu); "
            f"JupyterLab {v['jupyterlab']}, ipywidgets {v['ipywidgets']} (jupyterlab_widgets "
            f"{v['jupyterlab_widgets']}), ipykernel {v['ipykernel']}, Playwright {v['playwright']}; "
            f"kernel WebSocket protocol: {protocol or 'legacy'}")


def report(chapters: list[dict], args, meta: dict) -> str:
    all_presses = [p for c in chapters for s in c["sliders"] for p in s.get("presses", [])]
    overall = latency.summarise(all_presses)
    silent_sliders = [(c["chapter"], s) for c in chapters for s in c["sliders"]
                      if s.get("presses") and s["summary"]["n"] == 0]
    partly = [(c["chapter"], s) for c in chapters for s in c["sliders"]
              if s.get("presses") and 0 < s["summary"]["silent"]]
    ok50 = overall["p50"] is not None and overall["p50"] <= TARGET_P50
    ok90 = overall["p90"] is not None and overall["p90"] <= TARGET_P90
    loads = meta["load_samples"]
    md = [
        "# Slider latency in the browser (key press to changed pixels)", "",
        f"- Date: {meta['date']} UTC; command: `{meta['command']}`; wall time {meta['wall_s']:.0f} s",
        machine_line(meta["browser_version"], meta["protocol"])
        + f"; notebook windowingMode: {meta['windowing']}" + (" (JupyterLab's own)" if meta["windowing"] == "default" else ""),
        f"- Load average (1 min) during the run: min {min(loads):.2f}, mean {sum(loads) / len(loads):.2f}, "
        f"max {max(loads):.2f} ({len(loads)} samples, every 5 s); `uptime` before: `{meta['uptime_before']}`; "
        f"after: `{meta['uptime_after']}`. Other jobs share this 2-core machine: a loaded run's times include "
        "waiting for a core.",
        f"- Method: {args.presses} key presses per enabled slider, "
        + ("alternating ArrowRight/ArrowLeft" if args.pattern == "alternate" else
           "all the same key (ArrowRight, turning at the end of the range): a new value every press")
        + f", each {args.gap_ms} ms after the previous one landed; timed in the page (tests/e2e/latency.py) from the keydown event to the first "
        "animation frame after the changed <img> was decoded. Silent = no image's pixels changed.",
        "",
        "## Overall", "",
        f"Over {overall['n']} presses that changed a plot ({overall['presses']} presses, "
        f"{sum(1 for c in chapters for s in c['sliders'] if s.get('presses'))} sliders, "
        f"{len(chapters)} chapters):", "",
        "| measure | value (ms) | target | result |", "|---|---:|---:|---|",
        f"| p50 | {fmt(overall['p50'])} | <= {TARGET_P50:g} | {'PASS' if ok50 else 'MISS'} |",
        f"| p90 | {fmt(overall['p90'])} | <= {TARGET_P90:g} | {'PASS' if ok90 else 'MISS'} |",
        f"| max | {fmt(overall['max'])} | | |", "",
        "Median breakdown over all presses (ms): "
        + ", ".join(f"{k} {fmt(overall[k])}" for k in latency.BREAKDOWN)
        + f"; median PNG {fmt(overall['image_bytes'] and round(overall['image_bytes'] / 1024, 1))} KB.",
        "",
        "- kernel = the slider's comm message leaves the page -> the message with the new PNG arrives "
        "(server, ZMQ, the kernel's callback: compute, draw, PNG encode);",
        "- frontend = keydown -> message sent, + PNG message -> <img> src (widget manager, Blob URL), "
        "+ decode, + wait for the next frame.", "",
        f"Silent sliders (no plot changed on any press): "
        + (", ".join(f"{ch} '{s['slider']}' ({s['widget']})" for ch, s in silent_sliders) or "none") + ".",
        f"Sliders with some silent presses: "
        + (", ".join(f"{ch} '{s['slider']}' ({s['summary']['silent']} of {s['summary']['presses']})"
                     for ch, s in partly if s not in [x for _, x in silent_sliders]) or "none") + ".", "",
        "## Per chapter", "",
        "| chapter | sliders | presses | silent | p50 | p90 | max | kernel (median) | frontend (median) | seconds |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in chapters:
        pr = [p for s in c["sliders"] for p in s.get("presses", [])]
        st = latency.summarise(pr)
        n_sl = sum(1 for s in c["sliders"] if s.get("presses"))
        md.append(f"| {c['chapter']} | {n_sl} | {st['presses']} | {st['silent']} | {fmt(st['p50'])} | "
                  f"{fmt(st['p90'])} | {fmt(st['max'])} | {fmt(st['kernel'])} | {fmt(st['frontend'])} | "
                  f"{c['seconds']} |")
    errs = [(c["chapter"], c.get("error") or c.get("errors_after")) for c in chapters
            if c.get("error") or c.get("errors_after")]
    if errs:
        md += ["", "**Errors:** " + "; ".join(f"{ch}: {e}" for ch, e in errs)]
    md += ["", "## Per slider (ms; medians of the breakdown over the presses that changed a plot)", "",
           "| chapter | cell | widget | slider | n | silent | p50 | p90 | max | key->send | send->busy | "
           "busy->image | image->src | src->decoded | decoded->frame | PNG KB | image px |",
           "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for c in chapters:
        for s in c["sliders"]:
            if "skipped" in s:
                md.append(f"| {c['chapter']} | {s['cell']} | {s['widget']} | {s['slider']} | "
                          f"{s['skipped']} |" + " |" * 12)
                continue
            st = s["summary"]
            px = next((p.get("image_px") for p in s["presses"] if p.get("image_px")), "-")
            kb = st["image_bytes"] and round(st["image_bytes"] / 1024, 1)
            md.append(f"| {c['chapter']} | {s['cell']} | {s['widget']} | {s['slider']} | {st['n']} | "
                      f"{st['silent']} | {fmt(st['p50'])} | {fmt(st['p90'])} | {fmt(st['max'])} | "
                      + " | ".join(fmt(st[k]) for k in latency.BREAKDOWN[:6]) + f" | {fmt(kb)} | {px} |")
    if meta.get("floor"):
        fl = meta["floor"]
        md += ["", "## The floor: one figure sent five ways by a kernel that does nothing (--floor)", "",
               "The same 704x288 figure (a filled contour plot and a curve), precomputed for each slider value; "
               "the kernel's callback only assigns the bytes to an ipywidgets.Image. So the times below are "
               "what this page, JupyterLab, the server, ZMQ and ipywidgets cost before any computing or drawing."
               + (f" Error: {fl['error']}" if fl.get("error") else ""), "",
               "| variant | n | p50 | p90 | max | key->send | send->busy | busy->image | image->src | "
               "src->decoded | decoded->frame | KB |",
               "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for s_ in fl["sliders"]:
            st = s_.get("summary")
            if not st:
                continue
            kb = st["image_bytes"] and round(st["image_bytes"] / 1024, 1)
            md.append(f"| {s_['slider']} | {st['n']} | {fmt(st['p50'])} | {fmt(st['p90'])} | {fmt(st['max'])} | "
                      + " | ".join(fmt(st[k]) for k in latency.BREAKDOWN[:6]) + f" | {fmt(kb)} |")
    if meta.get("decode"):
        md += ["", "## The frontend's share: showing each widget's PNG in a blank page of the same browser", "",
               f"One image per widget as the page showed it at the end (median of {args.decode_reps}): `show` = "
               "what ipywidgets' ImageView does (Blob -> object URL -> src of an <img> in the document) until "
               "img.decode() resolved and the next animation frame began; `decode` = img.decode() of a new "
               "Image alone; `bitmap` = createImageBitmap(blob). `encode` = the time to encode that variant "
               "in this (benchmark) process, an indication of the kernel's cost.", "",
               "| image | variant | KB | encode ms | show ms | show as data: URL ms | decode ms | bitmap ms |",
               "|---|---|---:|---:|---:|---:|---:|---:|"]
        for it in meta["decode"]:
            md.append(f"| {it['image']} | {it['name']} | {it['bytes'] / 1024:.1f} | {fmt(it['encode_ms'])} | "
                      f"{fmt(it['show'])} | {fmt(it['data_url'])} | {fmt(it['decode'])} | {fmt(it['bitmap'])} |")
        inlab = [(c["chapter"], r) for c in chapters for r in c.get("decode_in_lab", [])]
        if inlab:
            md += ["", "The same in the chapter's JupyterLab page (the <img> inside the notebook panel, median of 5):",
                   "", "| chapter | widget | image px | KB | show ms | show as data: URL ms | decode ms | bitmap ms |",
                   "|---|---|---|---:|---:|---:|---:|---:|"]
            for ch, r in inlab:
                md.append(f"| {ch[:2]} | {r['name']} | {r['px']} | {r['bytes'] / 1024:.1f} | {r['show']:.1f} | "
                          f"{r['data_url']:.1f} | {r['decode']:.1f} | {r['bitmap']:.1f} |")
        shown = [(c["chapter"], g) for c in chapters for g in c.get("pngs", [])]
        if shown:
            md += ["", "Image size vs the size the page shows it (devicePixelRatio "
                   f"{shown[0][1]['dpr']:g}): " + "; ".join(
                       f"{ch[:2]} {g['widget']} {g['w']}x{g['h']} shown {g['shown_w']}x{g['shown_h']}"
                       for ch, g in shown) + "."]
    return "\n".join(md) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chapters", nargs="*", help="chapter numbers or name prefixes, e.g. 03 07 (default: all)")
    ap.add_argument("--presses", type=int, default=5, help="key presses per slider (default 5)")
    ap.add_argument("--timeout", type=float, default=20, help="seconds a press may take (default 20)")
    ap.add_argument("--pattern", default="alternate", choices=["alternate", "forward"],
                    help="alternate: ArrowRight, ArrowLeft, ... (back and forth over one step); forward: the "
                         "same key every time (a new value each press, turning at the end of the range)")
    ap.add_argument("--gap-ms", type=int, default=20,
                    help="wait after a press landed before the next one (default 20 ms)")
    ap.add_argument("--no-write", action="store_true", help="print only; keep benchmarks/results as it is")
    ap.add_argument("--diagnose", action="store_true",
                    help="also decode each widget's image re-encoded other ways (PNG levels/filters, palette, "
                         "JPEG, fewer pixels): about a minute more")
    ap.add_argument("--floor", type=int, nargs="?", const=11, default=0, metavar="PRESSES",
                    help="also time one figure sent five ways (Blob URL PNG, data: URL, palette PNG, JPEG, no "
                         "echo) by a kernel that only assigns precomputed bytes: the floor of the stack "
                         "(default 11 presses each; about a minute)")
    ap.add_argument("--windowing", default="default", choices=["default", "none", "contentVisibility", "full"],
                    help="JupyterLab's notebook windowingMode: 'default' = what a student's JupyterLab uses "
                         "(default); the browser test uses 'none' (every cell rendered)")
    ap.add_argument("--decode-reps", type=int, default=9, help="repetitions of each decode timing (default 9)")
    args = ap.parse_args(argv)
    PATTERN.update(name=args.pattern, gap_ms=args.gap_ms)

    notebooks = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
    if args.chapters:
        notebooks = [nb for nb in notebooks if any(nb.stem.startswith(c) for c in args.chapters)]
    if not notebooks:
        print("no chapter matches", args.chapters)
        return 2
    chromium = e2e.find_chromium()
    if chromium is None:
        print("chromium is not installed (apt-get install -y chromium)")
        return 2
    from playwright.sync_api import sync_playwright

    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))    # so that `finally` stops the server
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    sampler = LoadSampler()
    sampler.start()
    t0 = time.monotonic()
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    chapters = []
    with tempfile.TemporaryDirectory(prefix="latency-lab-") as tmp:
        if args.windowing != "none":
            # the notebook's windowing as a student's JupyterLab has it (the browser test renders every cell)
            e2e.LAB_SETTINGS = {k: v for k, v in e2e.LAB_SETTINGS.items() if "notebook-extension" not in k}
            if args.windowing != "default":
                e2e.LAB_SETTINGS["@jupyterlab/notebook-extension/tracker.jupyterlab-settings"] = {
                    "windowingMode": args.windowing}
        server = e2e.LabServer(Path(tmp))
        server.copy_chapters()
        server.start()
        try:
            with sync_playwright() as p:
                b = p.chromium.launch(executable_path=chromium, headless=True, args=e2e.CHROMIUM_ARGS)
                context = b.new_context(viewport={"width": 1400, "height": 3000})
                context.add_init_script(latency.INIT_JS)      # every page, before JupyterLab loads
                lab = tb.LabPage(context, server)
                for nb in notebooks:
                    print(f"{nb.stem} ...", flush=True)
                    chapters.append(measure_chapter(lab, server, nb, args.presses, args.timeout))
                    c = chapters[-1]
                    print(f"{nb.stem}: {c['seconds']} s" + (f"  ERROR {c['error']}" if c.get("error") else ""),
                          flush=True)
                floor = None
                if args.floor:
                    print("floor: one figure five ways, a kernel that only assigns bytes ...", flush=True)
                    path, rel = floor_notebook(server)
                    floor = measure_chapter(lab, server, path, args.floor, args.timeout, rel=rel)
                    floor.pop("pngs", None)
                protocol = lab.page.evaluate("window.__lat && window.__lat.protocol") if lab.page else None
                version = b.version
                lab.discard()
                print("decoding the widgets' images in a blank page ...", flush=True)
                decode = decode_bench(context, chapters, args.diagnose, args.decode_reps)
                context.close()
                b.close()
        finally:
            server.stop()
    sampler.stop_event.set()
    meta = {"date": date, "wall_s": time.monotonic() - t0, "browser_version": version, "protocol": protocol,
            "uptime_before": uptime_before,
            "uptime_after": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
            "load_samples": sampler.samples or [os.getloadavg()[0]], "decode": decode, "floor": floor,
            "windowing": args.windowing,
            "command": "python benchmarks/bench_latency_browser.py " + " ".join(argv if argv is not None
                                                                              else sys.argv[1:])}
    text = report(chapters, args, meta)
    print("\n" + text)
    for c in chapters:
        for g in c.get("pngs", []):
            g.pop("b64", None)
    data = json.dumps({"meta": meta, "chapters": chapters}, indent=1)
    if args.no_write:
        Path(tempfile.gettempdir(), "latency-browser.json").write_text(data)
    else:
        RESULTS.mkdir(parents=True, exist_ok=True)
        old = MD.read_text() if MD.exists() else ""
        keep = old[old.index(FINDINGS):] if FINDINGS in old else ""
        MD.write_text(text + ("\n" + keep if keep else ""))
        JSON.write_text(data)
        print(f"written to {MD.relative_to(ROOT)} and {JSON.relative_to(ROOT)}")
    silent = any(s.get("presses") and s["summary"]["n"] == 0 for c in chapters for s in c["sliders"])
    return 1 if silent or any(c.get("error") for c in chapters) else 0


if __name__ == "__main__":
    sys.exit(main())

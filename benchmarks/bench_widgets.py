"""Latency of every control of every widget the chapters show, measured inside a Jupyter kernel.

    .venv/bin/python benchmarks/bench_widgets.py                 # all widgets, 8 changes per control
    .venv/bin/python benchmarks/bench_widgets.py --reps 12 --only Playground ConvView
    .venv/bin/python benchmarks/bench_widgets.py --in-process    # no kernel (quicker, no comm messages)
    .venv/bin/python benchmarks/bench_widgets.py --save-pngs /tmp/pngs   # the last PNG of every control

Every widget view is built with the arguments its chapter uses (see WIDGETS). Then every control the
student can use (every slider, dropdown, toggle, button, and a Play tick) is changed the way a student
does it: one keyboard step (a slider's `step`, the next or previous option of a dropdown or toggle),
up and down alternately (the other way at the end of the range), a button click, a Play tick. Each
change is timed from the value assignment to the moment the new PNG is set on the view's Image (all of
it runs synchronously in the kernel: an observer on `Image.value` records the time; if a change sets
the image twice, the last one counts). In a kernel, setting the Image also serialises the PNG into a
comm message, as it does for a student.

Per control: p50 / p90 / max of the wall time, the kernel's CPU time (p50), how many changes gave a new
PNG, and how many changed the view's text (status line, epoch counter). A change that changed neither
is *silent*: the student moves the control and sees nothing. A change that only changed the text is
fine when the text says why the picture stayed (e.g. "press Reset to apply").

Target (issue 13): p90 <= 50 ms for every control, and no silent control. The result goes to
benchmarks/results/widgets.md. Not part of the pytest suite (tests/test_widget_controls.py checks the
no-silent-control rule without timing).
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))
from _machine import cpu_model  # noqa: E402

RESULTS = HERE / "results" / "widgets.md"
TARGET_P90 = 50.0
HISTORY_HEADER = "## All sessions (newest first)"
NOTES = "## Notes"   # this section and everything after it in an existing results file is kept


# -- the widgets, built as the chapters build them -----------------------------------------------------
def _ch01():
    from backprop_lib import datasets
    from backprop_lib.widgets import TrainingView

    X, y = datasets.blobs(n=200, classes=2, noise=0.6, seed=0)
    return TrainingView(X, y, sizes=[2, 1], activation="sigmoid", output="sigmoid", loss="mse", lr=0.5,
                        initial_epochs=100, epochs_per_frame=10, title="one sigmoid neuron")


def _ch03():
    import numpy as np

    from backprop_lib.widgets import DescentExplorer

    rng = np.random.default_rng(1)
    x = rng.uniform(0, 3, size=200)
    y = 2.0 * x - 1.0 + rng.normal(0, 0.5, size=200)
    return DescentExplorer(x, y, lr=0.3, batch_size=200, momentum=0.0, steps=100)


def _ch10():
    import numpy as np

    from backprop_lib.widgets import CurvatureExplorer

    x = np.linspace(-2, 2, 24)
    return CurvatureExplorer(x, 1.5 * np.tanh(x), w=(0.8, 1.2), angle=30.0, lr=0.5)


def _w(name):
    import backprop_lib.widgets as widgets

    return getattr(widgets, name)


# (label, chapter, constructor)
WIDGETS = [
    ("TrainingView", 1, _ch01),
    ("SigmoidExplorer", 2, lambda: _w("SigmoidExplorer")(z=1.0, steepness=1.0)),
    ("DescentExplorer", 3, _ch03),
    ("FiniteDifferenceExplorer", 4, lambda: _w("FiniteDifferenceExplorer")(h=0.3, function="sigmoid at z = 1")),
    ("GraphStepper", 4, lambda: _w("GraphStepper")(example="neuron", step=4)),
    ("Playground (circles, mse)", 5, lambda: _w("Playground")(
        dataset="circles", depth=2, width=8, activation="tanh", lr=3.0, seed=0, loss="mse", initial_epochs=200)),
    ("LossRaceView", 6, lambda: _w("LossRaceView")(scale=3.0, lr=1.0, initial_epochs=100)),
    ("SoftmaxView", 6, lambda: _w("SoftmaxView")(logits=(2.0, 1.0, 0.1), target=1)),
    ("Playground (spirals)", 6, lambda: _w("Playground")(
        dataset="spirals", classes=3, depth=2, width=16, activation="tanh", lr=1.0, seed=0, initial_epochs=300)),
    ("DigitsView", 6, lambda: _w("DigitsView")(hidden=32, lr=0.3, initial_epochs=10)),
    ("Playground (sigmoid, 4 layers)", 7, lambda: _w("Playground")(
        dataset="circles", depth=4, width=8, activation="sigmoid", lr=0.05, seed=0, initial_epochs=200)),
    ("Playground (10 x 32, the deepest)", 7, lambda: _w("Playground")(
        dataset="circles", depth=10, width=32, activation="relu", init="he", lr=0.05, seed=0,
        initial_epochs=200)),
    ("ConvView", 8, lambda: _w("ConvView")(digit=0, kernel="vertical edges (Sobel)", stride=1, padding=1,
                                          hot=(10, 5))),
    ("CNNView", 8, lambda: _w("CNNView")(lr=0.1, digit=0)),
    ("AutodiffView", 9, lambda: _w("AutodiffView")(expression="(x + 1)²", x=2.0)),
    ("CurvatureExplorer", 10, _ch10),
]


def _capstone():
    """Chapter 11's CapstoneView, if the course has it: it trains the student's own functions, so it is
    built the way the chapter builds it, after running the chapter's cells before it (with the
    solutions it ships) in a namespace of their own."""
    chapter = ROOT / "chapters" / "11_capstone.py"
    if not chapter.exists() or not (ROOT / "backprop_lib" / "widgets" / "capstone.py").exists():
        return None
    source = chapter.read_text()
    marker = "view = CapstoneView("
    if marker not in source:
        return None

    def make():
        import contextlib
        import io

        head = source[:source.index(marker)]
        code = "\n".join(line for line in head.splitlines() if not line.lstrip().startswith(("%", "!")))
        ns = {"__name__": "__capstone__"}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(code, str(chapter), "exec"), ns)
        return ns["CapstoneView"](ns, ns["settings"])

    return ("CapstoneView", 11, make)


# -- the controls a student can use ----------------------------------------------------------------------
def controls(view) -> list[tuple[str, object]]:
    """(name, widget) of every control in the view's widget tree, in display order. Names are the
    view's attribute names where there is one, else the widget's description."""
    import ipywidgets as W

    names = {}
    for owner in (view, getattr(view, "controls", None)):
        if owner is None:
            continue
        for k, v in vars(owner).items():
            if isinstance(v, W.Widget) and id(v) not in names:
                names[id(v)] = k
            elif isinstance(v, list):
                for i, item in enumerate(v):
                    if isinstance(item, W.Widget) and id(item) not in names:
                        names[id(item)] = f"{k}[{i}]"
    kinds = (W.IntSlider, W.FloatSlider, W.FloatLogSlider, W.SelectionSlider, W.Dropdown, W.ToggleButtons,
             W.Checkbox, W.ToggleButton, W.Button, W.Play, W.RadioButtons)
    found, seen = [], set()

    def walk(w):
        if id(w) in seen:
            return
        seen.add(id(w))
        if isinstance(w, kinds):
            found.append((names.get(id(w)) or getattr(w, "description", "") or type(w).__name__, w))
        for child in getattr(w, "children", ()):
            walk(child)

    walk(view.widget)
    return found


def texts(view) -> str:
    """Everything the view shows as text (status lines, epoch counters)."""
    import ipywidgets as W

    out, seen = [], set()

    def walk(w):
        if id(w) in seen:
            return
        seen.add(id(w))
        if isinstance(w, (W.HTML, W.Label, W.HTMLMath)):
            out.append(w.value)
        for child in getattr(w, "children", ()):
            walk(child)

    walk(view.widget)
    return "\n".join(out)


def images(view) -> list:
    import ipywidgets as W

    out, seen = [], set()

    def walk(w):
        if id(w) in seen:
            return
        seen.add(id(w))
        if isinstance(w, W.Image):
            out.append(w)
        for child in getattr(w, "children", ()):
            walk(child)

    walk(view.widget)
    return out


def keyboard_value(w, up: bool):
    """The value one keyboard step up (or down) from the control's current value; None at the end."""
    import ipywidgets as W

    if isinstance(w, W.FloatLogSlider):
        e = math.log(w.value, w.base) + (w.step if up else -w.step)
        e = round(e / w.step) * w.step       # the page's slider snaps the exponent to its steps
        if not w.min - 1e-9 <= e <= w.max + 1e-9:
            return None
        return w.base ** e
    if isinstance(w, (W.IntSlider, W.FloatSlider)):
        v = w.value + (w.step if up else -w.step)
        if isinstance(w, W.FloatSlider):
            v = round(v, 10)
        return v if w.min <= v <= w.max else None
    if isinstance(w, (W.SelectionSlider, W.Dropdown, W.ToggleButtons, W.RadioButtons)):
        values = [o[1] if isinstance(o, tuple) else o for o in w.options]
        i = w.index + (1 if up else -1)
        return values[i] if 0 <= i < len(values) else None
    if isinstance(w, (W.Checkbox, W.ToggleButton)):
        return not w.value
    raise TypeError(type(w))


def press(w, up: bool):
    """Change the control once as a student does; returns False if it cannot move (disabled, at the end)."""
    import ipywidgets as W

    if getattr(w, "disabled", False):
        return False
    if isinstance(w, W.Button):
        w.click()
        return True
    if isinstance(w, W.Play):
        w.value += 1
        return True
    v = keyboard_value(w, up)
    if v is None:
        v = keyboard_value(w, not up)
    if v is None:
        return False
    w.value = v
    return True


def prepare(view, name: str, w) -> None:
    """Before a timed button press: give it something to do (untimed), as a student's use would."""
    import ipywidgets as W

    if not isinstance(w, (W.Button, W.Play)):
        return
    c = getattr(view, "controls", None)
    if name == "reset_button" and c is not None:
        c.step_button.click()                       # Reset after some training (or a step of a replay)
    elif name == "prev_button" and getattr(view, "step", None) is not None and view.step.value == 0:
        view.step.value = 1
    elif name == "next_button" and getattr(view, "step", None) is not None and view.step.value == view.step.max:
        view.step.value = view.step.max - 1
    elif name in ("play", "step_button") and type(view).__name__ == "AutodiffView" and view.step.value == view.step.max:
        view.step.value = 0                         # a replay that has something left to step through
    if c is not None and isinstance(w, W.Play):
        c._last_frame_end = -math.inf               # a tick that the pacing would drop is not a tick


AHEAD = {"on": False}    # --ahead: render the frames ahead (FigureView.prefetch_now) before each change


def measure_view(label: str, make, reps: int, save_pngs: str | None = None) -> dict:
    t = time.perf_counter()
    view = make()
    build_ms = 1e3 * (time.perf_counter() - t)
    imgs = images(view)
    stamps = []
    for img in imgs:
        img.observe(lambda change: stamps.append(time.perf_counter()), names="value")
    out = {"label": label, "build_ms": build_ms, "controls": []}
    from backprop_lib.widgets.base import FigureView

    # views that render ahead: frames of their controls' neighbours (track) or the next Step (steps_ahead)
    tracked = [v for v in vars(view).values() if isinstance(v, FigureView)
               and (v._tracked is not None or v._stepper is not None)]
    for fv in tracked:
        fv.image.send_frame = lambda key, png: None     # no page here to keep them
    for name, w in controls(view):
        row = {"name": name, "kind": type(w).__name__, "ms": [], "cpu": [], "png_changed": 0, "text_changed": 0,
               "silent": 0, "no_png": 0, "skipped": "", "silent_examples": []}
        for i in range(reps):
            prepare(view, name, w)
            if AHEAD["on"]:     # what an idle kernel does between a student's presses (untimed)
                for fv in tracked:
                    fv.prefetch_now()
            answered = sum(fv.answered_from_cache + fv.steps_answered for fv in tracked)
            time.sleep(0.01)
            before_png = [img.value for img in imgs]
            before_text = texts(view)
            before_value = getattr(w, "value", None)
            stamps.clear()
            t0, c0 = time.perf_counter(), time.process_time()
            moved = press(w, up=i % 2 == 0)
            t1, c1 = time.perf_counter(), time.process_time()
            if not moved:
                row["skipped"] = "disabled" if getattr(w, "disabled", False) else "cannot move"
                break
            row["ms"].append(1e3 * ((stamps[-1] if stamps else t1) - t0))
            row["from_cache"] = row.get("from_cache", 0) + (sum(fv.answered_from_cache + fv.steps_answered for fv in tracked) > answered)
            row["cpu"].append(1e3 * (c1 - c0))
            png = any(img.value != b for img, b in zip(imgs, before_png))
            txt = texts(view) != before_text
            row["png_changed"] += png
            row["text_changed"] += txt
            row["no_png"] += not stamps
            if not png and not txt:
                row["silent"] += 1
                if len(row["silent_examples"]) < 2:
                    row["silent_examples"].append(f"{before_value!r} -> {getattr(w, 'value', None)!r}")
        if save_pngs and imgs:
            d = Path(save_pngs)
            d.mkdir(parents=True, exist_ok=True)
            safe = "".join(ch if ch.isalnum() else "_" for ch in f"{label}_{name}")
            (d / f"{safe}.png").write_bytes(imgs[0].value)
        out["controls"].append(row)
    out["png_bytes"] = len(imgs[0].value) if imgs else 0
    out["png_size"] = list(_png_size(imgs[0].value)) if imgs else [0, 0]
    return out


def _png_size(png: bytes) -> tuple[int, int]:
    import struct

    return struct.unpack(">II", png[16:24]) if len(png) >= 24 else (0, 0)


def measure_all(reps: int, only=(), save_pngs: str | None = None) -> dict:
    """Every widget (and chapter 11's, if it exists), every control: the raw numbers as a dict."""
    import warnings

    warnings.simplefilter("ignore")
    specs = list(WIDGETS)
    cap = _capstone()
    if cap is not None:
        specs.append(cap)
    results = []
    for label, chapter, make in specs:
        if only and not any(o.lower() in label.lower() for o in only):
            continue
        r = measure_view(label, make, reps, save_pngs)
        r["chapter"] = chapter
        results.append(r)
        print(f"  measured {label}", file=sys.stderr, flush=True)
    return {"widgets": results, "load": os.getloadavg(), "python": sys.executable}


# -- running it in a kernel ------------------------------------------------------------------------------
KERNEL_CODE = """
%matplotlib inline
import sys, json
sys.path.insert(0, {here!r}); sys.path.insert(0, {root!r})
import bench_widgets
bench_widgets.AHEAD["on"] = {ahead!r}
json.dumps(bench_widgets.measure_all({reps}, {only!r}, {pngs!r}))
"""


def in_kernel(reps: int, only, save_pngs, ahead: bool = False) -> dict:
    from bench_playground import Kernel

    kernel = Kernel()
    try:
        return kernel.run(KERNEL_CODE.format(here=str(HERE), root=str(ROOT), reps=reps, only=list(only),
                                             pngs=save_pngs, ahead=ahead), timeout=3600)
    finally:
        kernel.close()


# -- report ------------------------------------------------------------------------------------------------
def pct(values, q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))] if v else float("nan")


def verdict(row) -> str:
    if row["skipped"] and not row["ms"]:
        return f"not usable here ({row['skipped']})"
    bad = []
    if pct(row["ms"], 0.9) > TARGET_P90:
        bad.append("SLOW")
    if row["silent"]:
        bad.append("SILENT")
    return " ".join(bad) or "PASS"


def _before_cell(old, w, r) -> str:
    was = old.get((w["label"], r["name"]))
    return f" {was[0]:.0f} / {was[1]:.0f} |" if was else " (not measured) |"


def versions() -> str:
    import platform

    import ipywidgets
    import matplotlib
    import numpy

    return (f"Python {platform.python_version()}, numpy {numpy.__version__}, matplotlib {matplotlib.__version__}, "
            f"ipywidgets {ipywidgets.__version__}")


def report(data: dict, args, started: str, load_start, before: dict | None = None) -> tuple[str, str, bool]:
    lines = []
    old = {}            # (widget, control) -> p90 and CPU p50 of an earlier run (--before)
    for w in (before or {}).get("widgets", []):
        for r in w["controls"]:
            if r["ms"]:
                old[(w["label"], r["name"])] = (pct(r["ms"], 0.9), pct(r["cpu"], 0.5))
    bcol = " p90 / CPU p50 before |" if before else ""
    bsep = "---:|" if before else ""
    all_pass, n_controls, n_slow, n_silent, worst = True, 0, 0, 0, (0.0, "")
    summary = ["| chapter | widget | controls | build ms | PNG (px, bytes) | worst p90 ms (control) | result |",
               "|---:|---|---:|---:|---|---|---|"]
    for w in data["widgets"]:
        lines += ["", f"### {w['label']} (chapter {w['chapter']})", "",
                  "| control | kind | changes | p50 ms | p90 ms | max ms | CPU p50 ms | new PNG | text changed | "
                  "silent | result |" + bcol,
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|" + bsep]
        w_worst, w_ok, used = (0.0, ""), True, 0
        for r in w["controls"]:
            v = verdict(r)
            n = len(r["ms"])
            if n:
                used += 1
                n_controls += 1
                p90 = pct(r["ms"], 0.9)
                if p90 > w_worst[0]:
                    w_worst = (p90, r["name"])
                if p90 > worst[0]:
                    worst = (p90, f"{w['label']}: {r['name']}")
                n_slow += "SLOW" in v
                n_silent += "SILENT" in v
                w_ok &= v == "PASS"
                ex = f" ({'; '.join(r['silent_examples'])})" if r["silent_examples"] else ""
                lines.append(f"| {r['name']} | {r['kind']} | {n} | {pct(r['ms'], 0.5):.1f} | {p90:.1f} | "
                             f"{max(r['ms']):.1f} | {pct(r['cpu'], 0.5):.1f} | {r['png_changed']}/{n} | "
                             f"{r['text_changed']}/{n} | {r['silent']}{ex} | {v}"
                             + (f" ({r['from_cache']}/{n} from frames rendered ahead)" if r.get("from_cache") else "")
                             + " |"
                             + (_before_cell(old, w, r) if before else ""))
            else:
                lines.append(f"| {r['name']} | {r['kind']} | 0 | | | | | | | | {v} |" + (" |" if before else ""))
        all_pass &= w_ok
        size = w["png_size"]
        summary.append(f"| {w['chapter']} | {w['label']} | {used} | {w['build_ms']:.0f} | {size[0]}x{size[1]}, "
                       f"{w['png_bytes'] / 1024:.0f} kB | {w_worst[0]:.1f} ({w_worst[1]}) | "
                       f"{'PASS' if w_ok else 'MISS'} |")
    load_end = data["load"]
    head = [
        "# Widget latency: every control of every widget (inside a Jupyter kernel)",
        "",
        f"- date: {started}",
        f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores, shared with other jobs: load average (1, 5, 15 min) "
        f"{load_start[0]:.2f}, {load_start[1]:.2f}, {load_start[2]:.2f} at the start, "
        f"{load_end[0]:.2f}, {load_end[1]:.2f}, {load_end[2]:.2f} at the end",
        f"- {versions()}; {'in a Jupyter kernel (ipykernel, comm messages sent)' if not args.in_process else 'in-process (no kernel)'}",
        f"- command: `.venv/bin/python benchmarks/bench_widgets.py --reps {args.reps}"
        + (f" --only {' '.join(args.only)}" if args.only else "") + ("  --in-process" if args.in_process else "") + ("  --ahead" if args.ahead else "") + "`",
        "",
        f"Every control changed {args.reps} times, one keyboard step up and down alternately (a button: a click; "
        "Play: one tick; Reset after an untimed Step). Time: from the value assignment to the new PNG set on the "
        "Image, wall clock (the CPU column is the kernel's own work; the rest is waiting for a core). *new PNG*: "
        "changes that gave a different picture; *text changed*: changes that changed the status line or epoch "
        "counter; *silent*: neither (a failure). Target: p90 <= 50 ms per control, nothing silent.",
        "",
        f"**Overall: {'PASS' if all_pass else 'MISS'}** - {n_controls} controls, {n_slow} over 50 ms at p90, "
        f"{n_silent} silent; the slowest p90: {worst[0]:.1f} ms ({worst[1]}).",
        "",
        "## Per widget",
        "",
        *summary,
        "",
        "## Per control",
    ]
    row = (f"| {started} | {'kernel' if not args.in_process else 'in-process'}{', --ahead' if args.ahead else ''} | {args.reps} | "
           f"{load_start[0]:.1f} / {load_end[0]:.1f} | {n_controls} | {n_slow} | {n_silent} | "
           f"{worst[0]:.0f} ({worst[1]}) | {'PASS' if all_pass else 'MISS'} |")
    return "\n".join(head + lines), row, all_pass


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=8, help="changes per control (default 8)")
    ap.add_argument("--only", nargs="*", default=[], help="only widgets whose label contains one of these")
    ap.add_argument("--in-process", action="store_true", help="measure in this process, not in a kernel")
    ap.add_argument("--save-pngs", default=None, help="directory for the last PNG of every control")
    ap.add_argument("--no-write", action="store_true", help="print only, do not write the results file")
    ap.add_argument("--ahead", action="store_true",
                    help="before each change, render the frames an idle kernel sends the page ahead of time "
                         "(FigureView.prefetch_now, untimed): the changes then take the path a student's "
                         "step takes when the page already has its picture")
    ap.add_argument("--before", default=None, help="a --json file of an earlier run: its p90 and CPU p50 "
                    "are shown next to this run's")
    ap.add_argument("--json", default=None, help="also write the raw numbers to this JSON file")
    ap.add_argument("--output", default=str(RESULTS), help="results file (default benchmarks/results/widgets.md)")
    args = ap.parse_args()
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load_start = os.getloadavg()
    if args.in_process:
        import matplotlib

        matplotlib.use("agg")
        AHEAD["on"] = args.ahead
        data = measure_all(args.reps, args.only, args.save_pngs)
    else:
        data = in_kernel(args.reps, args.only, args.save_pngs, args.ahead)
    before = json.loads(Path(args.before).read_text()) if args.before else None
    text, row, all_pass = report(data, args, started, load_start, before)
    if before:
        text = text.replace("## Per control", "## Per control\n\nThe last column: the same control in the run "
                            f"given by --before ({before.get('note', args.before)}), load average at its end "
                            f"{before['load'][0]:.1f}.", 1)
    out = Path(args.output)
    history, notes = [row], ""
    if out.exists():
        old_text = out.read_text()
        notes = old_text[old_text.index(NOTES):] if NOTES in old_text else ""   # hand-written: kept
        old = old_text.split(NOTES, 1)[0].split(HISTORY_HEADER, 1)
        if len(old) == 2:
            history += [line for line in old[1].splitlines() if line.startswith("| 20")]
    text += "\n".join(["", "", HISTORY_HEADER, "",
                       "| session | where | changes per control | load start / end | controls | over 50 ms | "
                       "silent | slowest p90 ms | result |",
                       "|---|---|---:|---|---:|---:|---:|---|---|", *history, ""])
    if notes:
        text += "\n" + notes
    print(text)
    if not args.no_write:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        print(f"written to {out}", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(data))
    return 0 if all_pass else 1


if __name__ == "__main__":
    sys.exit(main())

"""Play as a student runs it: ticks at the Play widget's interval, each from the page's message to the new
picture, in a real Jupyter kernel, for every view that trains.

    .venv/bin/python benchmarks/bench_play.py                 # 60 ticks per view
    .venv/bin/python benchmarks/bench_play.py --ticks 30 --only deepest Capstone
    .venv/bin/python benchmarks/bench_play.py --no-steps-ahead  # the same without FigureView.steps_ahead

bench_widgets.py times one change at a time, after the idle kernel has done what it does between a
student's presses. Play leaves the kernel only the gap between two ticks: this benchmark checks that the
next Step, trained and drawn in that gap (FigureView.steps_ahead), is ready when the tick comes. For each
view the client (jupyter_client, standing in for the browser) builds and displays it in a fresh kernel,
sends the message a page sends when it shows the picture ("ready": the kernel may now work ahead), presses
Play (`playing`), then sends a tick (`value`) every `interval` ms, as the browser's Play widget does whether
or not the kernel has answered, and times each tick from its message to the new PNG on the iopub channel
(message passing included, no browser rendering). A tick the kernel drops (it came while a frame was still
being drawn) has no picture: it is counted, not timed.

Target: p90 <= 50 ms from tick to picture, at most 10% of the ticks dropped. Results go to
benchmarks/results/play.md. Not part of the pytest suite.
"""
from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _machine import cpu_model  # noqa: E402
from bench_playground import Kernel  # noqa: E402

ROOT = HERE.parent
RESULTS = HERE / "results" / "play.md"
TARGET_P90, MAX_DROPPED = 50.0, 0.10
VIEWS = ["TrainingView", "LossRaceView", "Playground (circles, mse)", "Playground (spirals)", "DigitsView",
         "Playground (sigmoid, 4 layers)", "Playground (10 x 32, the deepest)", "CNNView", "CapstoneView"]

SETUP = """
%matplotlib inline
import sys, json
sys.path.insert(0, {here!r}); sys.path.insert(0, {root!r})
import bench_widgets
from IPython.display import display
makers = {{label: make for label, chapter, make in bench_widgets.WIDGETS}}
capstone = bench_widgets._capstone()
if capstone is not None:
    makers[capstone[0]] = capstone[2]
view = makers[{label!r}]()
if not {ahead!r}:
    view.view._stepper, view.controls.next_step = None, None
display(view)
json.dumps({{"play": view.controls.play.model_id, "image": view.view.image.model_id,
             "interval": view.controls.play.interval, "epochs": view.controls.epoch_label.value}})
"""

AFTER = """
json.dumps({"prepared": view.view.steps_prepared, "from_prepared": view.view.steps_answered,
            "epochs_end": view.controls.epoch_label.value, "playing": view.controls.play.playing,
            "status": view.controls.status.value})
"""


def _send(kernel: Kernel, comm_id: str, data: dict) -> tuple[str, float]:
    kc = kernel.kc
    msg = kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
    t = time.perf_counter()
    kc.shell_channel.send(msg)
    return msg["header"]["msg_id"], t


def _drain(kernel: Kernel, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        try:
            kernel.kc.get_iopub_msg(timeout=0.05)
        except Exception:
            pass


def play_run(label: str, ticks: int, ahead: bool) -> dict:
    kernel = Kernel()
    try:
        ids = kernel.run(SETUP.format(here=str(HERE), root=str(ROOT), label=label, ahead=ahead), timeout=600)
        interval = ids["interval"] / 1000
        _send(kernel, ids["image"], {"method": "custom", "content": {"kind": "ready"}})
        _send(kernel, ids["play"], {"method": "update", "state": {"playing": True}, "buffer_paths": []})
        _drain(kernel, 1.5)     # the idle kernel's first work ahead (as after a page opens)
        sent, got = {}, {}
        next_at = time.perf_counter()
        end = None
        while True:
            now = time.perf_counter()
            if len(sent) < ticks and now >= next_at:
                msg_id, t = _send(kernel, ids["play"], {"method": "update", "state": {"value": 1000 + len(sent)},
                                                        "buffer_paths": []})
                sent[msg_id] = t
                next_at += interval
                if len(sent) == ticks:
                    end = time.perf_counter() + max(2.0, 4 * interval)
                continue
            if end is not None and now >= end:
                break
            wait = max(0.001, min(next_at - now, 0.05)) if len(sent) < ticks else 0.05
            try:
                m = kernel.kc.get_iopub_msg(timeout=wait)
            except Exception:
                continue
            parent = m["parent_header"].get("msg_id")
            if (m["msg_type"] == "comm_msg" and m["content"].get("comm_id") == ids["image"] and parent in sent
                    and parent not in got and ["value"] in m["content"]["data"].get("buffer_paths", [])):
                got[parent] = time.perf_counter()
            elif m["msg_type"] == "error":
                raise RuntimeError("\n".join(m["content"]["traceback"]))
        after = kernel.run(AFTER)
        ms = sorted(1e3 * (got[k] - sent[k]) for k in got)
        return {"label": label, "interval": ids["interval"], "ticks": ticks, "answered": len(ms), "ms": ms,
                "dropped": ticks - len(ms), "epochs": [ids["epochs"], after["epochs_end"]], **after}
    finally:
        kernel.close()


def pct(values, q: float) -> float:
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ticks", type=int, default=60, help="Play ticks per view (default 60)")
    ap.add_argument("--only", nargs="*", default=[], help="only views whose label contains one of these")
    ap.add_argument("--no-steps-ahead", action="store_true", help="switch FigureView.steps_ahead off")
    ap.add_argument("--no-write", action="store_true", help="print only, do not write the results file")
    args = ap.parse_args()
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load0 = os.getloadavg()
    rows = []
    for label in VIEWS:
        if args.only and not any(o in label for o in args.only):
            continue
        r = play_run(label, args.ticks, ahead=not args.no_steps_ahead)
        rows.append(r)
        print(f"{label}: interval {r['interval']} ms, {r['answered']}/{r['ticks']} ticks answered, "
              f"p50 {pct(r['ms'], .5):.1f} ms, p90 {pct(r['ms'], .9):.1f} ms, max {max(r['ms'] or [0]):.1f} ms; "
              f"Steps prepared {r['prepared']}, shown {r['from_prepared']}", flush=True)
    load1 = os.getloadavg()
    lines = ["# Play at its interval: from each tick to the new picture (in a Jupyter kernel)", "",
             f"- date: {started}",
             f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores, shared with other jobs: load average (1, 5, "
             f"15 min) {load0[0]:.2f}, {load0[1]:.2f}, {load0[2]:.2f} at the start, {load1[0]:.2f}, {load1[1]:.2f}, "
             f"{load1[2]:.2f} at the end",
             f"- command: `.venv/bin/python benchmarks/bench_play.py --ticks {args.ticks}"
             + (" --no-steps-ahead" if args.no_steps_ahead else "")
             + (f" --only {' '.join(args.only)}" if args.only else "") + "`",
             "", __doc__.split("\n\n", 2)[2].split("\n\nTarget")[0].replace("\n", " "), "",
             f"Target: p90 <= {TARGET_P90:.0f} ms from tick to picture, at most {MAX_DROPPED:.0%} of the ticks "
             "dropped.", ""]
    ok_all = True
    table = ["| view | interval ms | ticks | answered | dropped | p50 ms | p90 ms | max ms | shown from a prepared "
             "Step | epoch at the start / end | result |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        p90 = pct(r["ms"], .9)
        ok = p90 <= TARGET_P90 and r["dropped"] <= MAX_DROPPED * r["ticks"]
        ok_all &= ok
        strip = lambda s: s.replace("<b>", "").replace("</b>", "").replace("epoch ", "")  # noqa: E731
        table.append(f"| {r['label']} | {r['interval']} | {r['ticks']} | {len(r['ms'])} | {r['dropped']} | "
                     f"{pct(r['ms'], .5):.1f} | {p90:.1f} | {max(r['ms'] or [float('nan')]):.1f} | {r['from_prepared']} | "
                     f"{strip(r['epochs'][0])} / {strip(r['epochs'][1])} | {'PASS' if ok else 'MISS'} |")
    lines += [f"**Overall: {'PASS' if ok_all else 'MISS'}**", ""] + table + [""]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        old = RESULTS.read_text() if RESULTS.exists() else ""
        history = old.split("\n## Earlier runs\n", 1)[1] if "\n## Earlier runs\n" in old else ""
        previous = old.split("\n## Earlier runs\n", 1)[0] if old else ""
        earlier = ("\n".join("> " + l if l else ">" for l in previous.splitlines()) + "\n\n" if previous else "")
        RESULTS.write_text(text + "\n## Earlier runs\n\n" + earlier + history.lstrip("\n"))
        print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

"""How long the course takes to run headless: every chapter from a fresh kernel, and the whole course.

    .venv/bin/python benchmarks/bench_course.py                  # 3 runs of every chapter (a few minutes)
    .venv/bin/python benchmarks/bench_course.py --runs 2 05 07   # only chapters 05 and 07
    .venv/bin/python benchmarks/bench_course.py --run-playground # also (re)run bench_playground.py first

Each run executes each chapters/NN_*.ipynb with nbclient in a new kernel (cwd chapters/, as nbval and
JupyterLab do), timing
  * total:  NotebookClient.execute() wall time: kernel start + every cell,
  * cells:  the sum of the cells' own execution times (nbclient's per-cell timestamps), i.e. without the
            kernel start.
The table shows the median over the runs (runs go through all chapters in turn, so a burst of load from
other jobs hits one run of each chapter rather than every run of one). Targets: no chapter above 15 s
(CONTRIBUTING.md: target 8 s, hard limit 15 s), and the seven core chapters (01-07) together <= 60 s.

The training playground's latency (one step, a depth change) comes from benchmarks/results/playground.md,
written by benchmarks/bench_playground.py (run it with --run-playground to refresh it).

If the browser test has run here, its per-chapter timings (tests/e2e/screenshots/timings.json) are added.

The result goes to benchmarks/results/course.md. Not part of the pytest suite. The machine has 2 cores
that other jobs may share: the load average before and after is recorded next to the numbers.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import cpu_model  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
RESULTS = Path(__file__).resolve().parent / "results"
COURSE_MD = RESULTS / "course.md"
PLAYGROUND_MD = RESULTS / "playground.md"
CORE = {f"{i:02d}" for i in range(1, 8)}
LIMIT_CHAPTER = 15.0      # s, hard limit per chapter
TARGET_CHAPTER = 8.0      # s, CONTRIBUTING's target per chapter
LIMIT_CORE = 60.0         # s, the seven core chapters together
ANSI = re.compile(r"\x1b\[[0-9;]*m")




def load() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _ts(value) -> datetime.datetime:
    return value if isinstance(value, datetime.datetime) else datetime.datetime.fromisoformat(
        str(value).replace("Z", "+00:00"))


def run_chapter(path: Path, timeout: int) -> dict:
    """Execute one chapter in a fresh kernel; return wall times or the error."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=True,
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    try:
        client.execute(stderr=subprocess.DEVNULL)   # the kernel's own log lines (TCP warning) stay out
    except CellExecutionError as exc:
        lines = [ANSI.sub("", ln) for ln in str(exc).splitlines() if ln.strip()]
        return {"error": (lines[-1] if lines else type(exc).__name__)[:160]}
    except Exception as exc:  # a timeout or a dead kernel
        return {"error": f"{type(exc).__name__}: {exc}"[:160]}
    total = time.perf_counter() - t0
    cells = 0.0
    for cell in nb.cells:
        ex = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in ex and "shell.execute_reply" in ex:
            cells += (_ts(ex["shell.execute_reply"]) - _ts(ex["iopub.execute_input"])).total_seconds()
    return {"total": total, "cells": cells}


def _tables(text: str) -> list[list[str]]:
    tables, current = [], []
    for ln in text.splitlines():
        if ln.lstrip().startswith("|"):
            current.append(ln.strip())
        elif current:
            tables.append(current)
            current = []
    return tables + ([current] if current else [])


def playground_section(run: bool) -> list[str]:
    """The playground's latency: bench_playground.py's report, freshly run (--run-playground, with its
    --no-write so its own results file is left alone) or as it left it in results/playground.md."""
    source = "benchmarks/results/playground.md"
    text = None
    if run:
        print("running benchmarks/bench_playground.py --no-write ...", flush=True)
        p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_playground.py"), "--no-write"],
                           cwd=ROOT, capture_output=True, text=True)
        if "# Playground latency" in p.stdout:
            text = p.stdout[p.stdout.index("# Playground latency"):]
            source = "a fresh run of benchmarks/bench_playground.py"
        else:
            print(f"bench_playground.py failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    if text is None and PLAYGROUND_MD.exists():
        text = PLAYGROUND_MD.read_text()
    if text is None:
        return ["## The playground", "",
                "No playground measurement yet: run `.venv/bin/python benchmarks/bench_playground.py` "
                "(it writes benchmarks/results/playground.md), or this script with --run-playground.", ""]
    out = [f"## The playground (from {source})", ""]
    date = re.search(r"^- date: (.+)$", text, re.M)
    if date:
        out += [f"Measured {date.group(1).strip()}; one animation step and one depth change of "
                "`Playground()`, timed inside a kernel (all runs pooled), and what a front end sees:", ""]
    tables = _tables(text)
    if tables:
        first = tables[0]
        pooled = [r for r in first[2:] if re.match(r"^\|\s*all\s*\|", r)]
        out += first[:2] + (pooled or first[2:]) + [""]
    for t in tables[1:2]:
        out += t + [""]
    out += [ln.strip() for ln in text.splitlines() if ln.startswith("Overall:")]
    if not tables:
        out += ["(no table found in the playground report)"]
    return out + [""]


def browser_section() -> list[str]:
    """The browser test's own timings (tests/e2e/screenshots/timings.json, from its last run), if any."""
    path = ROOT / "tests" / "e2e" / "screenshots" / "timings.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    when = datetime.datetime.fromtimestamp(path.stat().st_mtime).astimezone()
    out = ["## In the browser (from the last run of tests/e2e/test_browser.py)", "",
           f"JupyterLab + headless Chromium, last written {when:%Y-%m-%d %H:%M %Z}: open the notebook with a "
           "fresh kernel, Run All Cells, move every slider until its plot redraws (target <= 40 s per chapter).",
           "", "| chapter | open (s) | Run All (s) | sliders | moving them (s) | total (s) |",
           "|---|---:|---:|---:|---:|---:|"]
    for name, t in sorted(data.items()):
        if not name[:2].isdigit():      # the test's self-check notebook
            continue
        out.append(f"| {name} | {t.get('open_s', '')} | {t.get('run_all_s', '')} | {t.get('sliders', '')} | "
                   f"{t.get('sliders_s', '')} | {t.get('total_s', '')} |")
    return out + [""]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("chapters", nargs="*", help="chapter numbers or names to run (default: all)")
    ap.add_argument("--runs", type=int, default=3, help="runs per chapter, each in a fresh kernel (default 3)")
    ap.add_argument("--timeout", type=int, default=300, help="per-cell timeout in seconds (default 300)")
    ap.add_argument("--run-playground", action="store_true", help="run bench_playground.py first")
    ap.add_argument("--no-write", action="store_true", help="print only, do not write course.md")
    args = ap.parse_args()

    # the kernel must be this environment's python
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    notebooks = sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb"))
    if args.chapters:
        notebooks = [p for p in notebooks if any(p.stem.startswith(c) for c in args.chapters)]
    if not notebooks:
        print("no chapters to run", file=sys.stderr)
        return 2

    started = datetime.datetime.now().astimezone()
    load_before = load()
    results: dict[str, list[dict]] = {p.stem: [] for p in notebooks}
    wall0 = time.perf_counter()
    for r in range(args.runs):
        for p in notebooks:
            res = run_chapter(p, args.timeout)
            results[p.stem].append(res)
            shown = f"{res['total']:6.2f} s (cells {res['cells']:.2f} s)" if "total" in res else f"ERROR {res['error']}"
            print(f"run {r + 1}/{args.runs}  {p.stem:32s} {shown}", flush=True)
    wall = time.perf_counter() - wall0
    load_after = load()

    rows, medians, failures = [], {}, []
    for name, runs in results.items():
        ok = [x for x in runs if "total" in x]
        errors = [x["error"] for x in runs if "error" in x]
        if errors:
            failures.append(f"{name}: {errors[0]}")
        if not ok:
            rows.append(f"| {name} | error | | | | {errors[0]} |")
            continue
        tot = [x["total"] for x in ok]
        cells = statistics.median(x["cells"] for x in ok)
        med = statistics.median(tot)
        medians[name] = med
        verdict = "PASS" if med <= LIMIT_CHAPTER else "MISS"
        note = f"{verdict}" + (" (above the 8 s target)" if TARGET_CHAPTER < med <= LIMIT_CHAPTER else "")
        if errors:
            note += f"; {len(errors)} run(s) failed: {errors[0]}"
        rows.append(f"| {name} | {med:.2f} | {cells:.2f} | {min(tot):.2f}-{max(tot):.2f} | {len(ok)} | {note} |")

    core = [n for n in medians if n[:2] in CORE]
    core_total = sum(medians[n] for n in core)
    all_total = sum(medians.values())
    core_missing = sorted(CORE - {n[:2] for n in medians})
    over = [n for n, m in medians.items() if m > LIMIT_CHAPTER]
    core_ok = core_total <= LIMIT_CORE and not core_missing

    import matplotlib
    import numpy

    md = [
        "# Course execution time (headless)", "",
        f"Written by `benchmarks/bench_course.py` on {started:%Y-%m-%d %H:%M %Z}.", "",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}; "
        f"Python {platform.python_version()}, numpy {numpy.__version__}, matplotlib {matplotlib.__version__}",
        f"- Method: each chapter executed by nbclient in a fresh `python3` kernel (cwd chapters/), "
        f"{args.runs} run(s) per chapter, runs interleaved across chapters; the table shows the median.",
        f"- Load average (1/5/15 min) before: {load_before}; after: {load_after}. "
        "**Caveat:** other jobs share this 2-core machine, so these are upper bounds: a wall time measured "
        "under load includes time spent waiting for a core.",
        f"- Wall time of the whole benchmark: {wall:.0f} s.", "",
        "| chapter | median total (s) | median cells only (s) | min-max total (s) | runs | target: <= 15 s |",
        "|---|---:|---:|---:|---:|---|",
        *rows, "",
        "`total` = kernel start + all cells (what nbval/CI pays); `cells only` = the cells' own execution time.", "",
        "## Summary", "",
        f"- The seven core chapters (01-07) together: **{core_total:.1f} s** (target <= {LIMIT_CORE:.0f} s): "
        + ("PASS" if core_ok else "MISS")
        + (f"; chapters missing or failing: {', '.join(core_missing)}" if core_missing else ""),
        f"- The whole course ({len(medians)} chapters): **{all_total:.1f} s**.",
        f"- Chapters above {LIMIT_CHAPTER:.0f} s: " + (", ".join(over) if over else "none") + ".",
        f"- Chapters above the {TARGET_CHAPTER:.0f} s target: "
        + (", ".join(n for n, m in medians.items() if m > TARGET_CHAPTER) or "none") + ".",
    ]
    if failures:
        md += ["- **Chapters that failed to execute:** " + "; ".join(failures)]
    md += [""] + playground_section(args.run_playground) + browser_section()
    text = "\n".join(md).rstrip() + "\n"
    print("\n" + text)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        COURSE_MD.write_text(text)
        print(f"written to {COURSE_MD.relative_to(ROOT)}")
    return 0 if (core_ok and not over and not failures) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Every chapter as a student meets it: JupyterLab in a real (headless) Chromium.

For each chapters/NN_*.ipynb that exists when the tests are collected, the test
  1. opens the notebook with a fresh kernel (old sessions are deleted through the REST API),
  2. runs Run > Run All Cells and waits until every code cell has run and the kernel is idle,
  3. requires: no error output, no widget left as "Loading widget..." or an error placeholder, no
     figure printed as text (`<Figure size ...>`: %matplotlib inline missing), at least one image,
     and no blank (single-colour) image,
  4. moves every enabled slider by keyboard (focus the handle, ArrowRight, or ArrowLeft at the maximum;
     two more steps if one step redraws nothing) and requires that a plot in the same cell changes
     (the pixels of its <img>/<canvas>, not just the src), and that no error appears afterwards
     (widget callbacks print their errors into Output widgets). A disabled slider is left alone.
The chapters are served from a temporary copy by a private JupyterLab (see conftest.py); one page is
reused from chapter to chapter (JupyterLab itself loads once), with a fresh kernel for every chapter.
A last test runs the same checks on a generated notebook with known faults and requires that each is
reported, so a change in JupyterLab's page cannot make the chapter tests pass by seeing nothing.
The start page (start.ipynb) has a test of its own: Run All without errors, every exercise "not yet",
a pass recorded meanwhile shown by its Refresh button, a chapter link that opens the chapter.
Screenshots go to tests/e2e/screenshots/ (git-ignored): NN_name_widgetK.png (each cell with a slider,
after Run All), NN_name_widgetK_moved.png (after the sliders moved) and NN_name_end.png; timings to
screenshots/timings.json; each slider press's key-to-pixel latency, timed in the page by latency.py, to
screenshots/latency.json (recorded, never asserted: benchmarks/bench_latency_browser.py measures it).
`python tests/e2e/update_readme_images.py` copies the README pictures to docs/img/.

Run alone:  .venv-dev/bin/pytest tests/e2e -v          (about 20-40 s per chapter)
"""
from __future__ import annotations

import json
import re
import time
import warnings
from pathlib import Path

import pytest

import latency   # tests/e2e/latency.py: key-to-pixel timing in the page (recorded, never asserted)

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "chapters"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"

NOTEBOOKS = sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb"))

IDLE = ".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']"
OUTPUT = ".jp-OutputArea-output"
SLIDER = ".jp-OutputArea-output .widget-slider"
PLOTS = ".jp-OutputArea-output img, .jp-OutputArea-output canvas"
CELL_XPATH = "xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' jp-Cell ')][1]"

OPEN_TIMEOUT = 120      # s: page load + kernel start, on a loaded 2-core machine
RUN_TIMEOUT = 180       # s: Run All Cells
REDRAW_TIMEOUT = 20     # s: a slider move until its plot changes
TARGET_PER_CHAPTER = 40  # s: reported (warning) when exceeded

# A hash of every <img>/<canvas>'s pixels (after decoding), its size and a count of distinct colours in a
# sample of its pixels (1 = blank).
HASH_JS = """
async (els) => {
  const out = [];
  for (const el of els) {
    let w = 0, h = 0;
    if (el.tagName === 'IMG') {
      try { if (!el.complete || !el.naturalWidth) { await el.decode(); } } catch (e) {}
      w = el.naturalWidth; h = el.naturalHeight;
    } else { w = el.width; h = el.height; }
    if (!w || !h) { out.push({hash: 'empty', colors: 0, w: 0, h: 0, tag: el.tagName}); continue; }
    const c = document.createElement('canvas'); c.width = w; c.height = h;
    const ctx = c.getContext('2d'); ctx.drawImage(el, 0, 0);
    const d = new Uint32Array(ctx.getImageData(0, 0, w, h).data.buffer);
    let hash = 2166136261; const colors = new Set();
    for (let i = 0; i < d.length; i++) {
      hash = Math.imul(hash ^ d[i], 16777619);
      if (i % 31 === 0 && colors.size < 64) colors.add(d[i]);
    }
    out.push({hash: (hash >>> 0).toString(16) + ':' + w + 'x' + h, colors: colors.size, w, h, tag: el.tagName});
  }
  return out;
}
"""

RUN_STATE_JS = """
() => {
  // from the notebook model (exposed with --LabApp.expose_app_in_browser), not the DOM: collapsed cells
  // have no prompt and a windowed notebook does not render every cell
  const app = window.jupyterapp;
  const w = app && Array.from(app.shell.widgets('main')).find(x => x.sessionContext && x.content && x.content.model);
  if (!w) return null;
  const cells = w.content.model.cells;
  let n = 0, executed = 0, running = 0, errors = 0;
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    n++;
    if (c.executionCount) executed++;
    if (c.executionState === 'running') running++;
    for (const o of c.outputs.toJSON()) if (o.output_type === 'error') errors++;
  }
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  return {n, executed, running, errors, status: kernel ? kernel.status : null};
}
"""

# Every problem in the notebook's outputs, with the cell it is in. Error outputs come from the notebook
# model (JupyterLab 4 renders a traceback with the mime type application/vnd.jupyter.stderr, like any
# stderr text); errors that widget callbacks print into an Output widget are found as tracebacks in it.
PROBLEMS_JS = """
() => {
  const app = window.jupyterapp;
  const panel = app && Array.from(app.shell.widgets('main')).find(x => x.sessionContext && x.content && x.content.model);
  const cells = [...document.querySelectorAll('.jp-NotebookPanel .jp-Cell')];
  const oneLine = (t) => t.replace(/\\s+/g, ' ').trim();
  const src = (i) => {
    const m = panel && panel.content.model.cells.get(i);
    return m ? oneLine(m.sharedModel.getSource()).slice(0, 70) : '';
  };
  const where = (i) => `cell ${i} (${src(i) || 'empty'})`;
  const out = {errors: [], widgets: [], figure_text: [], stderr: [], images: 0};
  if (panel) {
    const model = panel.content.model.cells;
    for (let i = 0; i < model.length; i++) {
      const c = model.get(i);
      if (c.type !== 'code') continue;
      for (const o of c.outputs.toJSON())
        if (o.output_type === 'error') out.errors.push(`${where(i)}: ${o.ename}: ${String(o.evalue).slice(0, 300)}`);
    }
  }
  cells.forEach((c, i) => {
    for (const e of c.querySelectorAll("[data-mime-type='application/vnd.jupyter.error']"))
      out.errors.push(`${where(i)}: ${oneLine(e.textContent).slice(0, 300)}`);
    for (const e of c.querySelectorAll(".jupyter-widgets [data-mime-type='application/vnd.jupyter.stderr']")) {
      const t = e.textContent;
      if (t.includes('Traceback') || /Error:/.test(t)) {
        const lines = t.trim().split('\\n').filter(l => l.trim());
        out.errors.push(`${where(i)}, inside a widget (a callback raised): ${lines.slice(-2).join(' | ').slice(0, 400)}`);
      }
    }
    for (const o of c.querySelectorAll('.jp-OutputArea-output')) {
      const t = o.textContent;
      if (t.includes('Loading widget...')) out.widgets.push(`${where(i)}: "Loading widget..." (widget never rendered)`);
      if (t.includes('Error displaying widget')) out.widgets.push(`${where(i)}: "Error displaying widget"`);
    }
    for (const e of c.querySelectorAll('.jupyter-widgets-error-widget'))
      out.widgets.push(`${where(i)}: widget error placeholder: ${e.textContent.trim().slice(0, 200)}`);
    for (const e of c.querySelectorAll("[data-mime-type='text/plain']")) {
      const m = e.textContent.match(/<Figure size [\\d.]+x[\\d.]+ with \\d+ Axes>/);
      if (m) out.figure_text.push(`${where(i)}: a figure shown as text "${m[0]}" (no %matplotlib inline?)`);
    }
    for (const e of c.querySelectorAll(".jp-Cell-outputArea > .jp-OutputArea-child > [data-mime-type='application/vnd.jupyter.stderr']")) {
      const t = e.textContent.trim();
      if (!t.includes('Traceback')) out.stderr.push(`${where(i)}: ${t.slice(0, 300)}`);
    }
    out.images += c.querySelectorAll('.jp-OutputArea-output img').length;
  });
  return out;
}
"""


def _code_cell_count(nb: Path) -> int:
    return sum(1 for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code")


def dismiss_dialogs(page, log: list[str]) -> None:
    """Close any modal dialog an extension may open; accept only the kernel choice (default kernel)."""
    for _ in range(5):
        dialog = page.locator(".jp-Dialog")
        if not dialog.count() or not dialog.first.is_visible():
            return
        text = dialog.first.inner_text().strip().replace("\n", " ")[:200]
        log.append(f"dialog: {text}")
        if "Select Kernel" in text or "kernel" in text.lower() and "select" in text.lower():
            dialog.first.locator(".jp-Dialog-button.jp-mod-accept").first.click()
        else:
            page.keyboard.press("Escape")
        page.wait_for_timeout(300)


def wait_until(predicate, timeout: float, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def wait_for_run(page, n_code: int, timeout: float, log: list[str]) -> dict:
    """Wait until the kernel is idle and every code cell ran (or an error stopped Run All), stable for
    two polls in a row."""
    deadline = time.monotonic() + timeout
    stable, state = 0, None
    while time.monotonic() < deadline:
        dismiss_dialogs(page, log)
        state = page.evaluate(RUN_STATE_JS)
        done = (state and state["status"] == "idle" and state["running"] == 0
                and (state["executed"] >= state["n"] or state["errors"] > 0))
        stable = stable + 1 if done else 0
        if stable >= 2:
            return state
        time.sleep(0.5)
    return state


def plot_hashes(locator) -> list[str]:
    return [h["hash"] for h in locator.evaluate_all(HASH_JS)]


KERNEL_IDLE_JS = """
() => {
  const app = window.jupyterapp;
  const w = app && Array.from(app.shell.widgets('main')).find(x => x.sessionContext && x.content);
  const s = w && w.sessionContext;
  const k = s && s.session && s.session.kernel;
  return !!(s && s.isReady && k && k.status === 'idle' && k.connectionStatus === 'connected');
}
"""


def kernel_idle(page) -> bool:
    """The notebook's kernel is connected and idle (the toolbar's indicator reads 'idle' before a kernel
    is even attached, so ask the session itself)."""
    return bool(page.evaluate(KERNEL_IDLE_JS)) and page.locator(IDLE).count() > 0


def _update_json(filename: str, key: str, value) -> None:
    path = SCREENSHOTS / filename
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    data[key] = value
    path.write_text(json.dumps(data, indent=1, sort_keys=True))


def record_timing(name: str, timing: dict) -> None:
    _update_json("timings.json", name, timing)


def record_screenshots(name: str, shots: dict) -> None:
    """screenshots/index.json: which cell and sliders each widget screenshot shows (for
    update_readme_images.py)."""
    _update_json("index.json", name, shots)


SLIDER_CELLS_JS = """
() => {
  const cells = [...document.querySelectorAll('.jp-NotebookPanel .jp-Cell')];
  const out = {};
  for (const s of document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output .widget-slider')) {
    const i = cells.indexOf(s.closest('.jp-Cell'));
    const label = s.querySelector('.widget-label');
    (out[i] = out[i] || []).push(label ? label.textContent.trim() : '');
  }
  return out;
}
"""


def slider_cell_map(page) -> dict[int, list[str]]:
    return {int(k): v for k, v in sorted(page.evaluate(SLIDER_CELLS_JS).items(), key=lambda kv: int(kv[0]))}


def output_wrapper(page, cell_index: int):
    return page.locator(".jp-NotebookPanel .jp-Cell").nth(cell_index).locator(".jp-Cell-outputWrapper")


CLOSE_ALL_JS = """
() => {
  // close every document without the "unsaved changes" dialog (autosave is off in the test server)
  const app = window.jupyterapp;
  for (const w of Array.from(app.shell.widgets('main'))) {
    if (w.context && w.context.model) w.context.model.dirty = false;
    w.dispose();
  }
}
"""


class LabPage:
    """One JupyterLab page, reused from chapter to chapter: loading JupyterLab itself costs 5-10 s on
    this machine, a notebook opened in the running app does not. Each chapter still gets a fresh kernel
    (every session is deleted before it opens); after a failing chapter the page is thrown away."""

    def __init__(self, context, server):
        self.context, self.server, self.page, self.errors, self.console = context, server, None, [], []

    def open(self, rel_path: str, workspace: str, log: list[str]):
        self.errors.clear()
        self.console.clear()
        if self.page is not None:
            try:
                t = time.monotonic()
                self.page.evaluate(CLOSE_ALL_JS)
                self.server.fresh_kernels()
                self.close_s = round(time.monotonic() - t, 1)
                self.page.evaluate("p => window.jupyterapp.commands.execute('docmanager:open', {path: p})", rel_path)
                return self.page
            except Exception as exc:
                log.append(f"could not reuse the page ({type(exc).__name__}: {exc}); loading JupyterLab again")
                self.discard()
        self.server.fresh_kernels()
        self.page = self.context.new_page()
        latency.install(self.page)
        self.page.set_default_timeout(30_000)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)[:300]))
        self.page.on("console", self._console)
        self.page.goto(self.server.notebook_url(rel_path, workspace=workspace))
        return self.page

    def _console(self, msg):
        # resource errors are expected offline (the Binder badge image in each chapter's header)
        if msg.type == "error" and "Failed to load resource" not in msg.text:
            self.console.append(msg.text[:300])

    def discard(self):
        if self.page is not None:
            try:
                self.page.close()
            except Exception:
                pass
        self.page = None


@pytest.fixture(scope="module")
def lab(lab_server, browser):
    holder = LabPage(browser, lab_server)
    yield holder
    holder.discard()


def check_notebook(lab, lab_server, rel_path: str, n_code: int, name: str, screenshot_dir: Path,
                   redraw_timeout: float = REDRAW_TIMEOUT) -> list[str]:
    """Open rel_path (relative to the server's root) with a fresh kernel, run it, move its sliders;
    return the problems found (records timings and screenshots under `name`)."""
    problems: list[str] = []
    log: list[str] = []
    timing: dict[str, float] = {}
    for old in screenshot_dir.glob(f"{name}_*.png"):
        old.unlink()
    passed = False
    t0 = time.monotonic()
    try:
        # 1. open with a fresh kernel --------------------------------------------------------------
        page = lab.open(rel_path, f"e2e-{name}", log)
        page_errors = lab.errors
        page.wait_for_selector(".jp-NotebookPanel", timeout=OPEN_TIMEOUT * 1000)
        timing["page_s"] = round(time.monotonic() - t0, 1)
        timing["close_previous_s"] = getattr(lab, "close_s", None)
        ready = wait_until(lambda: (dismiss_dialogs(page, log), kernel_idle(page))[1], OPEN_TIMEOUT)
        assert ready, f"{name}: the kernel never became idle after opening\n{lab_server.log_tail()}"
        timing["open_s"] = round(time.monotonic() - t0, 1)

        # 2. Run > Run All Cells -------------------------------------------------------------------
        t1 = time.monotonic()
        page.locator(".jp-NotebookPanel .jp-Notebook").first.click(position={"x": 5, "y": 5})
        try:
            page.locator(".lm-MenuBar-itemLabel:text-is('Run')").click(timeout=10_000)
            page.locator(".lm-Menu-itemLabel:text-is('Run All Cells')").click(timeout=10_000)
        except Exception as exc:  # a menu changed by an extension: use the command itself
            log.append(f"Run menu not usable ({type(exc).__name__}); running the command directly")
            page.keyboard.press("Escape")
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        started = wait_until(lambda: (page.evaluate(RUN_STATE_JS) or {}).get("running")
                             or (page.evaluate(RUN_STATE_JS) or {}).get("executed"), 20)
        if not started:
            log.append("Run All Cells started nothing within 20 s; running the command again")
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        state = wait_for_run(page, n_code, RUN_TIMEOUT, log)
        timing["run_all_s"] = round(time.monotonic() - t1, 1)
        assert state and state["status"] == "idle" and state["running"] == 0, \
            f"{name}: Run All did not finish within {RUN_TIMEOUT} s: {state}"
        # widgets render asynchronously after the kernel is idle: give placeholders time to go away
        wait_until(lambda: not page.get_by_text("Loading widget...").count(), 15)

        # 3. outputs ---------------------------------------------------------------------------------
        found = page.evaluate(PROBLEMS_JS)
        problems += [f"error output in {e}" for e in found["errors"]]
        problems += found["widgets"] + found["figure_text"]
        if state["n"] != n_code:
            problems.append(f"JupyterLab shows {state['n']} code cells, the file has {n_code}")
        if state["executed"] < state["n"] and not found["errors"]:
            problems.append(f"only {state['executed']} of {state['n']} code cells ran")
        images = page.locator(f"{OUTPUT} img")
        info = images.evaluate_all(HASH_JS)
        if not info:
            problems.append("no image in any output: every chapter should show at least one plot")
        for k, h in enumerate(info):
            if h["w"] == 0:
                problems.append(f"output image #{k} did not load (broken or empty image)")
            elif h["colors"] <= 1:
                problems.append(f"output image #{k} ({h['w']}x{h['h']}) is blank (a single colour)")
        for s in found["stderr"]:
            warnings.warn(f"{name}: stderr output in {s}")

        slider_cells = slider_cell_map(page)        # {cell index: [slider descriptions]}
        shots = {}
        for k, (ci, labels) in enumerate(slider_cells.items(), 1):
            shot = f"{name}_widget{k}.png"
            output_wrapper(page, ci).screenshot(path=str(screenshot_dir / shot))
            shots[shot] = {"chapter": name, "cell": ci, "sliders": labels}
        record_screenshots(name, shots)

        # 4. every slider must redraw a plot -----------------------------------------------------------
        t2 = time.monotonic()
        sliders = page.locator(SLIDER)
        n_sliders = sliders.count()
        latencies: list[dict] = []
        latency.start(page)
        for i in range(n_sliders):
            problems += move_slider(page, sliders.nth(i), i, log, redraw_timeout, latencies)
        timing["sliders_s"] = round(time.monotonic() - t2, 1)
        # key-to-pixel latency of the one press per slider, timed in the page: recorded, not asserted
        # (speed targets live in benchmarks/bench_latency_browser.py)
        _update_json("latency.json", name, {"summary": latency.summarise(latencies), "presses": latencies})
        timing["sliders"] = n_sliders
        wait_until(lambda: kernel_idle(page), 30)
        for k, ci in enumerate(slider_cells, 1):
            output_wrapper(page, ci).screenshot(path=str(screenshot_dir / f"{name}_widget{k}_moved.png"))
        after = page.evaluate(PROBLEMS_JS)
        new_errors = [e for e in after["errors"] if e not in found["errors"]]
        problems += [f"error output after moving the sliders, in {e}" for e in new_errors]
        problems += [w for w in after["widgets"] if w not in found["widgets"]]
        problems += [f"JavaScript error in the page: {e}" for e in page_errors]
        for text in dict.fromkeys(lab.console):   # logged by JupyterLab or a widget, reported not failed
            log.append(f"browser console error: {text}")
            warnings.warn(f"{name}: browser console error: {text}")
        passed = not problems
    finally:
        try:
            lab.page.screenshot(path=str(screenshot_dir / f"{name}_end.png"))
        except Exception:
            pass
        timing["total_s"] = round(time.monotonic() - t0, 1) if "open_s" in timing else None
        record_timing(name, timing)
        if not passed:           # the next chapter starts from a new page
            lab.discard()
        lab_server.fresh_kernels()

    print(f"\n{name}: {timing}" + ("".join(f"\n  {entry}" for entry in log) if log else ""))
    if timing.get("total_s") and timing["total_s"] > TARGET_PER_CHAPTER:
        warnings.warn(f"{name}: the browser test took {timing['total_s']} s (target {TARGET_PER_CHAPTER} s)")
    return list(dict.fromkeys(problems))    # one line per distinct problem


@pytest.mark.skipif(not NOTEBOOKS, reason="no chapters/NN_*.ipynb yet")
@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_in_browser(nb: Path, lab, lab_server, screenshot_dir):
    lab_server.copy_chapters()          # the chapter as it is now
    problems = check_notebook(lab, lab_server, f"chapters/{nb.name}", _code_cell_count(nb), nb.stem, screenshot_dir)
    assert not problems, f"{nb.stem} in JupyterLab + Chromium:\n  " + "\n  ".join(problems)


# A notebook with known faults: the checks above must report each of them (so that a JupyterLab or
# ipywidgets upgrade that changes the page cannot make the chapter tests pass by seeing nothing).
CANARY_CELLS = [
    "%matplotlib inline\n"
    "import io\nimport ipywidgets as W\nfrom matplotlib.figure import Figure\n"
    "def png(fig):\n    buf = io.BytesIO(); fig.savefig(buf, format='png'); return buf.getvalue()\n"
    "fig = Figure(figsize=(3, 2)); ax = fig.add_subplot(); line, = ax.plot([0, 1, 2])\n"
    "fig",
    # fine: the slider redraws its figure
    "img = W.Image(value=png(fig), format='png')\n"
    "good = W.IntSlider(2, 0, 10, description='redraws')\n"
    "def redraw(change):\n    line.set_ydata([0, 1, change['new']]); ax.relim(); img.value = png(fig)\n"
    "good.observe(redraw, names='value')\n"
    "W.VBox([good, img])",
    # fault 1: a slider that changes nothing
    "W.VBox([W.IntSlider(5, 0, 10, description='changes nothing'), W.Image(value=png(fig), format='png')])",
    # fault 2: a callback that raises, its error captured in an Output widget
    "log = W.Output()\nbad = W.IntSlider(5, 0, 10, description='raises')\n"
    "bad.observe(log.capture()(lambda change: 1 / 0), names='value')\n"
    "W.VBox([bad, W.Image(value=png(fig), format='png'), log])",
    # fault 3: a figure shown as text (what a missing %matplotlib inline looks like)
    "from IPython.display import display\ndisplay({'text/plain': repr(fig)}, raw=True)",
]
CANARY_EXPECTED = ["slider 'changes nothing'", "slider 'raises'", "ZeroDivisionError", "a figure shown as text"]


def test_the_checks_catch_a_broken_notebook(lab, lab_server, screenshot_dir):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CANARY_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = lab_server.root / "selftest" / "canary.ipynb"
    path.parent.mkdir(exist_ok=True)
    nbformat.write(nb, path)
    problems = check_notebook(lab, lab_server, "selftest/canary.ipynb", len(CANARY_CELLS), "selftest_canary",
                              screenshot_dir, redraw_timeout=4)
    for expected in CANARY_EXPECTED:
        assert any(expected in p for p in problems), f"the checks missed {expected!r}; they reported {problems}"
    assert not any("'redraws'" in p for p in problems), f"a working slider was reported: {problems}"
    assert len(problems) == len(CANARY_EXPECTED), f"unexpected problems reported: {problems}"




def settle(page, plots, timeout: float = REDRAW_TIMEOUT) -> None:
    """Wait until the kernel is idle and the plots stay the same for two polls: three key presses send
    three changes, and the next slider must not see the last redraws of this one."""
    deadline, last, same = time.monotonic() + timeout, None, 0
    while time.monotonic() < deadline and same < 2:
        now = plot_hashes(plots)
        same = same + 1 if now == last and kernel_idle(page) else 0
        last = now
        time.sleep(0.25)


def move_slider(page, slider, i: int, log: list[str], timeout: float = REDRAW_TIMEOUT,
                latencies: list[dict] | None = None) -> list[str]:
    """Move one slider by keyboard; return the problems found (empty if a plot in its cell redrew).
    With `latencies`, the press's key-to-pixel time measured in the page is appended to it."""
    label = slider.locator(".widget-label").first
    desc = (label.inner_text().strip() if label.count() else "") or f"slider #{i + 1} (no description)"
    what = f"slider '{desc}'"
    if not slider.is_visible():
        return [f"{what} is not visible after Run All, so a student cannot move it"]
    if slider.locator(".noUi-target[disabled], .noUi-handle[disabled]").count():
        log.append(f"{what} is disabled (by design, e.g. a control that does not apply): not moved")
        return []
    handle = slider.locator(".noUi-handle").first
    readout = slider.locator(".widget-readout").first
    cell = slider.locator(CELL_XPATH)
    plots = cell.locator(PLOTS)
    all_plots = page.locator(PLOTS)
    before, all_before = plot_hashes(plots), plot_hashes(all_plots)

    def value():   # aria-valuenow is rounded (0.11 reads 0.1): use the text and the readout too
        shown = readout.inner_text().strip() if readout.count() else ""
        return (handle.get_attribute("aria-valuetext") or handle.get_attribute("aria-valuenow"), shown)

    v0 = value()
    handle.scroll_into_view_if_needed()
    handle.focus()
    armed = latencies is not None and latency.arm(page, slider.evaluate(
        "(s, sel) => [...document.querySelectorAll(sel)].indexOf(s.closest('.jp-Cell'))", f"{latency.PANEL} .jp-Cell"))
    for key in ("ArrowRight", "ArrowLeft"):      # ArrowLeft when the slider sits at its maximum
        handle.press(key)
        if wait_until(lambda: value() != v0, 1.5, 0.1):
            break
    v1 = value()
    if v1 == v0:
        return [f"{what}: the keyboard did not move it (value stays {v0[1] or v0[0]})"]
    # one step redraws in a second or two; if it does not within 6 s, two more steps, then wait longer
    changed = lambda: plot_hashes(plots) != before
    if not wait_until(changed, min(6, timeout), 0.25):
        for _ in range(2):
            handle.press(key)
            page.wait_for_timeout(60)
        wait_until(changed, timeout, 0.25)
    v0, v1 = v0[1] or v0[0], value()[1] or value()[0]
    if armed:
        latencies.append(dict(latency.analyse(latency.collect(page)), slider=desc))
    if changed():
        settle(page, plots)
        return []
    if plot_hashes(all_plots) != all_before:
        log.append(f"{what}: redraws a plot in another cell")
        return []
    if not before:
        return [f"{what} ({v0} -> {v1}) has no plot in its cell and no plot anywhere changed"]
    return [f"{what} moved {v0} -> {v1}, but no plot changed within {timeout:.0f} s"]


# The start page (start.ipynb, what `./course.sh lab` opens): no images or sliders, so it gets its own test.
def test_start_page_in_browser(lab, lab_server, screenshot_dir):
    """Run All on the start page: no error, a table with every exercise 'not yet' in the server's fresh
    progress file; a pass recorded meanwhile shows after Refresh (in place, one table); a chapter link
    opens that chapter in a JupyterLab tab."""
    import os
    import shutil

    from backprop_lib import progress

    for name in ("start.ipynb", "start.py"):
        shutil.copy2(ROOT / name, lab_server.root / name)
    lab_server.copy_chapters()
    pfile = Path(os.environ["BACKPROP_PROGRESS_FILE"])    # the root conftest's; the server inherited it
    progress.reset(pfile)
    log: list[str] = []
    page = lab.open("start.ipynb", "e2e-start", log)
    try:
        page.wait_for_selector(".jp-NotebookPanel", timeout=OPEN_TIMEOUT * 1000)
        assert wait_until(lambda: (dismiss_dialogs(page, log), kernel_idle(page))[1], OPEN_TIMEOUT), "kernel not idle"
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        state = wait_for_run(page, _code_cell_count(ROOT / "start.ipynb"), RUN_TIMEOUT, log)
        assert state and state["status"] == "idle", f"Run All did not finish: {state}"
        page.wait_for_selector(".backprop-progress", timeout=30_000)
        found = page.evaluate(PROBLEMS_JS)
        assert not found["errors"] and not found["widgets"], found
        passed = page.locator("[data-exercise][data-passed='true']")
        assert page.locator("[data-exercise]").count() >= 30 and passed.count() == 0
        page.screenshot(path=str(screenshot_dir / "start_page.png"))
        progress.record_pass("ch01.ex1", "01", "neuron_forward", path=pfile)
        page.locator("button:has-text('Refresh')").click()
        wait_until(lambda: passed.count() == 1, 20)
        assert passed.count() == 1 and passed.first.get_attribute("data-exercise") == "ch01.ex1", \
            "Refresh did not show the new pass"
        assert page.locator(".backprop-progress").count() == 1, "Refresh added a second table"
        page.locator("a[data-chapter='01']").click()
        assert wait_until(lambda: "01_perceptron.ipynb" in page.locator(".lm-TabBar-tabLabel").all_inner_texts(), 30), \
            "the chapter link did not open chapter 1 in JupyterLab"
        assert not lab.errors, f"JavaScript errors: {lab.errors}"
    finally:
        progress.reset(pfile)
        lab.discard()
        lab_server.fresh_kernels()

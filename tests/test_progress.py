"""The self-learner's progress: checks record passes on this machine, the start page shows them.

- backprop_lib.progress: a pass is recorded (first/last time, count), a corrupt or missing file reads as
  no passes and is replaced, an unwritable location never raises into the check, concurrent writers
  from several processes all count;
- nothing is recorded in a grading run, in an nbgrader course folder, with BACKPROP_PROGRESS=off, or in
  a homework notebook (tools/homework.py's NO_PROGRESS line), and the shipped solution cell counts as
  "the course's solution", not the student's;
- the start page (start.ipynb) lists every chapter and every exercise of every checks/chNN.py, found
  independently here from the files; a fresh Run All with no progress file shows all "not yet"; a check
  passed in another kernel shows up after a refresh (running the cell again, or the Refresh button).
Every test points BACKPROP_PROGRESS_FILE at its own temporary file (the root conftest.py already keeps
the whole run out of ~/.backprop_course).
"""
from __future__ import annotations

import html as html_lib
import json
import linecache
import os
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import backprop_lib as bl
from backprop_lib import progress
from backprop_lib.checks import CheckFailed, _core, ch01, ch03, overview

ROOT = Path(__file__).resolve().parents[1]
START = ROOT / "start.ipynb"
CHAPTERS = ROOT / "chapters"
CHECKS = ROOT / "backprop_lib" / "checks"


def right_forward(x, w, b):
    return float(bl.sigmoid(np.dot(w, x) + b))


@pytest.fixture
def pfile(tmp_path, monkeypatch):
    path = tmp_path / "home" / ".backprop_course" / "progress.json"
    monkeypatch.setenv(progress.FILE_ENV, str(path))
    monkeypatch.delenv(progress.SWITCH_ENV, raising=False)
    monkeypatch.delenv(_core.GRADING_ENV, raising=False)
    monkeypatch.setattr(progress, "_disabled", False)
    monkeypatch.chdir(tmp_path)
    return path


# ------------------------------------------------------------------------------------------------
# the recorder
# ------------------------------------------------------------------------------------------------
def test_the_default_file_is_in_the_home_folder(monkeypatch):
    monkeypatch.delenv(progress.FILE_ENV, raising=False)
    assert progress.progress_file() == Path.home() / ".backprop_course" / "progress.json"


def test_a_passing_check_is_recorded_with_its_times(pfile, capsys):
    assert progress.load() == {} and not pfile.exists()
    ch01.check_neuron_forward(right_forward)
    assert "Correct:" in capsys.readouterr().out
    rec = progress.load()["ch01.ex1"]
    assert rec["chapter"] == "01" and rec["exercise"] == "neuron_forward" and rec["own"] is True
    assert rec["passes"] == 1 and rec["first_pass"] == rec["last_pass"] == rec["first_own_pass"]
    first = rec["first_pass"]
    progress.record_pass("ch01.ex1", "01", "neuron_forward")        # a second pass later
    rec = progress.load()["ch01.ex1"]
    assert rec["passes"] == 2 and rec["first_pass"] == first and rec["last_pass"] >= first
    assert progress.passed_keys() == {"ch01.ex1"}
    assert json.loads(pfile.read_text())["version"] == progress.VERSION


def test_a_failing_or_hidden_check_records_nothing(pfile):
    with pytest.raises(CheckFailed):
        ch01.check_neuron_forward(lambda x, w, b: float(bl.sigmoid(np.dot(w, x))))   # bias missing
    ch01.check_neuron_forward(right_forward, hidden=True)           # nbgrader's hidden tests: quiet
    assert progress.load() == {}


def test_a_value_exercise_is_recorded_as_its_exercise(pfile):
    X = np.column_stack([np.ones(20), np.linspace(-2.0, 3.0, 20)])
    lr_max = 2.0 / np.linalg.eigvalsh(X.T @ X / len(X)).max()
    ch03.check_lr_max(lr_max, X)
    assert set(progress.load()) == {"ch03.ex3"}


def test_every_check_names_exactly_one_exercise():
    """The pass is attributed through the Exercise a check_* function names (EX1, EX2, ...): for every
    check of every chapter that mapping must be one to one, or passes would be lost or misfiled."""
    for number in overview.checks_modules():
        module = __import__(f"backprop_lib.checks.ch{number}", fromlist=["_"])
        checks = {n: f for n, f in vars(module).items()
                  if n.startswith("check_") and isinstance(f, types.FunctionType) and f.__module__ == module.__name__}
        found = {n: _core.exercise_of(f) for n, f in checks.items()}
        assert all(found.values()), f"ch{number}: checks that name no single exercise: " \
                                    f"{[n for n, e in found.items() if e is None]}"
        keys = sorted(key for key, parts in found.values())
        assert keys == sorted(e.key for e in overview.exercises(number)), f"ch{number}: {keys}"


def test_a_corrupt_or_foreign_file_reads_as_no_passes_and_is_replaced(pfile):
    pfile.parent.mkdir(parents=True)
    for junk in ("{not json", "[1, 2]", '{"passes": 3}', "\xff\xfe garbage"):
        pfile.write_text(junk, encoding="latin-1")
        assert progress.load() == {}
    pfile.write_bytes(b"\x00\xff{")
    ch01.check_neuron_forward(right_forward)
    assert set(progress.load()) == {"ch01.ex1"}
    assert pfile.with_name(pfile.name + ".corrupt").read_bytes() == b"\x00\xff{"


def test_an_unwritable_location_never_breaks_a_check(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(progress.FILE_ENV, str(blocker / "progress.json"))   # its folder cannot exist
    ch01.check_neuron_forward(right_forward)
    assert "Correct:" in capsys.readouterr().out
    assert progress.record_pass("ch01.ex1", "01", "neuron_forward") is False
    assert progress.load() == {}


def test_a_read_only_home_never_breaks_a_check(pfile, monkeypatch, capsys):
    """A read-only folder (as root chmod does not stop writes, so the write itself is made to fail)."""
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Read-only file system")
    monkeypatch.setattr(progress.tempfile, "mkstemp", refuse)
    ch01.check_neuron_forward(right_forward)
    assert "Correct:" in capsys.readouterr().out
    assert progress.load() == {} and not list(pfile.parent.glob("*.tmp"))


def test_a_failed_write_leaves_the_old_file_whole(pfile, monkeypatch):
    progress.record_pass("ch01.ex1", "01", "neuron_forward")
    before = pfile.read_text()

    def crash(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(progress.os, "replace", crash)
    assert progress.record_pass("ch01.ex2", "01", "neuron_gradient") is False
    assert pfile.read_text() == before and not list(pfile.parent.glob("*.tmp"))


WRITER = """
import sys
from backprop_lib import progress
who = sys.argv[1]
for i in range(25):
    progress.record_pass(f"ch99.ex{who}_{i}", "99", "x")
    progress.record_pass("ch99.shared", "99", "shared")
"""


def test_concurrent_writers_all_count(pfile):
    """Four processes recording at once: no pass is lost (lock + atomic replace), the file stays valid."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(k)], env=env) for k in range(4)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    passes = progress.load()
    assert len([k for k in passes if k.startswith("ch99.ex")]) == 100
    assert passes["ch99.shared"]["passes"] == 100


def test_reset_forgets_everything(pfile):
    progress.record_pass("ch01.ex1", "01", "neuron_forward")
    progress.reset()
    assert progress.load() == {} and not pfile.exists()
    progress.reset()                                   # nothing to delete: no error


# ------------------------------------------------------------------------------------------------
# when nothing is recorded
# ------------------------------------------------------------------------------------------------
def test_nothing_is_recorded_in_a_grading_run(pfile, monkeypatch):
    monkeypatch.setenv(_core.GRADING_ENV, "1")
    ch01.check_neuron_forward(right_forward)
    assert progress.load() == {} and not pfile.exists()


@pytest.mark.parametrize("where", ["release/01_perceptron", "source/01_perceptron",
                                   "submitted/alice/01_perceptron", "autograded/alice/01_perceptron"])
def test_nothing_is_recorded_in_an_nbgrader_course_folder(pfile, tmp_path, monkeypatch, where):
    course = tmp_path / "course"
    (course / where).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    monkeypatch.chdir(course / where)
    monkeypatch.setenv(_core.GRADING_ENV, "0")          # not grading: the folder alone decides
    ch01.check_neuron_forward(right_forward)
    assert progress.load() == {}
    monkeypatch.chdir(tmp_path)                          # the same check elsewhere is recorded
    ch01.check_neuron_forward(right_forward)
    assert set(progress.load()) == {"ch01.ex1"}


def test_nothing_is_recorded_when_switched_off(pfile, monkeypatch):
    monkeypatch.setenv(progress.SWITCH_ENV, "off")
    ch01.check_neuron_forward(right_forward)
    assert progress.load() == {}
    monkeypatch.setenv(progress.SWITCH_ENV, "")
    progress.disable()
    ch01.check_neuron_forward(right_forward)
    assert progress.load() == {}


def test_a_homework_notebook_records_nothing(tmp_path):
    """The homework build's first code cell (tools/homework.py, NO_PROGRESS) turns recording off: run it,
    then pass a check, in a fresh interpreter, and the progress file is never written."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import homework
    finally:
        sys.path.remove(str(ROOT / "tools"))
    ids = {p.stem for p in homework.chapter_sources()}
    nb = homework.source_notebook(CHAPTERS / "01_perceptron.py", ids)
    imports = next(c.source for c in nb.cells if c.cell_type == "code")
    assert imports.endswith(homework.NO_PROGRESS)
    script = "\n".join(line for line in imports.splitlines() if not line.startswith("%")) + textwrap.dedent("""
        from backprop_lib.checks import ch01
        def neuron_forward(x, w, b):
            return float(bl.sigmoid(np.dot(w, x) + b))
        ch01.check_neuron_forward(neuron_forward)
        """)
    path = tmp_path / "progress.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT), BACKPROP_PROGRESS_FILE=str(path), MPLBACKEND="Agg")
    env.pop("BACKPROP_GRADING", None)
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and "Correct:" in out.stdout, out.stderr
    assert not path.exists(), "a homework notebook recorded a pass"
    without = script.replace("_progress.disable()", "pass")          # the same without the line: recorded
    out = subprocess.run([sys.executable, "-c", without], env=env, cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and set(progress.load(path)) == {"ch01.ex1"}, out.stderr


# ------------------------------------------------------------------------------------------------
# the student's code or the course's solution
# ------------------------------------------------------------------------------------------------
def _defined_in_cell(source: str, name: str, filename: str):
    """A function as IPython defines it: compiled from a cell whose text linecache holds."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    ns = {"np": np, "bl": bl}
    exec(compile(source, filename, "exec"), ns)
    return ns[name]


SOLUTION_CELL = """def neuron_forward(x, w, b):
    ### BEGIN SOLUTION
    return float(bl.sigmoid(np.dot(w, x) + b))
    ### END SOLUTION
"""


def test_the_shipped_solution_cell_is_not_the_students_pass(pfile):
    fn = _defined_in_cell(SOLUTION_CELL, "neuron_forward", "<ipython-input-solution>")
    ch01.check_neuron_forward(fn)
    rec = progress.load()["ch01.ex1"]
    assert rec["own"] is False and "first_own_pass" not in rec
    status = {e.key: e for c in overview.course_status(CHAPTERS) for e in c.exercises}
    assert not status["ch01.ex1"].passed and status["ch01.ex1"].solution_ran
    mine = _defined_in_cell(SOLUTION_CELL.replace("    ### BEGIN SOLUTION\n", "").replace("    ### END SOLUTION\n", ""),
                            "neuron_forward", "<ipython-input-mine>")
    ch01.check_neuron_forward(mine)
    rec = progress.load()["ch01.ex1"]
    assert rec["own"] is True and rec["passes"] == 2
    status = {e.key: e for c in overview.course_status(CHAPTERS) for e in c.exercises}
    assert status["ch01.ex1"].passed and not status["ch01.ex1"].solution_ran


def test_a_value_from_the_solution_cell_is_found_in_the_kernel_history(pfile, monkeypatch):
    """Values (w_nand, b_nand) have no code: the last cell run that assigns them decides."""
    history = ["import numpy as np", "### BEGIN SOLUTION\nw_nand = np.array([-2.0, -2.0])\nb_nand = 3.0\n"
               "### END SOLUTION", "ch01.check_gate_weights(w_nand, b_nand, gate='nand')"]
    shell = types.SimpleNamespace(user_ns={"In": history}, kernel=object())
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    ch01.check_gate_weights(np.array([-2.0, -2.0]), 3.0, gate="nand")
    assert progress.load()["ch01.ex3"]["own"] is False
    history.append("w_nand, b_nand = np.array([-1.0, -1.0]), 1.5")       # the student's own cell
    ch01.check_gate_weights(np.array([-1.0, -1.0]), 1.5, gate="nand")
    assert progress.load()["ch01.ex3"]["own"] is True


# ------------------------------------------------------------------------------------------------
# the start page
# ------------------------------------------------------------------------------------------------
def expected_chapters() -> dict[str, str]:
    """{"01": "The perceptron", ...} from the chapter files' headings, independently of overview."""
    out = {}
    for py in sorted(CHAPTERS.glob("[0-9][0-9]_*.py")):
        m = re.search(r"^# # Chapter \d+ · (.+)$", py.read_text(encoding="utf-8"), re.M)
        assert m, f"{py.name}: no '# Chapter N · Title' heading"
        out[py.name[:2]] = m.group(1).strip()
    return out


def expected_exercises() -> dict[str, str]:
    """{"ch01.ex1": "neuron_forward", ...}: every Exercise("chNN.exK", "name", ...) in checks/chNN.py; the
    parts Exercise("chNN.exK.part", "name") of one exercise give one entry with their names joined."""
    out: dict[str, str] = {}
    for py in sorted(CHECKS.glob("ch[0-9][0-9].py")):
        for key, name in re.findall(r'Exercise\(\s*"(ch\d\d\.ex\d+)(?:\.\w+)?",\s*"([^"]+)"',
                                    py.read_text(encoding="utf-8")):
            out[key] = f"{out[key]}, {name}" if key in out else name
    return out


def execute(nb_path: Path, cwd: Path, env_file: Path, monkeypatch) -> nbformat.NotebookNode:
    monkeypatch.setenv(progress.FILE_ENV, str(env_file))
    nb = nbformat.read(nb_path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def page_html(nb) -> str:
    htmls = ["".join(o["data"]["text/html"]) for c in nb.cells if c.cell_type == "code"
             for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors
    assert len(htmls) == 1, f"the start page should show one table, not {len(htmls)}"
    return htmls[0]


def exercise_states(page: str) -> dict[str, bool]:
    return {k: v == "true" for k, v in re.findall(r"data-exercise='([^']+)' data-passed='(true|false)'", page)}


def test_the_start_page_pair_is_in_sync():
    import jupytext
    py = jupytext.read(ROOT / "start.py")
    nb = nbformat.read(START, as_version=4)
    assert [c.source for c in py.cells] == [c.source for c in nb.cells], "run: jupytext --to ipynb start.py"
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit start.ipynb without outputs"


def test_a_fresh_run_all_lists_every_chapter_and_exercise_as_not_yet(tmp_path, monkeypatch):
    """No progress file: every chapter with its link and title, every exercise of every checks module,
    all 'not yet', '0 of M'."""
    nb = execute(START, ROOT, tmp_path / "none" / "progress.json", monkeypatch)
    page = page_html(nb)
    text = html_lib.unescape(page)
    chapters, exercises = expected_chapters(), expected_exercises()
    assert len(chapters) >= 10 and len(exercises) >= 30, "the independent listing found too little"
    for number, title in chapters.items():
        stem = next(CHAPTERS.glob(f"{number}_*.py")).stem
        assert f"href='chapters/{stem}.ipynb'" in page, f"no link to chapter {number}"
        assert f"Chapter {int(number)} · {title}" in text
    states = exercise_states(page)
    assert set(states) == set(exercises), f"missing {set(exercises) - set(states)}, extra {set(states) - set(exercises)}"
    assert not any(states.values())
    for name in exercises.values():
        assert f"<code>{html_lib.escape(name, quote=False)}</code>" in page
    assert f"data-total='0/{len(exercises)}'" in page and f"0 of {len(exercises)} exercises passed" in text
    assert not (tmp_path / "none").exists(), "showing the page must not create the progress file"


def test_a_check_passed_in_another_kernel_shows_up_after_a_refresh(tmp_path, monkeypatch):
    """A student's own cell passes chapter 1's first check in one kernel; the start page, run again in
    another kernel with the same progress file, marks it passed and only it; the total counts it."""
    student = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import numpy as np\nimport backprop_lib as bl\nfrom backprop_lib.checks import ch01\n"),
        nbformat.v4.new_code_cell("def neuron_forward(x, w, b):\n    return float(bl.sigmoid(np.dot(w, x) + b))\n"),
        nbformat.v4.new_code_cell("ch01.check_neuron_forward(neuron_forward)")])
    path = tmp_path / "student.ipynb"
    nbformat.write(student, str(path))
    progress_path = tmp_path / "progress.json"
    ran = execute(path, tmp_path, progress_path, monkeypatch)
    assert "Correct:" in "".join(o.get("text", "") for o in ran.cells[2].outputs)
    states = exercise_states(page_html(execute(START, ROOT, progress_path, monkeypatch)))
    assert states.pop("ch01.ex1") is True
    assert not any(states.values())


def test_every_exercise_of_every_chapter_shows_up_when_passed(tmp_path, monkeypatch, capsys):
    """Pass every exercise's check once, with a right answer from the check catalogue (tests/catalogue),
    then render the page: every exercise passed, 'M of M'. New chapters' catalogues count automatically."""
    import importlib

    pfile = tmp_path / "progress.json"
    monkeypatch.setenv(progress.FILE_ENV, str(pfile))
    monkeypatch.delenv(_core.GRADING_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    catalogued = []
    for py in sorted((ROOT / "tests" / "catalogue").glob("ch[0-9][0-9].py")):
        module = importlib.import_module(f"catalogue.{py.stem}")
        entries = getattr(module, "EXERCISES", None) or [v for v in vars(module).values()
                                                         if type(v).__name__ == "Exercise" and hasattr(v, "right")]
        for entry in entries:
            entry.check(entry.right[0])
            catalogued.append(entry.grade_id)
    assert "Correct:" in capsys.readouterr().out
    recorded = {k for k, r in progress.load(pfile).items() if r["own"]}
    from backprop_lib.widgets import ProgressPage
    page = ProgressPage(CHAPTERS, pfile).html()
    states = exercise_states(page)
    assert {k for k, v in states.items() if v} == recorded
    chapters = {py.stem for py in (ROOT / "tests" / "catalogue").glob("ch[0-9][0-9].py")}
    expected = {k for k in expected_exercises() if k.split(".")[0] in chapters}
    assert len(catalogued) >= 30 and recorded == expected, \
        f"passed but not recorded: {expected - recorded}; recorded but unknown: {recorded - expected}"
    assert f"data-total='{len(expected)}/{len(expected_exercises())}'" in page


def test_the_refresh_button_redraws_the_table(tmp_path, monkeypatch):
    from backprop_lib.widgets import progress as page_module

    pfile = tmp_path / "progress.json"
    monkeypatch.setenv(progress.FILE_ENV, str(pfile))
    monkeypatch.delenv(_core.GRADING_ENV, raising=False)
    shown, updates = [], []

    class Handle:
        def update(self, obj):
            updates.append(obj.data)

    def fake_display(obj, display_id=False):
        shown.append(obj)
        return Handle() if display_id else None
    monkeypatch.setattr(page_module, "display", fake_display)
    page = page_module.ProgressPage(CHAPTERS)
    page._ipython_display_()
    assert exercise_states(shown[0].data)["ch01.ex1"] is False and shown[1] is page.button
    ch01.check_neuron_forward(right_forward)
    page.button.click()
    assert len(updates) == 1 and exercise_states(updates[0])["ch01.ex1"] is True


def test_the_course_opens_on_the_start_page():
    """README's Binder badge and course.sh lab open start.ipynb."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "urlpath=lab/tree/start.ipynb" in readme
    assert re.search(r'jupyter" lab .*"\$@" start\.ipynb', (ROOT / "course.sh").read_text())


def test_a_chapter_whose_checks_do_not_import_yet_does_not_hide_the_others(tmp_path, monkeypatch):
    """A chapter being written may have a checks module that fails to import: the page says so for that
    chapter and lists every other chapter's exercises."""
    real = overview.exercises

    def broken(number):
        if number == "01":
            raise SyntaxError("invalid syntax (ch01.py, line 3)")
        return real(number)
    monkeypatch.setattr(overview, "exercises", broken)
    status = overview.course_status(CHAPTERS, tmp_path / "progress.json")
    first = status[0]
    assert first.number == "01" and not first.exercises and "SyntaxError" in first.problem
    assert all(c.exercises for c in status[1:] if c.number in overview.checks_modules())
    from backprop_lib.widgets.progress import render
    page = render(status)
    assert "its checks could not be loaded (SyntaxError" in page and "data-exercise='ch02.ex1'" in page

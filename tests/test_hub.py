"""A class on a real JupyterHub: the README's nbgitpuller route, end to end, on 127.0.0.1.

A private JupyterHub (shared-password login, one home folder per student, configurable-http-proxy
from npm, the README's single-user settings) serves five students. Each follows exactly the link the
README's `course_link` makes, pointing at a bare clone of this repository; the course must arrive
where the link opens, and chapters run without error in the student's own server over the kernel
websocket. Then a teacher pushes a correction: a student's edit is kept, the correction arrives, on a
line both changed the student's line stays (as the README says), and the README's remedy
(`tools/teachers_version.py`, run in the student's JupyterLab terminal; or delete and click again)
brings the teacher's version.

Needs node and npm: on first use npm installs the proxy into hub-proxy/ inside the virtual environment
that runs the tests (.venv-dev/hub-proxy under ./course.sh test); without them the tests are skipped.
"""
from __future__ import annotations

import re
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import jupytext
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import hub_support as hs  # noqa: E402

N_STUDENTS = 5
STUDENTS = [f"student{i:02d}" for i in range(1, N_STUDENTS + 1)]
TRAP_STUDENT = "nopath"           # follows a link without targetpath (the README's warning)
FOLDER = "backprop-course"        # course_link's default folder
CHAPTER = "01_perceptron"         # the chapter the link opens

reason = hs.node_missing_reason() or (None if hs.is_git_checkout() else
                                      "the class test clones this repository: needs git and a git checkout")
needs_hub = pytest.mark.skipif(reason is not None, reason=reason or "")


def cell_text(nb: dict) -> list[str]:
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]]


@pytest.fixture(scope="module")
def hub():
    # A short folder: the kernels' ipc sockets live below it and their paths must stay < 107 chars.
    workdir = Path(tempfile.mkdtemp(prefix="hub", dir="/tmp" if Path("/tmp").is_dir() else None))
    the_hub = None
    try:
        proxy = hs.ensure_proxy()
        bare, branch = hs.public_repository(workdir)
        the_hub = hs.Hub(workdir, STUDENTS + [TRAP_STUDENT], proxy)
        the_hub.bare, the_hub.branch = bare, branch
        the_hub.start()
        yield the_hub
    finally:
        if the_hub is not None:
            the_hub.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def course_link():
    return hs.readme_link_recipe()


@pytest.fixture(scope="module")
def klass(hub, course_link):
    """Every student follows the README's link at the same time and runs the chapter it opens."""
    link = course_link(hub.url, f"file://{hub.bare}", branch=hub.branch)

    # One more student, at the same time, follows a link without targetpath (the README's warning).
    trap_link = f"{hub.url}/hub/user-redirect/git-pull?" + urlencode(
        {"repo": f"file://{hub.bare}", "branch": hub.branch, "urlpath": f"lab/tree/{FOLDER}/"})

    def one(name):
        student = hs.Student(hub, name)
        try:
            if name == TRAP_STUDENT:
                student.opened = student.follow_link(trap_link)
                return student
            student.opened = student.follow_link(link)
            student.notebook = student.get_notebook(f"{FOLDER}/chapters/{CHAPTER}.ipynb")
            student.errors = student.run_notebook(f"{FOLDER}/chapters/{CHAPTER}.ipynb")
        except Exception as e:  # noqa: BLE001 - reported per student by the tests below
            student.failure = f"{type(e).__name__}: {e}"
        return student

    with ThreadPoolExecutor(N_STUDENTS + 1) as pool:
        students = list(pool.map(one, STUDENTS + [TRAP_STUDENT]))
    return {s.name: s for s in students}


def test_the_readme_prints_what_its_recipe_makes(capsys):
    """The link the README shows under "which prints" is the output of the README's own code."""
    text = (hs.ROOT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "def course_link(" in b)
    exec(compile(block, "README.md (course_link)", "exec"), {})
    printed = capsys.readouterr().out.strip()
    after = text[text.index(block) + len(block):]
    shown = re.search(r"which prints\s*```\n(.*?)\n```", after, flags=re.S)
    assert shown and shown.group(1).strip() == printed, (
        f"README: the link shown after the recipe should be what it prints: {printed}")
    assert "targetpath=backprop-course" in printed and "lab%2Ftree%2Fbackprop-course%2Fchapters" in printed


@needs_hub
def test_every_student_gets_the_course_where_the_link_opens(hub, klass):
    failures = {n: s.failure for n, s in klass.items() if hasattr(s, "failure")}
    assert not failures, f"students could not follow the README's link:\n{failures}\n{hub.log_tail()}"
    # what JupyterLab shows: jupytext reads the cells from the chapter's .py pair
    committed = jupytext.reads(hs.git("show", f"{hub.branch}:chapters/{CHAPTER}.py", cwd=hub.bare),
                               fmt="py:percent")
    for name in STUDENTS:
        s = klass[name]
        assert s.opened == f"lab/tree/{FOLDER}/chapters/{CHAPTER}.ipynb", (
            f"{name}: the link should end on chapter 1 in ~/{FOLDER}, it ended on {s.opened}")
        assert (hub.home(name) / FOLDER / ".git").is_dir(), f"{name}: ~/{FOLDER} is not a clone"
        assert cell_text(s.notebook) == cell_text(committed), (
            f"{name}: the chapter the link opens differs from the course's committed chapter")


@needs_hub
def test_the_chapter_runs_in_every_students_server(hub, klass):
    failed = {n: getattr(klass[n], "errors", ["did not run"]) for n in STUDENTS}
    failed = {n: e for n, e in failed.items() if e}
    assert not failed, f"chapter {CHAPTER} failed in students' servers: {failed}\n{hub.log_tail()}"


@needs_hub
def test_chapter_5_runs_too(hub, klass):
    s = klass[STUDENTS[1]]
    errors = s.run_notebook(f"{FOLDER}/chapters/05_matrix_form.ipynb")
    assert not errors, f"chapter 05 failed in {s.name}'s server: {errors}"


@needs_hub
def test_without_targetpath_the_folder_is_named_after_the_url(hub, klass):
    """The trap the README warns about: a .git URL and no targetpath put the course in ~/NAME.git."""
    assert klass[TRAP_STUDENT].opened == f"lab/tree/{FOLDER}/"
    assert (hub.home(TRAP_STUDENT) / hub.bare.name / "chapters").is_dir()
    assert not (hub.home(TRAP_STUDENT) / FOLDER).exists()


def _edit_line(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"expected the line {old!r} exactly once"
    return text.replace(old, new)


@needs_hub
def test_a_teachers_update_keeps_students_edits(hub, klass, course_link, tmp_path):
    editor, bystander, restarter = (klass[n] for n in STUDENTS[:3])
    path = f"{FOLDER}/chapters/{CHAPTER}.ipynb"
    nb = editor.get_notebook(path)
    markdown = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown"]
    first, last = markdown[0], markdown[-1]
    title = cell_text(nb)[first].splitlines()[0]          # e.g. "# Chapter 1 · The perceptron"
    closing = cell_text(nb)[last].splitlines()[0]
    student_title = title + " (my notes below)"
    teacher_title = title + " (corrected by the teacher)"
    teacher_closing = closing + " (updated by the teacher)"

    # The student edits the title line and saves, as JupyterLab does (jupytext writes the .py too).
    nb["cells"][first]["source"] = cell_text(nb)[first].replace(title, student_title, 1)
    editor.save_notebook(path, nb)
    py = hub.home(editor.name) / FOLDER / "chapters" / f"{CHAPTER}.py"
    assert student_title in py.read_text(), "saving in JupyterLab should rewrite the .py pair"

    # The teacher corrects the same line and another one far away, and pushes.
    teacher = tmp_path / "teacher"
    hs.git("clone", "--quiet", str(hub.bare), str(teacher))
    source = teacher / "chapters" / f"{CHAPTER}.py"
    text = _edit_line(source.read_text(), f"\n# {title}\n", f"\n# {teacher_title}\n")
    source.write_text(_edit_line(text, f"\n# {closing}\n", f"\n# {teacher_closing}\n"))
    hs.run_jupytext(source)
    hs.git("commit", "--quiet", "-am", "Chapter 1: corrections", cwd=teacher)
    hs.git("push", "--quiet", "origin", f"HEAD:{hub.branch}", cwd=teacher)

    # Everyone clicks the link again.
    link = course_link(hub.url, f"file://{hub.bare}", branch=hub.branch)
    for s in (editor, bystander):
        assert s.follow_link(link) == f"lab/tree/{path}"

    mine = cell_text(editor.get_notebook(path))
    assert mine[first].splitlines()[0] == student_title, (
        "the student's edit of the title line should be kept after the update")
    assert mine[last].splitlines()[0] == teacher_closing, (
        "the teacher's correction of a line the student did not touch should arrive")
    assert teacher_title not in "".join(mine), (
        "README: on a line both changed, the student's line stays (nbgitpuller merges with -Xours)")
    theirs = cell_text(bystander.get_notebook(path))
    assert theirs[first].splitlines()[0] == teacher_title and theirs[last].splitlines()[0] == teacher_closing, (
        "a student who edited nothing should get the whole correction")

    # The README's remedy: in a JupyterLab terminal, the student fetches the teacher's version.
    output = editor.terminal(f"python3 ~/{FOLDER}/tools/teachers_version.py 01")
    assert f"wrote chapters/{CHAPTER}.teacher.ipynb" in output, output
    teachers = cell_text(editor.get_notebook(f"{FOLDER}/chapters/{CHAPTER}.teacher.ipynb"))
    assert teachers[first].splitlines()[0] == teacher_title and teachers[last].splitlines()[0] == teacher_closing, (
        "teachers_version.py should write the teacher's current version beside the student's copy")
    assert cell_text(editor.get_notebook(path))[first].splitlines()[0] == student_title, (
        "teachers_version.py must not touch the student's own copy")

    # The README's other remedy: delete the chapter (both files) and click the link again.
    for name in (f"{CHAPTER}.ipynb", f"{CHAPTER}.py"):
        restarter.api("DELETE", f"contents/{FOLDER}/chapters/{name}").raise_for_status()
    assert restarter.follow_link(link) == f"lab/tree/{path}"
    fresh = cell_text(restarter.get_notebook(path))
    assert fresh[first].splitlines()[0] == teacher_title and fresh[last].splitlines()[0] == teacher_closing, (
        "a deleted chapter should come back as the teacher's current version on the next click")

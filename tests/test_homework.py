"""Homework with nbgrader (tools/homework.py): the teacher's whole cycle, on every chapter that exists now.

One course directory is built per test module (build -> collect -> autograde -> feedback -> export, all
through the tool's command line, as the README's "For teachers" section tells a teacher). Three students hand in every
chapter, all graded by one `nbgrader autograde` process:
    reference  the source notebook (the reviewed solutions)        -> full marks
    untouched  the release notebook as a student gets it           -> 0
    partial    the release with only the first exercise solved     -> 0 < score < max
and, for chapter 1, `wrong`: every exercise solved, but exercise 1 forgets the bias -> loses exactly
exercise 1's points, and the feedback shows the check's message (expected vs got).

The module shares one course directory, so keep it in one pytest-xdist worker (`--dist loadfile`, as
./course.sh test runs it; the xdist_group mark does the same for `--dist loadgroup`).
"""
from __future__ import annotations

import copy
import csv
import html
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import jupytext
import nbformat
import pytest

pytestmark = pytest.mark.xdist_group("homework")

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "homework.py"
CHAPTERS = ROOT / "chapters"
# Chapters are being written while this runs: parametrize over the ones that exist at collection time.
CHAPTER_IDS = [p.stem for p in sorted(CHAPTERS.glob("[0-9][0-9]_*.py")) if re.fullmatch(r"\d\d_\w+", p.stem)]
STUDENTS = ("reference", "untouched", "partial")
SOLUTION_RE = re.compile(r"^[ \t]*### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION", re.S | re.M)
_spec = importlib.util.spec_from_file_location("homework", TOOL)
homework = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(homework)
HIDDEN_RE = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[^\n]*\n(.*?)^[ \t]*### END HIDDEN TESTS", re.S | re.M)


def tool(*args, timeout=1800) -> subprocess.CompletedProcess:
    """Run tools/homework.py with this Python, *without* its bin/ on PATH (as `.venv-dev/bin/python
    tools/homework.py` from a shell that has not activated the venv): the tool must find alembic itself."""
    bindir = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != bindir)
    env = dict(os.environ, PATH=path or os.defpath)
    return subprocess.run([sys.executable, str(TOOL), *map(str, args)], cwd=ROOT, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)


def nb_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def tail(text: str, n: int = 4000) -> str:
    return text if len(text) <= n else "...\n" + text[-n:]


# ---------------------------------------------------------------------------------------------------
# fixtures: one course, graded once
# ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def course(tmp_path_factory):
    out = tmp_path_factory.mktemp("homework") / "course"
    build = tool("build", out)
    return SimpleNamespace(out=out, build=build)


def release_of(course, cid: str) -> Path:
    path = course.out / "release" / cid / f"{cid}.ipynb"
    if not path.exists():
        pytest.fail(f"{cid} has no release notebook; the build said:\n{tail(course.build.stdout)}", pytrace=False)
    return path


def source_of(course, cid: str) -> Path:
    return course.out / "source" / cid / f"{cid}.ipynb"


def wrong_ch01(source_nb):
    """Chapter 1 solved, except that exercise 1 forgets the bias."""
    nb = copy.deepcopy(source_nb)
    cell = next(c for c in nb.cells if nb_meta(c).get("grade_id") == "ex1_neuron_forward")
    cell.source = ('def neuron_forward(x, w, b):\n'
                   '    return float(bl.sigmoid(np.dot(w, x)))   # forgot the bias\n')
    return nb


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    """Submit, autograde and give feedback for every built chapter; return the grades."""
    inbox = tmp_path_factory.mktemp("inbox")
    built = [c for c in CHAPTER_IDS if (course.out / "release" / c / f"{c}.ipynb").exists()]
    assert built, f"nothing was built:\n{tail(course.build.stdout)}"
    partial_solved = {}
    for cid in built:
        source = nbformat.read(source_of(course, cid), as_version=4)
        release = nbformat.read(course.out / "release" / cid / f"{cid}.ipynb", as_version=4)
        partial = copy.deepcopy(release)
        first = next(c for c in source.cells if nb_meta(c).get("solution"))
        partial_solved[cid] = nb_meta(first)["grade_id"]
        for cell in partial.cells:
            if nb_meta(cell).get("grade_id") == partial_solved[cid]:
                cell.source = first.source
        submissions = {"reference": source, "untouched": release, "partial": partial}
        if cid == "01_perceptron":
            submissions["wrong"] = wrong_ch01(source)
        for student, nb in submissions.items():
            (inbox / student).mkdir(exist_ok=True)
            # as downloaded from a hub or an LMS: the file name only has to contain the assignment id
            nbformat.write(nb, str(inbox / student / f"{student}-{cid}.ipynb"))
    for student_dir in sorted(inbox.iterdir()):
        proc = tool("collect", course.out, student_dir.name, *sorted(student_dir.glob("*.ipynb")))
        assert proc.returncode == 0, proc.stdout
    autograde = tool("autograde", course.out)
    feedback = tool("feedback", course.out)
    export = tool("export", course.out)
    grades = {}
    if (course.out / "grades.csv").exists():
        with open(course.out / "grades.csv", newline="") as f:
            for row in csv.DictReader(f):
                grades[row["assignment"], row["student_id"]] = (float(row["score"]), float(row["max_score"]))
    return SimpleNamespace(autograde=autograde, feedback=feedback, export=export, grades=grades,
                           partial_solved=partial_solved, course=course)


def score(graded, cid, student):
    if (cid, student) not in graded.grades:
        pytest.fail(f"no grade for {student}/{cid}; autograde said:\n{tail(graded.autograde.stdout)}", pytrace=False)
    return graded.grades[cid, student]


def autograded_nb(course, cid, student):
    return nbformat.read(course.out / "autograded" / student / cid / f"{cid}.ipynb", as_version=4)


def feedback_text(course, cid, student) -> str:
    path = course.out / "feedback" / student / cid / f"{cid}.html"
    assert path.exists(), f"no feedback {path}"
    raw = path.read_text(encoding="utf-8")
    return html.unescape(re.sub(r"<[^>]+>", "", raw[raw.find("<body"):]))


# ---------------------------------------------------------------------------------------------------
# the build
# ---------------------------------------------------------------------------------------------------
def test_build_makes_a_course_directory(course):
    assert course.build.returncode == 0, tail(course.build.stdout)
    assert (course.out / "nbgrader_config.py").exists() and (course.out / "gradebook.db").exists()
    for cid in CHAPTER_IDS:
        assert source_of(course, cid).exists(), f"no source notebook for {cid}"


@pytest.mark.parametrize("cid", CHAPTER_IDS)
def test_folders_hold_only_the_notebook(course, cid):
    """nbgrader copies every file of source/A/ into the release: a .py pair would hand out the solutions."""
    release = release_of(course, cid)
    for folder in (source_of(course, cid).parent, release.parent):
        files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
        assert files == [f"{cid}.ipynb"], f"{folder} holds {files}"


@pytest.mark.parametrize("cid", CHAPTER_IDS)
def test_source_matches_the_reviewed_chapter(course, cid):
    """The source notebook is chapters/NN_name.py, cell for cell, with outputs stripped (and the first code
    cell ending with homework.NO_PROGRESS)."""
    py = CHAPTERS / f"{cid}.py"
    chapter = jupytext.read(py)
    if py.stat().st_mtime > source_of(course, cid).stat().st_mtime:
        pytest.skip(f"{py.name} was edited after the build")     # chapters are written while tests run
    source = nbformat.read(source_of(course, cid), as_version=4)
    assert [c.cell_type for c in source.cells] == [c.cell_type for c in chapter.cells]
    first_code = next(i for i, c in enumerate(chapter.cells) if c.cell_type == "code")
    for i, (a, b) in enumerate(zip(source.cells, chapter.cells)):
        assert nb_meta(a) == nb_meta(b)
        if a.cell_type == "code":   # the imports cell also turns off the self-learners' progress record
            expected = b.source.rstrip("\n") + homework.NO_PROGRESS if i == first_code else b.source
            assert a.source == expected and not a.outputs
        else:   # links to other chapters point to the assignment folders; the self-study note is replaced
            assert a.source == homework.homework_markdown(b.source, homework.chapter_link(CHAPTER_IDS))


@pytest.mark.parametrize("cid", CHAPTER_IDS)
def test_release_has_no_solutions_and_no_hidden_tests(course, cid):
    source = nbformat.read(source_of(course, cid), as_version=4)
    release_path = release_of(course, cid)
    release = nbformat.read(release_path, as_version=4)
    raw = release_path.read_text(encoding="utf-8")
    text = "\n".join(c.source for c in release.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in raw, f"{cid}: the release contains '{marker}'"
    # Every line of a solution or hidden-test region must be gone, unless the same text also appears
    # outside those regions (in the teaching part, say), where the student may see it anyway.
    public = "\n".join(HIDDEN_RE.sub("", SOLUTION_RE.sub("", c.source)) for c in source.cells)
    secret = []
    for cell in source.cells:
        regions = SOLUTION_RE.findall(cell.source) + HIDDEN_RE.findall(cell.source)
        secret += [line.strip() for region in regions for line in region.splitlines()]
    assert secret or not any(nb_meta(c).get("solution") for c in source.cells), f"{cid}: no solution regions?"
    for line in (s for s in secret if s and s not in public):
        assert line not in text and json.dumps(line, ensure_ascii=False)[1:-1] not in raw, \
            f"{cid}: the release shows `{line}`"
    assert "the solution is already in the code cell" not in text, f"{cid}: the self-study note is left in"
    stubs = [c for c in release.cells if nb_meta(c).get("solution")]
    assert stubs and all("raise NotImplementedError()" in c.source for c in stubs)


@pytest.mark.parametrize("cid", CHAPTER_IDS)
def test_release_shows_the_stubs_expanded(course, cid):
    """The chapters collapse their solution cells (self-learners); a student's stub must be visible."""
    release = nbformat.read(release_of(course, cid), as_version=4)
    for cell in release.cells:
        assert not cell.metadata.get("jupyter", {}).get("source_hidden"), f"{cid}: a collapsed cell"
    assert "jupytext" not in release.metadata, "a jupytext pairing would write the notebook's .py next to it"


@pytest.mark.parametrize("cid", CHAPTER_IDS)
def test_run_all_of_the_release_teaches_before_it_stops(course, graded, cid):
    """A student's Run All executes the whole teaching part (plots, widgets) and stops only at an exercise,
    with the check's message (or the stub's NotImplementedError), not with a crash in the teaching part.

    The `untouched` student's autograded notebook is that run: nbgrader executed the release notebook
    with nbclient, unchanged except that the locked check cells got their hidden tests back (and, unlike
    Run All, it went on after the first error). Reusing it saves one execution per chapter."""
    release = nbformat.read(release_of(course, cid), as_version=4)
    nb = autograded_nb(course, cid, "untouched")
    assert [c.source for c in nb.cells if not nb_meta(c)] == [c.source for c in release.cells if not nb_meta(c)]
    first_exercise = min(i for i, c in enumerate(nb.cells) if nb_meta(c))
    heading = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and "## Exercises" in c.source]
    assert heading and heading[0] < first_exercise, \
        f"{cid}: an exercise cell (cell {first_exercise}) comes before the '## Exercises' heading, so " \
        "Run All would stop before the teaching content after it"
    errors = [(i, o) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors, f"{cid}: Run All of the release raised nothing, so no exercise is left to do"
    i, err = errors[0]
    assert i >= first_exercise, \
        f"{cid}: cell {i} (before the first exercise, cell {first_exercise}) fails in the release:\n" \
        f"{err.ename}: {err.evalue}\n{nb.cells[i].source[:500]}"
    assert err.ename in ("NotImplementedError", "CheckFailed"), \
        f"{cid}: the first error is {err.ename}: {err.evalue} in cell {i}, not the stub or its check"
    ran = [c for c in nb.cells[:first_exercise] if c.cell_type == "code"]
    assert all(c.execution_count for c in ran), f"{cid}: not every teaching cell ran"


def test_stray_files_in_a_source_folder_stay_out_of_the_release(course, tmp_path):
    """nbgrader_config.py's CourseDirectory.ignore: a jupytext .py pair (with the solutions), checkpoints
    and caches in source/A/ are not copied to the release."""
    cid = CHAPTER_IDS[0]
    folder = tmp_path / "source" / cid
    shutil.copytree(course.out / "source" / cid, folder)
    shutil.copyfile(course.out / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copyfile(CHAPTERS / f"{cid}.py", folder / f"{cid}.py")
    (folder / ".ipynb_checkpoints").mkdir()
    shutil.copyfile(source_of(course, cid), folder / ".ipynb_checkpoints" / f"{cid}-checkpoint.ipynb")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"")
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", cid, "--force"], cwd=tmp_path,
                          env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    assert proc.returncode == 0, tail(proc.stdout)
    files = sorted(str(p.relative_to(tmp_path / "release" / cid)) for p in (tmp_path / "release" / cid).rglob("*"))
    assert files == [f"{cid}.ipynb"]


# ---------------------------------------------------------------------------------------------------
# grading
# ---------------------------------------------------------------------------------------------------
def test_autograde_feedback_and_export_run(graded):
    for name in ("autograde", "feedback", "export"):
        proc = getattr(graded, name)
        assert proc.returncode == 0, f"{name} failed:\n{tail(proc.stdout)}"


@pytest.mark.parametrize("cid", CHAPTER_IDS)
def test_reference_solutions_get_full_marks(course, graded, cid):
    source = nbformat.read(source_of(course, cid), as_version=4)
    points = sum(nb_meta(c).get("points", 0) for c in source.cells if nb_meta(c).get("grade"))
    got, max_score = score(graded, cid, "reference")
    assert max_score == points > 0
    assert got == max_score, f"{cid}: the reference solutions get {got}/{max_score}"
    # with the solutions in, the whole notebook runs, including exercise set-ups between the checks
    nb = autograded_nb(course, cid, "reference")
    errors = [(i, o) for i, c in enumerate(nb.cells) for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, f"{cid}: cell {errors[0][0]} fails even with the solutions: " \
                       f"{errors[0][1].ename}: {errors[0][1].evalue}"


@pytest.mark.parametrize("cid", CHAPTER_IDS)
def test_untouched_release_gets_zero(graded, cid):
    got, max_score = score(graded, cid, "untouched")
    assert got == 0, f"{cid}: the untouched release gets {got}/{max_score}: a check passes without the student's work"


@pytest.mark.parametrize("cid", CHAPTER_IDS)
def test_partly_solved_gets_partial_marks_and_readable_feedback(course, graded, cid):
    got, max_score = score(graded, cid, "partial")
    assert 0 < got < max_score, f"{cid}: only {graded.partial_solved[cid]} solved gets {got}/{max_score}"
    # every failed check says why in the check's own words (CheckFailed, rendered as its message),
    # except a check of variables that a top-level stub never defined (the stub's NotImplementedError
    # above it is the message then)
    nb = autograded_nb(course, cid, "partial")
    stub_raised = False
    for cell in nb.cells:
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if nb_meta(cell).get("solution"):
            stub_raised = stub_raised or any(e.ename == "NotImplementedError" for e in errors)
        if nb_meta(cell).get("grade") and errors:
            e = errors[0]
            assert e.ename == "CheckFailed" or (e.ename == "NameError" and stub_raised), \
                f"{cid}: check {nb_meta(cell)['grade_id']} fails with a raw {e.ename}: {e.evalue}"
    text = feedback_text(course, cid, "partial")
    assert "Correct:" in text, f"{cid}: the feedback does not show the solved exercise's check passing"
    assert f"{cid} (Score: {got:.1f} / {max_score:.1f})" in text, f"{cid}: the feedback does not show the score"
    assert "HIDDEN TESTS" not in text and "hidden=True" not in text, "the feedback shows the hidden tests' code"


def test_wrong_answer_feedback_shows_the_checks_message(course, graded):
    if "01_perceptron" not in CHAPTER_IDS:
        pytest.skip("chapter 1 is not there")
    source = nbformat.read(source_of(course, "01_perceptron"), as_version=4)
    ex1 = next(c for c in source.cells if nb_meta(c).get("grade") and nb_meta(c)["grade_id"] == "ex1_check")
    got, max_score = score(graded, "01_perceptron", "wrong")
    assert got == max_score - nb_meta(ex1)["points"]
    nb = autograded_nb(course, "01_perceptron", "wrong")
    check = next(c for c in nb.cells if nb_meta(c).get("grade_id") == "ex1_check")
    err = next(o for o in check.outputs if o.output_type == "error")
    shown = "\n".join(err.traceback)
    assert err.ename == "CheckFailed" and "Traceback (most recent call last)" not in shown
    text = feedback_text(course, "01_perceptron", "wrong")
    m = re.search(r"Not yet: neuron_forward\(x=.*?: expected .*?, got .*", text)
    assert m, "the feedback does not show the check's message"
    # the grading run shows only the first rung of the hint ladder: the kind of slip, not the code hint
    shown = text[m.start():m.start() + 1000]
    assert "What went wrong:" in shown and "Hint:" not in shown and "Reread:" not in shown


# ---------------------------------------------------------------------------------------------------
# what the release links to, the score table, chosen chapters
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cid", CHAPTER_IDS)
def test_release_does_not_link_to_the_full_course(course, cid):
    """The chapters' "Open in Binder" badge opens the whole course, solutions one click away: not in the release."""
    raw = release_of(course, cid).read_text(encoding="utf-8")
    for needle in ("mybinder.org", "github.com/backprop-course", "badge_logo"):
        assert needle not in raw, f"{cid}: the release links to the full course ({needle})"


def test_autograde_prints_a_score_table_and_no_checksum_warnings(graded):
    out = graded.autograde.stdout
    assert "Attribute 'checksum'" not in out, "nbgrader's per-cell checksum warnings are not collapsed"
    table = out[out.rfind("scores (points / max"):].splitlines()
    assert table and table[0].startswith("scores"), f"no score table:\n{tail(out)}"
    header = table[1].split()
    built = [c for c in CHAPTER_IDS if (graded.course.out / "release" / c).is_dir()]
    assert header == ["student", *built]
    rows = {line.split()[0]: line.split()[1:] for line in table[2:] if line.strip()}
    for cid in built:
        got, max_score = score(graded, cid, "reference")
        assert rows["reference"][built.index(cid)] == f"{got:g}/{max_score:g}"


def test_build_chosen_chapters_grades_only_those(tmp_path):
    """The README's cycle for chosen chapters, by short ids: grades.csv and the table hold only those."""
    chosen = CHAPTER_IDS[:2]
    out = tmp_path / "course"
    build = tool("build", out, *[c[:2] for c in chosen])
    assert build.returncode == 0, tail(build.stdout)
    assert sorted(p.name for p in (out / "release").iterdir()) == chosen
    assert (out / "assigned.txt").read_text().split() == chosen
    release = out / "release" / chosen[0] / f"{chosen[0]}.ipynb"
    proc = tool("collect", out, "alice", release)
    assert proc.returncode == 0, proc.stdout
    autograde = tool("autograde", out)
    assert autograde.returncode == 0, tail(autograde.stdout)
    table = autograde.stdout[autograde.stdout.rfind("scores (points / max"):].splitlines()
    assert table[1].split() == ["student", *chosen] and table[2].split()[0] == "alice"
    assert table[2].split()[2] == "-", "alice handed in only the first chapter"
    export = tool("export", out)
    assert export.returncode == 0, tail(export.stdout)
    with open(out / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["assignment"] for r in rows) == chosen and {r["student_id"] for r in rows} == {"alice"}
    assert tool("build", out, "99").returncode != 0

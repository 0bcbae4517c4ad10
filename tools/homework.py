#!/usr/bin/env python3
"""Homework with nbgrader: turn the chapters into assignments a teacher can release and autograde.

    python tools/homework.py build OUT                       # OUT becomes an nbgrader course directory
    python tools/homework.py collect OUT STUDENT FILE...     # file a student's notebooks for grading
    python tools/homework.py autograde OUT [ASSIGNMENT...]   # grade every submission (default: all)
    python tools/homework.py feedback OUT [ASSIGNMENT...]    # HTML feedback for every graded submission
    python tools/homework.py export OUT                      # OUT/grades.csv: every student x assignment

`build` writes
    OUT/nbgrader_config.py                  (only if missing: a teacher's edits are kept)
    OUT/source/NN_name/NN_name.ipynb        one assignment per chapter, made from chapters/NN_name.py
                                            with jupytext, so it always matches the reviewed source
    OUT/release/NN_name/NN_name.ipynb       what students get: `nbgrader generate_assignment` replaced
                                            the solutions by stubs and removed the hidden tests
The source copies differ from the chapters in four ways: solution cells are not collapsed (so the
students' stubs are visible), the exercises' note for self-learners ("the solution is already in the
code cell, collapsed") says how to fill in the stubs instead, the jupytext pairing is dropped (so
opening a copy in JupyterLab never writes a .py with the solutions next to it), and links to other
chapters point to the other assignment folders (`../NN_name/NN_name.ipynb`). A source folder holds only its .ipynb, and nbgrader_config.py
tells nbgrader to ignore any .py that appears there anyway.

Every nbgrader call runs as `python -m nbgrader` with this Python, in OUT, with this Python's bin/ first
on PATH (nbgrader runs `alembic` from PATH), so `.venv/bin/python tools/homework.py ...` works without
activating the environment. Any other nbgrader command runs from inside OUT with the environment
activated (`cd OUT && source ../.venv/bin/activate && nbgrader db student list`).
"""
from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
CHAPTER_RE = re.compile(r"\d\d_[A-Za-z0-9_]+")

NBGRADER_CONFIG = '''\
# nbgrader configuration for the backprop course (written by tools/homework.py build; edit freely,
# `build` never overwrites this file). Run nbgrader from this folder.
c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "backprop"
# generate_assignment copies *every* file of source/NN_name/ into the release: never let a .py
# (a jupytext pair holds the solutions), a checkpoint or a cache reach the students.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "__pycache__", "*.pyc", "*.py", ".*", "feedback",
                            "gradebook.db"]
# What a student sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# Seconds per cell when autograding (a chapter runs in a few seconds; a student's loop may not).
c.Execute.timeout = 120
# Feedback shows each check's result (its message says which input failed, expected vs got), but not
# the code of the hidden tests, so the same exercises can be used again next year.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
'''


# Every chapter tells self-learners that its solutions are collapsed in the exercise cells. In the
# release they are stubs, so the source copies say that instead.
SELF_STUDY_NOTE = re.compile(r"In this copy of the course the solution is already in the code cell.*?(?=\n[ \t]*\n|\Z)",
                             re.S)
HOMEWORK_NOTE = ("In this copy each exercise's code cell holds a stub: replace `# YOUR CODE HERE` and\n"
                 "`raise NotImplementedError()` by your code, run the cell, then run the check below it.\n"
                 "Your notebook is graded by running it from top to bottom: make sure Run All works.")


def chapter_sources(chapters_dir: Path = CHAPTERS) -> list[Path]:
    """The reviewed sources chapters/NN_name.py, in order."""
    return sorted(p for p in chapters_dir.glob("[0-9][0-9]_*.py") if CHAPTER_RE.fullmatch(p.stem))


def nbgrader_env() -> dict:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    # the checks show only the first rung of their hint ladder in a grading run (backprop_lib.checks.grading)
    env["BACKPROP_GRADING"] = "1"
    return env


def nbgrader(course: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run `python -m nbgrader ARGS` in the course directory; print its output."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    print(f"$ (cd {shlex.quote(str(course))} && nbgrader {shlex.join(args)})", flush=True)
    proc = subprocess.run(cmd, cwd=course, env=nbgrader_env(), text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
    if proc.stdout.strip():
        print(proc.stdout.rstrip(), flush=True)
    if check and proc.returncode:
        raise SystemExit(f"nbgrader {' '.join(args)} failed (exit {proc.returncode})")
    return proc


def homework_markdown(text: str, link: re.Pattern) -> str:
    """A markdown cell as the homework shows it: links to chapters go to the assignment folders, and the
    self-study note about collapsed solutions becomes a note about the stubs."""
    text = link.sub(lambda m: f"](../{m.group(1)}/{m.group(1)}.ipynb{m.group(2)}", text)
    return SELF_STUDY_NOTE.sub(HOMEWORK_NOTE, text)


def chapter_link(chapter_ids) -> re.Pattern:
    """Markdown links to a chapter notebook by its relative name, e.g. `](02_sigmoid_derivative.ipynb)`."""
    names = "|".join(map(re.escape, sorted(chapter_ids))) or r"(?!)"
    return re.compile(r"\]\((?:\./)?(" + names + r")\.ipynb([#)])")


def source_notebook(py: Path, chapter_ids: set[str]):
    """The chapter as the nbgrader source notebook (no outputs; see the module docstring)."""
    import jupytext

    nb = jupytext.read(py)
    nb.metadata.pop("jupytext", None)
    link = chapter_link(chapter_ids)
    for cell in nb.cells:
        jup = cell.metadata.get("jupyter")
        if isinstance(jup, dict):
            jup.pop("source_hidden", None)
            if not jup:
                del cell.metadata["jupyter"]
        if cell.cell_type == "markdown":
            cell.source = homework_markdown(cell.source, link)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def build(out: Path, only: list[str] | None = None) -> int:
    import nbformat

    out.mkdir(parents=True, exist_ok=True)
    config = out / "nbgrader_config.py"
    if not config.exists():
        config.write_text(NBGRADER_CONFIG)
    sources = chapter_sources()
    ids = {p.stem for p in sources}
    if only:
        unknown = set(only) - ids
        if unknown:
            raise SystemExit(f"no such chapter(s): {', '.join(sorted(unknown))}; have {', '.join(sorted(ids))}")
        sources = [p for p in sources if p.stem in only]
    failed = []
    for py in sources:
        folder = out / "source" / py.stem
        for generated in (folder, out / "release" / py.stem):
            if generated.exists():
                shutil.rmtree(generated)   # stale files (a .py, checkpoints) must not survive a rebuild
        folder.mkdir(parents=True)
        try:
            nbformat.write(source_notebook(py, ids), str(folder / f"{py.stem}.ipynb"))
        except Exception as e:          # a chapter being written may not parse yet: build the others
            print(f"!! {py.name}: {type(e).__name__}: {e}", flush=True)
            shutil.rmtree(folder)
            failed.append(py.stem)
    # One nbgrader process for all assignments (its start-up takes seconds); nbgrader goes on past an
    # assignment that fails and removes its release folder, so a missing release means a failure.
    for pattern in (["*"] if not only else [p.stem for p in sources if p.stem not in failed]):
        nbgrader(out, "generate_assignment", pattern, "--force", check=False)
    failed += [p.stem for p in sources
               if p.stem not in failed and not (out / "release" / p.stem / f"{p.stem}.ipynb").exists()]
    built = [p.stem for p in sources if p.stem not in failed]
    print(f"built {len(built)} assignment(s) in {out}: {', '.join(built) or '-'}")
    if failed:
        print(f"FAILED: {', '.join(failed)} (see the messages above)", file=sys.stderr)
        return 1
    return 0


def run_per_assignment(out: Path, inputs: str, command: str, names: list[str]) -> list[str]:
    """`nbgrader COMMAND A --force` for each assignment A named; with none named, for every assignment
    and student in OUT/INPUTS/STUDENT/A/ at once (nbgrader expands the glob "*" itself, and one process
    saves seconds of start-up per assignment). Returns the calls that failed."""
    if not names and not any(p.is_dir() for p in (out / inputs).glob("*/*")):
        raise SystemExit(f"nothing in {out / inputs}/STUDENT/ASSIGNMENT/ yet")
    return [a for a in (names or ["*"]) if nbgrader(out, command, a, "--force", check=False).returncode]


def collect(out: Path, student: str, files: list[Path]) -> int:
    """Copy a student's notebooks (downloaded from an LMS, e-mail, a hub) to submitted/STUDENT/A/A.ipynb.
    The assignment is the chapter id (NN_name) in the file's name."""
    known = sorted((p.name for p in (out / "source").iterdir() if p.is_dir()), key=len, reverse=True)
    for f in files:
        match = next((a for a in known if a in f.name), None)
        if match is None or f.suffix != ".ipynb":
            raise SystemExit(f"{f}: not a notebook named after an assignment ({', '.join(sorted(known))})")
        dest = out / "submitted" / student / match
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, dest / f"{match}.ipynb")
        print(f"{f} -> {dest / (match + '.ipynb')}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="make OUT an nbgrader course: source/ from the chapters, release/")
    p.add_argument("out", type=Path)
    p.add_argument("chapters", nargs="*", help="only these chapters (default: all)")
    p = sub.add_parser("collect", help="file a student's notebooks under OUT/submitted/STUDENT/")
    p.add_argument("out", type=Path)
    p.add_argument("student")
    p.add_argument("files", nargs="+", type=Path)
    for name, help_ in (("autograde", "nbgrader autograde, every submitted student at once"),
                        ("feedback", "nbgrader generate_feedback: OUT/feedback/STUDENT/A/A.html")):
        p = sub.add_parser(name, help=help_)
        p.add_argument("out", type=Path)
        p.add_argument("assignments", nargs="*", help="default: all that have submissions")
    p = sub.add_parser("export", help="nbgrader export: OUT/grades.csv")
    p.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    out = args.out.resolve()
    if args.command == "build":
        return build(out, args.chapters)
    if not (out / "nbgrader_config.py").exists():
        raise SystemExit(f"{out} is not a course directory: run `python tools/homework.py build {args.out}` first")
    if args.command == "collect":
        return collect(out, args.student, args.files)
    if args.command == "autograde":
        failed = run_per_assignment(out, "submitted", "autograde", args.assignments)
    elif args.command == "feedback":
        failed = run_per_assignment(out, "autograded", "generate_feedback", args.assignments)
    else:
        failed = ["export"] if nbgrader(out, "export", check=False).returncode else []
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

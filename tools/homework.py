#!/usr/bin/env python3
"""Homework with nbgrader: turn the chapters into assignments a teacher can release and autograde.

    python tools/homework.py build OUT [CHAPTER...]          # OUT becomes an nbgrader course directory
                                                             # (CHAPTER: 05 or 05_matrix_form; default all)
    python tools/homework.py collect OUT STUDENT FILE...     # file a student's notebooks for grading
    python tools/homework.py autograde OUT [ASSIGNMENT...]   # grade every submission (default: all)
    python tools/homework.py feedback OUT [ASSIGNMENT...]    # HTML feedback for every graded submission
    python tools/homework.py export OUT                      # OUT/grades.csv: every student x assigned chapter

`build` writes
    OUT/nbgrader_config.py                  (only if missing: a teacher's edits are kept)
    OUT/source/NN_name/NN_name.ipynb        one assignment per chapter, made from chapters/NN_name.py
                                            with jupytext, so it always matches the reviewed source
    OUT/release/NN_name/NN_name.ipynb       what students get: `nbgrader generate_assignment` replaced
                                            the solutions by stubs and removed the hidden tests
The source copies differ from the chapters in five ways: solution cells are not collapsed (so the
students' stubs are visible), the exercises' note for self-learners ("the solution is already in the
code cell, collapsed") says how to fill in the stubs instead, the jupytext pairing is dropped (so
opening a copy in JupyterLab never writes a .py with the solutions next to it), and links to other
chapters point to the other assignment folders (`../NN_name/NN_name.ipynb`), and the first code cell
ends with `progress.disable()` (NO_PROGRESS: homework records no passes on the student's computer). A source folder holds only its .ipynb, and nbgrader_config.py
tells nbgrader to ignore any .py that appears there anyway.

Every nbgrader call runs as `python -m nbgrader` with this Python, in OUT, with this Python's bin/ first
on PATH (nbgrader runs `alembic` from PATH), so `.venv-dev/bin/python tools/homework.py ...` works without
activating the environment. Any other nbgrader command runs from inside OUT with the environment
activated (`cd OUT && source ../.venv-dev/bin/activate && nbgrader db student list`).
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
        print(explain_checksums(proc.stdout.rstrip()), flush=True)
    if check and proc.returncode:
        raise SystemExit(f"nbgrader {' '.join(args)} failed (exit {proc.returncode})")
    return proc


# Links that open the full course (with every solution one click away): the chapters' "Open in Binder"
# badge and any link to the course's repository. The release drops them, with the line they stand on.
COURSE_LINK = re.compile(r"^[ \t]*(?:\[!\[[^\]]*\]\([^)]*\)\]\([^)]*(?:mybinder\.org|binder)[^)]*\)"
                         r"|.*\]\(https?://(?:mybinder\.org|github\.com/backprop-course)[^)]*\)).*\n?", re.M | re.I)


CHECKSUM = re.compile(r"^.*Attribute 'checksum' for cell (\S+) has changed!.*\n?", re.M)


def explain_checksums(output: str) -> str:
    """nbgrader autograde warns "Attribute 'checksum' for cell ex1_check has changed!" whenever a locked
    cell of a submission differs from the teacher's version (it then grades with the teacher's cell). It
    reads like tampering, but a notebook that went through another Jupyter version, or the teacher's own
    source copy, triggers it too. Collapse the warnings into one line that says what happened."""
    cells = CHECKSUM.findall(output)
    if not cells:
        return output
    note = (f"note: nbgrader restored {len(cells)} locked cell(s) ({', '.join(sorted(set(cells)))}) from the "
            "teacher's version, because their content or metadata in a submission differs from the release "
            "(a submitted source copy, another Jupyter's metadata, or an edit); grading used the teacher's "
            "cells, so the scores are not affected.")
    return CHECKSUM.sub("", output).rstrip() + "\n" + note


def homework_markdown(text: str, link: re.Pattern) -> str:
    """A markdown cell as the homework shows it: links to chapters go to the assignment folders, links to
    the full course (Binder, the repository: the solutions are one click away there) are removed, and the
    self-study note about collapsed solutions becomes a note about the stubs."""
    text = link.sub(lambda m: f"](../{m.group(1)}/{m.group(1)}.ipynb{m.group(2)}", text)
    text = re.sub(r"\n{3,}", "\n\n", COURSE_LINK.sub("", text)).strip("\n")
    return SELF_STUDY_NOTE.sub(HOMEWORK_NOTE, text)


def chapter_link(chapter_ids) -> re.Pattern:
    """Markdown links to a chapter notebook by its relative name, e.g. `](02_sigmoid_derivative.ipynb)`."""
    names = "|".join(map(re.escape, sorted(chapter_ids))) or r"(?!)"
    return re.compile(r"\]\((?:\./)?(" + names + r")\.ipynb([#)])")


# Self-learners' checks record their passes on their computer (backprop_lib.progress, the course's start
# page shows them). Homework is graded, not tracked there: the first code cell (the imports) of every
# source and release notebook ends with this, so a student's passes in a homework copy are never recorded.
NO_PROGRESS = ("\n\nfrom backprop_lib import progress as _progress\n"
               "_progress.disable()   # homework copy: the checks keep no record of passes on this computer")


def source_notebook(py: Path, chapter_ids: set[str]):
    """The chapter as the nbgrader source notebook (no outputs; see the module docstring)."""
    import jupytext

    nb = jupytext.read(py)
    nb.metadata.pop("jupytext", None)
    link = chapter_link(chapter_ids)
    first_code = next((c for c in nb.cells if c.cell_type == "code"), None)
    if first_code is not None:
        first_code.source = first_code.source.rstrip("\n") + NO_PROGRESS
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


ASSIGNED = "assigned.txt"


def resolve_chapters(names: list[str], ids: set[str]) -> list[str]:
    """Chapter ids from what a teacher types: 05_matrix_form, 05 or 5 (new chapters are found in chapters/)."""
    out = []
    for name in names:
        match = [i for i in ids if i == name or (name.isdigit() and i.startswith(f"{int(name):02d}_"))]
        if len(match) != 1:
            raise SystemExit(f"no such chapter: {name}; have {', '.join(sorted(ids))}")
        out.append(match[0])
    return out


def assigned(out: Path) -> list[str]:
    """The chapters built in OUT so far (the assignments grades.csv reports)."""
    path = out / ASSIGNED
    if path.exists():
        return [line.strip() for line in path.read_text().splitlines() if line.strip()]
    return sorted(p.name for p in (out / "source").iterdir() if p.is_dir()) if (out / "source").is_dir() else []


def build(out: Path, only: list[str] | None = None) -> int:
    import nbformat

    out.mkdir(parents=True, exist_ok=True)
    config = out / "nbgrader_config.py"
    if not config.exists():
        config.write_text(NBGRADER_CONFIG)
    sources = chapter_sources()
    ids = {p.stem for p in sources}
    if only:
        only = resolve_chapters(only, ids)
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
    (out / ASSIGNED).write_text("".join(f"{a}\n" for a in sorted(set(assigned(out)) | set(built))))
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


def export(out: Path, dest: Path, quiet: bool = False) -> list[dict]:
    """`nbgrader export` into dest, keeping only the assigned chapters' rows; returns the rows."""
    import csv

    tmp = out / ".grades_all.csv"
    proc = nbgrader(out, "export", f"--to={tmp}", check=False) if not quiet else subprocess.run(
        [sys.executable, "-m", "nbgrader", "export", f"--to={tmp}"], cwd=out, env=nbgrader_env(), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if proc.returncode or not tmp.exists():
        return []
    keep = set(assigned(out))
    with open(tmp, newline="") as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if r["assignment"] in keep]
        fields = reader.fieldnames or []
    tmp.unlink()
    with open(dest, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    if not quiet:
        print(f"{dest}: {len(rows)} rows (students x the {len(keep)} assigned chapter(s))")
    return rows or [{}]


def score_table(out: Path) -> str:
    """Scores as a table, one row per student, one column per assigned chapter ('-': not handed in)."""
    rows = [r for r in export(out, out / ".scores.csv", quiet=True) if r]
    (out / ".scores.csv").unlink(missing_ok=True)
    if not rows:
        return "no scores yet"
    chapters = sorted({r["assignment"] for r in rows})
    students = sorted({r["student_id"] for r in rows})
    got = {(r["student_id"], r["assignment"]): r for r in rows}
    cell = {}
    for (student, chapter), r in got.items():
        submitted = (out / "autograded" / student / chapter).is_dir()
        cell[student, chapter] = f"{float(r['score']):g}/{float(r['max_score']):g}" if submitted else "-"
    width = max(len(c) for c in chapters + ["00000/0000"])
    name_w = max(len(s) for s in students + ["student"])
    lines = ["scores (points / max; '-': not handed in):",
             "student".ljust(name_w) + "  " + "  ".join(c.rjust(width) for c in chapters)]
    for s in students:
        lines.append(s.ljust(name_w) + "  " + "  ".join(cell.get((s, c), "-").rjust(width) for c in chapters))
    return "\n".join(lines)


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
        print(score_table(out))
    elif args.command == "feedback":
        failed = run_per_assignment(out, "autograded", "generate_feedback", args.assignments)
    else:
        failed = [] if export(out, out / "grades.csv") else ["export"]
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

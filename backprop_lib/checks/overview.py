"""The whole course at a glance, for the start page: every chapter, its exercises, and which of them
passed on this machine.

Nothing here is a list someone has to keep up to date: the chapters are the notebooks
``chapters/NN_name.py`` (or ``.ipynb``) found on disk, each one's title and one-line summary are read
from its first markdown cell (the "# Chapter N · Title" heading and its "In this chapter you will" list), the exercises are the ``Exercise`` objects of ``backprop_lib.checks.chNN`` (every checks
module there, in the order of their keys; the parts "chNN.exK.part" of one exercise count as one), and the passes come from ``backprop_lib.progress``.

    from backprop_lib.checks import overview
    status = overview.course_status("chapters")
    print(overview.report(status))
"""
from __future__ import annotations

import importlib
import json
import pkgutil
import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import progress as _progress
from ._core import Exercise, exercise_key

CHAPTER_FILE = re.compile(r"(\d\d)_[A-Za-z0-9_]+")
CHECKS_MODULE = re.compile(r"ch(\d\d)")


@dataclass
class ExerciseStatus:
    key: str                 # "ch01.ex1"
    number: int              # 1
    name: str                # what the exercise asks for: "neuron_forward"
    passed: bool             # the check passed with the student's own code on this machine
    solution_ran: bool       # a pass was recorded, but only of the shipped solution cell
    last_pass: str | None    # UTC time of the last own pass (ISO 8601)


@dataclass
class ChapterStatus:
    number: str              # "01"
    stem: str                # "01_perceptron" ("" if there are checks but no notebook)
    title: str               # "The perceptron"
    summary: str             # one line: "You will " + the first item of "In this chapter you will"
    goals: list[str]         # every item of that list
    notebook: str            # path of the .ipynb relative to the course folder: "chapters/01_perceptron.ipynb"
    exercises: list[ExerciseStatus] = field(default_factory=list)
    problem: str = ""        # why the exercises could not be listed (a checks module that fails to import)

    @property
    def passed(self) -> int:
        return sum(e.passed for e in self.exercises)


def _first_markdown(path: Path) -> str:
    """The first markdown cell of a jupytext py:percent file or of a notebook, as plain markdown."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "markdown":
                src = cell.get("source", "")
                return "".join(src) if isinstance(src, list) else str(src)
        return ""
    lines, inside = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# %%"):
            if inside:
                break
            inside = "[markdown]" in line
            continue
        if inside:
            lines.append(line[2:] if line.startswith("# ") else line.lstrip("#"))
    return "\n".join(lines)


def _plain(text: str) -> str:
    """Markdown links and badges reduced to their text; * and _ emphasis removed; one line."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    return " ".join(text.split())


def first_sentence(paragraph: str) -> str:
    """Up to the first full stop followed by a space and a capital letter (not inside $...$ math)."""
    depth, i = 0, 0
    while i < len(paragraph):
        ch = paragraph[i]
        if ch == "$":
            depth ^= 1
        elif ch in ".?!" and not depth and paragraph[i + 1:i + 2] == " " and paragraph[i + 2:i + 3].isupper():
            return paragraph[:i + 1]
        i += 1
    return paragraph


def chapter_header(path: Path) -> tuple[str, str, list[str]]:
    """(title, summary, goals) of a chapter from its first markdown cell: the heading without
    "Chapter N ·"; the goals are the items of its "In this chapter you will" list, and the summary is
    "You will " + the first of them (without a list, the first sentence of the introduction)."""
    text = _first_markdown(path)
    title, intro, goals = "", "", []
    blocks = [b.strip() for b in re.split(r"\n[ \t]*\n", text) if b.strip()]
    for i, block in enumerate(blocks):
        if block.startswith("#") and not title:
            title = re.sub(r"^#+\s*", "", block.splitlines()[0])
            title = re.sub(r"^Chapter\s+\d+\s*[·:.\-–—]\s*", "", title).strip()
        elif re.match(r"\**In this chapter you will", block):
            items = block.split("\n", 1)[1] if "\n" in block else (blocks[i + 1] if i + 1 < len(blocks) else "")
            goals = [_plain(item).rstrip(";.") for item in re.split(r"(?m)^[ \t]*[-*][ \t]+", items) if _plain(item)]
        elif not intro and not block.startswith(("#", "**", "-", "|", ">")) and _plain(block):
            intro = first_sentence(_plain(block))
    summary = f"You will {goals[0]}." if goals else intro
    return title or path.stem, summary, goals


def chapter_files(chapters_dir: str | Path) -> dict[str, Path]:
    """{"01": chapters/01_perceptron.py, ...}: the reviewed .py source where there is one, else the .ipynb."""
    found: dict[str, Path] = {}
    folder = Path(chapters_dir)
    for suffix in (".ipynb", ".py"):           # .py last: it wins
        for p in sorted(folder.glob(f"[0-9][0-9]_*{suffix}")):
            m = CHAPTER_FILE.fullmatch(p.stem)
            if m:
                found[m.group(1)] = p
    return dict(sorted(found.items()))


def checks_modules() -> list[str]:
    """The chapter numbers that have a checks module (backprop_lib/checks/chNN.py), in order."""
    package = importlib.import_module(__package__)
    return sorted(m.group(1) for info in pkgutil.iter_modules(package.__path__)
                  if (m := CHECKS_MODULE.fullmatch(info.name)))


@dataclass
class ExerciseInfo:
    key: str                 # "ch01.ex1"
    number: int              # 1
    name: str                # what it asks for; the parts' names for an exercise in parts ("relu, ...")


def _exercise_number(key: str) -> int:
    m = re.search(r"\.ex(\d+)$", key)
    return int(m.group(1)) if m else 10 ** 6


def exercises(number: str) -> list[ExerciseInfo]:
    """The exercises of chapter `number` ("01"), from the Exercise objects backprop_lib.checks.chNN
    defines: keys "chNN.exK", or "chNN.exK.part" for the parts of one exercise (grouped, in the order the
    module defines them), sorted by K. Raises what importing the module raises."""
    module = importlib.import_module(f"{__package__}.ch{number}")
    groups: dict[str, list[str]] = {}
    for v in {id(v): v for v in vars(module).values() if isinstance(v, Exercise)}.values():
        key = exercise_key(v)
        if key.startswith(f"ch{number}.") and v.name not in groups.setdefault(key, []):
            groups[key].append(v.name)
    return sorted((ExerciseInfo(k, _exercise_number(k), ", ".join(names)) for k, names in groups.items()),
                  key=lambda e: (e.number, e.key))


def course_status(chapters_dir: str | Path = "chapters", progress_path: str | Path | None = None) -> list[ChapterStatus]:
    """Every chapter (a notebook in chapters_dir, or a checks module) with its exercises and passes."""
    chapters_dir = Path(chapters_dir)
    files = chapter_files(chapters_dir)
    records = _progress.load(progress_path)
    out, modules = [], set(checks_modules())
    for number in sorted(set(files) | modules):
        path = files.get(number)
        title, summary, goals = chapter_header(path) if path else ("", "its notebook is not written yet", [])
        ch = ChapterStatus(number, path.stem if path else "", title, summary, goals,
                           f"{chapters_dir.name}/{path.stem}.ipynb" if path else "")
        try:
            found = exercises(number) if number in modules else []
        except Exception as e:                 # a chapter being written: show the others
            found, ch.problem = [], f"its checks could not be loaded ({type(e).__name__}: {e})"
        for ex in found:
            rec = records.get(ex.key, {})
            own = bool(rec.get("own"))
            ch.exercises.append(ExerciseStatus(ex.key, ex.number, ex.name, own,
                                               bool(rec) and not own, rec.get("last_own_pass")))
        out.append(ch)
    return out


def totals(status: list[ChapterStatus]) -> tuple[int, int]:
    """(exercises passed, exercises in the course)."""
    return sum(c.passed for c in status), sum(len(c.exercises) for c in status)


def report(status: list[ChapterStatus]) -> str:
    """The same as the start page, as plain text."""
    done, total = totals(status)
    lines = [f"{done} of {total} exercises passed on this machine."]
    for c in status:
        lines.append(f"Chapter {int(c.number)} · {c.title}: {c.passed} of {len(c.exercises)}")
        for e in c.exercises:
            mark = "passed" if e.passed else "not yet"
            lines.append(f"  exercise {e.number} ({e.name}): {mark}")
    return "\n".join(lines)

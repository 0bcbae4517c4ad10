"""The start page's table: every chapter with what it teaches, a link that opens it, and which of its
exercises passed on this machine (backprop_lib.checks.overview, backprop_lib.progress).

    from backprop_lib.widgets import ProgressPage
    ProgressPage("chapters")          # the last line of a cell: the table and a Refresh button

The table is an ordinary HTML output (so its links are handled by JupyterLab, which opens the chapter
in a new tab, and a saved or exported notebook shows it too); the Refresh button redraws that output in
place from the progress file, as running the cell again does.
"""
from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as widgets
from IPython.display import HTML, display

from ..checks import overview
from .. import progress

PASSED_MARK = "✓ passed"
NOT_YET_MARK = "not yet"


def _text(s: str) -> str:
    """Escape HTML but keep $...$ math for JupyterLab's typesetter."""
    return html.escape(s, quote=False)


def _exercise_line(e: overview.ExerciseStatus) -> str:
    if e.passed:
        state = f"<b style='color:#1a7f37'>{PASSED_MARK}</b>"
    elif e.solution_ran:
        state = (f"<span style='color:#9a6700'>{NOT_YET_MARK}</span> <small>(passed only with the code in "
                 f"the course's solution cell)</small>")
    else:
        state = f"<span style='color:#57606a'>{NOT_YET_MARK}</span>"
    return (f"<li data-exercise='{e.key}' data-passed='{str(e.passed).lower()}'>Exercise {e.number} · "
            f"<code>{_text(e.name)}</code>: {state}</li>")


def render(status: list[overview.ChapterStatus], progress_file: Path | None = None) -> str:
    """The page as HTML: the total, what to do next, and one row per chapter."""
    done, total = overview.totals(status)
    left = [(c, e) for c in status for e in c.exercises if not e.passed]
    if total and not left:
        nxt = "Every exercise of the course has passed on this machine."
    elif left:
        c, e = left[0]
        nxt = (f"Next: chapter {int(c.number)}, exercise {e.number} (<code>{_text(e.name)}</code>). "
               f"Left: {len(left)} exercise{'s' if len(left) != 1 else ''} in "
               f"{len({c.number for c, _ in left})} chapter{'s' if len({c.number for c, _ in left}) != 1 else ''}.")
    else:
        nxt = ""
    rows = []
    for c in status:
        name = f"Chapter {int(c.number)}" + (f" · {_text(c.title)}" if c.title else "")
        link = f"<a href='{html.escape(c.notebook)}' data-chapter='{c.number}'>{name}</a>" if c.notebook else name
        goals = "".join(f"<li>{_text(g)}</li>" for g in c.goals)
        about = _text(c.summary) + (f"<details><summary>In this chapter you will</summary><ul>{goals}</ul>"
                                    f"</details>" if len(c.goals) > 1 else "")
        if c.problem:
            ex = f"<i>{_text(c.problem)}</i>"
        elif c.exercises:
            ex = (f"<b>{c.passed} of {len(c.exercises)}</b><ul style='margin:2px 0'>"
                  + "".join(_exercise_line(e) for e in c.exercises) + "</ul>")
        else:
            ex = "no exercises"
        rows.append(f"<tr data-chapter='{c.number}'><td style='text-align:left;vertical-align:top;"
                    f"min-width:160px;max-width:240px'>{link}</td><td style='text-align:left;vertical-align:top;"
                    f"max-width:460px'>{about}</td><td style='text-align:left;vertical-align:top'>{ex}</td></tr>")
    where = (f"<p style='color:#57606a;font-size:12px'>Kept on this computer only, in "
             f"<code>{html.escape(str(progress_file))}</code>.</p>" if progress_file else "")
    return (f"<div class='backprop-progress'><p style='font-size:16px'><b data-total='{done}/{total}'>{done} of "
            f"{total} exercises passed</b> on this machine. {nxt}</p>"
            "<table><thead><tr><th style='text-align:left'>Chapter</th><th style='text-align:left'>What it "
            "teaches</th><th style='text-align:left'>Your exercises</th></tr></thead><tbody>"
            + "".join(rows) + f"</tbody></table>{where}</div>")


class ProgressPage:
    """Display the course's progress table for the chapters in `chapters_dir`, with a Refresh button."""

    def __init__(self, chapters_dir: str | Path = "chapters", progress_path: str | Path | None = None):
        self.chapters_dir = Path(chapters_dir)
        self.progress_path = progress_path
        self.button = widgets.Button(description="Refresh", icon="refresh",
                                     tooltip="Read the progress file again (after passing a check in a chapter)")
        self.button.on_click(self.refresh)
        self._handle = None

    def status(self) -> list[overview.ChapterStatus]:
        return overview.course_status(self.chapters_dir, self.progress_path)

    def html(self) -> str:
        try:
            where = Path(self.progress_path or progress.progress_file())
        except RuntimeError:                  # no home folder: nothing can be recorded either
            where = None
        return render(self.status(), where)

    def refresh(self, *_) -> None:
        """Read the progress file again and redraw the table."""
        if self._handle is not None:
            self._handle.update(HTML(self.html()))

    def _ipython_display_(self):
        self._handle = display(HTML(self.html()), display_id=True)
        display(self.button)

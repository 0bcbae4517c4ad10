"""The chapters as files: every .py/.ipynb pair matches, outputs are stripped, and each chapter has the
parts a student relies on (inline plots, a Binder link to itself, exercises with checks, a summary)."""
import json
import re
from pathlib import Path

import jupytext
import pytest

CHAPTERS = Path(__file__).resolve().parent.parent / "chapters"
NOTEBOOKS = sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb"))
SOURCES = sorted(CHAPTERS.glob("[0-9][0-9]_*.py"))


def _cells(path):
    return [(c.cell_type, c.source.strip(), {k: v for k, v in c.metadata.items() if k in ("nbgrader", "jupyter")})
            for c in jupytext.read(path).cells]


def test_there_are_chapters():
    assert len(NOTEBOOKS) >= 1 and [p.stem for p in NOTEBOOKS] == [p.stem for p in SOURCES]


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_pair_matches(nb):
    """`jupytext --diff` exits 0 even when the two differ, so compare the cells ourselves."""
    py = nb.with_suffix(".py")
    assert py.exists(), f"{nb.name} has no paired .py"
    a, b = _cells(nb), _cells(py)
    assert len(a) == len(b), f"{nb.name} has {len(a)} cells, {py.name} has {len(b)}: run jupytext --sync"
    for i, (ca, cb) in enumerate(zip(a, b)):
        assert ca == cb, f"cell {i} differs between {nb.name} and {py.name}: run jupytext --sync"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_stripped(nb):
    data = json.loads(nb.read_text())
    dirty = [i for i, c in enumerate(data["cells"]) if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"{nb.name}: cells {dirty} carry outputs; strip them"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_skeleton(nb):
    cells = jupytext.read(nb).cells
    code = [c.source for c in cells if c.cell_type == "code"]
    text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    assert code[0].lstrip().startswith("%matplotlib inline"), "the first code cell must start with %matplotlib inline"
    assert re.search(rf"mybinder\.org/v2/gh/[^)]*urlpath=lab/tree/chapters/{nb.name}\)", text), "no Binder link to itself"
    assert "## Summary" in text and "## Exercises" in text
    graded = [c for c in cells if c.metadata.get("nbgrader", {}).get("grade")]
    solutions = [c for c in cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert 2 <= len(graded) <= 6 and len(solutions) == len(graded), "2-6 exercises, each a solution and a check"
    first_exercise = min(i for i, c in enumerate(cells) if c.metadata.get("nbgrader"))
    assert all(not c.metadata.get("nbgrader") for c in cells[:first_exercise])
    for c in solutions:
        assert "### BEGIN SOLUTION" in c.source and c.metadata.get("jupyter", {}).get("source_hidden"), \
            "solution cells are delimited and collapsed"
    for c in graded:
        assert "backprop_lib.checks" in c.source or re.search(r"\bch\d\d\.", c.source), "each graded cell runs a visible check"
        assert c.metadata["nbgrader"].get("locked") and c.metadata["nbgrader"].get("points", 0) > 0

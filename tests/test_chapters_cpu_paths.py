"""Every chapter on other machines' arithmetic: numpy's CPU code paths and 1 or 2 BLAS threads.

numpy picks its SIMD kernels at run time, from what the CPU offers (AVX-512, AVX2, ...), and
`NPY_DISABLE_CPU_FEATURES` switches some off; OpenBLAS splits a matrix product differently with 1 or
2 threads. Both change the last bits of results. A chapter cell that asserts on round-off luck (the
argmin of a noisy curve, a bound one SIMD kernel happens to cross) then passes on the author's
machine and stops a student's Run All on another. Each test here runs one chapter top to bottom in a
fresh kernel under one (code path, thread count) and, when a cell fails, says which.

The passes, and why not all six combinations:
  default   / 1 thread    no-AVX512 / 1 thread    no-AVX2 / 1 thread    default / 2 threads
The two knobs act (almost entirely) on different code. The code path decides numpy's element-wise functions and
reductions (exp, tanh, sum, ...); the thread count decides how OpenBLAS splits matrix products (and
OpenBLAS picks its kernels from the CPU itself, via OPENBLAS_CORETYPE, which the course never sets or
unsets). So every code path runs once at 1 thread, and the default path also at 2 threads: each
value of each knob is seen, at four passes instead of six. The plain nbval run of `./course.sh test`
(`pytest chapters --nbval-lax`) adds the default path at the machine's own thread count.

A pass that would only repeat another is skipped, with the reason: a code path that is the same as a
less restricted one on this CPU (no-AVX512 on a CPU without AVX-512: numpy dispatches to the same
kernels), and the default path at the thread count OpenBLAS picks by itself here (2 on a 2-core
machine) when the same session runs the chapters with nbval anyway.

Before a chapter runs, a first cell (added here, not in the file) checks inside the kernel that the
switched-off features really are off and that OpenBLAS uses the asked-for number of threads, so a pass
that silently ran the default arithmetic fails instead of passing.

Run one pass alone, e.g.:  .venv-dev/bin/pytest tests/test_chapters_cpu_paths.py -k no-AVX2 -p no:xdist
"""
from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

CHAPTERS = Path(__file__).resolve().parent.parent / "chapters"
NOTEBOOKS = sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb"))

# What each code path switches off, as numpy >= 2.4 names its dispatch targets (X86_V3 = AVX2/FMA3
# level, X86_V4 = AVX-512 level), followed by the names older numpy releases use for the same levels.
# Only the names this numpy knows are passed (an unknown name is ignored by numpy with an
# ImportWarning, verified with numpy 2.4.6), so with numpy 2.4 the values are exactly
#   no-AVX512: NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR"
#   no-AVX2:   NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4 AVX512_ICL AVX512_SPR"
_AVX512 = ["X86_V4", "AVX512_ICL", "AVX512_SPR",
           "AVX512F", "AVX512CD", "AVX512_KNL", "AVX512_KNM", "AVX512_SKX", "AVX512_CLX", "AVX512_CNL"]
_AVX2 = ["X86_V3", "AVX2", "FMA3", "F16C", "AVX"]
CODE_PATHS = {                # name -> (features to switch off, the less restricted path it narrows)
    "default": ([], None),
    "no-AVX512": (_AVX512, "default"),
    "no-AVX2": (_AVX2[:1] + _AVX512 + _AVX2[1:], "no-AVX512"),
}
PASSES = [("default", 1), ("no-AVX512", 1), ("no-AVX2", 1), ("default", 2)]
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
CELL_TIMEOUT = 300

_CPU_MODULE = """
try:
    from numpy._core import _multiarray_umath as _m
except ImportError:                       # numpy < 2
    from numpy.core import _multiarray_umath as _m
"""
# Printed as JSON by the probe and by the first cell of every run: the dispatch targets numpy uses.
_ACTIVE_TARGETS = _CPU_MODULE + "_active = [t for t in _m.__cpu_dispatch__ if _m.__cpu_features__.get(t)]\n"


def _blas_threads_source() -> str:
    """Code that sets `_blas_threads` to OpenBLAS's thread count (None if numpy uses another BLAS)."""
    return """
import ctypes as _ct, glob as _glob, os as _os, numpy as _np
_blas_threads = None
try:
    import threadpoolctl as _tpc
    _blas_threads = next((d["num_threads"] for d in _tpc.threadpool_info() if d.get("user_api") == "blas"), None)
except ImportError:
    for _lib in _glob.glob(_os.path.join(_os.path.dirname(_np.__file__), _os.pardir, "numpy.libs", "*openblas*")):
        _h = _ct.CDLL(_lib)               # already loaded by numpy: the same library
        for _sym in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
                     "openblas_get_num_threads64_", "openblas_get_num_threads"):
            if hasattr(_h, _sym):
                _blas_threads = int(getattr(_h, _sym)())
                break
"""


@functools.lru_cache(maxsize=None)
def _dispatch_targets() -> tuple[str, ...]:
    out = subprocess.run([sys.executable, "-c", _CPU_MODULE + "print(' '.join(_m.__cpu_dispatch__))"],
                         env=_clean_env(), capture_output=True, text=True, check=True).stdout
    return tuple(out.split())


def disabled_features(path: str) -> str:
    """The NPY_DISABLE_CPU_FEATURES value of a code path, in the names this numpy knows."""
    known = set(_dispatch_targets())
    return " ".join(f for f in CODE_PATHS[path][0] if f in known)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "NPY_DISABLE_CPU_FEATURES" and k not in THREAD_VARS}


def pass_env(path: str, threads: int) -> dict[str, str]:
    env = _clean_env()
    if disabled_features(path):
        env["NPY_DISABLE_CPU_FEATURES"] = disabled_features(path)
    env.update({k: str(threads) for k in THREAD_VARS})
    return env


@functools.lru_cache(maxsize=None)
def active_targets(path: str) -> tuple[str, ...]:
    """The SIMD dispatch targets numpy uses on this CPU under a code path (probed in a subprocess)."""
    p = subprocess.run([sys.executable, "-c", _ACTIVE_TARGETS + "import json; print(json.dumps(_active))"],
                       env=pass_env(path, 1), capture_output=True, text=True)
    assert p.returncode == 0, f"numpy does not start with NPY_DISABLE_CPU_FEATURES={disabled_features(path)!r}:\n{p.stderr}"
    return tuple(json.loads(p.stdout))


@functools.lru_cache(maxsize=None)
def default_blas_threads() -> int | None:
    """OpenBLAS's thread count in a process started with this environment, as nbval starts its kernels."""
    p = subprocess.run([sys.executable, "-c", _blas_threads_source() + "print(_blas_threads)"],
                       env=dict(os.environ), capture_output=True, text=True, check=True)
    return None if p.stdout.strip() == "None" else int(p.stdout)


def _nbval_runs_the_chapters(session) -> bool:
    """True if this pytest session also runs the chapters with nbval (`pytest chapters --nbval-lax`)."""
    return any(Path(str(getattr(item, "path", item.fspath))).parent == CHAPTERS and
               Path(str(getattr(item, "path", item.fspath))).suffix == ".ipynb" for item in session.items)


def describe(path: str, threads: int) -> str:
    flags = disabled_features(path)
    cpu = f'NPY_DISABLE_CPU_FEATURES="{flags}"' if flags else "numpy's default CPU code path"
    return f"code path {path} ({cpu}), {threads} BLAS thread{'s' if threads > 1 else ''}"


def _first_cell(path: str, threads: int) -> nbformat.NotebookNode:
    check = _ACTIVE_TARGETS + _blas_threads_source() + f"""
import json as _json
print("CPU-PATH-CHECK " + _json.dumps({{"active": _active, "blas_threads": _blas_threads,
      "env": {{k: _os.environ.get(k) for k in {list(THREAD_VARS) + ['NPY_DISABLE_CPU_FEATURES']!r}}}}}))
"""
    return nbformat.v4.new_code_cell(check)


def _nbval_marker(cell, name: str) -> bool:
    """nbval's markers: a tag `nbval-<name>` or a first line `# NBVAL_<NAME>`."""
    tags = cell.get("metadata", {}).get("tags", [])
    first = cell.source.lstrip().splitlines()[0] if cell.source.strip() else ""
    return f"nbval-{name}" in tags or first.replace(" ", "").upper() == f"#NBVAL_{name.upper().replace('-', '_')}"


def _as_nbval_runs_it(notebook) -> list:
    """The cells nbval runs, with those nbval lets raise tagged so that nbclient lets them too."""
    cells = []
    for cell in notebook.cells:
        if cell.cell_type == "code" and _nbval_marker(cell, "skip"):
            continue
        if cell.cell_type == "code" and _nbval_marker(cell, "raises-exception"):
            cell.metadata.setdefault("tags", []).append("raises-exception")
        cells.append(cell)
    return cells


def test_the_code_paths_are_what_numpy_knows():
    """The two restricted paths switch off (at least) the names in the course's standard, on this numpy."""
    targets = set(_dispatch_targets())
    if not targets & set(_AVX512 + _AVX2):
        pytest.skip(f"numpy here is not an x86 build (it dispatches to {sorted(targets)}): no AVX code paths to switch off")
    if "X86_V4" in targets:          # numpy >= 2.4
        assert disabled_features("no-AVX512") == "X86_V4 AVX512_ICL AVX512_SPR"
        assert disabled_features("no-AVX2") == "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"
    for path in ("no-AVX512", "no-AVX2"):
        assert disabled_features(path), f"numpy dispatches to {sorted(targets)}: none of {path}'s names"
        off = set(active_targets(path)) & set(CODE_PATHS[path][0])
        assert not off, f"{describe(path, 1)} still uses {sorted(off)}"


def run_notebook(nb: Path, path: str, threads: int) -> None:
    """Run notebook `nb` in a fresh kernel under a code path and thread count; fail naming them."""
    notebook = nbformat.read(nb, as_version=4)
    notebook.cells = [_first_cell(path, threads)] + _as_nbval_runs_it(notebook)
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(nb.parent)}})
    where = f"{nb.name} under {describe(path, threads)}"
    try:
        client.execute(env=pass_env(path, threads))
    except CellExecutionError as e:
        pytest.fail(f"{where}: a cell failed. The chapter depends on the CPU's arithmetic here (or fails "
                    f"everywhere: compare with `pytest chapters/{nb.name} --nbval-lax`).\n"
                    f"{str(e)[-4000:]}", pytrace=False)

    printed = "".join(o.get("text", "") for o in notebook.cells[0].outputs if o.get("output_type") == "stream")
    line = next((ln for ln in printed.splitlines() if ln.startswith("CPU-PATH-CHECK ")), None)
    assert line, f"{where}: the kernel's check cell printed nothing: {notebook.cells[0].outputs}"
    seen = json.loads(line.split(" ", 1)[1])
    assert seen["active"] == list(active_targets(path)), \
        f"{where}: the kernel uses the dispatch targets {seen['active']}, not {list(active_targets(path))}"
    assert seen["env"]["NPY_DISABLE_CPU_FEATURES"] == (disabled_features(path) or None), f"{where}: {seen['env']}"
    assert seen["blas_threads"] in (threads, None), \
        f"{where}: OpenBLAS in the kernel uses {seen['blas_threads']} threads, not {threads}"


@pytest.mark.parametrize("path, threads, nb", [(p, t, nb) for p, t in PASSES for nb in NOTEBOOKS],
                         ids=[f"{p}-{t}thread-{nb.stem}" for p, t in PASSES for nb in NOTEBOOKS])
def test_chapter_runs_on_cpu_path(path, threads, nb, request):
    if (path == "default" and not os.environ.get("NPY_DISABLE_CPU_FEATURES") and
            _nbval_runs_the_chapters(request.session) and default_blas_threads() == threads):
        pytest.skip(f"this session's nbval run of the chapters already runs numpy's default code path with "
                    f"{threads} BLAS thread(s), this machine's default")
    broader = CODE_PATHS[path][1]
    if broader is not None and active_targets(path) == active_targets(broader):
        pytest.skip(f"on this CPU {path} is the same code path as {broader} (numpy dispatches to "
                    f"{list(active_targets(path)) or 'its baseline only'} in both)")
    run_notebook(nb, path, threads)


def test_a_notebook_that_depends_on_the_code_path_fails_naming_it(tmp_path):
    """The harness itself: a cell that only fails under a restricted code path makes the test fail,
    and the message names the path, the flags and the thread count; under the default path it passes."""
    nb = tmp_path / "depends_on_cpu.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os\nassert 'X86_V3' not in os.environ.get('NPY_DISABLE_CPU_FEATURES', '') and "
        "'AVX2' not in os.environ.get('NPY_DISABLE_CPU_FEATURES', ''), 'only the default AVX2 path works'")]), nb)
    run_notebook(nb, "default", 2)
    nbval_marked = tmp_path / "nbval_marked.ipynb"        # nbval's skip and raises markers are honoured
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("# NBVAL_SKIP\nraise RuntimeError('nbval skips this cell')"),
        nbformat.v4.new_code_cell("1 / 0", metadata={"tags": ["nbval-raises-exception"]}),
        nbformat.v4.new_code_cell("# NBVAL_RAISES_EXCEPTION\n1 / 0")]), nbval_marked)
    run_notebook(nbval_marked, "default", 1)
    with pytest.raises(pytest.fail.Exception) as failed:
        run_notebook(nb, "no-AVX2", 1)
    message = str(failed.value)
    assert "under code path no-AVX2" in message and disabled_features("no-AVX2") in message
    assert "1 BLAS thread" in message and "only the default AVX2 path works" in message

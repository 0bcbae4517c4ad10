"""Binder: the environment mybinder.org (repo2docker) builds from binder/ runs the course.

The cheap tests check the files themselves. The build test does what repo2docker does with them, in a
temporary copy of the working tree (the files git would commit), without Docker:
  1. a fresh venv (Python from binder/runtime.txt if that interpreter is on PATH, else this one),
  2. `pip install -r binder/requirements.txt` from the repository root,
  3. `./binder/postBuild` from the repository root with the venv's bin/ first on PATH,
then, in that environment only: imports the library from outside the repository, lists the JupyterLab
extensions, runs the library's tests and runs every chapter with nbval (pytest, hypothesis and nbval are
added for that, pinned as in requirements-dev.txt). A chapter that needs a package the students'
requirements do not list fails here, even though the developers' venv has it.

Slow-ish (about 1-3 minutes, most of it pip; pip's own cache makes reruns faster). It runs in CI; set
BACKPROP_SKIP_BINDER_BUILD=1 to skip the build locally.
"""
from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
CHAPTER_NOTEBOOKS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
TEST_TOOLS = ("pytest", "hypothesis", "nbval")       # added to the Binder env to run the tests in it
EXTENSIONS = ("@jupyter-widgets/jupyterlab-manager", "jupyter-matplotlib", "jupyterlab-jupytext")


def _requirement_lines(path: Path) -> list[str]:
    """The requirement lines of a pip requirements file, following -r includes the way pip does
    (relative to the including file)."""
    lines = []
    for raw in path.read_text().splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        m = re.match(r"^(?:-r|--requirement)\s*=?\s*(\S+)$", line)
        if m:
            lines += _requirement_lines((path.parent / m.group(1)).resolve())
        else:
            lines.append(line)
    return lines


# --- the files ---------------------------------------------------------------------------------------
def test_runtime_is_new_enough_for_numpy():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    m = re.fullmatch(r"python-3\.(\d+)", runtime)
    assert m, f"binder/runtime.txt should read like python-3.12, not {runtime!r}"
    assert int(m.group(1)) >= 11, "numpy 2.4 (requirements.txt) needs Python >= 3.11; repo2docker's default is 3.10"


def test_binder_requirements_are_the_students_requirements():
    assert _requirement_lines(BINDER / "requirements.txt") == _requirement_lines(ROOT / "requirements.txt"), \
        "binder/requirements.txt must install exactly requirements.txt (keep it `-r ../requirements.txt`)"


GRADING_AND_TEST_TOOLS = ("nbgrader", "pytest", "pytest-xdist", "hypothesis", "nbval", "playwright",
                          "jupyterhub", "nbgitpuller")


def test_students_requirements_have_no_grading_or_test_tools():
    """requirements.txt is what `./course.sh lab`, Binder and the plain-pip route install: the students'
    JupyterLab must not show nbgrader's menus and panels (those tools are in requirements-dev.txt)."""
    names = {re.split(r"[=<>!~ ;\[]", r, maxsplit=1)[0].lower() for r in _requirement_lines(ROOT / "requirements.txt")}
    assert not names & set(GRADING_AND_TEST_TOOLS), f"requirements.txt lists {sorted(names & set(GRADING_AND_TEST_TOOLS))}"


def test_post_build_installs_the_library():
    post = BINDER / "postBuild"
    data = post.read_bytes()
    assert b"\r" not in data, "binder/postBuild must have LF line endings (bash chokes on CRLF)"
    assert post.stat().st_mode & stat.S_IXUSR, "binder/postBuild must be executable (chmod +x, and in git)"
    text = data.decode()
    assert text.startswith("#!"), "binder/postBuild needs a shebang line"
    assert re.search(r"^set -e", text, re.M), "binder/postBuild must stop at the first failing command (set -e)"
    assert re.search(r"pip install[^\n]* -e \.|pip install[^\n]* \.$", text, re.M), \
        "binder/postBuild must install the course package (pip install -e .)"
    if (ROOT / ".git").exists() and shutil.which("git"):
        mode = subprocess.run(["git", "ls-files", "-s", "binder/postBuild"], cwd=ROOT,
                              capture_output=True, text=True).stdout.split()
        if mode:   # committed: git must record it as executable, or a clone gets a plain file
            assert mode[0] == "100755", f"git stores binder/postBuild as mode {mode[0]}: git update-index --chmod=+x"


# --- the build -----------------------------------------------------------------------------------------
def _run(cmd, cwd, env, timeout=900) -> subprocess.CompletedProcess:
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, f"`{' '.join(map(str, cmd))}` failed ({p.returncode}):\n{p.stdout[-4000:]}\n{p.stderr[-4000:]}"
    return p


def _repo_files() -> list[Path]:
    """What a clone would hold: tracked and untracked-but-not-ignored files of the working tree."""
    if (ROOT / ".git").exists() and shutil.which("git"):
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=ROOT, capture_output=True, check=True).stdout.decode()
        return [Path(p) for p in out.split("\0") if p and (ROOT / p).is_file()]
    skip = {".git", ".venv", ".venv-dev", "__pycache__", ".hypothesis", ".ipynb_checkpoints", "build"}
    return [p.relative_to(ROOT) for p in ROOT.rglob("*")
            if p.is_file() and not skip.intersection(p.relative_to(ROOT).parts)]


def _base_python() -> tuple[str, str]:
    """The interpreter binder/runtime.txt asks for if one is installed (PATH, or pyenv's versions),
    else the one running the tests."""
    want = (BINDER / "runtime.txt").read_text().strip().replace("python-", "python")   # python3.12
    candidates = [shutil.which(want)]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(str(p) for p in pyenv_root.glob(f"versions/{want[6:]}*/bin/{want}"))
    for c in filter(None, candidates):
        ok = subprocess.run([c, "-c", "import venv, ensurepip"], capture_output=True).returncode == 0
        if ok:        # a pyenv shim for a version that is not selected fails here
            return c, want
    return sys.executable, f"{want} is not installed here: built with Python {sys.version.split()[0]} instead"


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory):
    if os.environ.get("BACKPROP_SKIP_BINDER_BUILD") and not os.environ.get("CI"):
        pytest.skip("BACKPROP_SKIP_BINDER_BUILD is set")
    base = tmp_path_factory.mktemp("binder")
    repo, venv, elsewhere = base / "repo", base / "venv", base / "elsewhere"
    elsewhere.mkdir()
    for rel in _repo_files():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, repo / rel)       # keeps the executable bit of postBuild

    # the environment of a build step: the new venv first on PATH, nothing from the developers' venv
    dev_bin = str(Path(sys.executable).parent)
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != dev_bin]
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "JUPYTER_PATH", "JUPYTER_CONFIG_DIR",
                        "JUPYTER_DATA_DIR", "JUPYTERLAB_DIR", "PYTHONSTARTUP", "PIP_REQUIRE_VIRTUALENV")}
    env.update(PATH=os.pathsep.join([str(venv / "bin")] + path), VIRTUAL_ENV=str(venv),
               JUPYTER_DATA_DIR=str(base / "jupyter-data"), JUPYTER_CONFIG_DIR=str(base / "jupyter-config"),
               JUPYTER_PLATFORM_DIRS="1", MPLBACKEND="Agg", PIP_DISABLE_PIP_VERSION_CHECK="1")

    python, note = _base_python()
    times = {}
    t = time.monotonic()
    _run([python, "-m", "venv", str(venv)], cwd=base, env=env)
    times["venv"] = time.monotonic() - t
    t = time.monotonic()
    _run([venv / "bin" / "python", "-m", "pip", "install", "-q", "-r", "binder/requirements.txt"], cwd=repo, env=env)
    times["requirements"] = time.monotonic() - t
    t = time.monotonic()
    _run(["./binder/postBuild"], cwd=repo, env=env)
    times["postBuild"] = time.monotonic() - t
    # test tools, pinned as the developers' suite pins them (not part of what students get)
    pins = [r for r in _requirement_lines(ROOT / "requirements-dev.txt")
            if re.split(r"[=<>!~ ;\[]", r, maxsplit=1)[0].lower() in TEST_TOOLS]
    t = time.monotonic()
    _run([venv / "bin" / "python", "-m", "pip", "install", "-q", *pins], cwd=repo, env=env)
    times["test tools"] = time.monotonic() - t
    print(f"\nBinder env ({note}): " + ", ".join(f"{k} {v:.0f} s" for k, v in times.items()))
    return {"repo": repo, "venv": venv, "env": env, "elsewhere": elsewhere}


def test_binder_env_imports_the_course_from_anywhere(binder_env):
    py = binder_env["venv"] / "bin" / "python"
    out = _run([py, "-c", "import backprop_lib, backprop_lib.plots, backprop_lib.widgets, backprop_lib.checks;"
                          "import numpy, matplotlib, ipywidgets, ipympl, jupytext, sys;"
                          "print(backprop_lib.__file__); print(sys.prefix)"],
               cwd=binder_env["elsewhere"], env=binder_env["env"]).stdout.split()
    assert Path(out[0]).is_relative_to(binder_env["repo"]), f"backprop_lib imported from {out[0]}, not the Binder repo"
    assert Path(out[1]) == binder_env["venv"]


def test_binder_env_has_the_lab_extensions(binder_env):
    p = _run([binder_env["venv"] / "bin" / "jupyter", "labextension", "list"],
             cwd=binder_env["repo"], env=binder_env["env"])
    listing = re.sub(r"\x1b\[[0-9;]*m", "", p.stdout + p.stderr)
    for name in EXTENSIONS:
        line = next((ln for ln in listing.splitlines() if ln.strip().startswith(name + " ")), None)
        assert line, f"JupyterLab extension {name} missing on Binder:\n{listing}"
        assert "enabled" in line and "OK" in line, f"JupyterLab extension not enabled and OK: {line.strip()}"
    assert "nbgrader" not in listing, f"the students' JupyterLab has nbgrader's extension:\n{listing}"


def test_binder_env_passes_the_library_tests(binder_env):
    repo = binder_env["repo"]
    lib = repo / "backprop_lib"
    tests = sorted(str(p.relative_to(repo)) for p in (repo / "tests").glob("test_*.py")
                   if (lib / f"{p.stem[5:]}.py").exists() or (lib / p.stem[5:]).is_dir())
    assert tests, "no library tests found (tests/test_<module>.py)"
    _run([binder_env["venv"] / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
         cwd=repo, env=binder_env["env"])


@pytest.mark.skipif(not CHAPTER_NOTEBOOKS, reason="no chapters yet")
def test_binder_env_runs_every_chapter(binder_env):
    """Every chapter (not just chapter 1): this is where a chapter that imports a package missing from
    requirements.txt (the developers' venv has scipy, sklearn, nbgrader, ...) fails. The start page
    (start.ipynb, where the Binder badge lands) runs too."""
    repo = binder_env["repo"]
    notebooks = sorted(str(p.relative_to(repo)) for p in (repo / "chapters").glob("[0-9][0-9]_*.ipynb"))
    notebooks += ["start.ipynb"] if (repo / "start.ipynb").exists() else []
    _run([binder_env["venv"] / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider",
          "--nbval-lax", *notebooks], cwd=repo, env=binder_env["env"])

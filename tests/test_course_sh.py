"""course.sh, the two commands of the Quick start, with a stand-in Python (no pip, no network, < 2 s).

The stand-in `python` logs what course.sh asks of it and acts out `-m venv`, so these tests see which
environment each command uses, when it installs and what it finally runs:
- `lab` uses .venv from requirements.txt only, `test` uses .venv-dev from requirements-dev.txt;
- a second launch installs nothing (the stamp inside the venv matches), a changed requirements file or
  pyproject.toml installs again, a failed install leaves no stamp;
- a .venv left by an earlier course.sh, holding nbgrader or pytest, is rebuilt with the course only;
- `lab` opens the start page (start.ipynb) and adds --allow-root only as root; `test` runs pytest over
  tests/, chapters/ and start.ipynb with nbval.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FAKE_PYTHON = r"""#!/usr/bin/env bash
echo "$0 $*" >> "$FAKE_LOG"
case "$1" in
  -c) case "$2" in
        *find_spec*) [ -f "$(dirname "$0")/../HAS_GRADING_TOOLS" ] && exit 0 || exit 1 ;;
        *) exit 0 ;;
      esac ;;
  -m) case "$2" in
        venv) mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && cp "$FAKE_JUPYTER" "$3/bin/jupyter"; exit $? ;;
        pip) [ -z "${FAKE_PIP_FAILS:-}" ] || exit 1 ;;
      esac ;;
esac
exit 0
"""
FAKE_JUPYTER = """#!/usr/bin/env bash
echo "jupyter $*" >> "$FAKE_LOG"
"""
FAKE_CHROMIUM = "#!/usr/bin/env bash\nexit 0\n"


@pytest.fixture
def repo(tmp_path):
    """A copy of course.sh and the files it reads, with stand-ins for python, jupyter and chromium."""
    if shutil.which("bash") is None:
        pytest.skip("course.sh needs bash")
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("course.sh", "requirements.txt", "requirements-dev.txt", "pyproject.toml"):
        shutil.copy2(ROOT / name, repo / name)
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    for name, text in (("python", FAKE_PYTHON), ("jupyter", FAKE_JUPYTER), ("chromium", FAKE_CHROMIUM)):
        (fakes / name).write_text(text)
        (fakes / name).chmod(0o755)
    return repo


def run(repo: Path, *args: str, **extra_env: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    log = repo.parent / "calls.log"
    log.unlink(missing_ok=True)
    fakes = repo.parent / "fakes"
    env = dict(os.environ, PYTHON=str(fakes / "python"), FAKE_LOG=str(log), FAKE_JUPYTER=str(fakes / "jupyter"),
               PATH=str(fakes) + os.pathsep + os.environ.get("PATH", ""), **extra_env)
    p = subprocess.run(["bash", str(repo / "course.sh"), *args], cwd=repo.parent, env=env,
                       capture_output=True, text=True, timeout=60)
    return p, (log.read_text().splitlines() if log.exists() else [])


def installs(calls: list[str]) -> list[str]:
    return [c for c in calls if " -m pip install" in c]


def test_lab_installs_the_course_once_then_starts_at_once(repo):
    p, calls = run(repo, "lab")
    assert p.returncode == 0, p.stderr
    assert (repo / ".venv" / "bin" / "python").exists() and not (repo / ".venv-dev").exists()
    assert any("-r requirements.txt" in c for c in installs(calls)), calls
    assert not any("requirements-dev.txt" in c for c in calls), "lab must not install the test/grading tools"
    assert any("--no-deps -e ." in c for c in installs(calls))
    jupyter = [c for c in calls if c.startswith("jupyter ")]
    assert jupyter and jupyter[-1].endswith(" start.ipynb") and "lab --ip=127.0.0.1" in jupyter[-1], \
        "lab opens the start page (start.ipynb: the chapters and the student's progress)"
    assert ("--allow-root" in jupyter[-1]) == (os.geteuid() == 0), jupyter[-1]

    p, calls = run(repo, "lab", "--port", "8890")             # the second launch: nothing to install
    assert p.returncode == 0 and installs(calls) == [], calls
    assert p.stdout == "", f"a second launch should say nothing before JupyterLab's own log: {p.stdout!r}"
    assert "--port 8890" in [c for c in calls if c.startswith("jupyter ")][-1]

    (repo / "requirements.txt").write_text((repo / "requirements.txt").read_text() + "# changed\n")
    p, calls = run(repo, "lab")
    assert any("-r requirements.txt" in c for c in installs(calls)) and "changed" in p.stdout
    (repo / "pyproject.toml").write_text((repo / "pyproject.toml").read_text() + "\n")
    p, calls = run(repo, "lab")
    assert installs(calls), "a changed pyproject.toml reinstalls the library"


def test_a_failed_install_is_retried_next_time(repo):
    p, _ = run(repo, "lab", FAKE_PIP_FAILS="1")
    assert p.returncode != 0
    assert not (repo / ".venv" / ".course-installed").exists()
    p, calls = run(repo, "lab")
    assert p.returncode == 0 and installs(calls)


def test_an_old_venv_with_the_grading_tools_is_rebuilt(repo):
    run(repo, "lab")
    (repo / ".venv" / ".course-installed").unlink()           # as an earlier course.sh left it
    (repo / ".venv" / "HAS_GRADING_TOOLS").write_text("nbgrader")
    p, calls = run(repo, "lab")
    assert p.returncode == 0, p.stderr
    assert "rebuilding .venv" in p.stdout and not (repo / ".venv" / "HAS_GRADING_TOOLS").exists()
    assert any(c.endswith("-m venv .venv") for c in calls)

    (repo / ".venv" / ".course-installed").unlink()           # no stamp, no tools (the README's pip route)
    p, calls = run(repo, "lab")
    assert "rebuilding" not in p.stdout and not any("-m venv" in c for c in calls) and installs(calls)


def test_test_uses_its_own_venv_and_runs_everything(repo):
    p, calls = run(repo, "test", "-k", "binder")
    assert p.returncode == 0, p.stderr
    assert (repo / ".venv-dev" / ".course-installed").exists() and not (repo / ".venv").exists()
    assert any("-r requirements-dev.txt" in c for c in installs(calls))
    pytest_call = [c for c in calls if " -m pytest " in c]
    assert pytest_call and ".venv-dev/bin/python -m pytest " in "/" + pytest_call[-1], pytest_call
    assert pytest_call[-1].split(" -m pytest ", 1)[1].startswith("tests chapters start.ipynb --nbval-lax"), pytest_call
    assert pytest_call[-1].endswith("-k binder")
    p, calls = run(repo, "test")
    assert installs(calls) == []


def test_ci_run_fails_loudly_when_pytest_collects_nothing(tmp_path):
    """.ci/run turns pytest's exit code 5 (no tests collected) into a failure with a message."""
    repo = tmp_path / "repo"
    (repo / ".ci").mkdir(parents=True)
    shutil.copy2(ROOT / ".ci" / "run", repo / ".ci" / "run")
    course = repo / "course.sh"
    for code, expected in ((5, 1), (0, 0), (1, 1)):
        course.write_text(f"#!/usr/bin/env bash\nexit {code}\n")
        course.chmod(0o755)
        p = subprocess.run(["bash", str(repo / ".ci" / "run")], capture_output=True, text=True, timeout=30)
        assert p.returncode == expected, (code, p.returncode, p.stderr)
        assert ("collected no tests" in p.stderr) == (code == 5)

"""Your progress on this machine: which exercises' checks have passed (the start page shows it).

When a chapter's check passes, ``backprop_lib.checks`` calls ``record_pass``, which notes the exercise
in a small JSON file on this computer; nothing is ever sent anywhere. The file is

    ~/.backprop_course/progress.json        (or the path in the environment variable BACKPROP_PROGRESS_FILE)

and holds, per exercise key ("ch01.ex1"), its chapter ("01"), the name asked for ("neuron_forward"), the
time (UTC) of the first and the last pass, how many passes, and ``own``: whether a pass came from the
student's own code. The self-study chapters ship with the solution already in each exercise cell
(collapsed); a pass of that untouched solution cell is recorded with own=False, so that running a
chapter top to bottom does not mark its exercises as done (see checks._core._record_pass).

To start again, delete the file (``backprop_lib.progress.reset()`` does that). Nothing is recorded
  - while ``BACKPROP_PROGRESS=off`` is set (also 0/false/no) or after ``disable()`` in this process
    (the homework build adds that call to its notebooks: homework is graded, not tracked here),
  - in an nbgrader grading run (decided by the checks: ``checks.grading()``).

Recording never raises: a missing, unreadable or corrupt file reads as "no passes yet", and a file that
cannot be written (a read-only home folder) is skipped silently, so a student's check never fails
because of it. Writes are atomic (a temporary file in the same folder, then os.replace) and, where the
OS offers it (POSIX), serialized with a lock file, so two kernels passing checks at once both count.
Standard library only.
"""
from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

try:                        # POSIX: a lock around read-modify-write; elsewhere atomic replace only
    import fcntl
except ImportError:         # pragma: no cover - Windows
    fcntl = None

FILE_ENV = "BACKPROP_PROGRESS_FILE"
SWITCH_ENV = "BACKPROP_PROGRESS"
VERSION = 1
_OFF = ("0", "off", "false", "no")
_disabled = False


def progress_file() -> Path:
    """Where progress is kept: $BACKPROP_PROGRESS_FILE, else ~/.backprop_course/progress.json."""
    path = os.environ.get(FILE_ENV, "").strip()
    return Path(path).expanduser() if path else Path.home() / ".backprop_course" / "progress.json"


def disable() -> None:
    """Record nothing more in this process (the homework notebooks call this)."""
    global _disabled
    _disabled = True


def recording() -> bool:
    """True unless disable() was called or BACKPROP_PROGRESS is off/0/false/no."""
    return not _disabled and os.environ.get(SWITCH_ENV, "").strip().lower() not in _OFF


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _parse(text: str) -> dict:
    data = json.loads(text)
    passes = data.get("passes") if isinstance(data, dict) else None
    if not isinstance(passes, dict):
        raise ValueError("no 'passes' table")
    return {k: v for k, v in passes.items() if isinstance(k, str) and isinstance(v, dict)}


def load(path: str | Path | None = None) -> dict[str, dict]:
    """The recorded passes, {exercise key: record}; {} if the file is missing, unreadable or corrupt."""
    try:
        return _parse(Path(path or progress_file()).read_text(encoding="utf-8"))
    except Exception:            # missing, unreadable, corrupt, or no home folder to look in
        return {}


@contextmanager
def _locked(path: Path):
    if fcntl is None:
        yield
        return
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(path: Path, passes: dict) -> None:
    text = json.dumps({"version": VERSION, "passes": passes}, indent=1, sort_keys=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def record_pass(key: str, chapter: str, exercise: str, own: bool = True,
                path: str | Path | None = None) -> bool:
    """Note that the check of exercise `key` passed now (own: the student's code, not the shipped
    solution). Returns True if it was written; never raises."""
    if not recording():
        return False
    try:
        path = Path(path or progress_file())
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path):
            try:
                passes = _parse(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                passes = {}
            except (OSError, ValueError, UnicodeDecodeError, AttributeError):
                passes = {}         # corrupt: keep a copy for the curious, then start again
                try:
                    os.replace(path, path.with_name(path.name + ".corrupt"))
                except OSError:
                    pass
            now = _now()
            rec = dict(passes.get(key) or {})
            rec.update(chapter=str(chapter), exercise=str(exercise), last_pass=now)
            rec.setdefault("first_pass", now)
            rec["passes"] = int(rec.get("passes", 0) or 0) + 1
            if own:
                rec["own"] = True
                rec.setdefault("first_own_pass", now)
                rec["last_own_pass"] = now
            else:
                rec["own"] = bool(rec.get("own", False))
            passes[key] = rec
            _write(path, passes)
        return True
    except Exception:
        return False


def passed_keys(path: str | Path | None = None) -> set[str]:
    """The exercises passed with the student's own code on this machine."""
    return {k for k, rec in load(path).items() if rec.get("own")}


def reset(path: str | Path | None = None) -> None:
    """Forget all progress on this machine (deletes the file)."""
    path = Path(path or progress_file())
    for p in (path, path.with_name(path.name + ".lock")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass

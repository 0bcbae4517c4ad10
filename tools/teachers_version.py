#!/usr/bin/env python3
"""Put the course's current version of a chapter beside your own copy of it.

For students who got the course with the teacher's nbgitpuller link. Each click on the link merges
the teacher's updates into your copy and keeps your edits; on a line that you and the teacher both
changed, your line wins and the teacher's correction of it does not arrive. This command fetches the
course and writes the teacher's current version next to yours, without touching your files:

    python3 ~/backprop-course/tools/teachers_version.py 05      # or 05_matrix_form, or several chapters

writes chapters/05_matrix_form.teacher.ipynb (open it, compare, copy what you need). Run it in a
JupyterLab terminal (File > New > Terminal) or in a notebook cell with a leading `!`. It needs only
Python and git, and works from any folder.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUFFIX = ".teacher.ipynb"


def git(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                          check=check)


def course_ref() -> str:
    """The remote branch the link pulls from (the clone's upstream, e.g. origin/main)."""
    upstream = git("rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}", check=False)
    if upstream.returncode == 0 and upstream.stdout.strip():
        return upstream.stdout.strip()
    head = git("symbolic-ref", "--short", "refs/remotes/origin/HEAD", check=False)
    if head.returncode == 0 and head.stdout.strip():
        return head.stdout.strip()
    sys.exit("teachers_version: this copy of the course has no remote branch to compare with "
             "(was it made by the course link?)")


def find_chapter(name: str, ref: str) -> str:
    """chapters/NN_name.ipynb in the course's current version for '5', '05', '05_name' or a path."""
    listing = git("ls-tree", "--name-only", ref, "chapters/").stdout.split()
    notebooks = [p for p in listing if p.endswith(".ipynb") and not p.endswith(SUFFIX)]
    stem = Path(name).name.removesuffix(".ipynb").removesuffix(".py")
    if stem.isdigit():
        stem = f"{int(stem):02d}_"
        matches = [p for p in notebooks if Path(p).name.startswith(stem)]
    else:
        matches = [p for p in notebooks if Path(p).stem == stem]
    if len(matches) != 1:
        choices = ", ".join(Path(p).stem for p in notebooks)
        sys.exit(f"teachers_version: no single chapter matches {name!r}; the chapters are: {choices}")
    return matches[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="+", help="chapter number or name, e.g. 05 or 05_matrix_form")
    args = parser.parse_args(argv)
    if git("rev-parse", "--git-dir", check=False).returncode != 0:
        sys.exit(f"teachers_version: {ROOT} is not a git copy of the course (get it with the course link)")
    fetched = git("fetch", "--quiet", "origin", check=False)
    if fetched.returncode != 0:
        print("teachers_version: could not reach the course repository "
              f"({(fetched.stderr.strip() or 'git fetch failed').splitlines()[0]}); using the version fetched the last "
              "time you followed the course link.")
    ref = course_ref()
    commit = git("log", "-1", "--format=%h, %cd", "--date=format:%Y-%m-%d %H:%M", ref).stdout.strip()
    for name in args.chapters:
        path = find_chapter(name, ref)
        target = ROOT / (path.removesuffix(".ipynb") + SUFFIX)
        content = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:{path}"],
                                 capture_output=True, check=True).stdout
        target.write_bytes(content)
        print(f"wrote {target.relative_to(ROOT)}: the course's current version ({ref}, {commit}); "
              f"your {path} is unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())

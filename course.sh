#!/usr/bin/env bash
# The course in two commands:
#   ./course.sh lab    set up .venv (the students' packages only) and open the course's start page
#                      (start.ipynb) in JupyterLab
#   ./course.sh test   set up .venv-dev (the same plus the test and grading tools) and run the test suite
# Two environments, so that the students' JupyterLab never shows the grading tools (nbgrader's menus
# and panels) that the tests need. Each is installed the first time and again only when its
# requirements (or pyproject.toml) change: a stamp inside the venv records what was installed.
# Nothing outside this folder is touched, except as root on Debian/Ubuntu: `test` installs the
# chromium package for the browser tests, and either command installs python3-venv if Python lacks it.
set -euo pipefail
cd "$(dirname "$0")"

LAB_VENV=.venv
DEV_VENV=.venv-dev
STAMP=.course-installed          # inside the venv: what was installed (a checksum of the inputs)

pick_python() {
  for py in ${PYTHON:-} python3.13 python3.12 python3.11 python3.10 python3; do
    if command -v "$py" >/dev/null 2>&1 &&
       "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  echo "Python >= 3.10 is needed (set PYTHON=/path/to/python)." >&2
  return 1
}

is_root() { [ "$(id -u)" = 0 ]; }

apt_install() {   # $1: why, then the packages
  local why=$1; shift
  echo "course.sh: installing $* with apt-get ($why; this takes a minute or two) ..."
  local t0=$SECONDS
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@") >/dev/null
  echo "course.sh: $* installed in $((SECONDS - t0)) s"
}

# Debian/Ubuntu ship Python without ensurepip unless pythonX.Y-venv is installed.
ensure_venv_module() {   # $1: python
  "$1" -c 'import venv, ensurepip' 2>/dev/null && return 0
  local pkg
  pkg="$("$1" -c 'import sys; print("python%d.%d-venv" % sys.version_info[:2])')"
  if is_root && command -v apt-get >/dev/null 2>&1; then
    apt_install "Python's venv module needs it" "$pkg"
  else
    echo "$1 cannot create virtual environments (no ensurepip). On Debian/Ubuntu: sudo apt-get install $pkg" >&2
    return 1
  fi
}

inputs_checksum() {   # the files that decide what a venv holds
  cat "$@" pyproject.toml | cksum
}

# setup VENV REQUIREMENTS [files REQUIREMENTS includes]: create VENV if needed and install
# REQUIREMENTS and the course library (editable) into it, unless its stamp says this is done.
setup() {
  local venv=$1 req=$2; shift 2
  local want
  want="$req $(inputs_checksum "$req" "$@")"
  if [ -d "$venv" ] && ! "$venv/bin/python" -c '' 2>/dev/null; then
    echo "course.sh: $venv is broken (its Python is gone): recreating it"
    rm -rf "$venv"
  fi
  if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/$STAMP" 2>/dev/null)" = "$want" ]; then
    return 0                                  # up to date: nothing to install
  fi
  local t0=$SECONDS
  if [ ! -x "$venv/bin/python" ]; then
    local py
    py="$(pick_python)"
    ensure_venv_module "$py"
    echo "course.sh: creating $venv with $("$py" -c 'import sys; print("Python %d.%d.%d" % sys.version_info[:3])') and installing $req into it (a few minutes the first time) ..."
    "$py" -m venv "$venv"
  elif [ -f "$venv/$STAMP" ]; then
    echo "course.sh: $req or pyproject.toml changed since $venv was set up: updating it ..."
  else
    echo "course.sh: installing $req into the existing $venv ..."
  fi
  rm -f "$venv/$STAMP"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e .
  echo "$want" > "$venv/$STAMP"
  echo "course.sh: $venv ready in $((SECONDS - t0)) s"
}

# A .venv made by an earlier version of this script (before the two environments) holds nbgrader and
# the test tools: rebuild it with the students' packages only.
clean_old_lab_venv() {
  [ -x "$LAB_VENV/bin/python" ] && [ ! -f "$LAB_VENV/$STAMP" ] || return 0
  if "$LAB_VENV/bin/python" -c 'import importlib.util as u, sys
sys.exit(0 if any(u.find_spec(m) for m in ("nbgrader", "pytest", "nbval")) else 1)' 2>/dev/null; then
    echo "course.sh: $LAB_VENV holds the grading and test tools from an earlier ./course.sh test" \
         "(they now live in $DEV_VENV): rebuilding $LAB_VENV with the course's packages only"
    rm -rf "$LAB_VENV"
  fi
}

case "${1:-}" in
  lab)
    shift
    clean_old_lab_venv
    setup "$LAB_VENV" requirements.txt
    root_flag=()
    is_root && root_flag=(--allow-root)   # JupyterLab refuses to start as root otherwise
    # start.ipynb: the start page (every chapter, and which exercises' checks have passed on this machine)
    exec "$LAB_VENV/bin/jupyter" lab --ip=127.0.0.1 ${root_flag[@]+"${root_flag[@]}"} "$@" start.ipynb
    ;;
  test)
    shift
    setup "$DEV_VENV" requirements-dev.txt requirements.txt
    if ! command -v chromium >/dev/null 2>&1 && is_root && command -v apt-get >/dev/null 2>&1; then
      apt_install "Debian's Chromium, for the browser tests in tests/e2e" chromium
    fi
    export PATH="$PWD/$DEV_VENV/bin:$PATH"   # nbgrader runs alembic from PATH
    # tests/test_chapters_cpu_paths.py reruns the chapters under numpy's other CPU code paths and 1/2 BLAS threads
    exec "$DEV_VENV/bin/python" -m pytest tests chapters start.ipynb --nbval-lax -n 2 --dist loadfile -q "$@"
    ;;
  *)
    echo "usage: ./course.sh lab [jupyter lab options] | test [pytest options]" >&2
    exit 2
    ;;
esac

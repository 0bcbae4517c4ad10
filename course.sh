#!/usr/bin/env bash
# The course in two commands:
#   ./course.sh lab    set everything up and open the course in JupyterLab (localhost, with a token)
#   ./course.sh test   set everything up and run the whole test suite
# Everything is installed into .venv inside this folder; nothing outside it is touched
# (except that, as root on Debian/Ubuntu, `test` installs the chromium package for the browser tests).
set -euo pipefail
cd "$(dirname "$0")"

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

setup() {   # $1: requirements file
  if [ ! -x .venv/bin/python ]; then
    "$(pick_python)" -m venv .venv
  fi
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -r "$1"
  .venv/bin/python -m pip install -q --no-deps -e .
}

case "${1:-}" in
  lab)
    setup requirements.txt
    root_flag=()
    [ "$(id -u)" = 0 ] && root_flag=(--allow-root)   # JupyterLab refuses to start as root otherwise
    exec .venv/bin/jupyter lab --ip=127.0.0.1 ${root_flag[@]+"${root_flag[@]}"} chapters/01_perceptron.ipynb
    ;;
  test)
    setup requirements-dev.txt
    if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null
    fi
    export PATH="$PWD/.venv/bin:$PATH"   # nbgrader runs alembic from PATH
    shift
    exec .venv/bin/python -m pytest tests chapters --nbval-lax -n 2 --dist loadfile -q "$@"
    ;;
  *)
    echo "usage: ./course.sh lab | test" >&2
    exit 2
    ;;
esac

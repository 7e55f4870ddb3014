#!/usr/bin/env bash
# Creates .venv with Python 3.13 (from pyenv, which is not the default python3) and
# installs the project with its test dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
    local candidate
    if command -v pyenv >/dev/null 2>&1; then
        for candidate in "$(pyenv root)"/versions/3.13*/bin/python3.13; do
            [ -x "$candidate" ] && { echo "$candidate"; return; }
        done
    fi
    for candidate in python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 13))' 2>/dev/null; then
            command -v "$candidate"; return
        fi
    done
    echo "Python 3.13 not found (looked in pyenv and on PATH)" >&2
    exit 1
}

if [ ! -x .venv/bin/python ]; then
    "$(find_python)" -m venv .venv
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/pip install --quiet --upgrade pip
    .venv/bin/pip install --quiet -e ".[test]"
    touch "$stamp"
fi

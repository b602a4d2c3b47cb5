#!/usr/bin/env bash
# Build grcim's environment from scratch in ./.venv (or $GRCIM_VENV).
# Finds a CPython >= 3.12 by itself: $GRCIM_PYTHON, then python3.14..3.12 and python3 on
# PATH, then any pyenv-installed 3.12+ (the pyenv shims fail without PYENV_VERSION, so
# the interpreters under $(pyenv root)/versions are tried directly).
# Installs grcim non-editable: hwcomponents only discovers plug-ins from regular installs.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${GRCIM_VENV:-.venv}"
extras="${GRCIM_EXTRAS:-test,accelforge}"

ok() { "$1" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }

find_python() {
  local c
  for c in "${GRCIM_PYTHON:-}" python3.14 python3.13 python3.12 python3; do
    [ -n "$c" ] && command -v "$c" >/dev/null 2>&1 && ok "$(command -v "$c")" && { command -v "$c"; return; }
  done
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  command -v pyenv >/dev/null 2>&1 && root="$(pyenv root)"
  for c in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do
    ok "$c" && { echo "$c"; return; }
  done
  return 1
}

if [ ! -x "$venv/bin/python" ] || ! ok "$venv/bin/python"; then
  py="$(find_python)" || { echo "setup: no Python >= 3.12 found (set GRCIM_PYTHON=/path/to/python3.12)" >&2; exit 1; }
  echo "setup: creating $venv with $py ($("$py" -V))"
  rm -rf "$venv"
  "$py" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip
echo "setup: installing grcim[$extras] into $venv"
rm -rf build  # setuptools reuses ./build/lib: a module moved in the tree would come back
"$venv/bin/python" -m pip install -q ".[$extras]"
"$venv/bin/python" -c "import grcim" || { echo "setup: grcim failed to install" >&2; exit 1; }
echo "setup: done ($("$venv/bin/grcim" --version))"

#!/usr/bin/env bash
# Prints the python of a venv (outside the repo) holding pyOCD (PyPI), installing it when missing.
# A venv of its own: pyOCD needs pylink-square 1.x, the peers venv (peers-venv.sh) pins 0.5.0 for
# Bouffalo's flashers. Exit 3 when PyPI cannot be reached, 1 on any other failure.
set -u
venv=${TMPDIR:-/tmp}/bootwire-pyocd-venv
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import pyocd, libusb_package" 2>/dev/null; then
  echo "$venv/bin/python"; exit 0
fi
log=$(mktemp)
python3 -m venv "$venv" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
if ! PIP_NO_CACHE_DIR=1 "$venv/bin/pip" install -q pyocd==0.36.0 >"$log" 2>&1; then
  tail -3 "$log" >&2
  grep -qiE "connection|resolve|network|unreachable|timed out" "$log" && exit 3
  exit 1
fi
echo "$venv/bin/python"

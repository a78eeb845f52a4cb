#!/usr/bin/env bash
# Prints the python of a venv (outside the repo) holding Bouffalo's PyPI flashers and
# stm32loader (STM32), installing them when missing. Exit 3 when PyPI cannot be reached, 1 on any other failure.
set -u
venv=${TMPDIR:-/tmp}/bootwire-peers-venv
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import bflb_iot_tool, bflb_flash_command, stm32loader" 2>/dev/null; then
  echo "$venv/bin/python"; exit 0
fi
log=$(mktemp)
python3 -m venv "$venv" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
if ! PIP_NO_CACHE_DIR=1 "$venv/bin/pip" install -q bflb-iot-tool==1.10.0 bflb-flash-command-uart==1.4.3.post1 \
      pylink-square==0.5.0 "pycklink>=0.1.1" portalocker==2.0.0 stm32loader==0.7.1 >"$log" 2>&1; then
  tail -3 "$log" >&2
  grep -qiE "connection|resolve|network|unreachable|timed out" "$log" && exit 3
  exit 1
fi
echo "$venv/bin/python"

#!/usr/bin/env bash
# Proves the virtual STM32 bootloader against two clients nobody here wrote: stm32flash (Debian)
# and stm32loader 0.7.1 (PyPI). Each runs its sessions against `bootwire emulate stm32 --device
# l476` (and the single-bank `l432`) over a pty, and the flash dump must hold what they wrote. A pty carries no parity, so
# stm32flash runs with -m 8n1 and stm32loader with -P none (shared/peers/README.md).
# Usage: scripts/stm32-peer-interop.sh [path/to/bootwire]
# Skips (loudly) a tool only when apt or PyPI cannot be reached; any other failure exits non-zero.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
bootwire=${1:-}
if [ -z "$bootwire" ]; then
  for candidate in "$here"/.build/debug/bootwire "$here"/.build-*/debug/bootwire; do
    [ -x "$candidate" ] && { bootwire=$candidate; break; }
  done
fi
[ -x "${bootwire:-}" ] || { echo "stm32-peer-interop: FAILED: no bootwire binary (build first, or pass its path)"; exit 1; }
shared=$(cd "$here/../shared" 2>/dev/null && pwd) || shared=""
work=$(mktemp -d)
emulators=()
cleanup() {
  for pid in "${emulators[@]}"; do kill -INT "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
passed=0
failed=0
skipped=0
ok() { echo "stm32-peer-interop: ok     $1"; passed=$((passed + 1)); }
bad() {
  echo "stm32-peer-interop: FAILED $1"
  [ -n "${2:-}" ] && [ -f "$2" ] && tail -15 "$2"
  [ -n "${3:-}" ] && [ -f "$3" ] && tail -8 "$3"
  failed=$((failed + 1))
}
skip() { echo "stm32-peer-interop: SKIPPED $1"; skipped=$((skipped + 1)); }

# start DIR [emulate options…]: a virtual $part (l476 unless set) whose port is DIR/tty; its pid in $emu.
part=l476
start() {
  local dir=$1; shift
  mkdir -p "$dir"
  "$bootwire" emulate stm32 --device "$part" --wire instant --link "$dir/tty" --dump "$dir/dump.bin" \
    --log "$dir/device.log" "$@" >"$dir/emulate.out" 2>&1 &
  emu=$!
  emulators+=("$emu")
  for _ in $(seq 100); do [ -e "$dir/tty" ] && return 0; sleep 0.1; done
  cat "$dir/emulate.out"
  return 1
}

# stop: SIGINT, so that the emulator writes its dump.
stop() {
  kill -INT "$emu" 2>/dev/null
  wait "$emu" 2>/dev/null
}

# dump_is DUMP FILE: the dump starts with FILE and is erased after it.
dump_is() {
  python3 - "$1" "$2" <<'PY'
import sys
dump = open(sys.argv[1], "rb").read()
data = open(sys.argv[2], "rb").read()
ok = dump[:len(data)] == data and dump[len(data):].count(0xFF) == len(dump) - len(data)
sys.exit(0 if ok else 1)
PY
}

all_ff() { python3 -c "import sys; d=open(sys.argv[1],'rb').read(); sys.exit(0 if d and d.count(0xFF)==len(d) else 1)" "$1"; }

head -c 65536 /dev/urandom >"$work/fw.bin"
head -c 65536 /dev/urandom >"$work/fw2.bin"
# Above 128 KiB: on a single-bank L432 this is where a dual-bank page numbering goes wrong.
head -c 204800 /dev/urandom >"$work/fw200.bin"

# ---------------------------------------------------------------- stm32flash (Debian)
have_stm32flash() {
  command -v stm32flash >/dev/null && return 0
  if [ "$(id -u)" != 0 ]; then
    skip "stm32flash: not installed, and only root may apt-get install it"
    return 1
  fi
  local log=$work/apt.log
  if ! apt-get install -y stm32flash >"$log" 2>&1; then
    if grep -q "Unable to locate package" "$log"; then
      if ! apt-get update >"$log" 2>&1 || grep -qiE "Failed to fetch|Temporary failure|Could not resolve" "$log"; then
        skip "stm32flash: apt cannot reach its archive ($(grep -m1 -iE 'fail|err' "$log"))"
        return 1
      fi
      apt-get install -y stm32flash >"$log" 2>&1 || true
    elif grep -qiE "Failed to fetch|Temporary failure|Could not resolve|unreachable|Connection" "$log"; then
      skip "stm32flash: apt cannot reach its archive"
      return 1
    fi
  fi
  command -v stm32flash >/dev/null && return 0
  bad "stm32flash: apt-get install failed" "$log"
  return 1
}

if have_stm32flash; then
  dir=$work/stm32flash
  if start "$dir"; then
    tty=$dir/tty
    sf() { timeout 300 stm32flash -b 115200 -m 8n1 "$@" "$tty" >"$dir/peer.log" 2>&1; }
    if sf && grep -q "Device ID    : 0x0415" "$dir/peer.log"; then ok "stm32flash probe"; else bad "stm32flash probe" "$dir/peer.log" "$dir/device.log"; fi
    if sf -w "$work/fw.bin" -v -S 0x08000000; then ok "stm32flash write 64 KiB with verify"; else bad "stm32flash write -v" "$dir/peer.log" "$dir/device.log"; fi
    if sf -r "$dir/back.bin" -S 0x08000000:65536 && cmp -s "$dir/back.bin" "$work/fw.bin"; then
      ok "stm32flash read back"
    else
      bad "stm32flash read back" "$dir/peer.log" "$dir/device.log"
    fi
    if sf -o && sf -r "$dir/erased.bin" -S 0x08000000:65536 && all_ff "$dir/erased.bin"; then
      ok "stm32flash mass erase"
    else
      bad "stm32flash mass erase" "$dir/peer.log" "$dir/device.log"
    fi
    # stm32flash -R: its own stub through Go resets the part into its bootloader, the behaviour
    # Bootwire's `reset --into bootloader` (STM32ResetStub) relies on.
    if sf -R && grep -q "reset stub" "$dir/device.log" && sf && grep -q "Device ID    : 0x0415" "$dir/peer.log"; then
      ok "stm32flash -R: its reset stub brings the part back in its bootloader"
    else
      bad "stm32flash -R" "$dir/peer.log" "$dir/device.log"
    fi
    if sf -w "$work/fw2.bin" -v -S 0x08000000 && sf -g 0x08000000 && grep -q "Starting execution at address 0x08000000... done" "$dir/peer.log"; then
      ok "stm32flash write again and go"
    else
      bad "stm32flash go" "$dir/peer.log" "$dir/device.log"
    fi
    stop
    if dump_is "$dir/dump.bin" "$work/fw2.bin"; then ok "stm32flash: the dump holds the image"; else bad "stm32flash dump" "$dir/device.log"; fi
  else
    bad "stm32flash: the emulator did not start" "$dir/emulate.out"
  fi

  # The single-bank L432 (0x435, 256 KiB): stm32flash knows the id; an image above 128 KiB.
  part=l432
  dir=$work/stm32flash-l432
  if start "$dir"; then
    tty=$dir/tty
    if sf && grep -q "Device ID    : 0x0435" "$dir/peer.log"; then ok "stm32flash probe L432"; else bad "stm32flash probe L432" "$dir/peer.log" "$dir/device.log"; fi
    if sf -w "$work/fw200.bin" -v -S 0x08000000 && sf -r "$dir/back.bin" -S 0x08000000:204800 \
       && cmp -s "$dir/back.bin" "$work/fw200.bin"; then
      ok "stm32flash L432 write 200 KiB with verify, read back"
    else
      bad "stm32flash L432 write" "$dir/peer.log" "$dir/device.log"
    fi
    if sf -o && sf -r "$dir/erased.bin" -S 0x08000000:204800 && all_ff "$dir/erased.bin"; then
      ok "stm32flash L432 mass erase"
    else
      bad "stm32flash L432 mass erase" "$dir/peer.log" "$dir/device.log"
    fi
    stop
  else
    bad "stm32flash: the L432 emulator did not start" "$dir/emulate.out"
  fi
  part=l476

  # Readout protection with a peer: a locked part refuses reads; -k (Readout Unprotect) mass-
  # erases it and resets; -j (Readout Protect) locks it again.
  dir=$work/stm32flash-rdp
  if start "$dir" --fault locked; then
    tty=$dir/tty
    if ! sf -r "$dir/refused.bin" -S 0x08000000:256 && grep -q "Got NACK from device on command 0x11" "$dir/peer.log" \
       && sf -k && sf -r "$dir/open.bin" -S 0x08000000:256 && all_ff "$dir/open.bin" \
       && sf -j && ! sf -r "$dir/refused.bin" -S 0x08000000:256; then
      ok "stm32flash readout unprotect (-k) and protect (-j)"
    else
      bad "stm32flash readout protection" "$dir/peer.log" "$dir/device.log"
    fi
    stop
  else
    bad "stm32flash: the emulator did not start" "$dir/emulate.out"
  fi

  # A second session with no reset in between: 0x7F is taken as a command byte, the next gets
  # NACK, and the tool carries on (spec section 1).
  dir=$work/stm32flash-synced
  if start "$dir" --no-reset-on-open; then
    timeout 60 stm32flash -b 115200 -m 8n1 "$dir/tty" >"$dir/first.log" 2>&1
    if timeout 60 stm32flash -b 115200 -m 8n1 "$dir/tty" >"$dir/peer.log" 2>&1 && grep -q "Device ID    : 0x0415" "$dir/peer.log" \
       && [ "$(grep -c "0x7F at 115200 baud → 79" "$dir/device.log")" = 1 ] \
       && grep -q "command 7f7f: bad complement → 1f" "$dir/device.log"; then
      ok "stm32flash second session on an already-synced device"
    else
      bad "stm32flash second session" "$dir/peer.log" "$dir/device.log"
    fi
    stop
  else
    bad "stm32flash: the emulator did not start" "$dir/emulate.out"
  fi
fi

# ---------------------------------------------------------------- stm32loader 0.7.1 (PyPI)
py=$("$here/scripts/peers-venv.sh")
case $? in
  0) ;;
  3) py="" ; skip "stm32loader: PyPI cannot be reached, stm32loader 0.7.1 could not be installed" ;;
  *) py="" ; bad "stm32loader: could not install it" ;;
esac
wrapper=${shared:+$shared/peers/sl_nomodem.py}
if [ -n "$py" ] && [ -z "$shared" ]; then
  # As the other peer scripts do: without ../shared (a clone outside the workspace) the
  # wrapper is not there to be had, which is not a defect of the virtual device.
  skip "stm32loader: ../shared is absent (its no-modem-lines wrapper lives there)"
  py=""
elif [ -n "$py" ] && [ ! -f "$wrapper" ]; then
  bad "stm32loader: ../shared/peers/sl_nomodem.py (the no-modem-lines wrapper) is absent"
  py=""
fi
if [ -n "$py" ]; then
  dir=$work/stm32loader
  if start "$dir"; then
    sl() { timeout 300 "$py" "$wrapper" -p "$dir/tty" -b 115200 -P none -f L4 -n "$@" >"$dir/peer.log" 2>&1; }
    if sl && grep -q "Chip id: 0x415" "$dir/peer.log" && grep -q "Flash size: 1024 KiB" "$dir/peer.log"; then
      ok "stm32loader probe (id, UID, flash size)"
    else
      bad "stm32loader probe" "$dir/peer.log" "$dir/device.log"
    fi
    if sl -e -w -v "$work/fw.bin" && grep -q "Verification OK" "$dir/peer.log"; then
      ok "stm32loader erase, write 64 KiB, verify"
    else
      bad "stm32loader erase/write/verify" "$dir/peer.log" "$dir/device.log"
    fi
    if sl -r -a 0x08000000 -l 65536 "$dir/back.bin" && cmp -s "$dir/back.bin" "$work/fw.bin"; then
      ok "stm32loader read back"
    else
      bad "stm32loader read back" "$dir/peer.log" "$dir/device.log"
    fi
    if sl -g 0x08000000 && grep -q "Go 0x08000000 → 79, the application runs" "$dir/device.log"; then
      ok "stm32loader go"
    else
      bad "stm32loader go" "$dir/peer.log" "$dir/device.log"
    fi
    stop
    if dump_is "$dir/dump.bin" "$work/fw.bin"; then ok "stm32loader: the dump holds the image"; else bad "stm32loader dump" "$dir/device.log"; fi
  else
    bad "stm32loader: the emulator did not start" "$dir/emulate.out"
  fi
fi

if [ -n "$py" ]; then
  part=l432
  dir=$work/stm32loader-l432
  if start "$dir"; then
    if sl && grep -q "Chip id: 0x435" "$dir/peer.log" && grep -q "Flash size: 256 KiB" "$dir/peer.log"; then
      ok "stm32loader probe L432"
    else
      bad "stm32loader probe L432" "$dir/peer.log" "$dir/device.log"
    fi
    if sl -e -w -v "$work/fw200.bin" && grep -q "Verification OK" "$dir/peer.log"; then
      ok "stm32loader L432 erase, write 200 KiB, verify"
    else
      bad "stm32loader L432 erase/write/verify" "$dir/peer.log" "$dir/device.log"
    fi
    stop
    if dump_is "$dir/dump.bin" "$work/fw200.bin"; then ok "stm32loader L432: the dump holds the image"; else bad "stm32loader L432 dump" "$dir/device.log"; fi
  else
    bad "stm32loader: the L432 emulator did not start" "$dir/emulate.out"
  fi
  part=l476
fi

echo "stm32-peer-interop: $passed checks passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]

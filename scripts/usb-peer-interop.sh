#!/usr/bin/env bash
# Proves the virtual USB devices against clients nobody here wrote: Debian's dfu-util (0.11),
# stlink-tools (st-info, st-flash; 1.7) and OpenOCD (0.12), run unmodified. Each talks libusb to
# the stand-in library (`bootwire emulate usb-shim-path`), which forwards to
# `bootwire emulate usb DEVICE --socket PATH --state FILE`; after each check the device's state
# file is compared with what the peer was asked to do.
# Usage: scripts/usb-peer-interop.sh [path/to/bootwire]
# One line per check and a final count; exits non-zero when any check fails. Skips (loudly) a
# tool only when apt cannot reach its archive.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
bootwire=${1:-}
if [ -z "$bootwire" ]; then
  for candidate in "$here"/.build/debug/bootwire "$here"/.build-*/debug/bootwire; do
    [ -x "$candidate" ] && { bootwire=$candidate; break; }
  done
fi
[ -x "${bootwire:-}" ] || { echo "usb-peer-interop: FAILED: no bootwire binary (build first, or pass its path)"; exit 1; }
shim=$("$bootwire" emulate usb-shim-path) || { echo "usb-peer-interop: FAILED: no libusb stand-in (swift build builds it)"; exit 1; }
work=$(mktemp -d /tmp/usb-peers.XXXXXX)
servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  pkill -TERM -f -- "$work/" 2>/dev/null # servers started by checks that run side by side
  wait
  rm -rf "$work"
}
trap cleanup EXIT
passed=0
failed=0
skipped=0
ok() { echo "usb-peer-interop: ok     $1"; passed=$((passed + 1)); }
bad() {
  echo "usb-peer-interop: FAILED $1"
  [ -n "${2:-}" ] && [ -f "$2" ] && tail -12 "$2"
  failed=$((failed + 1))
}
skip() { echo "usb-peer-interop: SKIPPED $1"; skipped=$((skipped + 1)); }

. "$here/scripts/peer-lanes.sh"
# side_by_side FUNCTION ROW…: FUNCTION with each ROW's words as its arguments, $PEER_LANES rows at
# a time (scripts/peer-lanes.sh), each into a report of its own; then the reports in order, counted.
side_by_side() {
  local fn=$1 row n=0 i
  shift
  for row in "$@"; do
    lane_wait
    # shellcheck disable=SC2086 # a row is its words
    $fn $row >"$work/$fn-$n.report" 2>&1 &
    n=$((n + 1))
  done
  wait
  for ((i = 0; i < n; i++)); do
    cat "$work/$fn-$i.report"
    passed=$((passed + $(grep -c '^usb-peer-interop: ok' "$work/$fn-$i.report")))
    failed=$((failed + $(grep -c '^usb-peer-interop: FAILED' "$work/$fn-$i.report")))
  done
}

# ---------------------------------------------------------------- the peers (Debian)
need=()
command -v dfu-util >/dev/null || need+=(dfu-util)
command -v st-flash >/dev/null || need+=(stlink-tools)
command -v openocd >/dev/null || need+=(openocd)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    skip "${need[*]}: not installed, and only root may apt-get install them"
  else
    log=$work/apt.log
    if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"; } >"$log" 2>&1 &&
      grep -qiE "Failed to fetch|Temporary failure|Could not resolve|unreachable" "$log"; then
      skip "${need[*]}: apt cannot reach its archive"
    fi
  fi
fi

# start NAME DEVICE [STATE]: `emulate usb` on $work/NAME.sock; its pid in $server.
start() {
  local name=$1 device=$2 state=${3:-$work/$1.state}
  "$bootwire" emulate usb "$device" --socket "$work/$name.sock" --state "$state" >"$work/$name.server" 2>&1 &
  server=$!
  servers+=("$server")
  for _ in $(seq 100); do [ -S "$work/$name.sock" ] && return 0; sleep 0.05; done
  cat "$work/$name.server"
  return 1
}
# stop: SIGTERM; the device writes its state.
stop() {
  kill -TERM "$server" 2>/dev/null
  wait "$server" 2>/dev/null
}
# peer NAME LOG COMMAND…: the command with the stand-in and NAME's socket.
peer() {
  local name=$1 log=$2
  shift 2
  LD_LIBRARY_PATH=$shim BOOTWIRE_USB_SOCKET=$work/$name.sock timeout -k 10 300 "$@" >"$log" 2>&1
}

# flash_of STATE: the flash array held in a virtual device's state file (DFU: u32 length, JSON,
# flash; ST-LINK: "BWL4"/"BWF4"/"BWPG"/"BWSC", flash, option words).
flash_of() {
  python3 - "$1" "$2" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
size = int(sys.argv[2])
if b[:4] in (b"BWL4", b"BWF4", b"BWPG", b"BWSC"):
    flash = b[4:4 + size]
else:
    n = int.from_bytes(b[:4], "little")
    flash = b[4 + n:4 + n + size]
sys.stdout.buffer.write(flash)
PY
}
# holds STATE SIZE FILE [ADDRESS-OFFSET]: the flash holds FILE at the offset and is erased elsewhere.
holds() {
  local flash
  flash=$(mktemp "$work/flash.XXXXXX") # checks run side by side
  flash_of "$1" "$2" >"$flash"
  python3 - "$flash" "$3" "${4:-0}" <<'PY'
import sys
flash = open(sys.argv[1], "rb").read()
data = open(sys.argv[2], "rb").read()
at = int(sys.argv[3], 0)
rest = flash[:at] + flash[at + len(data):]
sys.exit(0 if flash[at:at + len(data)] == data and rest.count(0xFF) == len(rest) else 1)
PY
}
erased() {
  flash_of "$1" "$2" | python3 -c "import sys; d=sys.stdin.buffer.read(); sys.exit(0 if d and d.count(0xFF)==len(d) else 1)"
}
# seed STATE FILE: put FILE at the start of an ST-LINK state's flash (the device's own format),
# so that a read has something to find that no peer wrote.
seed() {
  python3 - "$1" "$2" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
data = open(sys.argv[2], "rb").read()
assert b[:4] in (b"BWL4", b"BWF4")
b[4:4 + len(data)] = data
open(sys.argv[1], "wb").write(b)
PY
}

MiB=1048576
head -c 10000 /dev/urandom >"$work/app.bin"
head -c 6000 /dev/urandom >"$work/app2.bin"
head -c 24576 /dev/urandom >"$work/app3.bin"
# A minimal ELF (one PT_LOAD at 0x08000000, entry in Thumb) for OpenOCD's `program`.
python3 - "$work/app3.bin" "$work/app.elf" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
header = struct.pack("<4s5B7sHHIIIIIHHHHHH", b"\x7fELF", 1, 1, 1, 0, 0, b"\0" * 7, 2, 40, 1, 0x08000001,
                     52, 0, 0x05000200, 52, 32, 1, 0, 0, 0)
program = struct.pack("<8I", 1, 84, 0x08000000, 0x08000000, len(data), len(data), 5, 4)
open(sys.argv[2], "wb").write(header + program + data)
PY

# ---------------------------------------------------------------- dfu-util: L476 and WB55 ROM DFU
if command -v dfu-util >/dev/null; then
  # The alternate settings as `dfu-util -l` prints the device's own strings.
  l476_alts=('@Internal Flash  /0x08000000/512*0002Kg' '@Option Bytes  /0x1FFF7800/01*040 e/0x1FFFF800/01*040 e'
    '@OTP Memory /0x1FFF7000/01*0001Ke')
  wb55_alts=('@Internal Flash   /0x08000000/256*04Kg' '@Option Bytes   /0x1FFF8000/01*128 e' '@OTP Memory   /0x1FFF7000/01*1Ke')
  lists() { # LOG ALTS…; the serial is each virtual device's own (derived from its unique ID): 12 hex digits
    local log=$1 alt=0 serial
    shift
    serial=$(sed -n 's/.*serial="\([0-9A-F]\{12\}\)".*/\1/p' "$log" | head -1)
    [ -n "$serial" ] || return 1
    for name in "$@"; do
      grep -qF "Found DFU: [0483:df11] ver=2200, devnum=" "$log" || return 1
      grep -F "alt=$alt, name=\"$name\", serial=\"$serial\"" "$log" >/dev/null || return 1
      alt=$((alt + 1))
    done
    [ "$(grep -c '^Found DFU' "$log")" = "$#" ]
  }
  dir=$work
  if start l476 dfu-l476; then
    if peer l476 "$dir/list.log" dfu-util -l && lists "$dir/list.log" "${l476_alts[@]}"; then
      ok "dfu-util -l: the L476's three alternate settings and serial"
    else bad "dfu-util -l (L476)" "$dir/list.log"; fi
    if peer l476 "$dir/dn.log" dfu-util -a 0 -s 0x08000000:leave -D "$work/app.bin" &&
      grep -q "File downloaded successfully" "$dir/dn.log" && holds "$work/l476.state" $MiB "$work/app.bin"; then
      ok "dfu-util -a 0 -s 0x08000000:leave -D app.bin: the state holds the image"
    else bad "dfu-util -D :leave" "$dir/dn.log"; fi
    # After leave the ROM has jumped to the application: the device is off the bus.
    if peer l476 "$dir/gone.log" dfu-util -l && ! grep -q "^Found DFU" "$dir/gone.log"; then
      ok "after :leave the device has left the bus"
    else bad "device still listed after :leave" "$dir/gone.log"; fi
    stop
  else bad "emulate usb dfu-l476 did not start"; fi
  if start l476 dfu-l476; then
    rm -f "$work/up.bin"
    if peer l476 "$dir/up.log" dfu-util -a 0 -s 0x08000000:4096 -U "$work/up.bin" &&
      cmp -s "$work/up.bin" <(head -c 4096 "$work/app.bin"); then
      ok "dfu-util -a 0 -s 0x08000000:4096 -U: reads the image back"
    else bad "dfu-util -U" "$dir/up.log"; fi
    if command -v dfuse-pack >/dev/null && dfuse-pack -b 0x08000000:"$work/app2.bin" -D 0x0483:0xdf11 "$work/app2.dfu" >/dev/null 2>&1; then
      if peer l476 "$dir/dfu.log" dfu-util -a 0 -D "$work/app2.dfu" && grep -q "Done parsing DfuSe file" "$dir/dfu.log" &&
        flash_of "$work/l476.state" $MiB | head -c 6000 | cmp -s - "$work/app2.bin"; then
        ok "dfu-util -D app.dfu (DfuSe file from dfuse-pack): the state holds its element"
      else bad "dfu-util -D .dfu" "$dir/dfu.log"; fi
    else bad "dfuse-pack could not build a .dfu file"; fi
    if peer l476 "$dir/mass.log" dfu-util -a 0 -s 0x08000000:mass-erase:force && erased "$work/l476.state" $MiB; then
      ok "dfu-util -s :mass-erase:force: the state is erased"
    else bad "dfu-util mass erase" "$dir/mass.log"; fi
    stop
  else bad "emulate usb dfu-l476 did not start"; fi
  if start rdp dfu-l476,rdp1; then
    if ! peer rdp "$dir/rdp.log" dfu-util -a 0 -s 0x08000000 -D "$work/app.bin" &&
      grep -q "ERASE_PAGE not correctly executed" "$dir/rdp.log"; then
      ok "dfu-util on an RDP1 L476 stops with its own error (ERASE_PAGE not correctly executed)"
    else bad "dfu-util against RDP1" "$dir/rdp.log"; fi
    # Read Unprotect: the ROM mass-erases and resets; it comes back at a new device address.
    devnum() { sed -n 's/.*devnum=\([0-9]*\),.*/\1/p' "$1" | head -1; }
    peer rdp "$dir/before.log" dfu-util -l
    peer rdp "$dir/unprotect.log" dfu-util -a 0 -s 0x08000000:unprotect:force -D "$work/app.bin"
    sleep 0.6
    if grep -q "Device disconnects, erases flash and resets now" "$dir/unprotect.log" &&
      peer rdp "$dir/after.log" dfu-util -l && [ -n "$(devnum "$dir/after.log")" ] &&
      [ "$(devnum "$dir/before.log")" != "$(devnum "$dir/after.log")" ] &&
      peer rdp "$dir/rdpdn.log" dfu-util -a 0 -s 0x08000000 -D "$work/app.bin" && holds "$work/rdp.state" $MiB "$work/app.bin"; then
      ok "dfu-util :unprotect:force: the part resets and re-enumerates (devnum $(devnum "$dir/before.log") -> $(devnum "$dir/after.log")), then takes a download"
    else bad "dfu-util :unprotect:force and re-enumeration" "$dir/unprotect.log"; fi
    stop
  else bad "emulate usb dfu-l476,rdp1 did not start"; fi
  if start wb55 dfu-wb55; then
    if peer wb55 "$dir/wlist.log" dfu-util -l && lists "$dir/wlist.log" "${wb55_alts[@]}"; then
      ok "dfu-util -l: the WB55's three alternate settings and serial"
    else bad "dfu-util -l (WB55)" "$dir/wlist.log"; fi
    rm -f "$work/wup.bin"
    if peer wb55 "$dir/wdn.log" dfu-util -a 0 -s 0x08000000 -D "$work/app.bin" &&
      peer wb55 "$dir/wup.log" dfu-util -a 0 -s 0x08000000:10000 -U "$work/wup.bin" && cmp -s "$work/wup.bin" "$work/app.bin"; then
      ok "dfu-util -D then -U on the WB55: the same bytes come back"
    else bad "dfu-util WB55 round trip" "$dir/wdn.log"; fi
    stop
  else bad "emulate usb dfu-wb55 did not start"; fi
fi

# ---------------------------------------------------------------- stlink-tools: st-info, st-flash
if command -v st-flash >/dev/null; then
  dir=$work
  if start st stlink-l476; then
    if peer st "$dir/probe.log" st-info --probe && grep -q "version:    V2J37S26" "$dir/probe.log" &&
      grep -q "flash:      1048576 (pagesize: 2048)" "$dir/probe.log" && grep -q "chipid:     0x0415" "$dir/probe.log"; then
      ok "st-info --probe: V2J37S26, chip 0x0415 (L4), 1 MiB in 2 KiB pages"
    else bad "st-info --probe (L476)" "$dir/probe.log"; fi
    stop
    seed "$work/st.state" "$work/app2.bin"
    start st stlink-l476
    if peer st "$dir/read.log" st-flash read "$work/read.bin" 0x8000000 6000 && cmp -s "$work/read.bin" "$work/app2.bin"; then
      ok "st-flash read: what the state holds"
    else bad "st-flash read" "$dir/read.log"; fi
    if peer st "$dir/erase.log" st-flash erase && erased "$work/st.state" $MiB; then
      ok "st-flash erase: the state is erased"
    else bad "st-flash erase" "$dir/erase.log"; fi
    if peer st "$dir/write.log" st-flash write "$work/app.bin" 0x8000000 && holds "$work/st.state" $MiB "$work/app.bin"; then
      ok "st-flash write app.bin 0x8000000: the state holds the image"
    else bad "st-flash write (L476)" "$dir/write.log"; fi
    stop
  else bad "emulate usb stlink-l476 did not start"; fi
  if start f4 stlink-f4; then
    if peer f4 "$dir/f4probe.log" st-info --probe && grep -q "chipid:     0x0413" "$dir/f4probe.log" &&
      grep -q "flash:      1048576" "$dir/f4probe.log"; then
      ok "st-info --probe: chip 0x0413 (F4), 1 MiB"
    else bad "st-info --probe (F407)" "$dir/f4probe.log"; fi
    if peer f4 "$dir/f4write.log" st-flash write "$work/app3.bin" 0x8000000 && holds "$work/f4.state" $MiB "$work/app3.bin"; then
      ok "st-flash write on the F407: the state holds the image"
    else bad "st-flash write (F407)" "$dir/f4write.log"; fi
    stop
  else bad "emulate usb stlink-f4 did not start"; fi
  # Every other virtual host target whose part st-flash 1.7 lists (its chip table: L4, F4, G0, G4
  # categories 2 and 3, H72x/H73x, H74x/H75x, WB55): a write, and a read of what `bootwire flash`
  # wrote; side by side, each into a report of its own. Rows: NAME FLASH-KiB.
  stflash_part() {
    local name=sf-$1 written=$work/sfbw-$1.state
    if start "$name" "stlink-$1"; then
      if peer "$name" "$work/$name.log" st-flash write "$work/app3.bin" 0x8000000 &&
        holds "$work/$name.state" $(($2 * 1024)) "$work/app3.bin"; then
        ok "st-flash write on stlink-$1: the state holds the image"
      else bad "st-flash write (stlink-$1)" "$work/$name.log"; fi
      stop
    else bad "emulate usb stlink-$1 did not start"; fi
    if "$bootwire" flash --port "virtual:stlink-$1,state=$written" "$work/app3.bin@0x08000000" >"$work/sfbw-$1.log" 2>&1 &&
      start "$name-bw" "stlink-$1" "$written"; then
      if peer "$name-bw" "$work/$name-bw.log" st-flash read "$work/$name-read.bin" 0x8000000 24576 &&
        cmp -s "$work/$name-read.bin" "$work/app3.bin"; then
        ok "st-flash read on stlink-$1: what bootwire flash wrote"
      else bad "st-flash read (stlink-$1)" "$work/$name-bw.log"; fi
      stop
    else bad "bootwire flash, then emulate usb stlink-$1 on its state" "$work/sfbw-$1.log"; fi
  }
  side_by_side stflash_part "l432 256" "l452 512" "f429 2048" "g071 128" "g474 512" "wb55 1024" "h723 1024" \
    "h743 2048"
fi

# ---------------------------------------------------------------- OpenOCD 0.12 (hla ST-LINK)
# Every virtual host target whose family OpenOCD 0.12 has a target file for (none for the H563
# and the C031): `program … verify` through OpenOCD's flash driver and its loader, which the
# virtual core runs against the virtual flash controller; then `verify_image` of what
# `bootwire flash` wrote. Rows: NAME TARGET-FILE FLASH-KiB, run side by side.
openocd_part() {
  local name=oo-$1
  if start "$name" "stlink-$1"; then
    if peer "$name" "$work/$name.log" openocd -f interface/stlink.cfg -f "target/$2.cfg" \
      -c "program $work/app.elf verify reset exit" && grep -q "Verified OK" "$work/$name.log" &&
      holds "$work/$name.state" $(($3 * 1024)) "$work/app3.bin"; then
      ok "openocd -f target/$2.cfg -c \"program app.elf verify reset exit\" (stlink-$1): the state holds the image"
    else bad "openocd program (stlink-$1)" "$work/$name.log"; fi
    stop
  else bad "emulate usb stlink-$1 did not start"; fi
  local written=$work/bw-$1.state
  if "$bootwire" flash --port "virtual:stlink-$1,state=$written" "$work/app3.bin@0x08000000" >"$work/bw-$1.log" 2>&1 &&
    start "$name-bw" "stlink-$1" "$written"; then
    if peer "$name-bw" "$work/$name-bw.log" openocd -f interface/stlink.cfg -f "target/$2.cfg" \
      -c "init; reset halt; $verified; exit" && grep -q "verify_image: verified 24576 bytes" "$work/$name-bw.log"; then
      ok "openocd verify_image (stlink-$1): OpenOCD reads back what bootwire flash wrote"
    else bad "openocd verify_image (stlink-$1)" "$work/$name-bw.log"; fi
    stop
  else bad "bootwire flash, then emulate usb stlink-$1 on its state" "$work/bw-$1.log"; fi
}
if command -v openocd >/dev/null; then
  verified='if {[catch {verify_image '"$work"'/app3.bin 0x08000000 bin} e]} {echo "verify_image FAILED: $e"} else {echo "verify_image: $e"}'
  side_by_side openocd_part "l476 stm32l4x 1024" "l432 stm32l4x 256" "l452 stm32l4x 512" "f4 stm32f4x 1024" \
    "f429 stm32f4x 2048" "g071 stm32g0x 128" "g474 stm32g4x 512" "wb55 stm32wbx 1024" "u575 stm32u5x 2048" \
    "h723 stm32h7x 1024" "h743 stm32h7x 2048"
fi

# ---------------------------------------------------------------- OpenOCD's RTT (the virtual application)
# The application a virtual target runs after a reset (VirtualRTTApplication, docs/swd.md): OpenOCD
# scans the L476's SRAM for its control block, serves up-buffer 0 on a TCP port and writes what
# comes in to down-buffer 0; the banner, a tick and the echo of a line must come back.
openocd_rtt() {
  local name=oo-rtt written=$work/rtt-l476.state port=$((20000 + RANDOM % 20000))
  python3 -c "import struct,sys; sys.stdout.buffer.write(struct.pack('<II',0x20018000,0x08000101)+bytes(2040))" \
    >"$work/rtt-app.bin"
  if "$bootwire" flash --port "virtual:stlink-l476,state=$written" "$work/rtt-app.bin@0x08000000" >"$work/$name-bw.log" 2>&1 &&
    start "$name" "stlink-l476" "$written"; then
    LD_LIBRARY_PATH=$shim BOOTWIRE_USB_SOCKET=$work/$name.sock timeout -k 5 30 openocd -f interface/stlink.cfg \
      -f target/stm32l4x.cfg -c "gdb_port disabled; tcl_port disabled; telnet_port disabled; init; reset run" \
      -c "rtt setup 0x20000000 98304 {SEGGER RTT}; rtt start; rtt server start $port 0" >"$work/$name.log" 2>&1 &
    local openocd=$!
    if python3 - "$port" >"$work/$name.seen" 2>&1 <<'PY'; then
import socket, sys, time
end = time.time() + 20
while True:
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        break
    except OSError:
        if time.time() > end: sys.exit(1)
        time.sleep(0.1)
s.settimeout(0.2)
seen, sent = b"", False
while time.time() < end and not (b"echo: hello openocd" in seen and b"tick 1" in seen):
    try:
        seen += s.recv(4096)
    except socket.timeout:
        pass
    if not sent and b"Bootwire virtual application" in seen:
        s.sendall(b"hello openocd\n")
        sent = True
print(seen.decode(errors="replace"))
sys.exit(0 if b"echo: hello openocd" in seen and b"tick 1" in seen else 1)
PY
      ok "openocd rtt setup/start/server (stlink-l476): the application's banner, ticks and echo"
    else bad "openocd rtt (stlink-l476)" "$work/$name.log"; fi
    kill -TERM "$openocd" 2>/dev/null
    wait "$openocd" 2>/dev/null
    stop
  else bad "bootwire flash, then emulate usb stlink-l476 on its state (rtt)" "$work/$name-bw.log"; fi
}
if command -v openocd >/dev/null; then openocd_rtt; fi

# ---------------------------------------------------------------- Bootwire itself through the stand-in
# Bootwire's own USB path (LibUSBBus: libusb enumeration when BOOTWIRE_LIBUSB names the library,
# libusb transfers), as a real user's bootwire runs it, with --trace of every transfer.
# bw NAME LOG ARGS…: bootwire with the stand-in and NAME's socket.
bw() {
  local name=$1 log=$2
  shift 2
  BOOTWIRE_LIBUSB=$shim/libusb-1.0.so.0 BOOTWIRE_USB_SOCKET=$work/$name.sock timeout 300 "$bootwire" "$@" >"$log" 2>&1
}
traced() { [ -s "$1" ] && grep -q "open bus" "$1"; }
if start bw-dfu dfu-l476; then
  if bw bw-dfu "$work/bw-dfu.log" flash --port usb:0483:df11 "$work/app.bin@0x08000000" --trace "$work/bw-dfu.trace" &&
    traced "$work/bw-dfu.trace"; then
    stop
    if holds "$work/bw-dfu.state" $MiB "$work/app.bin"; then
      ok "bootwire flash --port usb:0483:df11 (DFU, through the stand-in, traced): the state holds the image"
    else bad "bootwire DFU flash: the state does not hold the image" "$work/bw-dfu.log"; fi
  else
    bad "bootwire flash over DFU through the stand-in" "$work/bw-dfu.log"
    stop
  fi
else bad "emulate usb dfu-l476 did not start"; fi
# A stack image with the virtual WB55's trailer (version, size, "WSTK"), as FUSTests builds it.
python3 - "$work/stack.bin" <<'PY'
import os, struct, sys
size = 100 * 1024
open(sys.argv[1], "wb").write(os.urandom(size - 12) + bytes([1, 20, 0, 0]) + struct.pack("<I", size) + b"WSTK")
PY
if start bw-fus dfu-wb55; then
  if bw bw-fus "$work/bw-fus.log" fus upgrade "$work/stack.bin" --yes --port usb:0483:df11 --trace "$work/bw-fus.trace" &&
    traced "$work/bw-fus.trace" && bw bw-fus "$work/bw-fus-info.log" fus info --port usb:0483:df11 --json &&
    grep -q '"sfsa":"0xDB"' "$work/bw-fus-info.log"; then
    ok "bootwire fus upgrade (WB55 FUS over DFU, through the stand-in, traced): the stack runs, SFSA 0xDB"
  else bad "bootwire fus upgrade through the stand-in" "$work/bw-fus.log"; fi
  stop
else bad "emulate usb dfu-wb55 did not start"; fi
if start bw-st stlink-l476; then
  if bw bw-st "$work/bw-st.log" flash --port stlink "$work/app.bin@0x08000000" --trace "$work/bw-st.trace" &&
    traced "$work/bw-st.trace"; then
    stop
    if holds "$work/bw-st.state" $MiB "$work/app.bin"; then
      ok "bootwire flash --port stlink (SWD, through the stand-in, traced): the state holds the image"
    else bad "bootwire ST-LINK flash: the state does not hold the image" "$work/bw-st.log"; fi
  else
    bad "bootwire flash over ST-LINK through the stand-in" "$work/bw-st.log"
    stop
  fi
else bad "emulate usb stlink-l476 did not start"; fi

# ---------------------------------------------------------------- pyOCD 0.36 (PyPI, ST-LINK)
# pyOCD's built-in STM32 targets carry ST's own flash algorithms, which pyOCD loads into SRAM and
# the virtual core runs against the virtual flash controller: `load` then `compare` (a read-back)
# in one session, the state holds the image; then `compare` of what `bootwire flash` wrote. pyOCD
# has no H750 target; the L476 goes as its 1 MiB dual-bank sibling stm32l475xg. The H563, which
# pyOCD's built-in targets lack, goes as the generic `cortex_m`: the AP scan must find the core's
# AHB5-AP on AP1 (AP0 is the mailbox); `cortex_m` has no flash algorithm, so it only reads back.
# pyOCD loads libusb by path through libusb_package; the launcher points that at the stand-in.
# Rows: NAME PYOCD-TARGET FLASH-KiB.
pyocd_py=$("$here/scripts/pyocd-venv.sh" 2>"$work/pyocd-venv.log")
case $? in
  0)
    launcher='import os, pathlib, sys, libusb_package
libusb_package.get_library_path = lambda: pathlib.Path(os.environ["LD_LIBRARY_PATH"].split(":")[0], "libusb-1.0.so.0")
from pyocd.__main__ import main
sys.argv[0] = "pyocd"
sys.exit(main())'
    pyocd=("$pyocd_py" -c "$launcher")
    matched="All 24576 bytes match."
    for part in "l432 stm32l432kc 256" "f429 stm32f429xi 2048" "h743 stm32h743xx 2048" "h723 stm32h723xx 1024" \
      "l476 stm32l475xg 1024"; do
      set -- $part
      name=py-$1
      if start "$name" "stlink-$1"; then
        if peer "$name" "$work/$name.log" "${pyocd[@]}" commander -t "$2" -c "load $work/app3.bin 0x08000000" \
          -c "compare 0x08000000 $work/app3.bin" && grep -qF "$matched" "$work/$name.log" &&
          holds "$work/$name.state" $(($3 * 1024)) "$work/app3.bin"; then
          ok "pyocd commander -t $2 load, compare (stlink-$1): ST's algorithm programmed it, the state holds the image"
        else bad "pyocd load (stlink-$1)" "$work/$name.log"; fi
        stop
      else bad "emulate usb stlink-$1 did not start"; fi
      written=$work/pybw-$1.state
      if "$bootwire" flash --port "virtual:stlink-$1,state=$written" "$work/app3.bin@0x08000000" >"$work/pybw-$1.log" 2>&1 &&
        start "$name-bw" "stlink-$1" "$written"; then
        if peer "$name-bw" "$work/$name-bw.log" "${pyocd[@]}" commander -t "$2" -c "compare 0x08000000 $work/app3.bin" &&
          grep -qF "$matched" "$work/$name-bw.log"; then
          ok "pyocd compare (stlink-$1): pyOCD reads back what bootwire flash wrote"
        else bad "pyocd compare (stlink-$1)" "$work/$name-bw.log"; fi
        stop
      else bad "bootwire flash, then emulate usb stlink-$1 on its state" "$work/pybw-$1.log"; fi
    done
    written=$work/pybw-h563.state
    if "$bootwire" flash --port "virtual:stlink-h563,state=$written" "$work/app3.bin@0x08000000" >"$work/pybw-h563.log" 2>&1 &&
      start py-h563 stlink-h563 "$written"; then
      if peer py-h563 "$work/py-h563.log" "${pyocd[@]}" commander -t cortex_m -c "show aps" -c "show cores" \
        -c "compare 0x08000000 $work/app3.bin" && grep -q "^1 APs:" "$work/py-h563.log" &&
        grep -q "^#1: AHB5-AP" "$work/py-h563.log" && grep -q "Cortex-M33" "$work/py-h563.log" &&
        grep -qF "$matched" "$work/py-h563.log"; then
        ok "pyocd commander -t cortex_m (stlink-h563): the AP scan finds the Cortex-M33 on AP1, reads back what bootwire flash wrote"
      else bad "pyocd cortex_m AP scan and compare (stlink-h563)" "$work/py-h563.log"; fi
      stop
    else bad "bootwire flash, then emulate usb stlink-h563 on its state" "$work/pybw-h563.log"; fi
    ;;
  3) skip "pyOCD: PyPI cannot be reached ($(tail -1 "$work/pyocd-venv.log"))" ;;
  *) bad "pyOCD: scripts/pyocd-venv.sh could not install it" "$work/pyocd-venv.log" ;;
esac

echo "usb-peer-interop: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]

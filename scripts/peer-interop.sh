#!/usr/bin/env bash
# Proves the virtual QCC743 against Bouffalo's own PyPI flashers (clients nobody here wrote):
# each runs a full session against `bootwire emulate qcc743` over a pty, and the flash dump
# must equal every file at its address. Then the same under every ROM switch of the silicon
# notes (`emulate --rom`), paced at the baud (`--wire realistic`) so that acknowledge order,
# PD cadence, deaf time and erase times bite. Sessions run side by side ($PEER_LANES at a time,
# each with a private view of the tools' install: scripts/peer-lanes.sh).
# Usage: scripts/peer-interop.sh [path/to/bootwire]  (PEER_ROM_SETTINGS="…" to choose switches)
# Skips (loudly) only when PyPI cannot be reached; any other failure exits non-zero.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
bootwire=${1:-$here/.build/debug/bootwire}
shared=$(cd "$here/../shared" 2>/dev/null && pwd) || { echo "peer-interop: SKIPPED: ../shared is absent"; exit 0; }
fixtures=$shared/fixtures/st67w61
. "$here/scripts/peer-timing.sh"
. "$here/scripts/peer-lanes.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
py=$("$here/scripts/peers-venv.sh")
case $? in
  0) ;;
  3) echo "peer-interop: SKIPPED: PyPI cannot be reached, Bouffalo's tools could not be installed"; exit 0 ;;
  *) echo "peer-interop: FAILED: could not install Bouffalo's tools"; exit 1 ;;
esac
site=$(bflb_site "$py") || { echo "peer-interop: FAILED: Bouffalo's tools are not importable"; exit 1; }
# run NAME CHECKS [WIRE ROM] -- PEER-ARGS… : one emulator, one peer session, then the dump
# check; the outcome goes to $work/NAME/outcome, what it printed to $work/NAME/report.
run() {
  local name=$1 checks=$2 wire=instant rom=""
  if [ "$3" != "--" ]; then wire=$3; rom=$4; shift 2; fi
  shift 3
  local dir=$work/$name began=$SECONDS
  mkdir -p "$dir"
  bflb_private "$site" "$dir" || { echo "peer-interop: FAILED $name: no private copy of the tools"; echo failed >"$dir/outcome"; return; }
  local roms=()
  [ -n "$rom" ] && roms=(--rom "$rom")
  "$bootwire" emulate qcc743 --wire "$wire" "${roms[@]}" --link "$dir/tty" --dump "$dir/dump.bin" \
    --log "$dir/device.log" >"$dir/emulate.out" 2>&1 &
  local emu=$!
  for _ in $(seq 50); do [ -e "$dir/tty" ] && break; sleep 0.1; done
  local args=("$@")
  args=("${args[@]//@PORT@/$dir/tty}")
  (cd "$dir" && PYTHONPATH="$dir/site" timeout 300 "$py" "${args[@]}") >"$dir/peer.log" 2>&1
  local status=$?
  kill -INT $emu; wait $emu
  if [ $status -ne 0 ] && [ -z "${retry:-}" ] && peer_timed_out "$dir/peer.log"; then
    # The peer's own timer, on a loaded machine (scripts/peer-timing.sh): run again once, alone,
    # when the sessions beside it have ended.
    echo "peer-interop: retried $name once, alone: the peer's own timer ran out" >"$work/$name.retried"
    mv "$dir" "$dir.first-try"
    printf '%q ' "$name" "$checks" "$wire" "$rom" -- "$@" >"$work/$name.again"
    return
  fi
  if grep -qE "All Successful|All programming completed successfully" "$dir/peer.log" \
     && "$py" - "$dir/dump.bin" "$checks" <<'PY'
import sys
dump = open(sys.argv[1], "rb").read()
ok = True
covered = []
for item in sys.argv[2].split(";"):
    if item == "erased-elsewhere":
        continue
    path, addr = item.rsplit("@", 1)
    data = open(path, "rb").read()
    addr = int(addr, 16)
    covered.append((addr, addr + len(data)))
    if dump[addr:addr + len(data)] != data:
        print("mismatch:", path, hex(addr)); ok = False
if "erased-elsewhere" in sys.argv[2]:
    covered.sort(); cursor = 0
    for a, b in covered + [(len(dump), len(dump))]:
        if dump[cursor:a].count(0xFF) != a - cursor:
            print("not erased:", hex(cursor), hex(a)); ok = False
        cursor = max(cursor, b)
sys.exit(0 if ok else 1)
PY
  then
    echo "peer-interop: ok     $name ($((SECONDS - began)) s)" >"$dir/report"; echo ok >"$dir/outcome"
  else
    { echo "peer-interop: FAILED $name"; tail -20 "$dir/peer.log"; tail -5 "$dir/device.log"; } >"$dir/report"
    echo failed >"$dir/outcome"
  fi
}

# side NAME …: `run` in the background, once a lane is free; `report` prints, in order, what each said.
names=()
side() { lane_wait; names+=("$1"); run "$@" & }
report() {
  local name
  for name in "${names[@]}"; do
    [ -f "$work/$name.retried" ] && cat "$work/$name.retried"
    cat "$work/$name/report" 2>/dev/null || echo "peer-interop: FAILED $name: no report"
  done
}

head -c 150000 /dev/urandom >"$work/raw.bin"
side iot-tool-raw "$work/raw.bin@10000" -- "$shared/peers/iot_nomodem.py" --chipname bl616 --port @PORT@ \
  --baudrate 2000000 --addr 0x10000 --firmware "$work/raw.bin" --single

if [ -d "$fixtures" ]; then
  f=$fixtures
  side flash-command-mfg "$f/st67w611m_boot2_v8.1.9.bin@0;$f/partition.bin@e000;$f/st67w611m_mfg_v2.0.106.bin@10000" -- \
    "$shared/peers/flashcmd_nomodem.py" --chipname bl616 --port @PORT@ --baudrate 2000000 \
    --config "$f/mfg_flash_prog_cfg.ini"
  side flash-command-mission "$f/st67w611m_boot2_v8.1.9.bin@0;$f/partition.bin@e000;$f/littlefs.bin@378000;$f/st67w611m_mission_t02_v2.0.106.bin@10000;erased-elsewhere" -- \
    "$shared/peers/flashcmd_nomodem.py" --chipname bl616 --port @PORT@ --baudrate 2000000 \
    --config "$f/mission_t02_flash_prog_cfg.ini"
else
  echo "peer-interop: SKIPPED ini sessions: $fixtures is absent"
fi

# Every ROM switch of the silicon notes, and all of them at once, paced at the baud.
settings=${PEER_ROM_SETTINGS:-silicon ack=before clk-deaf-ms=100 pd=none pd=sector boot-info=a0 erase-times=max stray-55=frame}
for rom in $settings; do
  side "iot-tool-raw-$rom" "$work/raw.bin@10000" realistic "$rom" -- "$shared/peers/iot_nomodem.py" \
    --chipname bl616 --port @PORT@ --baudrate 2000000 --addr 0x10000 --firmware "$work/raw.bin" --single
done
if [ -d "$fixtures" ]; then
  f=$fixtures
  for rom in $settings; do
    side "flash-command-mission-$rom" "$f/st67w611m_boot2_v8.1.9.bin@0;$f/partition.bin@e000;$f/littlefs.bin@378000;$f/st67w611m_mission_t02_v2.0.106.bin@10000;erased-elsewhere" \
      realistic "$rom" -- "$shared/peers/flashcmd_nomodem.py" --chipname bl616 --port @PORT@ --baudrate 2000000 \
      --config "$f/mission_t02_flash_prog_cfg.ini"
  done
fi
wait
for again in "$work"/*.again; do
  [ -e "$again" ] || continue
  eval "retry=1 run $(cat "$again")"
done
report

passed=$(cat "$work"/*/outcome 2>/dev/null | grep -c '^ok$')
failed=$(cat "$work"/*/outcome 2>/dev/null | grep -c '^failed$')
retried=$(ls -d "$work"/*.first-try 2>/dev/null | wc -l)
echo "peer-interop: $passed sessions passed, $failed failed, $retried retried"
[ "$failed" -eq 0 ]

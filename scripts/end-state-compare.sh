#!/usr/bin/env bash
# Proves Bootwire leaves the module's flash exactly as the vendor does: from the same starting
# flash, the full 4 MiB dump after `bootwire flash --config INI` must equal the dump after
# Bouffalo's bflb-flash-command-uart with the same ini, for erase = 2 (chip) and erase = 1
# (each image's sectors). Starting flashes: erased; a t01-like older set (a longer firmware and
# another littlefs, built from ST's files); ST's mfg set; random bytes.
# Usage: scripts/end-state-compare.sh [path/to/bootwire] [extra `emulate --rom` switches]
# Skips (loudly) when ../shared/fixtures or PyPI is absent; any difference exits non-zero.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
bootwire=${1:-$here/.build/debug/bootwire}
bootwire=$(cd "$(dirname "$bootwire")" && pwd)/$(basename "$bootwire")  # the sessions run in their own folders
rom=${2:-}
shared=$(cd "$here/../shared" 2>/dev/null && pwd) || { echo "end-state: SKIPPED: ../shared is absent"; exit 0; }
fixtures=$shared/fixtures/st67w61
[ -f "$fixtures/mission_t02_flash_prog_cfg.ini" ] || { echo "end-state: SKIPPED: $fixtures is absent"; exit 0; }
py=$("$here/scripts/peers-venv.sh")
case $? in
  0) ;;
  3) echo "end-state: SKIPPED: PyPI cannot be reached, Bouffalo's tools could not be installed"; exit 0 ;;
  *) echo "end-state: FAILED: could not install Bouffalo's tools"; exit 1 ;;
esac
. "$here/scripts/peer-timing.sh"
. "$here/scripts/peer-lanes.sh"
site=$(bflb_site "$py") || { echo "end-state: FAILED: Bouffalo's tools are not importable"; exit 1; }
work=$(mktemp -d)
emu=
trap 'pkill -INT -f -- "$work/" 2>/dev/null; wait; [ -z "${KEEP:-}" ] && rm -rf "$work"' EXIT

# The starting flashes, written beside each other (the fixtures are read, never copied).
"$py" - "$fixtures" "$work" <<'PY'
import random, sys
f, w = sys.argv[1], sys.argv[2]
def read(name): return open(f"{f}/{name}", "rb").read()
def image(parts):
    flash = bytearray(b"\xff" * (4 << 20))
    for data, at in parts: flash[at:at + len(data)] = data
    return flash
boot2, table = read("st67w611m_boot2_v8.1.9.bin"), read("partition.bin")
mission, mfg, lfs = read("st67w611m_mission_t02_v2.0.106.bin"), read("st67w611m_mfg_v2.0.106.bin"), read("littlefs.bin")
# An older, longer firmware (to 0x165DA0, the field report's tail) and a littlefs of other contents.
older = (mission + mfg)[:0x165DA0 - 0x10000]
older_lfs = bytes(b ^ 0x5A for b in lfs[:300_000])
starts = {
    "empty": image([]),
    "t01-like": image([(boot2, 0), (table, 0xE000), (older, 0x10000), (older_lfs, 0x378000)]),
    "mfg": image([(boot2, 0), (table, 0xE000), (mfg, 0x10000)]),
    "random": bytes(random.Random(15).getrandbits(8) for _ in range(4 << 20)),
}
for name, data in starts.items(): open(f"{w}/start-{name}.bin", "wb").write(data)
PY

# The mission_t02 ini with absolute file paths and the erase value under test.
ini() {
  sed -e "s|^filedir = \./|filedir = $fixtures/|" -e "s|^erase = .*|erase = $1|" \
    "$fixtures/mission_t02_flash_prog_cfg.ini" >"$work/mission-erase$1.ini"
  echo "$work/mission-erase$1.ini"
}

# session DIR START -- CLIENT-ARGS… (@PORT@ replaced): one emulator, one client session, the dump.
session() {
  local dir=$1 start=$2; shift 3
  mkdir -p "$dir"
  local roms=()
  [ -n "$rom" ] && roms=(--rom "$rom")
  "$bootwire" emulate qcc743 --wire instant "${roms[@]}" --flash-image "$start" --link "$dir/tty" \
    --dump "$dir/dump.bin" --log "$dir/device.log" >"$dir/emulate.out" 2>&1 &
  emu=$!
  for _ in $(seq 50); do [ -e "$dir/tty" ] && break; sleep 0.1; done
  local args=("$@")
  args=("${args[@]//@PORT@/$dir/tty}")
  (cd "$dir" && XDG_CACHE_HOME="$dir/cache" timeout 600 "${args[@]}") >"$dir/client.log" 2>&1
  local status=$?
  kill -INT $emu; wait $emu; emu=
  return $status
}

# pair NAME START CONFIG: the vendor's session and Bootwire's from the same starting flash, then
# the dumps compared; what it says goes to stdout, the outcome to $work/NAME.outcome. A vendor
# session its own timer ended (scripts/peer-timing.sh: on a loaded machine its image compression
# can outlast the ROM's 2 s idle fallback) is left for a run alone once the others have ended
# ($work/NAME.again); with $retrying set, such a session is a failure.
pair() {
  local name=$1 start=$2 config=$3 outcome=same began=$SECONDS
  rm -rf "$work/$name"
  bflb_private "$site" "$work/$name" || { echo "end-state: no private copy of the tools ($name)"; echo differ >"$work/$name.outcome"; return; }
  local vendor=(env PYTHONPATH="$work/$name/site" "$py" "$shared/peers/flashcmd_nomodem.py" --chipname bl616 --port @PORT@
    --baudrate 2000000 --config "$config")
  if ! session "$work/$name/vendor" "$work/start-$start.bin" -- "${vendor[@]}" \
      && [ -z "${retrying:-}" ] && peer_timed_out "$work/$name/vendor/client.log"; then
    echo "end-state: retried  $name once, alone: the vendor tool's own timer ran out ($(peer_timeout_seen "$work/$name/vendor/client.log"))"
    printf '%q ' "$@" >"$work/$name.again"
    return
  fi
  session "$work/$name/bootwire" "$work/start-$start.bin" -- "$bootwire" flash --port @PORT@ --config "$config"
  grep -q "All programming completed successfully" "$work/$name/vendor/client.log" || {
    echo "end-state: vendor session failed ($name)"; tail -5 "$work/$name/vendor/client.log"; outcome=differ; }
  grep -q "^done:" "$work/$name/bootwire/client.log" || {
    echo "end-state: bootwire session failed ($name)"; tail -5 "$work/$name/bootwire/client.log"; outcome=differ; }
  if [ $outcome = same ] && "$py" - "$work/$name/vendor/dump.bin" "$work/$name/bootwire/dump.bin" <<'PY'
import sys
a, b = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
if a == b: sys.exit(0)
# Differing 4 KiB sectors, coalesced, as evidence.
diff = [i for i in range(0, len(a), 4096) if a[i:i + 4096] != b[i:i + 4096]]
ranges, start = [], None
for k, s in enumerate(diff):
    if start is None: start = s
    if k + 1 == len(diff) or diff[k + 1] != s + 4096: ranges.append((start, s + 4096)); start = None
print("differs in", len(diff), "sectors:", ", ".join(f"0x{x:06X}..0x{y:06X}" for x, y in ranges[:8]))
sys.exit(1)
PY
  then
    echo "end-state: same   $name ($((SECONDS - began)) s)"
  else
    echo "end-state: DIFFER $name"; outcome=differ
  fi
  echo $outcome >"$work/$name.outcome"
}

# The pairs run side by side, $PEER_LANES at a time (scripts/peer-lanes.sh); reports in order.
names=()
for erase in 2 1; do
  config=$(ini $erase)
  for start in empty t01-like mfg random; do
    name=$start-erase$erase
    names+=("$name")
    lane_wait
    pair "$name" "$start" "$config" >"$work/$name.report" 2>&1 &
  done
done
wait
for again in "$work"/*.again; do
  [ -e "$again" ] || continue
  eval "set -- $(cat "$again")"
  retrying=1 pair "$@" >>"$work/$1.report" 2>&1
done
for name in "${names[@]}"; do cat "$work/$name.report"; done
passed=$(cat "$work"/*.outcome 2>/dev/null | grep -c '^same$')
failed=$((${#names[@]} - passed))
retried=$(ls "$work"/*.again 2>/dev/null | wc -l)
echo "end-state: $passed starting flashes end as the vendor leaves them, $failed differ, $retried vendor sessions retried${rom:+ (rom: $rom)}"
[ "$failed" -eq 0 ]

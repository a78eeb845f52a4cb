#!/usr/bin/env python3
"""Bootwire's benchmark: Bootwire against the wire limit and against the vendor lineage, on the
same virtual devices (`bootwire emulate ... --wire realistic`), measured side by side in one run
and reported as ratios. Prints a table and writes Benchmarks/results/latest.json.

    python3 Benchmarks/bench.py            # full run (release build, 3 runs per case)
    python3 Benchmarks/bench.py --smoke    # one short run of each case: checks it still works
"""
import argparse, json, os, platform, re, resource, shutil, signal, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURES = os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "st67w61")
PEERS = os.path.join(os.path.dirname(ROOT), "shared", "peers")
MISSION = [("st67w611m_boot2_v8.1.9.bin", 0x0), ("partition.bin", 0xE000), ("littlefs.bin", 0x378000),
           ("st67w611m_mission_t02_v2.0.106.bin", 0x10000)]


class Emulator:
    """A virtual QCC743 in its own process, reached through a symlinked pty."""

    def __init__(self, bootwire, work, name, wire="realistic", extra=(), device=("qcc743",)):
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = os.path.join(self.dir, "tty")
        self.stats_path = os.path.join(self.dir, "stats.json")
        self.dump = os.path.join(self.dir, "flash.bin")
        self.proc = subprocess.Popen(
            [bootwire, "emulate", *device, "--wire", wire, "--link", self.port, "--stats", self.stats_path,
             "--dump", self.dump, *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(self.port):
                break
            time.sleep(0.02)
        else:
            raise RuntimeError("the emulator made no port")

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(30)
        with open(self.stats_path) as f:
            return json.load(f)


def timed(cmd, cwd=None):
    """Runs a command; returns wall seconds, CPU seconds, peak RSS (MB) and the output."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), out.decode(errors="replace")


def check_dump(dump):
    with open(dump, "rb") as f:
        flash = f.read()
    for name, addr in MISSION:
        with open(os.path.join(FIXTURES, name), "rb") as f:
            data = f.read()
        if flash[addr:addr + len(data)] != data:
            raise RuntimeError(f"{name} is not in flash at {addr:#x}")


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": values}


# The same signature scripts/peer-timing.sh retries on: the peer gave up on its own timer.
PEER_TIMED_OUT = re.compile(r"ack is b''|not enough values to unpack|SHAKEHAND FAIL|[Tt]ime ?out|timed out")


# Set by --smoke: a peer whose own short timer ends its session twice is left unmeasured in that
# run instead of failing it. The smoke run checks that the cases still run; a vendor tool starved
# of CPU on a loaded machine outlasts the ROM's 2 s idle fallback on silicon too, which says
# nothing about Bootwire (Bootwire's own runs stay gating).
SMOKE = False


def vendor_flash(bootwire, work, name, py, ini, extra=(), env=None):
    """bflb-flash-command-uart's flash of `ini` on a fresh emulator: (wall seconds, the stopped
    emulator). A session the vendor tool ends on its own short timer (a loaded machine) is run
    once more and said; a second failure is a failure (scripts/peer-timing.sh), except in a smoke
    run, where it is said and returned as (None, None): the case is not measured."""
    for attempt in range(2):
        emu = Emulator(bootwire, work, f"{name}-{attempt}", extra=extra)
        start = time.monotonic()
        proc = subprocess.run([py, os.path.join(PEERS, "flashcmd_nomodem.py"), "--chipname", "bl616", "--port",
                               emu.port, "--baudrate", "2000000", "--config", ini], cwd=emu.dir, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        wall = time.monotonic() - start
        out = proc.stdout.decode(errors="replace")
        emu.stop()
        ok = "All programming completed successfully" in out
        timed_out = not ok and PEER_TIMED_OUT.search(out) is not None
        if ok or attempt == 1 or not timed_out:
            break
        print("bench: the peer's own timer ran out; its session is run once more", flush=True)
    if not ok and timed_out and SMOKE:
        print(f"bench: the peer's own timer ran out twice ({name}); not measured in this smoke run", flush=True)
        return None, None
    if not ok:
        raise RuntimeError("the peer failed:\n" + out[-2000:])
    return wall, emu


def peer_python():
    proc = subprocess.run([os.path.join(ROOT, "scripts", "peers-venv.sh")], capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="one run per case, no release build")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--binary", help="the bootwire binary (default: build release)")
    parser.add_argument("--module-only", action="store_true", help="cases 1, 2 and 5 only (the module's full flash)")
    parser.add_argument("--rom", default="", help="ROM switches for the virtual modules (emulate --rom), e.g. silicon")
    args = parser.parse_args()
    runs = 1 if args.smoke else args.runs
    global SMOKE
    SMOKE = args.smoke
    if not os.path.isdir(FIXTURES):
        print("bench: SKIPPED: ../shared/fixtures/st67w61 is absent")
        return 0
    bootwire = args.binary
    if not bootwire:
        config = "debug" if args.smoke else "release"
        subprocess.run(["swift", "build", "-c", config, "--product", "bootwire"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        bootwire = os.path.join(ROOT, ".build", config, "bootwire")
    ini = os.path.join(FIXTURES, "mission_t02_flash_prog_cfg.ini")
    work = tempfile.mkdtemp(prefix="bootwire-bench-")
    env = dict(os.environ, XDG_CACHE_HOME=work, NO_COLOR="1")
    py = peer_python()
    results = {"date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
               f"{platform.system()} {platform.release()}", "runs": runs, "cases": {}}
    full, refl, floor, peer, cpu, rss, wire_bytes = [], [], [], [], [], [], []
    try:
        for r in range(runs):
            rom = ("--rom", args.rom) if args.rom else ()
            emu = Emulator(bootwire, work, f"bw{r}", extra=rom)
            wall, cpus, mem, code, out = timed([bootwire, "--port", emu.port, "--config", ini, "--quiet"])
            if code != 0:
                raise RuntimeError("bootwire failed:\n" + out)
            wall2, _, _, code2, out2 = timed([bootwire, "--port", emu.port, "--config", ini, "--quiet"])
            if code2 != 0:
                raise RuntimeError("bootwire re-flash failed:\n" + out2)
            stats = emu.stop()
            check_dump(emu.dump)
            full.append(wall); refl.append(wall2); cpu.append(cpus); rss.append(mem)
            # The floor is what Bootwire's first run had to put on the wire, plus the device's work.
            floor.append(stats["floorSeconds"]); wire_bytes.append(stats["hostBytes"] + stats["deviceBytes"])
            if py:
                pwall, emu = vendor_flash(bootwire, work, f"peer{r}", py, ini, extra=rom)
                if pwall is not None:
                    check_dump(emu.dump)
                    peer.append(pwall)
        # Case 4: the same full flash on eight devices at once, from one Bootwire process.
        many = []
        for r in range(0 if args.module_only else runs):
            emus = [Emulator(bootwire, work, f"many{r}-{i}") for i in range(8)]
            ports = [arg for e in emus for arg in ("--port", e.port)]
            wall, _, _, code, out = timed([bootwire, "flash", *ports, "--config", ini, "--quiet"])
            for e in emus:
                e.stop()
                check_dump(e.dump)
            if code != 0:
                raise RuntimeError("bootwire (8 devices) failed:\n" + out)
            many.append(wall)
        # Cases 7-9: an occupied module, a small change, a 16 ms bridge (upgrade_cases.py).
        sys.path.insert(0, HERE)
        import upgrade_cases
        upgrade = upgrade_cases.run(sys.modules[__name__], bootwire, work, runs, py, args.smoke)
        # Case 3: STM32 system bootloader, 256 KiB at 115200 with 1 ms of bridge latency per
        # turnaround, written and verified, against stm32flash doing the same (-v).
        size = 32 * 1024 if args.smoke else 256 * 1024
        payload = os.path.join(work, "stm32.bin")
        with open(payload, "wb") as f:
            f.write(os.urandom(size))
        stm_bw, stm_peer, stm_floor, stm_stats = [], [], [], []
        stm_runs = 0 if args.module_only else 1 if args.smoke else min(runs, 2)
        for r in range(stm_runs):
            emu = Emulator(bootwire, work, f"stm{r}", extra=("--latency-ms", "1"), device=("stm32", "--device", "l476"))
            wall, _, _, code, out = timed([bootwire, "flash", "--chip", "stm32", "--port", emu.port, "--baud", "115200",
                                           payload + "@0x08000000", "--quiet"])
            stats = emu.stop()
            if code != 0:
                raise RuntimeError("bootwire (stm32) failed:\n" + out)
            stm_bw.append(wall); stm_floor.append(stats["floorSeconds"]); stm_stats.append(stats)
            if shutil.which("stm32flash"):
                emu = Emulator(bootwire, work, f"stmpeer{r}", extra=("--latency-ms", "1"), device=("stm32", "--device", "l476"))
                pwall, _, _, pcode, pout = timed(["stm32flash", "-b", "115200", "-m", "8n1", "-w", payload, "-v",
                                                  "-S", "0x08000000", emu.port])
                emu.stop()
                if pcode != 0:
                    raise RuntimeError("stm32flash failed:\n" + pout[-1500:])
                stm_peer.append(pwall)
        line_rate = 115200 / 11  # 8E1: 11 bits a byte
        # Case 3b: the same on a part whose bootloader lists Get Checksum (H563): the proof is one
        # command instead of a read-back. stm32flash 0.7 does not know the H563 (0x484).
        sum_bw, sum_floor, sum_stats = [], [], []
        for r in range(stm_runs):
            emu = Emulator(bootwire, work, f"stmsum{r}", extra=("--latency-ms", "1"), device=("stm32", "--device", "h563"))
            wall, _, _, code, out = timed([bootwire, "flash", "--chip", "stm32", "--port", emu.port, "--baud", "115200",
                                           payload + "@0x08000000", "--quiet"])
            stats = emu.stop()
            if code != 0:
                raise RuntimeError("bootwire (stm32 h563) failed:\n" + out)
            sum_bw.append(wall); sum_floor.append(stats["floorSeconds"]); sum_stats.append(stats)

        # Case 6: ST-LINK/SWD, 256 KiB programmed and verified on the virtual L476 with the USB
        # round-trip model of 1 ms per transfer; the result says where the transfers went.
        swd_bw, swd_stats = [], None
        for r in range(stm_runs):
            wall, _, _, code, out = timed([bootwire, "flash", "--port", "virtual:stlink-l476,usb-latency-ms=1",
                                           payload + "@0x08000000", "--json"])
            if code != 0:
                raise RuntimeError("bootwire (stlink) failed:\n" + out[-2000:])
            swd_bw.append(wall)
            swd_stats = [json.loads(l) for l in out.splitlines() if l.startswith("{")][-1]["summary"]
        # Case 6b: the same write by Bootwire, st-flash and OpenOCD through `emulate usb`.
        import swd_peer_cases
        swd_peers = swd_peer_cases.run(sys.modules[__name__], bootwire, work, payload, stm_runs)

        # The wire model itself: a 256 KiB read takes the time its bytes need on the wire (at
        # 2 Mbaud, 10 bits a byte) plus the modelled flash reads; the difference between a long
        # and a short read cancels the process start and the handshake.
        walls, floors = [], []
        for length in ([] if args.module_only else ("16", "256K")):
            emu = Emulator(bootwire, work, f"model{length}")
            wall, _, _, _, _ = timed([bootwire, "read", "--port", emu.port, "--start", "0", "--len", length, "--file",
                                      os.path.join(work, "x.bin"), "--quiet"])
            stats = emu.stop()
            walls.append(wall); floors.append(stats["floorSeconds"])
        if args.module_only:
            return module_report(results, full, refl, floor, peer, cpu, rss, wire_bytes)
        pacing = (floors[1] - floors[0]) / (walls[1] - walls[0])
        emu = Emulator(bootwire, work, "model")
        base, _, _, _, _ = timed([bootwire, "read", "--port", emu.port, "--start", "0", "--len", "16", "--file",
                                  os.path.join(work, "x.bin"), "--quiet"])
        erase_len = 0x10000 if args.smoke else 0x100000
        ewall, _, _, ecode, eout = timed([bootwire, "erase", "--port", emu.port, "--start", "0", "--end", hex(erase_len), "--quiet"])
        chip = None
        if not args.smoke:
            chip, _, _, _, _ = timed([bootwire, "erase", "--port", emu.port, "--whole-chip", "--yes", "--quiet"])
        emu.stop()
        model = {"pacing_modelled_over_measured": pacing,
                 "erase_s": ewall - base, "erase_modelled_s": 0.15 * erase_len / 0x10000,
                 "chip_erase_s": (chip - base) if chip else None, "chip_erase_modelled_s": 10.0}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    c = results["cases"]
    c["1 full flash (mission_t02, 2 Mbaud)"] = {
        "bootwire_s": summary(full), "floor_s": summary(floor), "wire_bytes": wire_bytes[0],
        "vs_floor": statistics.median(full) / statistics.median(floor),
        **({"peer_s": summary(peer), "vs_peer": statistics.median(full) / statistics.median(peer)} if peer else {}),
        "targets": {"vs_peer <= 0.7": None if not peer else statistics.median(full) / statistics.median(peer) <= 0.7,
                    "vs_floor <= 1.25": statistics.median(full) / statistics.median(floor) <= 1.25}}
    c["2 unchanged re-flash"] = {"bootwire_s": summary(refl), "vs_full": statistics.median(refl) / statistics.median(full),
                                 "targets": {"vs_full <= 0.1": statistics.median(refl) / statistics.median(full) <= 0.1}}
    three = {"bootwire_s": summary(stm_bw), "bytes": size, "line_rate_Bps": line_rate,
             "fraction_of_line_rate": size / statistics.median(stm_bw) / line_rate,
             "floor_s": summary(stm_floor)}
    if stm_peer:
        three["stm32flash_s"] = summary(stm_peer)
        three["vs_stm32flash"] = statistics.median(stm_bw) / statistics.median(stm_peer)
    # Where case 3's time goes: bytes on the line (the read-back is the device's bytes), the
    # bridge's 1 ms at each turnaround, the flash's work, and the rest (host and scheduling).
    def where(stats, wall):
        wire_s = stats["wireNanoseconds"] / 1e9
        back_s = stats["deviceBytes"] * 11 / 115200
        return {"wire_s": wire_s, "of_which_device_to_host_s": back_s, "turnarounds": stats["turnarounds"],
                "latency_s": stats["turnarounds"] * 0.001, "flash_work_s": stats["busyNanoseconds"] / 1e9,
                "rest_s": wall - stats["floorSeconds"]}
    three["where_the_time_goes"] = where(stm_stats[0], stm_bw[0])
    c["3 STM32 UART (L476, 115200, 1 ms latency)"] = three
    c["3b STM32 UART with Get Checksum (H563, 115200, 1 ms latency)"] = threeb = {
        "bootwire_s": summary(sum_bw), "bytes": size, "floor_s": summary(sum_floor),
        "fraction_of_line_rate": size / statistics.median(sum_bw) / line_rate,
        "floor_fraction_of_line_rate": size / statistics.median(sum_floor) / line_rate,
        "where_the_time_goes": where(sum_stats[0], sum_bw[0])}
    c["6 ST-LINK/SWD (L476, 1 ms per USB transfer)"] = six = {
        "bootwire_s": summary(swd_bw), "bytes": size, "bytes_per_second": size / statistics.median(swd_bw),
        "usb_transfers": int(swd_stats["usb-transfers"]), "usb_transfers_by_kind": swd_stats["usb-transfers-by-kind"],
        "usb_modelled_s": float(swd_stats["usb-modelled-seconds"]),
        "flash_modelled_s": float(swd_stats["flash-modelled-seconds"])}
    c["4 eight devices at once"] = {"bootwire_s": summary(many), "vs_one": statistics.median(many) / statistics.median(full),
                                    "targets": {"vs_one <= 1.3": statistics.median(many) / statistics.median(full) <= 1.3}}
    c["5 host cost (case 1)"] = {"cpu_s": summary(cpu), "peak_rss_mb": summary(rss),
                                 "targets": {"cpu < 2 s": statistics.median(cpu) < 2, "rss < 100 MB": max(rss) < 100}}
    c["V virtual device wire model"] = model
    c.update(upgrade)
    c.update(swd_peers)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "latest.json"), "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)

    print(f"Bootwire benchmark, {results['date']}, {results['machine']}, {runs} run(s) per case (median, [min-max])")
    def span(s):
        return f"{s['median']:.2f} s [{s['min']:.2f}-{s['max']:.2f}]"
    one = c["1 full flash (mission_t02, 2 Mbaud)"]
    print(f"| case | Bootwire | reference | ratio | target |")
    print(f"|---|---|---|---|---|")
    if peer:
        print(f"| 1 full flash vs bflb-flash-command-uart | {span(one['bootwire_s'])} | {span(one['peer_s'])} | {one['vs_peer']:.2f} | <= 0.70 {'met' if one['targets']['vs_peer <= 0.7'] else 'MISSED'} |")
    else:
        print("| 1 full flash vs bflb-flash-command-uart | skipped: PyPI unreachable | | | |")
    print(f"| 1 full flash vs floor ({one['wire_bytes']} bytes on the wire + device work) | {span(one['bootwire_s'])} | {span(one['floor_s'])} | {one['vs_floor']:.2f} | <= 1.25 {'met' if one['targets']['vs_floor <= 1.25'] else 'MISSED'} |")
    two = c["2 unchanged re-flash"]
    print(f"| 2 unchanged re-flash vs case 1 | {span(two['bootwire_s'])} | {span(one['bootwire_s'])} | {two['vs_full']:.3f} | <= 0.10 {'met' if two['targets']['vs_full <= 0.1'] else 'MISSED'} |")
    if "vs_stm32flash" in three:
        print(f"| 3 STM32 {size // 1024} KiB write+verify vs stm32flash -v | {span(three['bootwire_s'])} | {span(three['stm32flash_s'])} | {three['vs_stm32flash']:.2f} | <= 0.90 {'met' if three['vs_stm32flash'] <= 0.9 else 'MISSED'} |")
    print(f"| 3 STM32 image bytes / time vs 8E1 line rate ({line_rate:.0f} B/s) | {size / statistics.median(stm_bw):.0f} B/s | {line_rate:.0f} B/s | {three['fraction_of_line_rate']:.2f} | >= 0.75 {'met' if three['fraction_of_line_rate'] >= 0.75 else 'MISSED'} |")
    def went(w):
        return (f"wire {w['wire_s']:.1f} s ({w['of_which_device_to_host_s']:.1f} s device to host), {w['turnarounds']} "
                f"turnarounds {w['latency_s']:.1f} s, flash work {w['flash_work_s']:.1f} s, rest {w['rest_s']:.1f} s")
    print(f"| 3 where the L476's time goes | {went(three['where_the_time_goes'])} | | | |")
    print(f"| 3b STM32 H563 (lists Get Checksum) {size // 1024} KiB write+verify vs 8E1 line rate | {span(threeb['bootwire_s'])}, {size / statistics.median(sum_bw):.0f} B/s | {line_rate:.0f} B/s (floor {threeb['floor_fraction_of_line_rate']:.2f}) | {threeb['fraction_of_line_rate']:.2f} | >= 0.75 {'met' if threeb['fraction_of_line_rate'] >= 0.75 else 'MISSED'} |")
    print(f"| 3b where the H563's time goes | {went(threeb['where_the_time_goes'])} | | | |")
    print(f"| 6 ST-LINK/SWD {size // 1024} KiB write+verify, 1 ms per USB transfer | {span(six['bootwire_s'])}, {six['bytes_per_second']:.0f} B/s | {six['usb_transfers']} transfers = {six['usb_modelled_s']:.2f} s modelled USB ({six['usb_transfers_by_kind']}); flash work {six['flash_modelled_s']:.2f} s in the part's time | {six['usb_modelled_s'] / statistics.median(swd_bw):.2f} of wall is USB | |")
    swd_peer_cases.report(c, span)
    four = c["4 eight devices at once"]
    print(f"| 4 eight devices at once vs one | {span(four['bootwire_s'])} | {span(one['bootwire_s'])} | {four['vs_one']:.2f} | <= 1.30 {'met' if four['targets']['vs_one <= 1.3'] else 'MISSED'} |")
    five = c["5 host cost (case 1)"]
    print(f"| 5 host cost of case 1 | {five['cpu_s']['median']:.2f} CPU s, {max(rss):.0f} MB peak | | | < 2 s, < 100 MB {'met' if all(five['targets'].values()) else 'MISSED'} |")
    upgrade_cases.report(c, span)
    pace = model["pacing_modelled_over_measured"]
    print(f"| V wire model: a 256 KiB read at 2 Mbaud, modelled wire+device time / measured | {200000 * pace:.0f} B/s effective | 200000 B/s | {pace:.3f} | within 3 % {'met' if abs(pace - 1) <= 0.03 else 'MISSED'} |")
    print(f"| V wire model: erase {erase_len // 1024} KiB (64 KiB blocks) | {model['erase_s']:.2f} s | {model['erase_modelled_s']:.2f} s modelled | {model['erase_s'] / model['erase_modelled_s']:.2f} | |")
    if model["chip_erase_s"]:
        print(f"| V wire model: chip erase | {model['chip_erase_s']:.2f} s | 10.00 s modelled | {model['chip_erase_s'] / 10:.2f} | |")
    return 0


def module_report(results, full, refl, floor, peer, cpu, rss, wire_bytes):
    """Cases 1, 2 and 5 alone (--module-only), in the same terms as the full table."""
    one = {"bootwire_s": summary(full), "floor_s": summary(floor),
           "vs_floor": statistics.median(full) / statistics.median(floor)}
    if peer:
        one["peer_s"] = summary(peer)
        one["vs_peer"] = statistics.median(full) / statistics.median(peer)
    vs_full = statistics.median(refl) / statistics.median(full)
    def span(s):
        return f"{s['median']:.2f} s [{s['min']:.2f}-{s['max']:.2f}]"
    print(f"Bootwire benchmark (module cases), {results['date']}, {results['machine']}, {results['runs']} run(s) per case")
    print("| case | Bootwire | reference | ratio | target |")
    print("|---|---|---|---|---|")
    if peer:
        print(f"| 1 full flash vs bflb-flash-command-uart | {span(one['bootwire_s'])} | {span(one['peer_s'])} | {one['vs_peer']:.2f} | <= 0.70 {'met' if one['vs_peer'] <= 0.7 else 'MISSED'} |")
    print(f"| 1 full flash vs floor ({wire_bytes[0]} bytes on the wire + device work) | {span(one['bootwire_s'])} | {span(one['floor_s'])} | {one['vs_floor']:.2f} | <= 1.25 {'met' if one['vs_floor'] <= 1.25 else 'MISSED'} |")
    print(f"| 2 unchanged re-flash vs case 1 | {span(summary(refl))} | {span(one['bootwire_s'])} | {vs_full:.3f} | <= 0.10 {'met' if vs_full <= 0.1 else 'MISSED'} |")
    print(f"| 5 host cost of case 1 | {statistics.median(cpu):.2f} CPU s, {max(rss):.0f} MB peak | | | < 2 s, < 100 MB {'met' if statistics.median(cpu) < 2 and max(rss) < 100 else 'MISSED'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

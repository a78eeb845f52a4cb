"""Cases 7-9 of Bootwire's benchmark: the jobs that take users' time on the module.

7  mfg -> mission t02: production flashed ST's mfg set for RF tests; the mission set follows
   (`erase = 2`: the vendor chip-erases). Against Bouffalo's tool and against the floor the
   end state needs: Bootwire's wire time plus the erases and programs that turn the mfg flash
   into the mission flash (nothing else; a tool cannot do less on this wire model).
8  mission t02 -> t02 with one changed littlefs (a user's configuration change).
9  the fresh mission flash through a USB-serial bridge whose latency timer is 16 ms (FTDI's
   default) against the same flash through a 1 ms bridge; the bridge lowers its timer only when
   a host asks (Bootwire asks, Bouffalo's tool does not).
3c the STM32 case 3 (L476, write + read-back verify at 115200) through the same 16 ms bridge,
   Bootwire against `stm32flash -v`: one run of 64 KiB (the protocol's 6 turnarounds a 256-byte
   block make the bridge's timer the largest cost of all for a client that does not lower it).

Each is a ratio from one run on the same virtual device. bench.py calls `run` and `report`.
"""
import os, shutil, statistics, subprocess, time

# The virtual module's SPI NOR (VirtualDevices/WireModel.swift FlashTimings.typicalSPINOR).
SECTOR, BLOCK, PAGE = 0x1000, 0x10000, 256
SECTOR_ERASE_S, BLOCK_ERASE_S, PAGE_PROGRAM_S = 0.045, 0.150, 0.0006


def timed_env(cmd, env, cwd=None):
    """Wall seconds, exit status and output of a command run with `env`."""
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return time.monotonic() - start, proc.returncode, proc.stdout.decode(errors="replace")


def end_state(files):
    """The flash a job must leave: each file at its address, erased everywhere else."""
    flash = bytearray(b"\xff" * (4 << 20))
    for path, addr in files:
        with open(path, "rb") as f:
            data = f.read()
        flash[addr:addr + len(data)] = data
    return bytes(flash)


def check_end_state(dump, expected, who):
    with open(dump, "rb") as f:
        flash = f.read()
    if flash != expected:
        first = next(i for i in range(len(flash)) if flash[i] != expected[i])
        raise RuntimeError(f"{who} left the flash wrong from {first:#x}")


def needed_device_seconds(before, after):
    """The erases and programs that turn `before` into `after`: each 64 KiB block that holds a
    sector to erase costs the cheaper of one block erase or its sectors; each page that must
    change is programmed."""
    erase = 0.0
    for block in range(0, len(after), BLOCK):
        dirty = sum(1 for s in range(block, block + BLOCK, SECTOR)
                    if before[s:s + SECTOR] != after[s:s + SECTOR] and before[s:s + SECTOR].count(0xFF) != SECTOR)
        if dirty:
            erase += min(BLOCK_ERASE_S, dirty * SECTOR_ERASE_S)
    pages = sum(1 for p in range(0, len(after), PAGE)
                if after[p:p + PAGE] != before[p:p + PAGE] and after[p:p + PAGE].count(0xFF) != PAGE)
    return erase, pages * PAGE_PROGRAM_S


def mission_files(fixtures, mission, littlefs=None):
    return [(littlefs if littlefs and name == "littlefs.bin" else os.path.join(fixtures, name), addr)
            for name, addr in mission]


def config_folder(work, name, fixtures, littlefs=None):
    """A folder holding the mission ini and its files (links to the fixtures, never copies in
    the repo), with littlefs.bin replaced when given: both tools read files next to the ini."""
    folder = os.path.join(work, name)
    os.makedirs(folder, exist_ok=True)
    for entry in os.listdir(fixtures):
        if entry.endswith(".bin") or entry.endswith(".ini"):
            os.symlink(os.path.join(fixtures, entry), os.path.join(folder, entry))
    if littlefs:
        os.remove(os.path.join(folder, "littlefs.bin"))
        shutil.copy(littlefs, os.path.join(folder, "littlefs.bin"))
    return os.path.join(folder, "mission_t02_flash_prog_cfg.ini")


def state_image(base, bootwire, work, name, ini):
    """The flash an instant virtual module holds after Bootwire flashes `ini` on an erased one."""
    emu = base.Emulator(bootwire, work, name, wire="instant")
    _, code, out = timed_env([bootwire, "--port", emu.port, "--config", ini, "--quiet"], os.environ)
    emu.stop()
    if code != 0:
        raise RuntimeError(f"preparing {name} failed:\n" + out)
    return emu.dump


def run(base, bootwire, work, runs, py, smoke):
    """Runs cases 7-9; returns their results for latest.json and `report`."""
    fixtures, peers = base.FIXTURES, base.PEERS
    env = dict(os.environ, NO_COLOR="1")
    mission_ini = os.path.join(fixtures, "mission_t02_flash_prog_cfg.ini")
    mfg_image = state_image(base, bootwire, work, "state-mfg", os.path.join(fixtures, "mfg_flash_prog_cfg.ini"))
    mission_image = state_image(base, bootwire, work, "state-mission", mission_ini)
    with open(mfg_image, "rb") as f:
        mfg = f.read()
    with open(mission_image, "rb") as f:
        mission = f.read()
    mission_end = end_state(mission_files(fixtures, base.MISSION))

    # A changed littlefs: 4 KiB of one file rewritten, the rest as before (a configuration edit).
    littlefs = os.path.join(work, "littlefs-changed.bin")
    with open(os.path.join(fixtures, "littlefs.bin"), "rb") as f:
        data = bytearray(f.read())
    for i in range(0x20000, 0x21000):
        data[i] ^= 0x5A
    with open(littlefs, "wb") as f:
        f.write(data)
    small_ini = config_folder(work, "small-config", fixtures, littlefs)
    small_end = end_state(mission_files(fixtures, base.MISSION, littlefs))

    def peer(name, ini, extra):
        return base.vendor_flash(bootwire, work, name, py, ini, extra=extra, env=env)

    def bootwire_run(emu, ini, env=env):
        wall, code, out = timed_env([bootwire, "--port", emu.port, "--config", ini, "--quiet"], env)
        if code != 0:
            raise RuntimeError("bootwire failed:\n" + out[-2000:])
        return wall

    upgrade = {"bootwire": [], "peer": [], "floor": [], "device_floor": []}
    small = {"bootwire": [], "peer": []}
    bridge = {"bootwire16": [], "bootwire1": [], "peer16": [], "peer1": []}
    erase_s, program_s = needed_device_seconds(mfg, mission_end)
    for r in range(runs):
        # 7: mfg -> mission t02
        emu = base.Emulator(bootwire, work, f"upgrade{r}", extra=("--flash-image", mfg_image))
        upgrade["bootwire"].append(bootwire_run(emu, mission_ini))
        stats = emu.stop()
        check_end_state(emu.dump, mission_end, "bootwire (mfg -> mission)")
        upgrade["floor"].append(stats["wireNanoseconds"] / 1e9 + erase_s + program_s)
        upgrade["device_floor"].append(stats["floorSeconds"])
        if py:
            wall, emu = peer(f"upgrade-peer{r}", mission_ini, ("--flash-image", mfg_image))
            if wall is not None:
                upgrade["peer"].append(wall)
                check_end_state(emu.dump, mission_end, "the peer (mfg -> mission)")
        # 8: mission -> mission with a changed littlefs
        emu = base.Emulator(bootwire, work, f"small{r}", extra=("--flash-image", mission_image))
        small["bootwire"].append(bootwire_run(emu, small_ini))
        emu.stop()
        check_end_state(emu.dump, small_end, "bootwire (littlefs change)")
        if py:
            wall, emu = peer(f"small-peer{r}", small_ini, ("--flash-image", mission_image))
            if wall is not None:
                small["peer"].append(wall)
                check_end_state(emu.dump, small_end, "the peer (littlefs change)")
        # 9: the fresh flash through a 16 ms bridge and through a 1 ms bridge
        for timer in (16, 1):
            sysfs = os.path.join(work, f"sysfs-{timer}-{r}")
            extra = ("--latency-ms", "1", "--bridge-latency-timer", str(timer), "--sysfs-root", sysfs)
            emu = base.Emulator(bootwire, work, f"bridge{timer}-{r}", extra=extra)
            bridge[f"bootwire{timer}"].append(bootwire_run(emu, mission_ini, dict(env, BOOTWIRE_SYSFS_ROOT=sysfs)))
            emu.stop()
            check_end_state(emu.dump, mission_end, f"bootwire ({timer} ms bridge)")
            if py and (timer == 16 or not smoke):
                sysfs = os.path.join(work, f"sysfs-peer-{timer}-{r}")
                extra = ("--latency-ms", "1", "--bridge-latency-timer", str(timer), "--sysfs-root", sysfs)
                wall, emu = peer(f"bridge-peer{timer}-{r}", mission_ini, extra)
                if wall is not None:
                    bridge[f"peer{timer}"].append(wall)
                    check_end_state(emu.dump, mission_end, f"the peer ({timer} ms bridge)")

    med = statistics.median
    cases = {}
    seven = {"bootwire_s": base.summary(upgrade["bootwire"]), "floor_s": base.summary(upgrade["floor"]),
             "floor_parts_s": {"erase": erase_s, "program": program_s},
             "device_floor_s": base.summary(upgrade["device_floor"]),
             "vs_floor": med(upgrade["bootwire"]) / med(upgrade["floor"])}
    seven["targets"] = {"vs_floor <= 1.15": seven["vs_floor"] <= 1.15}
    if upgrade["peer"]:
        seven["peer_s"] = base.summary(upgrade["peer"])
        seven["vs_peer"] = med(upgrade["bootwire"]) / med(upgrade["peer"])
        seven["targets"]["vs_peer <= 0.45"] = seven["vs_peer"] <= 0.45
    cases["7 mfg -> mission t02 (occupied module)"] = seven
    eight = {"bootwire_s": base.summary(small["bootwire"])}
    if small["peer"]:
        eight["peer_s"] = base.summary(small["peer"])
        eight["vs_peer"] = med(small["bootwire"]) / med(small["peer"])
        eight["targets"] = {"vs_peer <= 0.1": eight["vs_peer"] <= 0.1}
    cases["8 littlefs change on mission t02"] = eight
    nine = {"bootwire_16ms_s": base.summary(bridge["bootwire16"]), "bootwire_1ms_s": base.summary(bridge["bootwire1"]),
            "vs_1ms": med(bridge["bootwire16"]) / med(bridge["bootwire1"])}
    nine["targets"] = {"vs_1ms <= 1.1": nine["vs_1ms"] <= 1.1}
    if bridge["peer16"]:
        nine["peer_16ms_s"] = base.summary(bridge["peer16"])
        nine["bootwire_vs_peer_16ms"] = med(bridge["bootwire16"]) / med(bridge["peer16"])
    if bridge["peer1"]:
        nine["peer_1ms_s"] = base.summary(bridge["peer1"])
        nine["peer_16ms_vs_1ms"] = med(bridge["peer16"]) / med(bridge["peer1"])
    cases["9 full flash through a 16 ms bridge"] = nine
    if shutil.which("stm32flash"):
        cases["3c STM32 UART through a 16 ms bridge"] = stm32_bridge(base, bootwire, work, smoke)
    return cases


def stm32_bridge(base, bootwire, work, smoke):
    """Case 3c: Bootwire and stm32flash -v write and verify the same payload on a virtual L476
    behind a 16 ms bridge (1 ms host to device)."""
    size = 16 * 1024 if smoke else 64 * 1024
    payload = os.path.join(work, "stm32-bridge.bin")
    with open(payload, "wb") as f:
        f.write(os.urandom(size))
    env = dict(os.environ, NO_COLOR="1")
    walls = {}
    for who in ("bootwire", "stm32flash"):
        sysfs = os.path.join(work, f"sysfs-stm-{who}")
        extra = ("--latency-ms", "1", "--bridge-latency-timer", "16", "--sysfs-root", sysfs)
        emu = base.Emulator(bootwire, work, f"stmbridge-{who}", extra=extra, device=("stm32", "--device", "l476"))
        if who == "bootwire":
            cmd = [bootwire, "flash", "--chip", "stm32", "--port", emu.port, "--baud", "115200",
                   payload + "@0x08000000", "--quiet"]
            wall, code, out = timed_env(cmd, dict(env, BOOTWIRE_SYSFS_ROOT=sysfs))
        else:
            cmd = ["stm32flash", "-b", "115200", "-m", "8n1", "-w", payload, "-v", "-S", "0x08000000", emu.port]
            wall, code, out = timed_env(cmd, env)
        emu.stop()
        if code != 0:
            raise RuntimeError(f"{who} (stm32, 16 ms bridge) failed:\n" + out[-1500:])
        walls[who] = wall
    return {"bytes": size, "bootwire_s": walls["bootwire"], "stm32flash_s": walls["stm32flash"],
            "vs_stm32flash": walls["bootwire"] / walls["stm32flash"]}


def report(cases, span):
    """Table rows for cases 7-9, in bench.py's format."""
    def verdict(ok):
        return "met" if ok else "MISSED"
    seven = cases["7 mfg -> mission t02 (occupied module)"]
    if "vs_peer" in seven:
        print(f"| 7 mfg -> mission t02 vs bflb-flash-command-uart | {span(seven['bootwire_s'])} | {span(seven['peer_s'])} "
              f"| {seven['vs_peer']:.2f} | <= 0.45 {verdict(seven['targets']['vs_peer <= 0.45'])} |")
    else:
        print("| 7 mfg -> mission t02 vs bflb-flash-command-uart | skipped: no peer venv | | | |")
    parts = seven["floor_parts_s"]
    print(f"| 7 mfg -> mission t02 vs floor (wire + {parts['erase']:.2f} s erase + {parts['program']:.2f} s program "
          f"the end state needs) | {span(seven['bootwire_s'])} | {span(seven['floor_s'])} | {seven['vs_floor']:.2f} "
          f"| <= 1.15 {verdict(seven['targets']['vs_floor <= 1.15'])} |")
    eight = cases["8 littlefs change on mission t02"]
    if "vs_peer" in eight:
        print(f"| 8 littlefs change vs bflb-flash-command-uart | {span(eight['bootwire_s'])} | {span(eight['peer_s'])} "
              f"| {eight['vs_peer']:.3f} | <= 0.10 {verdict(eight['targets']['vs_peer <= 0.1'])} |")
    else:
        print(f"| 8 littlefs change vs bflb-flash-command-uart | {span(eight['bootwire_s'])} | skipped: no peer venv | | |")
    if "3c STM32 UART through a 16 ms bridge" in cases:
        three = cases["3c STM32 UART through a 16 ms bridge"]
        print(f"| 3c STM32 L476 {three['bytes'] // 1024} KiB write+verify through a 16 ms bridge vs stm32flash -v "
              f"| {three['bootwire_s']:.2f} s | {three['stm32flash_s']:.2f} s | {three['vs_stm32flash']:.2f} | |")
    nine = cases["9 full flash through a 16 ms bridge"]
    print(f"| 9 full flash, 16 ms bridge vs 1 ms bridge | {span(nine['bootwire_16ms_s'])} | {span(nine['bootwire_1ms_s'])} "
          f"| {nine['vs_1ms']:.2f} | <= 1.10 {verdict(nine['targets']['vs_1ms <= 1.1'])} |")
    if "peer_16ms_s" in nine:
        extra = (f"; its own 1 ms bridge {span(nine['peer_1ms_s'])}, {nine['peer_16ms_vs_1ms']:.2f}"
                 if "peer_1ms_s" in nine else "")
        print(f"| 9 full flash, 16 ms bridge vs bflb-flash-command-uart on it | {span(nine['bootwire_16ms_s'])} "
              f"| {span(nine['peer_16ms_s'])}{extra} | {nine['bootwire_vs_peer_16ms']:.2f} | |")

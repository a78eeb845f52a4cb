"""Case 6b: SWD speed against the peers, on equal terms. Bootwire, st-flash and OpenOCD each write
the same image to the same device served by `bootwire emulate usb` (USB modelled in the server:
1 ms per transfer), each as a libusb client of the stand-in: Bootwire through its own libusb
path (BOOTWIRE_LIBUSB), the peers unmodified (LD_LIBRARY_PATH). On the L476 (OpenOCD's
stm32l4x.cfg) and the F407 (stm32f4x.cfg). Bootwire and st-flash read the image back;
OpenOCD's `verify` runs a CRC algorithm on the core that the virtual core does not finish (it
times out and falls back to a read, 45 s), so OpenOCD is timed writing only, which favours it.
Goal: Bootwire at most 0.5 x the faster peer."""
import os, shutil, signal, statistics, subprocess, time

PARTS = (("l476", "stlink-l476", "stm32l4x"), ("f407", "stlink-f4", "stm32f4x"))


def _timed(cmd, env):
    start = time.monotonic()
    proc = subprocess.run(cmd, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return time.monotonic() - start, proc.returncode, proc.stdout.decode(errors="replace")


def _serve(bootwire, work, name, device):
    """`emulate usb DEVICE,usb-latency-ms=1` on its own socket; the process and its state file."""
    sock, state = os.path.join(work, name + ".sock"), os.path.join(work, name + ".state")
    proc = subprocess.Popen([bootwire, "emulate", "usb", device + ",usb-latency-ms=1", "--socket", sock,
                             "--state", state], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(sock):
            return proc, sock, state
        time.sleep(0.02)
    proc.kill()
    raise RuntimeError(f"emulate usb {device} made no socket")


def _holds(state, payload):
    """The ST-LINK state file: "BWL4"/"BWF4", then the flash."""
    with open(state, "rb") as f, open(payload, "rb") as p:
        flash, data = f.read(), p.read()
    return flash[4:4 + len(data)] == data


def run(base, bootwire, work, payload, runs):
    if runs == 0:
        return {}
    shim = subprocess.check_output([bootwire, "emulate", "usb-shim-path"], text=True).strip()
    clients = {
        "bootwire": lambda cfg: ([bootwire, "flash", "--port", "stlink", payload + "@0x08000000", "--quiet"],
                                 {"BOOTWIRE_LIBUSB": os.path.join(shim, "libusb-1.0.so.0")}),
        "st-flash": lambda cfg: (["st-flash", "write", payload, "0x8000000"], {"LD_LIBRARY_PATH": shim}),
        "openocd": lambda cfg: (["openocd", "-f", "interface/stlink.cfg", "-f", f"target/{cfg}.cfg",
                                 "-c", f"program {payload} 0x08000000 reset exit"], {"LD_LIBRARY_PATH": shim}),
    }
    cases = {}
    for part, device, cfg in PARTS:
        times = {}
        for client, command in clients.items():
            if client != "bootwire" and shutil.which(client) is None:
                continue
            for r in range(runs):
                proc, sock, state = _serve(bootwire, work, f"swd-{part}-{client}-{r}", device)
                cmd, env = command(cfg)
                wall, code, out = _timed(cmd, {**env, "BOOTWIRE_USB_SOCKET": sock})
                proc.send_signal(signal.SIGTERM)
                proc.wait(30)
                if code != 0 or not _holds(state, payload):
                    raise RuntimeError(f"{client} on {device} (served) failed:\n" + out[-2000:])
                times.setdefault(client, []).append(wall)
        case = {"bytes": os.path.getsize(payload), "device": device}
        for client, walls in times.items():
            case[client.replace("-", "") + "_s"] = base.summary(walls)
        peers = [statistics.median(times[p]) for p in ("st-flash", "openocd") if p in times]
        if peers:
            case["vs_faster_peer"] = statistics.median(times["bootwire"]) / min(peers)
            case["targets"] = {"vs_faster_peer <= 0.5": case["vs_faster_peer"] <= 0.5}
        cases[f"6b ST-LINK/SWD against the peers ({part}, served, 1 ms per USB transfer)"] = case
    return cases


def report(cases, span):
    """Table rows for case 6b, in bench.py's format."""
    for key, case in cases.items():
        if not key.startswith("6b "):
            continue
        peers = "; ".join(f"{name} {span(case[field])}" for name, field in
                          (("st-flash write+verify", "stflash_s"), ("OpenOCD program, no verify", "openocd_s"))
                          if field in case)
        ratio = f"{case['vs_faster_peer']:.2f}" if "vs_faster_peer" in case else ""
        verdict = ("met" if case["targets"]["vs_faster_peer <= 0.5"] else "MISSED") if "targets" in case else "no peer"
        print(f"| 6b {case['device']} {case['bytes'] // 1024} KiB write+verify through emulate usb and the libusb "
              f"stand-in, 1 ms per USB transfer, vs the faster peer | {span(case['bootwire_s'])} | {peers or 'no peer installed'} "
              f"| {ratio} | <= 0.50 {verdict} |")

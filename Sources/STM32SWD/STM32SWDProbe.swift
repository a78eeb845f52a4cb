import ArmDebug
import BootwireCore

/// The device half of `bootwire doctor` over SWD, on any opened `DebugProbe`: the probe and its
/// firmware, the target voltage, the debug port (DPIDR) and the access ports with the running
/// application, then the session's own connect (with its fallbacks under reset), the core, the
/// part (DEV_ID) and its readout protection. A core that answers only under reset is firmware
/// that turns SWD off (`swd-connected-under-reset`), which a flash works around and a debugger
/// attaching to the running application does not.
public enum STM32SWDProbe {
    /// `port` is how the user named the port, for fixes that are pasted as they are printed;
    /// `collected` also holds what the probe itself reported (give the probe its sink).
    public static func run(
        probe: any DebugProbe, options: STM32SWDSession.Options, port: String, collected: DoctorEvents = DoctorEvents()
    ) -> [DoctorFinding] {
        var findings = [
            DoctorFinding(
                "probe", .pass,
                "\(probe.name) firmware \(probe.firmware)" + (probe.serial.map { ", serial \($0)" } ?? ""))
        ]
        switch probe.voltage {
        case nil: findings.append(DoctorFinding("target voltage", .skip, "this probe does not measure it"))
        case let volts? where volts < 1.5:
            findings.append(
                DoctorFinding(
                    "target voltage", .fail, String(format: "%.2f V: the target is not powered", volts),
                    code: .swdNoTarget, hint: "power the board and connect the probe's VREF/VAPP pin to its supply"))
        case let volts?: findings.append(DoctorFinding("target voltage", .pass, String(format: "%.2f V", volts)))
        }
        let running = scanRunning(probe, kHz: options.clockKHz)
        probe.exitDebug()
        let session: STM32SWDSession
        do {
            session = try STM32SWDSession(probe: probe, options: options, events: collected.sink)
        } catch {
            return findings + running.findings + [DoctorFinding("core", failing: BootwireError.wrap(error))]
        }
        defer { session.close() }
        let identity = session.identity
        if session.connectedHow == "normal" {
            findings += running.findings
        } else {
            findings.append(
                DoctorFinding(
                    "debug access", .warn,
                    "with the application running: \(running.failure ?? "no core answered"); "
                        + "the core answered \(session.connectedHow): the application turns SWD off (or sleeps)",
                    code: .swdConnectedUnderReset,
                    hint: "flashing works (Bootwire connects under reset: keep NRST wired); to debug the running "
                        + "application, keep its SWD pins (PA13/PA14) out of its GPIO setup"))
        }
        if let reduced = collected.warning(.swdClockReduced) {
            findings.append(
                DoctorFinding(
                    "SWD clock", .warn, reduced.message, code: .swdClockReduced, hint: ErrorCode.swdClockReduced.hint))
        }
        findings.append(
            DoctorFinding(
                "core", .pass,
                "\(identity.core) (CPUID \(hex(identity.cpuid))) on AP\(identity.accessPort), DPIDR \(hex(identity.dpidr))"
            ))
        guard let part = identity.part else {
            findings.append(
                DoctorFinding(
                    "part", .warn, "\(identity.partName): not in Bootwire's part table", code: .flashFamilyUnsupported,
                    hint: "use the UART or DFU bootloader for this part"))
            return findings
        }
        findings.append(
            DoctorFinding(
                "part", .pass,
                "\(part.name), DEV_ID 0x\(String(identity.deviceID, radix: 16)) rev 0x\(String(identity.revisionID, radix: 16)), "
                    + "\(identity.flashSize >> 10) KiB flash"))
        findings.append(protection(session, port: port))
        return findings
    }

    /// The debug port and the access ports as they answer while the application runs.
    static func scanRunning(_ probe: any DebugProbe, kHz: Int) -> (findings: [DoctorFinding], failure: String?) {
        let dpidr: UInt32
        do {
            try probe.setClock(kHz: kHz)
            try probe.enterSWD()
            dpidr = try probe.readDPIDR()
        } catch let fault as ProbeError {
            return ([], "the debug port gave \(fault.status)")
        } catch {
            return ([DoctorFinding("debug port", failing: BootwireError.wrap(error))], "\(error)")
        }
        var answers: [String] = []
        var cores = 0
        for port: UInt8 in [0, 1] {
            do {
                try probe.selectAP(port)
                let cpuid = try probe.readWord(CortexDebug.cpuid)
                let arm = cpuid >> 24 == 0x41
                if arm { cores += 1 }
                answers.append("AP\(port): " + (arm ? "\(CortexDebug.coreName(cpuid: cpuid))" : "no core"))
            } catch let fault as ProbeError {
                answers.append("AP\(port): \(fault.status)")
            } catch {
                answers.append("AP\(port): \(error)")
            }
        }
        let dp = DoctorFinding("debug port", .pass, "DPIDR \(hex(dpidr))")
        guard cores > 0 else {
            return ([dp], "the debug port answers (DPIDR \(hex(dpidr))), no access port reaches a core")
        }
        return ([dp, DoctorFinding("access ports", .pass, answers.joined(separator: "; "))], nil)
    }

    /// RDP as the flash controller reads it; level 1 hides the flash from the debugger.
    static func protection(_ session: STM32SWDSession, port: String) -> DoctorFinding {
        do {
            let controller = try session.flash()
            if let refused = try controller.readProtection() {
                // Level 1 goes back to 0 (with a mass erase); a locked or level-2 part never does.
                let hint =
                    refused.code == .flashReadProtected
                    ? "`bootwire option-bytes set rdp=0 --port \(port)` removes it and erases the whole flash"
                    : refused.hint
                return DoctorFinding("readout protection", .fail, refused.message, code: refused.code, hint: hint)
            }
            let level = try controller.optionBytes().readoutProtection
            return DoctorFinding("readout protection", .pass, "\(level): flash readable and writable")
        } catch {
            return DoctorFinding("readout protection", failing: BootwireError.wrap(error))
        }
    }

    static func hex(_ value: UInt32) -> String { Hex.address(value, width: 8, uppercase: true) }
}

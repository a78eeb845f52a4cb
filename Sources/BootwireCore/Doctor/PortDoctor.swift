import Foundation

/// The link-level half of `bootwire doctor`: can the port be opened, what adapter is behind
/// it, does it have modem lines, and, when TX and RX are jumpered, which rates survive.
public enum PortDoctor {
    /// The rates a loopback test tries, up to 3 Mbaud.
    public static let loopbackRates = [115_200, 500_000, 921_600, 1_000_000, 1_500_000, 2_000_000, 3_000_000]

    public static func checkAccess(_ path: String, setup: SerialPortSetup = SerialPortSetup()) -> (
        SerialPort?, [DoctorFinding]
    ) {
        var findings: [DoctorFinding] = []
        let port: SerialPort
        do {
            port = try SerialPort.open(path, setup: setup)
        } catch {
            return (nil, [DoctorFinding("port opens", failing: BootwireError.wrap(error))])
        }
        findings.append(DoctorFinding("port opens", .pass, "\(path) opened exclusively"))
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        if let info = PortDiscovery.list().first(where: { $0.path == resolved }), let vid = info.vendorID,
            let pid = info.productID
        {
            let limit = info.bridgeMaxBaud.map { ", rated to \($0) baud" } ?? ""
            findings.append(
                DoctorFinding(
                    "adapter", .pass,
                    "\(vid):\(pid) \(info.bridge ?? "unknown bridge")\(limit)\(info.serialNumber.map { ", serial \($0)" } ?? "")"
                ))
        } else if port.capabilities.isPseudoTerminal {
            findings.append(DoctorFinding("adapter", .skip, "a pseudo-terminal: no USB adapter behind it"))
        } else {
            findings.append(DoctorFinding("adapter", .skip, "not a USB adapter (on-board UART or unknown)"))
        }
        if port.capabilities.modemLines {
            findings.append(
                DoctorFinding("modem lines", .pass, "DTR and RTS can be driven: boot entry can be automatic"))
        } else {
            findings.append(
                DoctorFinding(
                    "modem lines", .warn,
                    port.capabilities.isPseudoTerminal
                        ? "a pseudo-terminal has no DTR/RTS: boot entry must be done another way"
                        : "no DTR/RTS: put the device into its boot loader by hand (--reset manual)",
                    code: port.capabilities.isPseudoTerminal ? .ptyNoModemLines : .noModemLines))
        }
        findings.append(latencyFinding(port.capabilities))
        return (port, findings)
    }

    /// What the bridge answered when asked for its lowest latency. A USB adapter that keeps a
    /// long hold time costs that time at every turnaround: a warning, with the way out.
    public static func latencyFinding(_ capabilities: LinkCapabilities) -> DoctorFinding {
        let latency = capabilities.latency
        switch latency.control {
        case .latencyTimer where (latency.afterMilliseconds ?? 0) > BridgeLatencyControl.lowestMilliseconds,
            .lowLatencyFlag where (latency.afterMilliseconds ?? 0) > BridgeLatencyControl.lowestMilliseconds:
            return DoctorFinding(
                "bridge latency", .warn, latency.summary, code: .bridgeLatencyHigh,
                hint: ErrorCode.bridgeLatencyHigh.hint)
        case .latencyTimer, .lowLatencyFlag:
            return DoctorFinding("bridge latency", .pass, latency.summary)
        case .none:
            // A pty, an on-board UART, CDC-ACM, CP210x and CH34x have no timer to lower: their
            // hold time is the driver's own and short.
            return DoctorFinding("bridge latency", .skip, latency.summary)
        }
    }

    /// The pattern goes to whatever is on the line when no jumper is fitted, so it must not
    /// talk to a bootloader: no sync byte (0x7F for an STM32, 0x55 for the module's ROM) and no
    /// byte followed by its complement (an AN3155 command to a bootloader synced earlier).
    static func safeForBootloaders(_ pattern: ArraySlice<UInt8>) -> Bool {
        guard let last = pattern.last, last != 0x7F, last != 0x55 else { return false }
        return pattern.count < 2 || pattern[pattern.endIndex - 2] != ~last
    }

    /// Sends a pattern at each rate and counts what comes back. Nothing back at the first rate
    /// means no loopback jumper: the test is skipped, not failed.
    public static func loopback(_ link: any Link, rates: [Int] = loopbackRates, bytesPerRate: Int = 4096) throws
        -> [DoctorFinding]
    {
        var pattern = [UInt8](repeating: 0, count: bytesPerRate)
        var state: UInt32 = 0x1234_5678
        for i in pattern.indices {
            repeat {
                state ^= state << 13
                state ^= state >> 17
                state ^= state << 5
                pattern[i] = UInt8(truncatingIfNeeded: state)
            } while !safeForBootloaders(pattern[...i])
        }
        var findings: [DoctorFinding] = []
        var best: Int?
        for rate in rates {
            do {
                try link.configure(baud: rate, parity: .none)
            } catch {
                findings.append(DoctorFinding("loopback \(rate)", failing: BootwireError.wrap(error)))
                continue
            }
            try link.flushInput()
            try link.write(pattern)
            let wire = Double(bytesPerRate * 10) / Double(rate)
            let back = try link.read(exactly: bytesPerRate, deadline: .after(seconds: 0.2 + wire * 2))
            let errors = zip(back, pattern).filter { $0 != $1 }.count + (bytesPerRate - back.count)
            // At the first rate a jumper returns the pattern nearly intact; anything else is a
            // device talking (or nothing), and the device probe follows instead.
            if rate == rates.first && errors * 2 > bytesPerRate {
                let seen =
                    back.isEmpty
                    ? "nothing came back"
                    : "\(back.count) bytes came back that are not the pattern (a device is talking)"
                return [
                    DoctorFinding(
                        "loopback", .skip,
                        "\(seen) at \(rate) baud: no TX-RX jumper (fit one to test the adapter's rates)")
                ]
            }
            if errors == 0 {
                best = rate
                findings.append(DoctorFinding("loopback \(rate)", .pass, "\(bytesPerRate) bytes back intact"))
            } else {
                findings.append(
                    DoctorFinding(
                        "loopback \(rate)", .fail, "\(errors) of \(bytesPerRate) bytes lost or wrong",
                        code: .baudUnsupported,
                        hint: "the adapter or wiring cannot carry \(rate) baud reliably"))
            }
        }
        if let best {
            findings.append(DoctorFinding("highest reliable rate", .pass, "\(best) baud"))
        }
        return findings
    }
}

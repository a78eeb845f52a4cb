import ArgumentParser
import BootwireCore
import Foundation
import QCC743
import STM32
import VirtualDevices

/// --port and friends, shared by every command that talks to a device.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: [.short, .long],
        help: ArgumentHelp(
            "Serial port: a path (/dev/ttyUSB0, /dev/serial/by-id/…), an adapter serial number, virtual:qcc743; "
                + "USB: usb:VID:PID[:SERIAL] (DFU), stlink[:SERIAL] (SWD), virtual:dfu-…, virtual:stlink-…. "
                + "flash takes it more than once to flash several devices at once.",
            valueName: "port"))
    var port: [String] = []

    @Flag(name: .long, help: "The STM32 ROM bootloader over USB DFU (usb:0483:df11), when no --port is given.")
    var dfu = false

    @Flag(name: .long, help: "The ST-LINK probe (SWD), when no --port is given; same as --port stlink.")
    var stlink = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "flash: every port matching this pattern (e.g. '/dev/serial/by-id/usb-FTDI*').", valueName: "glob"))
    var ports: String?

    @Option(name: .long, help: ArgumentHelp("flash: the ports listed in this file, one per line.", valueName: "file"))
    var portsFrom: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The chip behind the port: qcc743 (the ST67W611M1 module, default) or stm32 (system bootloader, AN3155). "
                + "virtual:stm32… implies stm32.",
            valueName: "chip"))
    var chip: Chip?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "qcc743: rate after the handshake (the vendor's --baudrate, default 2000000); stm32: the rate (default 115200).",
            valueName: "baud"))
    var baud: Int?

    @Option(name: .long, help: ArgumentHelp("Rate of the boot ROM handshake.", valueName: "baud"))
    var bootBaud = 500_000

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Boot-entry sequence or preset (\(BootSequence.presets.map(\.name).joined(separator: ", "))); "
                + "default: qconn where the port has DTR/RTS, manual where it has none, none on a pty.",
            valueName: "sequence"))
    var reset: String?

    @Option(name: .long, help: ArgumentHelp("Handshake attempts before giving up.", valueName: "n"))
    var connectAttempts = 3

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Scale the module's per-command waits, which follow the vendor's (1, or $BOOTWIRE_PATIENCE); 0 keeps "
                + "only what the work and the wire need (fault-injection tests on virtual devices).",
            valueName: "factor"))
    var patience: Double?

    /// --patience, else $BOOTWIRE_PATIENCE (test harnesses), else the vendor's waits.
    var effectivePatience: Double {
        patience ?? ProcessInfo.processInfo.environment["BOOTWIRE_PATIENCE"].flatMap(Double.init) ?? 1
    }

    @Flag(name: .long, help: "Fail instead of going on at a lower rate when the link is lost after the baud change.")
    var noBaudFallback = false

    @Option(
        name: .long,
        help: ArgumentHelp("Write every byte in and out, with timestamps, to this file.", valueName: "file"))
    var trace: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "ST-LINK: the SWD clock to start at, in kHz (default 1800; long or noisy wires want 480 or 100).",
            valueName: "khz"))
    var swdKhz: Int?

    func connectOptions(for link: any Link) throws -> ConnectOptions {
        var options = ConnectOptions()
        options.bootBaud = bootBaud
        options.loadBaud = baud ?? 2_000_000
        options.syncAttempts = max(1, connectAttempts)
        options.fallback = !noBaudFallback
        // Default boot entry: the vendor's sequence where DTR/RTS exist; a person where they do
        // not; nothing on a pseudo-terminal, whose virtual device resets when the port opens.
        if let reset {
            options.bootSequence = try BootSequence.parse(reset)
        } else if link.capabilities.modemLines {
            options.bootSequence = try BootSequence.parse("qconn")
        } else if !link.capabilities.isPseudoTerminal {
            options.bootSequence = try BootSequence.parse("manual")
        }
        return options
    }

    /// Opens the port (starting an in-process virtual device for virtual:…), connects to the
    /// boot ROM, and runs `body` on the port's own thread.
    enum Chip: String, ExpressibleByArgument, CaseIterable {
        case qcc743, stm32
    }

    /// The chip a port leads to: --chip, or what a virtual port names, or the module.
    func chip(for port: String) -> Chip {
        if let chip { return chip }
        return port.hasPrefix(VirtualPort.prefix + "stm32") ? .stm32 : .qcc743
    }

    /// Opens the port (starting an in-process virtual STM32 for virtual:stm32…), syncs with the
    /// system bootloader, and runs `body` on the port's own thread.
    func withSTM32Session<T: Sendable>(
        port: String, events: @escaping EventSink, _ body: @escaping @Sendable (STM32Session) throws -> T
    ) async throws -> T {
        var base = STM32ConnectOptions()
        base.baud = baud ?? 115_200
        base.syncAttempts = max(1, connectAttempts)
        let initial = base
        let reset = self.reset
        return try await withPort(port) { serial, _ in
            var options = initial
            if let reset {
                options.bootSequence = try BootSequence.parse(reset)
            } else if !serial.capabilities.modemLines && !serial.capabilities.isPseudoTerminal {
                options.bootSequence = try BootSequence.parse("manual")
            }
            return try body(try STM32Session.connect(link: serial, options: options, events: events))
        }
    }

    /// Opens `port` (starting an in-process virtual device for virtual:…) with the wire trace,
    /// and runs `body` on the port's own thread with the port and its device path.
    private func withPort<T: Sendable>(
        _ port: String, _ body: @escaping @Sendable (SerialPort, String) throws -> T
    ) async throws -> T {
        let runner = VirtualPort.isVirtual(port) ? try VirtualPort.start(port) : nil
        defer { runner?.stop() }
        let path = runner?.slavePath ?? port
        let trace = try self.trace.map { try WireTrace(path: $0) }
        let worker = PortWorker(name: path)
        defer { worker.shutdown() }
        return try await worker.run {
            let serial = try SerialPort.open(path, setup: SerialSetup.current)
            defer { serial.close() }
            serial.trace = trace
            return try body(serial, path)
        }
    }

    /// Every port named by --port, --ports and --ports-from, in order, each resolved exactly
    /// (a serial number or by-id name must match one adapter): write mode never guesses.
    func resolvedPorts() throws -> [String] {
        var names = port.isEmpty ? impliedPorts : port
        if let pattern = ports {
            let matches = PortDiscovery.glob(pattern)
            guard !matches.isEmpty else {
                throw BootwireError(
                    .portNotFound, "no port matches \(pattern)", hint: "run `bootwire list` to see the ports")
            }
            names += matches
        }
        if let file = portsFrom {
            let text = String(decoding: try readInput(file, what: "port list"), as: UTF8.self)
            names += text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        }
        guard !names.isEmpty else { throw BootwireError(.usage, "no port given", hint: "pass --port PORT") }
        var seen = Set<String>()
        return try names.map { name in
            let path = try Self.resolve(name)
            guard VirtualPort.isVirtual(path) || seen.insert(path).inserted else {
                throw BootwireError(.usage, "\(name) is named twice")
            }
            return path
        }
    }

    /// The one port of a command that talks to one device.
    func singlePort() throws -> String {
        let all = try resolvedPorts()
        guard all.count == 1 else { throw BootwireError(.usage, "this command takes one port, not \(all.count)") }
        return all[0]
    }

    static func resolve(_ name: String) throws -> String {
        if VirtualPort.isVirtual(name) || isUSB(name) || name.hasPrefix("/") || name.hasPrefix(".") { return name }
        if let path = PortDiscovery.resolve(name) { return path }
        throw BootwireError(
            .portNotFound, "no serial port or adapter serial number `\(name)`",
            hint:
                "name a path (/dev/ttyUSB0), a /dev/serial/by-id name, or an adapter serial number from `bootwire list`"
        )
    }

    /// Opens the port, connects to the module's boot ROM (starting at the rate the adapter
    /// carried last time), and runs `body` on the port's own thread.
    func withSession<T: Sendable>(
        port: String, events: @escaping EventSink, _ body: @escaping @Sendable (QCC743Session) throws -> T
    ) async throws -> T {
        let memory = CacheFolder.adapterMemory
        return try await withPort(port) { serial, path in
            let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            let adapterSerial = PortDiscovery.list().first { $0.path == resolved }?.serialNumber
            var options = try connectOptions(for: serial)
            options.patience = effectivePatience
            if let adapterSerial, let limit = memory.limit(forSerial: adapterSerial), limit < options.loadBaud {
                events(.note(.info("adapter \(adapterSerial) carried only \(limit) baud last time: starting there")))
                options.loadBaud = limit
            }
            // A module without reset lines stays in its ROM at the last session's rate.
            let sessionKey = adapterSerial ?? path
            options.previousSessionBaud = memory.lastSession(port: sessionKey)?.baud
            return try QCC743Session.run(link: serial, options: options, events: events) { session in
                if let adapterSerial, session.baudLimitedFrom != nil {
                    memory.remember(serial: adapterSerial, workingBaud: session.identity.loadBaud)
                }
                memory.rememberSession(port: sessionKey, baud: session.identity.loadBaud)
                return try body(session)
            }
        }
    }
}

/// Reads an input file with the error users expect.
func readInput(_ path: String, what: String = "file") throws -> [UInt8] {
    guard FileManager.default.fileExists(atPath: path) else {
        throw BootwireError(
            .fileNotFound, "\(what) \(path) does not exist",
            hint: "check the path (relative paths start in \(FileManager.default.currentDirectoryPath))",
            evidence: ["path": path])
    }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw BootwireError(
            .fileNotFound, "\(what) \(path) cannot be read", hint: "check its permissions", evidence: ["path": path])
    }
    return [UInt8](data)
}

/// `0x10000`, `65536`, `64K` → an address, or a usage error naming the option.
func parseAddress(_ text: String, option: String) throws -> Int {
    guard let value = Hex.integer(text), value <= UInt64(UInt32.max) else {
        throw BootwireError(
            .usage, "\(option): `\(text)` is not an address", hint: "write it as 0x10000, 65536 or 64K",
            evidence: ["option": option, "value": text])
    }
    return Int(value)
}

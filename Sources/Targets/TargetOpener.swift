import BootwireCore
import DFU
import Foundation
import QCC743
import STLink
import STM32
import STM32SWD
import USB

/// Opens targets: decides the route a port leads to and connects the route's session on a
/// thread of the port's own (`PortWorker`: every call below blocks), then runs the caller's
/// body there. One opener per route, all of one shape; `withTarget` is the one every verb uses.
public struct TargetOpener: Sendable {
    public var settings: TargetSettings

    public init(settings: TargetSettings) { self.settings = settings }

    /// The route `port` leads to. A serial port leads to the module unless the chip is named
    /// (or a virtual port says); a virtual name nobody knows is refused when it is opened.
    public func route(for port: PortSpec) -> Route {
        switch port {
        case .usb: .dfu
        case .stlink: .swd
        case .serial: settings.chip == .stm32 ? .stm32Serial : .qcc743
        case .virtual(let text):
            switch settings.virtualPorts?.route(of: text) {
            case .qcc743?, nil: settings.chip == .stm32 ? .stm32Serial : .qcc743
            case let route?: route
            }
        }
    }

    /// Connects over the route `port` leads to and runs `body` with the target session on the
    /// port's worker thread. Also returns the route's statistics (USB transfers, the modelled
    /// time on virtual devices) for the result line.
    public func withTarget<T: Sendable>(
        _ port: PortSpec, efuse: EfuseImage? = nil, events: @escaping EventSink,
        _ body: @escaping @Sendable (any TargetSession) throws -> T
    ) async throws -> (T, [String: String]) {
        if case .virtual(let text) = port, settings.virtualPorts?.judges(of: text).isEmpty == true {
            events(
                .note(
                    Note(
                        .info, "\(text) is judged by no peer tool: its answers are one reading of the reference manual",
                        code: .virtualUnproven)))
        }
        switch route(for: port) {
        case .qcc743:
            let value = try await withModuleSession(port, events: events) { session, lines in
                try body(ModuleTargetSession(session: session, efuse: efuse, lines: lines))
            }
            return (value, [:])
        case .stm32Serial:
            let value = try await withSTM32SerialSession(port, events: events) { session, lines in
                try body(UARTTargetSession(session: session, port: port.deviceKey, lines: lines))
            }
            return (value, [:])
        case .dfu:
            let value = try await withDFU(port, events: events) { session, _ in
                try body(try DFUTargetSession(session: session))
            }
            return (value, [:])
        case .swd:
            let rttAddress = settings.rttAddress
            return try await withSWD(port, events: events) { session in
                try body(try SWDTargetSession(session: session, rttAddress: rttAddress))
            }
        }
    }

    // MARK: serial routes

    /// Opens the port (starting a virtual device for `virtual:`), connects to the module's
    /// boot ROM (starting at the rate the adapter carried last time), and runs `body`.
    public func withModule<T: Sendable>(
        _ port: PortSpec, events: @escaping EventSink, _ body: @escaping @Sendable (QCC743Session) throws -> T
    ) async throws -> T {
        try await withModuleSession(port, events: events) { session, _ in try body(session) }
    }

    /// `withModule`, with what resets the module on this port (for its target session).
    func withModuleSession<T: Sendable>(
        _ port: PortSpec, events: @escaping EventSink,
        _ body: @escaping @Sendable (QCC743Session, SerialResetLines) throws -> T
    ) async throws -> T {
        let settings = self.settings
        return try await withSerial(port) { serial, path, pins in
            let (options, adapterSerial, sessionKey) = try settings.moduleConnectOptions(
                for: serial, path: path, events: events)
            let memory = settings.adapterMemory
            let lines = SerialResetLines(bootEntry: options.bootSequence, virtualPins: pins)
            return try QCC743Session.run(link: serial, options: options, events: events) { session in
                if let adapterSerial, session.baudLimitedFrom != nil {
                    memory?.remember(serial: adapterSerial, workingBaud: session.identity.loadBaud)
                }
                memory?.rememberSession(port: sessionKey, baud: session.identity.loadBaud)
                return try body(session, lines)
            }
        }
    }

    /// Opens the port, syncs with an STM32's system bootloader (AN3155), and runs `body`.
    public func withSTM32Serial<T: Sendable>(
        _ port: PortSpec, events: @escaping EventSink, _ body: @escaping @Sendable (STM32Session) throws -> T
    ) async throws -> T {
        try await withSTM32SerialSession(port, events: events) { session, _ in try body(session) }
    }

    /// `withSTM32Serial`, with what resets the part on this port (for its target session).
    func withSTM32SerialSession<T: Sendable>(
        _ port: PortSpec, events: @escaping EventSink,
        _ body: @escaping @Sendable (STM32Session, SerialResetLines) throws -> T
    ) async throws -> T {
        let settings = self.settings
        return try await withSerial(port) { serial, _, pins in
            let options = try settings.stm32ConnectOptions(for: serial)
            // The bootloader resets the part itself (Go, a reset stub): a virtual board's pins
            // stand in for modem lines only where --reset says the lines are wired.
            let lines = SerialResetLines(
                bootEntry: options.bootSequence, virtualPins: settings.reset == nil ? nil : pins)
            return try body(try STM32Session.connect(link: serial, options: options, events: events), lines)
        }
    }

    /// Opens a serial port (starting a virtual device for `virtual:`) with the wire trace, and
    /// runs `body` on the port's own thread with the port and its device path.
    func withSerial<T: Sendable>(
        _ port: PortSpec,
        _ body: @escaping @Sendable (SerialPort, String, (@Sendable (ResetTarget) -> Void)?) throws -> T
    ) async throws -> T {
        let setup = settings.serialSetup
        return try await withSerialAttachment(port) { path, trace, pins in
            let serial = try SerialPort.open(path, setup: setup)
            defer { serial.close() }
            serial.trace = trace
            return try body(serial, path, pins)
        }
    }

    /// Runs `body` on a thread of the port's own with the device path of a serial port (a
    /// virtual device started for `virtual:`, stopped after) and the wire trace, for callers
    /// that open the port their own way (`doctor`).
    public func withSerialPath<T: Sendable>(
        _ port: PortSpec, _ body: @escaping @Sendable (String, WireTrace?) throws -> T
    ) async throws -> T {
        try await withSerialAttachment(port) { path, trace, _ in try body(path, trace) }
    }

    /// `withSerialPath`, with a virtual board's reset pins when the port is a virtual device.
    func withSerialAttachment<T: Sendable>(
        _ port: PortSpec,
        _ body: @escaping @Sendable (String, WireTrace?, (@Sendable (ResetTarget) -> Void)?) throws -> T
    ) async throws -> T {
        let attachment: VirtualSerialAttachment?
        switch port {
        case .serial: attachment = nil
        case .virtual(let text): attachment = try virtualPorts(text).startSerial(text)
        case .usb, .stlink:
            throw BootwireError(
                .usage, "\(port) is a USB device, not a serial port", hint: "name a serial port: /dev/ttyUSB0")
        }
        defer { attachment?.stop() }
        let path = attachment?.path ?? port.description
        let trace = try settings.tracePath.map { try WireTrace(path: $0) }
        let worker = PortWorker(name: path)
        defer { worker.shutdown() }
        let pins = attachment?.reset
        return try await worker.run { try body(path, trace, pins) }
    }

    // MARK: USB routes

    /// Connects a DfuSe session and runs `body` with it (and the bus, for paths that follow the
    /// device through reboots).
    public func withDFU<T: Sendable>(
        _ port: PortSpec, events: @escaping EventSink,
        _ body: @escaping @Sendable (DfuSeSession, any USBBus) throws -> T
    ) async throws -> T {
        try await withUSB(port) { bus, record in
            events(.stage("connect", detail: "\(record.ids) \(record.serial ?? "") (ROM DFU)"))
            let session = try DfuSeSession.connect(bus: bus, record: record, events: events)
            defer { session.close() }
            return try body(session, bus)
        }
    }

    /// Opens the ST-LINK a port names, connects to the STM32 behind it, runs `body`, and
    /// always leaves debug mode. The statistics say where the USB time went.
    public func withSWD<T: Sendable>(
        _ port: PortSpec, events: @escaping EventSink, _ body: @escaping @Sendable (STM32SWDSession) throws -> T
    ) async throws -> (T, [String: String]) {
        let khz = settings.swdKHz
        return try await withUSB(port) { bus, record in
            let handle = try bus.openDiagnosed(record, interface: 0)
            defer { handle.close() }
            var options = STM32SWDSession.Options()
            if let khz { options.clockKHz = khz }
            let session = try STM32SWDSession(handle: handle, options: options, events: events)
            defer { session.close() }
            let value = try body(session)
            var out = ["swd-khz": "\(session.probe.clockKHz)", "connected": session.connectedHow]
            if let stats = (session.probe as? STLinkProbe)?.statistics {
                out["usb-transfers"] = "\(stats.total)"
                out["usb-transfers-by-kind"] = stats.breakdown
            }
            if let modelled = bus.modelledTime {
                out["usb-modelled-seconds"] = String(format: "%.3f", modelled.usbSeconds)
                if let busy = modelled.deviceBusySeconds {
                    out["flash-modelled-seconds"] = String(format: "%.3f", busy)
                }
            }
            return (value, out)
        }
    }

    /// Runs `body` on a worker thread of its own (USB calls block) with the bus and the one
    /// device on it that the port names (`usb:VID:PID[:SERIAL]`; `stlink[:SERIAL]`: every
    /// debug-capable ST-LINK). What to install comes before whether anything is plugged in:
    /// libusb is loaded first on real ports.
    func withUSB<T: Sendable>(
        _ port: PortSpec,
        _ body: @escaping @Sendable (any USBBus, USBDeviceRecord) throws -> T
    ) async throws -> T {
        let attached = try usbBus(for: port)
        let bus = try traced(attached.bus)
        let worker = PortWorker(name: port.description)
        defer { worker.shutdown() }
        return try await worker.run { try body(bus, try bus.find(attached.match)) }
    }

    /// --trace: every transfer, through the one wrapper at the seam (DFU and ST-LINK alike).
    func traced(_ bus: any USBBus) throws -> any USBBus {
        try settings.tracePath.map { TracedUSBBus(bus, trace: try WireTrace(path: $0)) } ?? bus
    }

    /// The bus a USB port lives on and what finds the device there: a virtual device's own bus,
    /// else libusb (loaded first: what to install comes before whether anything is plugged in).
    public func usbBus(for port: PortSpec) throws -> USBAttachment {
        switch port {
        case .virtual(let text):
            return try virtualPorts(text).startUSB(text)
        case .usb(let match):
            return USBAttachment(bus: try loadLibUSB(), match: match)
        case .stlink:
            return USBAttachment(bus: try loadLibUSB(), match: try STLinkProbeKind.match(port: port.description))
        case .serial:
            throw BootwireError(
                .usage, "\(port) is a serial port, not a USB device",
                hint: "name the USB device: usb:0483:df11 (DFU) or stlink (SWD)")
        }
    }

    func loadLibUSB() throws -> LibUSBBus {
        let bus = LibUSBBus(libraryPath: settings.libusbPath)
        try bus.load()
        return bus
    }

    func virtualPorts(_ text: String) throws -> any VirtualPorts {
        guard let host = settings.virtualPorts else {
            throw BootwireError(
                .unknownVirtualDevice, "\(text): virtual devices are not part of this program",
                hint: "run it with the bootwire command, which has them")
        }
        return host
    }
}

extension TargetSettings {
    /// The module's connect options with what this adapter and port did before: the rate the
    /// adapter carried, and the rate the last session left the module at (a module without
    /// reset lines stays in its ROM there). Also the adapter's serial and the port's key in
    /// the adapter memory.
    func moduleConnectOptions(for serial: SerialPort, path: String, events: EventSink) throws -> (
        ConnectOptions, adapterSerial: String?, sessionKey: String
    ) {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let adapterSerial = PortDiscovery.list().first { $0.path == resolved }?.serialNumber
        var options = try moduleConnectOptions(for: serial)
        let memory = adapterMemory
        if let adapterSerial, let limit = memory?.limit(forSerial: adapterSerial), limit < options.loadBaud {
            events(.note(.info("adapter \(adapterSerial) carried only \(limit) baud last time: starting there")))
            options.loadBaud = limit
        }
        let sessionKey = adapterSerial ?? path
        options.previousSessionBaud = memory?.lastSession(port: sessionKey)?.baud
        return (options, adapterSerial, sessionKey)
    }

    /// The STM32 bootloader's connect options for an opened port: `--baud` (115200), the
    /// attempts, and the boot entry (`--reset`; a person where the port has no DTR/RTS).
    public func stm32ConnectOptions(for link: any Link) throws -> STM32ConnectOptions {
        var options = STM32ConnectOptions()
        options.baud = baud ?? 115_200
        options.syncAttempts = max(1, connectAttempts)
        if let reset {
            options.bootSequence = try BootSequence.parse(reset)
        } else if !link.capabilities.modemLines && !link.capabilities.isPseudoTerminal {
            options.bootSequence = try BootSequence.parse("manual")
        }
        return options
    }

    /// The module's connect options for an opened port. Default boot entry: the vendor's
    /// sequence where DTR/RTS exist; a person where they do not; nothing on a pseudo-terminal,
    /// whose virtual device resets when the port opens.
    public func moduleConnectOptions(for link: any Link) throws -> ConnectOptions {
        var options = ConnectOptions()
        options.bootBaud = bootBaud
        options.loadBaud = baud ?? 2_000_000
        options.syncAttempts = max(1, connectAttempts)
        options.fallback = baudFallback
        options.patience = patience
        if let reset {
            options.bootSequence = try BootSequence.parse(reset)
        } else if link.capabilities.modemLines {
            options.bootSequence = try BootSequence.parse("qconn")
        } else if !link.capabilities.isPseudoTerminal {
            options.bootSequence = try BootSequence.parse("manual")
        }
        return options
    }
}

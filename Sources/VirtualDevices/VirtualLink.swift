import BootwireCore

/// A `Link` straight to a virtual device, in memory, on a `SimulatedClock`: the same line as
/// `VirtualDeviceRunner` (wire model, faults, the device's quiet time) without a pty or a
/// thread. The device runs on the host's thread inside `write` and `read`; a read that finds
/// nothing moves the clock to the next byte or the deadline. A 2 s ROM idle timeout, a
/// reconnect or a minute's hold costs no wall-clock time, and every run takes the same path.
public final class VirtualLink: Link, @unchecked Sendable {
    public let name: String
    public let clock: any WaitClock
    public private(set) var settings = LineSettings(baud: 115_200, parity: .none)
    /// Like a pseudo-terminal's: no modem lines, so opening the link resets the device instead.
    public let capabilities = LinkCapabilities(modemLines: false, parity: false, isPseudoTerminal: true)
    public var device: any VirtualDevice { line.device }
    public var statistics: WireStatistics { line.statistics }

    private let line: DeviceLine
    /// What the device sent, each piece with the instant it reaches the host.
    private var incoming: [Arrival] = []

    private struct Arrival {
        var bytes: [UInt8]
        let at: UInt64
    }
    private var unplugged = false

    /// Opens the link: the device resets, as a pty runner resets it when a host opens the port.
    public init(
        device: any VirtualDevice, wire: WireModel = .instant, faults: [Fault] = [],
        clock: SimulatedClock = SimulatedClock(), resetOnOpen: Bool = true, name: String = "virtual (in memory)"
    ) {
        self.name = name
        self.clock = clock
        line = DeviceLine(device: device, wire: wire, faults: faults, clock: clock)
        line.host = self
        line.opened()
        if resetOnOpen { device.reset() }
    }

    @discardableResult
    public func configure(baud: Int, parity: Parity) throws -> [Note] {
        try checkPlugged()
        line.idleTick()
        settings = LineSettings(baud: baud, parity: parity)
        return []
    }

    public func write(_ bytes: [UInt8]) throws {
        try checkPlugged()
        line.idleTick()
        line.hostWrote(bytes)
    }

    public func read(max: Int, deadline: Deadline) throws -> [UInt8] {
        precondition(deadline.clock === clock, "a deadline on another clock than the link's")
        while true {
            try checkPlugged()
            if let first = incoming.first, first.at <= deadline.nanoseconds {
                if first.at > clock.now() { clock.sleep(until: first.at) }
                return take(max)
            }
            if deadline.nanoseconds > clock.now() { clock.sleep(until: deadline.nanoseconds) }
            line.idleTick()
            // The quiet time may have made the device say something, now.
            if incoming.first.map({ $0.at <= clock.now() }) == true { return take(max) }
            return []
        }
    }

    /// Bytes that have arrived by now, at most `max`.
    private func take(_ max: Int) -> [UInt8] {
        var out: [UInt8] = []
        let now = clock.now()
        while out.count < max, let first = incoming.first, first.at <= now {
            let room = max - out.count
            if first.bytes.count <= room {
                out += first.bytes
                incoming.removeFirst()
            } else {
                out += first.bytes.prefix(room)
                incoming[0].bytes.removeFirst(room)
            }
        }
        return out
    }

    public func flushInput() throws {
        try checkPlugged()
        let now = clock.now()
        incoming.removeAll { $0.at <= now }
    }

    public func drain() throws { try checkPlugged() }

    public func setModemLine(_ line: ModemLine, asserted: Bool) throws {
        throw BootwireError(.portIO, "\(name) has no modem lines")
    }

    private func checkPlugged() throws {
        guard !unplugged else {
            throw BootwireError(
                .deviceDisconnected, "\(name) went away during the session",
                hint: "check the USB cable and the adapter; run the same command again to resume")
        }
    }
}

extension VirtualLink: LineHost {
    var hostBaud: Int { settings.baud }

    func put(_ bytes: [UInt8], at instant: UInt64) {
        incoming.append(Arrival(bytes: bytes, at: instant))
    }

    /// The device's work moves its own line time on (`DeviceLine` stamps what it says after
    /// it); the host's clock moves only when the host waits.
    func hold(until instant: UInt64) {}

    func unplug() {
        unplugged = true
        incoming = []
    }
}

/// What a link can do. Ports differ: a pseudo-terminal has no parity and no modem lines, a
/// USB-serial bridge has both; the layers above ask instead of failing.
public struct LinkCapabilities: Sendable, Equatable {
    public var modemLines: Bool
    public var parity: Bool
    public var isPseudoTerminal: Bool
    /// What the bridge answered when asked for its lowest latency on open.
    public var latency: BridgeLatency

    public init(modemLines: Bool, parity: Bool, isPseudoTerminal: Bool, latency: BridgeLatency = .notAsked) {
        self.modemLines = modemLines
        self.parity = parity
        self.isPseudoTerminal = isPseudoTerminal
        self.latency = latency
    }
}

public enum Parity: String, Sendable, Equatable {
    case none, even
}

public enum ModemLine: String, Sendable, Equatable {
    case dtr, rts
}

/// Line settings as read back from the port after they were applied.
public struct LineSettings: Sendable, Equatable {
    public var baud: Int
    public var parity: Parity

    public init(baud: Int, parity: Parity) {
        self.baud = baud
        self.parity = parity
    }
}

/// A byte pipe to a device. `SerialPort` is the real one; tests may substitute others where
/// exact timing matters. Every method blocks: call them from a `PortWorker`, never from the
/// cooperative pool.
public protocol Link: AnyObject {
    var name: String { get }
    var capabilities: LinkCapabilities { get }
    var settings: LineSettings { get }

    /// Applies rate and parity and reads them back. Differences a pseudo-terminal cannot help
    /// are returned as warnings; differences a real port should not have are thrown.
    @discardableResult
    func configure(baud: Int, parity: Parity) throws -> [Note]
    func write(_ bytes: [UInt8]) throws
    /// Whatever arrives before the deadline, at most `max` bytes; empty when nothing came.
    func read(max: Int, deadline: Deadline) throws -> [UInt8]
    func flushInput() throws
    func drain() throws
    func setModemLine(_ line: ModemLine, asserted: Bool) throws
    /// A line in the wire trace (`--trace`) between the bytes, saying what the host decided.
    func traceEvent(_ text: String)
    /// The clock every wait on this link runs on: the monotonic one for a port, a simulated one
    /// for an in-memory link to a virtual device.
    var clock: any WaitClock { get }
}

extension Link {
    /// Links without a trace have nowhere to say it.
    public func traceEvent(_ text: String) {}

    public var clock: any WaitClock { MonotonicClock.shared }
}

extension Link {
    /// Exactly `count` bytes, or fewer if the deadline passes first.
    public func read(exactly count: Int, deadline: Deadline) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            let chunk = try read(max: count - bytes.count, deadline: deadline)
            if chunk.isEmpty { break }
            bytes += chunk
        }
        return bytes
    }

    /// Everything that arrives until the line has been quiet for `quiet` ms or the deadline passes.
    public func readUntilQuiet(quietMilliseconds quiet: Int, deadline: Deadline, max: Int = 4096) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < max && !deadline.hasPassed {
            let next = Swift.min(deadline, deadline.clock.after(milliseconds: quiet))
            let chunk = try read(max: max - bytes.count, deadline: next)
            if chunk.isEmpty {
                if !bytes.isEmpty { break }
                continue
            }
            bytes += chunk
        }
        return bytes
    }
}

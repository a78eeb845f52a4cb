import BootwireCore
import Foundation

/// The host's end of a `DeviceLine`: a pseudo-terminal (`VirtualDeviceRunner`) or memory
/// (`VirtualLink`).
protocol LineHost: AnyObject {
    /// The rate the host's UART is set to.
    var hostBaud: Int { get }
    /// Bytes that reach the host at `instant` on the line's clock.
    func put(_ bytes: [UInt8], at instant: UInt64)
    /// The device works until `instant`: a pty runner sleeps, so the host's next bytes wait in
    /// the pty; in memory they are taken at once and what the device says is stamped later.
    func hold(until instant: UInt64)
    /// The cable is pulled: the host's end goes away.
    func unplug()
}

/// A device's end of a serial line: the wire model (rate check, pacing, latency), the
/// wire-level faults and the device's quiet time, on one clock. The pty runner and the
/// in-memory link share it, so a test in simulated time runs the same line as a port.
final class DeviceLine {
    let device: any VirtualDevice
    let wire: WireModel
    let faults: [Fault]
    let clock: any WaitClock
    /// The USB-serial bridge: when set, its latency timer (which a host may lower) holds each
    /// reply instead of the wire model's fixed latency.
    var bridge: VirtualBridge?
    weak var host: (any LineHost)?

    private let lock = NSLock()
    private var counters = WireStatistics()
    private var hostBytes = 0
    private var resetFired = false
    private var unplugged = false
    private var lastActivity: UInt64
    private var lineFreeAt: UInt64 = 0
    private var lastDirectionWasHost = false

    init(device: any VirtualDevice, wire: WireModel, faults: [Fault], clock: any WaitClock) {
        self.device = device
        self.wire = wire
        self.faults = faults
        self.clock = clock
        lastActivity = clock.now()
        device.use(clock: clock)
    }

    var statistics: WireStatistics { lock.withLock { counters } }

    private func count(_ update: (inout WireStatistics) -> Void) {
        lock.lock()
        update(&counters)
        lock.unlock()
    }

    /// A host opened the line: its quiet time starts now.
    func opened() {
        lastActivity = clock.now()
    }

    /// A fresh line after an unplug: the host's bytes count from zero.
    func replugged() {
        hostBytes = 0
    }

    /// Tells the device how long the line has been quiet. Bytes still on the wire (realistic
    /// pacing puts `lineFreeAt` in the future) are not quiet time.
    func idleTick() {
        let quietSince = max(lastActivity, lineFreeAt)
        let now = clock.now()
        guard now > quietSince else { return }
        execute(device.idle(milliseconds: Int((now - quietSince) / 1_000_000)))
    }

    func hostWrote(_ incoming: [UInt8]) {
        lastActivity = clock.now()
        guard !faults.isEmpty else {
            hostBytes += incoming.count
            deliver(incoming)
            return
        }
        // Bytes go through the faults one by one, in order; what passed reaches the device
        // before a fault acts, even within one read.
        var passed: [UInt8] = []
        for var byte in incoming {
            hostBytes += 1
            for fault in faults {
                switch fault {
                case .disconnectAfter(let limit) where hostBytes > limit && !unplugged:
                    deliver(passed)
                    unplug()
                    return
                case .corrupt(let every) where hostBytes % every == 0:
                    byte ^= UInt8(1 << (hostBytes / every % 8))
                default:
                    break
                }
            }
            passed.append(byte)
            for case .resetAfter(let limit) in faults where hostBytes == limit && !resetFired {
                resetFired = true
                // Everything up to here reached the chip; it resets before the rest.
                deliver(passed)
                passed = []
                device.log?("fault: reset after \(limit) bytes")
                device.reset()
            }
        }
        deliver(passed)
    }

    private func deliver(_ bytes: [UInt8]) {
        guard !bytes.isEmpty, let host else { return }
        if faults.contains(.silent) { return }
        if faults.contains(.echo) {
            host.put(bytes, at: clock.now())
            return
        }
        let hostBaud = host.hostBaud
        if blockedByAdapter(hostBaud) { return }
        // The bytes arrive one after another at the host's rate, after the bridge's latency.
        var start = max(clock.now(), lineFreeAt)
        if !lastDirectionWasHost { start += wire.latencyNanoseconds }
        lineFreeAt = start + wire.wireTime(bytes: bytes.count, baud: hostBaud)
        count {
            $0.hostBytes += bytes.count
            $0.wireNanoseconds += WireModel(pacing: .realistic, bitsPerByte: wire.bitsPerByte).wireTime(
                bytes: bytes.count, baud: hostBaud)
            if !lastDirectionWasHost { $0.turnarounds += 1 }
        }
        lastDirectionWasHost = true
        device.hostRate(hostBaud)
        let actions =
            Self.sameRate(hostBaud, device.listeningBaud)
            ? device.receive(bytes) : device.receiveNoise(count: bytes.count)
        execute(actions)
    }

    private func execute(_ actions: [DeviceAction]) {
        for action in actions {
            switch action {
            case .busy(let ns):
                count { $0.busyNanoseconds += ns }
                guard wire.isRealistic else { continue }
                lineFreeAt = max(lineFreeAt, clock.now()) + ns
                host?.hold(until: lineFreeAt)
            case .send(let bytes, let baud):
                send(bytes, deviceBaud: baud)
            }
            lastActivity = clock.now()
        }
    }

    private func send(_ bytes: [UInt8], deviceBaud: Int) {
        guard let host else { return }
        let hostBaud = host.hostBaud
        if blockedByAdapter(max(hostBaud, deviceBaud)) || faults.contains(.silent) { return }
        let seen =
            Self.sameRate(hostBaud, deviceBaud) ? bytes : Self.junk(bytes, deviceBaud: deviceBaud, hostBaud: hostBaud)
        var at = max(clock.now(), lineFreeAt)
        if lastDirectionWasHost {
            at += bridge.map { wire.isRealistic ? $0.holdNanoseconds : 0 } ?? wire.latencyNanoseconds
        }
        count {
            $0.deviceBytes += seen.count
            $0.wireNanoseconds += WireModel(pacing: .realistic, bitsPerByte: wire.bitsPerByte).wireTime(
                bytes: seen.count, baud: deviceBaud)
            if lastDirectionWasHost { $0.turnarounds += 1 }
        }
        lastDirectionWasHost = false
        guard wire.isRealistic else {
            host.put(seen, at: clock.now())
            return
        }
        // Paced in small pieces so the host sees bytes arrive at the line rate.
        var offset = 0
        while offset < seen.count {
            let piece = Array(seen[offset..<min(offset + Self.pacingPiece, seen.count)])
            at += wire.wireTime(bytes: piece.count, baud: deviceBaud)
            host.put(piece, at: at)
            offset += piece.count
        }
        lineFreeAt = at
    }

    /// Bytes written per paced step: about a millisecond of line time at 2 Mbaud, small enough
    /// that a host sees bytes arrive at the line rate, large enough that wake-ups do not add up.
    static let pacingPiece = 256

    private func blockedByAdapter(_ baud: Int) -> Bool {
        faults.contains { if case .baudLimit(let limit) = $0 { baud > limit } else { false } }
    }

    private func unplug() {
        // A cable is pulled once; the re-plugged port then works, as a person's fix would.
        unplugged = true
        device.log?("fault: cable pulled after \(hostBytes - 1) bytes")
        host?.unplug()
        hostBytes = 0
        device.reset()
    }

    /// UARTs tolerate a few percent between the ends; more is framing junk.
    static func sameRate(_ a: Int, _ b: Int) -> Bool {
        guard a > 0, b > 0 else { return false }
        return abs(a - b) * 100 <= 3 * max(a, b)
    }

    /// What bytes sent at one rate look like to a UART at another: a faster receiver sees each
    /// byte as several, mostly 1-bits; a slower one sees fewer, mangled bytes. Deterministic, so
    /// tests can rely on it; the shape resembles field reports (`c127bd4141414141…`).
    static func junk(_ bytes: [UInt8], deviceBaud: Int, hostBaud: Int) -> [UInt8] {
        guard hostBaud > 0, deviceBaud > 0 else { return [] }
        var out: [UInt8] = []
        if hostBaud > deviceBaud {
            let per = max(1, hostBaud / deviceBaud)
            for byte in bytes {
                out.append(byte &* 0x9D | 0x01)
                out += [UInt8](repeating: byte & 0x01 == 0 ? 0x41 : 0x05, count: per - 1)
            }
        } else {
            let every = max(1, deviceBaud / hostBaud)
            for (i, byte) in bytes.enumerated() where i % every == 0 { out.append(byte & 0xF0 | 0x80) }
        }
        return out
    }
}

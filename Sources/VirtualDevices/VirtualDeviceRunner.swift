import BootwireCore
import Foundation

/// Connects a `VirtualDevice` to a pseudo-terminal on a thread of its own: reads what the host
/// writes, applies the wire model (rate check, pacing, latency) and the wire-level faults, and
/// writes the device's answers. Each time a host opens the port counts as a reset of the
/// device (the boot-entry pulse a real adapter's modem lines would give, which a pty cannot
/// carry), unless `resetOnOpen` is off.
public final class VirtualDeviceRunner: @unchecked Sendable {
    public let device: any VirtualDevice
    public let wire: WireModel
    public let faults: [Fault]
    public var resetOnOpen = true
    /// Where to keep a symlink to the current slave path (re-pointed after a disconnect).
    public let linkPath: String?
    /// Told the new slave path after a simulated unplug and re-plug.
    public var onPortChanged: (@Sendable (String) -> Void)?
    /// The USB-serial bridge: when set, its latency timer (which a host may lower) holds each
    /// reply instead of the wire model's fixed latency.
    public var bridge: VirtualBridge?

    private var pty: PseudoTerminal
    private let lock = NSLock()
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)
    private var started = false

    // Wire state, owned by the runner thread.
    private var sessionOpen = false
    private var hostBytes = 0
    private var resetFired = false
    private var unplugged = false
    private var lastActivity = MonotonicClock.now()
    private var lineFreeAt: UInt64 = 0
    private var lastDirectionWasHost = false
    private var counters = WireStatistics()

    public init(device: any VirtualDevice, wire: WireModel = .instant, faults: [Fault] = [], linkPath: String? = nil)
        throws
    {
        self.device = device
        self.wire = wire
        self.faults = faults
        self.linkPath = linkPath
        pty = try PseudoTerminal()
        try relink()
    }

    /// The path a host opens, like /dev/pts/7.
    public var slavePath: String {
        lock.lock()
        defer { lock.unlock() }
        return pty.slavePath
    }

    /// The path to give a host: the symlink when there is one.
    public var portPath: String { linkPath ?? slavePath }

    /// What crossed the wire and what the device worked, in the wire model's terms: the floor
    /// any host could reach over this device.
    public var statistics: WireStatistics {
        lock.lock()
        defer { lock.unlock() }
        return counters
    }

    private func count(_ update: (inout WireStatistics) -> Void) {
        lock.lock()
        update(&counters)
        lock.unlock()
    }

    public func start() {
        guard !started else { return }
        started = true
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "bootwire.virtual-device"
        thread.start()
    }

    /// Runs once the device thread has stopped (a `state=` port saves its flash here).
    public var afterStop: (@Sendable () -> Void)?

    /// Stops the device thread and waits for it; the device's state can be read afterwards.
    public func stop() {
        lock.lock()
        stopping = true
        lock.unlock()
        if started {
            finished.wait()
            started = false
            afterStop?()
        }
        // Only our own link goes: whatever replaced it since is not ours to remove.
        if let linkPath, (try? FileManager.default.destinationOfSymbolicLink(atPath: linkPath)) == slavePath {
            try? FileManager.default.removeItem(atPath: linkPath)
        }
    }

    private var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    private func relink() throws {
        guard let linkPath else { return }
        let fm = FileManager.default
        // Only a link this runner made (to a pseudo-terminal) is replaced: `--link /dev/null`
        // once deleted /dev/null (issue #23). Anything else at the path is refused.
        if let target = try? fm.destinationOfSymbolicLink(atPath: linkPath) {
            guard target.hasPrefix("/dev/pts/") else {
                throw BootwireError(
                    .usage, "\(linkPath) is a link to \(target), not to a virtual port: not replacing it",
                    hint: "give --link a path where nothing exists yet")
            }
            try? fm.removeItem(atPath: linkPath)
        } else if (try? fm.attributesOfItem(atPath: linkPath)) != nil {
            throw BootwireError(
                .usage, "\(linkPath) exists: not replacing it with a link",
                hint: "give --link a path where nothing exists yet")
        }
        do {
            try fm.createSymbolicLink(atPath: linkPath, withDestinationPath: pty.slavePath)
        } catch {
            throw BootwireError(
                .portIO, "cannot create the link \(linkPath)", hint: "choose a path in a writable folder")
        }
    }

    // MARK: the loop

    private func run() {
        while !isStopping {
            switch pty.read(timeoutMilliseconds: 5) {
            case .clientClosed:
                if sessionOpen {
                    sessionOpen = false
                    device.log?("host closed the port")
                }
                // The chip's UART timer runs on while no host holds the port.
                idleTick()
                MonotonicClock.sleep(milliseconds: 5)
            case .timeout:
                if !sessionOpen && !pty.clientClosed { openSession() }
                idleTick()
            case .bytes(let bytes):
                if !sessionOpen { openSession() }
                lastActivity = MonotonicClock.now()
                hostWrote(bytes)
            }
        }
    }

    /// Tells the device how long the line has been quiet. Bytes still on the wire (realistic
    /// pacing puts `lineFreeAt` in the future) are not quiet time.
    private func idleTick() {
        let quietSince = max(lastActivity, lineFreeAt)
        let now = MonotonicClock.now()
        guard now > quietSince else { return }
        execute(device.idle(milliseconds: Int((now - quietSince) / 1_000_000)))
    }

    private func openSession() {
        sessionOpen = true
        lastActivity = MonotonicClock.now()
        device.log?("host opened the port")
        if resetOnOpen { device.reset() }
    }

    private func hostWrote(_ incoming: [UInt8]) {
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
        guard !bytes.isEmpty else { return }
        if faults.contains(.silent) { return }
        if faults.contains(.echo) {
            pty.write(bytes)
            return
        }
        let hostBaud = pty.clientBaud
        if blockedByAdapter(hostBaud) { return }
        // The bytes arrive one after another at the host's rate, after the bridge's latency.
        var start = max(MonotonicClock.now(), lineFreeAt)
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
                lineFreeAt = max(lineFreeAt, MonotonicClock.now()) + ns
                MonotonicClock.sleep(until: lineFreeAt)
            case .send(let bytes, let baud):
                send(bytes, deviceBaud: baud)
            }
            lastActivity = MonotonicClock.now()
        }
    }

    private func send(_ bytes: [UInt8], deviceBaud: Int) {
        let hostBaud = pty.clientBaud
        if blockedByAdapter(max(hostBaud, deviceBaud)) || faults.contains(.silent) { return }
        let seen =
            Self.sameRate(hostBaud, deviceBaud) ? bytes : Self.junk(bytes, deviceBaud: deviceBaud, hostBaud: hostBaud)
        var at = max(MonotonicClock.now(), lineFreeAt)
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
            pty.write(seen)
            return
        }
        // Paced in small pieces so the host sees bytes arrive at the line rate.
        var offset = 0
        while offset < seen.count {
            let piece = Array(seen[offset..<min(offset + Self.pacingPiece, seen.count)])
            at += wire.wireTime(bytes: piece.count, baud: deviceBaud)
            MonotonicClock.sleep(until: at)
            pty.write(piece)
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
        let old = pty
        guard let fresh = try? PseudoTerminal() else { return }
        lock.lock()
        pty = fresh
        lock.unlock()
        _ = old  // released here: the host sees the line go away
        sessionOpen = false
        hostBytes = 0
        try? relink()
        try? bridge?.plug(ttyPath: fresh.slavePath)
        device.reset()
        onPortChanged?(fresh.slavePath)
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

/// Totals over a runner's life, for benchmarks: the floor a host could reach is the wire time
/// plus the device's work plus the bridge latency at each turnaround.
public struct WireStatistics: Sendable, Equatable, Codable {
    public var hostBytes = 0
    public var deviceBytes = 0
    public var wireNanoseconds: UInt64 = 0
    public var busyNanoseconds: UInt64 = 0
    public var turnarounds = 0

    public init() {}

    public func floorSeconds(latencyMilliseconds: Double) -> Double {
        Double(wireNanoseconds + busyNanoseconds) / 1e9 + Double(turnarounds) * latencyMilliseconds / 1000
    }
}

import BootwireCore
import Foundation

/// Connects a `VirtualDevice` to a pseudo-terminal on a thread of its own: reads what the host
/// writes, applies the wire model (rate check, pacing, latency) and the wire-level faults, and
/// writes the device's answers. Each time a host opens the port counts as a reset of the
/// device (the boot-entry pulse a real adapter's modem lines would give, which a pty cannot
/// carry), unless `resetOnOpen` is off.
public final class VirtualDeviceRunner: @unchecked Sendable {
    public var device: any VirtualDevice { line.device }
    public var wire: WireModel { line.wire }
    public var faults: [Fault] { line.faults }
    public var resetOnOpen = true
    /// Where to keep a symlink to the current slave path (re-pointed after a disconnect).
    public let linkPath: String?
    /// Told the new slave path after a simulated unplug and re-plug.
    public var onPortChanged: (@Sendable (String) -> Void)?
    /// The USB-serial bridge: when set, its latency timer (which a host may lower) holds each
    /// reply instead of the wire model's fixed latency.
    public var bridge: VirtualBridge? {
        get { line.bridge }
        set { line.bridge = newValue }
    }

    private let line: DeviceLine
    private var pty: PseudoTerminal
    private let lock = NSLock()
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)
    private var started = false

    /// Board resets asked for by the host's thread, run on the runner's (which owns the device).
    private var pendingResets: [(application: Bool, done: DispatchSemaphore)] = []

    // Owned by the runner thread.
    private var sessionOpen = false
    private var closedSessions = 0

    public init(device: any VirtualDevice, wire: WireModel = .instant, faults: [Fault] = [], linkPath: String? = nil)
        throws
    {
        line = DeviceLine(device: device, wire: wire, faults: faults, clock: MonotonicClock.shared)
        self.linkPath = linkPath
        pty = try PseudoTerminal()
        line.host = self
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
    public var statistics: WireStatistics { line.statistics }

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
        if let linkPath { OwnedPath.release(linkPath, as: .terminalLink) }
    }

    /// Host sessions (an open that carried bytes, then a close) the runner has seen end. A test
    /// that closes the port and opens it again waits for this instead of sleeping: the runner
    /// polls, and a loaded machine may take longer than any fixed sleep to notice.
    public var hostSessionsEnded: Int { lock.withLock { closedSessions } }

    /// Waits until the runner has seen `count` host sessions end; false after `milliseconds`.
    public func waitForHostSessionsEnded(_ count: Int, milliseconds: Int = 10_000) -> Bool {
        let deadline = Deadline.after(milliseconds: milliseconds)
        while hostSessionsEnded < count {
            if deadline.hasPassed { return false }
            MonotonicClock.sleep(milliseconds: 1)
        }
        return true
    }

    /// The board's reset pin with the boot pin low (`application`) or high: what an adapter's
    /// DTR/RTS would do, which a pseudo-terminal cannot carry. Returns once the device has reset.
    public func resetDevice(application: Bool) {
        let done = DispatchSemaphore(value: 0)
        lock.withLock { pendingResets.append((application, done)) }
        if started { _ = done.wait(timeout: .now() + .seconds(5)) }
    }

    private var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    private func relink() throws {
        guard let linkPath else { return }
        // Only a stale link of ours is replaced: never a folder or a file someone named by mistake.
        try OwnedPath.claim(linkPath, as: .terminalLink, option: "--link")
        do {
            try FileManager.default.createSymbolicLink(atPath: linkPath, withDestinationPath: pty.slavePath)
        } catch {
            throw BootwireError(
                .portIO, "cannot create the link \(linkPath)", hint: "choose a path in a writable folder")
        }
    }

    // MARK: the loop

    private func run() {
        while !isStopping {
            for reset in lock.withLock({ () -> [(application: Bool, done: DispatchSemaphore)] in
                defer { pendingResets = [] }
                return pendingResets
            }) {
                device.log?("board reset, boot pin \(reset.application ? "low" : "high")")
                device.reset(application: reset.application)
                reset.done.signal()
            }
            switch pty.read(timeoutMilliseconds: 5) {
            case .clientClosed:
                if sessionOpen {
                    sessionOpen = false
                    lock.withLock { closedSessions += 1 }
                    device.log?("host closed the port")
                }
                // The chip's UART timer runs on while no host holds the port.
                line.idleTick()
                MonotonicClock.sleep(milliseconds: 5)
            case .timeout:
                if !sessionOpen && !pty.clientClosed { openSession() }
                line.idleTick()
            case .bytes(let bytes):
                if !sessionOpen { openSession() }
                line.hostWrote(bytes)
            }
        }
    }

    private func openSession() {
        sessionOpen = true
        line.opened()
        device.log?("host opened the port")
        if resetOnOpen { device.reset() }
    }
}

extension VirtualDeviceRunner: LineHost {
    var hostBaud: Int { pty.clientBaud }

    func put(_ bytes: [UInt8], at instant: UInt64) {
        MonotonicClock.sleep(until: instant)
        pty.write(bytes)
    }

    func hold(until instant: UInt64) {
        MonotonicClock.sleep(until: instant)
    }

    func unplug() {
        let old = pty
        guard let fresh = try? PseudoTerminal() else { return }
        lock.lock()
        pty = fresh
        lock.unlock()
        _ = old  // released here: the host sees the line go away
        sessionOpen = false
        try? relink()
        try? bridge?.plug(ttyPath: fresh.slavePath)
        onPortChanged?(fresh.slavePath)
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

import BootwireCore

/// One line of the application's output: the text without its line ending, and when its first
/// byte came, in seconds since the monitor started (on the monitor's clock).
public struct ConsoleLine: Sendable, Equatable {
    public var text: String
    public var seconds: Double
    /// False for text shown without a newline: a prompt, or what was pending at the end.
    public var complete: Bool

    public init(text: String, seconds: Double, complete: Bool = true) {
        self.text = text
        self.seconds = seconds
        self.complete = complete
    }
}

/// When a monitor stops by itself; with neither, it runs until `shouldStop` says so (Ctrl-C).
public struct MonitorLimits: Sendable, Equatable {
    /// Stop after this long (`--for`).
    public var duration: Duration?
    /// Stop at the first output that contains this text (`--until`); with `duration`, never
    /// seeing it is the `monitor-timeout` error.
    public var until: String?
    /// How long one read waits before the monitor looks at its stop conditions and input again.
    public var readSlice: Duration = .milliseconds(50)
    /// Text without a newline is shown after this much quiet (a prompt waits for input).
    public var partialLineAfter: Duration = .milliseconds(200)

    public init(duration: Duration? = nil, until: String? = nil) {
        self.duration = duration
        self.until = until
    }
}

/// Why a monitor ended, and what it saw.
public struct MonitorOutcome: Sendable, Equatable {
    public enum End: String, Sendable {
        /// The caller stopped it (Ctrl-C).
        case stopped
        /// `duration` passed.
        case duration
        /// `until` was seen.
        case matched
    }

    public var end: End
    public var bytes = 0
    public var lines = 0
    public var seconds = 0.0
}

/// Watches an application's console: reads it, splits lines, stamps each with the time its
/// first byte came, forwards input, and stops on the first stop condition. The CLI renders the
/// lines and feeds stdin; everything time-dependent runs on `clock`, so tests use a simulated one.
public final class ConsoleMonitor {
    let console: any TargetConsole
    let clock: any WaitClock
    public let limits: MonitorLimits

    private var pending: [UInt8] = []
    private var pendingStarted: UInt64 = 0
    private var lastByte: UInt64 = 0

    public init(console: any TargetConsole, clock: any WaitClock = MonotonicClock.shared, limits: MonitorLimits) {
        self.console = console
        self.clock = clock
        self.limits = limits
    }

    /// Runs until a stop condition. `input` is asked before each read for bytes to send to the
    /// application (stdin); `shouldStop` is asked as often; `onLine` gets each line as it ends.
    public func run(
        input: () -> [UInt8] = { [] }, shouldStop: () -> Bool = { false }, onLine: (ConsoleLine) -> Void
    ) throws -> MonitorOutcome {
        let start = clock.now()
        let end = limits.duration.map { start + $0.nanoseconds }
        var outcome = MonitorOutcome(end: .stopped)
        func seconds(_ instant: UInt64) -> Double { Double(instant - min(instant, start)) / 1e9 }
        func emit(complete: Bool) {
            var text = String(decoding: pending, as: UTF8.self)
            if text.hasSuffix("\r") { text.removeLast() }
            onLine(ConsoleLine(text: text, seconds: seconds(pendingStarted), complete: complete))
            outcome.lines += 1
            pending = []
        }
        func finish(_ reason: MonitorOutcome.End) -> MonitorOutcome {
            if !pending.isEmpty { emit(complete: false) }
            outcome.end = reason
            outcome.seconds = seconds(clock.now())
            return outcome
        }
        while true {
            if shouldStop() { return finish(.stopped) }
            if let end, clock.now() >= end {
                let result = finish(.duration)
                if let until = limits.until {
                    throw BootwireError(
                        .monitorTimeout,
                        "`\(until)` did not appear in the application's output within \(String(format: "%g", result.seconds)) s",
                        evidence: ["lines": "\(result.lines)", "bytes": "\(result.bytes)"])
                }
                return result
            }
            let typed = input()
            if !typed.isEmpty { _ = try console.write(typed) }
            var slice = limits.readSlice
            if let end { slice = min(slice, clock.remaining(until: end)) }
            let bytes = try console.read(timeout: slice)
            let now = clock.now()
            if bytes.isEmpty {
                if !pending.isEmpty, now - lastByte >= limits.partialLineAfter.nanoseconds {
                    if matches(pending) { return finish(.matched) }
                    emit(complete: false)
                }
                continue
            }
            outcome.bytes += bytes.count
            lastByte = now
            for byte in bytes {
                if pending.isEmpty { pendingStarted = now }
                if byte == 0x0A {
                    let matched = matches(pending)
                    emit(complete: true)
                    // The first match ends it: what came after it in the same read is not shown.
                    if matched { return finish(.matched) }
                } else {
                    pending.append(byte)
                }
            }
            if matches(pending) { return finish(.matched) }
        }
    }

    private func matches(_ line: [UInt8]) -> Bool {
        guard let until = limits.until, !until.isEmpty else { return false }
        return String(decoding: line, as: UTF8.self).contains(until)
    }
}

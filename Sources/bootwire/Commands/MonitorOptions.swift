import ArgumentParser
import BootwireCore
import Dispatch
import Foundation
import Targets

#if canImport(Glibc)
    import Glibc
#endif

/// After a flash (`flash --monitor`, `run`): reset into the application and show its console.
/// The session says how its route reaches the console (`TargetSession.console`); nothing here
/// knows a route. The monitor loop is the library's (`ConsoleMonitor`); this renders its lines
/// and feeds it stdin.
struct MonitorOptions: ParsableArguments {
    @Flag(name: .long, help: "After the flash, reset into the application and show its output until Ctrl-C.")
    var monitor = false

    @Flag(name: .long, help: "Monitor: put the seconds since the monitor started before each line.")
    var timestamps = false

    @Option(name: .long, help: ArgumentHelp("Monitor: also write the lines to this file.", valueName: "file"))
    var log: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Monitor: the application's UART rate (default \(SerialConsole.defaultRate)).", valueName: "baud"))
    var monitorBaud: Int?

    @Option(
        name: .customLong("for"), help: ArgumentHelp("Monitor: stop after this many seconds.", valueName: "seconds"))
    var duration: Double?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Monitor: stop (exit 0) at the first output containing TEXT; with --for, not seeing it is monitor-timeout.",
            valueName: "text"))
    var until: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Monitor over SWD: the RTT control block's address (default: searched for in the part's RAM).",
            valueName: "address"))
    var rttAddress: String?

    /// `--rtt-address` as the library takes it (a usage error for what is not an address).
    func rttAddressValue() throws -> UInt32? {
        try rttAddress.map { UInt32(try parseAddress($0, option: "--rtt-address")) }
    }

    /// Checked before any port opens.
    func checkValues() throws {
        _ = try rttAddressValue()
        if let duration, !(duration > 0 && duration <= 7 * 24 * 3600) {
            throw BootwireError(.usage, "--for takes seconds above 0", hint: "e.g. --for 10")
        }
        if let monitorBaud, !(50...20_000_000).contains(monitorBaud) {
            throw BootwireError(
                .usage, "--monitor-baud \(monitorBaud) is not a UART rate", hint: "e.g. --monitor-baud 115200")
        }
        if until?.isEmpty == true { throw BootwireError(.usage, "--until needs text", hint: "e.g. --until ready") }
        if let log { try OutputFile.check(log) }
    }

    /// `flash --monitor` / `run`, checked before any port opens: one device, a route that can
    /// reset and has a console, and no --go (the monitor starts the application itself).
    func check(route: Route, ports: Int, station: Bool, go: Bool) throws {
        try checkValues()
        guard ports == 1 && !station else {
            throw BootwireError(.usage, "--monitor watches one device", hint: "give one --port, without --report")
        }
        if go {
            throw BootwireError(
                .usage, "--monitor starts the application itself", hint: "drop --go: run resets into the application")
        }
        try route.require(.reset, "--monitor")
        try route.require(.console, "--monitor")
    }

    var limits: MonitorLimits {
        MonitorLimits(duration: duration.map { .milliseconds(Int64($0 * 1000)) }, until: until)
    }

    /// What runs after the pipeline on the same session: the monitor, unless the run was dry.
    typealias Watcher = @Sendable (any TargetSession, _ dryRun: Bool, EventSink) throws -> MonitorOutcome?

    func watcher(json: Bool) -> Watcher {
        let plan = MonitorPlan(limits: limits, baud: monitorBaud, json: json, timestamps: timestamps, log: log)
        return { target, dryRun, events in
            guard !dryRun else {
                events(.note(.info("would reset into the application and show its output")))
                return nil
            }
            return try plan.watch(target, events: events)
        }
    }

    /// The result line's fields for a monitor that ended.
    static func summary(_ outcome: MonitorOutcome) -> [String: String] {
        [
            "monitor": outcome.end.rawValue, "console-lines": "\(outcome.lines)", "console-bytes": "\(outcome.bytes)",
            "monitor-seconds": String(format: "%.2f", outcome.seconds),
        ]
    }
}

/// The monitor's options as values, for the port's thread.
struct MonitorPlan: Sendable {
    var limits: MonitorLimits
    var baud: Int?
    var json: Bool
    var timestamps: Bool
    var log: String?

    /// Resets `target` into its application and shows its console until a stop condition.
    /// Runs on the port's thread (it blocks).
    func watch(_ target: any TargetSession, events: EventSink) throws -> MonitorOutcome {
        try target.reset(into: .application)
        let console = try target.console(rate: baud)
        events(.stage("monitor", detail: "\(console.description) (Ctrl-C ends)"))
        let output = ConsoleOutput(json: json, timestamps: timestamps, logPath: log)
        let interrupt = InterruptFlag()
        let input = StandardInputLines()
        defer { interrupt.restore() }
        let outcome = try ConsoleMonitor(console: console, limits: limits).run(
            input: { input.take() }, shouldStop: { interrupt.raised }, onLine: output.show)
        try output.close()
        return outcome
    }
}

/// The application's lines on stdout: as they came (an optional timestamp before each), or one
/// JSON `console` event each; and to the --log file, made once there is a line to write.
final class ConsoleOutput {
    let json: Bool
    let timestamps: Bool
    let logPath: String?
    private var logFile: Int32?
    private var logError: (any Error)?

    init(json: Bool, timestamps: Bool, logPath: String?) {
        self.json = json
        self.timestamps = timestamps
        self.logPath = logPath
    }

    func show(_ line: ConsoleLine) {
        let text = (timestamps ? String(format: "[%9.3f] ", line.seconds) : "") + line.text
        if json {
            let object: [String: Any] = [
                "event": "console", "text": line.text, "seconds": (line.seconds * 1000).rounded() / 1000,
                "complete": line.complete,
            ]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            StandardStreams.out(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            StandardStreams.out(text + "\n")
        }
        guard let logPath, logError == nil else { return }
        do {
            if logFile == nil { logFile = try OutputFile.openForStreaming(logPath) }
            let bytes = Array((text + "\n").utf8)
            let written = bytes.withUnsafeBytes { Glibc.write(logFile ?? -1, $0.baseAddress, $0.count) }
            if written != bytes.count {
                let error = errno
                throw BootwireError(
                    error == ENOSPC ? .diskFull : .outputWriteFailed,
                    "cannot write to \(logPath): \(String(cString: strerror(error)))",
                    hint: "free space or choose another --log file")
            }
        } catch {
            // The monitor goes on showing lines; the run ends with this error.
            logError = error
        }
    }

    /// Closes the log; a log that could not be written is the run's error.
    func close() throws {
        if let logFile { Glibc.close(logFile) }
        logFile = nil
        if let logError { throw logError }
    }
}

/// Ctrl-C while the monitor runs: a flag the monitor reads, so it ends with its result line
/// and exit 0 rather than dying mid-line. The default action comes back afterwards.
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    private let source: DispatchSourceSignal

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [weak self] in self?.raise() }
        source.resume()
    }

    private func raise() { lock.withLock { value = true } }

    var raised: Bool { lock.withLock { value } }

    func restore() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}

/// Lines typed on a terminal or coming down a pipe, for the application: each sent with CR, as
/// a terminal's Enter sends it. Anything else on stdin (/dev/null, a file) is not read.
final class StandardInputLines: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [UInt8] = []

    init() {
        var info = stat()
        guard fstat(STDIN_FILENO, &info) == 0 else { return }
        let kind = info.st_mode & S_IFMT
        guard isatty(STDIN_FILENO) == 1 || kind == S_IFIFO else { return }
        let thread = Thread { [self] in
            var line: [UInt8] = []
            while case let chunk = FileHandle.standardInput.availableData, !chunk.isEmpty {
                for byte in chunk {
                    if byte == 0x0A {
                        lock.withLock { pending += line + [0x0D] }
                        line = []
                    } else {
                        line.append(byte)
                    }
                }
            }
        }
        thread.start()
    }

    func take() -> [UInt8] {
        lock.withLock {
            defer { pending = [] }
            return pending
        }
    }
}

import Foundation
import Testing

/// Runs the built `bootwire` binary and collects what it printed.
struct BootwireRun {
    var status: Int32
    var stdout: String
    var stderr: String

    /// The JSON objects of a `--json` run, one per line.
    var events: [[String: Any]] {
        stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    var result: [String: Any]? { events.last { $0["event"] as? String == "result" } }
    var ok: Bool { result?["ok"] as? Bool == true }
    var errorCode: String? { (result?["error"] as? [String: Any])?["code"] as? String }
    var summary: [String: String] { result?["summary"] as? [String: String] ?? [:] }

    var warningCodes: [String] {
        events.filter { $0["event"] as? String == "note" && $0["level"] as? String == "warning" }.compactMap {
            $0["code"] as? String
        }
    }
}

enum Bootwire {
    /// `bootwire read` of `count` bytes at `address` from `port`, in a run of its own (so a
    /// `state=` device proves what an earlier run left in it).
    static func readMemory(_ port: String, at address: UInt64, count: Int) throws -> [UInt8] {
        let out = Scratch.make().appendingPathComponent("read.bin")
        let run = try run([
            "read", "--port", port, "--start", "0x" + String(address, radix: 16), "--len", "\(count)", "--file",
            out.path, "--json",
        ])
        #expect(run.ok, "\(run.stdout)")
        return [UInt8](try Data(contentsOf: out))
    }

    /// The `bootwire` the end-to-end tests run: BOOTWIRE_EXECUTABLE (to run the suite against
    /// another build, e.g. the one before a fix); else the release build when it was made after
    /// the debug one (so from the same sources: `swift test` relinks the debug build after any
    /// change) and its libusb stand-in is beside it; else the debug build next to the test bundle.
    /// The release build is what users run, and it runs the suite in a third of the CPU time: a
    /// debug swift-argument-parser validates the whole command tree at every start (about 45 ms,
    /// over 2,000 starts), and the virtual devices' models run unoptimised.
    static let executable: URL = {
        if let other = ProcessInfo.processInfo.environment["BOOTWIRE_EXECUTABLE"] { return URL(fileURLWithPath: other) }
        let fm = FileManager.default
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("bootwire"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("bootwire"),
        ]
        let debug = candidates.first { fm.isExecutableFile(atPath: $0.path) } ?? candidates[0]
        let releaseFolder = debug.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
            "release")
        let release = releaseFolder.appendingPathComponent("bootwire")
        func modified(_ url: URL) -> Date? {
            (try? fm.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
        }
        guard fm.isExecutableFile(atPath: release.path),
            fm.fileExists(atPath: releaseFolder.appendingPathComponent("libusb-1.0.so").path),
            let built = modified(release), let debugBuilt = modified(debug), built >= debugBuilt
        else { return debug }
        return release
    }()

    /// `cache` is the XDG cache folder (session journals, adapter memory): fresh unless given.
    static func run(
        _ arguments: [String], timeout: TimeInterval = 60, cache: URL? = nil, environment extra: [String: String] = [:],
        reportTimeout: Bool = true, directory: URL? = nil, interruptOn marker: String? = nil, input: String? = nil
    ) throws -> BootwireRun {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment["XDG_CACHE_HOME"] = (cache ?? Scratch.make()).path
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        // `input`: a pipe that carries it, as a user's `printf … | bootwire run` does.
        let stdin = input.map { _ in Pipe() }
        process.standardInput = stdin ?? FileHandle.nullDevice
        if let directory { process.currentDirectoryURL = directory }
        try process.run()
        if let stdin, let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        let deadline = Date().addingTimeInterval(timeout)
        let pid = process.processIdentifier
        let lock = NSLock()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var timedOut = false
        // Read before waiting so a chatty child never blocks on a full pipe.
        let outReader = Thread {
            while case let chunk = out.fileHandleForReading.availableData, !chunk.isEmpty {
                lock.withLock { outData.append(chunk) }
            }
        }
        outReader.start()
        nonisolated(unsafe) var errData = Data()
        let errReader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        errReader.start()
        // A watchdog, not a wait after reading: a process that serves forever keeps its
        // stdout open, so the deadline must act while the reads are still blocked. A server
        // that printed `marker` (it is up) is interrupted, its normal way to end.
        let needle = marker.map { Data($0.utf8) }
        let watchdog = Thread {
            var interrupted = false
            while process.isRunning && Date() < deadline {
                if !interrupted, let needle, lock.withLock({ outData.range(of: needle) != nil }) {
                    interrupted = true
                    process.interrupt()
                }
                usleep(5_000)
            }
            guard process.isRunning else { return }
            timedOut = true
            process.terminate()
            // One that ignores SIGTERM is stopped for good: a test never waits forever.
            let grace = Date().addingTimeInterval(2)
            while process.isRunning && Date() < grace { usleep(10_000) }
            if process.isRunning { kill(pid, SIGKILL) }
        }
        watchdog.start()
        process.waitUntilExit()
        while !errReader.isFinished || !outReader.isFinished || !watchdog.isFinished { usleep(1000) }
        if timedOut && reportTimeout {
            Issue.record("bootwire \(arguments.joined(separator: " ")) did not finish in \(timeout) s")
        }
        return BootwireRun(
            status: timedOut ? Self.timedOut : process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Starts a command that serves until stopped (`emulate …`), waits for its first output (the
    /// `ready` line), interrupts it, and returns every line it printed and how it ended.
    static func serveBriefly(_ arguments: [String]) throws -> (lines: [String], process: Process) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let first = out.fileHandleForReading.availableData
        if process.isRunning { process.interrupt() }
        let rest = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: first + rest, as: UTF8.self).split(separator: "\n").map(String.init), process)
    }

    /// The status a run that had to be stopped reports (as timeout(1) does).
    static let timedOut: Int32 = 124

    /// Runs every argument list, `width` processes at a time (the machine is shared: keep it
    /// small), and returns the runs in the order given. Timeouts come back as `timedOut`, for
    /// the caller to judge; nothing is recorded from the worker threads.
    static func runAll(
        _ runs: [[String]], width: Int = 3, timeout: TimeInterval = 30, environment: [String: String] = [:],
        directory: URL? = nil, interruptOn marker: String? = nil
    ) -> [BootwireRun] {
        let lock = NSLock()
        nonisolated(unsafe) var results = [BootwireRun?](repeating: nil, count: runs.count)
        nonisolated(unsafe) var next = 0
        let group = DispatchGroup()
        for _ in 0..<max(1, min(width, runs.count)) {
            DispatchQueue.global().async(group: group) {
                while true {
                    let index: Int? = lock.withLock {
                        defer { next += 1 }
                        return next < runs.count ? next : nil
                    }
                    guard let index else { return }
                    let run =
                        (try? Bootwire.run(
                            runs[index], timeout: timeout, environment: environment, reportTimeout: false,
                            directory: directory, interruptOn: marker))
                        ?? BootwireRun(status: -1, stdout: "", stderr: "could not start")
                    lock.withLock { results[index] = run }
                }
            }
        }
        group.wait()
        return results.map { $0! }
    }
}

/// A fresh temporary folder.
enum Scratch {
    static func make() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bootwire-e2e-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func file(_ bytes: [UInt8], name: String = "image.bin") throws -> URL {
        let url = make().appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }
}

/// Bytes that compress like firmware: structured, not random.
func firmwareLike(_ count: Int, seed: UInt32 = 1) -> [UInt8] {
    var state = seed
    return (0..<count).map { i in
        state = state &* 1_103_515_245 &+ 12345
        return i % 7 == 0 ? UInt8(truncatingIfNeeded: state >> 16) : UInt8(truncatingIfNeeded: i / 64)
    }
}

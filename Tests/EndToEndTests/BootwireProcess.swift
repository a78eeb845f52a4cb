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

    /// The executable next to the test bundle (.build/debug on Linux), or BOOTWIRE_EXECUTABLE
    /// (to run the suite against another build, e.g. the one before a fix).
    static var executable: URL {
        if let other = ProcessInfo.processInfo.environment["BOOTWIRE_EXECUTABLE"] { return URL(fileURLWithPath: other) }
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("bootwire"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("bootwire"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// `cache` is the XDG cache folder (session journals, adapter memory): fresh unless given.
    static func run(
        _ arguments: [String], timeout: TimeInterval = 60, cache: URL? = nil, environment extra: [String: String] = [:]
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
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read on threads of their own so a chatty child never blocks on a full pipe, and a
        // child that never ends (a server started by mistake) is stopped at the deadline.
        nonisolated(unsafe) var errData = Data()
        nonisolated(unsafe) var outData = Data()
        let errReader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        let outReader = Thread { outData = out.fileHandleForReading.readDataToEndOfFile() }
        errReader.start()
        outReader.start()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            Issue.record("bootwire \(arguments.joined(separator: " ")) did not finish in \(timeout) s")
        }
        process.waitUntilExit()
        while !errReader.isFinished || !outReader.isFinished { usleep(1000) }
        return BootwireRun(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
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

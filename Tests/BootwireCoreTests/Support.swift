import BootwireCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

// Suites that block a thread (pty reads with deadlines, xz) are `@MainActor`: they run one at a
// time on the main thread instead of on the cooperative pool, which has only 2 threads here and
// which the async tests (PortWorker) need to resume promptly. The same rule the library follows.

/// Milliseconds on the monotonic clock since `start` (a `MonotonicClock.now()` value).
func millisecondsSince(_ start: UInt64) -> Double {
    Double(MonotonicClock.now() - start) / 1e6
}

/// How late a thread may be scheduled on a loaded two-core machine (CI runs beside other work).
/// Deadline tests allow this much past the deadline: far less than the next wrong answer (a
/// read that waited for bytes, a deadline in the wrong unit), far more than a busy machine adds.
let schedulingSlack = 500.0

/// Waits until `count` bytes written on the master are queued on the port's side: a pty passes
/// them on from a kernel worker, which a loaded machine may run late.
func waitUntilQueued(_ port: SerialPort, count: Int) throws {
    let deadline = Deadline.after(milliseconds: 10_000)
    while try port.queuedInput() < count && !deadline.hasPassed { MonotonicClock.sleep(milliseconds: 1) }
}

/// A fresh pseudo-terminal with its slave opened as a `SerialPort` (115200 8N1 unless told).
/// The master stays alive until `body` returns, and the port is closed afterwards.
func withPort<T>(baud: Int = 115_200, _ body: (PseudoTerminal, SerialPort) throws -> T) throws -> T {
    let pty = try PseudoTerminal()
    let port = try SerialPort.open(pty.slavePath)
    defer { port.close() }
    try port.configure(baud: baud, parity: .none)
    return try withExtendedLifetime(pty) { try body(pty, port) }
}

extension PseudoTerminal {
    /// Reads from the master until `count` bytes came or `timeoutMilliseconds` passed.
    func readBytes(_ count: Int, timeoutMilliseconds: Int = 1000) -> [UInt8] {
        let deadline = Deadline.after(milliseconds: timeoutMilliseconds)
        var bytes: [UInt8] = []
        while bytes.count < count && !deadline.hasPassed {
            switch read(
                max: count - bytes.count, timeoutMilliseconds: deadline.remainingMilliseconds)
            {
            case .bytes(let chunk): bytes += chunk
            case .timeout: continue
            case .clientClosed: return bytes
            }
        }
        return bytes
    }
}

/// Collects the events a library call emits; safe to call from any thread.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Event] = []

    var events: [Event] { lock.withLock { stored } }

    var notes: [Note] {
        events.compactMap { event in
            if case .note(let note) = event { note } else { nil }
        }
    }

    var sink: EventSink {
        { event in self.lock.withLock { self.stored.append(event) } }
    }
}

/// A fresh, empty directory under the system temporary folder; remove it when done.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("bootwire-core-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Deterministic pseudo-random bytes (SplitMix64), so that a failure can be reproduced.
func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count)
    while bytes.count < count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        withUnsafeBytes(of: z.littleEndian) { bytes += $0.prefix(count - bytes.count) }
    }
    return bytes
}

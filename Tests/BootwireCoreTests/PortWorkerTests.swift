import BootwireCore
import Foundation
import Testing

/// Blocking work runs on each port's own thread, off the cooperative pool.
@Suite struct PortWorkerTests {
    private struct Span: Sendable {
        var index: Int
        var start: UInt64
        var end: UInt64
        var onMainThread: Bool
    }

    @Test("8 workers each blocking 100 ms finish together in well under 400 ms")
    func blockingWorkRunsInParallel() async throws {
        let workers = (0..<8).map { PortWorker(name: "test\($0)") }
        defer { for worker in workers { worker.shutdown() } }

        let start = MonotonicClock.now()
        let spans = try await withThrowingTaskGroup(of: Span.self) { group in
            for (index, worker) in workers.enumerated() {
                group.addTask {
                    try await worker.run {
                        let begin = MonotonicClock.now()
                        MonotonicClock.sleep(milliseconds: 100)  // nanosleep: blocks the thread
                        return Span(
                            index: index, start: begin, end: MonotonicClock.now(),
                            onMainThread: Thread.isMainThread)
                    }
                }
            }
            var spans: [Span] = []
            for try await span in group { spans.append(span) }
            return spans
        }
        let elapsed = millisecondsSince(start)

        #expect(spans.map(\.index).sorted() == Array(0..<8))
        #expect(!spans.contains { $0.onMainThread })
        // All eight were asleep at the same moment: the last to start began before the first ended,
        // and from the first start to the last end took little more than one sleep.
        let firstStart = try #require(spans.map(\.start).min())
        let latestStart = try #require(spans.map(\.start).max())
        let earliestEnd = try #require(spans.map(\.end).min())
        let lastEnd = try #require(spans.map(\.end).max())
        #expect(latestStart < earliestEnd)
        #expect(Double(lastEnd - firstStart) / 1e6 < 150)
        // On the 2-thread cooperative pool this would take 400 ms. (Measured from the test's
        // task, this also includes waiting for a pool thread to resume it.)
        #expect(elapsed >= 100)
        #expect(elapsed < 300)
    }

    @Test("jobs on one worker run one at a time, in order, on the same named thread")
    func oneWorkerIsSerial() async throws {
        let worker = PortWorker(name: "/dev/ttyUSB0")
        defer { worker.shutdown() }
        async let first = worker.run { () -> (String, ObjectIdentifier, UInt64) in
            MonotonicClock.sleep(milliseconds: 30)
            return (
                Thread.current.name ?? "", ObjectIdentifier(Thread.current), MonotonicClock.now()
            )
        }
        try await Task.sleep(for: .milliseconds(5))
        async let second = worker.run { () -> (String, ObjectIdentifier, UInt64) in
            (Thread.current.name ?? "", ObjectIdentifier(Thread.current), MonotonicClock.now())
        }
        let (a, b) = try await (first, second)
        // The name shows in backtraces and top -H; it fits Linux's 15-byte limit.
        #expect(a.0 == "bw.ttyUSB0")
        #expect(b.1 == a.1)
        #expect(b.2 >= a.2)
    }

    @Test("a long port name is cut to the 15 bytes a Linux thread name may have")
    func longThreadName() async throws {
        let worker = PortWorker(
            name: "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0")
        defer { worker.shutdown() }
        let name = try await worker.run { Thread.current.name ?? "" }
        #expect(name == "bw.usb-FTDI_FT2")
    }

    @Test("results and thrown errors come back through run")
    func resultsAndErrors() async throws {
        let worker = PortWorker(name: "errors")
        defer { worker.shutdown() }
        #expect(try await worker.run { 6 * 7 } == 42)
        #expect(try await worker.run { [UInt8](repeating: 0xAB, count: 3) } == [0xAB, 0xAB, 0xAB])

        await #expect(throws: BootwireError.self) {
            try await worker.run { () -> Int in throw BootwireError(.noResponse, "nothing answered")
            }
        }
        do {
            _ = try await worker.run { () -> Int in throw BootwireError(.deviceDisconnected, "gone")
            }
            Issue.record("run should have thrown")
        } catch let error as BootwireError {
            #expect(error.code == .deviceDisconnected)
        }
        // The worker still runs jobs after one threw.
        #expect(try await worker.run { "still here" } == "still here")
    }

    @Test("a real port read through a worker: bytes and disconnects cross the thread")
    func portThroughWorker() async throws {
        let worker = PortWorker(name: "pty")
        defer { worker.shutdown() }
        var pty: PseudoTerminal? = try PseudoTerminal()
        let port = try SerialPort.open(try #require(pty).slavePath)
        defer { port.close() }
        _ = try await worker.run { try port.configure(baud: 115_200, parity: .none) }

        try #require(pty).write([7, 8, 9])
        let bytes = try await worker.run {
            try port.read(exactly: 3, deadline: .after(milliseconds: 500))
        }
        #expect(bytes == [7, 8, 9])

        pty = nil
        do {
            _ = try await worker.run { try port.read(max: 8, deadline: .after(milliseconds: 500)) }
            Issue.record("read should have thrown")
        } catch let error as BootwireError {
            #expect(error.code == .deviceDisconnected)
        }
    }

    @Test("run after shutdown fails instead of waiting forever")
    func runAfterShutdown() async throws {
        let worker = PortWorker(name: "stopped")
        #expect(try await worker.run { 1 } == 1)
        worker.shutdown()
        // Give the thread time to see the stop and end.
        try await Task.sleep(for: .milliseconds(20))
        do {
            let value = try await worker.run { 2 }
            Issue.record("run after shutdown returned \(value)")
        } catch let error as BootwireError {
            #expect(error.code == .internalError)
        }
    }
}

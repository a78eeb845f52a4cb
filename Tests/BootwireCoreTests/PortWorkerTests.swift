import BootwireCore
import Foundation
import Testing

/// Blocking work runs on each port's own thread, off the cooperative pool.
@Suite struct PortWorkerTests {
    /// Eight jobs that each block until all eight are blocked at once. On shared threads (the
    /// 2-thread cooperative pool) at most two could wait together and the rendezvous would time
    /// out; on one thread per port it completes. Independent of how busy the machine is.
    @Test("8 workers block at the same time, each on its own thread")
    func blockingWorkRunsInParallel() async throws {
        let workers = (0..<8).map { PortWorker(name: "test\($0)") }
        defer { for worker in workers { worker.shutdown() } }
        let rendezvous = Rendezvous(parties: 8)
        let results = try await withThrowingTaskGroup(of: (Bool, Bool).self) { group in
            for worker in workers {
                group.addTask {
                    try await worker.run { (rendezvous.arriveAndWait(seconds: 10), Thread.isMainThread) }
                }
            }
            var results: [(Bool, Bool)] = []
            for try await result in group { results.append(result) }
            return results
        }
        #expect(results.count == 8)
        #expect(results.allSatisfy { $0.0 }, "all eight were blocked together")
        #expect(!results.contains { $0.1 })
    }

    private final class Rendezvous: @unchecked Sendable {
        private let condition = NSCondition()
        private var arrived = 0
        private let parties: Int

        init(parties: Int) { self.parties = parties }

        func arriveAndWait(seconds: Double) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            arrived += 1
            condition.broadcast()
            let deadline = Date().addingTimeInterval(seconds)
            while arrived < parties {
                if !condition.wait(until: deadline) { return false }
            }
            return true
        }
    }

    @Test("jobs on one worker run one at a time, in order, on the same named thread")
    func oneWorkerIsSerial() async throws {
        let worker = PortWorker(name: "/dev/ttyUSB0")
        defer { worker.shutdown() }
        // The first job holds the thread until the test lets it go; the second is queued only
        // once the first is running, so the order is fixed however the machine schedules.
        let release = DispatchSemaphore(value: 0)
        var firstTask: Task<(String, ObjectIdentifier, UInt64), any Error>?
        await withCheckedContinuation { (running: CheckedContinuation<Void, Never>) in
            firstTask = Task {
                try await worker.run { () -> (String, ObjectIdentifier, UInt64) in
                    running.resume()
                    release.wait()  // blocks the port's thread, never the test's
                    return (Thread.current.name ?? "", ObjectIdentifier(Thread.current), MonotonicClock.now())
                }
            }
        }
        let first = try #require(firstTask)
        let second = Task {
            try await worker.run { () -> (String, ObjectIdentifier, UInt64) in
                (Thread.current.name ?? "", ObjectIdentifier(Thread.current), MonotonicClock.now())
            }
        }
        release.signal()
        let (a, b) = (try await first.value, try await second.value)
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

    /// The first job of a new worker sees the worker's name, in Foundation and in the kernel
    /// (what `top -H` and backtraces show), 1 000 times in a row: the thread names itself before
    /// it takes work. Before, the name was set from the creating thread after start(), and the
    /// first job could run under the creator's name (`oot.default-qos`).
    @Test("the first job of each of 1000 new workers runs on the named thread")
    func firstJobSeesTheName() async throws {
        // Ten batches of 100 workers side by side: one await per batch, not per worker, so that
        // a cooperative pool busy with other suites resumes the test 10 times, not 1 000.
        for batch in 0..<10 {
            let workers = (0..<100).map { PortWorker(name: "/dev/ttyACM\(batch * 100 + $0)") }
            defer { for worker in workers { worker.shutdown() } }
            let seen = try await withThrowingTaskGroup(of: (Int, String, String).self) { group in
                for (index, worker) in workers.enumerated() {
                    group.addTask {
                        try await worker.run {
                            (batch * 100 + index, Thread.current.name ?? "", Self.kernelThreadName())
                        }
                    }
                }
                var seen: [(Int, String, String)] = []
                for try await names in group { seen.append(names) }
                return seen
            }
            let wrong = seen.filter { $0.1 != "bw.ttyACM\($0.0)" || $0.2 != "bw.ttyACM\($0.0)" }
            #expect(seen.count == 100)
            #expect(wrong.isEmpty, "first jobs under another name: \(wrong.prefix(3))")
            if !wrong.isEmpty { break }
        }
    }

    /// The name the kernel holds for the calling thread (what `top -H` shows).
    private static func kernelThreadName() -> String {
        let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
        return comm.trimmingCharacters(in: .newlines)
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
        do {
            let value = try await worker.run { 2 }
            Issue.record("run after shutdown returned \(value)")
        } catch let error as BootwireError {
            #expect(error.code == .internalError)
        }
    }
}

import Foundation

/// One thread per open port does all blocking I/O and timing; async code awaits it. Blocking
/// calls inside the cooperative pool (2 threads on a 2-core machine) would serialise devices
/// and delay every timer.
public final class PortWorker: @unchecked Sendable {
    private let queue = JobQueue()

    public init(name: String) {
        let queue = self.queue
        let thread = Thread { queue.loop() }
        thread.name = "bootwire.port.\(name)"
        thread.start()
    }

    deinit { queue.stop() }

    /// Runs `body` on the port's thread and returns its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            queue.enqueue {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
        }
    }

    /// Ends the thread once queued jobs are done.
    public func shutdown() { queue.stop() }
}

/// The worker's job list; the thread holds it, so it outlives the `PortWorker`.
private final class JobQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopping = false

    func enqueue(_ job: @escaping () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}

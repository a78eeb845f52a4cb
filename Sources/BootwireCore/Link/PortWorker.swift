import CSerial
import Foundation

/// One thread per open port does all blocking I/O and timing; async code awaits it. Blocking
/// calls inside the cooperative pool (2 threads on a 2-core machine) would serialise devices
/// and delay every timer.
public final class PortWorker: @unchecked Sendable {
    private let queue = JobQueue()

    public init(name: String) {
        let queue = self.queue
        let threadName = Self.threadName(name)
        // The thread names itself, in Foundation and in the kernel, before it takes its first
        // job. On Linux a new thread keeps its creator's name (a cooperative-pool thread's,
        // `oot.default-qos`) until named, and corelibs Foundation's `Thread.name` setter names
        // the pthread only once start() has stored its handle: set from here after start() it
        // could land after the first job ran, and set from the new thread it is sometimes
        // dropped (seen 1 in 300). The kernel refuses names over 15 bytes: cut first.
        let thread = Thread {
            Thread.current.name = threadName
            _ = bw_name_this_thread(threadName)
            queue.loop()
        }
        thread.start()
    }

    /// `bw.` and the port's last path component, cut to the 15 bytes Linux allows a thread name.
    static func threadName(_ port: String) -> String {
        var name = "bw."
        for character in (port as NSString).lastPathComponent {
            guard name.utf8.count + String(character).utf8.count <= 15 else { break }
            name.append(character)
        }
        return name
    }

    deinit { queue.stop() }

    /// Runs `body` on the port's thread and returns its result.
    /// Throws `internal-error` after `shutdown()`: the thread is gone and nothing would run it.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = queue.enqueue {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
            if !accepted {
                let error = BootwireError(.internalError, "a port worker was used after shutdown")
                continuation.resume(throwing: error)
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

    /// False once stopping: the thread may already have ended, so the job would never run.
    func enqueue(_ job: @escaping () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return false }
        jobs.append(job)
        condition.signal()
        return true
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

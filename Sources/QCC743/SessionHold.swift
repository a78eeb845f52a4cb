import BootwireCore
import Dispatch
import Foundation

extension QCC743Session {
    /// How often a held session speaks: well inside the ROM's ~2 s idle timeout, which is
    /// measured on silicon, not documented (silicon notes).
    public static let holdInterval = 0.5

    /// Runs `wait` (a person reading a question, say) on a thread of its own and keeps this
    /// session alive until it returns: the ROM drops back to waiting for sync after about 2 s of
    /// silence, and a person may take minutes. Every `holdInterval` this (the port's) thread
    /// sends get_boot_info, which only reads and works on every ROM revision (set_timeout,
    /// 0x23, is missing on a0). Returns what `wait` returned; throws what it threw, or the link's
    /// error if the module stops answering meanwhile.
    public func holding<T: Sendable>(while wait: @escaping @Sendable () throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        // On the link's clock, so that a test holds a session for minutes in simulated time.
        let clock = client.link.clock
        clock.spawn(name: "bootwire.session-hold") {
            box.set(Result { try wait() })
            done.signal()
        }
        var kept = 0
        while !clock.wait(done, until: clock.after(seconds: Self.holdInterval).nanoseconds) {
            try client.exchange(ISPFrame(.getBootInfo, checksummed: false))
            kept += 1
        }
        if kept > 0 {
            events(.note(.info("kept the boot ROM session open for \(kept) × \(Self.holdInterval) s while waiting")))
        }
        return try box.get()
    }
}

/// One result handed from the waiting thread to the port's thread (the semaphore orders them).
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    private var result: Result<T, any Error>?
    private let lock = NSLock()

    func set(_ value: Result<T, any Error>) {
        lock.lock()
        result = value
        lock.unlock()
    }

    func get() throws -> T {
        lock.lock()
        defer { lock.unlock() }
        guard let result else { throw BootwireError(.internalError, "a held wait ended without a result") }
        return try result.get()
    }
}

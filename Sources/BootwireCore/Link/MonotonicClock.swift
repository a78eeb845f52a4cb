import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where a wait takes its time from. The product waits on `MonotonicClock`; tests that pair a
/// client with a virtual device in memory wait on a `SimulatedClock`, so a 2 s ROM timeout or a
/// minute a person takes to answer costs no wall-clock time and no outcome depends on how busy
/// the machine is. A `Link` carries the clock its waits run on (`Link.clock`).
public protocol WaitClock: AnyObject, Sendable {
    /// Nanoseconds since an arbitrary origin, never decreasing.
    func now() -> UInt64
    /// Returns once `now()` has reached `instant`.
    func sleep(until instant: UInt64)
    /// Runs `body` on a thread of its own whose sleeps are on this clock (a person answering a
    /// question, while the port's thread keeps a session alive).
    func spawn(name: String, _ body: @escaping @Sendable () -> Void)
    /// Waits for `semaphore` until `instant`; true when it was signalled.
    func wait(_ semaphore: DispatchSemaphore, until instant: UInt64) -> Bool
}

extension WaitClock {
    public func sleep(milliseconds: Int) {
        sleep(until: now() + UInt64(max(0, milliseconds)) * 1_000_000)
    }

    public func sleep(seconds: Double) {
        sleep(until: now() + UInt64(max(0, seconds) * 1e9))
    }

    /// The instant `milliseconds` from now on this clock.
    public func after(milliseconds: Int) -> Deadline {
        Deadline(nanoseconds: now() + UInt64(max(0, milliseconds)) * 1_000_000, clock: self)
    }

    public func after(seconds: Double) -> Deadline {
        Deadline(nanoseconds: now() + UInt64(max(0, seconds) * 1e9), clock: self)
    }

    public func sleep(for duration: Duration) {
        sleep(until: instant(after: duration))
    }

    /// The instant `duration` from now, in nanoseconds.
    public func instant(after duration: Duration) -> UInt64 { now() + duration.nanoseconds }

    /// The time left until `instant`, zero once it has passed.
    public func remaining(until instant: UInt64) -> Duration {
        let current = now()
        return instant > current ? .nanoseconds(Int64(instant - current)) : .zero
    }

    /// Seconds since `start`, an earlier `now()`.
    public func seconds(since start: UInt64) -> Double {
        Double(now() - min(start, now())) / 1e9
    }
}

/// Nanoseconds on CLOCK_MONOTONIC: one clock for deadlines, traces and wire-model pacing.
public final class MonotonicClock: WaitClock {
    public static let shared = MonotonicClock()

    private init() {}

    public func now() -> UInt64 { Self.now() }

    public func sleep(until instant: UInt64) { Self.sleep(until: instant) }

    public func spawn(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.start()
    }

    public func wait(_ semaphore: DispatchSemaphore, until instant: UInt64) -> Bool {
        let current = Self.now()
        return semaphore.wait(timeout: .now() + .nanoseconds(Int(instant > current ? instant - current : 0)))
            == .success
    }

    public static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Sleeps until an absolute instant, so that pacing errors do not accumulate.
    public static func sleep(until instant: UInt64) {
        while true {
            let current = now()
            if current >= instant { return }
            let remaining = instant - current
            var ts = timespec(tv_sec: Int(remaining / 1_000_000_000), tv_nsec: Int(remaining % 1_000_000_000))
            nanosleep(&ts, nil)
        }
    }

    public static func sleep(milliseconds: Int) {
        sleep(until: now() + UInt64(max(0, milliseconds)) * 1_000_000)
    }
}

/// Time that moves only when someone waits on it: a sleep jumps to its instant at once, so a
/// 2 s ROM timeout or a minute a person takes costs nothing and every run of a test sees the
/// same instants. One thread drives it (the host's, which also drives an in-memory device);
/// threads started with `spawn` take part: their sleeps block until the driver's time reaches
/// them, and the driver's sleeps stop at each such instant and let that thread run until it
/// sleeps again or ends, before going on.
public final class SimulatedClock: WaitClock, @unchecked Sendable {
    private let condition = NSCondition()
    private var current: UInt64
    /// The instant each sleeping participant waits for.
    private var sleeping: [Int: UInt64] = [:]
    /// Participants the driver lets run before its time moves on.
    private var running: Set<Int> = []
    private var participants = 0
    private var participantKey: String { "bootwire.simulated-clock.\(ObjectIdentifier(self).hashValue)" }

    /// Starts at one second, not zero, so that "a while ago" stays representable.
    public init(start: UInt64 = 1_000_000_000) { current = start }

    public func now() -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return current
    }

    public func sleep(until instant: UInt64) {
        if let id = Thread.current.threadDictionary[participantKey] as? Int {
            participantSleep(id, until: instant)
            return
        }
        condition.lock()
        defer { condition.unlock() }
        while true {
            while !running.isEmpty { condition.wait() }
            let due = sleeping.filter { $0.value <= instant }.min { ($0.value, $0.key) < ($1.value, $1.key) }
            guard let (id, at) = due else { break }
            current = max(current, at)
            sleeping[id] = nil
            running.insert(id)
            condition.broadcast()
        }
        current = max(current, instant)
    }

    private func participantSleep(_ id: Int, until instant: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        guard instant > current else { return }
        running.remove(id)
        sleeping[id] = instant
        condition.broadcast()
        while !running.contains(id) { condition.wait() }
    }

    public func spawn(name: String, _ body: @escaping @Sendable () -> Void) {
        condition.lock()
        participants += 1
        let id = participants
        running.insert(id)
        condition.unlock()
        let key = participantKey
        let thread = Thread { [self] in
            Thread.current.threadDictionary[key] = id
            body()
            condition.lock()
            running.remove(id)
            condition.broadcast()
            condition.unlock()
        }
        thread.name = name
        thread.start()
    }

    /// The driver's time is the only time: a semaphore not yet signalled when time reaches the
    /// deadline (participants having run) has timed out.
    public func wait(_ semaphore: DispatchSemaphore, until instant: UInt64) -> Bool {
        sleep(until: instant)
        return semaphore.wait(timeout: .now()) == .success
    }
}

extension Duration {
    /// Whole nanoseconds, zero for a negative duration: for instants on a `WaitClock`.
    public var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}

/// An absolute point on a clock after which a wait gives up.
public struct Deadline: Sendable, Comparable {
    public let nanoseconds: UInt64
    public let clock: any WaitClock

    public init(nanoseconds: UInt64, clock: any WaitClock = MonotonicClock.shared) {
        self.nanoseconds = nanoseconds
        self.clock = clock
    }

    public static func after(milliseconds: Int) -> Deadline {
        MonotonicClock.shared.after(milliseconds: milliseconds)
    }

    public static func after(seconds: Double) -> Deadline {
        MonotonicClock.shared.after(seconds: seconds)
    }

    /// Milliseconds left, rounded up so that a poll never returns before the deadline.
    public var remainingMilliseconds: Int32 {
        let current = clock.now()
        guard nanoseconds > current else { return 0 }
        return Int32(min(UInt64(Int32.max), (nanoseconds - current + 999_999) / 1_000_000))
    }

    public var hasPassed: Bool { clock.now() >= nanoseconds }

    public static func < (a: Deadline, b: Deadline) -> Bool { a.nanoseconds < b.nanoseconds }

    public static func == (a: Deadline, b: Deadline) -> Bool { a.nanoseconds == b.nanoseconds && a.clock === b.clock }
}

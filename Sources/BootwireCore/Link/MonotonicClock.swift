#if canImport(Glibc)
    import Glibc
#endif

/// Nanoseconds on CLOCK_MONOTONIC: one clock for deadlines, traces and wire-model pacing.
public enum MonotonicClock {
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

/// An absolute point on the monotonic clock after which a wait gives up.
public struct Deadline: Sendable, Comparable {
    public let nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static func after(milliseconds: Int) -> Deadline {
        Deadline(nanoseconds: MonotonicClock.now() + UInt64(max(0, milliseconds)) * 1_000_000)
    }

    public static func after(seconds: Double) -> Deadline {
        Deadline(nanoseconds: MonotonicClock.now() + UInt64(max(0, seconds) * 1e9))
    }

    /// Milliseconds left, rounded up so that a poll never returns before the deadline.
    public var remainingMilliseconds: Int32 {
        let current = MonotonicClock.now()
        guard nanoseconds > current else { return 0 }
        return Int32(min(UInt64(Int32.max), (nanoseconds - current + 999_999) / 1_000_000))
    }

    public var hasPassed: Bool { MonotonicClock.now() >= nanoseconds }

    public static func < (a: Deadline, b: Deadline) -> Bool { a.nanoseconds < b.nanoseconds }
}

/// What a progress event counts. DfuSe erases page by page and says how many pages, not bytes.
public enum ProgressUnit: String, Sendable, Equatable {
    case bytes, pages
}

/// Where one progress event stands in the whole flash job: the pass (compare, or the changes:
/// erase, write, verify) and the image bytes of that pass done so far, with its rate and ETA.
/// The pipeline's `JobProgressMeter` fills it; renderers only show it.
public struct JobProgress: Sendable, Equatable {
    /// The step running now. `compare` is a pass of its own (before the plan exists); erase,
    /// write and verify are the steps of the write pass, whose total is the bytes to write.
    public enum Phase: String, Sendable, Equatable {
        case compare, erase, write, verify
    }

    public var phase: Phase
    /// The image the step is about; nil for work outside any image (erasing what lies outside).
    public var image: String?
    /// Image bytes of this pass done so far (written, or compared), over every image.
    public var done: Int
    /// Image bytes the pass covers: every image compared, or every image that is written.
    public var total: Int
    /// Seconds since the pass's first step of its own kind began (the first write, the first
    /// compare): later erases and proofs are included, so the rate is the effective one and the
    /// ETA allows for them.
    public var elapsed: Double

    public init(phase: Phase, image: String?, done: Int, total: Int, elapsed: Double) {
        self.phase = phase
        self.image = image
        self.done = done
        self.total = total
        self.elapsed = elapsed
    }

    /// The pass's effective rate: image bytes over all the time it took so far.
    public var bytesPerSecond: Double { Self.rate(done: done, elapsed: elapsed) }

    /// Seconds left at the effective rate; nil before there is a rate to go by.
    public var secondsLeft: Double? { Self.eta(done: done, total: total, elapsed: elapsed) }

    public var fraction: Double { total > 0 ? min(1, Double(done) / Double(total)) : 1 }

    public static func rate(done: Int, elapsed: Double) -> Double {
        elapsed > 0 && done > 0 ? Double(done) / elapsed : 0
    }

    /// `(total - done) / rate`, 0 once done; nil while nothing is done (no rate yet).
    public static func eta(done: Int, total: Int, elapsed: Double) -> Double? {
        guard done < total else { return 0 }
        let rate = rate(done: done, elapsed: elapsed)
        guard rate > 0 else { return nil }
        return Double(total - done) / rate
    }
}

/// What one flash job did (or, on a dry run, would do), for the result line, `--json` and the
/// station report.
public struct FlashOutcome: Sendable, Equatable {
    public struct Image: Sendable, Equatable {
        public var name: String
        public var address: Int
        public var size: Int
        public var compressedSize: Int?
        public var skipped: Bool
        public var seconds: Double
        public var sha256: String
    }

    public var images: [Image] = []
    /// Ranges erased (or, on a dry run, that would be).
    public var erased: [Range<Int>] = []
    /// True when the route's whole-flash erase was used.
    public var erasedAll = false
    /// On a dry run: every step, in words, with ranges and byte counts.
    public var plan: [String] = []
    public var dryRun = false
    /// Ranges an interrupted session left that this job did not repair (still in the journal).
    public var stillUnproven: [Range<Int>] = []
    /// Names of irreversible steps carried out (eFuse fields).
    public var irreversible: [String] = []

    public init() {}

    public var written: [Image] { images.filter { !$0.skipped } }
    public var bytesWritten: Int { written.map(\.size).reduce(0, +) }
}

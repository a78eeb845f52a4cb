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
        /// How the device proved it holds the image; nil when skipped (the compare proved it).
        public var proof: FlashProof?
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
    /// The whole job's time, connect included, as whoever timed it measured it (0: untimed).
    public var seconds: Double = 0

    public init() {}

    public var skipped: [Image] { images.filter(\.skipped) }

    public var written: [Image] { images.filter { !$0.skipped } }
    public var bytesWritten: Int { written.map(\.size).reduce(0, +) }
}

/// How a route proves an image is on the device after writing it.
public enum FlashProof: String, Sendable, Equatable, Codable {
    /// The device hashed the range (the module's boot ROM, 0x3E).
    case deviceSHA256 = "device-sha256"
    /// The STM32 bootloader's CRC of the range (Get Checksum, 0xA1).
    case checksum
    /// The flash read back and compared byte by byte.
    case readBack = "read-back"

    /// As a person reads it in the summary.
    public var text: String {
        switch self {
        case .deviceSHA256: "device SHA-256"
        case .checksum: "CRC checksum"
        case .readBack: "read-back"
        }
    }
}

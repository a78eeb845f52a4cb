/// Where a segment's bytes came from, so that an overlap or an out-of-range address names the
/// line or ELF segment the user must fix rather than an anonymous address.
public struct Origin: Sendable, Hashable, CustomStringConvertible {
    public enum Location: Sendable, Hashable {
        /// A raw binary: the whole file.
        case whole
        /// Text records (Intel HEX, S-record), 1-based lines as an editor numbers them.
        case lines(ClosedRange<Int>)
        /// An ELF program header, numbered from 0 as `readelf -l` numbers them.
        case segment(Int)
    }

    /// The file as the user named it.
    public var file: String
    public var location: Location

    public init(file: String, location: Location) {
        self.file = file
        self.location = location
    }

    public static func line(_ line: Int, in file: String) -> Origin {
        Origin(file: file, location: .lines(line...line))
    }

    public var description: String {
        switch location {
        case .whole: file
        case .lines(let lines) where lines.count == 1: "\(file) line \(lines.lowerBound)"
        case .lines(let lines): "\(file) lines \(lines.lowerBound)-\(lines.upperBound)"
        case .segment(let index): "\(file) segment \(index)"
        }
    }

    /// One origin for two joined pieces when that loses nothing (lines of one file widen to
    /// cover both); nil when both must be kept.
    func widened(with other: Origin) -> Origin? {
        guard file == other.file else { return nil }
        switch (location, other.location) {
        case (.whole, .whole): return self
        case (.lines(let a), .lines(let b)):
            return Origin(
                file: file, location: .lines(min(a.lowerBound, b.lowerBound)...max(a.upperBound, b.upperBound)))
        default: return nil
        }
    }
}

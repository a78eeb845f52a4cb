import Foundation

/// Where journals live. The CLI chooses the folder (the user's cache); the library reads no
/// environment of its own.
public struct JournalStore: Sendable {
    public var folder: String

    public init(folder: String) {
        self.folder = folder
    }

    public func journal(for key: String) -> SessionJournal {
        let safe = String(key.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        return SessionJournal(path: "\(folder)/\(safe).json")
    }
}

/// A record, kept on disk while a session changes flash, of exactly which ranges were erased,
/// written and verified. It is written before the device is touched, so a pulled cable,
/// power loss or Ctrl-C leaves it behind; the next run on the same device repairs what it names
/// (or keeps it and warns) and deletes it only when every range it names is proven.
public final class SessionJournal: @unchecked Sendable {
    public enum Kind: String, Codable, Sendable { case erase, write, verified, pending }

    public struct Entry: Codable, Sendable, Equatable {
        public var kind: Kind
        public var start: Int
        public var end: Int

        public var range: Range<Int> { start..<end }
    }

    public let path: String
    public private(set) var entries: [Entry] = []
    private let lock = NSLock()

    public init(path: String) {
        self.path = path
    }

    /// Ranges an earlier, unfinished session changed and never proved.
    public func leftover() -> [Range<Int>] {
        guard let data = FileManager.default.contents(atPath: path),
            let entries = try? JSONDecoder().decode([Entry].self, from: data)
        else { return [] }
        return Self.unproven(entries)
    }

    /// Ranges erased or written (or carried over as pending) and not covered by a verified one.
    public static func unproven(_ entries: [Entry]) -> [Range<Int>] {
        let verified = entries.filter { $0.kind == .verified }.map(\.range)
        let changed = entries.filter { $0.kind != .verified }.map(\.range)
        return RangeSet.coalesce(changed.flatMap { RangeSet.subtract(verified, from: $0) })
    }

    public func record(_ kind: Kind, _ range: Range<Int>) {
        guard !range.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        entries.append(Entry(kind: kind, start: range.lowerBound, end: range.upperBound))
        let folder = PathName.folder(of: path)
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if let data = try? JSONEncoder().encode(entries) {
            FileManager.default.createFile(atPath: path, contents: data)
        }
    }

    public func ranges(_ kind: Kind) -> [Range<Int>] {
        lock.lock()
        defer { lock.unlock() }
        return RangeSet.coalesce(entries.filter { $0.kind == kind }.map(\.range))
    }

    /// Ends the session: the file goes when nothing is left unproven, else it keeps exactly what is.
    public func finish() {
        lock.lock()
        let left = Self.unproven(entries)
        lock.unlock()
        if left.isEmpty {
            try? FileManager.default.removeItem(atPath: path)
        } else {
            lock.lock()
            entries = []
            lock.unlock()
            for range in left { record(.pending, range) }
        }
    }
}

/// Half-open integer ranges as sets: the arithmetic the journal and the planner share.
public enum RangeSet {
    public static func coalesce(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where !range.isEmpty {
            if let last = out.last, last.upperBound >= range.lowerBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                out.append(range)
            }
        }
        return out
    }

    /// `range` without any of `holes`.
    public static func subtract(_ holes: [Range<Int>], from range: Range<Int>) -> [Range<Int>] {
        var pieces = [range]
        for hole in holes {
            pieces = pieces.flatMap { piece -> [Range<Int>] in
                guard piece.overlaps(hole) else { return [piece] }
                var out: [Range<Int>] = []
                if hole.lowerBound > piece.lowerBound { out.append(piece.lowerBound..<hole.lowerBound) }
                if hole.upperBound < piece.upperBound { out.append(hole.upperBound..<piece.upperBound) }
                return out
            }
        }
        return pieces
    }

    public static func totalCount(_ ranges: [Range<Int>]) -> Int { ranges.reduce(0) { $0 + $1.count } }
}

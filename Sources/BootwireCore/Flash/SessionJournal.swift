import Foundation

/// Where journals live. The CLI chooses the folder (the user's cache); the library reads no
/// environment of its own.
public struct JournalStore: Sendable {
    public var folder: String

    public init(folder: String) {
        self.folder = folder
    }

    /// The journal of the device `key` names (its unique identity: `TargetIdentity.journalKey`);
    /// `device` is the name `journal list` shows.
    public func journal(for key: String, device: String = "") -> SessionJournal {
        SessionJournal(path: path(for: key), key: key, device: device)
    }

    func path(for key: String) -> String {
        let safe = String(key.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        return "\(folder)/\(safe).json"
    }

    /// One journal left on disk: a session cut short whose ranges are not yet proven.
    public struct Listing: Sendable, Equatable {
        public var key: String
        public var device: String
        public var path: String
        /// When the journal was last written.
        public var modified: Date
        public var pending: [Range<Int>]
    }

    /// Every journal in the folder, oldest first.
    public func list() -> [Listing] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".json") }.compactMap { name -> Listing? in
            let path = "\(folder)/\(name)"
            guard let file = SessionJournal.File.load(path) else { return nil }
            let modified =
                (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date()
            return Listing(
                key: file.key ?? String(name.dropLast(5)), device: file.device ?? "", path: path, modified: modified,
                pending: SessionJournal.unproven(file.entries))
        }.sorted { $0.modified < $1.modified }
    }

    /// The journal whose key (or file name) is `key`, if any.
    public func find(_ key: String) -> Listing? {
        list().first { $0.key == key || $0.path == path(for: key) }
    }

    /// Deletes the journals listed; the flash they name stays as it is (the next run no longer
    /// warns or repairs, so the person clearing vouches for it).
    public func remove(_ listings: [Listing]) throws {
        for listing in listings { try FileManager.default.removeItem(atPath: listing.path) }
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

    /// The file: the device's key and name (for `journal list`) and the entries. Files written
    /// before the key was kept hold the entries alone, and still load.
    struct File: Codable {
        var key: String?
        var device: String?
        var entries: [Entry]

        static func load(_ path: String) -> File? {
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            if let file = try? JSONDecoder().decode(File.self, from: data) { return file }
            return (try? JSONDecoder().decode([Entry].self, from: data)).map { File(entries: $0) }
        }
    }

    public let path: String
    public let key: String
    public let device: String
    public private(set) var entries: [Entry] = []
    private let lock = NSLock()

    public init(path: String, key: String = "", device: String = "") {
        self.path = path
        self.key = key
        self.device = device
    }

    /// Ranges an earlier, unfinished session changed and never proved.
    public func leftover() -> [Range<Int>] {
        File.load(path).map { Self.unproven($0.entries) } ?? []
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
        let file = File(key: key.isEmpty ? nil : key, device: device.isEmpty ? nil : device, entries: entries)
        if let data = try? JSONEncoder().encode(file) {
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

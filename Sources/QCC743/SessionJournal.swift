import BootwireCore
import Foundation

/// A record, kept on disk while a session changes flash, of exactly which ranges were erased,
/// written and verified. A session that ends cleanly deletes it; one that is interrupted
/// (cable pulled, power lost, Ctrl-C) leaves it, and the next run for the same chip reports
/// it and rewrites what it names whatever the device's hashes say.
public final class SessionJournal: @unchecked Sendable {
    public enum Kind: String, Codable, Sendable { case erase, write, verified }

    public struct Entry: Codable, Sendable, Equatable {
        public var kind: Kind
        public var start: Int
        public var end: Int
    }

    public let path: String
    public private(set) var entries: [Entry] = []
    private let lock = NSLock()

    /// The journal of `chipID` under the user's cache directory (XDG_CACHE_HOME or ~/.cache).
    public static func path(forChip chipID: String) -> String {
        let env = ProcessInfo.processInfo.environment
        let cache = env["XDG_CACHE_HOME"] ?? ((env["HOME"] ?? NSTemporaryDirectory()) + "/.cache")
        return "\(cache)/bootwire/sessions/\(chipID).json"
    }

    public init(path: String) {
        self.path = path
    }

    /// What an earlier, unfinished session left, if anything.
    public static func leftover(at path: String) -> [Entry]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode([Entry].self, from: data)
    }

    /// Ranges an unfinished session erased or wrote but never verified.
    public static func unverified(_ entries: [Entry]) -> [Range<Int>] {
        let verified = entries.filter { $0.kind == .verified }.map { $0.start..<$0.end }
        return entries.filter { $0.kind != .verified }.map { $0.start..<$0.end }.filter { range in
            !verified.contains { $0.lowerBound <= range.lowerBound && $0.upperBound >= range.upperBound }
        }
    }

    public func record(_ kind: Kind, _ range: Range<Int>) {
        lock.lock()
        defer { lock.unlock() }
        entries.append(Entry(kind: kind, start: range.lowerBound, end: range.upperBound))
        // Written before the device is touched, so a pulled cable leaves it behind.
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if let data = try? JSONEncoder().encode(entries) {
            FileManager.default.createFile(atPath: path, contents: data)
        }
    }

    /// `0x10000..0x20000, 0x378000..0x3e5000`.
    public static func describe(_ ranges: [Range<Int>]) -> String {
        ranges.map { "0x\(String($0.lowerBound, radix: 16))..0x\(String($0.upperBound, radix: 16))" }.joined(
            separator: ", ")
    }

    public func finish() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

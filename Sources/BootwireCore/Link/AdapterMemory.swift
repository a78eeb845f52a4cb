import Foundation

/// The highest rate each USB-serial adapter (by serial number) was seen to carry, so a session
/// after a fallback starts at the rate that works. The caller chooses the file (the CLI: the
/// user's cache directory); the library reads no environment.
public struct AdapterMemory: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public func limit(forSerial serial: String) -> Int? {
        load()[serial]
    }

    public func remember(serial: String, workingBaud: Int) {
        var all = load()
        all[serial] = workingBaud
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if let data = try? JSONEncoder().encode(all) { FileManager.default.createFile(atPath: path, contents: data) }
    }

    private func load() -> [String: Int] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        return (try? JSONDecoder().decode([String: Int].self, from: data)) ?? [:]
    }
}

import Foundation

/// The highest rate each USB-serial adapter (by serial number) was seen to carry, so a session
/// after a fallback starts at the rate that works; and the rate the last boot-ROM session on
/// each port left the module at, so a module with no reset lines, still in that session, can be
/// reached again. The caller chooses the file (the CLI: the user's cache directory); the
/// library reads no environment.
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
            atPath: PathName.folder(of: path), withIntermediateDirectories: true)
        if let data = try? JSONEncoder().encode(all) { FileManager.default.createFile(atPath: path, contents: data) }
    }

    /// The last session on a port (by adapter serial, or by path): the rate it left the ROM at.
    public struct LastSession: Codable, Sendable, Equatable {
        public var baud: Int
        public var endedAt: Date
    }

    public var sessionsPath: String {
        PathName.folder(of: path) + "/last-sessions.json"
    }

    public func lastSession(port key: String) -> LastSession? {
        loadSessions()[key]
    }

    public func rememberSession(port key: String, baud: Int, at date: Date = Date()) {
        var all = loadSessions()
        all[key] = LastSession(baud: baud, endedAt: date)
        try? FileManager.default.createDirectory(
            atPath: PathName.folder(of: sessionsPath), withIntermediateDirectories: true)
        if let data = try? JSONEncoder().encode(all) {
            FileManager.default.createFile(atPath: sessionsPath, contents: data)
        }
    }

    private func loadSessions() -> [String: LastSession] {
        guard let data = FileManager.default.contents(atPath: sessionsPath) else { return [:] }
        return (try? JSONDecoder().decode([String: LastSession].self, from: data)) ?? [:]
    }

    private func load() -> [String: Int] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        return (try? JSONDecoder().decode([String: Int].self, from: data)) ?? [:]
    }
}

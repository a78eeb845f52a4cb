import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Paths the emulator makes for others to open: a symlink to its pseudo-terminal (`--link`) or
/// a Unix socket (`emulate usb --socket`). One left by an earlier run is replaced; anything else
/// at the path (a folder, a regular file, a socket someone still serves on) is refused before
/// anything is made, and never deleted.
public enum OwnedPath {
    public enum Kind: Sendable {
        /// A symlink into /dev/pts, as `VirtualDeviceRunner` makes.
        case terminalLink
        /// A Unix socket nobody accepts on any more.
        case socket
    }

    /// Makes `path` free for a new link or socket of `kind`; `option` names the flag for the message.
    public static func claim(_ path: String, as kind: Kind, option: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard isStale(path, info, kind) else {
            throw BootwireError(
                .pathInUse, "\(option) \(path) already exists and is not a stale \(kind.name) of Bootwire's",
                evidence: ["path": path, "found": describe(info)])
        }
        unlink(path)
    }

    /// Removes what `claim` made, only if it is still that kind of thing.
    public static func release(_ path: String, as kind: Kind) {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == kind.fileType else { return }
        if kind == .terminalLink && !pointsIntoPTS(path) { return }
        unlink(path)
    }

    private static func isStale(_ path: String, _ info: stat, _ kind: Kind) -> Bool {
        guard info.st_mode & S_IFMT == kind.fileType else { return false }
        switch kind {
        case .terminalLink: return pointsIntoPTS(path)
        case .socket: return !acceptsConnections(path)
        }
    }

    private static func pointsIntoPTS(_ path: String) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path))?.hasPrefix("/dev/pts/") == true
    }

    /// A live server answers connect(); a stale socket file refuses it.
    private static func acceptsConnections(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return true }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else { return true }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }

    private static func describe(_ info: stat) -> String {
        switch info.st_mode & S_IFMT {
        case S_IFDIR: "a folder"
        case S_IFREG: "a regular file"
        case S_IFLNK: "a symlink"
        case S_IFSOCK: "a socket"
        default: "a special file"
        }
    }
}

extension OwnedPath.Kind {
    var fileType: mode_t { self == .terminalLink ? S_IFLNK : S_IFSOCK }
    var name: String { self == .terminalLink ? "link to a pseudo-terminal" : "socket" }
}

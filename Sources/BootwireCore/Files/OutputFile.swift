import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one way Bootwire writes a file a person named (`read --file`, `--dump`, `state=`,
/// `--stats`, eFuse files, reports), so that no failure harms what was there:
/// - a regular file, or a new one, is written to a temporary file beside it and renamed over
///   it only once every byte is on the disk (fsync): on any failure the old file is untouched
///   and nothing partial is left (the `mv`-into-place rule of rsync and of editors' safe save);
/// - a symlink is followed, its target written and the link kept;
/// - a device node or a FIFO is opened and written in place, as `dd of=/dev/null` does;
/// - a folder or a socket is refused.
/// A full disk is `disk-full`; anything else `output-write-failed`.
public enum OutputFile {
    /// Refuses, before any port opens, a path that could not be written: a missing folder, a
    /// folder, a socket, a file or folder without write permission.
    public static func check(_ path: String) throws {
        let target = resolve(path)
        var info = stat()
        if lstat(target, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFDIR: throw refusal(path, "is a folder")
            case S_IFSOCK: throw refusal(path, "is a socket")
            case S_IFREG:
                guard access(target, W_OK) == 0 else { throw refusal(path, "is not writable", errno: errno) }
                try checkFolder(of: target, path)
            default:
                guard access(target, W_OK) == 0 else { throw refusal(path, "is not writable", errno: errno) }
            }
        } else {
            try checkFolder(of: target, path)
        }
    }

    /// Writes `bytes` to `path` as described above; the path ends holding all of them, or
    /// whatever it held before.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(bytes, to: path, chunk: { fd, buffer in Glibc.write(fd, buffer.baseAddress, buffer.count) })
    }

    public static func write(_ data: Data, to path: String) throws { try write([UInt8](data), to: path) }

    /// Adds `bytes` at the end of `path` (a station's log over a shift), in one write so that a
    /// line is never split between two runs; creates the file if needed.
    public static func append(_ bytes: [UInt8], to path: String) throws {
        try check(path)
        let fd = open(resolve(path), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw failure(path, "cannot open", errno: errno) }
        defer { close(fd) }
        try writeAll(bytes, fd: fd, path: path) { fd, buffer in Glibc.write(fd, buffer.baseAddress, buffer.count) }
    }

    /// A file written while something runs (a wire trace, a device log): checked like any
    /// output, then opened where it is (a link followed, a device node or FIFO written, a
    /// regular file emptied first, as a shell's `>` does). Returns the descriptor.
    public static func openForStreaming(_ path: String) throws -> Int32 {
        try check(path)
        let target = resolve(path)
        var info = stat()
        if lstat(target, &info) == 0 && info.st_mode & S_IFMT != S_IFREG { return try openInPlace(target, path) }
        let fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw failure(path, "cannot open", errno: errno) }
        return fd
    }

    /// A device node or a FIFO, opened where it is for writing. A FIFO nobody reads is refused at
    /// once (opening it would block until a reader came: a session that never starts).
    private static func openInPlace(_ target: String, _ path: String) throws -> Int32 {
        let fd = open(target, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let error = errno
            if error == ENXIO { throw refusal(path, "is a FIFO that no program is reading", errno: error) }
            throw failure(path, "cannot open", errno: error)
        }
        // Writes block again, as they do on a regular file.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }

    /// `chunk` writes one piece (the system's write(2) but in tests).
    static func write(
        _ bytes: [UInt8], to path: String, chunk: (Int32, UnsafeRawBufferPointer) -> Int
    ) throws {
        try check(path)
        let target = resolve(path)
        var info = stat()
        let exists = lstat(target, &info) == 0
        if exists && info.st_mode & S_IFMT != S_IFREG {
            // A device node or a FIFO: written in place, never replaced.
            let fd = try openInPlace(target, path)
            defer { close(fd) }
            try writeAll(bytes, fd: fd, path: path, chunk: chunk)
            return
        }
        let folder = PathName.folder(of: target)
        let name = (target as NSString).lastPathComponent
        var template = Array(((folder.isEmpty ? "." : folder) + "/." + name + ".bootwire-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw failure(path, "cannot create a file beside", errno: errno) }
        let temporary = String(cString: template)
        var renamed = false
        defer {
            close(fd)
            if !renamed { unlink(temporary) }
        }
        // The new file gets the old one's permissions and owner, or the umask's for a new file.
        if exists {
            fchmod(fd, info.st_mode & 0o7777)
            _ = fchown(fd, info.st_uid, info.st_gid)
        } else {
            let mask = umask(0)
            umask(mask)
            fchmod(fd, 0o666 & ~mask)
        }
        try writeAll(bytes, fd: fd, path: path, chunk: chunk)
        guard fsync(fd) == 0 else { throw failure(path, "cannot flush", errno: errno) }
        guard rename(temporary, target) == 0 else { throw failure(path, "cannot move into place", errno: errno) }
        renamed = true
    }

    /// The path a write lands on: symlinks followed (a relative link is relative to its folder).
    static func resolve(_ path: String) -> String {
        var current = path
        for _ in 0..<40 {
            guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else {
                return current
            }
            current =
                destination.hasPrefix("/")
                ? destination
                : (PathName.folder(of: current) as NSString)
                    .appendingPathComponent(destination)
        }
        return current
    }

    private static func writeAll(
        _ bytes: [UInt8], fd: Int32, path: String, chunk: (Int32, UnsafeRawBufferPointer) -> Int
    ) throws {
        var done = 0
        try bytes.withUnsafeBytes { all in
            while done < all.count {
                let wrote = chunk(fd, UnsafeRawBufferPointer(rebasing: all[done...]))
                if wrote < 0 && errno == EINTR { continue }
                guard wrote > 0 else { throw failure(path, "cannot write", errno: wrote == 0 ? ENOSPC : errno) }
                done += wrote
            }
        }
    }

    private static func checkFolder(of target: String, _ path: String) throws {
        let folder = PathName.folder(of: target)
        guard access(folder.isEmpty ? "." : folder, W_OK | X_OK) == 0 else {
            throw refusal(path, "cannot be made: its folder does not exist or is not writable", errno: errno)
        }
    }

    private static func refusal(_ path: String, _ why: String, errno value: Int32? = nil) -> BootwireError {
        BootwireError(
            .outputWriteFailed, "\(path) \(why)",
            evidence: ["file": path].merging(value.map { ["errno": "\($0)"] } ?? [:]) { a, _ in a })
    }

    private static func failure(_ path: String, _ what: String, errno value: Int32) -> BootwireError {
        let full = value == ENOSPC || value == EDQUOT
        return BootwireError(
            full ? .diskFull : .outputWriteFailed,
            "\(what) \(path): \(String(cString: strerror(value)))"
                + (full ? "; nothing was written" : ""),
            evidence: ["file": path, "errno": "\(value)"])
    }
}

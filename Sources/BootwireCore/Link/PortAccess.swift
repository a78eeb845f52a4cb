import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Who holds a port open: scans /proc/*/fd for links to the device node.
public enum PortHolders {
    /// Processes other than this one that hold `path` open, as `pid N (comm)`. A process that
    /// also holds the master of the same pseudo-terminal is the device side (a Python
    /// `os.openpty()` emulator keeps both ends, so that its master never reads as hung up), not
    /// a rival, and is left out.
    public static func find(_ path: String, proc: String = "/proc") -> [String] {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let ptyIndex = ptyNumber(target)
        let me = getpid()
        var holders: [String] = []
        let fm = FileManager.default
        guard let pids = try? fm.contentsOfDirectory(atPath: proc) else { return [] }
        for pid in pids where Int32(pid) != nil && Int32(pid) != me {
            guard let fds = try? fm.contentsOfDirectory(atPath: "\(proc)/\(pid)/fd") else { continue }
            var holdsPort = false
            var holdsMaster = false
            for fd in fds {
                guard let link = try? fm.destinationOfSymbolicLink(atPath: "\(proc)/\(pid)/fd/\(fd)") else { continue }
                if link == target { holdsPort = true }
                if let ptyIndex, masterPaths.contains(link),
                    masterIndex(fdinfo: "\(proc)/\(pid)/fdinfo/\(fd)") == ptyIndex
                {
                    holdsMaster = true
                }
            }
            guard holdsPort && !holdsMaster else { continue }
            let comm =
                (try? String(contentsOfFile: "\(proc)/\(pid)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            holders.append("pid \(pid) (\(comm))")
        }
        return holders
    }

    /// Where a pty master is opened from (the multiplexer, and its devpts instance).
    static let masterPaths: Set<String> = ["/dev/ptmx", "/dev/pts/ptmx"]

    /// N of `/dev/pts/N`, the number the master's TIOCGPTN reports.
    static func ptyNumber(_ path: String) -> Int? {
        guard path.hasPrefix("/dev/pts/") else { return nil }
        return Int(path.dropFirst("/dev/pts/".count))
    }

    /// The pty a master descriptor leads to: `tty-index` in its fdinfo (Linux 4.20 and later;
    /// TIOCGPTN needs the descriptor itself, which another process's is not).
    static func masterIndex(fdinfo: String) -> Int? {
        guard let text = try? String(contentsOfFile: fdinfo, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("tty-index:") {
            return Int(line.dropFirst("tty-index:".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}

/// The `port-permission` error with the exact fix: the node's owner group, the user's groups,
/// and the command or udev rule that grants access.
public enum PortPermission {
    public static func error(path: String) -> BootwireError {
        var st = stat()
        var evidence: [String: String] = [:]
        var group = "dialout"
        if stat(path, &st) == 0 {
            evidence["mode"] = String(st.st_mode & 0o777, radix: 8)
            if let gr = getgrgid(st.st_gid) { group = String(cString: gr.pointee.gr_name) }
            evidence["group"] = group
            if let pw = getpwuid(st.st_uid) { evidence["owner"] = String(cString: pw.pointee.pw_name) }
        }
        let user = (getpwuid(getuid())).map { String(cString: $0.pointee.pw_name) } ?? "$USER"
        evidence["user"] = user
        evidence["user-groups"] = currentGroups().joined(separator: ",")
        return BootwireError(
            .portPermission, "\(user) may not open \(path)",
            hint:
                "run `sudo usermod -aG \(group) \(user)` and log in again, or install a udev rule "
                + "(`bootwire udev-rules`) that gives the adapter MODE=\"0660\", GROUP=\"\(group)\"",
            evidence: evidence)
    }

    private static func currentGroups() -> [String] {
        var count = getgroups(0, nil)
        guard count > 0 else { return [] }
        var ids = [gid_t](repeating: 0, count: Int(count))
        count = getgroups(count, &ids)
        return ids.prefix(Int(max(count, 0))).compactMap { id in
            getgrgid(id).map { String(cString: $0.pointee.gr_name) }
        }
    }
}

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Who holds a port open: scans /proc/*/fd for links to the device node.
public enum PortHolders {
    public static func find(_ path: String) -> [String] {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let me = getpid()
        var holders: [String] = []
        let fm = FileManager.default
        guard let pids = try? fm.contentsOfDirectory(atPath: "/proc") else { return [] }
        for pid in pids where Int32(pid) != nil && Int32(pid) != me {
            guard let fds = try? fm.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { continue }
            for fd in fds {
                if (try? fm.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) == target {
                    let comm =
                        (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
                        .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
                    holders.append("pid \(pid) (\(comm))")
                    break
                }
            }
        }
        return holders
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

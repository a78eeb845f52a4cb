import BootwireCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why a present device cannot be opened, told from the node itself: its mode and owner, the
/// groups this user is in, and the udev rule that fixes it. Never "no device".
public enum USBPermission {
    public static func diagnose(_ record: USBDeviceRecord) -> BootwireError {
        var evidence = ["node": record.nodePath, "device": record.ids]
        var nodeText = record.nodePath
        var st = stat()
        if stat(record.nodePath, &st) == 0 {
            let mode = String(st.st_mode & 0o777, radix: 8)
            let owner = userName(st.st_uid)
            let group = groupName(st.st_gid)
            evidence["mode"] = mode
            evidence["owner"] = "\(owner):\(group)"
            nodeText += " (mode \(mode), \(owner):\(group))"
        }
        let groups = userGroups()
        evidence["groups"] = groups.joined(separator: " ")
        let rule = UdevRules.rule(vendorID: record.vendorID, productID: record.productID)
        evidence["rule"] = rule
        return BootwireError(
            .usbPermission,
            "\(record.ids) \(record.product ?? "") is present but \(nodeText) cannot be opened by \(userName(getuid())) "
                + "(groups: \(groups.isEmpty ? "none" : groups.joined(separator: ", ")))",
            hint: "install the udev rule: `sudo bootwire udev-rules --install` (or add `\(rule)` to "
                + "\(UdevRules.installPath)), then replug the device",
            evidence: evidence)
    }

    static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid) else { return "uid \(uid)" }
        return String(cString: entry.pointee.pw_name)
    }

    static func groupName(_ gid: gid_t) -> String {
        guard let entry = getgrgid(gid) else { return "gid \(gid)" }
        return String(cString: entry.pointee.gr_name)
    }

    static func userGroups() -> [String] {
        let count = getgroups(0, nil)
        guard count > 0 else { return [groupName(getgid())] }
        var ids = [gid_t](repeating: 0, count: Int(count))
        let got = getgroups(count, &ids)
        return Array(Set(ids.prefix(Int(max(0, got))).map(groupName) + [groupName(getgid())])).sorted()
    }
}

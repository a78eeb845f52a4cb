/// The folder part of a path, as dirname(1) gives it: `.` for a bare name, `/` for a name at the
/// root, trailing slashes ignored. Bootwire never calls NSString's `deletingLastPathComponent`:
/// swift-corelibs-foundation 6.3 traps on any one-character path (`a`, `=`), so `--trace =` and
/// `state=a` crashed (issue #23's hostile-input suite).
public enum PathName {
    public static func folder(of path: String) -> String {
        var text = Substring(path)
        while text.count > 1 && text.hasSuffix("/") { text.removeLast() }
        guard let slash = text.lastIndex(of: "/") else { return "." }
        var folder = text[..<slash]
        while folder.count > 1 && folder.hasSuffix("/") { folder.removeLast() }
        return folder.isEmpty ? "/" : String(folder)
    }
}

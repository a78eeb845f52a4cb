import BootwireCore
import Foundation

/// Turns an ini `filedir` into a file on the host the way the vendor tool does (spec 11):
/// `$(CHIPNAME)` and `$(ENVVAR)` substituted, backslashes made `/`, relative paths taken from
/// the ini's own folder (not the working directory, so a config works from anywhere), and a
/// `*` in the file name allowed when it matches exactly one file.
struct ImagePathResolver {
    var iniDirectory: String
    var chipName: String
    var environment: [String: String]
    var iniFile: String

    func resolve(_ filedir: IniDocument.Value, section: String) throws -> String {
        func evidence(_ extra: [String: String] = [:]) -> [String: String] {
            ["file": iniFile, "line": "\(filedir.line)", "section": section, "filedir": filedir.text]
                .merging(extra) { $1 }
        }
        var path = try substitute(filedir.text, evidence: evidence())
        path = path.replacingOccurrences(of: "\\", with: "/")
        if !path.hasPrefix("/") { path = iniDirectory + "/" + path }
        path = URL(fileURLWithPath: path).standardizedFileURL.path

        if isRegularFile(path) { return path }
        let name = (path as NSString).lastPathComponent
        guard name.contains("*") else {
            throw BootwireError(
                .fileNotFound, "[\(section)] names a file that does not exist: \(path)",
                evidence: evidence(["path": path]))
        }
        let directory = (path as NSString).deletingLastPathComponent
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let matches = entries.filter { Self.matches(name: $0, pattern: name) && isRegularFile(directory + "/" + $0) }
            .sorted()
        guard matches.count == 1 else {
            if matches.isEmpty {
                throw BootwireError(
                    .fileNotFound, "[\(section)] pattern \(name) matches no file in \(directory)",
                    evidence: evidence(["path": path]))
            }
            throw BootwireError(
                .badConfig, "[\(section)] pattern \(name) matches \(matches.count) files; it must match one",
                evidence: evidence(["path": path, "matches": matches.joined(separator: ",")]))
        }
        return directory + "/" + matches[0]
    }

    /// `$(CHIPNAME)` → the chip name, `$(NAME)` → the environment variable. An unset variable is
    /// an error rather than an empty string, which would silently point elsewhere.
    private func substitute(_ text: String, evidence: [String: String]) throws -> String {
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "$(") {
            out += rest[..<start.lowerBound]
            guard let close = rest[start.upperBound...].firstIndex(of: ")") else {
                throw BootwireError(.badConfig, "unterminated $( in filedir", evidence: evidence)
            }
            let name = String(rest[start.upperBound..<close])
            if name == "CHIPNAME" {
                out += chipName
            } else if let value = environment[name] {
                out += value
            } else {
                throw BootwireError(
                    .badConfig, "filedir uses $(\(name)), which is not set",
                    evidence: evidence.merging(["variable": name]) { $1 })
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    private func isRegularFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// `*` matches any run of characters (including none); everything else matches itself.
    static func matches(name: String, pattern: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return name == pattern }
        guard name.hasPrefix(parts[0]), name.count >= parts[0].count + parts[parts.count - 1].count else {
            return false
        }
        // Prefix and suffix are anchored; the middle parts must appear in order between them.
        var rest = Substring(name).dropFirst(parts[0].count).dropLast(parts[parts.count - 1].count)
        guard name.hasSuffix(parts[parts.count - 1]) else { return false }
        for part in parts[1..<parts.count - 1] where !part.isEmpty {
            guard let found = rest.range(of: part) else { return false }
            rest = rest[found.upperBound...]
        }
        return true
    }
}

import BootwireCore
import Foundation

/// Turns an ini `filedir` into a file on the host the way the vendor tool does (spec 11):
/// `$(CHIPNAME)` and `$(ENVVAR)` substituted, backslashes made `/`, relative paths taken from
/// the ini's own folder (not the working directory, so a config works from anywhere), a `*` in
/// the file name allowed when it matches exactly one file, and ST's `vxxx` placeholder
/// (`st67w611m_mission_t02_vxxx.bin`) taken as the newest version file beside it, which is what
/// ST's NCP_update_*.sh scripts substitute before they call QConn_Flash_Cmd.
struct ImagePathResolver {
    var iniDirectory: String
    var chipName: String
    var environment: [String: String]
    var iniFile: String

    /// ST's placeholder for "the newest version present".
    static let versionPlaceholder = "vxxx"

    func resolve(_ filedir: IniDocument.Value, section: String) throws -> String {
        try resolveNamingVersion(filedir, section: section).path
    }

    /// The file, and the version file chosen when the name held `vxxx`.
    func resolveNamingVersion(_ filedir: IniDocument.Value, section: String) throws -> (
        path: String, version: FlashManifest.VersionChoice?
    ) {
        func evidence(_ extra: [String: String] = [:]) -> [String: String] {
            ["file": iniFile, "line": "\(filedir.line)", "section": section, "filedir": filedir.text]
                .merging(extra) { $1 }
        }
        var path = try substitute(filedir.text, evidence: evidence())
        path = path.replacingOccurrences(of: "\\", with: "/")
        if !path.hasPrefix("/") { path = iniDirectory + "/" + path }
        path = URL(fileURLWithPath: path).standardizedFileURL.path

        if isRegularFile(path) { return (path, nil) }
        let name = (path as NSString).lastPathComponent
        if name.contains(Self.versionPlaceholder) {
            let choice = try newestVersion(of: name, in: PathName.folder(of: path), section: section)
            if let choice {
                return (PathName.folder(of: path) + "/" + choice.chosen, choice)
            }
        }
        guard name.contains("*") else {
            throw BootwireError(
                .fileNotFound, "[\(section)] names a file that does not exist: \(path)",
                hint: "relative paths are taken from the ini's folder: \(iniDirectory)",
                evidence: evidence(["path": path]))
        }
        let directory = PathName.folder(of: path)
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
        return (directory + "/" + matches[0], nil)
    }

    /// `PREFIX` + `vxxx` + `SUFFIX` → the `PREFIX` + `v<version>` + `SUFFIX` file with the highest
    /// version, compared number by number (v2.0.106 is newer than v2.0.89), as ST's scripts do
    /// with `sort -V`. A version is digits and dots, as ST's scripts accept. When none is there,
    /// the error lists the files that are: those sharing the prefix, then others like it.
    func newestVersion(of name: String, in directory: String, section: String) throws -> FlashManifest.VersionChoice? {
        guard let placeholder = name.range(of: Self.versionPlaceholder) else { return nil }
        let prefix = String(name[..<placeholder.lowerBound]) + "v"
        let suffix = String(name[placeholder.upperBound...])
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { isRegularFile(directory + "/" + $0) }.sorted()
        let versions: [(file: String, version: [Int])] = entries.compactMap { file in
            guard file.hasPrefix(prefix), file.hasSuffix(suffix), file.count > prefix.count + suffix.count else {
                return nil
            }
            let text = file.dropFirst(prefix.count).dropLast(suffix.count)
            guard text.first?.isNumber == true, text.allSatisfy({ $0 == "." || ("0"..."9").contains($0) }) else {
                return nil
            }
            return (file, text.split(separator: ".").map { Int($0) ?? Int.max })
        }
        guard let newest = versions.max(by: { $0.version.lexicographicallyPrecedes($1.version) }) else {
            // What is there: the files that share the name before the placeholder first, then
            // the folder's other files with the same extension.
            let stem = String(name[..<placeholder.lowerBound])
            let sameStem = entries.filter { $0.hasPrefix(stem) }
            let candidates = sameStem + entries.filter { $0.hasSuffix(suffix) && !$0.hasPrefix(stem) }
            throw BootwireError(
                .fileNotFound,
                "[\(section)] \(name): no \(prefix)<version>\(suffix) in \(directory)",
                hint: candidates.isEmpty
                    ? "put ST's \(prefix)<version>\(suffix) beside the ini (X-CUBE-ST67W61 ships them in NCP_Binaries)"
                    : "name one of these in filedir, or put a \(prefix)<version>\(suffix) beside the ini",
                evidence: [
                    "file": iniFile, "section": section, "placeholder": name, "folder": directory,
                    "candidates": candidates.prefix(20).joined(separator: ","),
                ])
        }
        return FlashManifest.VersionChoice(
            section: section, placeholder: name, chosen: newest.file, candidates: versions.map(\.file))
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

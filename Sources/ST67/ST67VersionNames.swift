import BootwireCore
import Foundation

/// ST's inis name some images `…_vxxx.bin`, and ST's script takes the newest version present
/// (`st67w611m_mission_t02_v2.0.106.bin`). This is a local stand-in until the manifest
/// resolves the placeholder itself: it writes a copy of the ini, next to the run's state,
/// whose `vxxx` names are the newest numeric versions found beside the original ini, with
/// every relative path made absolute. A name without `vxxx` is left as it is.
public enum ST67VersionNames {
    public struct Resolved: Sendable {
        public var iniPath: String
        /// `section: chosen file` for each placeholder replaced.
        public var choices: [String]
    }

    /// Newest `prefix v<dotted numbers> suffix` in `directory` for `pattern` (`name_vxxx.bin`).
    public static func newest(pattern: String, in directory: String) -> String? {
        guard let range = pattern.range(of: "vxxx") else { return nil }
        let prefix = String(pattern[..<range.lowerBound]) + "v"
        let suffix = String(pattern[range.upperBound...])
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let versions: [([Int], String)] = entries.compactMap { name in
            guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else {
                return nil
            }
            let middle = name.dropFirst(prefix.count).dropLast(suffix.count)
            let numbers = middle.split(separator: ".").map { Int($0) }
            guard !numbers.isEmpty, numbers.allSatisfy({ $0 != nil }) else { return nil }
            return (numbers.map { $0! }, name)
        }
        return versions.max { a, b in a.0.lexicographicallyPrecedes(b.0) }?.1
    }

    public static func resolve(iniPath: String, into folder: String) throws -> Resolved {
        let directory = (iniPath as NSString).deletingLastPathComponent
        let text = try String(contentsOfFile: iniPath, encoding: .utf8)
        var section = ""
        var choices: [String] = []
        var lines: [String] = []
        for line in text.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("[") { section = trimmed }
            let parts = trimmed.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0].lowercased() == "filedir" else {
                lines.append(line)
                continue
            }
            var value = parts[1].replacingOccurrences(of: "\\", with: "/")
            let absolute = value.hasPrefix("/") ? value : directory + "/" + value
            var resolved = URL(fileURLWithPath: absolute).standardizedFileURL.path
            let name = (resolved as NSString).lastPathComponent
            if name.contains("vxxx") {
                let folder = (resolved as NSString).deletingLastPathComponent
                guard let chosen = newest(pattern: name, in: folder) else {
                    throw BootwireError(
                        .fileNotFound, "\(section) names \(name): no versioned file matches it in \(folder)",
                        hint: "put the module's images from the package in \(folder)",
                        evidence: ["ini": iniPath, "filedir": parts[1]])
                }
                resolved = folder + "/" + chosen
                choices.append("\(section) \(chosen)")
            }
            value = resolved
            lines.append("filedir = \(value)")
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let out = folder + "/" + (iniPath as NSString).lastPathComponent
        try lines.joined(separator: "\n").write(toFile: out, atomically: true, encoding: .utf8)
        return Resolved(iniPath: out, choices: choices)
    }
}

import BootwireCore
import Foundation
import TOMLKit
import Targets

/// bootwire.toml, the project file: named targets (`[target.NAME]`) and which one is the default.
/// Parsed with TOMLKit (toml++); every key is checked against the table below, so a typo is a
/// `bad-config` error naming the key, its line and the nearest valid key, never a silent default.
///
/// ```toml
/// default-target = "module"
///
/// [target.module]
/// port = "/dev/serial/by-id/usb-FTDI_FT232R_A50285BI-if00-port0"
/// chip = "qcc743"
/// ini = "flash_prog_cfg.ini"
/// operator = "line 3"
/// lot = "2026-W49"
/// ```
public struct ProjectFile: Sendable, Equatable {
    public static let fileName = "bootwire.toml"

    /// Where the file was read from (its folder anchors relative image paths).
    public var path: String
    public var defaultTarget: String?
    /// In file order.
    public var targets: [ProjectTarget]

    /// The keys a file may hold, one table per level.
    static let topKeys = ["default-target", "target"]
    static let targetKeys = [
        "port", "probe-serial", "chip", "images", "ini", "baud", "boot-baud", "reset", "swd-khz", "operator", "lot",
    ]

    /// The target `name` names, else the default one (`default-target`, or the only target).
    /// Nil when the file names none and holds several; an unknown name is a `usage` error with the nearest.
    public func target(named name: String?) throws -> ProjectTarget? {
        if let name = name ?? defaultTarget {
            guard let target = targets.first(where: { $0.name == name }) else {
                let names = targets.map(\.name)
                let near = NearestNames.suggestion(for: name, among: names)
                throw BootwireError(
                    name == defaultTarget ? .badConfig : .usage,
                    "\(path): no target `\(name)`" + (near.isEmpty ? "" : "; \(near)"),
                    hint: names.isEmpty
                        ? "add a [target.\(name)] table to \(path)"
                        : "name one of: " + names.map { "--target \($0)" }.joined(separator: ", "),
                    evidence: ["file": path, "target": name])
            }
            return target
        }
        return targets.count == 1 ? targets[0] : nil
    }

    /// Reads and parses `path`.
    public static func load(path: String) throws -> ProjectFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BootwireError(
                .fileNotFound, "project file \(path) does not exist or cannot be read",
                hint: "check the path given by --config-file or BOOTWIRE_CONFIG", evidence: ["path": path])
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// Parses the text of a project file read from `path`.
    public static func parse(_ text: String, path: String) throws -> ProjectFile {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw BootwireError(
                .badConfig, "\(path):\(error.source.begin.line): \(error.description)",
                hint: "fix the TOML syntax on that line (https://toml.io)",
                evidence: ["file": path, "line": "\(error.source.begin.line)"])
        }
        let lines = KeyLines(text)
        var file = ProjectFile(path: path, defaultTarget: nil, targets: [])
        for key in table.keys {
            guard topKeys.contains(key) else { throw unknownKey(key, in: [], valid: topKeys, path: path, lines: lines) }
        }
        if let value = table["default-target"] {
            file.defaultTarget = try string(value, "default-target", table: [], path: path, lines: lines)
        }
        if let value = table["target"] {
            guard let targets = value.table else {
                throw wrongType("target", table: [], expected: "a table ([target.NAME])", path: path, lines: lines)
            }
            // toml++ keeps keys sorted; the file's order reads better in lists and errors.
            let names = targets.keys.sorted { lines.line(of: $0, in: ["target"]) < lines.line(of: $1, in: ["target"]) }
            for name in names {
                guard let body = targets[name]?.table else {
                    throw wrongType(
                        name, table: ["target"], expected: "a table ([target.\(name)])", path: path, lines: lines)
                }
                file.targets.append(try target(name, body, path: path, lines: lines))
            }
        }
        return file
    }

    private static func target(_ name: String, _ body: TOMLTable, path: String, lines: KeyLines) throws
        -> ProjectTarget
    {
        let at = ["target", name]
        var target = ProjectTarget(name: name)
        for key in body.keys {
            guard targetKeys.contains(key) else {
                throw unknownKey(key, in: at, valid: targetKeys, path: path, lines: lines)
            }
        }
        func text(_ key: String) throws -> String? {
            try body[key].map { try string($0, key, table: at, path: path, lines: lines) }
        }
        func integer(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let value = body[key] else { return nil }
            guard let number = value.int, range.contains(number) else {
                throw wrongType(
                    key, table: at, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)",
                    path: path, lines: lines)
            }
            return number
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        func relative(_ file: String) -> String { file.hasPrefix("/") ? file : folder + "/" + file }
        target.port = try text("port")
        target.probeSerial = try text("probe-serial")
        if target.port != nil && target.probeSerial != nil {
            throw BootwireError(
                .badConfig,
                "\(path):\(lines.line(of: "probe-serial", in: at)): [target.\(name)] names both `port` and `probe-serial`",
                hint: "keep one: `probe-serial = \"X\"` is `port = \"stlink:X\"`", evidence: ["file": path])
        }
        if let chip = try text("chip") {
            guard let choice = ChipChoice(rawValue: chip) else {
                throw wrongType(
                    "chip", table: at,
                    expected: ChipChoice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "),
                    path: path, lines: lines)
            }
            target.chip = choice
        }
        if let value = body["images"] {
            let items = value.array.map { Array($0) } ?? (value.string != nil ? [value] : nil)
            guard let items, let images = Optional(items.compactMap(\.string)), images.count == items.count else {
                throw wrongType(
                    "images", table: at, expected: "a list of \"FILE@ADDRESS\" strings", path: path, lines: lines)
            }
            target.images = images.map(relative)
        }
        target.ini = try text("ini").map(relative)
        target.baud = try integer("baud", 1200...12_000_000)
        target.bootBaud = try integer("boot-baud", 1200...12_000_000)
        target.reset = try text("reset")
        target.swdKHz = try integer("swd-khz", 5...24_000)
        target.station = StationFields(operator: try text("operator"), lot: try text("lot"))
        return target
    }

    private static func string(
        _ value: any TOMLValueConvertible, _ key: String, table: [String], path: String, lines: KeyLines
    )
        throws -> String
    {
        guard let text = value.string else {
            throw wrongType(key, table: table, expected: "a string in quotes", path: path, lines: lines)
        }
        return text
    }

    private static func unknownKey(_ key: String, in table: [String], valid: [String], path: String, lines: KeyLines)
        -> BootwireError
    {
        let near = NearestNames.nearest(to: key, among: valid, limit: 1).first
        let place = table.isEmpty ? "at the top" : "in [\(table.joined(separator: "."))]"
        return BootwireError(
            .badConfig,
            "\(path):\(lines.line(of: key, in: table)): unknown key `\(key)` \(place)"
                + (near.map { "; did you mean `\($0)`?" } ?? ""),
            hint: "valid keys " + place + ": " + valid.joined(separator: ", "),
            evidence: ["file": path, "key": key, "line": "\(lines.line(of: key, in: table))"]
                .merging(near.map { ["nearest": $0] } ?? [:]) { a, _ in a })
    }

    private static func wrongType(_ key: String, table: [String], expected: String, path: String, lines: KeyLines)
        -> BootwireError
    {
        BootwireError(
            .badConfig, "\(path):\(lines.line(of: key, in: table)): `\(key)` must be \(expected)",
            hint: "see docs/project-file.md for each key's values",
            evidence: ["file": path, "key": key, "line": "\(lines.line(of: key, in: table))"])
    }
}

/// Where each key sits in the text: TOMLKit gives lines for syntax errors only, and a person
/// fixing `prot = …` wants its line. A small scan of `[table]` headers and `key =` lines.
struct KeyLines {
    /// (table path, key) → first line (1-based).
    private var lines: [String: Int] = [:]

    init(_ text: String) {
        var table: [String] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                let inner = line.drop { $0 == "[" }.prefix { $0 != "]" }
                table = inner.split(separator: ".").map { Self.unquote($0) }
                // The header names the table's own key in its parent too (`[target.board]`: `board` in [target]).
                for depth in 1...max(1, table.count) where !table.isEmpty {
                    record(Array(table.prefix(depth - 1)), table[depth - 1], index + 1)
                }
                continue
            }
            guard let equals = line.firstIndex(of: "="), !line.hasPrefix("#") else { continue }
            let path = line[..<equals].split(separator: ".").map { Self.unquote($0) }
            guard let key = path.last else { continue }
            record(table + path.dropLast(), key, index + 1)
            if path.count > 1 { record(table, path[0], index + 1) }
        }
    }

    private mutating func record(_ table: [String], _ key: String, _ line: Int) {
        let id = (table + [key]).joined(separator: "\u{1}")
        if lines[id] == nil { lines[id] = line }
    }

    func line(of key: String, in table: [String]) -> Int {
        lines[(table + [key]).joined(separator: "\u{1}")] ?? lines[table.joined(separator: "\u{1}")] ?? 1
    }

    private static func unquote(_ part: Substring) -> String {
        part.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
    }
}

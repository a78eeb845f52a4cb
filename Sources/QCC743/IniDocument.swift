import BootwireCore
import Foundation

/// The subset of INI the vendor's flash_prog_cfg.ini uses: `[section]` headers, `key = value`
/// lines, whole-line comments starting with `#` or `;`, blank lines. Sections keep file order
/// and every value keeps its 1-based line, so a later semantic error can still point at it.
///
/// Stricter than Python's configparser on purpose: no `:` delimiter, no continuation lines, no
/// duplicate sections or keys. Each of those is more likely a mistake than an intent.
/// Values are not stripped of inline comments: a path may contain `#` or `;`.
public struct IniDocument: Sendable, Equatable {
    public struct Value: Sendable, Equatable {
        public var text: String
        public var line: Int
    }

    public struct Section: Sendable, Equatable {
        public var name: String
        public var line: Int
        /// Keys lower-cased, as configparser does.
        public var values: [String: Value]

        public subscript(key: String) -> Value? { values[key.lowercased()] }
    }

    public var sections: [Section]

    public func section(named name: String) -> Section? { sections.first { $0.name == name } }

    /// Parses `text`; `file` only labels errors. Syntax errors are `.badConfig` with the file and
    /// line in the evidence.
    public static func parse(_ text: String, file: String) throws -> IniDocument {
        // A UTF-8 byte-order mark (Windows editors write one) says nothing about the content.
        // The vendor reads with configparser and encoding='utf-8', which keeps it and fails
        // with MissingSectionHeaderError on `\ufeff[cfg]`; utf-8-sig, which drops it, is the
        // reading the file's author meant.
        let text = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        var sections: [Section] = []
        // `\r\n` is one Character in Swift, so splitting on "\n" alone would leave a Windows-edited
        // ini as a single line.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (index, raw) in lines.enumerated() {
            let number = index + 1
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            func fail(_ message: String) -> BootwireError {
                BootwireError(
                    .badConfig, message, evidence: ["file": file, "line": "\(number)", "text": String(raw)])
            }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else { throw fail("malformed section header") }
                let name = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty else { throw fail("empty section name") }
                guard !sections.contains(where: { $0.name == name }) else {
                    throw fail("section [\(name)] appears twice")
                }
                sections.append(Section(name: name, line: number, values: [:]))
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw fail("expected `key = value`") }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { throw fail("a value without a key") }
            guard !sections.isEmpty else { throw fail("`\(key)` comes before any [section]") }
            guard sections[sections.count - 1].values[key] == nil else {
                throw fail("`\(key)` appears twice in [\(sections[sections.count - 1].name)]")
            }
            sections[sections.count - 1].values[key] = Value(text: value, line: number)
        }
        return IniDocument(sections: sections)
    }
}

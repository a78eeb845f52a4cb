import BootwireCore
import Foundation
import Testing

/// The catalogue in docs/events.md is the one in the code: every code, its exit status and its
/// meaning, in order (`bootwire codes --markdown` prints the same table).
@Suite struct ErrorCatalogueTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func docsListEveryCodeWithItsExitStatus() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("docs/events.md"), encoding: .utf8)
        let rows = ErrorCode.allCases.map { "| `\($0.rawValue)` | \($0.category.exitStatus) | \($0.summary) |" }
        let table = (["| code | exit | meaning |", "|---|---|---|"] + rows).joined(separator: "\n")
        #expect(
            text.contains(table),
            "docs/events.md is out of date: append `bootwire codes --markdown` in place of its table")
    }

    @Test func readmeAndDocsListEveryExitStatus() throws {
        for file in ["README.md", "docs/events.md"] {
            let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
            for category in ErrorCategory.allCases {
                #expect(
                    text.contains("| \(category.exitStatus) | \(category.rawValue)"),
                    "\(file) lacks exit status \(category.exitStatus)")
            }
        }
    }

    @Test func codesAreKebabCaseAndDistinct() {
        let raw = ErrorCode.allCases.map(\.rawValue)
        #expect(Set(raw).count == raw.count)
        #expect(raw.allSatisfy { $0.range(of: "^[a-z]+(-[a-z0-9]+)*$", options: .regularExpression) != nil })
    }
}

import ArgumentParser
import BootwireCore
import Foundation

struct CodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codes",
        abstract: "Print the error codes and exit statuses Bootwire uses, or look one up.",
        discussion: """
            Examples:
              bootwire codes
              bootwire codes interrupted-session
            """)

    @Argument(help: ArgumentHelp("One code to look up: its meaning, hint and exit status.", valueName: "code"))
    var code: String?

    @Flag(name: .long, help: "Print a Markdown table (as in the README).")
    var markdown = false

    @OptionGroup(title: "Output")
    var output: OutputOptions

    func run() throws {
        if let code {
            let renderer = output.makeRenderer()
            do { try lookUp(code, renderer: renderer) } catch { try renderer.fail(error) }
        }
        if output.json {
            let codes: [[String: Any]] = ErrorCode.allCases.map { code in
                [
                    "code": code.rawValue, "exit": Int(code.category.exitStatus), "category": code.category.rawValue,
                    "meaning": code.summary, "hint": code.hint,
                ]
            }
            let data = try JSONSerialization.data(withJSONObject: codes, options: [.sortedKeys])
            try output.makeRenderer().finish(
                JobResult(attachments: ["codes": String(decoding: data, as: UTF8.self)]))
        }
        if markdown {
            print("| code | exit | meaning |")
            print("|---|---|---|")
        }
        for code in ErrorCode.allCases {
            let exit = code.category.exitStatus
            if markdown {
                print("| `\(code.rawValue)` | \(exit) | \(code.summary) |")
            } else {
                print("\(code.rawValue.padding(toLength: 30, withPad: " ", startingAt: 0)) \(exit)  \(code.summary)")
            }
        }
        if !markdown {
            print("")
            print(
                "exit statuses: 0 ok; "
                    + ErrorCategory.allCases.map { "\($0.exitStatus) \($0.rawValue)" }.joined(separator: "; "))
        }
    }

    /// One code: its meaning, hint and exit status; a name that is no code is a usage error
    /// naming the nearest one.
    private func lookUp(_ name: String, renderer: Renderer) throws -> Never {
        guard let code = ErrorCode(rawValue: name.lowercased()) else {
            let nearest = NearestNames.nearest(to: name, among: ErrorCode.allCases.map(\.rawValue), limit: 1).first
            throw BootwireError(
                .usage, "no error code called `\(name)`",
                hint: nearest.map { "did you mean: bootwire codes \($0)" } ?? "bootwire codes lists them all",
                evidence: nearest.map { ["nearest": $0] } ?? [:])
        }
        let exit = code.category.exitStatus
        guard output.json else {
            print("\(code.rawValue): \(code.summary)")
            print("hint: \(code.hint)")
            print("exit status: \(exit) (\(code.category.rawValue))")
            throw ExitCode.success
        }
        try renderer.finish(
            JobResult(summary: [
                "code": code.rawValue, "meaning": code.summary, "hint": code.hint, "exit": "\(exit)",
                "category": code.category.rawValue,
            ]))
    }
}

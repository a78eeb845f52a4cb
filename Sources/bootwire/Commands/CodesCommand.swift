import ArgumentParser
import BootwireCore
import Foundation

struct CodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codes",
        abstract: "Print the error codes and exit statuses Bootwire uses.")

    @Flag(name: .long, help: "Print a Markdown table (as in the README).")
    var markdown = false

    @OptionGroup(title: "Output")
    var output: OutputOptions

    func run() throws {
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
}

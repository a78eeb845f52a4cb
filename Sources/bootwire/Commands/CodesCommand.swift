import ArgumentParser
import BootwireCore

struct CodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codes",
        abstract: "Print the error codes and exit statuses Bootwire uses.")

    @Flag(name: .long, help: "Print a Markdown table (as in the README).")
    var markdown = false

    func run() {
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

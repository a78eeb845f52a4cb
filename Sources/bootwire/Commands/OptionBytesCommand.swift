import ArgumentParser
import BootwireCore
import Foundation
import STM32
import STM32SWD
import Targets

/// `bootwire option-bytes show|set|reload`: an STM32's option bytes through an ST-LINK, decoded
/// field by field; changes are previewed and need --yes.
struct OptionBytesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "option-bytes",
        abstract: "STM32 over SWD: show, change or reload the option bytes (RDP, WRP, DUALBANK, BFB2, nBOOT0…).",
        subcommands: [Show.self, Set.self, Reload.self], defaultSubcommand: Show.self)

    static func swdPort(_ connection: ConnectionOptions) throws -> PortSpec {
        let port = try connection.singlePort()
        try connection.route(for: port).require(.optionBytes, "option-bytes")
        return port
    }

    static func summary(_ options: SWDOptionBytes) -> [String: String] {
        var summary = Dictionary(options.decoded.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        for (name, _) in options.addresses {
            summary[name.name] = Hex.address(options.registers[name] ?? 0)
        }
        return summary
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Read and decode the option bytes.")
        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        @OptionGroup(title: "Output") var output: OutputOptions

        func run() async throws {
            try await output.run { renderer in
                let port = try swdPort(connection)
                let (options, _) = try await connection.opener.withSWD(port, events: renderer.sink) {
                    try $0.flash().optionBytes()
                }
                if !output.json { print(OptionBytesText.show(options).joined(separator: "\n")) }
                try renderer.finish(
                    JobResult(summary: output.json || output.verbose ? OptionBytesCommand.summary(options) : [:]))
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change fields (e.g. wrp1a=none rdp=0 dualbank=1), then load them.",
            discussion: """
                Shows what will change and asks first (--yes in scripts). rdp=0 on a protected part \
                mass-erases the flash. Fields: rdp (0, 1, 2 or a byte), wrp1a/wrp1b/wrp2a/wrp2b \
                (FIRST-LAST or none), dualbank, bfb2, nboot0, nswboot0, … (`option-bytes show` lists them).
                """)
        @Argument(help: ArgumentHelp("FIELD=VALUE pairs.", valueName: "field=value")) var assignments: [String]
        @OptionGroup(title: "Safety") var change: ChangeOptions
        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        @OptionGroup(title: "Output") var output: OutputOptions

        func run() async throws {
            try await output.run { renderer in
                let port = try swdPort(connection)
                let pairs = try assignments.map { text -> (field: String, value: String) in
                    let kv = text.split(separator: "=", maxSplits: 1).map(String.init)
                    guard kv.count == 2 else { throw BootwireError(.usage, "`\(text)` is not FIELD=VALUE") }
                    return (kv[0], kv[1])
                }
                guard !pairs.isEmpty else { throw BootwireError(.usage, "name at least one FIELD=VALUE") }
                let gate = change.gate
                let events = renderer.sink
                let (change, _) = try await connection.opener.withSWD(port, events: events) { session in
                    try session.changeOptionBytes(pairs) { try gate.confirms($0, events: events) }
                }
                if !output.json, let before = change.before, let after = change.loaded ?? change.wanted {
                    // What changed (or, on a dry run or a refusal, would have), field by field.
                    print(OptionBytesText.change(from: before, to: after).joined(separator: "\n"))
                }
                var result = ["changed": "nothing"]
                if let loaded = change.loaded {
                    result = OptionBytesCommand.summary(loaded)
                    result["changed"] = change.changes.joined(separator: "; ")
                    result["reloaded"] = change.notLoaded.isEmpty ? "yes" : "no"
                    result["power-cycle"] = change.needsPowerCycle ? "needed" : "not needed"
                } else if !change.changes.isEmpty {
                    result = gate.mark(result.merging(["would-change": change.changes.joined(separator: "; ")]) { $1 })
                }
                // A person has the table; the fields are for --json and --verbose.
                if !output.json && !output.verbose {
                    result = result.filter { ["reloaded", "power-cycle", "dry-run"].contains($0.key) }
                }
                try renderer.finish(JobResult(summary: result))
            }
        }
    }

    struct Reload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the programmed option bytes now (OBL_LAUNCH; the part resets).")
        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        @OptionGroup(title: "Output") var output: OutputOptions

        func run() async throws {
            try await output.run { renderer in
                let port = try swdPort(connection)
                let (options, _) = try await connection.opener.withSWD(port, events: renderer.sink) {
                    try $0.reloadOptionBytes()
                }
                try renderer.finish(JobResult(summary: OptionBytesCommand.summary(options)))
            }
        }
    }
}

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
            let renderer = output.makeRenderer()
            do {
                let port = try swdPort(connection)
                let (options, _) = try await connection.opener.withSWD(port, events: renderer.sink) {
                    try $0.flash().optionBytes()
                }
                for (name, address) in options.addresses {
                    renderer.render(
                        .note(
                            .info(
                                "\(name) @ \(Hex.address(address)) = \(Hex.address(options.registers[name] ?? 0))"
                            )))
                }
                for (name, value) in options.decoded { renderer.render(.note(.info("\(name) = \(value)"))) }
                try renderer.finish(JobResult(summary: OptionBytesCommand.summary(options)))
            } catch {
                try renderer.fail(error)
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
            let renderer = output.makeRenderer()
            do {
                let port = try swdPort(connection)
                let pairs = try assignments.map { text in
                    let kv = text.split(separator: "=", maxSplits: 1).map(String.init)
                    guard kv.count == 2 else { throw BootwireError(.usage, "`\(text)` is not FIELD=VALUE") }
                    return (kv[0], kv[1])
                }
                guard !pairs.isEmpty else { throw BootwireError(.usage, "name at least one FIELD=VALUE") }
                let gate = change.gate
                let events = renderer.sink
                let (result, _) = try await connection.opener.withSWD(port, events: renderer.sink) {
                    session -> [String: String] in
                    let current = try session.flash().optionBytes()
                    var wanted = current
                    for (field, value) in pairs { try wanted.set(field, to: value) }
                    let changes = wanted.changes(from: current)
                    guard !changes.isEmpty else { return ["changed": "nothing"] }
                    var preview = "option bytes: " + changes.joined(separator: "; ")
                    let before = current.readoutProtection
                    let after = wanted.readoutProtection
                    if before > .level0 && after == .level0 {
                        preview += " — RDP level \(before.rawValue) → 0 is a MASS ERASE of the whole flash"
                    } else if after == .level2 {
                        preview += " — RDP level 2 is PERMANENT: the debug port closes for good"
                    } else if after == .level1 && before == .level0 {
                        preview += " — flash becomes unreadable over SWD; removing it later erases the flash"
                    }
                    guard try gate.confirms(preview, events: events) else {
                        return gate.mark(["changed": "nothing", "would-change": changes.joined(separator: "; ")])
                    }
                    try session.flash().program(options: wanted)
                    _ = try session.flash().launchOptionBytes()
                    try session.reconnect()
                    let loaded = try session.flash().optionBytes()
                    let missing = wanted.fields.filter { loaded.raw($0) != wanted.raw($0) }
                    var summary = OptionBytesCommand.summary(loaded)
                    summary["changed"] = changes.joined(separator: "; ")
                    summary["reloaded"] = missing.isEmpty ? "yes" : "no"
                    if after > before || !missing.isEmpty {
                        events(
                            .note(
                                .warning(
                                    .optionBytesNeedPowerCycle,
                                    "power-cycle the target: "
                                        + (after > before
                                            ? "readout protection set with the debugger attached takes full effect only after a power-on reset"
                                            : "fields not loaded yet: " + missing.map(\.name).joined(separator: ", "))))
                        )
                        summary["power-cycle"] = "needed"
                    } else {
                        summary["power-cycle"] = "not needed"
                    }
                    return summary
                }
                try renderer.finish(JobResult(summary: result))
            } catch {
                try renderer.fail(error)
            }
        }
    }

    struct Reload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the programmed option bytes now (OBL_LAUNCH; the part resets).")
        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        @OptionGroup(title: "Output") var output: OutputOptions

        func run() async throws {
            let renderer = output.makeRenderer()
            do {
                let port = try swdPort(connection)
                let (options, _) = try await connection.opener.withSWD(port, events: renderer.sink) { session in
                    _ = try session.flash().launchOptionBytes()
                    try session.reconnect()
                    return try session.flash().optionBytes()
                }
                try renderer.finish(JobResult(summary: OptionBytesCommand.summary(options)))
            } catch {
                try renderer.fail(error)
            }
        }
    }
}

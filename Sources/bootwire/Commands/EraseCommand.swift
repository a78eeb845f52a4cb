import ArgumentParser
import BootwireCore
import Foundation
import QCC743

struct EraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erase a flash range, or the whole chip.",
        discussion: """
            --whole-chip erases all of it, including the manufacturing data (MFD) partition, and \
            recovers a module whose application keeps answering instead of the boot ROM. It asks \
            for confirmation (--yes in scripts).
            """)

    @Flag(
        name: [.customLong("whole-chip"), .customLong("mass")],
        help: "Erase the whole flash (the module asks for confirmation).")
    var wholeChip = false

    @Option(name: .long, help: ArgumentHelp("STM32: erase these pages, e.g. 0-15.", valueName: "first-last"))
    var pages: String?

    @Option(name: .long, help: ArgumentHelp("First address of the range.", valueName: "address"))
    var start: String?

    @Option(name: .long, help: ArgumentHelp("Address after the range.", valueName: "address"))
    var end: String?

    @Flag(name: .long, help: "Confirm the whole-chip erase without asking.")
    var yes = false

    @OptionGroup(title: "Connection")
    var connection: ConnectionOptions

    @OptionGroup(title: "Output")
    var output: OutputOptions

    func run() async throws {
        let renderer = output.makeRenderer()
        let events = renderer.sink
        do {
            var range: Range<Int>?
            let port = try connection.singlePort()
            if let pages {
                guard connection.route(for: port) != .qcc743, !wholeChip, start == nil, end == nil else {
                    throw BootwireError(.usage, "--pages is for an STM32, alone")
                }
                let list = Array(try pageRange(pages))
                switch connection.route(for: port) {
                case .dfu:
                    try await DFUCommands.erase(connection: connection, port: port, pages: list, renderer: renderer)
                case .swd:
                    try await SWDCommands.erase(connection: connection, port: port, pages: list, renderer: renderer)
                default:
                    try await connection.withSTM32Session(port: port, events: events) { try $0.erase(pages: list) }
                }
                try renderer.finish(JobResult(summary: ["erased": "pages \(pages)"]))
            }
            switch (wholeChip, start, end) {
            case (true, nil, nil):
                // The module's flash holds its manufacturing data (MFD); an STM32's mass erase does not.
                if connection.route(for: port) == .qcc743 {
                    try Confirmation.require(
                        "erase the whole flash, including the manufacturing data at 0x3FF000 (MFD)", yes: yes,
                        events: events)
                }
            case (false, let start?, let end?):
                let first = try parseAddress(start, option: "--start")
                let last = try parseAddress(end, option: "--end")
                guard last > first else { throw BootwireError(.usage, "--end must be after --start") }
                range = first..<last
            default:
                throw BootwireError(.usage, "give --whole-chip (--mass), --start and --end, or --pages (STM32)")
            }
            let target = range
            let route = connection.route(for: port)
            if route != .qcc743 {
                let erase =
                    switch route {
                    case .dfu: DFUCommands.erase(connection:port:range:renderer:)
                    case .swd: SWDCommands.erase(connection:port:range:renderer:)
                    default: STM32Commands.erase(connection:port:range:renderer:)
                    }
                try await erase(connection, port, target, renderer)
                try renderer.finish(
                    JobResult(summary: [
                        "erased": target.map {
                            "0x\(String($0.lowerBound, radix: 16))..0x\(String($0.upperBound, radix: 16))"
                        } ?? "mass erase"
                    ]))
            }
            try await connection.withSession(port: port, events: events) { session in
                if let range = target {
                    guard range.upperBound <= session.identity.flashSize else {
                        throw BootwireError(
                            .addressOutOfRange,
                            "the range ends beyond the \(session.identity.flashSize / 1024) KiB flash")
                    }
                    session.events(
                        .stage(
                            "erase",
                            detail: "0x\(String(range.lowerBound, radix: 16))..0x\(String(range.upperBound, radix: 16))"
                        ))
                    try session.erase(start: range.lowerBound, end: range.upperBound)
                } else {
                    session.events(.stage("erase", detail: "whole chip"))
                    try session.chipErase()
                }
            }
            try renderer.finish(
                JobResult(summary: [
                    "erased": range.map {
                        "0x\(String($0.lowerBound, radix: 16))..0x\(String($0.upperBound, radix: 16))"
                    } ?? "whole chip"
                ]))
        } catch {
            try renderer.fail(error)
        }
    }
}

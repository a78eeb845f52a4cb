import ArgumentParser
import BootwireCore
import Foundation

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

    @Flag(name: .long, help: "Connect and show what would be erased (widened to whole units); change nothing.")
    var dryRun = false

    func run() async throws {
        let renderer = output.makeRenderer()
        let events = renderer.sink
        do {
            let port = try connection.singlePort()
            let route = connection.route(for: port)
            if let pages {
                guard route != .qcc743, !wholeChip, start == nil, end == nil else {
                    throw BootwireError(.usage, "--pages is for an STM32, alone")
                }
                // A range, not a list: each route checks it against the part's page count
                // before listing it (`0-4294967295` once allocated 34 GB).
                let range = try pageRange(pages)
                switch route {
                case .dfu:
                    try await DFUCommands.erase(connection: connection, port: port, pages: range, renderer: renderer)
                case .swd:
                    try await SWDCommands.erase(connection: connection, port: port, pages: range, renderer: renderer)
                default:
                    try await connection.withSTM32Session(port: port, events: events) { session in
                        // An unknown part: Extended Erase numbers pages below 0xFFF0 (AN3155).
                        let count = session.identity.geometry?.pageCount ?? 0xFFF0
                        try session.erase(pages: try PageNumbers.list(range, pageCount: count))
                    }
                }
                try renderer.finish(JobResult(summary: ["erased": "pages \(pages)"]))
            }
            var range: Range<Int>?
            switch (wholeChip, start, end) {
            case (true, nil, nil):
                // The module's flash holds its manufacturing data (MFD); an STM32's mass erase does not.
                if route == .qcc743 && !dryRun {
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
            var settings = FlashOptions()
            settings.dryRun = dryRun
            let options = settings
            let requested = range
            let (erased, _) = try await connection.withTarget(port: port, events: events) { target -> String in
                let pipeline = FlashPipeline(options: options, events: events, confirm: { _ in })
                guard let requested else {
                    if options.dryRun {
                        events(.note(.info("would erase the whole flash")))
                    } else {
                        events(.stage("erase", detail: "whole flash"))
                        try target.eraseAll()
                        try target.finishWriting()
                    }
                    return "whole chip"
                }
                return Hex.range(try pipeline.erase(requested, on: target))
            }
            var summary = ["erased": erased]
            if let range, Hex.range(range) != erased { summary["requested"] = Hex.range(range) }
            if dryRun { summary["dry-run"] = "nothing was changed" }
            try renderer.finish(JobResult(summary: summary))
        } catch {
            try renderer.fail(error)
        }
    }
}

import ArgumentParser
import BootwireCore
import Foundation
import QCC743
import Targets

struct EraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erase a flash range, or the whole chip.",
        discussion: """
            --whole-chip erases all of it, including the manufacturing data (MFD) partition, and \
            recovers a module whose application keeps answering instead of the boot ROM. On every \
            route it asks for confirmation first (--yes in scripts); --dry-run only shows it.
            """)

    @Flag(
        name: [.customLong("whole-chip"), .customLong("mass")],
        help: "Erase the whole flash (asks for confirmation).")
    var wholeChip = false

    @Option(name: .long, help: ArgumentHelp("STM32: erase these pages, e.g. 0-15.", valueName: "first-last"))
    var pages: String?

    @Option(name: .long, help: ArgumentHelp("First address of the range.", valueName: "address"))
    var start: String?

    @Option(name: .long, help: ArgumentHelp("Address after the range.", valueName: "address"))
    var end: String?

    @OptionGroup(title: "Connection")
    var connection: ConnectionOptions

    @OptionGroup(title: "Output")
    var output: OutputOptions

    @OptionGroup(title: "Safety")
    var change: ChangeOptions

    func run() async throws {
        let gate = change.gate
        try await output.run { renderer in
            let events = renderer.sink
            let port = try connection.singlePort()
            let opener = connection.opener
            let route = opener.route(for: port)
            if let pages {
                guard !wholeChip, start == nil, end == nil else {
                    throw BootwireError(.usage, "--pages is for an STM32, alone")
                }
                try route.require(.pageErase, "--pages")
                // A range, not a list: each route checks it against the part's page count
                // before listing it (`0-4294967295` once allocated 34 GB), then erases the pages
                // unless this is a dry run.
                let range = try pageRange(pages)
                _ = try await opener.withTarget(port, events: events) { target in
                    try target.erasePages(range) { gate.allows($0, events: events) }
                }
                try renderer.finish(JobResult(summary: gate.mark(["erased": "pages \(pages)"])))
            }
            var range: Range<Int>?
            switch (wholeChip, start, end) {
            case (true, nil, nil):
                // Asked before the port opens, on every route: what is lost cannot be read back.
                // The module's flash also holds its manufacturing data (MFD), which no image restores.
                _ = try gate.confirms(route.wholeFlashLoss, events: events)
            case (false, let start?, let end?):
                let first = try parseAddress(start, option: "--start")
                let last = try parseAddress(end, option: "--end")
                guard last > first else { throw BootwireError(.usage, "--end must be after --start") }
                range = first..<last
            default:
                throw BootwireError(.usage, "give --whole-chip (--mass), --start and --end, or --pages (STM32)")
            }
            var settings = FlashOptions()
            settings.dryRun = gate.dryRun
            let options = settings
            let requested = range
            let pipeline = FlashPipeline(options: options, events: events, confirm: { _ in })
            let (erased, _) = try await opener.withTarget(port, events: events) { session -> String in
                guard let requested else {
                    try pipeline.eraseAll(on: session.flash)
                    return "whole chip"
                }
                return Hex.range(try pipeline.erase(requested, on: session.flash))
            }
            var summary = ["erased": erased]
            if let range, Hex.range(range) != erased { summary["requested"] = Hex.range(range) }
            try renderer.finish(JobResult(summary: gate.mark(summary)))
        }
    }
}

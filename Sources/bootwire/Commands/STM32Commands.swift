import ArgumentParser
import BootwireCore
import Foundation
import Targets

/// `bootwire protect` / `unprotect`: readout and write protection of an STM32 (system bootloader).
struct ProtectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protect",
        abstract: "STM32: turn on readout protection (RDP level 1) or write protection of pages.",
        discussion: """
            The part resets afterwards; Bootwire syncs again. Readout protection makes the flash \
            unreadable over every debug and boot path; removing it (`unprotect --readout`) erases \
            the whole flash.
            """)

    @Flag(name: .long, help: "Readout protection (RDP level 1).")
    var readout = false

    @Option(name: .long, help: ArgumentHelp("Write-protect these pages, e.g. 0-15.", valueName: "first-last"))
    var write: String?

    @OptionGroup(title: "Safety")
    var change: ChangeOptions

    @OptionGroup(title: "Connection")
    var connection: ConnectionOptions

    @OptionGroup(title: "Output")
    var output: OutputOptions

    func run() async throws {
        try await output.run { renderer in
            let port = try connection.singlePort()
            let pages = try write.map(pageRange)
            guard readout != (pages != nil) else { throw BootwireError(.usage, "give --readout or --write PAGES") }
            let gate = change.gate
            let events = renderer.sink
            // Readout protection is undone only by erasing the whole flash: asked first.
            // Write protection is undone by `unprotect --write` and changes no data.
            let what = readout ? "turn on readout protection (RDP level 1)" : "write-protect pages \(write ?? "")"
            if readout {
                _ = try gate.confirms(
                    what + ": the flash becomes unreadable over every debug and boot path, "
                        + "and removing it erases the whole flash", events: events)
            }
            let opener = connection.opener
            try opener.route(for: port).require(.protect, "protect")
            let readout = self.readout
            _ = try await opener.withTarget(port, events: events) { target in
                guard gate.allows(what, events: events) else { return }
                try target.protect(readout: readout, pages: pages)
            }
            let key = gate.dryRun ? "would-protect" : "protected"
            try renderer.finish(
                JobResult(summary: gate.mark([key: readout ? "readout (RDP level 1)" : "pages \(write ?? "")"])))
        }
    }
}

struct UnprotectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unprotect",
        abstract: "STM32: remove readout protection (erases the whole flash; asks first) or write protection.")

    @Flag(name: .long, help: "Remove readout protection: the bootloader mass-erases the flash.")
    var readout = false

    @Flag(name: .long, help: "Remove write protection from every page.")
    var write = false

    @OptionGroup(title: "Safety")
    var change: ChangeOptions

    @OptionGroup(title: "Connection")
    var connection: ConnectionOptions

    @OptionGroup(title: "Output")
    var output: OutputOptions

    func run() async throws {
        try await output.run { renderer in
            let port = try connection.singlePort()
            guard readout != write else { throw BootwireError(.usage, "give --readout or --write") }
            let gate = change.gate
            let readout = self.readout
            let key = gate.dryRun ? "would-unprotect" : "unprotected"
            var summary = gate.mark([key: readout ? "readout (flash erased)" : "write"])
            let opener = connection.opener
            try opener.route(for: port).require(.unprotect, "unprotect")
            let events = renderer.sink
            let (done, _) = try await opener.withTarget(port, events: events) { target -> Bool in
                // Readout Unprotect mass-erases even a part at level 0: there, nothing is done.
                if readout, case .stm32(let info) = try target.info(), info.readoutProtection == .level0 {
                    events(.note(.info("readout protection is already level 0: nothing to remove, the flash is kept")))
                    return false
                }
                if readout {
                    _ = try gate.confirms(
                        "remove readout protection: the bootloader erases the whole flash first", events: events)
                }
                // A dry run connects and checks the part, and changes nothing.
                if gate.allows(readout ? "remove readout protection" : "remove write protection", events: events) {
                    try target.unprotect(readout: readout)
                }
                return true
            }
            if !done { summary = [key: "nothing: readout protection is already level 0"] }
            try renderer.finish(JobResult(summary: summary))
        }
    }
}

func pageRange(_ text: String) throws -> ClosedRange<Int> {
    let parts = text.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 2, let first = parts[0], let last = parts[1], first <= last else {
        throw BootwireError(.usage, "`\(text)` is not a page range", hint: "write it as FIRST-LAST, e.g. 0-15")
    }
    return first...last
}

import ArgumentParser
import BootwireCore
import Foundation
import STM32

/// The STM32 system-bootloader side of `flash`, `info`, `read` and `erase`: the same verbs as
/// the module, on `--chip stm32` or a `virtual:stm32…` port.
enum STM32Commands {
    static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

    static func info(connection: ConnectionOptions, port: String, json: Bool, renderer: Renderer) async throws -> Never
    {
        let identity = try await connection.withSTM32Session(port: port, events: renderer.sink) { $0.identity }
        var facts: [(String, String)] = [
            ("part", "\(identity.name) (product id 0x\(String(identity.productID, radix: 16)))"),
            (
                "bootloader",
                "\(identity.bootloaderVersionText), commands \(identity.commands.map { String(format: "%02x", $0) }.joined(separator: " "))"
            ),
            (
                "flash",
                identity.flashSize.map { "\($0 / 1024) KiB" } ?? "unknown (readout protection, or an unknown part)"
            ),
            ("readout protection", identity.readoutProtection.map { "\($0)" } ?? "unknown"),
        ]
        if let geometry = identity.geometry { facts.append(("geometry", "\(geometry)")) }
        if let options = identity.optionBytes, let geometry = identity.geometry {
            facts.append(("option bytes", options.summary(geometry)))
        }
        let protected = identity.writeProtectedPages
        facts.append(
            (
                "write-protected pages",
                protected.isEmpty
                    ? "none" : protected.map { "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ", ")
            ))
        try finishFacts(facts, json: json, renderer: renderer)
    }

    static func read(connection: ConnectionOptions, port: String, start: Int, count: Int, renderer: Renderer)
        async throws -> [UInt8]
    {
        try await connection.withSTM32Session(port: port, events: renderer.sink) { session in
            if let flash = session.identity.geometry?.range {
                // A read that starts in the flash must end in it: past it the ROM refuses
                // only after the flash was read (or maps something else there).
                let region = MemoryRegion(name: "flash", range: UInt64(flash.start)...flash.end - 1)
                try MemorySpan(start: UInt64(start), count: UInt64(count)).check(in: [region], complete: false)
            }
            session.events(.stage("read", detail: "\(hex(UInt64(start))), \(count) bytes"))
            return try session.read(address: UInt32(start), length: count)
        }
    }

}

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
        let renderer = output.makeRenderer()
        do {
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
            try await connection.withSTM32Session(port: port, events: events) { session in
                guard gate.allows(what, events: events) else { return }
                if let pages { try session.writeProtect(pages: pages) } else { try session.readoutProtect() }
            }
            let key = gate.dryRun ? "would-protect" : "protected"
            try renderer.finish(
                JobResult(summary: gate.mark([key: readout ? "readout (RDP level 1)" : "pages \(write ?? "")"])))
        } catch {
            try renderer.fail(error)
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
        let renderer = output.makeRenderer()
        do {
            let port = try connection.singlePort()
            guard readout != write else { throw BootwireError(.usage, "give --readout or --write") }
            let gate = change.gate
            let readout = self.readout
            let key = gate.dryRun ? "would-unprotect" : "unprotected"
            let summary = gate.mark([key: readout ? "readout (flash erased)" : "write"])
            if readout {
                _ = try gate.confirms(
                    "remove readout protection: the bootloader erases the whole flash first", events: renderer.sink)
            }
            // A dry run connects and checks the part, and changes nothing.
            guard gate.allows(readout ? "remove readout protection" : "remove write protection", events: renderer.sink)
            else {
                _ = try await connection.withTarget(port: port, events: renderer.sink) { _ in }
                try renderer.finish(JobResult(summary: summary))
            }
            if connection.route(for: port) == .dfu {
                try await readout
                    ? DFUCommands.unprotectReadout(connection: connection, port: port, renderer: renderer)
                    : DFUCommands.unprotectWrite(connection: connection, port: port, renderer: renderer)
                try renderer.finish(JobResult(summary: summary))
            }
            try await connection.withSTM32Session(port: port, events: renderer.sink) { session in
                if readout { try session.readoutUnprotect() } else { try session.writeUnprotect() }
            }
            try renderer.finish(JobResult(summary: summary))
        } catch {
            try renderer.fail(error)
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

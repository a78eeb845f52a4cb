import ArgumentParser
import BootwireCore
import Foundation
import QCC743
import Targets

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract:
            "Show what a device is and holds: a module's boot ROM, flash, eFuse, partitions and images; an STM32's part, flash and option bytes.",
        discussion: "Reads only; changes nothing. Example: bootwire info --port /dev/ttyUSB0")

    @Flag(
        name: .long,
        help: "Module: also read each image for its firmware version (reads up to the whole image: seconds).")
    var firmware = false

    @OptionGroup(title: "Connection")
    var connection: ConnectionOptions

    @OptionGroup(title: "Output")
    var output: OutputOptions

    func run() async throws {
        let json = output.json
        try await output.run(factsOnly: true) { renderer in
            let port = try await connection.singlePort(events: renderer.sink)
            let firmware = self.firmware
            let (info, _) = try await connection.opener.withTarget(port, events: renderer.sink) {
                try $0.info(firmware: firmware)
            }
            switch info {
            case .module(let info):
                try Self.finish(info, json: json, renderer: renderer)
                print(Self.text(info, firmwareRead: firmware))
            case .stm32(let info):
                try Self.finish(info, json: json, renderer: renderer)
                print(STM32InfoText.text(info))
            }
        }
    }

    /// The typed record as the JSON result's `info` object (its keys are the record's fields).
    static func finish(_ info: some Encodable, json: Bool, renderer: Renderer) throws {
        guard json else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try renderer.finish(
            JobResult(attachments: ["info": String(decoding: try encoder.encode(info), as: UTF8.self)]))
    }

    static func text(_ info: ModuleInfo, firmwareRead: Bool) -> String {
        var lines = [
            "boot ROM     \(info.bootROM) (\(info.chip)), chip id \(info.chipID), MAC \(info.mac)",
            "flash        JEDEC \(info.jedecID), \(info.flashSize / 1024 / 1024) MiB, pin config \(info.flashPin); link at \(info.baud) baud",
            "ROM flags    \(info.bootROMFlags.isEmpty ? "none" : info.bootROMFlags.joined(separator: ", "))",
            "signed boot  \(info.signedBootRequired ? "REQUIRED" : "off")"
                + (info.keyHash.map { ", key hash \($0.prefix(16))…" } ?? ", no key hash burned"),
            "JTAG         \(info.jtagDisabled ? "disabled" : "enabled")",
            "eFuse locks  key slots \(info.keySlotsWriteLocked ? "write-locked" : "writable"), anti-rollback \(info.antiRollback ? "on" : "off")",
        ]
        if !info.customerMACs.isEmpty { lines.append("customer MAC \(info.customerMACs.joined(separator: ", "))") }
        if let table = info.partitionTable {
            lines.append("partitions   (table at 0xE000)")
            for p in table {
                lines.append(
                    "  \(p.name.padding(toLength: 8, withPad: " ", startingAt: 0)) \(p.address)  max \(p.maxLength / 1024) KiB"
                )
            }
        } else if let problem = info.partitionTableProblem {
            lines.append("partitions   \(problem)")
        }
        lines.append(info.images.isEmpty ? "images       no boot header found" : "images")
        for image in info.images {
            let signer =
                image.signed
                ? "signed by \(image.keyHash?.prefix(16) ?? "?")…"
                    + (image.keyTrusted == true ? " (the key the module trusts)" : "")
                : "unsigned"
            lines.append(
                "  \(image.partition.padding(toLength: 8, withPad: " ", startingAt: 0)) \(image.address)  \(image.codeLength) bytes of code, \(signer)"
            )
            if firmwareRead {
                let marker = image.firmware
                lines.append(
                    "           firmware " + (marker?.version ?? "version not found in the image")
                        + (marker?.program.map { " (\($0))" } ?? ""))
            }
        }
        if !firmwareRead && !info.images.isEmpty {
            lines.append("firmware     not read: bootwire info --firmware reads each image for its version (seconds)")
        }
        return lines.joined(separator: "\n")
    }
}

import ArgumentParser
import BootwireCore
import Foundation
import QCC743
import Targets

struct EfuseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "efuse",
        abstract: "Show a module's eFuse, or burn an eFuse image (one-time programmable: asks first).",
        subcommands: [Show.self, Burn.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read the 512-byte eFuse and decode it: signed boot, key hash, JTAG, locks, MACs.")

        @OptionGroup(title: "Connection")
        var connection: ConnectionOptions

        @Option(name: .long, help: ArgumentHelp("Also save the raw 512 bytes here.", valueName: "file"))
        var file: String?

        @OptionGroup(title: "Output")
        var output: OutputOptions

        func run() async throws {
            let json = output.json
            try await output.run(factsOnly: true) { renderer in
                if let file { try OutputFile.check(file) }
                let bytes = try await connection.opener.withModule(try connection.singlePort(), events: renderer.sink) {
                    session in
                    try session.readEfuse()
                }
                if let file { try OutputFile.write(bytes, to: file) }
                let summary = EfuseSummary(bytes)
                let facts: [(String, String)] = [
                    ("signed boot", summary.signatureRequired ? "required" : "off"),
                    ("key hash", summary.keyHashPresent ? Hex.string(summary.keyHash) : "empty"),
                    ("JTAG", summary.jtagDisabled ? "disabled" : "enabled"),
                    ("key slot 0/1 write lock", "\(summary.keySlot0WriteLocked)/\(summary.keySlot1WriteLocked)"),
                    ("anti-rollback", summary.antiRollbackEnabled ? "on" : "off"),
                    ("default MAC", summary.defaultMAC.map { String(format: "%02x", $0) }.joined(separator: ":")),
                    (
                        "sw_usage_0",
                        String(
                            format: "0x%08x: %@", summary.softwareUsage0,
                            summary.softwareUsage0Set.joined(separator: ", "))
                    ),
                ]
                // Every field ST's read_chip_info.py prints, with its labels and values.
                let chipInfo = EfuseChipInfo(bytes)
                if json {
                    var object: [String: Any] = Dictionary(uniqueKeysWithValues: facts.map { ($0.0, $0.1) })
                    object["raw"] = Hex.string(bytes)
                    object["chip-info"] = Dictionary(
                        uniqueKeysWithValues: chipInfo.entries.map { entry -> (String, Any) in
                            switch entry.value {
                            case .text(let text): (entry.label, text)
                            case .number(let number): (entry.label, number)
                            case .numbers(let numbers): (entry.label, numbers)
                            }
                        })
                    object["chip-info-unconfirmed"] = chipInfo.entries.filter { !$0.confirmed }.map(\.label)
                    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                    try renderer.finish(JobResult(attachments: ["efuse": String(decoding: data, as: UTF8.self)]))
                } else {
                    for (name, value) in facts {
                        print("\(name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(value)")
                    }
                    print("\nAs ST's read_chip_info.py prints it:")
                    for line in chipInfo.printedLines { print(line) }
                }
            }
        }
    }

    struct Burn: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Burn an eFuse image: shows what changes, asks, burns in the vendor's order, reads back.",
            discussion: """
                Takes ST's encrypted efusedata.bin, or a plain 512-byte image (with IMAGE_mask.bin beside it \
                when present). Bits already burned are left alone; a burn that needs a bit cleared is refused.
                """)

        @Argument(help: ArgumentHelp("The eFuse image.", valueName: "file"))
        var image: String

        @OptionGroup(title: "Connection")
        var connection: ConnectionOptions

        @OptionGroup(title: "Safety")
        var change: ChangeOptions

        @OptionGroup(title: "Output")
        var output: OutputOptions

        func run() async throws {
            try await output.run { renderer in
                let efuseImage = try EfuseImage.load(path: image)
                let gate = change.gate
                let burned = try await connection.opener.withModule(try connection.singlePort(), events: renderer.sink)
                { session in
                    let change = try EfuseBurn.change(current: try session.readEfuse(), image: efuseImage)
                    for line in EfuseBurn.describe(change) { session.events(.note(.info("eFuse: \(line)"))) }
                    guard !change.isNoOp,
                        try gate.confirms(EfuseBurn.question(change), events: session.events, holding: session)
                    else { return 0 }
                    session.events(.stage("efuse", detail: "burning in the vendor's order, then reading back"))
                    try EfuseBurn.burn(efuseImage, on: session)
                    return change.newlySetBitCount
                }
                try renderer.finish(
                    JobResult(summary: gate.mark(["bits-burned": "\(burned)"])))
            }
        }
    }
}

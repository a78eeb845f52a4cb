import ArgumentParser
import BootwireCore
import Foundation
import QCC743
import Targets

struct ReadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Read flash contents (or the module's eFuse) into a file.",
        discussion: """
            Example: bootwire read --port /dev/ttyUSB0 --start 0x10000 --len 0x1000 --file fw-head.bin
            The eFuse as ST's NCP_get_chip_info.sh reads it: bootwire read --efuse --port P --start 0 --len 512 --file efuse.bin
            """)

    @Option(name: .long, help: ArgumentHelp("First address.", valueName: "address"))
    var start: String

    @Option(name: .long, help: ArgumentHelp("Number of bytes (or give --end).", valueName: "bytes"))
    var len: String?

    @Option(name: .long, help: ArgumentHelp("Address after the last byte.", valueName: "address"))
    var end: String?

    @Option(name: .long, help: ArgumentHelp("Where to write what was read.", valueName: "file"))
    var file: String

    @Flag(name: .long, help: "Read the module's 512-byte eFuse (0x0 to 0x200) instead of the flash.")
    var efuse = false

    @OptionGroup(title: "Connection")
    var connection: ConnectionOptions

    @OptionGroup(title: "Output")
    var output: OutputOptions

    func run() async throws {
        try await output.run { renderer in
            let first = try parseAddress(start, option: "--start")
            let count: Int
            switch (len, end) {
            case (let len?, nil): count = try parseAddress(len, option: "--len")
            case (nil, let end?): count = try parseAddress(end, option: "--end") - first
            default: throw BootwireError(.usage, "give either --len or --end")
            }
            guard count > 0 else { throw BootwireError(.usage, "nothing to read: the length is \(count)") }
            let span = try MemorySpan(start: UInt64(first), count: UInt64(count))
            if efuse { try Self.checkEfuseRange(first, count) }
            // Checked now, written only once every byte is read: an existing file survives any failure.
            try OutputFile.check(file)
            let port = try connection.singlePort()
            let opener = connection.opener
            if efuse { try opener.route(for: port).require(.efuse, "--efuse") }
            let readEfuse = efuse
            let (bytes, _) = try await opener.withTarget(port, events: renderer.sink) { target in
                try readEfuse ? target.readEfuse(span) : target.read(span)
            }
            try OutputFile.write(bytes, to: file)
            try renderer.finish(
                JobResult(summary: [
                    "file": file, "bytes": "\(bytes.count)", "sha256": Hex.string(SHA256Digest.of(bytes)),
                ]))
        }
    }

    /// The eFuse is 512 bytes; anything past it is refused before the port opens.
    static func checkEfuseRange(_ first: Int, _ count: Int) throws {
        guard first >= 0, first + count <= EfuseMap.size else {
            throw BootwireError(
                .addressOutOfRange, "0x\(String(first, radix: 16))+\(count) is beyond the 512-byte eFuse",
                hint: "the eFuse is 0x0 to 0x1ff: --start 0x0 --len 512 reads all of it",
                evidence: ["start": "0x" + String(first, radix: 16), "length": "\(count)", "efuse_size": "512"])
        }
    }
}

import ArgumentParser
import BootwireCore
import Foundation
import QCC743

struct FlashCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flash",
        abstract: "Write images to an ST67W611M1 module and prove them with the device's SHA-256.",
        discussion: """
            Images the device already holds are skipped (compare by hash; --force writes anyway). \
            Files larger than 4 KiB go over the wire xz-compressed, as the vendor tool sends them.

            Examples:
              bootwire flash --port virtual:qcc743 app.bin@0x10000
              bootwire flash --port /dev/ttyUSB0 --config mission_t02_flash_prog_cfg.ini --efuse=efusedata.bin
            """)

    @Argument(help: ArgumentHelp("Raw images to write, each as FILE@ADDRESS.", valueName: "file@address"))
    var images: [String] = []

    @OptionGroup(title: "Connection")
    var connection: ConnectionOptions

    @OptionGroup(title: "Erase")
    var erase: EraseOptions

    @OptionGroup(title: "Output")
    var output: OutputOptions

    struct EraseOptions: ParsableArguments {
        @Option(name: .long, help: "none, sections (each image's sectors) or chip (everything else ends erased too).")
        var erase: EraseMode?

        @Flag(name: .long, help: "With --erase chip: send the whole-chip erase instead of erasing only what is not erased.")
        var literalChipErase = false

        @Flag(name: .long, help: "Write images even when the device already holds them.")
        var force = false
    }

    func run() async throws {
        let renderer = output.makeRenderer()
        let events = renderer.sink
        do {
            let images = try images.map(Self.parseImage)
            guard !images.isEmpty else {
                throw BootwireError(.usage, "nothing to flash", hint: "name images as FILE@ADDRESS, or pass --config INI")
            }
            var options = FlashJob.Options()
            options.erase = erase.erase ?? .sections
            options.literalChipErase = erase.literalChipErase
            options.force = erase.force
            let job = FlashJob(images: images, options: options)
            try job.validate(flashSize: Int(Int32.max))
            let prepared = FlashJob.Prepared(job.images)
            let started = MonotonicClock.now()
            let outcomes = try await connection.withSession(events: events) { session in
                let journal = SessionJournal(path: SessionJournal.path(forChip: session.identity.bootInfo.chipID))
                let outcomes = try job.run(on: session, prepared: prepared, journal: journal)
                journal.finish()
                return outcomes
            }
            let seconds = Double(MonotonicClock.now() - started) / 1e9
            let written = outcomes.filter { !$0.skipped }
            try renderer.finish(
                JobResult(summary: [
                    "images": "\(outcomes.count)", "written": "\(written.count)",
                    "skipped": "\(outcomes.count - written.count)",
                    "bytes": "\(written.map(\.size).reduce(0, +))",
                    "seconds": String(format: "%.2f", seconds),
                ]))
        } catch {
            try renderer.fail(error)
        }
    }

    static func parseImage(_ argument: String) throws -> FlashJob.Image {
        guard let at = argument.lastIndex(of: "@") else {
            throw BootwireError(.usage, "`\(argument)` has no address", hint: "write it as FILE@ADDRESS, e.g. app.bin@0x10000")
        }
        let path = String(argument[..<at])
        let address = try parseAddress(String(argument[argument.index(after: at)...]), option: path)
        let data = try readInput(path, what: "image")
        return FlashJob.Image(name: (path as NSString).lastPathComponent, address: address, data: data)
    }
}

extension EraseMode: ExpressibleByArgument {}

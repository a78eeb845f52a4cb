import ArgumentParser
import BootwireCore
import Foundation
import QCC743
import Targets

/// `bootwire verify`: does the device hold these images? The flash pipeline's compare and
/// nothing else (no erase, write, journal or reset); a difference is `verify-mismatch`, a
/// non-zero exit, where `flash --dry-run` reports a plan and exits 0 either way.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that the device holds these images; change nothing.",
        discussion: """
            Compares each image with the device the way a flash does before writing (the \
            module's SHA-256, the STM32 bootloader's Get Checksum, or a read-back) and names \
            every image that differs. Exit 0 when all match; verify-mismatch otherwise.

            Examples:
              bootwire verify --port /dev/ttyUSB0 --config mission_t02_flash_prog_cfg.ini
              bootwire verify --port stlink app.hex
            """)

    @Argument(
        help: ArgumentHelp(
            "Images: FILE@ADDRESS for raw binaries; Intel HEX, S-record and ELF files carry their addresses.",
            valueName: "file[@address]"))
    var images: [String] = []

    @Option(name: .long, help: ArgumentHelp("The module's flash_prog_cfg.ini: its images.", valueName: "ini"))
    var config: String?

    @OptionGroup(title: "Connection")
    var connection: ConnectionOptions

    @OptionGroup(title: "Output")
    var output: OutputOptions

    func run() async throws {
        try await output.run { renderer in
            let port = try connection.singlePort()
            let route = connection.route(for: port)
            // No images and no ini on the command line: the project file's target's, as flash takes them.
            let project = images.isEmpty && config == nil ? try connection.projectTarget() : nil
            var images = try (project?.images ?? images).flatMap { try FlashCommand.parseImages($0, route: route) }
            var options = FlashOptions()
            if let config = config ?? project?.ini {
                let manifest = try FlashCommand.loadManifest(config, route: route)
                images += try manifest.flashImages()
                options.keepOut = manifest.keepOut
            }
            guard !images.isEmpty else {
                throw BootwireError(
                    .usage, "no images to verify", hint: "name them: app.bin@0x10000, app.hex, or --config X.ini")
            }
            images = try FlashImage.validated(images, flash: route.knownFlash)
            let prepared = PreparedImage.prepare(images, compressAbove: nil)
            let pipeline = FlashPipeline(
                options: options, events: renderer.sink,
                confirm: { _ in throw BootwireError(.internalError, "verify asked a question") })
            let (verdicts, _) = try await connection.opener.withTarget(port, events: renderer.sink) { session in
                try pipeline.verify(prepared, on: session.flash)
            }
            for verdict in verdicts {
                let at = Hex.address(verdict.address)
                // The route's proof says where, when it can (read-back); its prose is a flash's.
                let first = verdict.difference?.evidence["address"].map { ", first difference at \($0)" } ?? ""
                let line =
                    verdict.difference == nil
                    ? "matches: \(verdict.name) at \(at), \(verdict.size) bytes"
                    : "differs: \(verdict.name) at \(at), \(verdict.size) bytes\(first)"
                renderer.render(.note(.info(line)))
            }
            let differing = verdicts.filter { $0.difference != nil }.map(\.name)
            var summary = ["images": "\(verdicts.count)", "matching": "\(verdicts.count - differing.count)"]
            if !differing.isEmpty { summary["differing"] = differing.joined(separator: ",") }
            try renderer.finish(JobResult(error: FlashPipeline.mismatch(verdicts), summary: summary))
        }
    }
}

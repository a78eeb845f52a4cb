import ArgumentParser
import BootwireCore
import Foundation
import QCC743

struct FlashCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flash",
        abstract: "Write images to an ST67W611M1 module (or an STM32) and prove them on the device.",
        discussion: """
            Images the device already holds are skipped (compare by hash; --force writes anyway). \
            Files larger than 4 KiB go over the wire xz-compressed, as the vendor tool sends them.

            Examples:
              bootwire flash --port virtual:qcc743 app.bin@0x10000
              bootwire flash --port /dev/ttyUSB0 --config mission_t02_flash_prog_cfg.ini --efuse=efusedata.bin
              bootwire flash --chip stm32 --port /dev/ttyACM0 app.hex --go 0x08000000
            """)

    @Argument(
        help: ArgumentHelp(
            "Images to write: FILE@ADDRESS for raw binaries; Intel HEX, S-record and ELF files carry their addresses.",
            valueName: "file[@address]"))
    var images: [String] = []

    @OptionGroup(title: "Input")
    var input: InputOptions

    @OptionGroup(title: "Connection")
    var connection: ConnectionOptions

    @OptionGroup(title: "Erase")
    var erase: EraseOptions

    @OptionGroup(title: "Safety")
    var safety: SafetyOptions

    @OptionGroup(title: "Production station (several --port)")
    var station: StationOptions

    @OptionGroup(title: "Output")
    var output: OutputOptions

    struct InputOptions: ParsableArguments {
        @Option(
            name: .long, help: ArgumentHelp("A flash_prog_cfg.ini, as ST ships with its firmware.", valueName: "ini"))
        var config: String?

        @Option(
            name: .long,
            help: ArgumentHelp(
                "An eFuse image to burn after the images (ST's efusedata.bin, or 512 bytes + _mask.bin).",
                valueName: "file"))
        var efuse: String?
    }

    struct EraseOptions: ParsableArguments {
        @Option(
            name: .long,
            help:
                "none, sections (each image's sectors) or chip (everything else ends erased too). Default: the ini's, else sections."
        )
        var erase: EraseMode?

        @Flag(
            name: .long,
            help: "With --erase chip: send the whole-chip erase instead of erasing only what is not erased.")
        var literalChipErase = false

        @Flag(name: .long, help: "Write images even when the device already holds them.")
        var force = false

        @Option(
            name: .long,
            help: ArgumentHelp("STM32: jump to this address afterwards (the application starts).", valueName: "address")
        )
        var go: String?
    }

    struct SafetyOptions: ParsableArguments {
        @Flag(name: .long, help: "Connect, compare and show what would be erased, written and burned; change nothing.")
        var dryRun = false

        @Flag(name: .long, help: "Confirm irreversible steps (eFuse burns) without asking.")
        var yes = false
    }

    func run() async throws {
        let renderer = output.makeRenderer()
        do {
            let ports = try connection.resolvedPorts()
            let route = connection.route(for: ports[0])
            if route != .qcc743 {
                guard ports.count == 1 else {
                    throw BootwireError(.usage, "the STM32 path flashes one port at a time for now")
                }
                guard !images.isEmpty else {
                    throw BootwireError(
                        .usage, "nothing to flash", hint: "name images: app.hex, app.elf, app.bin@0x08000000")
                }
                let flash =
                    switch route {
                    case .dfu: DFUCommands.flash
                    case .swd: SWDCommands.flash
                    default: STM32Commands.flash
                    }
                try await flash(images, erase.erase ?? .sections, erase.go, connection, ports[0], renderer)
            }
            let (job, efuseImage) = try makeJob(events: renderer.sink)
            let prepared = FlashJob.Prepared(job.images)
            if ports.count == 1 {
                let started = MonotonicClock.now()
                let device = try await flashDevice(
                    port: ports[0], job: job, prepared: prepared, efuseImage: efuseImage, interactive: true,
                    events: renderer.sink)
                if let report = station.report {
                    try StationReport.append([device.report(port: ports[0], started: started)], to: report)
                }
                for line in device.imageLines() { renderer.render(.note(.info(line))) }
                try renderer.finish(
                    JobResult(
                        summary: device.summary(
                            seconds: Double(MonotonicClock.now() - started) / 1e9, dryRun: safety.dryRun),
                        attachments: ["images": try device.imagesJSON()]))
            }
            try await flashStation(
                ports: ports, job: job, prepared: prepared, efuseImage: efuseImage, renderer: renderer)
        } catch {
            try renderer.fail(error)
        }
    }

    /// The images (from FILE@ADDRESS and --config) and the eFuse image, checked before any port opens.
    func makeJob(events: EventSink) throws -> (FlashJob, EfuseImage?) {
        var images = try images.flatMap(Self.parseImages)
        var eraseMode = erase.erase ?? .sections
        if let config = input.config {
            let manifest = try FlashManifest.load(path: config, flashSize: DeviceIdentity.moduleFlashSize)
            images += try manifest.images.map { image in
                FlashJob.Image(
                    name: image.name, address: Int(image.address), data: try readInput(image.path, what: "image"))
            }
            eraseMode = erase.erase ?? manifest.erase
            for name in manifest.vendorLookupDisagreements {
                events(
                    .note(
                        .info(
                            "[\(name)] @partition: the vendor's substring lookup would pick another entry; Bootwire uses the exact name"
                        )))
            }
        }
        guard !images.isEmpty else {
            throw BootwireError(.usage, "nothing to flash", hint: "name images as FILE@ADDRESS, or pass --config INI")
        }
        let efuseImage = try input.efuse.map { try EfuseImage.load(path: $0) }
        var options = FlashJob.Options()
        options.erase = eraseMode
        options.literalChipErase = erase.literalChipErase
        options.force = erase.force
        let job = FlashJob(images: images, options: options)
        try job.validate(flashSize: DeviceIdentity.moduleFlashSize)
        return (job, efuseImage)
    }

    /// One device, start to end: safety checks first (signing, eFuse preview and confirmation),
    /// then the images, then the eFuse burn.
    func flashDevice(
        port: String, job: FlashJob, prepared: FlashJob.Prepared, efuseImage: EfuseImage?, interactive: Bool,
        events: @escaping EventSink
    ) async throws -> DeviceOutcome {
        let safety = self.safety
        return try await connection.withSession(port: port, events: events) { session in
            var outcome = DeviceOutcome(identity: session.identity)
            // Everything that could refuse the job is decided before the first erase.
            let efuse = try session.readEfuse()
            try SigningCheck.check(job.images, efuse: EfuseSummary(efuse), bootInfo: session.identity.bootInfo)
            var burn: EfuseImage?
            if let efuseImage {
                let change = try EfuseBurn.change(current: efuse, image: efuseImage)
                for line in EfuseBurn.describe(change) { session.events(.note(.info("eFuse: \(line)"))) }
                if !change.isNoOp {
                    if !safety.dryRun {
                        try Confirmation.require(
                            EfuseBurn.question(change), yes: safety.yes, interactive: interactive,
                            events: session.events)
                    }
                    burn = efuseImage
                    outcome.efuseChanges = change.fields.filter { $0.newlySetBits > 0 }.map(\.name)
                }
            }
            if safety.dryRun {
                for line in try job.plan(on: session, prepared: prepared) {
                    session.events(.note(.info("would \(line)")))
                }
                return outcome
            }
            let journal = SessionJournal(path: SessionJournal.path(forChip: session.identity.bootInfo.chipID))
            var run = job
            if let leftover = SessionJournal.leftover(at: journal.path), !leftover.isEmpty {
                let ranges = SessionJournal.unverified(leftover)
                session.events(
                    .note(
                        .warning(
                            .interruptedSession,
                            "an earlier session on this module was cut short after changing \(SessionJournal.describe(ranges)): "
                                + "every image it touched is written again")))
                run.options.rewrite = ranges
            }
            do {
                outcome.images = try run.run(on: session, prepared: prepared, journal: journal)
            } catch {
                // Exactly what this session changed, for the person and for the next run.
                var error = BootwireError.wrap(error)
                for kind in [SessionJournal.Kind.erase, .write, .verified] {
                    let ranges = journal.entries.filter { $0.kind == kind }.map { $0.start..<$0.end }
                    if !ranges.isEmpty { error.evidence["\(kind.rawValue)"] = SessionJournal.describe(ranges) }
                }
                if !journal.entries.isEmpty {
                    error.evidence["journal"] = journal.path
                    error.hint =
                        (error.hint.map { $0 + "; " } ?? "")
                        + "the next run on this module repairs what this one changed"
                }
                throw error
            }
            if let burn {
                session.events(.stage("efuse", detail: "burning in the vendor's order, then reading back"))
                try EfuseBurn.burn(burn, on: session)
            }
            journal.finish()
            return outcome
        }
    }

    /// `FILE@ADDRESS` for raw binaries; Intel HEX, S-record and ELF files carry their own
    /// addresses. Each segment of a file becomes one image.
    static func parseImages(_ argument: String) throws -> [FlashJob.Image] {
        let (path, address) = try ImageLoader.parseArgument(argument)
        let plan = try ImageLoader.load(path: path, address: address)
        let name = (path as NSString).lastPathComponent
        return plan.segments.enumerated().map { index, segment in
            FlashJob.Image(
                name: plan.segments.count == 1 ? name : "\(name)#\(index + 1)", address: Int(clamping: segment.address),
                data: segment.bytes)
        }
    }

}

extension EraseMode: ExpressibleByArgument {}

import ArgumentParser
import BootwireCore
import Foundation
import QCC743
import Targets

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

    @OptionGroup(title: "Monitor (after the flash)")
    var monitor: MonitorOptions

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
        try await output.run { renderer in
            let ports = try await connection.ports(events: renderer.sink)
            let routes = Set(ports.map(connection.route(for:)))
            guard let route = routes.first, routes.count == 1 else {
                throw BootwireError(
                    .usage, "the ports lead to different kinds of device",
                    hint: "flash one kind of device per run (all modules, or all STM32s over one route)")
            }
            if monitor.monitor {
                try monitor.check(route: route, ports: ports.count, station: station.report != nil, go: erase.go != nil)
            }
            let request = try makeRequest(route: route, events: renderer.sink)
            if let report = station.report { try OutputFile.check(report) }
            if ports.count == 1 && station.report == nil {
                let started = MonotonicClock.now()
                let device = try await flashDevice(
                    port: ports[0], request: request, interactive: true, events: renderer.sink,
                    watch: monitor.monitor ? monitor.watcher(json: output.json) : nil)
                var outcome = device.outcome
                // The flash's own time: the monitor's is not the flash's.
                outcome.seconds = Double(MonotonicClock.now() - started) / 1e9 - (device.monitored?.seconds ?? 0)
                try renderer.finish(
                    JobResult(
                        summary: device.summary(seconds: outcome.seconds).merging(
                            device.monitored.map(MonitorOptions.summary) ?? [:]
                        ) { $1 },
                        attachments: try device.attachments(), flash: outcome))
            }
            try await flashStation(ports: ports, request: request, renderer: renderer)
        }
    }

    /// Everything a device's flash job needs, checked before any port opens.
    struct Request: Sendable {
        var prepared: [PreparedImage]
        var options: FlashOptions
        var efuse: EfuseImage?
    }

    /// The images (from FILE@ADDRESS and --config), the options and the eFuse image, validated
    /// before any port opens: missing, empty or folder files, overlaps and (where the flash is
    /// known without the device) images beyond it are refused here.
    func makeRequest(route: Route, events: EventSink) throws -> Request {
        // No images and no ini on the command line: the project file's target's.
        let project = images.isEmpty && input.config == nil ? try connection.projectTarget() : nil
        var images = try (project?.images ?? images).flatMap { try Self.parseImages($0, route: route) }
        var options = FlashOptions()
        options.erase = erase.erase ?? .sections
        if let config = input.config ?? project?.ini {
            let manifest = try Self.loadManifest(config, route: route)
            images += try manifest.flashImages()
            options.erase = erase.erase ?? manifest.erase
            options.keepOut = manifest.keepOut
            for choice in manifest.versionChoices { events(.note(.info(choice.message))) }
            for name in manifest.vendorLookupDisagreements {
                events(
                    .note(
                        .info(
                            "[\(name)] @partition: the vendor's substring lookup would pick another entry; Bootwire uses the exact name"
                        )))
            }
        }
        if input.efuse != nil { try route.require(.efuse, "--efuse") }
        if erase.go != nil { try route.require(.go, "--go") }
        images = try FlashImage.validated(images, flash: route.knownFlash)
        options.literalChipErase = erase.literalChipErase
        if let memory = route.knownMemory {
            // A skip_mode region that cannot be spared is refused before any port opens.
            try FlashPipeline.refuseUnkeepable(
                images, options: options, memory: memory, literalChipErase: options.literalChipErase)
        }
        options.force = erase.force
        options.dryRun = safety.dryRun
        options.journals = CacheFolder.journals
        if let go = erase.go {
            options.run = true
            options.runAddress = try parseAddress(go, option: "--go")
        }
        return Request(
            prepared: PreparedImage.prepare(images, compressAbove: route.compressAbove), options: options,
            efuse: try input.efuse.map { try EfuseImage.load(path: $0) })
    }

    /// One device, start to end, through the flash pipeline.
    /// `watch`: after a flash that changed the device (not a dry run), the monitor (`--monitor`).
    func flashDevice(
        port: PortSpec, request: Request, interactive: Bool, events: @escaping EventSink,
        pipeline given: FlashPipeline? = nil, connected: (@Sendable (TargetIdentity) -> Void)? = nil,
        watch: MonitorOptions.Watcher? = nil
    ) async throws -> DeviceOutcome {
        let pipeline = given ?? makePipeline(request: request, interactive: interactive, events: events)
        var opener = connection.opener
        opener.settings.rttAddress = try monitor.rttAddressValue()
        // The session reports through the pipeline, which places its progress in the whole job.
        let (result, statistics) = try await opener.withTarget(
            port, efuse: request.efuse, events: pipeline.events
        ) {
            session in
            // Known from here on, even when the job then fails (the station report's record).
            connected?(session.flash.identity)
            let outcome = try pipeline.run(request.prepared, on: session.flash)
            let monitored = try watch.flatMap { try $0(session, outcome.dryRun, events) }
            return (session.flash.identity, outcome, monitored)
        }
        return DeviceOutcome(identity: result.0, outcome: result.1, statistics: statistics, monitored: result.2)
    }

    /// Made once per device, above the session: a module that resets mid-write is reconnected
    /// and the same pipeline runs again (and a station's `--retry` passes the same one), resuming
    /// its own journal rather than warning about it.
    func makePipeline(request: Request, interactive: Bool, events: @escaping EventSink) -> FlashPipeline {
        let yes = safety.yes
        return FlashPipeline(
            options: request.options, events: events,
            confirm: { question in
                try Confirmation.require(question, yes: yes, interactive: interactive, events: events)
            })
    }

    /// A flash_prog_cfg.ini, on a route that takes one (the module's), with the module's flash size.
    static func loadManifest(_ path: String, route: Route) throws -> FlashManifest {
        try route.require(.flashConfig, "--config")
        return try FlashManifest.load(
            path: path, flashSize: BouffaloChip.qcc743.flashSize, environment: ProcessInfo.processInfo.environment)
    }

    /// `FILE@ADDRESS` for raw binaries; Intel HEX, S-record, ELF and .dfu files carry their own
    /// addresses. Each segment of a file becomes one image.
    static func parseImages(_ argument: String, route: Route) throws -> [FlashImage] {
        let (path, address) = try ImageLoader.parseArgument(argument)
        return try FlashImage.load(path: path, address: address, exampleAddress: route.exampleAddress)
    }
}

extension EraseMode: ExpressibleByArgument {}

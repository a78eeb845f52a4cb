import ArgumentParser
import BootwireCore
import Foundation
import QCC743
import ST67
import STLink
import Targets
import VirtualDevices

/// `bootwire st67 update BINARIES_DIR`: ST's module update (NCP_update_mission_profile_t02.sh)
/// in one command. The steps and their resume state are `ST67UpdatePlan` and `ST67UpdateRun`;
/// this command finds the board's two ports, identifies the host, asks once, and runs each
/// step through the flash pipeline of the side it names.
struct ST67Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "st67",
        abstract: "ST67W611M1 boards: ST's module update through the board's ST-LINK, in one command.",
        subcommands: [Update.self])

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Update the module from ST's Binaries folder: Bootloader.bin, the module, the host application.",
            discussion: """
                BINARIES_DIR is the folder X-CUBE-ST67W61 ships (Projects/ST67W6X_Scripts/Binaries): \
                NCP_Binaries/ and one <BOARD>_Binaries/ per board. Over the board's ST-LINK: the host's \
                Bootloader.bin (the UART bypass that drives the module's BOOT and CHIP_EN) is flashed and \
                run; the module is flashed through the ST-LINK's virtual COM port at 2 Mbaud; then the \
                host application is flashed back and run. An eFuse burn is shown and asked once, before \
                anything changes. A run that stops is resumed at the step it stopped.

                Examples:
                  bootwire st67 update Binaries
                  bootwire st67 update Binaries --board NUCLEO-U575ZI-Q --port stlink:066DFF535155878281123456
                  bootwire st67 update Binaries --port virtual:nucleo-h563zi,state=/tmp/board --dry-run
                """)

        @Argument(help: ArgumentHelp("ST's Binaries folder.", valueName: "binaries-dir")) var binaries: String
        @Option(
            help: ArgumentHelp(
                "The board folder to use (NUCLEO-H563ZI, …): default from the host's DEV_ID and flash size.",
                valueName: "board"))
        var board: String?
        @Option(
            help: ArgumentHelp(
                "The host application to flash back (default: the board folder's one image besides Bootloader.bin; none: the host flash Bootloader.bin replaced is put back).",
                valueName: "file"))
        var app: String?
        @Option(
            help: ArgumentHelp(
                "The ST-LINK's virtual COM port (default: the serial port of the same USB device).", valueName: "path"))
        var vcp: String?
        @Flag(name: .long, help: "Connect, identify and show every step; change nothing.") var dryRun = false
        @Flag(name: .long, help: "Confirm the eFuse burn without asking.") var yes = false
        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        @OptionGroup(title: "Output") var output: OutputOptions

        func run() async throws {
            let renderer = output.makeRenderer()
            do {
                let package = try ST67Package.load(path: binaries)
                if let board { try ST67UpdatePlan.refuseUnsupported(board: board) }
                let ports = try boardPorts()
                let events = renderer.sink
                var moduleSide = connection
                moduleSide.reset = connection.reset ?? "host-mcu"
                let module = moduleSide
                let (host, _) = try await connection.opener.withSWD(ports.swd, events: events) { session in
                    let units =
                        (try? session.flash().layout.sectors.map { Int($0.address)..<Int($0.address) + $0.size }) ?? []
                    return (session.identity.deviceID, session.identity.flashSize, session.identity.partName, units)
                }
                let board = try chooseBoard(package, deviceID: host.0, flashSize: host.1)
                events(
                    .note(
                        .info(
                            "host \(host.2) (DEV_ID \(Hex.address(Int(host.0))), \(host.1 >> 10) KiB): board \(board)"))
                )
                let statePath = CacheFolder.root + "/st67/" + ST67UpdateRun.stateName(port: ports.key)
                let plan = try ST67UpdatePlan.make(
                    package: package, board: board, application: app,
                    environment: ProcessInfo.processInfo.environment,
                    hostUnits: host.3)
                for note in plan.notes { events(.note(.info(note))) }
                let update = ST67UpdateRun(plan: plan, statePath: statePath, events: events)
                // Asked once per update: a resumed run whose module step is done burned it already.
                if let preview = plan.efusePreview, !dryRun,
                    update.load()?.done.contains(ST67UpdateStep.Kind.module.rawValue) != true
                {
                    try Confirmation.require(preview, yes: yes, events: events)
                }
                let dryRun = self.dryRun
                let connection = self.connection
                let results = try await update.run(dryRun: dryRun) { step, state in
                    try await Self.execute(
                        step, state: state, update: update, ports: ports, connection: connection, module: module,
                        dryRun: dryRun, events: events)
                }
                var summary = [
                    "board": board, "host": host.2, "steps": results.map(\.kind.rawValue).joined(separator: ","),
                    "resumed": results.filter(\.resumed).map(\.kind.rawValue).joined(separator: ","),
                ]
                if dryRun { summary["dry-run"] = "yes" }
                for result in results {
                    for (key, value) in result.summary { summary["\(result.kind.rawValue).\(key)"] = value }
                }
                try renderer.finish(JobResult(summary: summary))
            } catch {
                try renderer.fail(error)
            }
        }

        /// The board's ST-LINK and its virtual COM port: a virtual Nucleo, or a probe and the
        /// serial port of the same USB device.
        struct BoardPorts: Sendable {
            var swd: PortSpec
            var vcp: @Sendable () throws -> PortSpec
            /// Names this board for the resume state.
            var key: String
        }

        func boardPorts() throws -> BoardPorts {
            let named = connection.port.first ?? "stlink"
            if VirtualNucleoBoard.isBoard(named) {
                let ports = try VirtualNucleoBoard.resolve(named)
                return BoardPorts(
                    swd: try PortSpec.parse(ports.swd), vcp: { try PortSpec.parse(ports.vcp()) }, key: ports.hostState)
            }
            let probe = try PortSpec.parse(named)
            guard connection.route(for: probe) == .swd else {
                throw BootwireError(
                    .usage, "--port names the board's ST-LINK (stlink, stlink:SERIAL, virtual:nucleo-…), not \(named)",
                    hint: "the module's COM port is found from the ST-LINK, or named with --vcp")
            }
            let vcp = self.vcp
            return BoardPorts(
                swd: probe, vcp: { try PortSpec.parse(try vcp ?? Self.findVCP(probe: named)) }, key: named)
        }

        /// The ST-LINK's VCP: a serial port of ST's vendor ID whose USB serial is the probe's.
        static func findVCP(probe: String) throws -> String {
            let serial = probe.hasPrefix("stlink:") ? String(probe.dropFirst(7)) : nil
            let candidates = PortDiscovery.list().filter { port in
                guard port.vendorID?.lowercased() == "0483",
                    let pid = port.productID.flatMap({ UInt16($0, radix: 16) }),
                    STLinkProbeKind.kind(productID: pid) != nil
                else { return false }
                return serial == nil || port.serialNumber == serial
            }
            guard candidates.count == 1 else {
                throw BootwireError(
                    .portNotFound,
                    candidates.isEmpty
                        ? "no ST-LINK virtual COM port found" : "several ST-LINK virtual COM ports: name one",
                    hint: "pass --port stlink:SERIAL (from `bootwire list`) or --vcp /dev/ttyACM…",
                    evidence: ["candidates": candidates.map(\.path).joined(separator: ",")])
            }
            return candidates[0].path
        }

        func chooseBoard(_ package: ST67Package, deviceID: UInt16, flashSize: Int) throws -> String {
            if let board {
                _ = try package.folder(board: board)
                return package.boards.keys.first { $0.lowercased() == board.lowercased() } ?? board
            }
            let matches = package.boards(deviceID: deviceID, flashKiB: flashSize >> 10)
            guard matches.count == 1 else {
                throw BootwireError(
                    .st67BoardUnknown,
                    matches.isEmpty
                        ? "no board folder of the package has this host (DEV_ID \(Hex.address(Int(deviceID))), \(flashSize >> 10) KiB)"
                        : "several board folders fit this host: \(matches.joined(separator: ", "))",
                    hint: "pass --board with one of: " + package.boards.keys.sorted().joined(separator: ", "),
                    evidence: ["dev-id": Hex.address(Int(deviceID)), "flash-kib": "\(flashSize >> 10)"])
            }
            return matches[0]
        }

        /// One step: the host side over SWD, the module side over the VCP, each through the pipeline.
        static func execute(
            _ step: ST67UpdateStep, state: ST67UpdateState, update: ST67UpdateRun, ports: BoardPorts,
            connection: ConnectionOptions, module: ConnectionOptions, dryRun: Bool, events: @escaping EventSink
        ) async throws -> ([String: String], ST67UpdateState) {
            var state = state
            switch step.kind {
            case .saveHost:
                guard let range = update.plan.savedHostRange else { return ([:], state) }
                let (bytes, _) = try await connection.opener.withSWD(ports.swd, events: events) {
                    try $0.probe.readMemory(UInt32(range.lowerBound), count: range.count)
                }
                if !dryRun {
                    try FileManager.default.createDirectory(
                        atPath: PathName.folder(of: update.savedHostPath),
                        withIntermediateDirectories: true)
                    try OutputFile.write(bytes, to: update.savedHostPath)
                    state.savedHostAddress = range.lowerBound
                }
                return (["saved": "\(Hex.address(range.lowerBound))..\(Hex.address(range.upperBound))"], state)
            case .module where dryRun:
                // The module answers only once Bootloader.bin runs: a dry run shows the plan offline.
                for image in step.images {
                    events(
                        .note(
                            .info(
                                "would write [\(image.name)] \(image.data.count) bytes at \(Hex.address(image.address))"
                            )))
                }
                if step.efuse != nil {
                    events(.note(.info("would burn the eFuse (efusedata.bin) after the images are proven")))
                }
                return (["images": "\(step.images.count)", "erase": step.erase.rawValue], state)
            default:
                var images = step.images
                if step.kind == .application, images.isEmpty {
                    guard let address = state.savedHostAddress,
                        let saved = FileManager.default.contents(atPath: update.savedHostPath)
                    else {
                        throw BootwireError(
                            .fileNotFound, "the host flash saved before Bootloader.bin is gone",
                            hint: "name the application with --app FILE", evidence: ["path": update.savedHostPath])
                    }
                    images = [FlashImage(name: "saved host flash", address: address, data: [UInt8](saved))]
                }
                var options = FlashOptions()
                options.erase = step.erase
                options.keepOut = step.keepOut
                options.dryRun = dryRun
                options.journals = CacheFolder.journals
                options.run = step.run
                let side = step.side == .host ? connection : module
                let port = step.side == .host ? ports.swd : try ports.vcp()
                let prepared = PreparedImage.prepare(
                    images, compressAbove: step.side == .module ? BouffaloChip.qcc743.compressAbove : nil)
                // The eFuse burn was asked before the first step.
                let pipeline = FlashPipeline(options: options, events: events, confirm: { _ in })
                let (outcome, _) = try await side.opener.withTarget(port, efuse: step.efuse, events: events) {
                    try pipeline.run(prepared, on: $0.flash)
                }
                var summary = [
                    "written": "\(outcome.written.count)", "skipped": "\(outcome.images.count - outcome.written.count)",
                ]
                if !outcome.irreversible.isEmpty {
                    summary["irreversible"] = outcome.irreversible.joined(separator: ",")
                }
                if dryRun { summary["plan"] = outcome.plan.joined(separator: "; ") }
                return (summary, state)
            }
        }
    }
}

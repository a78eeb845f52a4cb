import ArgumentParser
import BootwireCore
import Foundation
import QCC743
import ST67
import STLink
import Targets
import VirtualDevices

/// `bootwire st67 update BINARIES_DIR`: ST's module update (the profile's NCP_update_*.sh,
/// `ST67Profile`) in one command. The steps and their resume state are `ST67UpdatePlan` and `ST67UpdateRun`;
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
                run; the module is flashed through the ST-LINK's virtual COM port at 2 Mbaud with the \
                profile's ini; then the host application ST's script for that profile flashes is \
                flashed and run (mfg: UART_bypass.bin, t01: ST67W6X_CLI.bin, t02: ST67W6X_CLI_LWIP.bin). An eFuse burn is shown and asked once, before \
                anything changes. A run that stops is resumed at the step it stopped.

                Examples:
                  bootwire st67 update Binaries
                  bootwire st67 update Binaries --profile mfg
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
                "The host application to flash after the module (default: the profile's, as ST's script names it; none in the folder: the host flash Bootloader.bin replaced is put back).",
                valueName: "file"))
        var app: String?
        @Option(
            help: ArgumentHelp(
                "The module profile, as ST's scripts name it: mfg (NCP_update_mfg.sh), t01 or t02 (NCP_update_mission_profile_t0x.sh); it picks the module's ini and the host application.",
                valueName: "profile"))
        var profile: ST67Profile = .standard
        @Option(
            help: ArgumentHelp(
                "The ST-LINK's virtual COM port (default: the serial port of the same USB device).", valueName: "path"))
        var vcp: String?
        @Flag(name: .long, help: "Connect, identify and show every step; change nothing.") var dryRun = false
        @Flag(name: .long, help: "Confirm the eFuse burn without asking.") var yes = false
        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        @OptionGroup(title: "Output") var output: OutputOptions

        func run() async throws {
            try await output.run { renderer in
                let package = try ST67Package.load(path: binaries)
                if let board { try ST67UpdatePlan.refuseUnsupported(board: board) }
                let ports = try boardPorts()
                let events = renderer.sink
                var moduleSide = connection
                moduleSide.reset = connection.reset ?? "host-mcu"
                let module = moduleSide
                let runner = ST67StepRunner(
                    host: connection.opener, module: module.opener, hostPort: ports.swd, modulePort: ports.vcp,
                    journals: CacheFolder.journals, dryRun: dryRun, events: events)
                let host = try await runner.identifyHost()
                let board = try chooseBoard(package, deviceID: host.deviceID, flashSize: host.flashSize)
                events(
                    .note(
                        .info(
                            "host \(host.name) (DEV_ID \(Hex.address(host.deviceID)), \(host.flashSize >> 10) KiB): board \(board)"
                        ))
                )
                let statePath = CacheFolder.root + "/st67/" + ST67UpdateRun.stateName(port: ports.key)
                let plan = try ST67UpdatePlan.make(
                    package: package, board: board, profile: profile, application: app,
                    environment: ProcessInfo.processInfo.environment,
                    hostUnits: host.units)
                for note in plan.notes { events(.note(.info(note))) }
                let update = ST67UpdateRun(plan: plan, statePath: statePath, events: events)
                // Asked once per update: a resumed run whose module step is done burned it already.
                if let preview = plan.efusePreview, !dryRun,
                    update.load()?.done.contains(ST67UpdateStep.Kind.module.rawValue) != true
                {
                    try Confirmation.require(preview, yes: yes, events: events)
                }
                let results = try await update.run(dryRun: dryRun) { step, state in
                    try await runner.execute(step, state: state, update: update)
                }
                var summary = [
                    "board": board, "host": host.name, "profile": profile.rawValue,
                    "steps": results.map(\.kind.rawValue).joined(separator: ","),
                    "resumed": results.filter(\.resumed).map(\.kind.rawValue).joined(separator: ","),
                ]
                if dryRun { summary["dry-run"] = "yes" }
                for result in results {
                    for (key, value) in result.summary { summary["\(result.kind.rawValue).\(key)"] = value }
                }
                try renderer.finish(JobResult(summary: summary))
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
    }
}

extension ST67Profile: ExpressibleByArgument {}

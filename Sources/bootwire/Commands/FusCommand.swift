import ArgumentParser
import BootwireCore
import DFU
import Foundation
import Targets
import USB

/// `bootwire fus …`: the STM32WB's Firmware Upgrade Services through the ROM USB DFU bootloader.
struct FusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fus",
        abstract: "STM32WB: FUS state, wireless-stack delete, FUS/stack upgrade, start the stack (USB DFU).",
        discussion: """
            The chip reboots and re-enumerates during FUS work; Bootwire follows it. Over the UART \
            bootloader FUS is not publicly specified, and Bootwire says so rather than guessing.
            """,
        subcommands: [FusInfo.self, FusDelete.self, FusUpgrade.self, FusStartStack.self],
        defaultSubcommand: FusInfo.self)
}

/// The part every `fus` verb shares: the route check and a connected updater.
enum FusRunner {
    static func run<T: Sendable>(
        connection: ConnectionOptions, renderer: Renderer, _ body: @escaping @Sendable (FUSUpdater) throws -> T
    ) async throws -> T {
        let port = try connection.singlePort()
        guard connection.route(for: port).capabilities.contains(.fus) else {
            _ = try UARTFUSTransport().state()
            throw BootwireError(.usage, "fus needs a USB DFU port")
        }
        let events = renderer.sink
        return try await connection.opener.withDFU(port, events: renderer.sink) { session, bus in
            let transport = DFUFUSTransport(bus: bus, session: session, events: events)
            defer { transport.session.close() }
            return try body(FUSUpdater(transport: transport, events: events))
        }
    }
}

struct FusInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "FUS state and error, FUS version (when FUS runs), SFSA and the secure area.")

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup(title: "Output") var output: OutputOptions

    func run() async throws {
        try await output.run { renderer in
            let facts = try await FusRunner.run(connection: connection, renderer: renderer) { updater in
                let sfsa = try updater.secureStartPage()
                let state = try updater.transport.state()
                var facts = [
                    "fus state": "\(state)",
                    "cpu2": state.isStackRunning ? "wireless stack running" : "FUS running",
                    "sfsa": "0x" + String(sfsa, radix: 16, uppercase: true),
                    "secure area": Hex.address(0x0800_0000 + sfsa * 0x1000, uppercase: true),
                    "flash size": "\((updater.transport.session.identity.flash?.size ?? 0) / 1024) KiB",
                ]
                if !state.isStackRunning, let (a, b, c) = try updater.transport.fusVersion() {
                    facts["fus version"] = "\(a).\(b).\(c)"
                }
                return facts
            }
            let data = try JSONSerialization.data(withJSONObject: facts, options: [.sortedKeys])
            try renderer.finish(JobResult(summary: facts, attachments: ["info": String(decoding: data, as: UTF8.self)]))
        }
    }
}

struct FusDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete the wireless stack (asks first; --yes in scripts).")

    @OptionGroup(title: "Safety") var change: ChangeOptions
    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup(title: "Output") var output: OutputOptions

    func run() async throws {
        try await output.run { renderer in
            let gate = change.gate
            let doIt = try gate.confirms(
                "delete the wireless stack: CPU2 has no radio firmware until one is installed again (fus upgrade)",
                events: renderer.sink)
            // A dry run connects (the DFU device must be there) and asks FUS nothing.
            try await FusRunner.run(connection: connection, renderer: renderer) { if doIt { try $0.delete() } }
            try renderer.finish(JobResult(summary: gate.mark(["deleted": doIt ? "wireless stack" : "nothing"])))
        }
    }
}

struct FusStartStack: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start-stack", abstract: "Start the installed wireless stack on CPU2.")

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup(title: "Output") var output: OutputOptions

    func run() async throws {
        try await output.run { renderer in
            try await FusRunner.run(connection: connection, renderer: renderer) { try $0.startStack() }
            try renderer.finish(JobResult(summary: ["cpu2": "wireless stack running"]))
        }
    }
}

struct FusUpgrade: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Install a FUS or wireless-stack image (checks the install address before anything is erased).")

    @Argument(help: "The image from STM32CubeWB (stm32wb5x_…_fw.bin).")
    var file: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "auto (from SFSA and the image size) or an address, which must equal the computed one.",
            valueName: "auto|address"))
    var address = "auto"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The first address past the application. Default: the install range is read and must be erased.",
            valueName: "address"))
    var appEnd: String?

    @Flag(name: .long, help: "Skip the delete step (no wireless stack installed yet).")
    var firstInstall = false

    @OptionGroup(title: "Safety") var change: ChangeOptions

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup(title: "Output") var output: OutputOptions

    func run() async throws {
        try await output.run { renderer in
            guard let data = FileManager.default.contents(atPath: file), !data.isEmpty else {
                throw BootwireError(.fileNotFound, "image \(file) does not exist or is empty", evidence: ["file": file])
            }
            let image = [UInt8](data)
            let requested = try address == "auto" ? nil : UInt64(parseAddress(address, option: "--address"))
            let applicationEnd = try appEnd.map { UInt64(try parseAddress($0, option: "--app-end")) }
            let (file, firstInstall, gate) = (self.file, self.firstInstall, change.gate)
            let events = renderer.sink
            let (plan, versions) = try await FusRunner.run(connection: connection, renderer: renderer) { updater in
                let plan = try updater.upgrade(
                    image: image, name: file, requestedAddress: requested, applicationEnd: applicationEnd,
                    firstInstall: firstInstall
                ) { plan in
                    // The installed stack's delete is the step that cannot be undone; a first
                    // install loses nothing.
                    let install = "install \(file) at \(Hex.address(plan.address, uppercase: true))"
                    return firstInstall
                        ? gate.allows(install, events: events)
                        : try gate.confirms(
                            "delete the installed wireless stack, then \(install)", events: events)
                }
                return (plan, updater.versions)
            }
            var summary = [
                "installed": gate.dryRun ? "nothing" : file, "address": Hex.address(plan.address, uppercase: true),
                "bytes": "\(image.count)",
            ]
            if !gate.dryRun {
                summary["fus-version"] = versions.fus
                summary["stack-version"] = versions.stack
                summary["cpu2"] = versions.stackRunning ? "wireless stack running" : "FUS running"
            }
            try renderer.finish(JobResult(summary: gate.mark(summary)))
        }
    }
}

import ArgumentParser
import BootwireCore
import Targets

/// `bootwire reset`: the device restarted into its application or its bootloader, the way its
/// route can (the session says how: modem lines, the bootloader's Go, DfuSe leave, …).
struct ResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Reset the device into its application (default) or its bootloader.",
        discussion: """
            Module and STM32 UART: CHIP_EN/NRST through the adapter's DTR/RTS on the --reset wiring \
            (BOOT held low for the application); without those lines the STM32 bootloader's Go starts \
            the application, and Bootwire says when a person must press reset. USB DFU: DfuSe leave.

            Examples:
              bootwire reset --port /dev/ttyUSB0
              bootwire reset --chip stm32 --port /dev/ttyUSB0 --into bootloader
              bootwire reset --port usb:0483:df11
            """)

    @Option(name: .long, help: "application or bootloader.")
    var into: ResetTarget = .application

    @Flag(name: .long, help: "Check the port and the route, say what would be reset; open nothing, change nothing.")
    var dryRun = false

    @OptionGroup(title: "Connection")
    var connection: ConnectionOptions

    @OptionGroup(title: "Output")
    var output: OutputOptions

    func run() async throws {
        try await output.run { renderer in
            let port = try connection.singlePort()
            let opener = connection.opener
            try opener.route(for: port).require(.reset, "reset")
            let into = self.into
            // Not even a connection: reaching the module's boot ROM is itself a reset.
            guard !dryRun else {
                try renderer.finish(JobResult(summary: ["reset": into.rawValue, "dry-run": "nothing was changed"]))
                return
            }
            _ = try await opener.withTarget(port, events: renderer.sink) { target in
                try target.reset(into: into)
            }
            try renderer.finish(JobResult(summary: ["reset": into.rawValue]))
        }
    }
}

extension ResetTarget: ExpressibleByArgument {}

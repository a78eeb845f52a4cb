import ArgumentParser
import BootwireCore

/// `bootwire run IMAGES…`: `flash --monitor` under the name probe-rs and cargo give it.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Flash, reset into the application, and show its output until Ctrl-C.",
        // The flash command's options are embedded whole; its name is not part of this one's.
        usage: "bootwire run [<options>] [<file[@address]> ...]",
        discussion: """
            The same as `bootwire flash --monitor`: every flash option works here. --for and --until \
            end the monitor by themselves (scripts, CI); --dry-run shows the plan and resets nothing.

            Examples:
              bootwire run --port /dev/ttyUSB0 app.bin@0x10000 --timestamps
              bootwire run --chip stm32 --port /dev/ttyUSB0 app.hex --until "ready" --for 10
            """)

    @OptionGroup
    var flash: FlashCommand

    func run() async throws {
        var flash = self.flash
        flash.monitor.monitor = true
        try await flash.run()
    }
}

import ArgumentParser
import BootwireCore

@main
struct Bootwire: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "bootwire",
        abstract: "Flash, read, erase and diagnose ST67W611M1 modules and STM32 microcontrollers.",
        discussion: """
            Every failure ends with a stable error code, the evidence seen on the wire, and what to do.
            Run `bootwire codes` for the catalogue of codes and exit statuses.

            No hardware? `bootwire emulate qcc743` runs a virtual ST67W611M1 boot ROM on a pseudo-terminal.
            """,
        version: version,
        subcommands: [FlashCommand.self, ListCommand.self, EmulateCommand.self, CodesCommand.self]
    )
}

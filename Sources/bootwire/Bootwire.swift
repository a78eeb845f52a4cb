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
        subcommands: [
            FlashCommand.self, InfoCommand.self, ReadCommand.self, EraseCommand.self, EfuseCommand.self,
            ProtectCommand.self, UnprotectCommand.self, DoctorCommand.self, ListCommand.self, EmulateCommand.self,
            UdevRulesCommand.self, FusCommand.self, OptionBytesCommand.self, CodesCommand.self, ST67Command.self,
        ]
    )

    /// Parses (accepting QConn_Flash_Cmd spellings), runs, and maps command-line mistakes to
    /// exit status 2 with the `usage` code, as JSON when --json was asked for.
    static func main() async {
        let raw = Array(CommandLine.arguments.dropFirst())
        let names = Set(configuration.subcommands.compactMap { $0.configuration.commandName })
        let arguments = QConnArguments.translate(raw, subcommands: names)
        do {
            var command = try parseAsRoot(arguments)
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as BootwireError {
            // A command that let its error escape still ends in one result line with its code.
            let renderer: Renderer = arguments.contains("--json") ? JSONRenderer() : HumanRenderer(quiet: false)
            renderer.render(.result(JobResult(error: error)))
            exit(withError: ExitCode(error.code.category.exitStatus))
        } catch {
            let status = exitCode(for: error)
            guard status == .validationFailure else { exit(withError: error) }
            let message = fullMessage(for: error)
            if arguments.contains("--json") {
                JSONRenderer().render(
                    .result(
                        JobResult(
                            error: BootwireError(
                                .usage, message.split(separator: "\n").first.map(String.init) ?? message,
                                hint: "see bootwire help"))))
            } else {
                StandardStreams.err(message + "\n")
            }
            exit(withError: ExitCode(ErrorCategory.usage.exitStatus))
        }
    }
}

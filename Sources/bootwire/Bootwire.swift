import ArgumentParser
import BootwireCore

#if canImport(Glibc)
    import Glibc
#endif

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
            FlashCommand.self, VerifyCommand.self, InfoCommand.self, ReadCommand.self, EraseCommand.self,
            EfuseCommand.self,
            ProtectCommand.self, UnprotectCommand.self, DoctorCommand.self, ListCommand.self, EmulateCommand.self,
            JournalCommand.self,
            UdevRulesCommand.self, FusCommand.self, OptionBytesCommand.self, CodesCommand.self, ST67Command.self,
            RunCommand.self, ResetCommand.self,
        ]
    )

    /// Parses (accepting QConn_Flash_Cmd spellings), runs, and maps command-line mistakes to
    /// exit status 2 with the `usage` code, as JSON when --json was asked for.
    static func main() async {
        // A reader that goes away (a FIFO given as --file or --trace, `bootwire list | head`) is
        // a write error with its code, not a silent death by SIGPIPE with no result line.
        signal(SIGPIPE, SIG_IGN)
        let raw = Array(CommandLine.arguments.dropFirst())
        let names = Set(configuration.subcommands.compactMap { $0.configuration.commandName })
        let arguments = attachingNegativeValues(QConnArguments.translate(raw, subcommands: names))
        do {
            if let error = unknownVerb(arguments, verbs: names) { throw error }
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

extension Bootwire {
    /// `--start -1` as `--start=-1`: the parser takes `-1` for an option and reports a missing
    /// value; joined, the option's own check says `-1` is not a number it takes (issue #23).
    /// No Bootwire option or flag is spelled `-` and a digit, so nothing else is joined.
    static func attachingNegativeValues(_ arguments: [String]) -> [String] {
        var out: [String] = []
        for argument in arguments {
            if let last = out.last, last.hasPrefix("--"), !last.contains("="),
                argument.count > 1, argument.hasPrefix("-"),
                argument.dropFirst().first.map({ $0.isNumber || $0 == "." }) == true
            {
                out[out.count - 1] = last + "=" + argument
            } else {
                out.append(argument)
            }
        }
        return out
    }
}

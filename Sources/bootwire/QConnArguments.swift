/// Accepts command lines written for ST's QConn_Flash_Cmd (and Bouffalo's BLFlashCommand) as
/// they appear in ST's scripts and forum posts, and rewrites them into Bootwire subcommands:
///
///     --port P --config X.ini --efuse=E.bin      → flash --port P --config X.ini --efuse E.bin
///     --port P --erase --whole_chip              → erase --port P --whole-chip
///     --port P --erase --start A --end B         → erase --port P --start A --end B
///     --port P --read --start A --len L --file F → read --port P --start A --len L --file F
///     --baudrate N                               → --baud N
///     --chipname qcc743|bl616, --interface uart  → dropped (the only values that apply)
enum QConnArguments {
    static func translate(_ arguments: [String], subcommands: Set<String>) -> [String] {
        // The root's own flags (help, version, completions, the manual's dump) are not QConn spellings.
        let rootFlags = ["-h", "--help", "--version", "--generate-completion-script", "--experimental-dump-help"]
        guard let first = arguments.first, first.hasPrefix("-"),
            !rootFlags.contains(where: { first == $0 || first.hasPrefix($0 + "=") })
        else { return arguments }
        var verb = "flash"
        var out: [String] = []
        var i = 0
        func value(_ arg: String) -> (name: String, inline: String?) {
            guard arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") else { return (arg, nil) }
            return (String(arg[..<eq]), String(arg[arg.index(after: eq)...]))
        }
        while i < arguments.count {
            let (name, inline) = value(arguments[i])
            i += 1
            func takeValue() -> String? {
                if let inline { return inline }
                guard i < arguments.count else { return nil }
                defer { i += 1 }
                return arguments[i]
            }
            switch name {
            case "--erase" where inline == nil: verb = "erase"
            case "--read" where inline == nil: verb = "read"
            case "--whole_chip": out.append("--whole-chip")
            case "--baudrate": out += ["--baud"] + (takeValue().map { [$0] } ?? [])
            case "--chipname", "--interface": _ = takeValue()
            default:
                out.append(name)
                if let inline { out.append(inline) }
            }
        }
        return [verb] + out
    }
}

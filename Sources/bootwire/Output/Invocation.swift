import BootwireCore
import Foundation
import Targets

/// This run's connection, for the commands printed in hints: the library writes a fix as
/// `bootwire option-bytes set rdp=0 --yes` (it knows no port), and the renderers complete every
/// such command with the `--port` and connection options used here, so it works when pasted.
/// Recorded once, when the ports are resolved (`ConnectionOptions.resolvedPorts`).
struct Invocation: Sendable {
    /// The ports used, as `--port` takes them.
    var ports: [String] = []
    /// The connection options the command line gave, other than the port (`--chip stm32`, …).
    var options: [String] = []

    /// Verbs that talk to a device, and so take the connection options.
    static let deviceVerbs: Set<String> = [
        "flash", "info", "read", "erase", "efuse", "protect", "unprotect", "doctor", "fus", "option-bytes", "st67",
        "reset", "run", "verify",
    ]

    private static let lock = NSLock()
    nonisolated(unsafe) private static var recorded = Invocation()
    nonisolated(unsafe) private static var pending: [String] = []

    static var current: Invocation { lock.withLock { recorded } }

    static func record(_ connection: ConnectionOptions, ports: [PortSpec]) {
        var options: [String] = []
        if let chip = connection.chip { options += ["--chip", AutoChip.found?.rawValue ?? chip.rawValue] }
        if let baud = connection.baud { options += ["--baud", "\(baud)"] }
        if let bootBaud = connection.bootBaud { options += ["--boot-baud", "\(bootBaud)"] }
        if let reset = connection.reset { options += ["--reset", reset] }
        if let khz = connection.swdKhz { options += ["--swd-khz", "\(khz)"] }
        if let target = connection.target { options += ["--target", target] }
        if let file = connection.configFile { options += ["--config-file", file] }
        if connection.noProject { options.append("--no-project") }
        let invocation = Invocation(ports: ports.map(\.description), options: options)
        lock.withLock { recorded = invocation }
    }

    /// A note to show once a renderer is at hand (how the port was found).
    static func note(_ text: String) { lock.withLock { pending.append(text) } }

    static func takeNotes() -> [String] {
        lock.withLock {
            defer { pending = [] }
            return pending
        }
    }

    /// `hint` with every `` `bootwire VERB …` `` of a device verb given this run's port (or
    /// `device`'s, in a station) and options, unless it names a port itself; a `--port …`
    /// placeholder is replaced.
    func completing(_ hint: String, device: String? = nil) -> String {
        let port = device ?? (ports.count == 1 ? ports[0] : nil)
        var out = ""
        var rest = Substring(hint)
        while let open = rest.firstIndex(of: "`") {
            out += rest[..<open]
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "`") else {
                rest = rest[open...]
                break
            }
            let command = String(rest[afterOpen..<close])
            out += "`" + completed(command, port: port) + "`"
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    private func completed(_ command: String, port: String?) -> String {
        var words = command.split(separator: " ").map(String.init)
        guard words.count >= 2, words[0] == "bootwire", Self.deviceVerbs.contains(words[1]) else { return command }
        if let placeholder = words.firstIndex(of: "--port"), placeholder + 1 < words.count,
            words[placeholder + 1] == "…" || words[placeholder + 1] == "PORT"
        {
            words.removeSubrange(placeholder...(placeholder + 1))
        }
        var added: [String] = []
        if !words.contains("--port"), let port { added += ["--port", Self.quoted(port)] }
        // Options the hint sets itself stay as it wrote them.
        var index = 0
        while index < options.count {
            let option = options[index]
            let takesValue = option != "--no-project"
            if !words.contains(option) {
                added.append(option)
                if takesValue { added.append(Self.quoted(options[index + 1])) }
            }
            index += takesValue ? 2 : 1
        }
        return (words + added).joined(separator: " ")
    }

    /// Shell-safe when pasted: quoted only when it holds more than letters, digits and `/:._,=@+-`.
    static func quoted(_ word: String) -> String {
        let plain = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "/:._,=@+-"))
        guard word.unicodeScalars.contains(where: { !plain.contains($0) }) else { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

extension Event {
    /// The event with the commands in its hint completed for this run (`Invocation`).
    func completingHints(device: String?) -> Event {
        let invocation = Invocation.current
        func complete(_ error: BootwireError) -> BootwireError {
            var error = error
            error.hint = error.hint.map { invocation.completing($0, device: device) }
            return error
        }
        switch self {
        case .note(var note):
            // A warning may name a command too ("run `bootwire …`").
            note.message = invocation.completing(note.message, device: device)
            return .note(note)
        case .diagnosis(let error): return .diagnosis(complete(error))
        case .result(var result):
            result.error = result.error.map(complete)
            return .result(result)
        default: return self
        }
    }
}

import ArgumentParser
import BootwireCore
import Foundation
import QCC743

#if canImport(Glibc)
    import Glibc
#endif

/// Irreversible steps are shown first and need --yes, or a typed "yes" at a terminal.
enum Confirmation {
    /// `holding`: a connected module whose boot-ROM session must outlive the person's reading
    /// (the ROM gives up after ~2 s of silence): it is kept busy until the answer comes.
    static func require(
        _ preview: String, yes: Bool, interactive: Bool = true, events: EventSink, holding session: QCC743Session? = nil
    ) throws {
        events(.note(.warning(.confirmationRequired, preview)))
        if yes { return }
        guard interactive && isatty(STDIN_FILENO) == 1 else {
            let command = commandWithYes
            throw BootwireError(
                .confirmationRequired, "refused without confirmation: \(preview)",
                hint: "once you have read what it will do, run: \(command)", evidence: ["command": command])
        }
        StandardStreams.err("Type yes to continue: ")
        let ask: @Sendable () -> Bool = { readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" }
        guard try session.map({ try $0.holding(while: ask) }) ?? ask() else {
            throw BootwireError(.confirmationRequired, "not confirmed: nothing was changed")
        }
    }

    /// This very command line with --yes added, quoted for a POSIX shell, ready to paste.
    static var commandWithYes: String {
        let words = ["bootwire"] + CommandLine.arguments.dropFirst() + ["--yes"]
        return words.map(shellQuoted).joined(separator: " ")
    }

    static func shellQuoted(_ word: String) -> String {
        let plain = word.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "-_./:=,@%+".unicodeScalars.contains($0)
        }
        return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}

/// --dry-run and --yes for every verb that changes a device, decided by one rule on every
/// route: a dry run connects, checks and says what it would do, and changes nothing; a step
/// that cannot be undone is previewed, then confirmed (--yes, or yes at a terminal) or refused.
struct ChangeOptions: ParsableArguments {
    @Flag(name: .long, help: "Connect, check and show what would change; change nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Confirm irreversible steps without asking (scripts).")
    var yes = false

    var gate: ChangeGate { ChangeGate(dryRun: dryRun, yes: yes) }
}

struct ChangeGate: Sendable {
    var dryRun = false
    var yes = false

    /// A change that can be made again (erasing pages, write protection): false under
    /// --dry-run, after saying what it would have done.
    func allows(_ change: String, events: EventSink) -> Bool {
        guard dryRun else { return true }
        events(.note(.info("would \(change)")))
        return false
    }

    /// A step that cannot be undone: previewed; under --dry-run that is all (false), otherwise
    /// it is confirmed (true) or refused with `confirmation-required`.
    func confirms(_ loss: String, events: EventSink, holding session: QCC743Session? = nil) throws -> Bool {
        guard !dryRun else {
            events(.note(.info("would \(loss)")))
            return false
        }
        try Confirmation.require(loss, yes: yes, events: events, holding: session)
        return true
    }

    /// The summary's mark of a dry run.
    func mark(_ summary: [String: String]) -> [String: String] {
        dryRun ? summary.merging(["dry-run": "nothing was changed"]) { $1 } : summary
    }
}

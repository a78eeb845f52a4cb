import BootwireCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Irreversible steps are shown first and need --yes, or a typed "yes" at a terminal.
enum Confirmation {
    static func require(_ preview: String, yes: Bool, interactive: Bool = true, events: EventSink) throws {
        events(.note(.warning(.confirmationRequired, preview)))
        if yes { return }
        guard interactive && isatty(STDIN_FILENO) == 1 else {
            throw BootwireError(
                .confirmationRequired, "refused without confirmation: \(preview)",
                hint: "run again with --yes once you have read what it will do, or run it at a terminal")
        }
        StandardStreams.err("Type yes to continue: ")
        guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
            throw BootwireError(.confirmationRequired, "not confirmed: nothing was changed")
        }
    }
}

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
            throw BootwireError(
                .confirmationRequired, "refused without confirmation: \(preview)",
                hint: "run again with --yes once you have read what it will do, or run it at a terminal")
        }
        StandardStreams.err("Type yes to continue: ")
        let ask: @Sendable () -> Bool = { readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" }
        guard try session.map({ try $0.holding(while: ask) }) ?? ask() else {
            throw BootwireError(.confirmationRequired, "not confirmed: nothing was changed")
        }
    }
}

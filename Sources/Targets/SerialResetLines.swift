import BootwireCore

/// What resets a device on a serial route: the adapter's DTR/RTS driven on the configured
/// wiring (`BootSequence`; the application's reset is the same wiring with BOOT held low), or a
/// virtual board's pins where the port is a pseudo-terminal (which carries no modem lines).
/// When neither exists, `drive` says no and the route does what its protocol can, or says
/// plainly that a person must press reset.
struct SerialResetLines: Sendable {
    /// The boot-entry wiring in effect (`--reset`, or the route's default for the port).
    var bootEntry: BootSequence
    /// A virtual board's reset, when the port is a virtual device's pseudo-terminal.
    var virtualPins: (@Sendable (ResetTarget) -> Void)?

    /// Drives the reset; false when nothing here can.
    func drive(_ target: ResetTarget, on link: any Link, events: @escaping EventSink) throws -> Bool {
        let sequence = target == .application ? bootEntry.applicationReset : bootEntry
        if link.capabilities.modemLines, let sequence, sequence.drivesModemLines, !sequence.isManual {
            events(.stage("reset", detail: "into the \(target.rawValue): \(sequence)"))
            _ = try BootEntry.drive(sequence, on: link, events: events)
            return true
        }
        if let virtualPins {
            events(
                .stage(
                    "reset",
                    detail:
                        "into the \(target.rawValue) through the virtual board's pins (a pseudo-terminal has no DTR/RTS)"
                ))
            virtualPins(target)
            return true
        }
        return false
    }

    /// The warning when nothing drives the reset: a pty, an adapter without DTR/RTS, or a
    /// wiring the user said a person or a host MCU drives.
    static func byHand(_ what: String, link: any Link) -> Event {
        let code: ErrorCode = link.capabilities.isPseudoTerminal ? .ptyNoModemLines : .noModemLines
        return .note(.warning(code, "nothing on \(link.name) drives the reset: \(what)"))
    }
}

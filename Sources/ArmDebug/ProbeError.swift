import BootwireCore

/// What went wrong on the target side of a probe, whichever probe it is: the cases callers
/// steer by. An implementation maps its own status codes here (the ST-LINK's in
/// `STLinkStatus.probeFault`).
public enum ProbeFault: Sendable, Equatable {
    /// The access port or debug port kept answering WAIT (the probe's own retries included).
    case wait
    /// The access faulted: an address the bus does not map, or flash that read protection hides.
    case fault(address: UInt32?)
    /// The debug port stopped answering mid-command: the part reset under the probe, or the
    /// wiring let go.
    case lostConnection
    /// Nothing answered on the debug port at all.
    case noTarget
    /// The probe's firmware does not know the command the operation needs.
    case unsupportedCommand
    /// A failure the probe reports that fits none of the above; `ProbeError.status` says which.
    case probeError
}

/// A target-side failure with the operation it interrupted and the probe's own words for it.
/// The target layer turns it into a diagnosis; on its own it becomes `stlink-error` (or
/// `stlink-firmware-too-old` for an unknown command).
public struct ProbeError: DiagnosedError, Sendable, Equatable {
    public var fault: ProbeFault
    public var operation: String
    /// The probe's own name for what it saw (`SWD_AP_FAULT (0x11)`), for evidence.
    public var status: String
    /// The probe family the words come from (`ST-LINK`).
    public var probe: String

    public init(_ fault: ProbeFault, operation: String, status: String, probe: String) {
        self.fault = fault
        self.operation = operation
        self.status = status
        self.probe = probe
    }

    public var error: BootwireError {
        var evidence = ["status": status]
        if case .fault(let address?) = fault { evidence["address"] = Hex.address(address, width: 8, uppercase: true) }
        if fault == .unsupportedCommand {
            return BootwireError(
                .stlinkFirmwareTooOld, "the \(probe) does not know the command for \(operation)",
                hint: "update the probe firmware (ST-LINK: STM32CubeProgrammer or ST-LinkUpgrade)", evidence: evidence)
        }
        return BootwireError(
            .stlinkError, "the \(probe) answered \(status) to \(operation)",
            hint: "check the SWD wiring and ground; try a lower clock with --swd-khz", evidence: evidence)
    }
}

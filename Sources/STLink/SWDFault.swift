import BootwireCore

/// A debug command the probe answered with an error status, with the address
/// GETLASTRWSTATUS2 blamed. The target layer turns it into a diagnosis; on its own it becomes
/// `stlink-error`.
public struct SWDFault: DiagnosedError, Sendable, Equatable {
    public var status: STLinkStatus
    public var address: UInt32?
    public var operation: String

    public init(_ status: STLinkStatus, address: UInt32? = nil, operation: String) {
        self.status = status
        self.address = address
        self.operation = operation
    }

    public var error: BootwireError {
        var evidence = ["status": status.description]
        if let address { evidence["address"] = Hex.address(address, width: 8, uppercase: true) }
        if status == .unknownCommand {
            return BootwireError(
                .stlinkFirmwareTooOld, "the ST-LINK does not know the command for \(operation)",
                hint: "update the probe firmware with STM32CubeProgrammer or ST-LinkUpgrade", evidence: evidence)
        }
        return BootwireError(
            .stlinkError, "the ST-LINK answered \(status.name) to \(operation)",
            hint: "check the SWD wiring and ground; try a lower clock with --swd-khz", evidence: evidence)
    }
}

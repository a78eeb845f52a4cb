/// Why a device refused, as a typed value that code branches on. The error's evidence is
/// rendered from it for people and JSON; no control flow reads evidence strings.
public enum ErrorCause: Sendable, Equatable {
    /// The module's boot ROM answered `FL` with this error code (`ISPDeviceError`).
    case romError(UInt16)
    /// An STM32 system bootloader answered NACK after this step of a command (AN3155).
    case refused(after: CommandStep)
}

/// The steps of an AN3155 command after which the bootloader answers ACK or NACK.
public enum CommandStep: String, Sendable, Equatable {
    case command, address, length, data, pages, sectors, computation
    case globalErase = "global erase"
    case massErase = "mass erase"
    case bank1Erase = "bank 1 erase"
    case bank2Erase = "bank 2 erase"
    case protect, unprotect
}

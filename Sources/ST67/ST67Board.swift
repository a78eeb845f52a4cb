import STM32

/// The boards ST's ST67W61 package ships binaries for (`<BOARD>_Binaries/` in
/// Projects/ST67W6X_Scripts/Binaries), with the host MCU each carries: one row per board.
/// A board folder whose name is not here is still taken with `--board` (a custom board).
public struct ST67Board: Sendable, Equatable {
    /// The folder name without `_Binaries`.
    public var name: String
    public var host: String
    /// DBGMCU DEV_ID of the host.
    public var deviceID: UInt16
    /// The host's flash: its part's, from the STM32 part catalogue (0 for a part it lacks).
    public var flashKiB: Int { STM32PartCatalogue.part(deviceID: deviceID)?.maxFlashKiB ?? 0 }
    /// Why Bootwire cannot update this board, when it cannot.
    public var refusal: String?

    public static let all: [ST67Board] = [
        ST67Board(name: "NUCLEO-H563ZI", host: "STM32H563ZI", deviceID: 0x484),
        ST67Board(name: "NUCLEO-U575ZI-Q", host: "STM32U575ZI", deviceID: 0x482),
        ST67Board(
            name: "NUCLEO-H7S3L8", host: "STM32H7S3L8", deviceID: 0x485,
            refusal: "the H7S3's application runs from external flash, which needs ST's external loader; "
                + "Bootwire does not program external memory"),
        // DEV_ID 0x486 for the N6 is UNCONFIRMED; the board is refused by name in any case.
        ST67Board(
            name: "NUCLEO-N657X0-Q", host: "STM32N657X0", deviceID: 0x486,
            refusal: "the N657 has no internal flash: its Bootloader.bin and application go to the board's "
                + "external flash through ST's external loader (STM32CubeProgrammer -el), which Bootwire does not have"),
    ]

    public static func named(_ name: String) -> ST67Board? {
        all.first { $0.name.lowercased() == name.lowercased() }
    }
}

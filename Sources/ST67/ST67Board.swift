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
    /// The external flash holding the board's code, when it is there (ST's scripts write it at
    /// 0x70000000 through an external loader).
    public var externalFlash: String?

    public static let all: [ST67Board] = [
        ST67Board(name: "NUCLEO-H563ZI", host: "STM32H563ZI", deviceID: 0x484),
        ST67Board(name: "NUCLEO-U575ZI-Q", host: "STM32U575ZI", deviceID: 0x482),
        // ST's scripts (NCP_update_*.sh, X-CUBE-ST67W61 Projects/ST67W6X_Scripts/Binaries) write
        // these boards' code to 0x70000000, the board's octo-SPI NOR, with STM32CubeProgrammer's
        // external loader (--extload): what Bootwire would need is a flash loader for that NOR.
        ST67Board(
            name: "NUCLEO-H7S3L8", host: "STM32H7S3L8", deviceID: 0x485,
            refusal: "the H7S3's application (ST67W6X_CLI_Appli.bin, ST67W6X_CLI_LWIP_Appli.bin) runs from the "
                + "board's external MX25UW25645G flash at 0x70000000, which ST writes with its external loader "
                + "MX25UW25645G_NUCLEO-H7S3L8.stldr; Bootwire has no loader for external flash",
            externalFlash: "MX25UW25645G"),
        // DEV_ID 0x486 for the N6 is UNCONFIRMED; the board is refused by name in any case.
        ST67Board(
            name: "NUCLEO-N657X0-Q", host: "STM32N657X0", deviceID: 0x486,
            refusal: "the N657 has no internal flash: its Bootloader.bin and application go to the board's "
                + "external MX25UM51245G flash at 0x70000000 through ST's external loader "
                + "MX25UM51245G_STM32N6570-NUCLEO.stldr, with the BOOT switches moved between steps; "
                + "Bootwire has no loader for external flash",
            externalFlash: "MX25UM51245G"),
    ]

    public static func named(_ name: String) -> ST67Board? {
        all.first { $0.name.lowercased() == name.lowercased() }
    }
}

import BootwireCore

/// Where an STM32 keeps its 96-bit unique device ID, the identity that keys its journal and its
/// station record. A part with a bootloader row states the address there
/// (`STM32Device.uniqueIDAddress`); this table gives it for the parts only the SWD route knows,
/// by family, from each reference manual's "Unique device ID register (96 bits)" section.
public enum STM32UniqueID {
    static let familyAddress: [STM32Family: UInt32] = [
        .f1: 0x1FFF_F7E8,  // RM0008 30.2
        .f2f4: 0x1FFF_7A10,  // RM0090 39.1, RM0033 32.2
        .l4: 0x1FFF_7590,  // RM0351 48.2
        .g0: 0x1FFF_7590,  // RM0444 40.1
        .g4: 0x1FFF_7590,  // RM0440 48.1
        .wb: 0x1FFF_7590,  // RM0434 38.1
        .u5: 0x0BFA_0700,  // RM0456 75.1
        .h5: 0x08FF_F800,  // RM0481 59.1
        .h7: 0x1FF1_E800,  // RM0433 61.1
        .h7rs: 0x08FF_F800,  // RM0477 66.1
        .c0: 0x1FFF_7550,  // RM0490 30.1
    ]

    /// The 12 bytes as text: the three 32-bit words as ST's tools print them, most significant
    /// word first (`UID[95:64] UID[63:32] UID[31:0]`), without spaces.
    public static func text(_ bytes: [UInt8]) -> String {
        guard bytes.count == 12 else { return Hex.string(bytes).uppercased() }
        return stride(from: 8, through: 0, by: -4).map { Hex.string(bytes[$0..<($0 + 4)].reversed()).uppercased() }
            .joined()
    }
}

extension STM32Part {
    /// The unique ID's address: the bootloader row's, else the family's.
    public var uniqueIDAddress: UInt32? { bootloader?.uniqueIDAddress ?? STM32UniqueID.familyAddress[family] }
}

/// What the RDP byte's values mean, as data (one table per scheme): the code that is level 0,
/// the one that is level 2 (any other value is level 1), and what setting each level writes.
/// Shared by the bootloader's option-byte tables and the SWD option fields.
public struct STM32RDPCodes: Sendable, Equatable {
    public var level0: UInt32
    public var level2: UInt32?
    public var written: [STM32ReadoutProtection: UInt32]

    public func level(_ value: UInt32) -> STM32ReadoutProtection {
        value == level0 ? .level0 : value == level2 ? .level2 : .level1
    }

    /// L4 and the families after it (RM0351 3.5.1, RM0440, RM0434, RM0090 for F4, RM0433 for H7):
    /// 0xAA level 0, 0xCC level 2 (permanent), 0xBB written for level 1.
    public static let l4 = STM32RDPCodes(
        level0: 0xAA, level2: 0xCC, written: [.level0: 0xAA, .level1: 0xBB, .level2: 0xCC])
    /// F1 (RM0008): 0xA5 unprotected, any other value protected; no level 2.
    public static let f1 = STM32RDPCodes(
        level0: 0xA5, level2: nil, written: [.level0: 0xA5, .level1: 0x00, .level2: 0x00])
    /// H5 PRODUCT_STATE as the bootloader shows it (UNCONFIRMED): 0xED open, 0x5C locked, 0x72 closed.
    public static let h5 = STM32RDPCodes(
        level0: 0xED, level2: 0x5C, written: [.level0: 0xED, .level1: 0x72, .level2: 0x5C])
}

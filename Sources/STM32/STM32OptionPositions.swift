/// Option fields whose bit positions two models read — the SWD family rows (`PageFlashFamily`,
/// `SectorFlashFamily`) and the bootloader's view of the stored option bytes
/// (`STM32OptionFieldTable`): each position is stated here once. Sources: RM0351 3.7.8 (L4
/// OPTR), RM0440 3.7.8 (G4 DBANK), RM0434 3.10.8 (WB SFR), RM0481 7.11 (H5 OPTSR), RM0433 4.9.7
/// (H7 OPTSR).
extension SWDOptionField {
    /// L4-pattern OPTR: RDP [7:0].
    public static let rdp = SWDOptionField("rdp", .optr, 0, 8, .rdp)
    /// L4/G4 OPTR: boot from bank 2 (the ROM swaps the banks).
    public static let bfb2 = SWDOptionField("bfb2", .optr, 20)
    /// L4 (and U5) OPTR: two banks below the largest size.
    public static let dualBank = SWDOptionField("dualbank", .optr, 21)
    /// G4 OPTR: two banks of 2 KiB pages (else one of 4 KiB).
    public static let dbank = SWDOptionField("dbank", .optr, 22)
    /// WB SFR: CPU2's first secure page, and secure flash disabled.
    public static let sfsa = SWDOptionField("sfsa", .sfr, 0, 8, .number)
    public static let fsd = SWDOptionField("fsd", .sfr, 8)
    /// H5 OPTSR: PRODUCT_STATE [15:8] in place of RDP.
    public static let productState = SWDOptionField("product_state", .optsr, 8, 8, .productState)
    /// H5/H7 OPTSR: the banks swapped in hardware.
    public static let swapBank = SWDOptionField("swap_bank", .optsr, 31)

    /// WRP1A, WRP1B (and WRP2A, WRP2B with two banks): `STM32WRPArea` words whose page numbers
    /// are `width` bits wide in all (start and end).
    public static func wrpAreas(banks: Int, width: Int) -> [SWDOptionField] {
        let registers: [(String, STM32OptionRegister, Int)] = [
            ("wrp1a", .wrp1ar, 1), ("wrp1b", .wrp1br, 1), ("wrp2a", .wrp2ar, 2), ("wrp2b", .wrp2br, 2),
        ]
        return registers.filter { $0.2 <= banks }.map { SWDOptionField($0.0, $0.1, 0, width, .wrpArea(bank: $0.2)) }
    }
}

/// An L4-pattern write-protection area word (WRPxyR, and its option-byte slot): start page
/// [7:0], end page [23:16]; no area when start > end (RM0351 3.4.2).
public enum STM32WRPArea {
    /// Start 0xFF above end 0x00: nothing protected.
    public static let none: UInt32 = 0xFF00_FFFF

    public static func pages(_ word: UInt32) -> ClosedRange<Int>? {
        let start = Int(word & 0xFF)
        let end = Int((word >> 16) & 0xFF)
        return start <= end ? start...end : nil
    }

    /// The word for pages `first`…`last` (first above last: no area), reserved bits set.
    public static func word(first: UInt32, last: UInt32) -> UInt32 { 0xFF00_FF00 | last << 16 | first }
}

extension STM32OptionField {
    /// `field`'s bits in the stored value at `offset` of option area `area`.
    init(area: Int = 0, offset: Int, _ field: SWDOptionField) {
        self.init(area: area, offset: offset, shift: field.shift, width: field.width)
    }
}

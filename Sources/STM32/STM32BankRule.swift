/// How a part's flash is split into banks, as data: the rule a flash size and the option word
/// decide by (openocd `stm32l4_probe`, RM0351, RM0440, RM0456, RM0481). One type for the
/// bootloader routes (`STM32Device`) and the SWD controllers (`PageFlashFamily`).
public enum STM32BankRule: Sendable, Equatable {
    /// One bank of the row's pages.
    case single
    /// Always two banks (H5, H74x/H75x).
    case dual
    /// Two banks at the line's largest size (`maxKiB`); below it, option bit `bit` chooses
    /// (L47x DUALBANK bit 21, U5 DUALBANK bit 21).
    case dualAtMax(maxKiB: Int, bit: Int)
    /// Option bit `bit` set: two banks of the row's pages; clear: one bank of `singlePageSize`
    /// (G47x/G48x DBANK bit 22: 2 KiB pages in two banks, else 4 KiB in one).
    case optionBit(bit: Int, singlePageSize: Int)

    /// The option bit that chooses, where one does.
    public var optionBit: Int? {
        switch self {
        case .single, .dual: nil
        case .dualAtMax(_, let bit), .optionBit(let bit, _): bit
        }
    }

    /// Banks at the line's largest size with the factory option word.
    public var maxBanks: Int { self == .single ? 1 : 2 }

    /// Banks and page size for a part of `size` bytes whose option word is `optr`, read by the
    /// SWD controllers every session.
    public func layout(size: Int, pageSize: Int, optr: UInt32) -> (banks: Int, pageSize: Int) {
        layout(size: size, pageSize: pageSize, optionSet: optionBit.map { optr >> UInt32($0) & 1 == 1 })
    }

    /// Banks and page size when the bank option bit is `optionSet`. Unknown (nil: the bootloader
    /// could not read the option bytes) is taken as DUALBANK clear (the smaller L4 parts stay one
    /// bank, the safe reading for page numbers) and DBANK set (the G4 factory value).
    public func layout(size: Int, pageSize: Int, optionSet: Bool?) -> (banks: Int, pageSize: Int) {
        switch self {
        case .single: return (1, pageSize)
        case .dual: return (2, pageSize)
        case .dualAtMax(let maxKiB, _): return (size >= maxKiB << 10 || optionSet == true ? 2 : 1, pageSize)
        case .optionBit(_, let single): return optionSet == false ? (1, single) : (2, pageSize)
        }
    }
}

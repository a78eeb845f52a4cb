/// The name of one option register, as a typed key: the part catalogue declares every name once
/// here, so a misspelt name is a compile error, not a register that silently reads 0.
public struct STM32OptionRegister: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    private init(_ name: String) { self.name = name }
    public var description: String { name }

    // L4, G0, G4, U5, WB, C0 (RM0351, RM0444, RM0440, RM0456, RM0434, RM0490).
    public static let optr = Self("OPTR")
    public static let pcrop1sr = Self("PCROP1SR")
    public static let pcrop1er = Self("PCROP1ER")
    public static let pcrop2sr = Self("PCROP2SR")
    public static let pcrop2er = Self("PCROP2ER")
    public static let pcrop1asr = Self("PCROP1ASR")
    public static let pcrop1aer = Self("PCROP1AER")
    public static let wrp1ar = Self("WRP1AR")
    public static let wrp1br = Self("WRP1BR")
    public static let wrp2ar = Self("WRP2AR")
    public static let wrp2br = Self("WRP2BR")
    public static let nsbootadd0r = Self("NSBOOTADD0R")
    public static let nsbootadd1r = Self("NSBOOTADD1R")
    public static let sfr = Self("SFR")
    public static let srrvr = Self("SRRVR")
    // F2/F4 (RM0090).
    public static let optcr = Self("OPTCR")
    // H5, H7 (RM0481, RM0433/RM0468).
    public static let optsr = Self("OPTSR")
    public static let optsr2 = Self("OPTSR2")
    public static let nsbootr = Self("NSBOOTR")
    public static let wrp1r = Self("WRP1R")
    public static let wrp2r = Self("WRP2R")
    public static let wpsn1 = Self("WPSN1")
    public static let wpsn2 = Self("WPSN2")
}

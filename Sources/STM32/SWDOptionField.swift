/// One option-byte field: where it sits in which option register, and how it reads.
public struct SWDOptionField: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// RDP byte: 0xAA level 0, 0xCC level 2, anything else level 1.
        case rdp
        case flag
        case number
        /// L4 WRPxyR: start page [7:0], end page [23:16]; no area when start > end.
        case wrpArea(bank: Int)
        /// F4 nWRP: bit n = 0 protects sector n.
        case sectorMask
        /// H5 WRPSGn: bit n = 0 protects sectors n×`sectorsPerBit` … (n+1)×`sectorsPerBit`−1.
        case groupMask(sectorsPerBit: Int)
        /// H5 PRODUCT_STATE (`STM32ProductState`), in place of RDP.
        case productState
    }
    public var name: String
    public var register: STM32OptionRegister
    public var shift: Int
    public var width: Int
    public var kind: Kind

    public init(_ name: String, _ register: STM32OptionRegister, _ shift: Int, _ width: Int = 1, _ kind: Kind = .flag) {
        self.name = name
        self.register = register
        self.shift = shift
        self.width = width
        self.kind = kind
    }

    public var mask: UInt32 { (width >= 32 ? UInt32.max : (1 << UInt32(width)) - 1) << UInt32(shift) }
}

/// Where one option-byte field sits in the bytes Read Memory (or UPLOAD) returns: the area (one
/// per `STM32Device.optionBytes` range), the byte offset of its stored value, and its bits.
public struct STM32OptionField: Sendable, Equatable {
    public var area: Int
    public var offset: Int
    public var shift: Int
    public var width: Int

    public init(area: Int = 0, offset: Int, shift: Int = 0, width: Int) {
        self.area = area
        self.offset = offset
        self.shift = shift
        self.width = width
    }

    var mask: UInt32 { width >= 32 ? UInt32.max : (1 << UInt32(width)) - 1 }
}

/// A family's option bytes as data: how values are stored, where each field is, the RDP codes,
/// the write-protection scheme and the factory values. `STM32OptionBytes` reads and edits
/// through this table; one table per layout (and bank count), not a switch per question.
/// Sources: spec sections 4 and 5; RM0008 (F1), RM0351 (L4), RM0434 (WB), RM0481 (H5);
/// the WB and H5 offsets are UNCONFIRMED there and here.
public struct STM32OptionFieldTable: Sendable, Equatable {
    /// How a value is stored next to its complement.
    public enum Storage: Sendable, Equatable {
        /// F1: each byte followed by its complement.
        case bytePairs
        /// L4/WB: each 32-bit value followed by its complement (64-bit slots).
        case wordPairs
        /// H5: option registers as they are, no complements.
        case registers
    }

    /// How pages are write-protected.
    public enum WriteProtection: Sendable, Equatable {
        /// F1: WRP bytes at these offsets; bit n = 0 protects pages n × ppb … (n + 1) × ppb − 1.
        case bits(offsets: [Int])
        /// L4/WB: WRPxy words, start page [7:0], end page [23:16] within `bank`; no area when
        /// start > end. Write Protect fills the slots in this order.
        case areas([(area: Int, offset: Int, bank: Int)])
        case none

        public static func == (a: Self, b: Self) -> Bool {
            switch (a, b) {
            case (.bits(let x), .bits(let y)): x == y
            case (.areas(let x), .areas(let y)):
                x.map { [$0.area, $0.offset, $0.bank] } == y.map { [$0.area, $0.offset, $0.bank] }
            case (.none, .none): true
            default: false
            }
        }
    }

    public var storage: Storage
    /// The RDP byte (H5: PRODUCT_STATE) and any register that repeats it.
    public var rdp: STM32OptionField
    public var rdpMirrors: [STM32OptionField] = []
    /// What the RDP values mean and what each level writes.
    public var rdpCodes: STM32RDPCodes
    /// F1 USER byte, L4/WB OPTR, H5 OPTSR_CUR.
    public var user: STM32OptionField
    /// L4 DUALBANK (only on dual-bank parts: on single-bank L4 bit 21 is reserved and reads 1).
    public var dualBank: STM32OptionField?
    /// L4 BFB2 or H5 SWAP_BANK: bank 2 at the flash base; `bankSwapName` names it.
    public var dualBankName = SWDOptionField.dualBank.name.uppercased()
    public var bootFromBank2: STM32OptionField?
    public var bankSwapName = SWDOptionField.bfb2.name.uppercased()
    /// WB SFSA (first secure page) and FSD (secure flash disabled).
    public var secureStart: STM32OptionField?
    public var secureDisabled: STM32OptionField?
    public var writeProtection: WriteProtection
    /// The byte an area holds before the factory values go in, and the values (in `storage` units).
    public var factoryFill: UInt8 = 0xFF
    public var factory: [(field: STM32OptionField, value: UInt32)]
    /// Write Memory may program these option bytes (H5: no, the registers are only shown).
    public var programmable = true

    public static func == (a: Self, b: Self) -> Bool {
        a.storage == b.storage && a.rdp == b.rdp && a.user == b.user && a.writeProtection == b.writeProtection
            && a.dualBank == b.dualBank && a.bootFromBank2 == b.bootFromBank2 && a.secureStart == b.secureStart
    }

    static func word(_ area: Int, _ offset: Int) -> STM32OptionField {
        STM32OptionField(area: area, offset: offset, width: 32)
    }

    /// WRPxy with start 0xFF above end 0x00: nothing protected.
    public static let noWriteProtection = STM32WRPArea.none

    /// F1: RDP, USER, DATA0, DATA1, WRP0…WRP3 as byte pairs at 0x1FFFF800.
    public static let f1 = STM32OptionFieldTable(
        storage: .bytePairs, rdp: STM32OptionField(offset: 0, width: 8), rdpCodes: .f1,
        user: STM32OptionField(offset: 2, width: 8),
        writeProtection: .bits(offsets: [8, 10, 12, 14]),
        factory: [(STM32OptionField(offset: 0, width: 8), 0xA5)]
            + stride(from: 2, to: 16, by: 2).map { (STM32OptionField(offset: $0, width: 8), 0xFF) })

    /// L4, `banks` areas of 0x28 bytes: OPTR +0, PCROP start +8, end +0x10, WRPxA +0x18, WRPxB
    /// +0x20 (bank 2's first slot reserved). OPTR: RDP [7:0], BFB2 20, DUALBANK 21 (dual-bank parts).
    public static func l4(banks: Int) -> STM32OptionFieldTable {
        var factory: [(field: STM32OptionField, value: UInt32)] = []
        for area in 0..<banks {
            factory += [
                (word(area, 0x00), area == 0 ? 0xFFEF_F8AA : 0xFFFF_FFFF), (word(area, 0x08), 0xFFFF_FFFF),
                (word(area, 0x10), 0xFFFF_0000), (word(area, 0x18), noWriteProtection),
                (word(area, 0x20), noWriteProtection),
            ]
        }
        return STM32OptionFieldTable(
            storage: .wordPairs, rdp: STM32OptionField(offset: 0, .rdp), rdpCodes: .l4, user: word(0, 0),
            dualBank: banks > 1 ? STM32OptionField(offset: 0, .dualBank) : nil,
            bootFromBank2: banks > 1 ? STM32OptionField(offset: 0, .bfb2) : nil,
            writeProtection: .areas(
                [(0, 0x18, 1), (0, 0x20, 1), (1, 0x18, 2), (1, 0x20, 2)].filter { $0.0 < banks }),
            factory: factory)
    }

    /// G4 (RM0440), two areas of 0x30 bytes: L4's slots plus SECxR at +0x28; OPTR RDP [7:0],
    /// BFB2 20, DBANK 22; factory OPTR 0xFFEFF8AA (DBANK 1). SECxR's factory value UNCONFIRMED.
    public static let g4: STM32OptionFieldTable = {
        var table = l4(banks: 2)
        table.dualBank = STM32OptionField(offset: 0, .dbank)
        table.dualBankName = SWDOptionField.dbank.name.uppercased()
        table.factory += [(word(0, 0x28), 0xFFFF_FF00), (word(1, 0x28), 0xFFFF_FF00)]
        return table
    }()

    /// WB, 128 bytes at 0x1FFF8000: OPTR, PCROP, WRP1A/B as L4's bank 1; SFR at +0x70 with SFSA
    /// [7:0] and FSD bit 8. Factory: the FUS in the top 48 KiB (SFSA 0xF4, UNCONFIRMED).
    public static let wb = STM32OptionFieldTable(
        storage: .wordPairs, rdp: STM32OptionField(offset: 0, .rdp), rdpCodes: .l4, user: word(0, 0),
        secureStart: STM32OptionField(offset: 0x70, .sfsa), secureDisabled: STM32OptionField(offset: 0x70, .fsd),
        writeProtection: .areas([(0, 0x18, 1), (0, 0x20, 1)]),
        factory: stride(from: 0, to: 0x80, by: 8).map { (word(0, $0), UInt32(0xFFFF_FFFF)) } + [
            (word(0, 0x00), 0x3DFF_F1AA), (word(0, 0x10), 0xFFFF_0000), (word(0, 0x18), noWriteProtection),
            (word(0, 0x20), noWriteProtection), (word(0, 0x30), 0xFFFF_0000), (word(0, 0x70), 0xFFFF_FEF4),
        ])

    /// H5: the option registers at 0x40022040; OPTSR_CUR (+0x10) and OPTSR_PRG (+0x14) with
    /// PRODUCT_STATE [15:8] (0xED open, 0x5C locked) and SWAP_BANK bit 31. UNCONFIRMED.
    public static let h5 = STM32OptionFieldTable(
        storage: .registers, rdp: STM32OptionField(offset: 0x10, .productState),
        rdpMirrors: [STM32OptionField(offset: 0x14, .productState)], rdpCodes: .h5, user: word(0, 0x10),
        bootFromBank2: STM32OptionField(offset: 0x10, .swapBank),
        bankSwapName: SWDOptionField.swapBank.name.uppercased(),
        writeProtection: .none, factoryFill: 0x00,
        factory: [(word(0, 0x10), 0x00C0_EDF8), (word(0, 0x14), 0x00C0_EDF8)], programmable: false)

    /// The table for a layout with `areas` option areas (L4: one per bank).
    public static func table(_ layout: STM32OptionLayout, areas: Int) -> STM32OptionFieldTable {
        switch layout {
        case .f1: f1
        case .l4: l4(banks: areas)
        case .g4: g4
        case .wb: wb
        case .h5: h5
        }
    }
}

extension STM32Device {
    /// This part's option-byte field table.
    public var optionFields: STM32OptionFieldTable {
        var table = STM32OptionFieldTable.table(optionLayout, areas: optionBytes.count)
        // The bank option's position is the row's bank rule's: one fact, stated once.
        if table.dualBank != nil, let bit = bankRule.optionBit {
            table.dualBank = STM32OptionField(offset: 0, shift: bit, width: 1)
        }
        return table
    }
}

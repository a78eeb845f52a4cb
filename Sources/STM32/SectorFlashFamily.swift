/// The register map of a family whose flash controller follows the H7 pattern (LOCK in CR bit 0,
/// a write buffer filled by word stores, SR errors cleared through CCR, option registers as
/// _CUR/_PRG pairs behind OPTCR.OPTSTRT), as data: one row per family, read by
/// `SectorFlashController`. Sources per row.
public struct SectorFlashFamily: Sendable, STM32RowEditing {
    /// How an erase names bank 2: a CR bit (H5 BKSEL) or a second register block (H7 at +0x100).
    public enum BankSelect: Sendable {
        case crBit(UInt32)
        case registerBlock(offset: UInt32)
    }
    /// How the part says its flash is closed to a debugger.
    public enum Protection: Sendable {
        /// RDP byte in the first option register at `shift` (H7: OPTSR bits 15:8).
        case rdp(shift: Int)
        /// H5 product state in OPTSR bits 15:8, with TZEN in OPTSR2 bits 31:24 (0xB4 = off).
        case productState
    }
    /// How an option change reports its end and a refusal (H7: OPTSR_CUR.OPT_BUSY bit 0 and
    /// OPTCHANGEERR bit 30, cleared through OPTCCR bit 30; openocd `stm32x_write_option`).
    public struct OptionStatus: Sendable {
        public var busy: UInt32
        public var changeError: UInt32
        /// The register that clears OPTCHANGEERR (a 1 in `changeError`'s position).
        public var clearRegister: UInt32
    }
    /// One option register: where the current value is read and where a new one is written.
    public struct OptionRegister: Sendable {
        public var register: STM32OptionRegister
        public var current: UInt32
        public var program: UInt32
        /// Only on two-bank parts.
        public var bank2 = false
    }

    public var name: String
    public var keyr: UInt32
    public var optkeyr: UInt32
    public var optcr: UInt32
    public var sr: UInt32
    public var cr: UInt32
    public var ccr: UInt32
    public var programUnit: Int
    public var sectorSize: Int
    /// CR bits.
    public var pg: UInt32 = 1 << 1
    public var ser: UInt32 = 1 << 2
    public var ber: UInt32 = 1 << 3
    public var start: UInt32
    public var snbShift: Int
    public var snbBits: Int
    /// PSIZE set with PG and erases (H74x/H75x: 64-bit, 3 << 4); 0 where the field is reserved.
    public var parallelism: UInt32 = 0
    /// Where bank 2 starts, from the flash base; nil: right after bank 1 (half the flash).
    /// H74x/H75x keep it at 0x08100000 whatever the size (RM0433).
    public var bank2Offset: Int? = nil
    /// A part this size or smaller is one bank whatever the row says (H750: 128 KiB; openocd
    /// `stm32x_probe`: "STM32H7xxxB devices contains single bank, 128 Kbyte").
    public var oneBankUpTo: Int? = nil
    public var bankSelect: BankSelect
    /// SR: operation under way (BSY, and on H7 QW and WBNE), and the error flags with their names.
    public var srBusy: UInt32
    public var srErrors: UInt32
    public var srFlags: [(UInt32, String)]
    public var protection: Protection
    /// Bit of the first option register that swaps the banks in hardware (SWAP_BANK).
    public var swapBit: Int?
    /// The register whose `swapBit` shows the mapping the banks run with now, when it is not the
    /// option register: H7's OPTCR.SWAP_BANK, loaded from OPTSR_CUR at a system reset only
    /// (RM0433), so an option change without a reset leaves the banks where they were.
    public var liveSwapRegister: UInt32? = nil
    /// Set where the option change is polled in an option register, not in SR (H7).
    public var optionStatus: OptionStatus? = nil
    /// The option bytes load as OPTSTRT completes (H7); otherwise at the next system reset (H5).
    public var loadsOnStart: Bool
    public var optionRegisters: [OptionRegister]
    public var fields: [SWDOptionField]

    /// STM32H5, non-secure registers (RM0481; the H563 SVD: NSKEYR 0x04, OPTKEYR 0x0C, OPTCR 0x1C,
    /// NSSR 0x20, NSCR 0x28 with STRT 5, SNB 12:6, BKSEL 31, NSCCR 0x30; OPTSR_CUR/PRG 0x50/0x54,
    /// OPTSR2 0x70/0x74 with TZEN 31:24, WRP1R 0xE8/0xEC; bank 2's WRP2R at +0x100 is taken from
    /// the SECBB2 pattern: UNCONFIRMED). That the options load at a system reset, not at OPTSTRT,
    /// is UNCONFIRMED.
    public static let h5 = SectorFlashFamily(
        name: "STM32H5", keyr: 0x04, optkeyr: 0x0C, optcr: 0x1C, sr: 0x20, cr: 0x28, ccr: 0x30, programUnit: 16,
        sectorSize: 8192, start: 1 << 5, snbShift: 6, snbBits: 7, bankSelect: .crBit(1 << 31),
        srBusy: 1 << 0 | 1 << 1 | 1 << 3, srErrors: 0x00FE_0000,
        srFlags: [
            (1 << 17, "WRPERR"), (1 << 18, "PGSERR"), (1 << 19, "STRBERR"), (1 << 20, "INCERR"),
            (1 << 21, "OBKERR"), (1 << 22, "OBKWERR"), (1 << 23, "OPTCHANGEERR"),
        ],
        protection: .productState, swapBit: 31, loadsOnStart: false,
        optionRegisters: [
            OptionRegister(register: .optsr, current: 0x50, program: 0x54),
            OptionRegister(register: .optsr2, current: 0x70, program: 0x74),
            OptionRegister(register: .nsbootr, current: 0x80, program: 0x84),
            OptionRegister(register: .wrp1r, current: 0xE8, program: 0xEC),
            OptionRegister(register: .wrp2r, current: 0x1E8, program: 0x1EC, bank2: true),
        ],
        fields: [
            SWDOptionField("bor_lev", .optsr, 0, 2, .number), SWDOptionField("borh_en", .optsr, 2),
            SWDOptionField("iwdg_sw", .optsr, 3), SWDOptionField("wwdg_sw", .optsr, 4),
            SWDOptionField("nrst_stop", .optsr, 6), SWDOptionField("nrst_stdby", .optsr, 7),
            .productState,
            SWDOptionField("iwdg_stop", .optsr, 20), SWDOptionField("iwdg_stdby", .optsr, 21),
            .swapBank, SWDOptionField("tzen", .optsr2, 24, 8, .number),
            SWDOptionField("nsbootadd", .nsbootr, 8, 24, .number),
            SWDOptionField("wrpsg1", .wrp1r, 0, 32, .groupMask(sectorsPerBit: 4)),
            SWDOptionField("wrpsg2", .wrp2r, 0, 32, .groupMask(sectorsPerBit: 4)),
        ])

    /// STM32H7 single-core (RM0468 for H72x/H73x, RM0433 for H74x/H75x; openocd stm32h7x.c): per-bank
    /// KEYR 0x04, CR 0x0C (START 7, SNB 10:8), SR 0x10, CCR 0x14; shared OPTKEYR 0x08, OPTCR 0x18,
    /// OPTSR_CUR/PRG 0x1C/0x20 (RDP 15:8, SWAP_BANK 31), WPSN_CUR1/PRG1 0x38/0x3C; bank 2 at +0x100.
    /// 256-bit flash words. PSIZE is written as 64-bit as openocd does on H74x; that H72x/H73x
    /// ignore it (reserved) is UNCONFIRMED.
    public static let h7 = SectorFlashFamily(
        name: "STM32H7", keyr: 0x04, optkeyr: 0x08, optcr: 0x18, sr: 0x10, cr: 0x0C, ccr: 0x14, programUnit: 32,
        sectorSize: 128 << 10, start: 1 << 7, snbShift: 8, snbBits: 3, parallelism: 3 << 4,
        bankSelect: .registerBlock(offset: 0x100), srBusy: 1 << 0 | 1 << 1 | 1 << 2, srErrors: 0x07EE_0000,
        srFlags: [
            (1 << 17, "WRPERR"), (1 << 18, "PGSERR"), (1 << 19, "STRBERR"), (1 << 21, "INCERR"), (1 << 22, "OPERR"),
            (1 << 23, "RDPERR"), (1 << 24, "RDSERR"), (1 << 25, "SNECCERR"), (1 << 26, "DBECCERR"),
        ],
        protection: .rdp(shift: 8), swapBit: 31, liveSwapRegister: 0x18,
        optionStatus: OptionStatus(busy: 1 << 0, changeError: 1 << 30, clearRegister: 0x24), loadsOnStart: true,
        optionRegisters: [
            OptionRegister(register: .optsr, current: 0x1C, program: 0x20),
            OptionRegister(register: .wpsn1, current: 0x38, program: 0x3C),
            OptionRegister(register: .wpsn2, current: 0x138, program: 0x13C, bank2: true),
        ],
        fields: [
            SWDOptionField("bor_lev", .optsr, 2, 2, .number), SWDOptionField("iwdg1_sw", .optsr, 4),
            SWDOptionField("nrst_stop_d1", .optsr, 6), SWDOptionField("nrst_stby_d1", .optsr, 7),
            SWDOptionField("rdp", .optsr, 8, 8, .rdp), SWDOptionField("security", .optsr, 21),
            .swapBank,
            SWDOptionField("nwrp1", .wpsn1, 0, 8, .sectorMask), SWDOptionField("nwrp2", .wpsn2, 0, 8, .sectorMask),
        ])

    /// STM32H74x/H75x (RM0433; openocd `stm32x_probe`): bank 2 at 0x08100000 whatever the size
    /// (a 1 MiB part has a hole at 0x08080000–0x080FFFFF), and the 128 KiB H750 one bank.
    public static let h74x = h7.with {
        $0.bank2Offset = 1 << 20
        $0.oneBankUpTo = 128 << 10
    }
}

/// The register map of one family whose flash controller follows the L4 pattern (keys, SR
/// flags cleared by writing 1, PER/PNB/BKER page erase, MERx, OPTSTRT and OBL_LAUNCH in CR),
/// as data: one row per family, read by `PageFlashController`. Sources per row.
public struct PageFlashFamily: Sendable, STM32RowEditing {
    public var name: String
    public var keyr: UInt32
    public var optkeyr: UInt32
    public var sr: UInt32
    public var cr: UInt32
    public var optr: UInt32
    public var programUnit: Int
    public var pageSize: Int
    public var banks: STM32BankRule
    /// Where bank 2 starts, from the flash base; nil: right after bank 1 (half the flash).
    /// openocd's "dual bank with gap" (G47x/G48x below 512 KiB) is a fixed offset here.
    public var bank2Offset: Int? = nil
    /// PNB's width from bit 3.
    public var pageNumberBits: Int
    /// CR bit naming bank 2 in a page erase; nil on single-bank families.
    public var bankEraseBit: UInt32?
    public var srErrors: UInt32
    public var srBusy: UInt32
    public var srFlags: [(UInt32, String)]
    /// OPTR bit that swaps the banks in hardware at reset (U5 SWAP_BANK); nil where the ROM
    /// does it (L4/G4 BFB2: after a reset-and-halt bank 1 is at the flash base). With the swap,
    /// BKER is taken to name the physical bank, as on H5 (UNCONFIRMED for U5 against RM0456).
    public var swapBit: Int?
    /// OPTR bit of TrustZone (U5 TZEN): on, the non-secure registers reach non-secure pages only.
    public var trustZoneBit: Int?
    /// WB: SFR offset (SFSA 7:0, FSD 8): pages from SFSA up are CPU2's, and CPU1's mass erase is refused.
    public var secureFlashRegister: UInt32?
    /// OPTR bit with which the ROM boots bank 2 and swaps the banks (L4/G4 BFB2): the live
    /// mapping is then SYSCFG_MEMRMP.FB_MODE (`LiveBankMapping`), not the bit.
    public var romSwapBit: Int? = 20
    /// FLASH_ACR's EMPTY bit (G0, RM0444 3.7.1): latched at power-on when the first word is
    /// erased, and while set a boot from main flash enters the system bootloader; software
    /// clears it after programming that word (BMP `stm32g0.c` `stm32g0_flash_write`).
    public var acrEmptyBit: UInt32? = nil
    public var optionRegisters: [(register: STM32OptionRegister, offset: UInt32)]
    public var fields: [SWDOptionField]

    /// RM0351 3.7: OPTR, PCROP1 start/end, WRP1A/B, then bank 2's at +0x20 (G4 alike, RM0440).
    static let l4OptionRegisters: [(register: STM32OptionRegister, offset: UInt32)] = [
        (.optr, 0x20), (.pcrop1sr, 0x24), (.pcrop1er, 0x28), (.wrp1ar, 0x2C), (.wrp1br, 0x30),
        (.pcrop2sr, 0x44), (.pcrop2er, 0x48), (.wrp2ar, 0x4C), (.wrp2br, 0x50),
    ]

    static let l4Flags: [(UInt32, String)] = [
        (1 << 1, "OPERR"), (1 << 3, "PROGERR"), (1 << 4, "WRPERR"), (1 << 5, "PGAERR"), (1 << 6, "SIZERR"),
        (1 << 7, "PGSERR"), (1 << 8, "MISERR"), (1 << 9, "FASTERR"), (1 << 14, "RDERR"), (1 << 15, "OPTVERR"),
    ]

    /// STM32L4/L4+ (RM0351 3.7; openocd stm32l4x.c `stm32l4_flash_regs`): the pattern the other
    /// rows copy, driven by `L4FlashController` (its geometry is the device row's, with the live
    /// FB_MODE mapping).
    public static let l4 = PageFlashFamily(
        name: "STM32L4", keyr: 0x08, optkeyr: 0x0C, sr: 0x10, cr: 0x14, optr: 0x20, programUnit: 8, pageSize: 2048,
        banks: .dualAtMax(maxKiB: 1024, bit: 21), pageNumberBits: 8, bankEraseBit: 1 << 11,
        srErrors: 0xC3FA, srBusy: 1 << 16, srFlags: l4Flags, swapBit: nil, trustZoneBit: nil,
        secureFlashRegister: nil,
        optionRegisters: l4OptionRegisters,
        fields: [
            .rdp, SWDOptionField("bor_lev", .optr, 8, 3, .number),
            SWDOptionField("nrst_stop", .optr, 12), SWDOptionField("nrst_stdby", .optr, 13),
            SWDOptionField("nrst_shdw", .optr, 14), SWDOptionField("iwdg_sw", .optr, 16),
            SWDOptionField("iwdg_stop", .optr, 17), SWDOptionField("iwdg_stdby", .optr, 18),
            SWDOptionField("wwdg_sw", .optr, 19), .bfb2,
            .dualBank, SWDOptionField("nboot1", .optr, 23),
            SWDOptionField("sram2_pe", .optr, 24), SWDOptionField("sram2_rst", .optr, 25),
            SWDOptionField("nswboot0", .optr, 26), SWDOptionField("nboot0", .optr, 27),
        ] + SWDOptionField.wrpAreas(banks: 2, width: 24) + [
            SWDOptionField("pcrop1_start", .pcrop1sr, 0, 16, .number),
            SWDOptionField("pcrop1_end", .pcrop1er, 0, 16, .number),
        ])

    /// A single-bank L4 (L41x–L46x): no bank-2 registers, and OPTR bits 20–21 are reserved (bit 21
    /// reads 1), so neither BFB2 nor DUALBANK is shown.
    public static let l4SingleBank = l4.with {
        $0.banks = .single
        $0.bankEraseBit = nil
        $0.optionRegisters = $0.optionRegisters.filter { $0.offset < 0x40 }
        $0.fields = $0.fields.filter {
            ![.wrp2ar, .wrp2br].contains($0.register) && ![.bfb2, .dualBank].contains($0)
        }
    }

    /// STM32U5, non-secure registers (RM0456; the U575 SVD: NSKEYR 0x08, OPTKEYR 0x10, NSSR 0x20
    /// with OPTWERR 13 and BSY 16, NSCR 0x28 with PNB 3–9 and BKER 11; openocd F_QUAD_WORD_PROG).
    /// U59x/U5Ax parts have 256 pages a bank: PNB's eighth bit is UNCONFIRMED there.
    public static let u5 = PageFlashFamily(
        name: "STM32U5", keyr: 0x08, optkeyr: 0x10, sr: 0x20, cr: 0x28, optr: 0x40, programUnit: 16, pageSize: 8192,
        banks: .dualAtMax(maxKiB: 2048, bit: 21), pageNumberBits: 8, bankEraseBit: 1 << 11,
        srErrors: 0x20FA, srBusy: 1 << 16,
        srFlags: [
            (1 << 1, "OPERR"), (1 << 3, "PROGERR"), (1 << 4, "WRPERR"), (1 << 5, "PGAERR"), (1 << 6, "SIZERR"),
            (1 << 7, "PGSERR"), (1 << 13, "OPTWERR"),
        ],
        swapBit: 20, trustZoneBit: 31, secureFlashRegister: nil, romSwapBit: nil,
        optionRegisters: [
            (.optr, 0x40), (.nsbootadd0r, 0x44), (.nsbootadd1r, 0x48), (.wrp1ar, 0x58), (.wrp1br, 0x5C),
            (.wrp2ar, 0x68), (.wrp2br, 0x6C),
        ],
        fields: [
            .rdp, SWDOptionField("bor_lev", .optr, 8, 3, .number),
            SWDOptionField("nrst_stop", .optr, 12), SWDOptionField("nrst_stdby", .optr, 13),
            SWDOptionField("nrst_shdw", .optr, 14), SWDOptionField("iwdg_sw", .optr, 16),
            SWDOptionField("wwdg_sw", .optr, 19), SWDOptionField("swap_bank", .optr, 20),
            .dualBank, SWDOptionField("nswboot0", .optr, 26),
            SWDOptionField("nboot0", .optr, 27), SWDOptionField("tzen", .optr, 31),
        ] + SWDOptionField.wrpAreas(banks: 2, width: 23))

    /// STM32G4 (RM0440, openocd stm32l4x.c: L4 offsets, BKER bit 11 — stlink-org's bit 13 is
    /// taken as wrong; DBANK OPTR bit 22 on Cat. 3 G47x/G48x: 2 KiB pages in two banks, else
    /// 4 KiB pages in one).
    /// Bank 2 at 0x08040000 whatever the size (openocd "dual bank WITH gap": `hole_sectors` =
    /// (512 KiB − size) / 2 of pages before it; at 512 KiB that is half the flash).
    public static let g4 = l4.with {
        $0.name = "STM32G4"
        $0.banks = .optionBit(bit: 22, singlePageSize: 4096)
        $0.bank2Offset = 256 << 10
        $0.pageNumberBits = 7
        $0.fields =
            [
                .rdp, SWDOptionField("bor_lev", .optr, 8, 3, .number),
                SWDOptionField("nrst_stop", .optr, 12), SWDOptionField("nrst_stdby", .optr, 13),
                SWDOptionField("iwdg_sw", .optr, 16), SWDOptionField("wwdg_sw", .optr, 19),
                .bfb2, .dbank,
                SWDOptionField("nboot1", .optr, 23), SWDOptionField("nswboot0", .optr, 26),
                SWDOptionField("nboot0", .optr, 27),
            ] + SWDOptionField.wrpAreas(banks: 2, width: 23)
    }

    /// STM32G0 (RM0444, openocd stm32l4x.c): L4 offsets, one bank of 2 KiB pages on G03x–G07x.
    /// The dual-bank G0B/G0C (BKER bit 13, BSY2) is not driven: UNCONFIRMED, refused by size.
    public static let g0 = l4.with {
        $0.name = "STM32G0"
        $0.banks = .single
        $0.pageNumberBits = 7
        $0.bankEraseBit = nil
        $0.romSwapBit = nil
        $0.acrEmptyBit = 1 << 16
        $0.optionRegisters = [(.optr, 0x20), (.wrp1ar, 0x2C), (.wrp1br, 0x30)]
        $0.fields =
            [
                .rdp, SWDOptionField("nboot1", .optr, 25),
                SWDOptionField("nboot_sel", .optr, 24), SWDOptionField("nboot0", .optr, 26),
            ] + SWDOptionField.wrpAreas(banks: 1, width: 23)
    }

    /// STM32WB (RM0434, spec 3.4): base 0x58004000, L4 bit positions, 4 KiB pages; SFR.SFSA
    /// (0x80) is CPU2's first page. CFGBSY (18) and PESD (19) are waited on with BSY:
    /// positions UNCONFIRMED. CPU1's mass erase is ignored with a bus error (pyocd #811), so
    /// a chip erase is page erases below SFSA.
    public static let wb = l4.with {
        $0.name = "STM32WB"
        $0.pageSize = 4096
        $0.banks = .single
        $0.bankEraseBit = nil
        $0.romSwapBit = nil
        $0.srBusy = 1 << 16 | 1 << 18 | 1 << 19
        $0.secureFlashRegister = 0x80
        $0.optionRegisters = [
            (.optr, 0x20), (.pcrop1asr, 0x24), (.pcrop1aer, 0x28), (.wrp1ar, 0x2C), (.wrp1br, 0x30),
            (.sfr, 0x80), (.srrvr, 0x84),
        ]
        $0.fields =
            [
                // RM0434 OPTR: ESE at 8, BOR_LEV at 9–11 (NuttX `stm32wb_flash.h`), not L4's 8–10.
                .rdp, SWDOptionField("ese", .optr, 8), SWDOptionField("bor_lev", .optr, 9, 3, .number),
                SWDOptionField("nboot1", .optr, 23), SWDOptionField("nswboot0", .optr, 26),
                SWDOptionField("nboot0", .optr, 27),
            ] + SWDOptionField.wrpAreas(banks: 1, width: 24) + [.sfsa, .fsd]
    }
}

import BootwireCore
import Foundation

/// The ST67 host MCUs behind a virtual ST-LINK: `stlink-h563` (NUCLEO-H563ZI), `stlink-u575`
/// (NUCLEO-U575ZI-Q), `stlink-h723`, `stlink-g474` and `stlink-wb55`, and for the rows they
/// do not cover `stlink-h743` (H7 with two banks) and `stlink-g071` (G0, a Cortex-M0+), each with its family's
/// flash controller (`VirtualSectorFlash`, `VirtualPageFlash`), core, DBGMCU IDCODE and SRAM.
/// Options: `rdp1` (RDP level 1; on the H563 product state CLOSED), `trustzone` (U575 TZEN=1,
/// H563 TZEN=0xC3), `wrp=FIRST-LAST` (bank-1 pages on U5/G4/WB, the sector groups covering
/// FIRST–LAST on H5, sectors on H7), `sfsa=N` (WB55: CPU2's first page), `locked` (H563
/// product state LOCKED), `bfb2` (G474/G473: BFB2 set, so the ROM swaps the banks when the
/// application boots, not after a reset-and-halt), `dualbank=0|1` (U5: OPTR.DUALBANK, which the
/// largest size ignores). `stlink-g491` (PNB's eighth bit), `stlink-g473` (256 KiB, bank 2 at
/// 0x08040000), `stlink-wb15` (2 KiB pages) and `stlink-u535` (always dual at 512 KiB) stand
/// for the lines whose geometry differs from their family's first part. `stlink-h743zg` is the
/// 1 MiB H743 (bank 2 at 0x08100000 after a hole) and `stlink-h750` the 128 KiB one-bank H750.
/// H7 timings, whose silicon figures are not known (`VirtualSectorFlash.Timing`, on the bus's
/// clock; add `time=simulated` for no wall time): `option-ms=N` (OPT_BUSY after OPTSTRT),
/// `bank-erase-ms=N` (a bank erase; a sector an eighth), `word-us=N` (one flash word's
/// programming; a store meanwhile answers WAIT), and `optchangeerr` (the next option change is
/// refused with OPTCHANGEERR); `swap-bank` sets SWAP_BANK at power-on.
public enum VirtualHostTargets {
    /// Applies `virtual:NAME`'s options to a target with a page or sector flash model.
    static func target(_ name: String, _ target: VirtualSWDTarget, _ options: [VirtualOption]) throws
        -> VirtualSWDTarget
    {
        let flash = target.flash
        (flash as? VirtualPageFlash)?.target = target
        for option in options {
            if !["wrp", "sfsa", "dualbank", "option-ms", "bank-erase-ms", "word-us"].contains(option.key) {
                try option.flag()
            }
            switch (option.key, flash) {
            case ("option-ms", let sector as VirtualSectorFlash) where sector.model.optionStatus != nil:
                sector.timing.optionSeconds = try option.real(in: 0...60_000, "option-ms=N") / 1e3
            case ("bank-erase-ms", let sector as VirtualSectorFlash) where sector.model.optionStatus != nil:
                sector.timing.bankEraseSeconds = try option.real(in: 0...600_000, "bank-erase-ms=N") / 1e3
            case ("word-us", let sector as VirtualSectorFlash) where sector.model.optionStatus != nil:
                sector.timing.wordSeconds = try option.real(in: 0...1_000_000, "word-us=N") / 1e6
            case ("optchangeerr", let sector as VirtualSectorFlash) where sector.model.optionStatus != nil:
                sector.timing.refuseOptionChange = true
            case ("swap-bank", let sector as VirtualSectorFlash) where sector.model.banks == 2:
                let optsr = sector.model.options[0].current
                sector.setOption(optsr, (sector.current[optsr] ?? 0) | 1 << 31)
            case ("rdp1", let page as VirtualPageFlash):
                page.setOption(page.model.optr, (page.loaded[page.model.optr] ?? 0) & ~0xFF | 0xBB)
            case ("rdp1", let sector as VirtualSectorFlash):
                let optsr = sector.model.options[0].current
                sector.setOption(
                    optsr, (sector.current[optsr] ?? 0) & ~0xFF00 | (sector.model.productState ? 0x7200 : 0xBB00))
            case ("locked", let sector as VirtualSectorFlash) where sector.model.productState:
                sector.setOption(0x50, (sector.current[0x50] ?? 0) & ~0xFF00 | 0x5C00)
            case ("trustzone", let page as VirtualPageFlash) where page.model.trustZoneBit != nil:
                page.setOption(page.model.optr, (page.loaded[page.model.optr] ?? 0) | page.model.trustZoneBit!)
            case ("trustzone", let sector as VirtualSectorFlash) where sector.model.productState:
                sector.setOption(0x70, (sector.current[0x70] ?? 0) & 0x00FF_FFFF | 0xC300_0000)
            case ("sfsa", let page as VirtualPageFlash) where page.model.secureAreaPage != nil:
                let value = try option.integer(in: 1...256, "sfsa=N, the first CPU2 page")
                page.setOption(0x80, value == 256 ? 1 << 8 : UInt32(value))
            case ("bfb2", let page as VirtualPageFlash) where page.model.bootBankBit != nil:
                page.setOption(page.model.optr, (page.loaded[page.model.optr] ?? 0) | page.model.bootBankBit!)
            case ("dualbank", let page as VirtualPageFlash) where page.model.alwaysDualAt != nil:
                let bit = page.model.dualBankBit
                let value = try option.integer(in: 0...1, "dualbank=0 or dualbank=1, OPTR.DUALBANK")
                page.setOption(page.model.optr, (page.loaded[page.model.optr] ?? 0) & ~bit | (value == 1 ? bit : 0))
            case ("wrp", _):
                let ends = try option.text("wrp=FIRST-LAST").split(separator: "-").compactMap { Int($0) }
                guard ends.count == 2, ends[0] <= ends[1], ends[1] < 128 else {
                    throw option.bad("wrp=FIRST-LAST, pages or sectors of bank 1 below 128")
                }
                if let page = flash as? VirtualPageFlash, let first = page.model.wrpRegisters.first {
                    page.setOption(first.offset, 0xFF00_FF00 & ~0x00FF_00FF | UInt32(ends[0]) | UInt32(ends[1]) << 16)
                } else if let sector = flash as? VirtualSectorFlash, let first = sector.model.wrp.first {
                    let per = sector.model.sectorsPerWRPBit
                    let bits = (ends[0] / per...ends[1] / per).reduce(UInt32(0)) { $0 | 1 << UInt32($1) }
                    sector.setOption(first.offset, (sector.current[first.offset] ?? 0) & ~bits)
                }
            default:
                throw BootwireError(
                    .usage, "`\(option)` is not an option of virtual:\(name)",
                    hint:
                        "options: state=PATH, v2, v3, firmware=J, rdp1, wrp=FIRST-LAST, wait-storm[=N], swd-disabled, "
                        + "binary-serial, rtt=ADDRESS|none" + (name == "stlink-h563" ? ", trustzone, locked" : "")
                        + (name == "stlink-u575" ? ", trustzone" : "")
                        + ((flash as? VirtualPageFlash)?.model.secureAreaPage != nil ? ", sfsa=N" : "")
                        + ((flash as? VirtualPageFlash)?.model.bootBankBit != nil ? ", bfb2" : "")
                        + ((flash as? VirtualPageFlash)?.model.alwaysDualAt != nil ? ", dualbank=0|1" : "")
                        + ((flash as? VirtualSectorFlash)?.model.optionStatus != nil
                            ? ", option-ms=N, bank-erase-ms=N, word-us=N, optchangeerr, swap-bank" : ""))
            }
        }
        return target
    }
}

import BootwireCore
import Foundation

/// The ST67 host MCUs behind a virtual ST-LINK: `stlink-h563` (NUCLEO-H563ZI), `stlink-u575`
/// (NUCLEO-U575ZI-Q), `stlink-h723`, `stlink-g474` and `stlink-wb55`, and for the rows they
/// do not cover `stlink-h743` (H7 with two banks) and `stlink-g071` (G0, a Cortex-M0+), each with its family's
/// flash controller (`VirtualSectorFlash`, `VirtualPageFlash`), core, DBGMCU IDCODE and SRAM.
/// Options: `rdp1` (RDP level 1; on the H563 product state CLOSED), `trustzone` (U575 TZEN=1,
/// H563 TZEN=0xC3), `wrp=FIRST-LAST` (bank-1 pages on U5/G4/WB, the sector groups covering
/// FIRST–LAST on H5, sectors on H7), `sfsa=N` (WB55: CPU2's first page), `locked` (H563
/// product state LOCKED).
public enum VirtualHostTargets {
    /// Applies `virtual:NAME`'s options to a target with a page or sector flash model.
    static func target(_ name: String, _ target: VirtualSWDTarget, _ options: [VirtualOption]) throws
        -> VirtualSWDTarget
    {
        let flash = target.flash
        (flash as? VirtualPageFlash)?.target = target
        for option in options {
            if !["wrp", "sfsa"].contains(option.key) { try option.flag() }
            switch (option.key, flash) {
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
                        + "binary-serial" + (name == "stlink-h563" ? ", trustzone, locked" : "")
                        + (name == "stlink-u575" ? ", trustzone" : "") + (name == "stlink-wb55" ? ", sfsa=N" : ""))
            }
        }
        return target
    }
}

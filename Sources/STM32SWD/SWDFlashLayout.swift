import STM32

/// One erase unit (page or sector) as the controller numbers it: bank plus number in the bank.
public struct SWDFlashSector: Sendable, Equatable {
    public var bank: Int
    public var number: Int
    public var address: UInt32
    public var size: Int

    public var range: Range<UInt64> { UInt64(address)..<UInt64(address) + UInt64(size) }
}

/// The erase units of a part's flash, in address order.
public struct SWDFlashLayout: Sendable, Equatable, CustomStringConvertible {
    public var sectors: [SWDFlashSector]
    public var summary: String

    public var base: UInt32 { sectors.map(\.address).min() ?? 0 }
    public var size: Int { sectors.reduce(0) { $0 + $1.size } }
    /// Where the last unit ends: past `base + size` when the banks have a hole between them.
    public var end: UInt64 { sectors.map(\.range.upperBound).max() ?? 0 }
    public var bankCount: Int { Set(sectors.map(\.bank)).count }

    /// Uniform pages from the device table's geometry (L4 DUALBANK/BFB2, WB SFSA).
    /// UNCONFIRMED (RM0351 unchecked): with BFB2 swapping the banks, BKER names the physical bank,
    /// so the bank comes from the physical page, not the address — the documented best choice.
    public init(_ geometry: STM32FlashGeometry) {
        sectors = (0..<geometry.pageCount).filter(geometry.isAccessible(page:)).map { page in
            SWDFlashSector(
                bank: geometry.bank(ofPage: page), number: page % geometry.pagesPerBank,
                address: geometry.address(ofPhysicalOffset: page * geometry.pageSize), size: geometry.pageSize)
        }.sorted { $0.address < $1.address }
        summary = geometry.description
    }

    /// F2/F4: 4 × 16 KiB, 64 KiB, then 128 KiB sectors up to `size`; with `dualBank` (F42x/F43x
    /// over 1 MiB, or DB1M) each half is a bank laid out the same way, numbered from 0 again.
    public static func f4(base: UInt32, size: Int, dualBank: Bool = false) -> SWDFlashLayout {
        var sectors: [SWDFlashSector] = []
        let banks = dualBank ? 2 : 1
        let bankSize = size / banks
        for bank in 1...banks {
            var at = 0
            var number = 0
            while at < bankSize {
                let sectorSize = number < 4 ? 16 << 10 : number == 4 ? 64 << 10 : 128 << 10
                let address = base + UInt32((bank - 1) * bankSize + at)
                sectors.append(SWDFlashSector(bank: bank, number: number, address: address, size: sectorSize))
                at += sectorSize
                number += 1
            }
        }
        return SWDFlashLayout(
            sectors: sectors,
            summary: "\(size >> 10) KiB, \(sectors.count) sectors (16/64/128 KiB)" + (dualBank ? " in 2 banks" : ""))
    }

    /// Equal units in one or two banks, in address order: bank 2 at `bank2Offset` from the flash
    /// base (nil: right after bank 1), the banks exchanged in the address map when `swapped`
    /// (the hardware swap); units whose physical index `skip` names are left out (WB's CPU2 area).
    static func banked(
        flashBase: UInt32, size: Int, banks: Int, unitSize: Int, bank2Offset: Int?, swapped: Bool,
        skip: (Int) -> Bool = { _ in false }
    ) -> [SWDFlashSector] {
        let bankSize = size / banks
        let perBank = bankSize / unitSize
        let second = bank2Offset ?? bankSize
        var sectors: [SWDFlashSector] = []
        for bank in 1...banks {
            for number in 0..<perBank where !skip((bank - 1) * perBank + number) {
                let offset = ((bank == 2) != swapped ? second : 0) + number * unitSize
                sectors.append(
                    SWDFlashSector(bank: bank, number: number, address: flashBase + UInt32(offset), size: unitSize))
            }
        }
        return sectors.sorted { $0.address < $1.address }
    }

    public init(sectors: [SWDFlashSector], summary: String) {
        self.sectors = sectors
        self.summary = summary
    }

    /// Units that [address, address + count) touches.
    public func sectors(covering address: UInt64, count: Int) -> [SWDFlashSector] {
        let range = address..<address + UInt64(count)
        return sectors.filter { $0.range.overlaps(range) }
    }

    public func contains(_ address: UInt64, count: Int) -> Bool {
        var at = address
        let end = address + UInt64(count)
        for sector in sectors where sector.range.contains(at) {
            at = sector.range.upperBound
            if at >= end { return true }
        }
        return count == 0
    }

    public var description: String { summary }
}

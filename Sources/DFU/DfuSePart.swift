import STM32

/// Which part a ROM DFU device is, and where its option bytes may be read. DFU gives no device
/// ID, so the part is told by the memories its alternate settings declare: the option-byte
/// regions exactly as a device-table row has them, and alt 0's page size and size. A read
/// outside a declared region fails on real ROMs (silicon notes: a single-bank L4 declares one
/// 40-byte region, a G474 48 + 48), so only declared regions are read.
public enum DfuSePart {
    /// The declared regions of a layout: each address group's segments, joined when contiguous.
    public static func regions(_ layout: DfuSeMemoryLayout) -> [STM32MemoryRange] {
        var regions: [STM32MemoryRange] = []
        for segment in layout.segments {
            let size = segment.count * segment.pageSize
            if let last = regions.last, last.end == UInt64(segment.start) {
                regions[regions.count - 1].size += size
            } else {
                regions.append(STM32MemoryRange(segment.start, size: size))
            }
        }
        return regions
    }

    /// The table row whose option-byte areas are exactly `optionRegions` and whose flash has
    /// alt 0's page size and room for its size; of several (L41x/L43x/L45x differ only in
    /// size), the smallest that fits. Nil when no row declares these regions (a G474).
    public static func device(optionRegions: [STM32MemoryRange], flash: DfuSeMemoryLayout?) -> STM32Device? {
        let pageSize = flash?.segments.first?.pageSize
        let size = flash?.size ?? 0
        return STM32DeviceTable.all.filter {
            $0.interfaces.contains(.usbDFU) && $0.optionBytes == optionRegions
                && (pageSize == nil || pageSize == $0.pageSize) && size <= $0.maxFlashSize
        }.min { $0.maxFlashSize < $1.maxFlashSize }
    }
}

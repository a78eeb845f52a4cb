/// How a virtual device spends time. `instant` answers as fast as the host can read (unit
/// tests); `realistic` paces every byte at the line rate, adds the USB-serial bridge's latency
/// at each change of direction, and makes flash work take datasheet time (benchmarks, demos).
public struct WireModel: Sendable, Equatable {
    public enum Pacing: String, Sendable, CaseIterable { case instant, realistic }

    public var pacing: Pacing
    /// Added each time the line turns around (host → device or device → host), in ms.
    public var latencyMilliseconds: Double
    public var timings: FlashTimings
    /// Bits per byte on the wire: 10 for 8N1, 11 for 8E1.
    public var bitsPerByte: Int

    public init(
        pacing: Pacing, latencyMilliseconds: Double = 0, timings: FlashTimings = .typicalSPINOR, bitsPerByte: Int = 10
    ) {
        self.pacing = pacing
        self.latencyMilliseconds = latencyMilliseconds
        self.timings = timings
        self.bitsPerByte = bitsPerByte
    }

    public static let instant = WireModel(pacing: .instant)
    public static let realistic = WireModel(pacing: .realistic)

    public var isRealistic: Bool { pacing == .realistic }

    /// Nanoseconds `count` bytes take on the wire at `baud`.
    public func wireTime(bytes count: Int, baud: Int) -> UInt64 {
        guard isRealistic, baud > 0 else { return 0 }
        return UInt64(count) * UInt64(bitsPerByte) * 1_000_000_000 / UInt64(baud)
    }

    public var latencyNanoseconds: UInt64 { isRealistic ? UInt64(latencyMilliseconds * 1e6) : 0 }
}

/// Typical SPI-NOR figures, the one place the virtual devices take device work times from.
/// Values are the "typ" column of 32-Mbit quad SPI NOR datasheets (GigaDevice GD25Q32C,
/// Winbond W25Q32JV, the class of part in the ST67W611M1): sector erase 45 ms, 32 KiB block
/// erase 120 ms, 64 KiB block erase 150 ms, chip erase about 10 s, page program 0.6 ms per
/// 256 bytes. XIP reads for SHA-256 at 10 MB/s (40 MHz SPI clock, dual output).
public struct FlashTimings: Sendable, Equatable {
    public var sectorErase4K: UInt64
    public var blockErase32K: UInt64
    public var blockErase64K: UInt64
    public var chipErase: UInt64
    public var pageProgram: UInt64
    public var readBytesPerSecond: UInt64

    public static let typicalSPINOR = FlashTimings(
        sectorErase4K: 45_000_000, blockErase32K: 120_000_000, blockErase64K: 150_000_000,
        chipErase: 10_000_000_000, pageProgram: 600_000, readBytesPerSecond: 10_000_000)

    /// The "max" column of the same datasheets (Winbond W25Q32JV): sector erase 400 ms, 32 KiB
    /// block 1.6 s, 64 KiB block 2 s, chip erase 50 s, page program 3 ms.
    public static let maxSPINOR = FlashTimings(
        sectorErase4K: 400_000_000, blockErase32K: 1_600_000_000, blockErase64K: 2_000_000_000,
        chipErase: 50_000_000_000, pageProgram: 3_000_000, readBytesPerSecond: 10_000_000)

    /// The erase units an SPI-NOR driver uses for [start, end), with the time of each: 64 KiB
    /// blocks where a whole aligned block is covered, then 32 KiB blocks, then 4 KiB sectors.
    public func eraseUnits(start: Int, end: Int) -> [UInt64] {
        var address = start & ~0xFFF
        var units: [UInt64] = []
        while address < end {
            if address % 0x10000 == 0 && address + 0x10000 <= end {
                units.append(blockErase64K)
                address += 0x10000
            } else if address % 0x8000 == 0 && address + 0x8000 <= end {
                units.append(blockErase32K)
                address += 0x8000
            } else {
                units.append(sectorErase4K)
                address += 0x1000
            }
        }
        return units
    }

    public func eraseTime(start: Int, end: Int) -> UInt64 {
        eraseUnits(start: start, end: end).reduce(0, +)
    }

    public func programTime(bytes: Int) -> UInt64 { UInt64((bytes + 255) / 256) * pageProgram }

    public func readTime(bytes: Int) -> UInt64 { UInt64(bytes) * 1_000_000_000 / readBytesPerSecond }
}

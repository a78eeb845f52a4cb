/// A span of device memory named on the command line (`--start` with `--len` or `--end`),
/// checked once for every route before the port opens and before anything is allocated
/// (issue #23 item 13: `--start 0xFFFFFF00 --len 0x200` overflowed 32-bit arithmetic in the
/// ST-LINK path). Every supported part addresses 32 bits.
public struct MemorySpan: Sendable, Equatable {
    public static let addressSpace: UInt64 = 1 << 32

    public let start: UInt64
    public let count: UInt64

    public var last: UInt64 { start + count - 1 }
    public var range: ClosedRange<UInt64> { start...last }

    public init(start: UInt64, count: UInt64) throws {
        guard count > 0 else {
            throw BootwireError(.usage, "the span is empty", hint: "give --len of at least 1, or --end after --start")
        }
        let (end, overflow) = start.addingReportingOverflow(count)
        guard !overflow, end <= Self.addressSpace else {
            throw BootwireError(
                .addressOutOfRange,
                "\(AddressText.of(start))+\(count) runs past the end of the 32-bit address space",
                hint: "give a --start and --len that end at or below 0x100000000",
                evidence: ["start": AddressText.of(start), "length": "\(count)"])
        }
        self.start = start
        self.count = count
    }

    /// Refuses a span that starts inside `regions` and runs out of them. A span that starts
    /// outside them is refused too when `regions` is the device's whole memory (`complete`);
    /// otherwise the device judges it (an STM32 ROM maps RAM and system memory too).
    public func check(in regions: [MemoryRegion], complete: Bool) throws {
        guard complete || regions.contains(where: { $0.range.contains(start) }) else { return }
        guard let address = MemoryRegion.firstUncovered(range, in: regions) else { return }
        throw MemoryRegion.outOfRange(
            "\(AddressText.of(start))+\(count) reaches \(AddressText.of(address))", regions: regions,
            hint: "`bootwire info` shows the device's memory; keep --start and --len inside it",
            evidence: ["start": AddressText.of(start), "length": "\(count)", "address": AddressText.of(address)])
    }
}

/// `--pages FIRST-LAST` turned into page numbers only after it is checked against the part's
/// page count, so a range such as `0-4294967295` is refused, not listed.
public enum PageNumbers {
    public static func list(_ pages: ClosedRange<Int>, pageCount: Int) throws -> [Int] {
        guard pages.lowerBound >= 0, pages.upperBound < pageCount else {
            let bad = pages.lowerBound < 0 ? pages.lowerBound : pages.upperBound
            throw BootwireError(
                .addressOutOfRange, "page \(bad) does not exist: this part has pages 0-\(pageCount - 1)",
                hint: "`bootwire info` shows the part's pages", evidence: ["page": "\(bad)", "pages": "\(pageCount)"])
        }
        return Array(pages)
    }
}

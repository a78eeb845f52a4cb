/// A named address range a device accepts writes in (flash banks, OTP, option bytes). Regions
/// that touch act as one, so a segment may run from one bank into the next.
public struct MemoryRegion: Sendable, Equatable {
    public var name: String
    public var range: ClosedRange<UInt64>

    public init(name: String, range: ClosedRange<UInt64>) {
        self.name = name
        self.range = range
    }
}

extension MemoryRegion {
    /// `name START-END, …`: how an out-of-range error names the memory it checked against.
    static func describe(_ regions: [MemoryRegion]) -> String {
        regions.map { "\($0.name) \(AddressText.of($0.range))" }.joined(separator: ", ")
    }

    /// `.addressOutOfRange` for bytes at an address no region covers: `what` (`… writes 0x…`),
    /// then the regions checked against, in the message and the evidence.
    static func outOfRange(
        _ what: String, regions: [MemoryRegion], hint: String, evidence: [String: String]
    ) -> BootwireError {
        let described = describe(regions)
        return BootwireError(
            .addressOutOfRange, "\(what), outside \(described.isEmpty ? "any memory" : described)", hint: hint,
            evidence: evidence.merging(["regions": described]) { $1 })
    }

    /// The lowest address of `range` that no region covers, or nil when all of it is covered.
    /// Regions that touch act as one.
    public static func firstUncovered(_ range: ClosedRange<UInt64>, in regions: [MemoryRegion]) -> UInt64? {
        var address = range.lowerBound
        while true {
            // The region that covers `address` and reaches furthest.
            let covering = regions.lazy.filter { $0.range.contains(address) }
                .max { $0.range.upperBound < $1.range.upperBound }
            guard let covering else { return address }
            if covering.range.upperBound >= range.upperBound { return nil }
            address = covering.range.upperBound + 1
        }
    }
}

extension FlashPlan {
    public func checkFits(in range: ClosedRange<UInt64>, name: String = "memory") throws {
        try checkFits(in: [MemoryRegion(name: name, range: range)])
    }

    /// Throws `.addressOutOfRange` with the first address (lowest, over the whole plan) that no
    /// region covers, and the segment holding it.
    public func checkFits(in regions: [MemoryRegion]) throws {
        let sorted = regions.sorted { $0.range.lowerBound < $1.range.lowerBound }
        for segment in segments {
            if let address = MemoryRegion.firstUncovered(segment.address...segment.lastAddress, in: sorted) {
                throw outOfRange(segment, at: address, regions: sorted)
            }
        }
    }

    private func outOfRange(_ segment: Segment, at address: UInt64, regions: [MemoryRegion]) -> BootwireError {
        MemoryRegion.outOfRange(
            "\(segment.originDescription) writes \(AddressText.of(address))", regions: regions,
            hint: "check the image's link address or the address given for it",
            evidence: [
                "address": AddressText.of(address), "origin": segment.originDescription, "file": segment.origin.file,
                "segment": AddressText.of(segment.range),
            ])
    }
}

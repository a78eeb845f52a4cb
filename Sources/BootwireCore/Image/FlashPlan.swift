/// What is to be written where, from one or more image files: segments sorted by address, none
/// overlapping, each knowing its origin. Every flashing path (QCC743 raw writes, STM32 UART and
/// DFU) starts from one, so the checks here run before any port opens.
public struct FlashPlan: Sendable, Equatable {
    /// Sorted by address, non-empty, pairwise disjoint. Touching segments stay separate until
    /// `merged` joins them, so that origins stay precise for diagnostics.
    public private(set) var segments: [Segment]
    /// Where execution starts, when the file says (ELF e_entry, HEX 03/05, S7/S8/S9).
    public var entryPoint: UInt64?
    /// The USB device the file was made for, when it says (a `.dfu` suffix).
    public var madeFor: USBDeviceID?

    public static let empty = FlashPlan(validated: [], entryPoint: nil)

    /// Sorts and checks the segments. Empty segments are dropped. Throws `.imageOverlap` naming
    /// both origins and the shared range, or `.addressOutOfRange` for a segment that would run
    /// past the top of the 64-bit address space.
    public init(segments: [Segment], entryPoint: UInt64? = nil) throws {
        var kept: [Segment] = []
        kept.reserveCapacity(segments.count)
        for segment in segments where !segment.bytes.isEmpty {
            guard segment.fitsAddressSpace else {
                throw BootwireError(
                    .addressOutOfRange,
                    "\(segment.originDescription) runs past the end of the address space",
                    evidence: [
                        "file": segment.origin.file, "origin": segment.originDescription,
                        "address": AddressText.of(segment.address), "length": "\(segment.bytes.count)",
                    ])
            }
            kept.append(segment)
        }
        // Stable, so that of two segments at one address the first given is named first.
        kept = kept.enumerated().sorted { ($0.element.address, $0.offset) < ($1.element.address, $1.offset) }
            .map(\.element)
        if let (first, second) = Self.firstOverlap(kept.map(\.range)) {
            throw Self.overlapError(kept[first], kept[second])
        }
        self.init(validated: kept, entryPoint: entryPoint)
    }

    /// For readers that have already sorted and checked their segments.
    init(validated segments: [Segment], entryPoint: UInt64?) {
        self.segments = segments
        self.entryPoint = entryPoint
    }

    /// Several files flashed together. The entry point is the first plan's that has one.
    public static func combining(_ plans: [FlashPlan]) throws -> FlashPlan {
        try FlashPlan(segments: plans.flatMap(\.segments), entryPoint: plans.lazy.compactMap(\.entryPoint).first)
    }

    public var isEmpty: Bool { segments.isEmpty }

    /// Bytes to be written, gaps not counted.
    public var totalSize: UInt64 { segments.reduce(0) { $0 + $1.size } }

    /// From the lowest to the highest address written; nil for an empty plan.
    public var span: ClosedRange<UInt64>? {
        guard let first = segments.first, let last = segments.last else { return nil }
        return first.address...last.lastAddress
    }

    /// Indices (into `ranges`, which must be sorted by lower bound) of the first two that share
    /// an address. Checking neighbours suffices: a range overlapping an earlier non-neighbour
    /// also overlaps the neighbour between them, which would have been found first.
    static func firstOverlap(_ ranges: [ClosedRange<UInt64>]) -> (Int, Int)? {
        guard ranges.count > 1 else { return nil }
        var reach = 0  // the range reaching furthest so far, for inputs that are sorted only by start
        for index in 1..<ranges.count {
            if ranges[index].lowerBound <= ranges[reach].upperBound { return (reach, index) }
            if ranges[index].upperBound > ranges[reach].upperBound { reach = index }
        }
        return nil
    }

    static func overlapError(_ a: Segment, _ b: Segment) -> BootwireError {
        let shared = max(a.address, b.address)...min(a.lastAddress, b.lastAddress)
        return BootwireError(
            .imageOverlap,
            "\(a.originDescription) and \(b.originDescription) both write \(AddressText.of(shared))",
            hint: "each address may be written by one image only",
            evidence: [
                "origin": a.originDescription, "other_origin": b.originDescription,
                "file": a.origin.file, "other_file": b.origin.file,
                "start": AddressText.of(shared.lowerBound), "end": AddressText.of(shared.upperBound),
            ])
    }
}

/// Bytes that belong at one address. Never empty: an empty segment has no last address, and a
/// plan drops them on the way in.
public struct Segment: Sendable, Equatable, CustomStringConvertible {
    public var address: UInt64
    public var bytes: [UInt8]
    /// One origin as read; several once `FlashPlan.merged` has joined pieces of different files.
    public var origins: [Origin]

    public init(address: UInt64, bytes: [UInt8], origin: Origin) {
        self.address = address
        self.bytes = bytes
        self.origins = [origin]
    }

    init(address: UInt64, bytes: [UInt8], origins: [Origin]) {
        self.address = address
        self.bytes = bytes
        self.origins = origins
    }

    public var origin: Origin { origins[0] }

    public var size: UInt64 { UInt64(bytes.count) }

    /// Inclusive, so a segment may end at the very top of a 64-bit space without overflowing.
    /// Only for segments that are non-empty and do not wrap, which is all a `FlashPlan` holds.
    public var lastAddress: UInt64 { address + (size - 1) }

    public var range: ClosedRange<UInt64> { address...lastAddress }

    /// Whether the last byte's address is representable; checked before `lastAddress` is used.
    var fitsAddressSpace: Bool { !bytes.isEmpty && !address.addingReportingOverflow(size - 1).overflow }

    /// "app.hex lines 3-40", or "a.hex line 2 + b.bin" for a merged segment.
    public var originDescription: String { origins.map(\.description).joined(separator: " + ") }

    public var description: String {
        // `range` has no value for an empty or wrapping segment, and printing must never trap.
        let place = fitsAddressSpace ? AddressText.of(range) : AddressText.of(address)
        return "\(place) (\(size) bytes) from \(originDescription)"
    }
}

/// One efuse_write (0x40) payload: the eFuse address and the bytes to OR in at it.
public struct EfuseWrite: Sendable, Equatable {
    public var address: UInt32
    public var data: [UInt8]

    public init(address: UInt32, data: [UInt8]) {
        self.address = address
        self.data = data
    }
}

extension EfuseImage {
    /// The writes the 2023 / QConn-lineage tool sends with plain 0x40 (spec 12.3):
    /// words 0..30 first with the lock word 0x7C held back to a second write, so nothing is
    /// locked before the data it protects is in; then the same for 0x80..0xFF when the data is
    /// longer than 128 bytes. The zero bytes are no-ops (eFuse writes OR) that keep each
    /// payload a whole 16-byte-aligned block.
    public var writePlan: [EfuseWrite] {
        var plan = Self.splitBlock(bytes, at: 0x000)
        if dataLength > 128 {
            plan += Self.splitBlock(bytes, at: 0x080)
        }
        return plan
    }

    /// Offsets of non-zero bytes the write plan never sends: the vendor's plan stops at 0xFF,
    /// so an image with data in 0x100..0x1FF would be burned only in part.
    public var offsetsBeyondWritePlan: [Int] {
        let end = dataLength > 128 ? 0x100 : 0x80
        return (end..<Self.size).filter { bytes[$0] != 0 }
    }

    private static func splitBlock(_ bytes: [UInt8], at base: Int) -> [EfuseWrite] {
        let zeros4 = [UInt8](repeating: 0, count: 4)
        let zeros12 = [UInt8](repeating: 0, count: 12)
        return [
            EfuseWrite(address: UInt32(base), data: Array(bytes[base..<base + 124]) + zeros4),
            EfuseWrite(address: UInt32(base + 0x70), data: zeros12 + Array(bytes[base + 124..<base + 128])),
        ]
    }
}

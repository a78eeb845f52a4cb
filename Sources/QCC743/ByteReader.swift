import BootwireCore

/// A little-endian cursor over bytes whose length is checked first (by the caller, or by
/// `init(_:exactly:of:)`), so that a field-by-field parser reads like the layout table it
/// implements.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// A reader over a fixed-size block (`what`, e.g. "a clock configuration"); any other
    /// length is `.badImage`, stated once for every such block.
    init(_ bytes: [UInt8], exactly size: Int, of what: String) throws {
        guard bytes.count == size else {
            throw BootwireError(
                .badImage, "\(what) is \(size) bytes, this one is \(bytes.count)",
                evidence: ["expected_length": "\(size)", "actual_length": "\(bytes.count)"])
        }
        self.init(bytes)
    }

    mutating func u8() -> UInt8 {
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() -> UInt16 {
        defer { offset += 2 }
        return LE.u16(bytes, at: offset)
    }

    mutating func u32() -> UInt32 {
        defer { offset += 4 }
        return LE.u32(bytes, at: offset)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }
}

extension ByteReader {
    /// A block that must begin with its 4-byte `magic` (`BFNP`, `BFPT`): `message` says what
    /// is missing, the evidence shows the bytes found.
    static func requireMagic(_ magic: [UInt8], in bytes: [UInt8], _ message: String) throws {
        let found = bytes.prefix(magic.count)
        guard Array(found) != magic else { return }
        throw BootwireError(
            .badImage, message, evidence: ["offset": "0", "expected": Hex.string(magic), "actual": Hex.string(found)])
    }
}

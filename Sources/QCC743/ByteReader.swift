/// A little-endian cursor over bytes whose length the caller has already checked, so that a
/// field-by-field parser reads like the layout table it implements.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
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

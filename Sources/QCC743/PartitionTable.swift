import BootwireCore

/// partition.bin (spec 14): the table boot2 reads at 0xE000 to find the firmware, and the file
/// the ini's `@partition` addresses are resolved through.
public struct PartitionTable: Sendable, Equatable {
    public static let magic: [UInt8] = Array("BFPT".utf8)
    public static let headerSize = 16
    public static let entrySize = 36
    public static let nameSize = 9

    public struct Entry: Sendable, Equatable {
        public var type: UInt8
        public var device: UInt8
        public var activeIndex: UInt8
        /// The name without its NUL padding.
        public var name: String
        /// The 9 raw name bytes, kept so that `bytes` re-encodes names that are not clean ASCII.
        public var rawName: [UInt8]
        /// Slot A and slot B. The flasher always writes slot A (`address[0]`).
        public var addresses: [UInt32]
        public var maxLengths: [UInt32]
        public var length: UInt32
        public var age: UInt32

        public var address: UInt32 { addresses[0] }
        public var maxLength: UInt32 { maxLengths[0] }

        public init(
            type: UInt8, device: UInt8 = 0, activeIndex: UInt8 = 0, name: String,
            addresses: [UInt32], maxLengths: [UInt32], length: UInt32 = 0, age: UInt32 = 0
        ) {
            self.type = type
            self.device = device
            self.activeIndex = activeIndex
            self.name = name
            self.rawName = Array(
                (Array(name.utf8) + [UInt8](repeating: 0, count: PartitionTable.nameSize))
                    .prefix(PartitionTable.nameSize))
            self.addresses = addresses
            self.maxLengths = maxLengths
            self.length = length
            self.age = age
        }

        init(reading reader: inout ByteReader) {
            type = reader.u8()
            device = reader.u8()
            activeIndex = reader.u8()
            rawName = reader.bytes(PartitionTable.nameSize)
            name = String(decoding: rawName.prefix { $0 != 0 }, as: UTF8.self)
            addresses = [reader.u32(), reader.u32()]
            maxLengths = [reader.u32(), reader.u32()]
            length = reader.u32()
            age = reader.u32()
        }

        var bytes: [UInt8] {
            var out = [type, device, activeIndex] + rawName
            for value in [addresses[0], addresses[1], maxLengths[0], maxLengths[1], length, age] {
                out += LE.u32(value)
            }
            return out
        }
    }

    public var version: UInt16
    public var age: UInt32
    public var entries: [Entry]

    public init(version: UInt16 = 0, age: UInt32 = 0, entries: [Entry]) {
        self.version = version
        self.age = age
        self.entries = entries
    }

    /// Parses and checks a table: magic, length, header CRC (bytes 0..11) and entries CRC.
    /// Both CRCs are checked because boot2 rejects a table that fails either, and a table that
    /// boot2 rejects leaves the module without firmware.
    public static func parse(_ bytes: [UInt8]) throws -> PartitionTable {
        guard bytes.count >= headerSize else {
            throw BootwireError(
                .badImage, "partition table is \(bytes.count) bytes, shorter than its 16-byte header",
                evidence: ["length": "\(bytes.count)"])
        }
        try ByteReader.requireMagic(magic, in: bytes, "partition table does not start with BFPT")
        try checkCRC(bytes, range: 0..<12, storedAt: 12, what: "header")
        var reader = ByteReader(bytes, offset: 4)
        let version = reader.u16()
        let count = Int(reader.u16())
        let age = reader.u32()
        let entriesEnd = headerSize + count * entrySize
        guard bytes.count >= entriesEnd + 4 else {
            throw BootwireError(
                .badImage, "partition table declares \(count) entries but is too short for them and their CRC",
                evidence: ["entry_count": "\(count)", "length": "\(bytes.count)", "needed": "\(entriesEnd + 4)"])
        }
        try checkCRC(bytes, range: headerSize..<entriesEnd, storedAt: entriesEnd, what: "entries")
        reader = ByteReader(bytes, offset: headerSize)
        let entries = (0..<count).map { _ in Entry(reading: &reader) }
        return PartitionTable(version: version, age: age, entries: entries)
    }

    private static func checkCRC(_ bytes: [UInt8], range: Range<Int>, storedAt offset: Int, what: String) throws {
        let expected = LE.u32(bytes, at: offset)
        let actual = CRC32.checksum(bytes[range])
        guard expected == actual else {
            throw BootwireError(
                .badImage, "partition table \(what) CRC does not match",
                evidence: [
                    "offset": Hex.address(offset, uppercase: true),
                    "covers":
                        "\(Hex.address(range.lowerBound, uppercase: true))..\(Hex.address(range.upperBound - 1, uppercase: true))",
                    "expected_crc": Hex.address(expected, uppercase: true),
                    "actual_crc": Hex.address(actual, uppercase: true),
                ])
        }
    }

    /// The table encoded with fresh CRCs, so tests and examples can build tables.
    public var bytes: [UInt8] {
        var header = Self.magic + LE.u16(version) + LE.u16(UInt16(entries.count)) + LE.u32(age)
        header += LE.u32(CRC32.checksum(header))
        let body = entries.flatMap(\.bytes)
        return header + body + LE.u32(CRC32.checksum(body))
    }

    /// The entry whose name is exactly `name` (case-sensitive, as boot2 compares names).
    public func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    /// What the vendor tool finds for `@partition` in a section called `name` (spec 11).
    public struct VendorMatch: Sendable, Equatable {
        /// Where the name's bytes were found in the file.
        public var offset: Int
        /// u32 at offset + 9.
        public var address: UInt32
        /// u32 at offset + 17.
        public var maxLength: UInt32
    }

    /// The vendor's lookup, reproduced to predict what QConn would do with an ini: the first
    /// occurrence of the name's bytes anywhere in the raw file, then the u32s at match + 9 and
    /// match + 17. Those offsets equal `address[0]` and `max_len[0]` only when the match is at
    /// the start of an entry's name field.
    ///
    /// Where it disagrees with `entry(named:)`:
    /// - a prefix or infix of a longer name matches: `Boot` finds `Boot2`, `rsvd` finds `rsvd1`,
    ///   `W` finds the `W` inside `FW` and reads the fields one byte late;
    /// - a name whose bytes also occur earlier (in the header, a CRC, an address) matches there;
    /// - the CRCs and the entry count are not checked;
    /// - an empty name matches at offset 0.
    /// Returns nil when there is no match or the file ends before match + 21.
    public static func vendorLookup(name: String, in file: [UInt8]) -> VendorMatch? {
        let needle = Array(name.utf8)
        guard file.count >= needle.count else { return nil }
        for start in 0...(file.count - needle.count) where file[start..<start + needle.count].elementsEqual(needle) {
            guard start + 21 <= file.count else { return nil }
            return VendorMatch(
                offset: start, address: LE.u32(file, at: start + 9), maxLength: LE.u32(file, at: start + 17))
        }
        return nil
    }
}

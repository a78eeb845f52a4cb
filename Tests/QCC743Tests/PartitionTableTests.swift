import BootwireCore
import Testing

@testable import QCC743

@Suite struct PartitionTableTests {
    static func sampleTable() -> PartitionTable {
        PartitionTable(entries: [
            .init(type: 16, name: "Boot2", addresses: [0, 0], maxLengths: [0xE000, 0]),
            .init(type: 0, name: "FW", addresses: [0x10000, 0x1C4000], maxLengths: [0x1B4000, 0x1B4000]),
            .init(type: 2, name: "media", addresses: [0x378000, 0], maxLengths: [0x6D000, 0]),
        ])
    }

    @Test(.enabled(if: Fixtures.available))
    func parsesSTsTable() throws {
        let file = try Fixtures.bytes("partition.bin")
        let table = try PartitionTable.parse(file)
        #expect(table.entries.count == 8)
        #expect(table.entries.map(\.name) == ["Boot2", "FW", "mfg", "media", "rsvd1", "PSM", "rsvd2", "MFD"])
        #expect(table.entries.map(\.type) == [16, 0, 10, 2, 2, 3, 8, 9])
        let firmware = try #require(table.entry(named: "FW"))
        #expect(firmware.address == 0x10000)
        #expect(firmware.maxLength == 0x1B4000)
        #expect(firmware.addresses == [0x10000, 0x1C4000])
        #expect(firmware.maxLengths == [0x1B4000, 0x1B4000])
        #expect(table.entry(named: "media")?.address == 0x378000)
        #expect(table.entry(named: "MFD")?.maxLength == 0x1000)
        // Re-encoding recomputes both CRCs; equal bytes mean the stored CRCs were right.
        #expect(table.bytes == file)
        #expect(LE.u32(file, at: 12) == 0xE389_28F3)
        #expect(LE.u32(file, at: 304) == 0x2BD9_6EF0)
    }

    @Test(.enabled(if: Fixtures.available))
    func vendorSubstringLookupOnSTsTable() throws {
        let file = try Fixtures.bytes("partition.bin")
        let table = try PartitionTable.parse(file)
        let firmware = try #require(PartitionTable.vendorLookup(name: "FW", in: file))
        #expect(firmware.address == 0x10000 && firmware.maxLength == 0x1B4000)
        // Disagreements: prefixes of longer names match for the vendor, not for an exact lookup.
        #expect(table.entry(named: "Boot") == nil)
        #expect(PartitionTable.vendorLookup(name: "Boot", in: file)?.address == 0)
        #expect(table.entry(named: "rsvd") == nil)
        #expect(PartitionTable.vendorLookup(name: "rsvd", in: file)?.address == 0x3E5000)
    }

    @Test func roundTripsASyntheticTable() throws {
        let table = Self.sampleTable()
        let parsed = try PartitionTable.parse(table.bytes)
        #expect(parsed == table)
        #expect(parsed.bytes.count == 16 + 3 * 36 + 4)
    }

    @Test func headerCRCMismatchIsBadImageWithEvidence() throws {
        var bytes = Self.sampleTable().bytes
        bytes[8] ^= 0x01  // age, covered by the header CRC
        let error = expectError(.badImage) { _ = try PartitionTable.parse(bytes) }
        #expect(error?.evidence["offset"] == "0xC")
        #expect(error?.evidence["expected_crc"] == "0x" + String(LE.u32(bytes, at: 12), radix: 16, uppercase: true))
        #expect(error?.evidence["actual_crc"] != error?.evidence["expected_crc"])
    }

    @Test func entriesCRCMismatchIsBadImage() {
        var bytes = Self.sampleTable().bytes
        bytes[16 + 36 + 12] ^= 0x80  // FW address[0]
        let error = expectError(.badImage) { _ = try PartitionTable.parse(bytes) }
        #expect(error?.evidence["offset"] == "0x" + String(16 + 3 * 36, radix: 16, uppercase: true))
    }

    @Test func badMagicShortFileAndTooManyEntriesAreBadImage() {
        var bytes = Self.sampleTable().bytes
        bytes[0] = UInt8(ascii: "X")
        _ = expectError(.badImage) { _ = try PartitionTable.parse(bytes) }
        _ = expectError(.badImage) { _ = try PartitionTable.parse(Array(Self.sampleTable().bytes.prefix(12))) }
        // Count says 3 entries, the file holds two and no CRC.
        _ = expectError(.badImage) { _ = try PartitionTable.parse(Array(Self.sampleTable().bytes.prefix(16 + 72))) }
    }

    @Test func vendorLookupCanLandInTheWrongPlace() throws {
        let table = PartitionTable(entries: [
            .init(type: 1, name: "FWX", addresses: [0x1000, 0], maxLengths: [0x2000, 0]),
            .init(type: 0, name: "FW", addresses: [0x10000, 0], maxLengths: [0x8000, 0]),
        ])
        let bytes = table.bytes
        #expect(table.entry(named: "FW")?.address == 0x10000)
        // The first "FW" bytes are the start of "FWX": the vendor takes that entry's fields.
        #expect(PartitionTable.vendorLookup(name: "FW", in: bytes)?.address == 0x1000)
        // An infix: "W" of "FWX" sits one byte into the name, so every field is read one byte late.
        let shifted = try #require(PartitionTable.vendorLookup(name: "W", in: bytes))
        #expect(shifted.offset == 16 + 3 + 1)
        #expect(shifted.address != 0x1000)
        #expect(PartitionTable.vendorLookup(name: "nothing", in: bytes) == nil)
    }
}

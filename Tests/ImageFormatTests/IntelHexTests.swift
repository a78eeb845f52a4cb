import BootwireCore
import Testing

@Suite struct IntelHexTests {
    /// The example from Intel's specification as commonly reproduced: 64 bytes at 0x0100.
    static let specExample = """
        :10010000214601360121470136007EFE09D2190140
        :100110002146017E17C20001FF5F16002148011928
        :10012000194E79234623965778239EDA3F01B2CAA7
        :100130003F0156702B5E712B722B732146013421C7
        :00000001FF

        """

    @Test func readsTheSpecificationExample() throws {
        let plan = try IntelHex.parse(bytes(Self.specExample), file: "spec.hex")
        #expect(plan.segments.count == 1)
        #expect(plan.segments[0].address == 0x100)
        #expect(plan.segments[0].bytes.count == 64)
        #expect(plan.segments[0].bytes.prefix(4) == [0x21, 0x46, 0x01, 0x36])
        #expect(plan.segments[0].bytes.suffix(2) == [0x34, 0x21])
        #expect(plan.segments[0].originDescription == "spec.hex lines 1-4")
        #expect(plan.entryPoint == nil)
    }

    @Test func everyRecordTypeCRLFBlankLinesAndLowerCase() throws {
        let lines = [
            hexRecord(0x04, 0, [0x08, 0x00]),
            hexRecord(0x00, 0x0000, Array(0..<16)),
            hexRecord(0x00, 0x0010, [16, 17, 18, 19]).lowercased(),
            "",
            hexRecord(0x00, 0x0100, [0xAA, 0xBB]) + "  ",
            hexRecord(0x02, 0, [0x10, 0x00]),
            hexRecord(0x00, 0x0004, [0xCC]),
            hexRecord(0x05, 0, [0x08, 0x00, 0x01, 0x01]),
            hexRecord(0x01, 0),
            "",
        ]
        let plan = try IntelHex.parse(bytes(lines.joined(separator: "\r\n")), file: "app.hex")
        #expect(plan.segments.map(\.address) == [0x1_0004, 0x0800_0000, 0x0800_0100])
        #expect(plan.segments[0].bytes == [0xCC])
        #expect(plan.segments[1].bytes == Array(0..<20))
        #expect(plan.segments.map(\.originDescription) == ["app.hex line 7", "app.hex lines 2-3", "app.hex line 5"])
        #expect(plan.entryPoint == 0x0800_0101)
    }

    @Test func startSegmentAddressIsCSColonIP() throws {
        let text = [hexRecord(0x03, 0, [0x12, 0x34, 0x00, 0x05]), hexRecord(0x00, 0, [1]), hexRecord(0x01, 0)]
        let plan = try IntelHex.parse(bytes(text.joined(separator: "\n")), file: "a.hex")
        #expect(plan.entryPoint == 0x12345)
    }

    @Test func linearRecordsMayCrossA64KiBBoundary() throws {
        let text = [hexRecord(0x04, 0, [0x08, 0x00]), hexRecord(0x00, 0xFFFC, Array(1...8)), hexRecord(0x01, 0)]
        let plan = try IntelHex.parse(bytes(text.joined(separator: "\n")), file: "a.hex")
        #expect(plan.segments.map(\.range) == [0x0800_FFFC...0x0801_0003])
    }

    /// One case per error: the file's lines, then the line and the evidence the error must carry.
    static let errorCases: [(name: String, lines: [String], line: Int, evidence: [String: String])] = [
        ("no colon", [hexRecord(0, 0, [1]), "00000001FF"], 2, ["column": "1"]),
        ("not a hex digit", [":0100G00041BE", hexRecord(1, 0)], 1, ["column": "6"]),
        ("too short for its count", [":02000000AABB"], 1, ["expected_length": "15", "actual_length": "13"]),
        ("shorter than any record", [":00"], 1, ["expected_length": "11", "actual_length": "3"]),
        ("checksum", [":0100000041BF", hexRecord(1, 0)], 1, ["expected_checksum": "BE", "actual_checksum": "BF"]),
        ("unknown type", [hexRecord(0x06, 0), hexRecord(1, 0)], 1, ["type": "06"]),
        ("end of file with data", [hexRecord(0x01, 0, [0])], 1, ["type": "01"]),
        ("no end of file", [hexRecord(0, 0, [1]), hexRecord(0, 1, [2])], 3, [:]),
        ("nothing at all", [], 1, [:]),
        (
            "data after end of file", [hexRecord(0, 0, [1]), hexRecord(1, 0), "", hexRecord(0, 1, [2])], 4,
            ["other_line": "2"]
        ),
        (
            "overlap",
            [
                hexRecord(0, 0x100, Array(0..<16)), hexRecord(0, 0x200, [1]), hexRecord(0, 0x108, [1, 2]),
                hexRecord(1, 0),
            ],
            3, ["other_line": "1", "start": "0x108", "end": "0x109"]
        ),
        (
            "overlap with a lower address later",
            [hexRecord(0, 0x104, [1, 2]), hexRecord(0, 0x100, Array(0..<8)), hexRecord(1, 0)],
            2, ["other_line": "1", "start": "0x104", "end": "0x105"]
        ),
        ("past a 16-bit segment", [hexRecord(0, 0xFFF8, Array(0..<16)), hexRecord(1, 0)], 1, ["address": "0xFFF8"]),
        (
            "past an 02 segment", [hexRecord(2, 0, [0x10, 0x00]), hexRecord(0, 0xFFFF, [1, 2]), hexRecord(1, 0)], 2,
            ["address": "0x1FFFF"]
        ),
        (
            "past 4 GiB", [hexRecord(4, 0, [0xFF, 0xFF]), hexRecord(0, 0xFFF8, Array(0..<16)), hexRecord(1, 0)], 2,
            ["address": "0xFFFFFFF8"]
        ),
        ("address record of 3 bytes", [hexRecord(4, 0, [0, 0, 0]), hexRecord(1, 0)], 1, ["type": "04"]),
        ("start record of 2 bytes", [hexRecord(5, 0, [0, 0]), hexRecord(1, 0)], 1, ["type": "05"]),
        (
            "two start addresses", [hexRecord(5, 0, [0, 0, 0, 1]), hexRecord(5, 0, [0, 0, 0, 2]), hexRecord(1, 0)], 2,
            ["other_line": "1"]
        ),
        ("not ASCII", [":\u{FF}"], 1, ["column": "2"]),
        (
            "a record repeated word for word",
            [hexRecord(0, 0x10, [1, 2]), hexRecord(0, 0x10, [1, 2]), hexRecord(1, 0)],
            2, ["other_line": "1", "start": "0x10", "end": "0x11"]
        ),
    ]

    @Test(arguments: errorCases.indices) func errorsCarryFileAndLine(_ index: Int) {
        let (name, lines, line, evidence) = Self.errorCases[index]
        let error = expectError(.badImage) {
            _ = try IntelHex.parse(bytes(lines.joined(separator: "\n")), file: "bad.hex")
        }
        #expect(error?.evidence["file"] == "bad.hex", "\(name)")
        #expect(error?.evidence["line"] == "\(line)", "\(name)")
        for (key, value) in evidence {
            #expect(error?.evidence[key] == value, "\(name): \(key)")
        }
    }

    @Test func repeatedEqualStartAddressesAreAccepted() throws {
        let text = [
            hexRecord(5, 0, [0, 0, 0, 1]), hexRecord(0, 0, [1]), hexRecord(5, 0, [0, 0, 0, 1]), hexRecord(1, 0),
        ]
        #expect(try IntelHex.parse(bytes(text.joined(separator: "\n")), file: "a.hex").entryPoint == 1)
    }

    @Test func writerLayoutIsExact() throws {
        let plan = try FlashPlan(segments: [segment(0x1_0000, [1, 2, 3])], entryPoint: 0x1_0000)
        let text = try IntelHex.write(plan)
        #expect(text == ":020000040001F9\n:03000000010203F7\n:0400000500010000F6\n:00000001FF\n")
        #expect(try IntelHex.write(FlashPlan.empty, lineEnding: "\r\n") == ":00000001FF\r\n")
    }

    @Test func roundTripsAcross64KiBAndUpperAddresses() throws {
        var generator = SystemRandomNumberGenerator()
        let random = { (count: Int) in (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) } }
        let plan = try FlashPlan(
            segments: [
                segment(0x0000_0000, random(3)), segment(0x0800_FFF0, random(600), "app.bin"),
                segment(0xFFFF_FF00, random(256)),
            ], entryPoint: 0x0800_0101)
        for perRecord in [1, 16, 255] {
            let text = try IntelHex.write(plan, bytesPerRecord: perRecord)
            let back = try IntelHex.parse(bytes(text), file: "out.hex")
            #expect(back.segments.map(\.address) == plan.segments.map(\.address))
            #expect(back.segments.map(\.bytes) == plan.segments.map(\.bytes))
            #expect(back.entryPoint == plan.entryPoint)
            // No record may cross a 64 KiB boundary, so every reader agrees on the addresses.
            for line in text.split(separator: "\n") where line.dropFirst(7).hasPrefix("00") {
                let count = Int(line.dropFirst(1).prefix(2), radix: 16)!
                let offset = Int(line.dropFirst(3).prefix(4), radix: 16)!
                #expect(count <= perRecord && offset + count <= 0x1_0000, "\(line)")
            }
        }
    }

    @Test func writerRefusesWhatIntelHexCannotAddress() throws {
        let high = try FlashPlan(segments: [segment(0xFFFF_FFFF, [1, 2])])
        #expect(expectError(.addressOutOfRange) { _ = try IntelHex.write(high) }?.evidence["address"] == "0x100000000")
        let entry = try FlashPlan(segments: [segment(0, [1])], entryPoint: 0x1_0000_0000)
        expectError(.addressOutOfRange) { _ = try IntelHex.write(entry) }
    }
}

import BootwireCore
import Testing

@Suite struct SRecordTests {
    /// The example from srec(5) and Wikipedia: a header, three S1 records, a count and S9.
    static let example = """
        S00F000068656C6C6F202020202000003C
        S11F00007C0802A6900100049421FFF07C6C1B787C8C23783C6000003863000026
        S11F001C4BFFFFE5398000007D83637880010014382100107C0803A64E800020E9
        S111003848656C6C6F20776F726C642E0A0042
        S5030003F9
        S9030000FC

        """

    @Test func readsTheReferenceExample() throws {
        let plan = try SRecord.parse(bytes(Self.example), file: "hello.s19")
        #expect(plan.segments.count == 1)
        #expect(plan.segments[0].address == 0)
        #expect(plan.segments[0].bytes.count == 28 + 28 + 14)
        #expect(plan.segments[0].bytes.suffix(14) == Array("Hello world.\n\0".utf8))
        #expect(plan.segments[0].originDescription == "hello.s19 lines 2-4")
        #expect(plan.entryPoint == 0)
    }

    @Test func allDataWidthsCountsAndTerminations() throws {
        let lines = [
            srecRecord(0, 0, Array("boot".utf8)),
            srecRecord(3, 0x0800_0000, [1, 2, 3]),
            srecRecord(2, 0x12_3456, [4]).lowercased().replacingOccurrences(of: "s2", with: "S2"),
            "",
            srecRecord(1, 0x0100, [5, 6]),
            srecRecord(5, 3),
            srecRecord(6, 3),
            srecRecord(7, 0x0800_0101),
        ]
        let plan = try SRecord.parse(bytes(lines.joined(separator: "\r\n") + "\r\n"), file: "app.srec")
        #expect(plan.segments.map(\.address) == [0x100, 0x12_3456, 0x0800_0000])
        #expect(plan.segments.map(\.bytes) == [[5, 6], [4], [1, 2, 3]])
        #expect(plan.segments.map(\.originDescription) == ["app.srec line 5", "app.srec line 3", "app.srec line 2"])
        #expect(plan.entryPoint == 0x0800_0101)
        for (type, entry) in [(8, UInt64(0x12_3456)), (9, 0x1234)] {
            let text = [srecRecord(1, 0, [1]), srecRecord(type, entry)].joined(separator: "\n")
            #expect(try SRecord.parse(bytes(text), file: "a.srec").entryPoint == entry)
        }
    }

    @Test func s1MayRunPast64KiB() throws {
        let text = [srecRecord(1, 0xFFFE, [1, 2, 3, 4]), srecRecord(9, 0)].joined(separator: "\n")
        #expect(try SRecord.parse(bytes(text), file: "a.srec").segments[0].range == 0xFFFE...0x1_0001)
    }

    static let errorCases: [(name: String, lines: [String], line: Int, evidence: [String: String])] = [
        ("no S", [srecRecord(1, 0, [1]), "9030000FC"], 2, ["column": "1"]),
        ("type not a digit", ["SX030000FC"], 1, ["column": "2"]),
        ("S alone", ["S"], 1, ["column": "2"]),
        ("not a hex digit", ["S1040000Z1FA", srecRecord(9, 0)], 1, ["column": "9"]),
        ("too short for its count", ["S1050000AAFA"], 1, ["expected_length": "14", "actual_length": "12"]),
        ("no count", ["S1"], 1, ["expected_length": "4", "actual_length": "2"]),
        ("reserved S4", ["S4030000FC"], 1, ["type": "S4"]),
        ("count leaves no room", ["S3030000FC"], 1, ["type": "S3"]),
        ("checksum", ["S104000001FB", srecRecord(9, 0)], 1, ["expected_checksum": "FA", "actual_checksum": "FB"]),
        (
            "count mismatch", [srecRecord(1, 0, [1]), srecRecord(5, 2), srecRecord(9, 0)], 2,
            ["stated_count": "2", "actual_count": "1"]
        ),
        ("count with data", [srecRecord(5, 0, [1]), srecRecord(9, 0)], 1, ["type": "S5"]),
        ("termination with data", [srecRecord(9, 0, [1])], 1, ["type": "S9"]),
        ("no termination", [srecRecord(0, 0), srecRecord(1, 0, [1]), ""], 3, [:]),
        (
            "data after termination", [srecRecord(1, 0, [1]), srecRecord(9, 0), srecRecord(1, 1, [2])], 3,
            ["other_line": "2"]
        ),
        (
            "overlap",
            [srecRecord(3, 0x0800_0000, Array(0..<8)), srecRecord(3, 0x0800_0007, [1, 2]), srecRecord(7, 0)], 2,
            ["other_line": "1", "start": "0x8000007", "end": "0x8000007"]
        ),
        ("past 4 GiB", [srecRecord(3, 0xFFFF_FFFE, [1, 2, 3]), srecRecord(7, 0)], 1, ["address": "0xFFFFFFFE"]),
    ]

    @Test(arguments: errorCases.indices) func errorsCarryFileAndLine(_ index: Int) {
        let (name, lines, line, evidence) = Self.errorCases[index]
        let error = expectError(.badImage) {
            _ = try SRecord.parse(bytes(lines.joined(separator: "\n")), file: "bad.srec")
        }
        #expect(error?.evidence["file"] == "bad.srec", "\(name)")
        #expect(error?.evidence["line"] == "\(line)", "\(name)")
        for (key, value) in evidence {
            #expect(error?.evidence[key] == value, "\(name): \(key)")
        }
    }

    @Test func writerLayoutIsExact() throws {
        let plan = try FlashPlan(segments: [segment(0x0100, [1, 2, 3])], entryPoint: 0x0100)
        let text = try SRecord.write(plan, header: "hi")
        #expect(text == "S0050000686929\nS1060100010203F2\nS5030001FB\nS9030100FB\n")
    }

    @Test func roundTripsAtEachWidth() throws {
        var generator = SystemRandomNumberGenerator()
        let random = { (count: Int) in (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) } }
        for (base, type) in [(UInt64(0x1000), "S1"), (0x10_0000, "S2"), (0x0800_0000, "S3")] {
            let plan = try FlashPlan(
                segments: [segment(base, random(100)), segment(base + 0x200, random(33))], entryPoint: base + 1)
            let text = try SRecord.write(plan, header: "bootwire", bytesPerRecord: 16)
            #expect(text.split(separator: "\n")[1].hasPrefix(type))
            let back = try SRecord.parse(bytes(text), file: "out.srec")
            #expect(back.segments.map(\.address) == plan.segments.map(\.address))
            #expect(back.segments.map(\.bytes) == plan.segments.map(\.bytes))
            #expect(back.entryPoint == plan.entryPoint)
        }
        let high = try FlashPlan(segments: [segment(0xFFFF_FFFF, [1, 2])])
        expectError(.addressOutOfRange) { _ = try SRecord.write(high) }
    }
}

import BootwireCore
import Testing

@Suite struct FlashPlanTests {
    @Test func sortsAndMeasures() throws {
        let plan = try FlashPlan(segments: [segment(0x200, [1, 2]), segment(0x100, [3]), segment(0x300, [])])
        #expect(plan.segments.map(\.address) == [0x100, 0x200])
        #expect(plan.totalSize == 3)
        #expect(plan.span == 0x100...0x201)
        #expect(FlashPlan.empty.span == nil)
        #expect(FlashPlan.empty.totalSize == 0)
    }

    @Test func overlapNamesBothOriginsAndTheSharedRange() {
        let error = expectError(.imageOverlap) {
            _ = try FlashPlan.combining([
                try FlashPlan(segments: [segment(0x0800_0000, [UInt8](repeating: 0, count: 0x100), "boot.hex", line: 7)]
                ),
                try FlashPlan(segments: [segment(0x0800_00F0, [UInt8](repeating: 0, count: 0x20), "app.bin")]),
            ])
        }
        #expect(error?.evidence["origin"] == "boot.hex line 7")
        #expect(error?.evidence["other_origin"] == "app.bin")
        #expect(error?.evidence["start"] == "0x80000F0")
        #expect(error?.evidence["end"] == "0x80000FF")
    }

    @Test func overlapWithASegmentBeforeTheNeighbour() {
        // The second segment lies inside the first; the third overlaps the first, not the second.
        let error = expectError(.imageOverlap) {
            _ = try FlashPlan(segments: [
                segment(0, [UInt8](repeating: 0, count: 100), "big"), segment(10, [1], "small"),
            ])
        }
        #expect(error?.evidence["origin"] == "big")
        #expect(error?.evidence["start"] == "0xA")
        #expect(error?.evidence["end"] == "0xA")
    }

    @Test func touchingIsNotOverlapping() throws {
        let plan = try FlashPlan(segments: [segment(0, [1, 2]), segment(2, [3])])
        #expect(plan.segments.count == 2)
    }

    @Test func segmentsMayEndAtTheTopOfTheSpaceButNotPassIt() throws {
        let top = try FlashPlan(segments: [segment(UInt64.max - 1, [1, 2])])
        #expect(top.span == (UInt64.max - 1)...UInt64.max)
        let error = expectError(.addressOutOfRange) { _ = try FlashPlan(segments: [segment(UInt64.max, [1, 2])]) }
        #expect(error?.evidence["address"] == "0xFFFFFFFFFFFFFFFF")
    }

    @Test func describingAnyHandMadeSegmentIsSafe() {
        #expect(segment(0x10, []).description == "0x10 (0 bytes) from a.bin")
        #expect(segment(UInt64.max, [1, 2]).description == "0xFFFFFFFFFFFFFFFF (2 bytes) from a.bin")
        #expect(segment(0x10, [1, 2], "x.hex", line: 4).description == "0x10-0x11 (2 bytes) from x.hex line 4")
    }

    @Test func combiningKeepsTheFirstEntryPoint() throws {
        let a = try FlashPlan(segments: [segment(0, [1])])
        let b = try FlashPlan(segments: [segment(1, [2])], entryPoint: 7)
        let c = try FlashPlan(segments: [segment(2, [3])], entryPoint: 9)
        #expect(try FlashPlan.combining([a, b, c]).entryPoint == 7)
        #expect(try FlashPlan.combining([a, b, c]).segments.count == 3)
    }

    @Test func mergedJoinsTouchingSegmentsAndFillsSmallGaps() throws {
        let plan = try FlashPlan(
            segments: [
                segment(0x10, [1, 2], "a.hex", line: 3), segment(0x12, [3], "a.hex", line: 4),
                segment(0x15, [4], "b.bin"), segment(0x40, [5]),
            ], entryPoint: 0x10)
        let touching = plan.merged()
        #expect(touching.segments.map(\.address) == [0x10, 0x15, 0x40])
        #expect(touching.segments[0].bytes == [1, 2, 3])
        #expect(touching.segments[0].originDescription == "a.hex lines 3-4")
        #expect(touching.entryPoint == 0x10)

        let filled = plan.merged(gapFill: 2)
        #expect(filled.segments.map(\.address) == [0x10, 0x40])
        #expect(filled.segments[0].bytes == [1, 2, 3, 0xFF, 0xFF, 4])
        #expect(filled.segments[0].originDescription == "a.hex lines 3-4 + b.bin")
        #expect(filled.totalSize == 7)
        #expect(plan.merged(gapFill: 1).segments.count == 3)
        #expect(plan.merged(gapFill: 2, fill: 0).segments[0].bytes == [1, 2, 3, 0, 0, 4])
    }

    @Test func alignedPadsToWholeUnitsAndJoinsSharedOnes() throws {
        let plan = try FlashPlan(segments: [segment(0x101, [1, 2]), segment(0x106, [3]), segment(0x10C, [4])])
        let words = plan.aligned(to: 4)
        #expect(words.segments.map(\.address) == [0x100, 0x10C])
        #expect(words.segments[0].bytes == [0xFF, 1, 2, 0xFF, 0xFF, 0xFF, 3, 0xFF])
        #expect(words.segments[1].bytes == [4, 0xFF, 0xFF, 0xFF])
        #expect(plan.aligned(to: 8).segments.map(\.range) == [0x100...0x10F])
        let pages = plan.aligned(to: 0x100)
        #expect(pages.segments.map(\.range) == [0x100...0x1FF])
        #expect(pages.segments[0].bytes[0x06] == 3)
        // Two segments in one unit keep both; a segment that is already aligned stays as it is.
        let same = try FlashPlan(segments: [segment(0x200, [9, 9, 9, 9])]).aligned(to: 4)
        #expect(same.segments == [segment(0x200, [9, 9, 9, 9])])
        let top = try FlashPlan(segments: [segment(UInt64.max, [7])]).aligned(to: 0x10)
        #expect(top.segments[0].range == (UInt64.max - 0xF)...UInt64.max)
    }

    @Test func flattenedGivesOneRunOrRefusesAHugeOne() throws {
        let plan = try FlashPlan(segments: [segment(0x0800_0000, [1]), segment(0x0800_0003, [2])])
        let run = try #require(try plan.flattened())
        #expect(run.address == 0x0800_0000)
        #expect(run.bytes == [1, 0xFF, 0xFF, 2])
        #expect(try FlashPlan.empty.flattened() == nil)
        let split = try FlashPlan(segments: [segment(0x0800_0000, [1]), segment(0x2000_0000, [2])])
        let error = expectError(.imageTooLarge) { _ = try split.flattened() }
        #expect(error?.evidence["end"] == "0x20000000")
    }

    @Test func fitsOrNamesTheFirstAddressOutside() throws {
        let flash = 0x0800_0000...0x0800_FFFF as ClosedRange<UInt64>
        let inside = try FlashPlan(segments: [segment(0x0800_0000, [1]), segment(0x0800_FFFF, [2])])
        try inside.checkFits(in: flash)

        let runsOver = try FlashPlan(segments: [segment(0x0800_FFFE, [1, 2, 3, 4], "app.hex", line: 9)])
        let over = expectError(.addressOutOfRange) { try runsOver.checkFits(in: flash, name: "flash") }
        #expect(over?.evidence["address"] == "0x8010000")
        #expect(over?.evidence["origin"] == "app.hex line 9")
        #expect(over?.evidence["file"] == "app.hex")

        let below = try FlashPlan(segments: [segment(0x07FF_FFF0, [1]), segment(0x0900_0000, [2])])
        let under = expectError(.addressOutOfRange) { try below.checkFits(in: flash) }
        #expect(under?.evidence["address"] == "0x7FFFFF0")
    }

    @Test func regionsThatTouchActAsOne() throws {
        let regions = [
            MemoryRegion(name: "bank2", range: 0x0808_0000...0x080F_FFFF),
            MemoryRegion(name: "bank1", range: 0x0800_0000...0x0807_FFFF),
            MemoryRegion(name: "otp", range: 0x1FFF_7800...0x1FFF_7A0F),
        ]
        let spanning = try FlashPlan(segments: [
            segment(0x0807_FFF0, [UInt8](repeating: 0, count: 0x20)), segment(0x1FFF_7800, [1]),
        ])
        try spanning.checkFits(in: regions)
        let gap = try FlashPlan(segments: [segment(0x080F_FFFF, [1, 2]), segment(0x1FFF_7A10, [1])])
        let error = expectError(.addressOutOfRange) { try gap.checkFits(in: regions) }
        #expect(error?.evidence["address"] == "0x8100000")
        expectError(.addressOutOfRange) { try gap.checkFits(in: []) }
    }
}

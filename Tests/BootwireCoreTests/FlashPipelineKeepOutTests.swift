import Testing

@testable import BootwireCore

/// Issue #23 item 5: an ini's skip_mode region is neither erased nor written, on every erase
/// mode, or the job is refused (`bad-config`) before anything changes.
struct FlashPipelineKeepOutTests {
    static let region = 0x4000..<0x6000
    static let kept = FlashPipelineTests.bytes(region.count, seed: 0x77)

    func pipeline(_ erase: EraseMode, keepOut: [Range<Int>] = [region], literal: Bool = false) -> FlashPipeline {
        var options = FlashOptions()
        options.erase = erase
        options.keepOut = keepOut
        options.literalChipErase = literal
        return FlashPipeline(options: options, events: { _ in }, confirm: { _ in })
    }

    /// Old data everywhere, and the region's own bytes that must survive.
    func target() -> MemoryTarget {
        let target = MemoryTarget(cheap: true, fill: 0x00)
        target.flash.replaceSubrange(Self.region, with: Self.kept)
        return target
    }

    @Test(arguments: [EraseMode.none, .sections, .chip])
    func aSkipRegionInsideAnImageIsNeitherErasedNorWritten(erase: EraseMode) throws {
        let target = target()
        if erase == .none { target.flash = target.flash.map { _ in 0xFF } }
        target.flash.replaceSubrange(Self.region, with: Self.kept)
        let image = FlashImage(name: "fw", address: 0x2000, data: FlashPipelineTests.bytes(0x8000, seed: 0x11))
        let outcome = try pipeline(erase).run(PreparedImage.prepare([image], compressAbove: nil), on: target)
        #expect(Array(target.flash[Self.region]) == Self.kept)
        #expect(!target.erasedUnits.contains { $0.overlaps(Self.region) })
        #expect(target.programmedRanges == [0x2000..<0x4000, 0x6000..<0xA000])
        #expect(Array(target.flash[0x2000..<0x4000]) == Array(image.data[0..<0x2000]))
        #expect(Array(target.flash[0x6000..<0xA000]) == Array(image.data[0x4000...]))
        #expect(outcome.written.count == 2)
        if erase == .chip {
            // "Erased everywhere else" excludes the region.
            #expect(target.flash[0..<0x2000].allSatisfy { $0 == 0xFF })
            #expect(target.flash[0xA000...].allSatisfy { $0 == 0xFF })
            #expect(target.eraseAllCount == 0)
        }
    }

    @Test func chipEraseSparesARegionOutsideTheImages() throws {
        let target = target()
        let image = FlashImage(name: "boot2", address: 0, data: FlashPipelineTests.bytes(0x1000, seed: 3))
        _ = try pipeline(.chip).run(PreparedImage.prepare([image], compressAbove: nil), on: target)
        #expect(Array(target.flash[Self.region]) == Self.kept)
        #expect(target.flash[0x1000..<0x4000].allSatisfy { $0 == 0xFF })
        #expect(target.flash[0x6000...].allSatisfy { $0 == 0xFF })
    }

    @Test func aRegionThatCannotBeSparedIsRefusedBeforeAnyChange() throws {
        let image = FlashImage(name: "fw", address: 0x2000, data: FlashPipelineTests.bytes(0x8000, seed: 0x11))
        let unaligned = [0x4100..<0x5000]
        for (erase, keepOut, literal) in [
            (EraseMode.sections, unaligned, false),  // fw's erase would clear 0x4000..0x4100 and the region
            (.chip, [0x20000..<0x20100], false),  // not whole units: "erase the rest" would clear part of it
            (.chip, [Self.region], true),  // a whole-chip erase spares nothing
        ] {
            let target = target()
            let before = target.flash
            let error = try #require(
                throws: BootwireError.self,
                performing: {
                    _ = try pipeline(erase, keepOut: keepOut, literal: literal).run(
                        PreparedImage.prepare([image], compressAbove: nil), on: target)
                })
            #expect(error.code == .badConfig)
            #expect(target.flash == before)
        }
        // With erase = 0 nothing is erased, so a region of any shape is spared.
        let target = target()
        target.flash = target.flash.map { _ in 0xFF }
        _ = try pipeline(.none, keepOut: unaligned).run(PreparedImage.prepare([image], compressAbove: nil), on: target)
        #expect(target.programmedRanges == [0x2000..<0x4100, 0x5000..<0xA000])
    }
}

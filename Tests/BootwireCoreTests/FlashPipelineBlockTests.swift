import Foundation
import Testing

@testable import BootwireCore

/// Where a route hashes cheaply and names an erase block: an image over older data erases only
/// the blocks that hold other data, and writes only the blocks that do not already read as the
/// job leaves them; the end state is the same as a whole erase and write.
struct FlashPipelineBlockTests {
    static let block = 0x1_0000

    func target() -> MemoryTarget {
        let target = MemoryTarget(size: 0x8_0000, unit: 0x1000, cheap: true)
        target.eraseBlockSize = Self.block
        return target
    }

    func run(_ images: [FlashImage], on target: MemoryTarget, _ configure: (inout FlashOptions) -> Void = { _ in })
        throws -> FlashOutcome
    {
        var options = FlashOptions()
        options.erase = .chip
        configure(&options)
        return try FlashPipeline(options: options, events: { _ in }, confirm: { _ in })
            .run(PreparedImage.prepare(images, compressAbove: nil), on: target)
    }

    /// What the flash must hold afterwards: the images, erased elsewhere.
    func expected(_ images: [FlashImage], size: Int) -> [UInt8] {
        var flash = [UInt8](repeating: 0xFF, count: size)
        for image in images { flash.replaceSubrange(image.range, with: image.data) }
        return flash
    }

    @Test("an upgrade over a shorter older image erases only the blocks the older one held")
    func upgradeErasesOnlyTheOldBlocks() throws {
        let target = target()
        let old = FlashPipelineTests.bytes(0x1_8000, seed: 0x5A)  // 0x10000..0x28000: blocks 1 and 2
        target.flash.replaceSubrange(0x1_0000..<0x2_8000, with: old)
        let image = FlashImage(name: "fw", address: 0x1_0000, data: FlashPipelineTests.bytes(0x4_2000, seed: 0x11))
        _ = try run([image], on: target)
        #expect(target.flash == expected([image], size: target.flash.count))
        #expect(RangeSet.coalesce(target.erasedUnits) == [0x1_0000..<0x3_0000])
        #expect(target.programmedRanges == [image.range], "nothing of it was there: written whole")
    }

    @Test("a change inside one block of an image already there writes only that block")
    func aSmallChangeWritesOneBlock() throws {
        let target = target()
        let before = FlashImage(name: "fs", address: 0x2_0000, data: FlashPipelineTests.bytes(0x3_4000, seed: 0x21))
        target.flash.replaceSubrange(before.range, with: before.data)
        var data = before.data
        for i in 0x2_1000..<0x2_1100 { data[i] ^= 0xA5 }  // in the block at 0x40000
        let after = FlashImage(name: "fs", address: 0x2_0000, data: data)
        _ = try run([after], on: target)
        #expect(target.flash == expected([after], size: target.flash.count))
        #expect(target.programmedRanges == [0x4_0000..<0x5_0000])
        #expect(RangeSet.coalesce(target.erasedUnits) == [0x4_0000..<0x5_0000])
    }

    @Test("a changed last block is written up to the image's end, and its old tail is erased")
    func aChangedTailBlock() throws {
        let target = target()
        let before = FlashImage(name: "fs", address: 0x2_0000, data: FlashPipelineTests.bytes(0x3_8000, seed: 0x31))
        target.flash.replaceSubrange(before.range, with: before.data)
        var data = Array(before.data[0..<0x3_4000])
        data[0x3_0010] ^= 0xFF
        let after = FlashImage(name: "fs", address: 0x2_0000, data: data)
        _ = try run([after], on: target)
        #expect(target.flash == expected([after], size: target.flash.count))
        #expect(target.programmedRanges == [0x5_0000..<0x5_4000])
    }

    @Test("an upgrade that changes every block asks the top and the bottom block, not the ones between")
    func aFirmwareUpgradeAsksTwoBlocks() throws {
        let target = target()
        let old = FlashImage(name: "fw", address: 0x1_0000, data: FlashPipelineTests.bytes(0x4_0000, seed: 0x61))
        target.flash.replaceSubrange(old.range, with: old.data)
        let new = FlashImage(name: "fw", address: 0x1_0000, data: FlashPipelineTests.bytes(0x3_F000, seed: 0x62))
        _ = try run([new], on: target)
        #expect(target.flash == expected([new], size: target.flash.count))
        #expect(!target.asked.contains { $0.lowerBound == 0x2_0000 || $0.lowerBound == 0x3_0000 })
        #expect(RangeSet.coalesce(target.erasedUnits) == [0x1_0000..<0x5_0000])
    }

    @Test("--force writes the whole image; a route without blocks erases every unit as before")
    func forceAndRoutesWithoutBlocks() throws {
        let forced = target()
        let image = FlashImage(name: "fs", address: 0x2_0000, data: FlashPipelineTests.bytes(0x3_0000, seed: 0x41))
        forced.flash.replaceSubrange(image.range, with: image.data)
        forced.flash[0x2_0000] = 0
        _ = try run([image], on: forced) { $0.force = true }
        #expect(forced.programmedRanges == [image.range])
        #expect(forced.flash == expected([image], size: forced.flash.count))

        let plain = MemoryTarget(size: 0x8_0000, unit: 0x1000, cheap: true)
        plain.flash[0x2_0000] = 0
        _ = try run([image], on: plain)
        #expect(RangeSet.coalesce(plain.erasedUnits) == [image.range])
        #expect(plain.programmedRanges == [image.range])
    }
}

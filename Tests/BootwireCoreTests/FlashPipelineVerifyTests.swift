import Testing

@testable import BootwireCore

/// `FlashPipeline.verify` (issue 26 item 6): the compare alone, on any route. Nothing is erased
/// or written; a route that cannot compare cheaply is asked for its proof instead.
struct FlashPipelineVerifyTests {
    func verify(_ target: MemoryTarget, _ images: [FlashImage]) throws -> [FlashPipeline.Verdict] {
        let pipeline = FlashPipeline(options: FlashOptions(), events: { _ in }, confirm: { _ in })
        return try pipeline.verify(PreparedImage.prepare(images, compressAbove: nil), on: target)
    }

    @Test(arguments: [true, false]) func aChangedByteIsNamedAndNothingIsWritten(cheap: Bool) throws {
        let target = MemoryTarget(cheap: cheap)
        let good = FlashImage(name: "a", address: 0x1000, data: FlashPipelineTests.bytes(0x800, seed: 1))
        let other = FlashImage(name: "b", address: 0x4000, data: FlashPipelineTests.bytes(0x200, seed: 2))
        target.flash.replaceSubrange(good.range, with: good.data)
        target.flash.replaceSubrange(other.range, with: other.data)
        target.flash[0x4010] ^= 0x80
        let before = target.flash
        let verdicts = try verify(target, [other, good])
        #expect(verdicts.map(\.name) == ["a", "b"])
        #expect(verdicts[0].difference == nil)
        #expect(verdicts[1].difference?.code == .verifyMismatch)
        #expect(verdicts[1].difference?.evidence["address"] == Hex.address(0x4010))
        let mismatch = try #require(FlashPipeline.mismatch(verdicts))
        #expect(mismatch.evidence["differing"] == "b")
        #expect(target.flash == before && target.programmed.isEmpty && target.erasedUnits.isEmpty)
        #expect(target.eraseAllCount == 0)
    }

    @Test func allMatchingIsNoError() throws {
        let target = MemoryTarget(cheap: false)
        let image = FlashImage(name: "a", address: 0, data: FlashPipelineTests.bytes(0x100, seed: 3))
        target.flash.replaceSubrange(image.range, with: image.data)
        #expect(FlashPipeline.mismatch(try verify(target, [image])) == nil)
    }

    /// Two read-backs that disagree are the line, not a difference (the pipeline's own rule).
    @Test func lineNoiseIsNotADifference() throws {
        let target = MemoryTarget(cheap: false)
        let image = FlashImage(name: "a", address: 0, data: FlashPipelineTests.bytes(0x100, seed: 4))
        target.flash.replaceSubrange(image.range, with: image.data)
        target.readBackFlips = [[5], [9]]
        let error = #expect(throws: BootwireError.self) { try verify(target, [image]) }
        #expect(error?.code == .lineNoise)
    }
}

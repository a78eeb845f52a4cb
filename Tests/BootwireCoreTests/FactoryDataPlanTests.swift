import Foundation
import Testing

@testable import BootwireCore

/// `erase = chip` over factory data no image restores (the module's MFD): erased as the vendor
/// does, but named before anything changes, and in a dry run's plan.
struct FactoryDataPlanTests {
    final class Notes: @unchecked Sendable { var codes: [ErrorCode] = [] }

    func run(_ target: MemoryTarget, images: [FlashImage], _ configure: (inout FlashOptions) -> Void) throws -> (
        FlashOutcome, [ErrorCode]
    ) {
        let notes = Notes()
        var options = FlashOptions()
        configure(&options)
        let pipeline = FlashPipeline(
            options: options,
            events: { event in if case .note(let note) = event, let code = note.code { notes.codes.append(code) } },
            confirm: { _ in Issue.record("erase = chip asked a question") })
        let outcome = try pipeline.run(PreparedImage.prepare(images, compressAbove: nil), on: target)
        return (outcome, notes.codes)
    }

    func target(mfdHoldsData: Bool) -> MemoryTarget {
        let target = MemoryTarget(cheap: true)
        target.factoryData = [FactoryRegion(name: "MFD", range: 0xF000..<0x10000)]
        if mfdHoldsData { target.flash.replaceSubrange(0xF000..<0xF010, with: [UInt8](repeating: 0x42, count: 16)) }
        return target
    }

    let image = FlashImage(name: "fw", address: 0x2000, data: [UInt8](repeating: 0x11, count: 0x100))

    @Test func aDryRunNamesTheFactoryDataAndChangesNothing() throws {
        let target = target(mfdHoldsData: true)
        let (outcome, codes) = try run(target, images: [image]) {
            $0.erase = .chip
            $0.dryRun = true
        }
        #expect(codes.contains(.factoryDataErased))
        #expect(outcome.plan.contains { $0.contains("MFD") })
        #expect(target.flash[0xF000] == 0x42)
    }

    @Test func theRunErasesItAfterSayingSoWithoutAsking() throws {
        let target = target(mfdHoldsData: true)
        let (_, codes) = try run(target, images: [image]) { $0.erase = .chip }
        #expect(codes.contains(.factoryDataErased))
        #expect(target.flash[0xF000..<0x10000].allSatisfy { $0 == 0xFF })
    }

    @Test(arguments: [false, true])
    func onlyWhatIsLostIsNamed(mfdHoldsData: Bool) throws {
        // Erased already (compare mode), or not erased at all (erase = sections).
        let (_, compared) = try run(target(mfdHoldsData: false), images: [image]) { $0.erase = .chip }
        #expect(!compared.contains(.factoryDataErased))
        let (_, sections) = try run(target(mfdHoldsData: true), images: [image]) { $0.erase = .sections }
        #expect(!sections.contains(.factoryDataErased))
        // The whole-chip erase loses it whatever it holds.
        let (_, whole) = try run(target(mfdHoldsData: mfdHoldsData), images: [image]) {
            $0.erase = .chip
            $0.literalChipErase = true
        }
        #expect(whole.contains(.factoryDataErased))
    }
}

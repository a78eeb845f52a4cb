import Foundation
import Testing

@testable import BootwireCore

/// A flash in memory with NOR semantics (programming clears bits, erase sets a unit to 0xFF),
/// for the pipeline's rules without a device.
final class MemoryTarget: FlashTarget {
    var flash: [UInt8]
    let unit: Int
    let comparesCheaply: Bool
    var erasedUnits: [Range<Int>] = []
    var eraseAllCount = 0
    var programmed: [String] = []
    var programmedRanges: [Range<Int>] = []
    /// 0: the pipeline never asks block by block (as for a route without it).
    var eraseBlockSize = 0
    var failProgramAfter: Int?
    var ran = false
    var factoryData: [FactoryRegion] = []

    init(size: Int = 64 * 1024, unit: Int = 4096, cheap: Bool, fill: UInt8 = 0xFF) {
        flash = [UInt8](repeating: fill, count: size)
        self.unit = unit
        comparesCheaply = cheap
    }

    var identity: TargetIdentity { TargetIdentity(name: "memory", journalKey: "memory") }
    var memory: FlashMemory { FlashMemory(range: 0..<flash.count, unit: unit) }

    /// Every range asked about, in order.
    var asked: [Range<Int>] = []

    func holds(_ expected: [UInt8], at address: Int) throws -> Bool? {
        asked.append(address..<address + expected.count)
        return comparesCheaply ? Array(flash[address..<address + expected.count]) == expected : nil
    }

    func erase(_ units: [Range<Int>]) throws {
        for range in units {
            #expect(range.lowerBound % unit == 0 && range.upperBound % unit == 0, "erase of a partial unit \(range)")
            for i in range { flash[i] = 0xFF }
            erasedUnits.append(range)
        }
    }

    func eraseAll() throws {
        eraseAllCount += 1
        flash = [UInt8](repeating: 0xFF, count: flash.count)
    }

    func program(_ image: PreparedImage) throws {
        if let left = failProgramAfter {
            guard left > 0 else { throw BootwireError(.deviceDisconnected, "pulled") }
            failProgramAfter = left - 1
        }
        for (offset, byte) in image.image.data.enumerated() { flash[image.image.address + offset] &= byte }
        programmed.append(image.image.name)
        programmedRanges.append(image.image.range)
    }

    /// Offsets into the image whose bit 0 the next read-backs see flipped (line noise, not
    /// flash): one list per read-back, taken in order.
    var readBackFlips: [[Int]] = []

    func prove(_ image: PreparedImage) throws {
        var readBack = Array(flash[image.image.range])
        if !readBackFlips.isEmpty { for offset in readBackFlips.removeFirst() { readBack[offset] ^= 0x01 } }
        try ReadBackProof.check(image.image, readBack: readBack, hint: "")
    }

    func run(at address: Int?) throws { ran = true }
}

struct FlashPipelineTests {
    static func bytes(_ count: Int, seed: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 * 7) ^ seed }
    }

    func pipeline(_ configure: (inout FlashOptions) -> Void = { _ in }) -> FlashPipeline {
        var options = FlashOptions()
        configure(&options)
        return FlashPipeline(options: options, events: { _ in }, confirm: { _ in })
    }

    func prepared(_ images: [FlashImage]) -> [PreparedImage] { PreparedImage.prepare(images, compressAbove: nil) }

    /// Issue #23 item 10: a read-back mismatch is read a second time before the flash is blamed.
    /// Two read-backs that differ from each other are the line (`line-noise`); the same wrong
    /// bytes twice are the flash (`verify-mismatch`); a clean second read is a warning only.
    @Test func aMismatchIsReadTwiceBeforeTheFlashIsBlamed() throws {
        let image = FlashImage(name: "fw", address: 0x1000, data: Self.bytes(0x800, seed: 0x42))
        func flash(_ flips: [[Int]]) -> (Result<FlashOutcome, any Error>, [ErrorCode]) {
            let target = MemoryTarget(cheap: false)
            target.readBackFlips = flips
            final class Codes: @unchecked Sendable { var all: [ErrorCode] = [] }
            let codes = Codes()
            let pipeline = FlashPipeline(
                options: FlashOptions(),
                events: { event in if case .note(let note) = event, let code = note.code { codes.all.append(code) } },
                confirm: { _ in })
            return (Result { try pipeline.run(prepared([image]), on: target) }, codes.all)
        }
        let (noise, _) = flash([[5], [9]])
        #expect(throws: BootwireError.self) { try noise.get() }
        #expect((noise.failure as? BootwireError)?.code == .lineNoise)
        let (worn, _) = flash([[5], [5]])
        #expect((worn.failure as? BootwireError)?.code == .verifyMismatch)
        let (once, warnings) = flash([[5]])
        #expect(once.success != nil && warnings.contains(.lineNoise))
    }

    /// The field failure: old firmware runs past the new image's last unit. Merging the dirty
    /// tail of that unit with the old firmware beyond it hid the units beyond from the erase.
    @Test func chipEraseByDifferenceLeavesNoOldFirmwareBeyondTheImage() throws {
        let target = MemoryTarget(cheap: true)
        let old = Self.bytes(0x7800, seed: 0x5A)
        target.flash.replaceSubrange(0x2000..<0x9800, with: old)
        let image = FlashImage(name: "fw", address: 0x2000, data: Self.bytes(0x2800, seed: 0x11))
        let outcome = try pipeline { $0.erase = .chip }.run(prepared([image]), on: target)
        #expect(outcome.written.count == 1)
        #expect(target.eraseAllCount == 0, "reached without the whole-chip erase")
        var expected = [UInt8](repeating: 0xFF, count: target.flash.count)
        expected.replaceSubrange(image.range, with: image.data)
        #expect(target.flash == expected)
    }

    /// erase = 1 ends as the vendor's: each image's units erased, then written. An image whose
    /// bytes match but whose last unit still holds an older, longer firmware's tail is written again.
    @Test func anUnchangedImageOverAStaleTailIsWrittenAgain() throws {
        let target = MemoryTarget(cheap: true)
        let image = FlashImage(name: "fw", address: 0x2000, data: Self.bytes(0x1800, seed: 0x21))
        target.flash.replaceSubrange(image.range, with: image.data)
        target.flash.replaceSubrange(image.end..<0x4000, with: Self.bytes(0x4000 - image.end, seed: 0x33))
        let outcome = try pipeline { $0.erase = .sections }.run(prepared([image]), on: target)
        #expect(outcome.written.count == 1)
        #expect(target.flash[image.end..<0x4000].allSatisfy { $0 == 0xFF })
        let again = try pipeline { $0.erase = .sections }.run(prepared([image]), on: target)
        #expect(again.written.isEmpty, "now it is there, tail and all")
    }

    @Test func chipEraseWithoutACheapCompareIsTheRoutesWholeErase() throws {
        let target = MemoryTarget(cheap: false, fill: 0x00)
        let image = FlashImage(name: "app", address: 0x1000, data: Self.bytes(100, seed: 1))
        let outcome = try pipeline { $0.erase = .chip }.run(prepared([image]), on: target)
        #expect(target.eraseAllCount == 1)
        #expect(outcome.erasedAll)
        #expect(Array(target.flash[image.range]) == image.data)
        #expect(target.flash[0..<0x1000].allSatisfy { $0 == 0xFF })
    }

    @Test func aDryRunChangesNothingAndSaysWhatItWouldDo() throws {
        let target = MemoryTarget(cheap: true)
        target.flash.replaceSubrange(0x8000..<0x8100, with: Self.bytes(0x100, seed: 3))
        let before = target.flash
        let image = FlashImage(name: "app", address: 0x1000, data: Self.bytes(5000, seed: 4))
        let outcome = try pipeline {
            $0.erase = .chip
            $0.dryRun = true
        }.run(prepared([image]), on: target)
        #expect(target.flash == before)
        #expect(target.erasedUnits.isEmpty && target.programmed.isEmpty)
        #expect(outcome.dryRun)
        #expect(outcome.erased == [0x8000..<0x9000])
        #expect(outcome.plan.contains { $0.hasPrefix("write app at 0x1000: 5000 bytes") })
    }

    @Test func imagesSharingAUnitAreWrittenTogether() throws {
        let target = MemoryTarget(cheap: true)
        let a = FlashImage(name: "a", address: 0x1000, data: Self.bytes(0x100, seed: 5))
        let b = FlashImage(name: "b", address: 0x1800, data: Self.bytes(0x100, seed: 6))
        _ = try pipeline().run(prepared([a, b]), on: target)
        #expect(target.programmed == ["a", "b"])
        target.programmed = []
        let changed = FlashImage(name: "b", address: 0x1800, data: Self.bytes(0x100, seed: 7))
        _ = try pipeline().run(prepared([a, changed]), on: target)
        // b's erase clears a's unit too, so a is written again though it was unchanged.
        #expect(target.programmed == ["a", "b"])
        #expect(Array(target.flash[a.range]) == a.data)
        let again = try pipeline().run(prepared([a, changed]), on: target)
        #expect(again.written.isEmpty)
    }

    @Test func anInterruptedSessionStaysRecordedUntilItsRangesAreProven() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)")
        let store = JournalStore(folder: folder.path)
        let target = MemoryTarget(cheap: false)
        let big = FlashImage(name: "big", address: 0x4000, data: Self.bytes(0x3000, seed: 8))
        let other = FlashImage(name: "other", address: 0xC000, data: Self.bytes(0x100, seed: 9))
        target.failProgramAfter = 0
        #expect(throws: BootwireError.self) { try pipeline { $0.journals = store }.run(prepared([big]), on: target) }
        #expect(store.journal(for: "memory").leftover() == [0x4000..<0x7000])
        target.failProgramAfter = nil
        final class Codes: @unchecked Sendable { var all: [ErrorCode] = [] }
        let warnings = Codes()
        var options = FlashOptions()
        options.journals = store
        let outcome = try FlashPipeline(
            options: options,
            events: { event in
                if case .note(let note) = event, let code = note.code { warnings.all.append(code) }
            }, confirm: { _ in }
        ).run(prepared([other]), on: target)
        #expect(warnings.all.contains(.interruptedSession))
        #expect(outcome.stillUnproven == [0x4000..<0x7000])
        #expect(store.journal(for: "memory").leftover() == [0x4000..<0x7000], "the record was dropped")
        let repaired = try pipeline { $0.journals = store }.run(prepared([big]), on: target)
        #expect(repaired.stillUnproven.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: store.journal(for: "memory").path))
    }

    @Test func anUnalignedEraseIsWidenedToWholeUnits() throws {
        let target = MemoryTarget(cheap: false, fill: 0)
        let widened = try pipeline().erase(0x1001..<0x1002, on: target)
        #expect(widened == 0x1000..<0x2000)
        #expect(target.flash[0x1000..<0x2000].allSatisfy { $0 == 0xFF })
        #expect(target.flash[0x2000] == 0 && target.flash[0xFFF] == 0)
        #expect(throws: BootwireError.self) { _ = try pipeline().erase(0xFFFF..<0x10001, on: target) }
    }

    @Test func badImagesAreRefusedBeforeTheDevice() throws {
        let flash = 0..<0x10000
        let code = { (images: [FlashImage]) -> ErrorCode? in
            do {
                _ = try FlashImage.validated(images, flash: flash)
                return nil
            } catch let error as BootwireError { return error.code } catch { return .internalError }
        }
        #expect(code([]) == .usage)
        #expect(code([FlashImage(name: "e", address: 0, data: [])]) == .badImage)
        #expect(code([FlashImage(name: "x", address: 0xFFF0, data: Self.bytes(0x20, seed: 0))]) == .imageTooLarge)
        #expect(
            code([
                FlashImage(name: "a", address: 0, data: Self.bytes(0x20, seed: 0)),
                FlashImage(name: "b", address: 0x10, data: Self.bytes(0x20, seed: 0)),
            ]) == .imageOverlap)
    }

    @Test func rangeArithmetic() {
        #expect(RangeSet.subtract([0..<5], from: 3..<10) == [5..<10])
        #expect(RangeSet.subtract([12..<20], from: 3..<10) == [3..<10])
        #expect(RangeSet.subtract([4..<6], from: 3..<10) == [3..<4, 6..<10])
        #expect(RangeSet.subtract([0..<20], from: 3..<10) == [])
        #expect(RangeSet.coalesce([5..<8, 0..<2, 2..<4, 7..<9]) == [0..<4, 5..<9])
        let memory = FlashMemory(units: [0..<16, 16..<64, 64..<192])
        #expect(memory.units(covering: 15..<17) == [0..<16, 16..<64])
        #expect(memory.widened(20..<70) == 16..<192)
        #expect(memory.widened(100..<300) == nil)
    }

    struct Diagnosed: DiagnosedError {
        var error: BootwireError { BootwireError(.flashWriteProtected, "pages 0-3 are write-protected") }
    }

    @Test func aLowerLayersDiagnosisKeepsItsCode() {
        #expect(BootwireError.wrap(Diagnosed()).code == .flashWriteProtected)
    }
}

extension Result {
    var failure: Failure? { if case .failure(let error) = self { error } else { nil } }
    var success: Success? { if case .success(let value) = self { value } else { nil } }
}

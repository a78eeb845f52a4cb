import BootwireCore
import Foundation
import QCC743
import Testing
import VirtualDevices

/// A seeded campaign of sessions mixing faults, offsets, erase modes and stale flash. The one
/// rule: a session that reports success has exactly the expected flash contents.
@Suite struct FaultCampaignTests {
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func range(_ r: ClosedRange<Int>) -> Int { r.lowerBound + below(r.count) }
    }

    /// memcmp: the generic `==` over 4 MiB arrays was a third of this suite's time in a debug build.
    static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count
            && a.withUnsafeBytes { pa in
                b.withUnsafeBytes { pb in memcmp(pa.baseAddress!, pb.baseAddress!, a.count) == 0 }
            }
    }

    /// 200 sessions against the default ROM, and 15 against each ROM of the silicon notes.
    @Test(arguments: [("default", 200)] + SiliconBehaviourTests.settings.map { ($0, 15) })
    func noSessionReportsSuccessOverWrongFlash(rom: String, sessions: Int) throws {
        var rng = SplitMix(state: 0xB007_317E)
        var succeeded = 0
        var outcomes: [String: Int] = [:]
        var configuration = VirtualQCC743.Configuration()
        configuration.rom = try ROMBehaviour.parse(rom == "default" ? [] : [rom])
        for index in 0..<sessions {
            let faults: [Fault]
            switch rng.below(10) {
            case 0, 1: faults = [.corrupt(every: rng.range(700...9000))]
            case 2, 3: faults = [.resetAfter(bytes: rng.range(200...12_000))]
            case 4: faults = [.disconnectAfter(bytes: rng.range(200...12_000))]
            case 5: faults = [.corrupt(every: rng.range(900...5000)), .resetAfter(bytes: rng.range(500...9000))]
            case 6: faults = index % 25 == 6 ? [.baudLimit(1_000_000)] : [.silent]
            case 7: faults = [[.echo, .application, .silent][rng.below(3)]]
            default: faults = []
            }
            var stale = [UInt8](repeating: 0xFF, count: 4 << 20)
            for _ in 0..<rng.below(4) {
                let at = rng.below(stale.count - 5000)
                for i in at..<(at + rng.range(1...5000)) { stale[i] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            let images = [
                FlashImage(
                    name: "boot", address: 0, data: firmwareLike(rng.range(300...9000), seed: UInt32(index))),
                FlashImage(
                    name: "app", address: 0x10000 + rng.below(16) * 0x1000,
                    data: firmwareLike(rng.range(5000...24_000), seed: UInt32(index) + 7)),
            ]
            var options = FlashOptions()
            options.erase = rng.below(2) == 0 ? .sections : .chip
            let model = VirtualQCC743.make(configuration: configuration, faults: faults, flash: stale)
            // In memory, on a simulated clock: the ROM's 2 s idle timeout and every wait for an
            // answer that never comes cost no wall-clock time, and each run takes the same path.
            let port = VirtualLink(device: model, wire: .instant, faults: faults)
            let ok: Bool
            var code = "ok"
            do {
                var connect = ConnectOptions()
                connect.idleTimeoutMilliseconds = 2000
                // A reset device never answers the chunk it was sent: the work's own waits only.
                connect.patience = 0
                let pipeline = FlashPipeline(options: options, events: { _ in }, confirm: { _ in })
                let prepared = PreparedImage.prepare(images, compressAbove: BouffaloChip.qcc743.compressAbove)
                _ = try QCC743Session.run(link: port, options: connect, events: { _ in }) { session in
                    try pipeline.run(prepared, on: ModuleFlashTarget(session: session, efuseImage: nil))
                }
                ok = true
            } catch {
                ok = false
                code = BootwireError.wrap(error).code.rawValue
            }
            outcomes[code, default: 0] += 1
            guard ok else { continue }
            succeeded += 1
            var expected = options.erase == .chip ? [UInt8](repeating: 0xFF, count: 4 << 20) : stale
            if options.erase == .sections {
                for image in images {
                    let sectors = FlashMemory(range: 0..<(4 << 20), unit: 4096).widened(image.range)!
                    // Sectors the job erased end as 0xFF where the image does not cover them;
                    // sectors it skipped keep what they had, which already matched, tail and all.
                    var wanted = [UInt8](repeating: 0xFF, count: sectors.count)
                    for other in images where other.range.overlaps(sectors) {
                        let from = max(other.address, sectors.lowerBound)
                        let to = min(other.end, sectors.upperBound)
                        wanted.replaceSubrange(
                            (from - sectors.lowerBound)..<(to - sectors.lowerBound),
                            with: other.data[(from - other.address)..<(to - other.address)])
                    }
                    if Self.same(Array(stale[sectors]), wanted) { continue }
                    for i in sectors { expected[i] = 0xFF }
                }
            }
            for image in images { expected.replaceSubrange(image.address..<image.end, with: image.data) }
            // A Bool, so that a failure does not print two 4 MiB arrays.
            let right = Self.same(model.flash.bytes, expected)
            #expect(
                right,
                "\(rom) session \(index) (faults \(faults), erase \(options.erase)) reported success over wrong flash")
        }
        // The campaign must exercise both outcomes, or it proves nothing.
        #expect(succeeded > sessions / 2, "\(rom) outcomes: \(outcomes)")
        #expect(outcomes.count > 2, "\(rom) outcomes: \(outcomes)")
    }
}

import QCC743
import Testing

/// Bootwire never gives up on a command sooner than the vendor's tool would
/// (bflb-flash-command-uart 1.4.3: docs/qcc743-timing.md).
@Suite struct ISPTimeoutsTests {
    let vendor = ISPTimeouts()

    /// The vendor's own formulas, written out from its source.
    func vendorHash(_ length: Int) -> Double {
        length > 2 << 20 ? max(4, 2 * (Double(length) / Double(2 << 20) + 1)) : 4
    }

    @Test(arguments: [0, 4096, 1_301_888, 2 << 20, (2 << 20) + 1, 4 << 20])
    func noWaitIsShorterThanTheVendors(length: Int) {
        #expect(vendor.hash(length: length) >= vendorHash(length))
        #expect(vendor.hashBracket >= 4)
        #expect(vendor.command(wire: 0.1) >= 2)
        #expect(vendor.erase(sectors: max(1, length / 4096)) >= 100)
        #expect(vendor.chipErase >= 100)
        #expect(vendor.compressedChunk(work: 0.01) >= 30)
        #expect(vendor.plainWrite(work: 0.01) >= 2)
        #expect(vendor.afterClockSetMilliseconds >= 110)
    }

    @Test func theWorkStillRulesWhereItIsLonger() {
        // 1024 sectors at the datasheet's 400 ms maximum outlast the vendor's 100 s.
        #expect(vendor.erase(sectors: 1024) > 400)
        // A 64 MiB hash at 1 MB/s outlasts the vendor's formula.
        #expect(vendor.hash(length: 64 << 20) >= Double(64 << 20) / 1_000_000)
    }

    @Test func patienceZeroKeepsOnlyTheWorkAndTheWire() {
        let impatient = ISPTimeouts(patience: 0)
        #expect(impatient.command(wire: 0.4) == 0.4)
        #expect(impatient.hash(length: 1_000_000) == 1.5)
        #expect(impatient.compressedChunk(work: 0.7) == 0.7)
        // The wait after clk_set is not a timeout: the vendor's whatever the patience.
        #expect(impatient.afterClockSetMilliseconds == 110)
    }

    @Test func bootInfoOfBothROMRevisionsIsAccepted() {
        let a1 = BootInfo(bytes: [0x02, 0x00, 0x16, 0x06] + [UInt8](repeating: 0, count: 24))
        let a0 = BootInfo(bytes: [0x01, 0x00, 0x16, 0x06] + [UInt8](repeating: 0, count: 18) + [0x80, 0x10])
        #expect(a1?.hasSetTimeout == true)
        #expect(a0?.hasSetTimeout == false)
        #expect(a0?.chipFamily == "bl616 a0 (QCC743)")
        #expect(BootInfo(bytes: [UInt8](repeating: 0, count: 26)) == nil)
    }
}

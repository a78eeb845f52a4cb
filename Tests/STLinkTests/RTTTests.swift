import ArmDebug
import BootwireCore
import Testing

/// SEGGER RTT's host side over a probe that is plain memory: finding the control block,
/// reading up-buffers across the wrap, writing down-buffer 0 without touching unread bytes,
/// and refusing blocks whose descriptors lead nowhere.
@Suite struct RTTTests {
    /// 8 KiB of SRAM at 0x20000000 and 4 KiB of "flash" at 0x08000000; anything else faults,
    /// as an unmapped address does on a real bus.
    final class MemoryProbe: DebugProbe {
        let name = "memory"
        let firmware = "1"
        let serial: String? = nil
        let voltage: Double? = nil
        var clockKHz = 4000
        var tarBoundary = 1024
        var accessPort: UInt8 = 0
        var regions: [UInt32: [UInt8]] = [
            0x2000_0000: [UInt8](repeating: 0, count: 8 << 10), 0x0800_0000: [UInt8](repeating: 0xFF, count: 4 << 10),
        ]
        var reads = 0

        func setClock(kHz: Int) throws -> Int { kHz }
        func enterSWD() throws {}
        func readDPIDR() throws -> UInt32 { 0 }
        func selectAP(_ port: UInt8) throws {}
        func setReset(asserted: Bool) throws {}
        func exitDebug() {}

        func locate(_ address: UInt32, _ count: Int) throws -> (UInt32, Int) {
            for (base, bytes) in regions
            where address >= base && UInt64(address) + UInt64(count) <= UInt64(base) + UInt64(bytes.count) {
                return (base, Int(address - base))
            }
            throw ProbeError(.fault(address: address), operation: "memory", status: "fault", probe: name)
        }
        func readMemory(_ address: UInt32, count: Int) throws -> [UInt8] {
            reads += 1
            let (base, offset) = try locate(address, count)
            return Array(regions[base]![offset..<offset + count])
        }
        func writeMemory(_ address: UInt32, _ bytes: [UInt8]) throws {
            let (base, offset) = try locate(address, bytes.count)
            regions[base]!.replaceSubrange(offset..<offset + bytes.count, with: bytes)
        }
        func readWord(_ address: UInt32) throws -> UInt32 {
            try readMemory(address, count: 4).enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * $1.offset) }
        }
        func writeWord(_ address: UInt32, _ value: UInt32) throws {
            try writeMemory(address, (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
        }
        func words(_ address: UInt32, _ values: [UInt32]) {
            for (i, value) in values.enumerated() { try! writeWord(address + UInt32(4 * i), value) }
        }
    }

    static let ram = [RTTRegion(base: 0x2000_0000, size: 8 << 10)]
    static let flash = [RTTRegion(base: 0x0800_0000, size: 4 << 10)]

    /// A block at `at` with one up-buffer (16 bytes at 0x20001000, named "Terminal" in flash)
    /// and one down-buffer (8 bytes at 0x20001100).
    static func probe(
        block at: UInt32 = 0x2000_0200, up: (write: UInt32, read: UInt32) = (0, 0),
        down: (write: UInt32, read: UInt32) = (0, 0)
    ) -> MemoryProbe {
        let probe = MemoryProbe()
        try! probe.writeMemory(0x0800_0100, Array("Terminal".utf8) + [0])
        probe.words(at + 16, [1, 1])
        probe.words(at + 24, [0x0800_0100, 0x2000_1000, 16, up.write, up.read, 0])
        probe.words(at + 48, [0, 0x2000_1100, 8, down.write, down.read, 0])
        try! probe.writeMemory(at, RTTLayout.id)
        return probe
    }

    static func attach(_ probe: MemoryProbe, _ search: RTTSearch = .scan(ram)) throws -> RTTHost {
        try RTTHost.attach(probe: probe, search: search, ram: ram, names: flash)
    }

    @Test func findsTheBlockAcrossTwoScanReadsAndReadsItsDescriptors() throws {
        // The ID straddles the first 4 KiB read: the overlap finds it once.
        let probe = Self.probe(block: 0x2000_0FF8)
        let host = try Self.attach(probe)
        #expect(host.block.address == 0x2000_0FF8)
        #expect(host.block.up.map(\.name) == ["Terminal"])
        #expect(host.block.up.first?.buffer == 0x2000_1000)
        #expect(host.block.down.first?.size == 8)
    }

    @Test func readsAnUpBufferThatWrapsAndAdvancesRdOff() throws {
        let probe = Self.probe(up: (write: 3, read: 10))
        try probe.writeMemory(0x2000_1000, Array("DEFxxxxxxxABCDEF".utf8))
        let host = try Self.attach(probe, .exact(0x2000_0200))
        // Offsets 10–15, then 0–2: nine bytes in order.
        #expect(String(decoding: try host.read(up: 0), as: UTF8.self) == "ABCDEFDEF")
        #expect(try probe.readWord(0x2000_0200 + 24 + RTTLayout.readOffset) == 3)
        #expect(try host.read(up: 0).isEmpty)
    }

    @Test func aPartialReadLeavesTheRestForTheNextCall() throws {
        let probe = Self.probe(up: (write: 3, read: 10))
        try probe.writeMemory(0x2000_1000, Array("DEFxxxxxxxABCDEF".utf8))
        let host = try Self.attach(probe)
        #expect(String(decoding: try host.read(up: 0, max: 4), as: UTF8.self) == "ABCD")
        #expect(try probe.readWord(0x2000_0200 + 24 + RTTLayout.readOffset) == 14)
        #expect(String(decoding: try host.read(up: 0, max: 100), as: UTF8.self) == "EFDEF")
    }

    @Test func writesOnlyIntoFreeSpaceOfDownBuffer0() throws {
        // Size 8, RdOff 2, WrOff 5: bytes 2–4 unread, 4 bytes free (one always stays empty).
        let probe = Self.probe(down: (write: 5, read: 2))
        try probe.writeMemory(0x2000_1100, Array("..uuu...".utf8))
        let host = try Self.attach(probe)
        #expect(try host.write(down: 0, Array("0123456789".utf8)) == 4)
        #expect(try probe.readMemory(0x2000_1100, count: 8) == Array("3.uuu012".utf8))
        #expect(try probe.readWord(0x2000_0200 + 48 + RTTLayout.writeOffset) == 1)
        // Full now: nothing more is taken and WrOff stays.
        #expect(try host.write(down: 0, Array("z".utf8)) == 0)
        #expect(try probe.readWord(0x2000_0200 + 48 + RTTLayout.writeOffset) == 1)
    }

    @Test func noBlockIsRTTNotFoundWhetherScannedOrNamed() throws {
        let probe = MemoryProbe()
        #expect(throws: BootwireError.self) { try Self.attach(probe) }
        do {
            _ = try Self.attach(probe)
        } catch let error as BootwireError {
            #expect(error.code == .rttNotFound)
            #expect(error.evidence["searched"] == "0x20000000+8192")
        }
        do {
            _ = try Self.attach(Self.probe(), .exact(0x2000_0400))
            Issue.record("a block at another address was taken")
        } catch let error as BootwireError {
            #expect(error.code == .rttNotFound)
            #expect(error.evidence["address"] == "0x20000400")
        }
    }

    @Test func aScanPastTheEndOfRAMStopsAtTheFault() throws {
        // The region is a guess twice the RAM's size: the read that faults ends it.
        let host = try RTTHost.attach(
            probe: Self.probe(block: 0x2000_1F00), search: .scan([RTTRegion(base: 0x2000_0000, size: 16 << 10)]),
            ram: Self.ram)
        #expect(host.block.address == 0x2000_1F00)
        #expect(host.block.up.first?.name == nil)
    }

    @Test func descriptorsThatLeadOutsideRAMOrPastTheirBufferAreRTTCorrupted() throws {
        let cases: [(String, (MemoryProbe) -> Void)] = [
            ("pBuffer in flash", { $0.words(0x2000_0200 + 24 + 4, [0x0800_0000]) }),
            ("buffer runs past RAM", { $0.words(0x2000_0200 + 24 + 4, [0x2000_1FF8]) }),
            ("WrOff past the size", { $0.words(0x2000_0200 + 24 + 12, [16]) }),
            ("RdOff past the size", { $0.words(0x2000_0200 + 48 + 16, [9]) }),
            ("a thousand up-buffers", { $0.words(0x2000_0200 + 16, [1000]) }),
            ("mode 3", { $0.words(0x2000_0200 + 24 + 20, [3]) }),
        ]
        for (what, damage) in cases {
            let probe = Self.probe()
            damage(probe)
            do {
                _ = try Self.attach(probe)
                Issue.record("\(what): accepted")
            } catch let error as BootwireError {
                #expect(error.code == .rttCorrupted, "\(what)")
            }
        }
        // Damage after attaching is caught at the next access, before any byte moves.
        let probe = Self.probe(up: (write: 1, read: 0))
        let host = try Self.attach(probe)
        probe.words(0x2000_0200 + 24 + 12, [40])
        #expect(throws: BootwireError.self) { try host.read(up: 0) }
        #expect(try probe.readWord(0x2000_0200 + 24 + RTTLayout.readOffset) == 0)
    }

    @Test func anUnusedSlotIsSkippedAndAMissingBufferIsNamed() throws {
        let probe = Self.probe()
        probe.words(0x2000_0200 + 48 + 4, [0])
        let host = try Self.attach(probe)
        #expect(host.block.down.isEmpty)
        do {
            _ = try host.write(down: 0, [1])
            Issue.record("wrote to a buffer that is not in use")
        } catch let error as BootwireError {
            #expect(error.code == .rttNotFound)
        }
    }

    @Test func theRingKeepsOneByteFree() {
        var ring = RTTRing(size: 8, write: 0, read: 0)
        #expect(ring.used == 0 && ring.free == 7)
        ring.produce(7)
        #expect(ring.free == 0 && ring.writeRuns(max: 1).isEmpty)
        ring.consume(5)
        #expect(ring.readRuns(max: 10).map(\.count) == [2])
        #expect(ring.writeRuns(max: 10).map(\.offset) == [7, 0])
        #expect(ring.writeRuns(max: 10).map(\.count) == [1, 4])
    }
}

import Testing

@testable import VirtualDevices

/// The core that runs what a debugger loads into SRAM. The programs are this project's own,
/// assembled with GNU as for Cortex-M4 (source in the comments).
@Suite struct VirtualCortexMTests {
    /// 4 KiB of RAM at 0x2000_0000; everything else faults.
    final class RAM: CortexBus {
        var bytes = [UInt8](repeating: 0, count: 4096)
        let base: UInt32 = 0x2000_0000

        func cpuRead(_ address: UInt32, size: Int) -> UInt32? {
            guard address >= base, Int(address - base) + size <= bytes.count else { return nil }
            let at = Int(address - base)
            return (0..<size).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) }
        }

        func cpuWrite(_ address: UInt32, _ value: UInt32, size: Int) -> Bool {
            guard address >= base, Int(address - base) + size <= bytes.count else { return false }
            for i in 0..<size { bytes[Int(address - base) + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
            return true
        }

        func load(_ code: [UInt8], at offset: Int = 0) {
            bytes.replaceSubrange(offset..<offset + code.count, with: code)
        }
        func word(_ offset: Int) -> UInt32 { cpuRead(base + UInt32(offset), size: 4)! }
    }

    /// copy: ldr.w r3,[r0],#4 / str r3,[r1] / adds r1,#4 / subs r2,#4 / bgt copy / bkpt
    static let copy: [UInt8] = [0x50, 0xF8, 0x04, 0x3B, 0x0B, 0x60, 0x04, 0x31, 0x04, 0x3A, 0xF9, 0xDC, 0x00, 0xBE]
    /// fifo: ldr r4,[r0] / cmp r4,#0 / beq fifo / movs r5,#0x55 / str r5,[r0,#4] / bkpt
    static let fifo: [UInt8] = [0x04, 0x68, 0x00, 0x2C, 0xFC, 0xD0, 0x55, 0x25, 0x45, 0x60, 0x00, 0xBE]
    /// push {r4,lr} / movw r4,#0x1234 / movt r4,#0xABCD / cmp r2,#3 / it hi / movhi r2,#3 /
    /// cbz r2,done / loop: ldrh.w r3,[r0],#2 / strh.w r3,[r1],#2 / subs r2,#1 / bne loop /
    /// done: tst.w r4,#0x10000 / ite ne / movne r5,#1 / moveq r5,#2 / ldr r6,=0x40022010 /
    /// pop {r4,r7} / bkpt. Assembled at offset 0x1A: the literal's PC alignment needs it there.
    static let mixed: [UInt8] = [
        0x10, 0xB5, 0x41, 0xF2, 0x34, 0x24, 0xCA, 0xF6, 0xCD, 0x34, 0x03, 0x2A, 0x88, 0xBF, 0x03, 0x22, 0x2A, 0xB1,
        0x30, 0xF8, 0x02, 0x3B, 0x21, 0xF8, 0x02, 0x3B, 0x01, 0x3A, 0xF9, 0xD1, 0x14, 0xF4, 0x80, 0x3F, 0x14, 0xBF,
        0x01, 0x25, 0x02, 0x25, 0x01, 0x4E, 0x90, 0xBC, 0x00, 0xBE, 0x10, 0x20, 0x02, 0x40,
    ]

    @Test func aCopyLoopRunsToItsBreakpoint() {
        let ram = RAM()
        ram.load(Self.copy)
        let source: [UInt8] = (0..<32).map { UInt8($0 * 7 + 1) }
        ram.load(source, at: 0x100)
        let core = VirtualCortexM()
        core.setRegister(0, 0x2000_0100)
        core.setRegister(1, 0x2000_0200)
        core.setRegister(2, 32)
        core.setRegister(15, 0x2000_0000)
        core.setRegister(16, 1 << 24)
        #expect(core.run(bus: ram, budget: 10_000) == .breakpoint)
        #expect(Array(ram.bytes[0x200..<0x220]) == source)
        #expect(core.register(2) == 0)
        #expect(core.register(15) == 0x2000_000C, "halted on the BKPT")
    }

    /// A loop that only the host can end returns control instead of burning its budget, and
    /// goes on once the host has written.
    @Test func aWaitOnHostMemoryYieldsAndResumes() {
        let ram = RAM()
        ram.load(Self.fifo)
        let core = VirtualCortexM()
        core.setRegister(0, 0x2000_0400)
        core.setRegister(15, 0x2000_0000)
        core.setRegister(16, 1 << 24)
        #expect(core.run(bus: ram, budget: 1_000_000) == .waiting)
        #expect(core.executed < 100)
        #expect(ram.cpuWrite(0x2000_0400, 1, size: 4))
        #expect(core.run(bus: ram, budget: 1_000) == .breakpoint)
        #expect(ram.word(0x404) == 0x55)
    }

    @Test func stackITBlocksHalfwordsAndLiterals() {
        let ram = RAM()
        ram.load(Self.mixed, at: 0x1A)
        ram.load([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88], at: 0x100)
        let core = VirtualCortexM()
        core.setRegister(0, 0x2000_0100)
        core.setRegister(1, 0x2000_0200)
        core.setRegister(2, 5)
        core.setRegister(13, 0x2000_0800)
        core.setRegister(4, 0x0BAD_F00D)
        core.setRegister(14, 0xDEAD_BEEF)
        core.setRegister(15, 0x2000_001A)
        core.setRegister(16, 1 << 24)
        #expect(core.run(bus: ram, budget: 10_000) == .breakpoint)
        #expect(Array(ram.bytes[0x200..<0x208]) == [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0, 0], "three halfwords")
        #expect(core.register(4) == 0x0BAD_F00D, "r4 (0xABCD1234 by MOVW/MOVT) came back off the stack")
        #expect(core.register(5) == 1, "bit 16 of 0xABCD1234 is set: the NE arm")
        #expect(core.register(6) == 0x4002_2010)
        #expect(core.register(7) == 0xDEAD_BEEF, "LR came back off the stack")
        #expect(core.register(13) == 0x2000_0800)
    }

    @Test func anUnknownInstructionOrABusFaultStopsTheCore() {
        let ram = RAM()
        ram.load([0x00, 0xDE])  // UDF
        let core = VirtualCortexM()
        core.setRegister(15, 0x2000_0000)
        core.setRegister(16, 1 << 24)
        guard case .fault = core.run(bus: ram, budget: 10) else {
            Issue.record("UDF must stop the core")
            return
        }
        ram.load([0x04, 0x68, 0x00, 0xBE])  // ldr r4,[r0] / bkpt, with r0 outside RAM
        core.setRegister(0, 0x1000_0000)
        core.setRegister(15, 0x2000_0000)
        guard case .fault(let pc, _) = core.run(bus: ram, budget: 10) else {
            Issue.record("a load from nowhere must stop the core")
            return
        }
        #expect(pc == 0x2000_0000)
    }

    @Test func xpsrKeepsFlagsAndTheThumbBit() {
        let core = VirtualCortexM()
        core.setRegister(16, 0xF100_0000)
        #expect(core.register(16) == 0xF100_0000)
        core.setRegister(17, 0x2000_1003)
        #expect(core.register(13) == 0x2000_1000, "MSP is the stack pointer, word aligned")
    }
}

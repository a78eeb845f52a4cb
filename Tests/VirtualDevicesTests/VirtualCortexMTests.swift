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

    /// udiv r8,r4,r8 (OpenOCD's STM32H7 loader: the write-word size in words) / sdiv r0,r1,r10 /
    /// mul r3,r1,r2 / mls r5,r1,r2,r6 / udiv r7,r1,r9 (by zero) / bkpt. Hand-encoded (ARMv7-M
    /// A7.7.76, A7.7.84, A7.7.127, A7.7.195).
    @Test func multiplyAndDivideRunAsTheH7LoaderNeeds() {
        let ram = RAM()
        ram.load([
            0xB4, 0xFB, 0xF8, 0xF8, 0x91, 0xFB, 0xFA, 0xF0, 0x01, 0xFB, 0x02, 0xF3, 0x01, 0xFB, 0x12, 0x65,
            0xB1, 0xFB, 0xF9, 0xF7, 0x00, 0xBE,
        ])
        let core = VirtualCortexM()
        for (register, value) in [(1, 100), (2, 7), (4, 32), (6, 1000), (7, 5), (8, 4), (9, 0)] {
            core.setRegister(UInt32(register), UInt32(value))
        }
        core.setRegister(10, UInt32(bitPattern: -7))
        core.setRegister(15, 0x2000_0000)
        core.setRegister(16, 1 << 24)
        #expect(core.run(bus: ram, budget: 100) == .breakpoint)
        #expect(core.register(8) == 8)
        #expect(Int32(bitPattern: core.register(0)) == -14)
        #expect(core.register(3) == 700)
        #expect(core.register(5) == 300)
        #expect(core.register(7) == 0)
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

    /// cpsid i / cpsid f / cpsie f / bkpt: ST's STM32H7 flash algorithm (pyOCD's
    /// `target_STM32H743xx.py`) starts Init with CPSID I. PRIMASK and FAULTMASK read back in the
    /// DCRSR word 20 (ARMv7-M A7.7.24, C1.6.3).
    @Test func changeProcessorStateSetsTheMasks() {
        let ram = RAM()
        ram.load([0x72, 0xB6, 0x71, 0xB6, 0x61, 0xB6, 0x00, 0xBE])
        let core = VirtualCortexM()
        core.setRegister(15, 0x2000_0000)
        core.setRegister(16, 1 << 24)
        #expect(core.run(bus: ram, budget: 100) == .breakpoint)
        #expect(core.register(20) == 0x0000_0001, "PRIMASK set, FAULTMASK set then cleared")
    }

    /// ubfx r5,r2,#17,#4 / sbfx r0,r1,#4,#8 / bfi r3,r4,#8,#4 / bfc r6,#0,#3 /
    /// push.w {r4-r11,lr} / movs r4,#0 / pop.w {r4-r11,lr} / bkpt: what ST's STM32H7 flash
    /// algorithms (pyOCD's H743 and H723 targets) use to pick the bank and sector and to save
    /// registers. Hand-encoded (ARMv7-M A7.7.193, A7.7.113, A7.7.14, A7.7.13, A7.7.160, A7.7.41).
    @Test func bitfieldsAndWideLoadStoreMultipleRunAsTheH7AlgorithmsNeed() {
        let ram = RAM()
        ram.load([
            0xC2, 0xF3, 0x43, 0x45, 0x41, 0xF3, 0x07, 0x10, 0x64, 0xF3, 0x0B, 0x23, 0x6F, 0xF3, 0x02, 0x06,
            0x2D, 0xE9, 0xF0, 0x4F, 0x00, 0x24, 0xBD, 0xE8, 0xF0, 0x4F, 0x00, 0xBE,
        ])
        let core = VirtualCortexM()
        let values: [UInt32: UInt32] = [1: 0x0F80, 2: 0x001E_0000, 3: 0xFFFF_FFFF, 4: 5, 6: 0xFF, 14: 0x1234]
        for (register, value) in values { core.setRegister(register, value) }
        for register in UInt32(7)...11 { core.setRegister(register, register * 0x11) }
        core.setRegister(13, 0x2000_1000)
        core.setRegister(15, 0x2000_0000)
        core.setRegister(16, 1 << 24)
        #expect(core.run(bus: ram, budget: 100) == .breakpoint)
        #expect(core.register(5) == 0xF)
        #expect(core.register(0) == 0xFFFF_FFF8)
        #expect(core.register(3) == 0xFFFF_F5FF)
        #expect(core.register(6) == 0xF8)
        #expect(core.register(4) == 5, "POP.W restored what PUSH.W saved")
        #expect(core.register(13) == 0x2000_1000 && core.register(14) == 0x1234 && core.register(11) == 11 * 0x11)
        #expect(ram.word(0x1000 - 36) == 5 && ram.word(0x1000 - 4) == 0x1234, "STMDB: lowest register lowest")
    }
}

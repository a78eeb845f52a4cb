/// The memory a core reads and writes: the part's bus as the CPU sees it (no debugger side
/// effects). nil / false: a bus fault.
protocol CortexBus: AnyObject {
    func cpuRead(_ address: UInt32, size: Int) -> UInt32?
    func cpuWrite(_ address: UInt32, _ value: UInt32, size: Int) -> Bool
}

/// A Cortex-M core executing Thumb code, enough of the ARMv7-M instruction set for what debuggers
/// download into SRAM and run (stlink-org's flash loaders, OpenOCD's flash algorithms): loads and
/// stores of every width and addressing form they use, the data-processing instructions with
/// their flags, compare-and-branch, IT blocks, PUSH/POP, BKPT. An instruction outside that set
/// stops the core as a fault would, so a gap shows as a failed run, never as wrong flash.
final class VirtualCortexM {
    enum Stop: Equatable {
        /// BKPT: the core halts in debug state (DFSR.BKPT).
        case breakpoint
        /// A bus fault or an instruction this model does not carry.
        case fault(pc: UInt32, why: String)
        /// The code is waiting in a loop on memory only the debugger changes (a FIFO pointer):
        /// nothing more happens until the host writes.
        case waiting
        /// The instruction budget ran out.
        case budget
    }

    var r = [UInt32](repeating: 0, count: 16)
    var n = false, z = false, c = false, v = false
    var thumb = true
    private var itState: UInt8 = 0
    /// Special registers by DCRSR REGSEL (CONTROL/PRIMASK word, FPSCR, S0–S31): kept, not used.
    var other: [UInt32: UInt32] = [:]
    var msp: UInt32 = 0
    var psp: UInt32 = 0
    private(set) var executed = 0

    /// DCRSR REGSEL numbering (also the ST-LINK's READREG/WRITEREG index): 0–15 core registers,
    /// 16 xPSR, 17 MSP, 18 PSP.
    func register(_ select: UInt32) -> UInt32 {
        switch select {
        case 0...15: return r[Int(select)]
        case 16: return xpsr
        case 17: return r[13]
        case 18: return psp
        default: return other[select] ?? 0
        }
    }

    func setRegister(_ select: UInt32, _ value: UInt32) {
        switch select {
        case 0...12, 14: r[Int(select)] = value
        case 13:
            r[13] = value & ~3
            msp = r[13]
        case 15: r[15] = value & ~1
        case 16: xpsr = value
        case 17:
            msp = value & ~3
            r[13] = msp
        case 18: psp = value & ~3
        default: other[select] = value
        }
    }

    var xpsr: UInt32 {
        get {
            (n ? 1 << 31 : 0) | (z ? 1 << 30 : 0) | (c ? 1 << 29 : 0) | (v ? 1 << 28 : 0) | (thumb ? 1 << 24 : 0)
                | UInt32(itState & 3) << 25 | UInt32(itState >> 2) << 10
        }
        set {
            n = newValue & 1 << 31 != 0
            z = newValue & 1 << 30 != 0
            c = newValue & 1 << 29 != 0
            v = newValue & 1 << 28 != 0
            thumb = newValue & 1 << 24 != 0
            itState = UInt8((newValue >> 25) & 3) | UInt8((newValue >> 10) & 0x3F) << 2
        }
    }

    /// The reset sequence: SP and PC from the vector table.
    func reset(bus: CortexBus, vectorTable: UInt32) {
        r = [UInt32](repeating: 0, count: 16)
        msp = (bus.cpuRead(vectorTable, size: 4) ?? 0) & ~3
        r[13] = msp
        r[14] = 0xFFFF_FFFF
        r[15] = (bus.cpuRead(vectorTable + 4, size: 4) ?? 0) & ~1
        xpsr = 1 << 24
    }

    /// Runs until a stop. A backward branch that finds the registers and flags as they were the
    /// last time it jumped there (compared by a fingerprint), with no store in between, is a wait
    /// on outside memory. A fingerprint that matched by chance only hands control back early:
    /// the next `run` goes on from there.
    func run(bus: CortexBus, budget: Int) -> Stop {
        var lastLoop: (target: UInt32, fingerprint: UInt64)?
        var storedSinceLoop = false
        for _ in 0..<budget {
            let pc = r[15]
            guard thumb else { return .fault(pc: pc, why: "not in Thumb state (xPSR.T clear)") }
            guard let hw1 = bus.cpuRead(pc, size: 2) else { return .fault(pc: pc, why: "instruction fetch") }
            let wide = hw1 >> 11 >= 0b11101
            var hw2: UInt32 = 0
            if wide {
                guard let second = bus.cpuRead(pc &+ 2, size: 2) else { return .fault(pc: pc, why: "fetch") }
                hw2 = second
            }
            let conditionPasses = itState == 0 || passes(UInt32(itState >> 4))
            let inIT = itState != 0
            if inIT { advanceIT() }
            r[15] = pc &+ (wide ? 4 : 2)
            executed += 1
            guard conditionPasses else { continue }
            let outcome =
                wide
                ? execute32(hw1, hw2, pc: pc, bus: bus) : execute16(hw1, pc: pc, inIT: inIT, bus: bus)
            switch outcome {
            case .next: break
            case .stored: storedSinceLoop = true
            case .stop(let stop):
                r[15] = pc
                return stop
            }
            if r[15] < pc {
                let print = fingerprint()
                if let last = lastLoop, last.target == r[15], last.fingerprint == print, !storedSinceLoop {
                    return .waiting
                }
                lastLoop = (r[15], print)
                storedSinceLoop = false
            }
        }
        return .budget
    }

    private func fingerprint() -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for value in r { hash = (hash ^ UInt64(value)) &* 0x100_0000_01B3 }
        return (hash ^ UInt64(xpsr)) &* 0x100_0000_01B3
    }

    private enum Outcome {
        case next, stored
        case stop(Stop)
    }

    // MARK: flags and conditions

    private func passes(_ cond: UInt32) -> Bool {
        switch cond {
        case 0: z
        case 1: !z
        case 2: c
        case 3: !c
        case 4: n
        case 5: !n
        case 6: v
        case 7: !v
        case 8: c && !z
        case 9: !c || z
        case 10: n == v
        case 11: n != v
        case 12: !z && n == v
        case 13: z || n != v
        default: true
        }
    }

    private func advanceIT() {
        if itState & 7 == 0 { itState = 0 } else { itState = itState & 0xE0 | (itState << 1) & 0x1F }
    }

    private func addWithCarry(_ x: UInt32, _ y: UInt32, _ carry: Bool, setFlags: Bool) -> UInt32 {
        let wide = UInt64(x) + UInt64(y) + (carry ? 1 : 0)
        let result = UInt32(truncatingIfNeeded: wide)
        if setFlags {
            n = result >> 31 == 1
            z = result == 0
            c = wide >> 32 != 0
            v = (x >> 31 == y >> 31) && (result >> 31 != x >> 31)
        }
        return result
    }

    private func logical(_ result: UInt32, carry: Bool?, setFlags: Bool) -> UInt32 {
        if setFlags {
            n = result >> 31 == 1
            z = result == 0
            if let carry { c = carry }
        }
        return result
    }

    /// ThumbExpandImm_C: the 12-bit modified immediate and its carry.
    private func expandImmediate(_ imm12: UInt32) -> (UInt32, Bool?) {
        let byte = imm12 & 0xFF
        if imm12 >> 10 == 0 {
            switch (imm12 >> 8) & 3 {
            case 0: return (byte, nil)
            case 1: return (byte << 16 | byte, nil)
            case 2: return (byte << 24 | byte << 8, nil)
            default: return (byte << 24 | byte << 16 | byte << 8 | byte, nil)
            }
        }
        let unrotated = 0x80 | (imm12 & 0x7F)
        let amount = imm12 >> 7
        let value = unrotated >> amount | unrotated << (32 - amount)
        return (value, value >> 31 == 1)
    }

    private func shift(_ value: UInt32, type: UInt32, amount: UInt32, setFlags: Bool) -> UInt32 {
        guard amount > 0 || type != 0 else { return value }
        var result = value
        var carry = c
        switch type {
        case 0:
            carry = amount <= 32 && amount > 0 ? (value >> (32 - amount)) & 1 == 1 : false
            result = amount >= 32 ? 0 : value << amount
        case 1:
            let a = amount == 0 ? 32 : amount
            carry = (value >> (a - 1)) & 1 == 1
            result = a >= 32 ? 0 : value >> a
        case 2:
            let a = amount == 0 ? 32 : min(amount, 32)
            carry = (Int32(bitPattern: value) >> Int32(a - 1)) & 1 == 1
            result = UInt32(bitPattern: Int32(bitPattern: value) >> Int32(min(a, 31)))
        default:
            let a = amount & 31
            result = value >> a | value << (32 - a)
            carry = result >> 31 == 1
        }
        if setFlags { c = carry }
        return result
    }

    // MARK: memory

    private func load(_ address: UInt32, _ size: Int, signed: Bool = false, bus: CortexBus) -> UInt32? {
        guard let value = bus.cpuRead(address, size: size) else { return nil }
        guard signed else { return value }
        return size == 1
            ? UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: value)))
            : UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: value)))
    }

    private func fault(_ pc: UInt32, _ why: String) -> Outcome { .stop(.fault(pc: pc, why: why)) }

    private func loadTo(_ t: Int, _ address: UInt32, _ size: Int, signed: Bool = false, pc: UInt32, bus: CortexBus)
        -> Outcome
    {
        guard let value = load(address, size, signed: signed, bus: bus) else {
            return fault(pc, String(format: "bus fault reading 0x%08X", address))
        }
        if t == 15 {
            r[15] = value & ~1
        } else {
            r[t] = value
        }
        return .next
    }

    private func store(_ value: UInt32, _ address: UInt32, _ size: Int, pc: UInt32, bus: CortexBus) -> Outcome {
        bus.cpuWrite(address, value, size: size)
            ? .stored : fault(pc, String(format: "bus fault writing 0x%08X", address))
    }

    // MARK: 16-bit instructions

    private func execute16(_ op: UInt32, pc: UInt32, inIT: Bool, bus: CortexBus) -> Outcome {
        let setFlags = !inIT
        let lo = { (bit: UInt32) in Int((op >> bit) & 7) }
        switch op >> 11 {
        case 0b00000, 0b00001, 0b00010:
            let amount = (op >> 6) & 31
            let d = lo(0)
            r[d] = logical(
                shift(r[lo(3)], type: op >> 11, amount: amount, setFlags: setFlags), carry: nil, setFlags: setFlags)
        case 0b00011:
            let operand = op & 1 << 10 != 0 ? (op >> 6) & 7 : r[lo(6)]
            let subtract = op & 1 << 9 != 0
            r[lo(0)] = addWithCarry(r[lo(3)], subtract ? ~operand : operand, subtract, setFlags: setFlags)
        case 0b00100: r[lo(8)] = logical(op & 0xFF, carry: nil, setFlags: setFlags)
        case 0b00101: _ = addWithCarry(r[lo(8)], ~(op & 0xFF), true, setFlags: true)
        case 0b00110: r[lo(8)] = addWithCarry(r[lo(8)], op & 0xFF, false, setFlags: setFlags)
        case 0b00111: r[lo(8)] = addWithCarry(r[lo(8)], ~(op & 0xFF), true, setFlags: setFlags)
        case 0b01000:
            if op & 1 << 10 == 0 { return dataProcessing16(op, setFlags: setFlags, pc: pc) }
            let d = Int((op & 7) | (op >> 4) & 8)
            let m = Int((op >> 3) & 15)
            let operand = m == 15 ? pc &+ 4 : r[m]
            switch (op >> 8) & 3 {
            case 0:
                let value = (d == 15 ? pc &+ 4 : r[d]) &+ operand
                if d == 15 { r[15] = value & ~1 } else { r[d] = value }
            case 1: _ = addWithCarry(r[d], ~operand, true, setFlags: true)
            case 2:
                if d == 15 { r[15] = operand & ~1 } else { r[d] = operand }
            default:
                if op & 1 << 7 != 0 { r[14] = (pc &+ 2) | 1 }
                thumb = operand & 1 == 1
                r[15] = operand & ~1
            }
        case 0b01001:
            let base = (pc &+ 4) & ~3
            return loadTo(lo(8), base &+ (op & 0xFF) * 4, 4, pc: pc, bus: bus)
        case 0b01010, 0b01011:
            let address = r[lo(3)] &+ r[lo(6)]
            let t = lo(0)
            switch (op >> 9) & 7 {
            case 0: return store(r[t], address, 4, pc: pc, bus: bus)
            case 1: return store(r[t], address, 2, pc: pc, bus: bus)
            case 2: return store(r[t], address, 1, pc: pc, bus: bus)
            case 3: return loadTo(t, address, 1, signed: true, pc: pc, bus: bus)
            case 4: return loadTo(t, address, 4, pc: pc, bus: bus)
            case 5: return loadTo(t, address, 2, pc: pc, bus: bus)
            case 6: return loadTo(t, address, 1, pc: pc, bus: bus)
            default: return loadTo(t, address, 2, signed: true, pc: pc, bus: bus)
            }
        case 0b01100, 0b01101, 0b01110, 0b01111, 0b10000, 0b10001:
            let size = op >> 13 == 0b011 ? (op & 1 << 12 != 0 ? 1 : 4) : 2
            let address = r[lo(3)] &+ ((op >> 6) & 31) * UInt32(size)
            if op & 1 << 11 != 0 { return loadTo(lo(0), address, size, pc: pc, bus: bus) }
            return store(r[lo(0)], address, size, pc: pc, bus: bus)
        case 0b10010: return store(r[lo(8)], r[13] &+ (op & 0xFF) * 4, 4, pc: pc, bus: bus)
        case 0b10011: return loadTo(lo(8), r[13] &+ (op & 0xFF) * 4, 4, pc: pc, bus: bus)
        case 0b10100: r[lo(8)] = ((pc &+ 4) & ~3) &+ (op & 0xFF) * 4
        case 0b10101: r[lo(8)] = r[13] &+ (op & 0xFF) * 4
        case 0b10110, 0b10111: return miscellaneous16(op, pc: pc, bus: bus)
        case 0b11000, 0b11001:
            let base = lo(8)
            var address = r[base]
            let list = op & 0xFF
            let loading = op & 1 << 11 != 0
            var outcome = Outcome.next
            for i in 0..<8 where list & (1 << i) != 0 {
                outcome = loading ? loadTo(i, address, 4, pc: pc, bus: bus) : store(r[i], address, 4, pc: pc, bus: bus)
                if case .stop = outcome { return outcome }
                address &+= 4
            }
            if !loading || list & (1 << base) == 0 { r[base] = address }
            return outcome
        case 0b11010, 0b11011:
            let cond = (op >> 8) & 15
            if cond == 14 { return fault(pc, "UDF") }
            if cond == 15 { return fault(pc, "SVC") }
            if passes(cond) { r[15] = pc &+ 4 &+ UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: op)) * 2) }
        case 0b11100:
            let offset = Int32(bitPattern: op << 21) >> 20
            r[15] = pc &+ 4 &+ UInt32(bitPattern: offset)
        default:
            return fault(pc, String(format: "instruction 0x%04X", op))
        }
        return .next
    }

    private func dataProcessing16(_ op: UInt32, setFlags: Bool, pc: UInt32) -> Outcome {
        let d = Int(op & 7)
        let m = r[Int((op >> 3) & 7)]
        switch (op >> 6) & 15 {
        case 0: r[d] = logical(r[d] & m, carry: nil, setFlags: setFlags)
        case 1: r[d] = logical(r[d] ^ m, carry: nil, setFlags: setFlags)
        case 2:
            r[d] = logical(shift(r[d], type: 0, amount: m & 0xFF, setFlags: setFlags), carry: nil, setFlags: setFlags)
        case 3:
            r[d] = logical(
                m & 0xFF == 0 ? r[d] : shift(r[d], type: 1, amount: m & 0xFF, setFlags: setFlags), carry: nil,
                setFlags: setFlags)
        case 4:
            r[d] = logical(
                m & 0xFF == 0 ? r[d] : shift(r[d], type: 2, amount: m & 0xFF, setFlags: setFlags), carry: nil,
                setFlags: setFlags)
        case 5: r[d] = addWithCarry(r[d], m, c, setFlags: setFlags)
        case 6: r[d] = addWithCarry(r[d], ~m, c, setFlags: setFlags)
        case 7:
            r[d] = logical(
                m & 31 == 0 && m & 0xFF == 0 ? r[d] : shift(r[d], type: 3, amount: m & 0xFF, setFlags: setFlags),
                carry: nil, setFlags: setFlags)
        case 8: _ = logical(r[d] & m, carry: nil, setFlags: true)
        case 9: r[d] = addWithCarry(~m, 0, true, setFlags: setFlags)
        case 10: _ = addWithCarry(r[d], ~m, true, setFlags: true)
        case 11: _ = addWithCarry(r[d], m, false, setFlags: true)
        case 12: r[d] = logical(r[d] | m, carry: nil, setFlags: setFlags)
        case 13: r[d] = logical(r[d] &* m, carry: nil, setFlags: setFlags)
        case 14: r[d] = logical(r[d] & ~m, carry: nil, setFlags: setFlags)
        default: r[d] = logical(~m, carry: nil, setFlags: setFlags)
        }
        return .next
    }

    private func miscellaneous16(_ op: UInt32, pc: UInt32, bus: CortexBus) -> Outcome {
        switch (op >> 8) & 15 {
        case 0:
            let amount = (op & 0x7F) * 4
            r[13] = op & 0x80 != 0 ? r[13] &- amount : r[13] &+ amount
        case 1, 3, 9, 11:
            let offset = ((op >> 3) & 31) << 1 | ((op >> 9) & 1) << 6
            let zero = r[Int(op & 7)] == 0
            if zero == (op & 1 << 11 == 0) { r[15] = pc &+ 4 &+ offset }
        case 2:
            let m = r[Int((op >> 3) & 7)]
            let values: [UInt32] = [
                UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: m))),
                UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: m))), m & 0xFFFF, m & 0xFF,
            ]
            r[Int(op & 7)] = values[Int((op >> 6) & 3)]
        case 4, 5:
            let list = op & 0xFF | (op & 1 << 8 != 0 ? 1 << 14 : 0)
            var address = r[13] &- UInt32(list.nonzeroBitCount * 4)
            r[13] = address
            for i in 0..<16 where list & (1 << i) != 0 {
                if case .stop(let stop) = store(r[i], address, 4, pc: pc, bus: bus) { return .stop(stop) }
                address &+= 4
            }
            return .stored
        case 12, 13:
            let list = op & 0xFF | (op & 1 << 8 != 0 ? 1 << 15 : 0)
            var address = r[13]
            for i in 0..<16 where list & (1 << i) != 0 {
                guard let value = load(address, 4, bus: bus) else { return fault(pc, "bus fault in POP") }
                if i == 15 {
                    thumb = value & 1 == 1
                    r[15] = value & ~1
                } else {
                    r[i] = value
                }
                address &+= 4
            }
            r[13] = address
        case 6 where op & 0xFFE8 == 0xB660:
            // CPS (ARMv7-M A7.7.24): CPSID/CPSIE I sets/clears PRIMASK, F FAULTMASK, held in the
            // DCRSR word 20 (PRIMASK bit 0, FAULTMASK bit 16). Interrupts are not modelled.
            var masks = other[20] ?? 0
            let disable = op & 1 << 4 != 0
            for (flag, bit) in [(UInt32(2), UInt32(1)), (1, 1 << 16)] where op & flag != 0 {
                masks = disable ? masks | bit : masks & ~bit
            }
            other[20] = masks
        case 14: return .stop(.breakpoint)
        case 15:
            if op & 0xF != 0 { itState = UInt8(op & 0xFF) }
        default:
            return fault(pc, String(format: "instruction 0x%04X", op))
        }
        return .next
    }

    // MARK: 32-bit instructions

    private func execute32(_ hw1: UInt32, _ hw2: UInt32, pc: UInt32, bus: CortexBus) -> Outcome {
        let unknown = fault(pc, String(format: "instruction 0x%04X %04X", hw1, hw2))
        if hw1 >> 11 == 0b11110 && hw2 & 0x8000 == 0 {
            return hw1 & 1 << 9 == 0 ? modifiedImmediate(hw1, hw2) : plainImmediate(hw1, hw2) ?? unknown
        }
        if hw1 >> 11 == 0b11110 && hw2 & 0x8000 != 0 { return branchOrControl(hw1, hw2, pc: pc) ?? unknown }
        if hw1 >> 9 == 0b1111100 { return loadStore32(hw1, hw2, pc: pc, bus: bus) ?? unknown }
        if hw1 >> 9 == 0b1110100 && hw1 & 1 << 6 == 0 {
            return loadStoreMultiple(hw1, hw2, pc: pc, bus: bus) ?? unknown
        }
        if hw1 >> 9 == 0b1110101 { return shiftedRegister(hw1, hw2) ?? unknown }
        if hw1 >> 7 == 0b1_1111_0110 || hw1 >> 7 == 0b1_1111_0111 { return multiplyOrDivide(hw1, hw2) ?? unknown }
        return unknown
    }

    /// MUL/MLA/MLS and UDIV/SDIV (ARMv7-M A5.3.16, A5.3.17): OpenOCD's STM32H7 loader divides
    /// the write-word size by four with UDIV. Division by zero gives 0 (CCR.DIV_0_TRP clear).
    private func multiplyOrDivide(_ hw1: UInt32, _ hw2: UInt32) -> Outcome? {
        let n = Int(hw1 & 15), d = Int((hw2 >> 8) & 15), m = Int(hw2 & 15), a = Int(hw2 >> 12)
        switch (hw1 >> 4 & 0x1F, hw2 >> 4 & 15) {
        case (0x10, 0): r[d] = a == 15 ? r[n] &* r[m] : r[a] &+ r[n] &* r[m]
        case (0x10, 1): r[d] = r[a] &- r[n] &* r[m]
        case (0x1B, 15): r[d] = r[m] == 0 ? 0 : r[n] / r[m]
        case (0x19, 15):
            let (x, y) = (Int32(bitPattern: r[n]), Int32(bitPattern: r[m]))
            r[d] = y == 0 ? 0 : UInt32(bitPattern: x.dividedReportingOverflow(by: y).partialValue)
        default: return nil
        }
        return .next
    }

    private func modifiedImmediate(_ hw1: UInt32, _ hw2: UInt32) -> Outcome {
        let imm12 = (hw1 >> 10 & 1) << 11 | (hw2 >> 12 & 7) << 8 | hw2 & 0xFF
        let (imm, carry) = expandImmediate(imm12)
        let n = Int(hw1 & 15), d = Int((hw2 >> 8) & 15)
        let s = hw1 & 1 << 4 != 0
        let x = r[n]
        switch (hw1 >> 5) & 15 {
        case 0:
            let result = logical(x & imm, carry: carry, setFlags: s)
            if d != 15 { r[d] = result }
        case 1: r[d] = logical(x & ~imm, carry: carry, setFlags: s)
        case 2: r[d] = logical(n == 15 ? imm : x | imm, carry: carry, setFlags: s)
        case 3: r[d] = logical(n == 15 ? ~imm : x | ~imm, carry: carry, setFlags: s)
        case 4:
            let result = logical(x ^ imm, carry: carry, setFlags: s)
            if d != 15 { r[d] = result }
        case 8:
            let result = addWithCarry(x, imm, false, setFlags: s)
            if d != 15 { r[d] = result }
        case 10: r[d] = addWithCarry(x, imm, c, setFlags: s)
        case 11: r[d] = addWithCarry(x, ~imm, c, setFlags: s)
        case 13:
            let result = addWithCarry(x, ~imm, true, setFlags: s)
            if d != 15 { r[d] = result }
        case 14: r[d] = addWithCarry(~x, imm, true, setFlags: s)
        default: return fault(r[15], "data-processing immediate")
        }
        return .next
    }

    private func plainImmediate(_ hw1: UInt32, _ hw2: UInt32) -> Outcome? {
        let n = Int(hw1 & 15), d = Int((hw2 >> 8) & 15)
        let imm12 = (hw1 >> 10 & 1) << 11 | (hw2 >> 12 & 7) << 8 | hw2 & 0xFF
        let imm16 = (hw1 & 15) << 12 | imm12
        switch (hw1 >> 4) & 31 {
        // r[15] already holds this instruction's address + 4, which is what PC reads as.
        case 0b00000: r[d] = (n == 15 ? r[15] & ~3 : r[n]) &+ imm12
        case 0b01010: r[d] = (n == 15 ? r[15] & ~3 : r[n]) &- imm12
        case 0b00100: r[d] = imm16
        case 0b01100: r[d] = r[d] & 0xFFFF | imm16 << 16
        // The bitfield group (ARMv7-M A5.3.3): SBFX, BFI/BFC, UBFX. lsb from imm3:imm2; the low
        // five bits are width-1 (extracts) or msb (inserts).
        case 0b10100, 0b11100, 0b10110:
            let lsb = (hw2 >> 12 & 7) << 2 | (hw2 >> 6) & 3
            let field = hw2 & 31
            if (hw1 >> 4) & 31 == 0b10110 {
                guard field >= lsb else { return nil }
                let mask = (UInt32.max >> (31 - field + lsb)) << lsb
                r[d] = r[d] & ~mask | (n == 15 ? 0 : r[n] << lsb & mask)
            } else {
                guard lsb + field <= 31 else { return nil }
                let value = r[n] << (31 - lsb - field)
                let signed = (hw1 >> 4) & 31 == 0b10100
                r[d] = signed ? UInt32(bitPattern: Int32(bitPattern: value) >> (31 - field)) : value >> (31 - field)
            }
        default: return nil
        }
        return .next
    }

    /// LDM.W/POP.W (increment after) and STMDB/PUSH.W (decrement before) (ARMv7-M A5.3.5):
    /// the lowest register at the lowest address either way.
    private func loadStoreMultiple(_ hw1: UInt32, _ hw2: UInt32, pc: UInt32, bus: CortexBus) -> Outcome? {
        let mode = (hw1 >> 7) & 3
        guard mode == 1 || mode == 2 else { return nil }
        let n = Int(hw1 & 15), loading = hw1 & 1 << 4 != 0, writeBack = hw1 & 1 << 5 != 0
        let list = hw2 & (loading ? 0xDFFF : 0x5FFF)
        let span = UInt32(list.nonzeroBitCount * 4)
        var address = mode == 1 ? r[n] : r[n] &- span
        let final = mode == 1 ? r[n] &+ span : address
        for i in 0..<16 where list & (1 << i) != 0 {
            if loading {
                guard let value = load(address, 4, bus: bus) else { return fault(pc, "bus fault in LDM") }
                if i == 15 {
                    thumb = value & 1 == 1
                    r[15] = value & ~1
                } else {
                    r[i] = value
                }
            } else if case .stop(let stop) = store(r[i], address, 4, pc: pc, bus: bus) {
                return .stop(stop)
            }
            address &+= 4
        }
        if writeBack && !(loading && list & (1 << n) != 0) { r[n] = final }
        return loading ? .next : .stored
    }

    private func branchOrControl(_ hw1: UInt32, _ hw2: UInt32, pc: UInt32) -> Outcome? {
        // DSB, DMB, ISB: nothing to order here.
        if hw1 == 0xF3BF && hw2 & 0xFF00 == 0x8F00 { return .next }
        // NOP.W and other hints.
        if hw1 == 0xF3AF && hw2 & 0xFF00 == 0x8000 { return .next }
        let sign = (hw1 >> 10) & 1
        let j1 = (hw2 >> 13) & 1, j2 = (hw2 >> 11) & 1
        switch (hw2 >> 12) & 5 {
        case 0:
            let cond = (hw1 >> 6) & 15
            guard cond < 14 else { return nil }
            let offset = sign << 20 | j2 << 19 | j1 << 18 | (hw1 & 0x3F) << 12 | (hw2 & 0x7FF) << 1
            let value = Int32(bitPattern: offset << 11) >> 11
            if passes(cond) { r[15] = pc &+ 4 &+ UInt32(bitPattern: value) }
            return .next
        case 1, 5:
            let i1 = ~(j1 ^ sign) & 1, i2 = ~(j2 ^ sign) & 1
            let offset = sign << 24 | i1 << 23 | i2 << 22 | (hw1 & 0x3FF) << 12 | (hw2 & 0x7FF) << 1
            let value = Int32(bitPattern: offset << 7) >> 7
            if hw2 & 1 << 14 != 0 { r[14] = (pc &+ 4) | 1 }
            r[15] = pc &+ 4 &+ UInt32(bitPattern: value)
            return .next
        default: return nil
        }
    }

    private func loadStore32(_ hw1: UInt32, _ hw2: UInt32, pc: UInt32, bus: CortexBus) -> Outcome? {
        let n = Int(hw1 & 15), t = Int((hw2 >> 12) & 15)
        let loading = hw1 & 1 << 4 != 0
        let signed = hw1 & 1 << 8 != 0
        let size = [1, 2, 4, 0][Int((hw1 >> 5) & 3)]
        guard size > 0 else { return nil }
        var address: UInt32
        var writeBack: UInt32?
        if n == 15 {
            let base = (pc &+ 4) & ~3
            address = hw1 & 1 << 7 != 0 ? base &+ (hw2 & 0xFFF) : base &- (hw2 & 0xFFF)
        } else if hw1 & 1 << 7 != 0 {
            address = r[n] &+ (hw2 & 0xFFF)
        } else if hw2 & 1 << 11 != 0 {
            let imm = hw2 & 0xFF
            let add = hw2 & 1 << 9 != 0, index = hw2 & 1 << 10 != 0, wback = hw2 & 1 << 8 != 0
            let offsetAddress = add ? r[n] &+ imm : r[n] &- imm
            address = index ? offsetAddress : r[n]
            if wback { writeBack = offsetAddress }
        } else if (hw2 >> 6) & 0x3F == 0 {
            address = r[n] &+ (r[Int(hw2 & 15)] << ((hw2 >> 4) & 3))
        } else {
            return nil
        }
        let outcome =
            loading
            ? loadTo(t, address, size, signed: signed, pc: pc, bus: bus) : store(r[t], address, size, pc: pc, bus: bus)
        if case .stop = outcome { return outcome }
        if let writeBack { r[n] = writeBack }
        return outcome
    }

    private func shiftedRegister(_ hw1: UInt32, _ hw2: UInt32) -> Outcome? {
        let n = Int(hw1 & 15), d = Int((hw2 >> 8) & 15), m = Int(hw2 & 15)
        let s = hw1 & 1 << 4 != 0
        let amount = (hw2 >> 12 & 7) << 2 | (hw2 >> 6) & 3
        let savedCarry = c
        let operand = shift(r[m], type: (hw2 >> 4) & 3, amount: amount, setFlags: true)
        let shiftCarry = c
        c = savedCarry
        let x = r[n]
        switch (hw1 >> 5) & 15 {
        case 0:
            let result = logical(x & operand, carry: shiftCarry, setFlags: s)
            if d != 15 { r[d] = result }
        case 1: r[d] = logical(x & ~operand, carry: shiftCarry, setFlags: s)
        case 2: r[d] = logical(n == 15 ? operand : x | operand, carry: shiftCarry, setFlags: s)
        case 4: r[d] = logical(x ^ operand, carry: shiftCarry, setFlags: s)
        case 8:
            let result = addWithCarry(x, operand, false, setFlags: s)
            if d != 15 { r[d] = result }
        case 13:
            let result = addWithCarry(x, ~operand, true, setFlags: s)
            if d != 15 { r[d] = result }
        default: return nil
        }
        return .next
    }
}

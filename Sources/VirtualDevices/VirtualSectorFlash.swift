import BootwireCore
import Foundation

/// The H7-pattern flash controllers of STM32H5 (RM0481) and STM32H7 (RM0468/RM0433) as their
/// manuals describe them, one `Model` per family: LOCK in CR bit 0 with two-step keys (a bad
/// sequence locks until reset); a write buffer of one flash word (H5 16 bytes, H7 32) filled by
/// consecutive word stores (INCERR when a store leaves the word, PGSERR without PG, STRBERR for
/// a byte written twice) that programs when full; SER/SNB sector erase, BER bank erase (H5's bank
/// by NSCR.BKSEL, H7's by the second register block at +0x100); errors cleared through CCR;
/// option _PRG registers behind OPTLOCK, stored by OPTSTRT and loaded then (H7) or at the next
/// reset (H5); H5's product state and TZEN, H7's RDP. Flash words programmed over unerased
/// flash only clear bits; a flash word programmed twice since its erase breaks its ECC (RM0433:
/// each 256-bit word carries its own ECC), so reading it faults.
///
/// H7 specifics (RM0433, openocd stm32h7x.c): H74x/H75x keep bank 2 at 0x08100000 whatever the
/// size (a 1 MiB part has a hole at 0x08080000–0x080FFFFF that faults); the live bank mapping
/// is OPTCR.SWAP_BANK, loaded from OPTSR_CUR at a system reset only; an option change keeps
/// OPTSR_CUR.OPT_BUSY (bit 0) set while it runs and ends with OPTSR_CUR.OPTCHANGEERR (bit 30)
/// when refused, cleared through OPTCCR (0x24). Silicon's timings are not known, so they are
/// switches (`Timing`) on the bus's clock (`time=simulated` makes them cost no wall time).
public final class VirtualSectorFlash: VirtualFlashPeripheral, @unchecked Sendable {
    public struct Model: Sendable {
        var name: String
        var registerBase: UInt32
        /// Flash size and sector size: the part's (`VirtualPartCatalogue`), set when it is wired.
        var flashSize = 0
        var banks: Int
        var sectorSize = 0
        var word: Int
        var keyr: UInt32
        var optkeyr: UInt32
        var optcr: UInt32
        var sr: UInt32
        var cr: UInt32
        var ccr: UInt32
        var start: UInt32
        var snbShift: UInt32
        var snbMask: UInt32
        /// H5: NSCR bit 31; nil: a register block per bank at +0x100 (H7).
        var bankSelectBit: UInt32?
        var errorMask: UInt32
        /// (current, program) offsets of the option registers.
        var options: [(current: UInt32, program: UInt32)]
        var factory: [UInt32: UInt32]
        var loadsOnStart: Bool
        var productState: Bool
        var flashSizeAddress: UInt32
        /// Offsets (current) of the write-protection registers per bank, and sectors per bit.
        var wrp: [(bank: Int, offset: UInt32)]
        var sectorsPerWRPBit: Int
        /// Bank 2's start from the flash base; nil: right after bank 1.
        var bank2Offset: Int? = nil
        /// OPTSR_CUR status bits and the OPTCCR that clears OPTCHANGEERR (H7); nil on H5.
        var optionStatus: (busy: UInt32, changeError: UInt32, clear: UInt32)? = nil
        /// OPTCR shows the live bank mapping in `swapBit` (H7).
        var liveSwapInOPTCR = false

        /// STM32H563ZI: 2 MiB, two banks of 128 sectors of 8 KiB, 16-byte flash words; product
        /// state OPEN (0xED), TZEN off (0xB4).
        public static let h563 = Model(
            name: "STM32H563", registerBase: 0x4002_2000, banks: 2, word: 16,
            keyr: 0x04, optkeyr: 0x0C, optcr: 0x1C, sr: 0x20, cr: 0x28, ccr: 0x30, start: 1 << 5, snbShift: 6,
            snbMask: 0x7F, bankSelectBit: 1 << 31, errorMask: 0x00FE_0000,
            options: [(0x50, 0x54), (0x70, 0x74), (0x80, 0x84), (0xE8, 0xEC), (0x1E8, 0x1EC)],
            factory: [0x50: 0x0030_EDD8, 0x70: 0xB400_00F4, 0x80: 0x0800_00C3, 0xE8: 0xFFFF_FFFF, 0x1E8: 0xFFFF_FFFF],
            loadsOnStart: false, productState: true, flashSizeAddress: 0x08FF_F80C,
            wrp: [(1, 0xE8), (2, 0x1E8)], sectorsPerWRPBit: 4)

        /// STM32H723ZG: 1 MiB in one bank of eight 128 KiB sectors, 32-byte flash words; RDP 0xAA.
        public static let h723 = Model(
            name: "STM32H723", registerBase: 0x5200_2000, banks: 1, word: 32,
            keyr: 0x04, optkeyr: 0x08, optcr: 0x18, sr: 0x10, cr: 0x0C, ccr: 0x14, start: 1 << 7, snbShift: 8,
            snbMask: 0x7, bankSelectBit: nil, errorMask: 0x07EE_0000,
            options: [(0x1C, 0x20), (0x38, 0x3C)],
            factory: [0x1C: 0x1FEF_AAF0, 0x38: 0x0000_00FF],
            loadsOnStart: true, productState: false, flashSizeAddress: 0x1FF1_E880,
            wrp: [(1, 0x38)], sectorsPerWRPBit: 1, optionStatus: (1 << 0, 1 << 30, 0x24), liveSwapInOPTCR: true)

        /// STM32H743ZI: 2 MiB in two banks of eight 128 KiB sectors, each bank with its own
        /// KEYR/CR/SR/CCR (bank 2 at +0x100) and WPSN.
        public static let h743 = Model(
            name: "STM32H743", registerBase: 0x5200_2000, banks: 2, word: 32,
            keyr: 0x04, optkeyr: 0x08, optcr: 0x18, sr: 0x10, cr: 0x0C, ccr: 0x14, start: 1 << 7, snbShift: 8,
            snbMask: 0x7, bankSelectBit: nil, errorMask: 0x07EE_0000,
            options: [(0x1C, 0x20), (0x38, 0x3C), (0x138, 0x13C)],
            factory: [0x1C: 0x1FEF_AAF0, 0x38: 0x0000_00FF, 0x138: 0x0000_00FF],
            loadsOnStart: true, productState: false, flashSizeAddress: 0x1FF1_E880,
            wrp: [(1, 0x38), (2, 0x138)], sectorsPerWRPBit: 1, bank2Offset: 1 << 20,
            optionStatus: (1 << 0, 1 << 30, 0x24), liveSwapInOPTCR: true)

        /// STM32H743ZG: 1 MiB in two banks of four 128 KiB sectors, bank 2 still at 0x08100000.
        public static let h743zg = h743.named("STM32H743ZG")

        /// STM32H750VB: 128 KiB, one bank of one sector (RM0433; openocd: one bank at 128 KiB).
        public static var h750: Model {
            var model = h743.named("STM32H750")
            model.banks = 1
            model.options = [(0x1C, 0x20), (0x38, 0x3C)]
            model.factory = [0x1C: 0x1FEF_AAF0, 0x38: 0x0000_00FF]
            model.wrp = [(1, 0x38)]
            model.bank2Offset = nil
            return model
        }

        func named(_ name: String) -> Model {
            var model = self
            model.name = name
            return model
        }
    }

    /// How long the controller takes, on the bus's clock; silicon's figures are not known, so
    /// Bootwire must pass with any of them (`virtual:stlink-h743,option-ms=N,…`).
    public struct Timing: Sendable {
        /// OPT_BUSY after OPTSTRT.
        public var optionSeconds = 0.0
        /// A bank erase (BER); sector erases take an eighth each.
        public var bankEraseSeconds = 0.0
        /// One flash word's programming: a store into the bank's write buffer while the word
        /// before still programs stalls the bus (SWD WAIT) and is not taken.
        public var wordSeconds = 0.0
        /// The next option change ends with OPTCHANGEERR and loads nothing.
        public var refuseOptionChange = false
        public init() {}
    }

    struct Bank {
        var cr: UInt32 = 1
        var sr: UInt32 = 0
        var keyStep = 0
        var lockedUntilReset = false
        var buffer: [(address: UInt32, value: UInt32)] = []
        /// When the erase or flash word under way ends, on `clock` (ns).
        var busyUntil: UInt64 = 0
    }

    public let model: Model
    public var registerBase: UInt32 { model.registerBase }
    public let flashBase: UInt32 = 0x0800_0000
    public var flashSize: Int { model.flashSize }
    /// Both banks and, on H74x/H75x, the hole between them.
    public var flashSpan: Int { model.banks == 2 ? (model.bank2Offset ?? bankSize) + bankSize : model.flashSize }
    public var clock: any WaitClock = MonotonicClock.shared
    public var timing = Timing()
    /// Physical flash words programmed since their erase, and those programmed twice (ECC broken).
    private var programmedWords: Set<Int> = []
    private var brokenWords: Set<Int> = []
    /// OPTCR.SWAP_BANK: the mapping the banks run with, loaded from OPTSR_CUR at reset only.
    private var liveSwap = false
    /// The option change under way: when it ends, on `clock`.
    private var optionChangeEnds: UInt64?
    private var optionChangeError = false
    public private(set) var array: [UInt8]
    private var banks: [Bank]
    private var optcr: UInt32 = 1
    private var optKeyStep = 0
    /// Option registers: `current` what reads show, `programmed` the _PRG values, `stored` the
    /// option bytes in flash (loaded at reset on H5).
    var current: [UInt32: UInt32]
    var programmed: [UInt32: UInt32]
    var stored: [UInt32: UInt32]
    public private(set) var busySeconds = 0.0

    public init(model: Model) {
        var model = model
        if let part = VirtualPartCatalogue.part(modelName: model.name) {
            model.flashSize = part.flashBytes
            model.sectorSize = part.eraseUnit
        }
        self.model = model
        array = [UInt8](repeating: 0xFF, count: model.flashSize)
        banks = [Bank](repeating: Bank(), count: 2)
        current = model.factory
        programmed = model.factory
        stored = model.factory
        loadLiveSwap()
    }

    /// Option words as a power-on loads them (the live swap bit too).
    public func setOption(_ offset: UInt32, _ value: UInt32) {
        current[offset] = value
        programmed[offset] = value
        stored[offset] = value
        loadLiveSwap()
    }

    private func loadLiveSwap() { liveSwap = model.banks == 2 && optsr & (1 << 31) != 0 }

    private func now() -> UInt64 { clock.now() }

    /// Ends the option change whose time is up: loads it, or flags OPTCHANGEERR.
    private func settle() {
        guard let ends = optionChangeEnds, now() >= ends else { return }
        optionChangeEnds = nil
        if timing.refuseOptionChange {
            timing.refuseOptionChange = false
            optionChangeError = true
            programmed = current
            return
        }
        loadOptions()
    }

    var optsr: UInt32 { current[model.options[0].current] ?? 0 }
    /// Closed to the debugger: H5 not OPEN or TrustZone on; H7 RDP not 0xAA.
    var closed: Bool {
        if model.productState {
            return (optsr >> 8) & 0xFF != 0xED || (current[0x70] ?? 0) >> 24 != 0xB4
        }
        return (optsr >> 8) & 0xFF != 0xAA
    }
    var bankSize: Int { model.flashSize / model.banks }
    var swapped: Bool { model.liveSwapInOPTCR ? liveSwap : model.banks == 2 && optsr & (1 << 31) != 0 }

    /// The array offset behind an address, nil in the hole between the banks.
    func physical(_ address: UInt32) -> Int? {
        let offset = Int(address - flashBase)
        let second = model.bank2Offset ?? bankSize
        let bank: Int
        switch offset {
        case 0..<bankSize: bank = 0
        case second..<(second + bankSize) where model.banks == 2: bank = 1
        default: return nil
        }
        let within = bank == 0 ? offset : offset - second
        return ((swapped ? 1 - bank : bank) * bankSize) + within
    }

    func isWriteProtected(bank: Int, sector: Int) -> Bool {
        guard let entry = model.wrp.first(where: { $0.bank == bank }), let value = current[entry.offset] else {
            return false
        }
        return value & (1 << UInt32(sector / model.sectorsPerWRPBit)) == 0
    }

    /// Which bank's registers an offset names, and the offset within the block.
    func decode(_ offset: UInt32) -> (bank: Int, offset: UInt32) {
        if model.bankSelectBit == nil, offset >= 0x100, offset < 0x200, model.banks == 2 { return (2, offset - 0x100) }
        return (1, offset)
    }

    public func readRegister(_ offset: UInt32) -> UInt32 {
        let (bank, local) = decode(offset)
        settle()
        switch local {
        case model.sr:
            // BSY and QW while an erase or a flash word is under way; WBNE while the buffer fills.
            let busy: UInt32 = now() < banks[bank - 1].busyUntil ? 1 << 0 | 1 << 2 : 0
            return banks[bank - 1].sr | busy | (banks[bank - 1].buffer.isEmpty ? 0 : 1 << 1)
        case model.cr: return banks[bank - 1].cr
        case model.optcr: return optcr | (model.liveSwapInOPTCR && liveSwap ? 1 << 31 : 0)
        case model.options[0].current where model.optionStatus != nil:
            let status = model.optionStatus!
            return (current[offset] ?? 0) & ~(status.busy | status.changeError)
                | (optionChangeEnds != nil ? status.busy : 0) | (optionChangeError ? status.changeError : 0)
        default:
            if let entry = model.options.first(where: { $0.program == offset }) {
                return programmed[entry.current] ?? 0
            }
            return current[offset] ?? 0
        }
    }

    public func writeRegister(_ offset: UInt32, _ value: UInt32) -> SWDAccess {
        settle()
        let (index, local) = decode(offset)
        let b = index - 1
        if let status = model.optionStatus, offset == status.clear {
            if value & status.changeError != 0 { optionChangeError = false }
            return .ok
        }
        switch local {
        case model.keyr:
            guard !banks[b].lockedUntilReset, banks[b].cr & 1 != 0 else {
                banks[b].lockedUntilReset = true
                return .fault
            }
            switch VirtualFlashKeys.advance(&banks[b].keyStep, value, VirtualFlashKeys.flash) {
            case .first: break
            case .unlocked: banks[b].cr &= ~1
            case .wrong:
                banks[b].lockedUntilReset = true
                return .fault
            }
        case model.optkeyr where index == 1:
            switch VirtualFlashKeys.advance(&optKeyStep, value, VirtualFlashKeys.option) {
            case .first: break
            case .unlocked: optcr &= ~1
            case .wrong: return .fault
            }
        case model.ccr: banks[b].sr &= ~(value & (model.errorMask | 1 << 16))
        case model.cr:
            guard banks[b].cr & 1 == 0 else { return .ok }
            banks[b].cr = value & ~model.start
            if value & model.start != 0 { erase(bankIndex: b, value) }
        case model.optcr where index == 1:
            guard optcr & 1 == 0 else { return .ok }
            optcr = value & ~2 & 0x7FFF_FFFF
            if value & 2 != 0, optionChangeEnds == nil { startOptions() }
        default:
            if optcr & 1 == 0, let entry = model.options.first(where: { $0.program == offset }) {
                programmed[entry.current] = value
            }
        }
        return .ok
    }

    /// The bank an erase or write in this register block names.
    private func targetBank(_ b: Int, _ cr: UInt32) -> Int {
        if let bit = model.bankSelectBit { return cr & bit != 0 ? 2 : 1 }
        return b + 1
    }

    private func erase(bankIndex b: Int, _ value: UInt32) {
        guard banks[b].sr & model.errorMask == 0, value & 2 == 0 else {
            banks[b].sr |= 1 << 18
            return
        }
        let bank = targetBank(b, value)
        guard bank <= model.banks else {
            banks[b].sr |= 1 << 18
            return
        }
        let sectors = bankSize / model.sectorSize
        var erase: [Int] = []
        if value & 4 != 0 {
            let snb = Int((value >> model.snbShift) & model.snbMask)
            guard snb < sectors else {
                banks[b].sr |= 1 << 18
                return
            }
            erase = [snb]
        } else if value & 8 != 0 {
            erase = Array(0..<sectors)
        } else {
            banks[b].sr |= 1 << 18
            return
        }
        guard !erase.contains(where: { isWriteProtected(bank: bank, sector: $0) }) else {
            banks[b].sr |= 1 << 17
            return
        }
        for sector in erase {
            let start = (bank - 1) * bankSize + sector * model.sectorSize
            array.eraseFlash(start, count: model.sectorSize)
            forgetProgrammed(start, count: model.sectorSize)
        }
        busySeconds += Double(erase.count) * (model.sectorSize > 8192 ? 0.5 : 0.05)
        let seconds = timing.bankEraseSeconds * Double(erase.count) / Double(max(sectors, 1))
        banks[b].busyUntil = now() + UInt64(seconds * 1e9)
        banks[b].sr |= 1 << 16
    }

    private func forgetProgrammed(_ start: Int, count: Int) {
        let words = (start / model.word)..<((start + count) / model.word)
        programmedWords = programmedWords.filter { !words.contains($0) }
        brokenWords = brokenWords.filter { !words.contains($0) }
    }

    /// OPTSTRT: H7 loads the option bytes as the change ends (OPT_BUSY until then); H5 stores
    /// them for the next reset.
    private func startOptions() {
        busySeconds += 0.05
        guard model.loadsOnStart else {
            stored = programmed
            return
        }
        optionChangeError = false
        optionChangeEnds = now() + UInt64(timing.optionSeconds * 1e9)
        settle()
    }

    private func loadOptions() {
        let first = model.options[0].current
        let statusBits = model.optionStatus.map { $0.busy | $0.changeError } ?? 0
        programmed[first] = (programmed[first] ?? 0) & ~statusBits
        let regression = (optsr >> 8) & 0xFF != 0xAA && (programmed[first]! >> 8) & 0xFF == 0xAA
        if regression {
            array = [UInt8](repeating: 0xFF, count: model.flashSize)
            forgetProgrammed(0, count: model.flashSize)
        }
        stored = programmed
        current = programmed
    }

    public func readFlash(_ address: UInt32) -> UInt32? {
        settle()
        guard !closed, let p = physical(address & ~3), !brokenWords.contains(p / model.word) else { return nil }
        return array.flashWord(at: p)
    }

    public func writeFlash(_ address: UInt32, _ value: UInt32, width: Int) -> SWDAccess {
        settle()
        guard !closed, optionChangeEnds == nil, let p = physical(address & ~3) else { return .fault }
        let bank = p / bankSize + 1
        // The register block whose PG covers this bank.
        let b = model.bankSelectBit == nil ? bank - 1 : 0
        guard banks[b].cr & 1 == 0, banks[b].cr & 2 != 0, banks[b].sr & model.errorMask == 0 else {
            banks[b].sr |= 1 << 18
            banks[b].buffer = []
            return .ok
        }
        guard width == 4 else {
            // Bytes and halfwords fill the buffer too on these parts; this model takes words only.
            banks[b].sr |= 1 << 18
            return .ok
        }
        let word = UInt32(model.word)
        // The write queue holds the word before: the store stalls (WAIT) and is not taken.
        if banks[b].buffer.isEmpty, now() < banks[b].busyUntil { return .wait }
        if let first = banks[b].buffer.first {
            guard address / word == first.address / word else {
                banks[b].sr |= 1 << 20 | (model.bankSelectBit == nil ? 1 << 21 : 0)
                banks[b].buffer = []
                return .ok
            }
            guard !banks[b].buffer.contains(where: { $0.address == address }) else {
                banks[b].sr |= 1 << 19
                banks[b].buffer = []
                return .ok
            }
        }
        let sector = (p % bankSize) / model.sectorSize
        guard !isWriteProtected(bank: bank, sector: sector) else {
            banks[b].sr |= 1 << 17
            banks[b].buffer = []
            return .ok
        }
        banks[b].buffer.append((address, value))
        guard banks[b].buffer.count * 4 == model.word else { return .ok }
        for (at, data) in banks[b].buffer {
            guard let q = physical(at) else { continue }
            for i in 0..<4 { array[q + i] &= UInt8(truncatingIfNeeded: data >> (8 * UInt32(i))) }
        }
        let index = p / model.word
        if !programmedWords.insert(index).inserted { brokenWords.insert(index) }
        banks[b].buffer = []
        banks[b].busyUntil = now() + UInt64(timing.wordSeconds * 1e9)
        banks[b].sr |= 1 << 16
        busySeconds += model.word == 32 ? 0.00006 : 0.00005
        return .ok
    }

    public func readSystem(_ address: UInt32) -> UInt32? {
        address == model.flashSizeAddress ? 0xFFFF_0000 | UInt32(model.flashSize >> 10) : nil
    }

    public func reset() {
        for b in banks.indices {
            banks[b].cr = 1
            banks[b].keyStep = 0
            banks[b].lockedUntilReset = false
            banks[b].buffer = []
        }
        optcr = 1
        optKeyStep = 0
        if !model.loadsOnStart {
            current = stored
            programmed = stored
        }
        loadLiveSwap()
    }

    var optionOffsets: [UInt32] { model.factory.keys.sorted() }

    /// The option words, then the live swap bit: a session's end does not reset the part, so
    /// the next run finds the mapping the last reset loaded.
    public var state: Data {
        VirtualFlashState.encode(
            tag: "BWSC", array: array, words: optionOffsets.map { stored[$0]! } + [liveSwap ? 1 : 0])
    }

    public func restore(_ state: Data) -> Bool {
        guard
            let saved = VirtualFlashState.decode(
                state, tag: "BWSC", flashSize: model.flashSize, wordCount: optionOffsets.count + 1)
        else { return false }
        array = saved.array
        for (offset, word) in zip(optionOffsets, saved.words) { setOption(offset, word) }
        liveSwap = saved.words.last == 1
        return true
    }
}

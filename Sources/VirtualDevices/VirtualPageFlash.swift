import Foundation

/// The L4-pattern flash controllers of STM32U5 (RM0456), G4 (RM0440) and WB (RM0434) as their
/// reference manuals describe them, one `Model` per family: two-step keys that lock until reset
/// on a bad sequence; PG/PER/MER1/MER2 with PNB and BKER; programming in the family's unit
/// (the first words latched, the last one programs; SIZERR for byte or halfword stores, PGAERR
/// for a misaligned or scattered unit, PROGERR over unerased flash); SR errors cleared by writing
/// 1; option registers that OPTSTRT stores and OBL_LAUNCH (a reset) loads; RDP; U5 TZEN; WB's
/// CPU2 area from SFSA, which CPU1 may not erase, write or read, and whose mass erase faults.
/// The constants are written from the manuals here, apart from the host's `PageFlashFamily`.
public final class VirtualPageFlash: VirtualFlashPeripheral, @unchecked Sendable {
    public struct Model: Sendable {
        var name: String
        var registerBase: UInt32
        /// Flash size and page size: the part's (`VirtualPartCatalogue`), set when it is wired.
        var flashSize = 0
        var pageSize = 0
        /// G4 with DBANK clear: one bank of these.
        var singleBankPageSize: Int
        var keyr: UInt32
        var optkeyr: UInt32
        var sr: UInt32
        var cr: UInt32
        var optr: UInt32
        var unit: Int
        var pnbMask: UInt32
        var hasBanks: Bool
        /// Flash size at which the part is always dual bank (U5 2 MiB); nil: DBANK decides.
        var alwaysDualAt: Int?
        var dualBankBit: UInt32
        var hardwareSwapBit: UInt32?
        var trustZoneBit: UInt32?
        var optionErrorBit: UInt32
        var wrpRegisters: [(bank: Int, offset: UInt32)]
        var factory: [UInt32: UInt32]
        var flashSizeAddress: UInt32
        /// WB: SFR with SFSA.
        var secureAreaPage: Int?
        /// Dual-bank mode: where bank 2 starts, from the flash base (nil: right after bank 1).
        /// RM0440 3.3.1 (G47x/G48x 256 and 128 KiB, DBANK=1): bank 2 at 0x08040000 whatever the
        /// size, a hole between (openocd `stm32l4x.c` "dual bank WITH gap", `hole_sectors`).
        var bank2Address: Int? = nil
        /// OPTR BFB2 (L4/G4 bit 20): the ROM boots bank 2 and swaps the banks
        /// (SYSCFG_MEMRMP.FB_mode, RM0440 9.1.1); after a reset-and-halt the ROM never ran.
        var bootBankBit: UInt32? = nil
        /// FLASH_ACR.EMPTY (bit 16, RM0444 3.7.1; BMP `stm32g0.c` clears it after programming):
        /// latched at power-on and option load from the first word; while set, a boot from main
        /// flash goes to the system bootloader.
        var hasEmptyFlag = false

        /// STM32U575ZI: 2 MiB, two banks of 128 pages of 8 KiB, quad-word programming.
        public static let u575 = Model(
            name: "STM32U575", registerBase: 0x4002_2000, singleBankPageSize: 8192,
            keyr: 0x08, optkeyr: 0x10, sr: 0x20, cr: 0x28, optr: 0x40, unit: 16, pnbMask: 0x7F, hasBanks: true,
            alwaysDualAt: 2 << 20, dualBankBit: 1 << 21, hardwareSwapBit: 1 << 20, trustZoneBit: 1 << 31,
            optionErrorBit: 1 << 13, wrpRegisters: [(1, 0x58), (1, 0x5C), (2, 0x68), (2, 0x6C)],
            factory: [
                0x40: 0x1FEF_F8AA, 0x44: 0x0800_007F, 0x48: 0x0BF9_007F, 0x58: 0xFF00_FFFF, 0x5C: 0xFF00_FFFF,
                0x68: 0xFF00_FFFF, 0x6C: 0xFF00_FFFF,
            ], flashSizeAddress: 0x0BFA_07A0, secureAreaPage: nil)

        /// STM32G474RE: 512 KiB; DBANK set (the factory value): two banks of 128 pages of 2 KiB.
        public static let g474 = Model(
            name: "STM32G474", registerBase: 0x4002_2000,
            singleBankPageSize: 4096, keyr: 0x08, optkeyr: 0x0C, sr: 0x10, cr: 0x14, optr: 0x20, unit: 8,
            pnbMask: 0x7F, hasBanks: true, alwaysDualAt: nil, dualBankBit: 1 << 22, hardwareSwapBit: nil,
            trustZoneBit: nil, optionErrorBit: 1 << 15,
            wrpRegisters: [(1, 0x2C), (1, 0x30), (2, 0x4C), (2, 0x50)],
            factory: [
                0x20: 0xFFEF_F8AA, 0x24: 0xFFFF_FFFF, 0x28: 0x7FFF_0000, 0x2C: 0xFF00_FFFF, 0x30: 0xFF00_FFFF,
                0x44: 0xFFFF_FFFF, 0x48: 0x7FFF_0000, 0x4C: 0xFF00_FFFF, 0x50: 0xFF00_FFFF,
            ], flashSizeAddress: 0x1FFF_75E0, secureAreaPage: nil, bank2Address: 256 << 10, bootBankBit: 1 << 20)

        /// STM32G473CC: 256 KiB; DBANK set: two banks of 64 pages of 2 KiB, bank 2 at
        /// 0x08040000 (RM0440 3.3.1 "dual bank with gap").
        public static let g473: Model = {
            var model = g474
            model.name = "STM32G473"
            return model
        }()

        /// STM32G491RE (Cat. 4, RM0440): 512 KiB, one bank of 256 pages of 2 KiB, so PNB has 8
        /// bits (openocd `stm32l4x.c`: G49x/G4Ax single bank, 2 KiB pages; no PNB mask there).
        /// No DBANK and no bank-2 registers; the OPTR value is this model's choice.
        public static let g491 = Model(
            name: "STM32G491", registerBase: 0x4002_2000,
            singleBankPageSize: 2048, keyr: 0x08, optkeyr: 0x0C, sr: 0x10, cr: 0x14, optr: 0x20, unit: 8,
            pnbMask: 0xFF, hasBanks: false, alwaysDualAt: nil, dualBankBit: 0, hardwareSwapBit: nil,
            trustZoneBit: nil, optionErrorBit: 1 << 15, wrpRegisters: [(1, 0x2C), (1, 0x30)],
            factory: [
                0x20: 0xFFEF_F8AA, 0x24: 0xFFFF_FFFF, 0x28: 0x7FFF_0000, 0x2C: 0xFF00_FFFF, 0x30: 0xFF00_FFFF,
            ], flashSizeAddress: 0x1FFF_75E0, secureAreaPage: nil)

        /// STM32U535VE: 512 KiB, two banks of 32 pages of 8 KiB at its largest size whatever
        /// DUALBANK says (openocd `stm32l4x.c`, RM0456 7.3.1: "512K variants are always in DUAL
        /// BANK mode"); the factory OPTR is the U575's (`dualbank=0|1` sets bit 21).
        public static let u535: Model = {
            var model = u575
            model.name = "STM32U535"
            model.alwaysDualAt = 512 << 10
            return model
        }()

        /// STM32G071RB: 128 KiB, one bank of 64 pages of 2 KiB (RM0444); the OPTR value is this
        /// model's choice with RDP 0xAA.
        public static let g071 = Model(
            name: "STM32G071", registerBase: 0x4002_2000,
            singleBankPageSize: 2048, keyr: 0x08, optkeyr: 0x0C, sr: 0x10, cr: 0x14, optr: 0x20, unit: 8,
            pnbMask: 0x7F, hasBanks: false, alwaysDualAt: nil, dualBankBit: 0, hardwareSwapBit: nil,
            trustZoneBit: nil, optionErrorBit: 1 << 15, wrpRegisters: [(1, 0x2C), (1, 0x30)],
            factory: [0x20: 0xDFFF_E1AA, 0x2C: 0xFF00_FFFF, 0x30: 0xFF00_FFFF], flashSizeAddress: 0x1FFF_75E0,
            secureAreaPage: nil, hasEmptyFlag: true)

        /// STM32C031C6: 32 KiB, one bank of 16 pages of 2 KiB (RM0490, G0's controller);
        /// FLASH_SIZE at 0x1FFF75A0 (openocd); otherwise the G071's model.
        public static let c031: Model = {
            var model = g071
            model.name = "STM32C031"
            model.flashSizeAddress = 0x1FFF_75A0
            return model
        }()

        /// STM32WB55RG: 1 MiB, 256 pages of 4 KiB; SFR.SFSA 0xF4: the top 48 KiB is CPU2's (a
        /// FUS-only part; the value is this model's choice).
        public static let wb55 = Model(
            name: "STM32WB55", registerBase: 0x5800_4000, singleBankPageSize: 4096,
            keyr: 0x08, optkeyr: 0x0C, sr: 0x10, cr: 0x14, optr: 0x20, unit: 8, pnbMask: 0xFF, hasBanks: false,
            alwaysDualAt: nil, dualBankBit: 0, hardwareSwapBit: nil, trustZoneBit: nil, optionErrorBit: 1 << 15,
            wrpRegisters: [(1, 0x2C), (1, 0x30)],
            factory: [
                0x20: 0x3DFF_E1AA, 0x24: 0xFFFF_FFFF, 0x28: 0x7FFF_0000, 0x2C: 0xFF00_FFFF, 0x30: 0xFF00_FFFF,
                0x80: 0x0000_00F4, 0x84: 0x0000_FFFF,
            ], flashSizeAddress: 0x1FFF_75E0, secureAreaPage: 0xF4)

        /// STM32WB15CC (RM0473; openocd `stm32l4x.c` DEVID_STM32WB1XX: 320 KiB, 2 KiB pages):
        /// 160 pages; SFR.SFSA counts these pages, so 0x90 puts CPU2's area at 0x08048000 (the
        /// top 32 KiB: this model's choice).
        public static let wb15: Model = {
            var model = wb55
            model.name = "STM32WB15"
            model.factory[0x80] = 0x90
            model.secureAreaPage = 0x90
            return model
        }()
    }

    public let model: Model
    public var registerBase: UInt32 { model.registerBase }
    public let flashBase: UInt32 = 0x0800_0000
    public var flashSize: Int { model.flashSize }
    /// The array, plus G47x's hole before bank 2.
    public var flashSpan: Int {
        guard dualBank, let second = model.bank2Address else { return model.flashSize }
        return max(model.flashSize, second + bankSize)
    }
    public private(set) var array: [UInt8]
    var sr: UInt32 = 0
    var cr: UInt32 = 0xC000_0000
    private var keyStep = 0
    private var optKeyStep = 0
    private var lockedUntilReset = false
    private var pending: [(address: UInt32, value: UInt32)] = []
    var registers: [UInt32: UInt32]
    var stored: [UInt32: UInt32]
    var loaded: [UInt32: UInt32]
    public weak var target: VirtualSWDTarget?
    public private(set) var busySeconds = 0.0
    /// SYSCFG_MEMRMP.FB_mode: the ROM's live bank swap.
    public private(set) var fbMode = false
    /// FLASH_ACR (offset 0): EMPTY only; the other bits keep what is written.
    var acr: UInt32 = 0
    static let acrEmpty: UInt32 = 1 << 16

    public init(model: Model) {
        var model = model
        if let part = VirtualPartCatalogue.part(modelName: model.name) {
            model.flashSize = part.flashBytes
            model.pageSize = part.eraseUnit
        }
        self.model = model
        array = [UInt8](repeating: 0xFF, count: model.flashSize)
        registers = model.factory
        stored = model.factory
        loaded = model.factory
        latchEmpty()
    }

    /// Power-on and option load: EMPTY from the first word of main flash.
    func latchEmpty() {
        guard model.hasEmptyFlag else { return }
        acr = array.flashWord(at: 0) == 0xFFFF_FFFF ? acr | Self.acrEmpty : acr & ~Self.acrEmpty
    }

    /// After a reset: the ROM swaps the banks when BFB2 sends it to bank 2; not when the core halted.
    public func booted(halted: Bool) {
        fbMode = !halted && dualBank && model.bootBankBit.map { optr & $0 != 0 } == true
    }

    /// Fault injection and setup: the option word stored and loaded at once.
    public func setOption(_ offset: UInt32, _ value: UInt32) {
        (registers[offset], stored[offset], loaded[offset]) = (value, value, value)
    }

    var optr: UInt32 { loaded[model.optr] ?? 0 }
    var readProtected: Bool { optr & 0xFF != 0xAA }
    var trustZone: Bool { model.trustZoneBit.map { optr & $0 != 0 } ?? false }
    var dualBank: Bool {
        guard model.hasBanks else { return false }
        if let size = model.alwaysDualAt, model.flashSize >= size { return true }
        return optr & model.dualBankBit != 0
    }
    var pageSize: Int {
        dualBank || model.alwaysDualAt != nil || !model.hasBanks ? model.pageSize : model.singleBankPageSize
    }
    var bankSize: Int { dualBank ? model.flashSize / 2 : model.flashSize }
    var pagesPerBank: Int { bankSize / pageSize }
    var swapped: Bool { dualBank && (fbMode || model.hardwareSwapBit.map { optr & $0 != 0 } == true) }
    /// WB: CPU2's first page, from the loaded SFR (FSD clear).
    var securePage: Int? {
        guard model.secureAreaPage != nil, let sfr = loaded[0x80], sfr & (1 << 8) == 0 else { return nil }
        return Int(sfr & 0xFF)
    }

    /// The array offset behind `address`: bank 1 at the base and bank 2 after it (or at
    /// `bank2Address`), exchanged when swapped; nil in G47x's hole.
    func physical(_ address: UInt32) -> Int? {
        let offset = Int(address - flashBase)
        let second = dualBank ? model.bank2Address ?? bankSize : model.flashSize
        let (region, inBank) = offset >= second ? (2, offset - second) : (1, offset)
        guard inBank < bankSize else { return nil }
        let bank = swapped ? 3 - region : region
        return (bank - 1) * bankSize + inBank
    }

    func isSecure(physical offset: Int) -> Bool { securePage.map { offset / model.pageSize >= $0 } ?? false }

    func isWriteProtected(bank: Int, page: Int) -> Bool {
        model.wrpRegisters.contains { entry in
            guard entry.bank == bank, let value = loaded[entry.offset] else { return false }
            return VirtualWRPArea.pages(value)?.contains(page) == true
        }
    }

    static let errorMask: UInt32 = 0xE3FA

    public func readRegister(_ offset: UInt32) -> UInt32 {
        switch offset {
        case model.sr: return sr
        case model.cr: return cr
        case 0 where model.hasEmptyFlag: return acr
        default: return registers[offset] ?? 0
        }
    }

    public func writeRegister(_ offset: UInt32, _ value: UInt32) -> SWDAccess {
        switch offset {
        case model.keyr: return key(value, option: false)
        case model.optkeyr:
            guard cr & (1 << 31) == 0 else { return .fault }
            return key(value, option: true)
        case model.sr:
            sr &= ~(value & (Self.errorMask | 1))
            return .ok
        case model.cr: return control(value)
        case 0 where model.hasEmptyFlag:
            acr = value
            return .ok
        default:
            // WB SFR/SRRVR: the FUS sets them; CPU1's writes are ignored.
            if model.secureAreaPage != nil, offset == 0x80 || offset == 0x84 { return .ok }
            if model.factory[offset] != nil, cr & (1 << 30) == 0 { registers[offset] = value }
            return .ok
        }
    }

    private func key(_ value: UInt32, option: Bool) -> SWDAccess {
        let bit: UInt32 = option ? 1 << 30 : 1 << 31
        guard !lockedUntilReset, cr & bit != 0 else {
            if !option { lockedUntilReset = true }
            return .fault
        }
        let outcome =
            option
            ? VirtualFlashKeys.advance(&optKeyStep, value, VirtualFlashKeys.option)
            : VirtualFlashKeys.advance(&keyStep, value, VirtualFlashKeys.flash)
        switch outcome {
        case .first: break
        case .unlocked: cr &= ~bit
        case .wrong:
            if !option { lockedUntilReset = true }
            return .fault
        }
        return .ok
    }

    private func control(_ value: UInt32) -> SWDAccess {
        guard cr & (1 << 31) == 0 else { return .ok }
        let lockBits = (cr | value) & 0xC000_0000
        if value & (1 << 27) != 0, cr & (1 << 30) == 0 {
            loaded = stored
            registers = stored
            latchEmpty()
            target?.systemReset()
            return .resetDuringAccess
        }
        cr = value & ~UInt32(0x0003_0000) & 0x3FFF_FFFF | lockBits
        if value & (1 << 17) != 0, cr & (1 << 30) == 0 { startOptions() }
        if value & (1 << 16) != 0 { return start(value) }
        return .ok
    }

    private func start(_ value: UInt32) -> SWDAccess {
        guard sr & Self.errorMask == 0, value & 1 == 0 else {
            sr |= 1 << 7
            return .ok
        }
        if value & 2 != 0 {
            let pnb = Int((value >> 3) & model.pnbMask)
            let bank = dualBank && value & (1 << 11) != 0 ? 2 : 1
            guard pnb < pagesPerBank else {
                sr |= 1 << 7
                return .ok
            }
            let start = ((bank - 1) * pagesPerBank + pnb) * pageSize
            guard !isWriteProtected(bank: bank, page: pnb), !isSecure(physical: start) else {
                sr |= 1 << 4
                return .ok
            }
            array.eraseFlash(start, count: pageSize)
            busySeconds += 0.0225
            return .ok
        }
        // RM0434 3.3.7: CPU1 may not mass-erase a WB with a secure area: ignored, with a bus error.
        if securePage != nil { return .fault }
        var banks: [Int] = []
        if value & 4 != 0 { banks.append(1) }
        if value & (1 << 15) != 0, dualBank { banks.append(2) }
        guard !banks.isEmpty else {
            sr |= 1 << 7
            return .ok
        }
        for bank in banks {
            guard !(0..<pagesPerBank).contains(where: { isWriteProtected(bank: bank, page: $0) }) else {
                sr |= 1 << 4
                return .ok
            }
        }
        for bank in banks {
            let start = (bank - 1) * bankSize
            array.eraseFlash(start, count: bankSize)
            busySeconds += 0.025
        }
        return .ok
    }

    private func startOptions() {
        let regression = stored[model.optr].map { $0 & 0xFF != 0xAA } == true && registers[model.optr]! & 0xFF == 0xAA
        if regression {
            array = [UInt8](repeating: 0xFF, count: model.flashSize)
            busySeconds += 0.5
        }
        stored = registers
        busySeconds += 0.025
    }

    public func readFlash(_ address: UInt32) -> UInt32? {
        guard let p = physical(address & ~3), !readProtected, !trustZone, !isSecure(physical: p) else { return nil }
        return array.flashWord(at: p)
    }

    public func writeFlash(_ address: UInt32, _ value: UInt32, width: Int) -> SWDAccess {
        guard !readProtected, !trustZone else { return .fault }
        guard width == 4 else {
            sr |= 1 << 6
            return .ok
        }
        guard cr & 1 != 0, cr & (1 << 31) == 0, cr & 0x8006 == 0, sr & Self.errorMask == 0 else {
            sr |= 1 << 7
            pending = []
            return .ok
        }
        guard let p = physical(address) else { return .fault }
        let page = p / pageSize
        let bank = dualBank ? page / pagesPerBank + 1 : 1
        guard !isWriteProtected(bank: bank, page: page % pagesPerBank), !isSecure(physical: p) else {
            sr |= 1 << 4
            pending = []
            return .ok
        }
        let unit = UInt32(model.unit)
        if let first = pending.first {
            guard address == first.address + UInt32(4 * pending.count) else {
                sr |= 1 << 5
                pending = []
                return .ok
            }
        } else if address % unit != 0 {
            sr |= 1 << 5
            return .ok
        }
        pending.append((address, value))
        guard pending.count * 4 == model.unit else { return .ok }
        let start = p - 4 * (pending.count - 1)
        let new = pending.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word.value >> (8 * $0)) } }
        pending = []
        guard array.programFlash(new, at: start) else {
            sr |= 1 << 3
            return .ok
        }
        busySeconds += 0.00009
        return .ok
    }

    public func readSystem(_ address: UInt32) -> UInt32? {
        switch address {
        case model.flashSizeAddress: 0xFFFF_0000 | UInt32(model.flashSize >> 10)
        // SYSCFG_MEMRMP: FB_mode (bit 8) where the ROM swaps the banks.
        case 0x4001_0000 where model.bootBankBit != nil: fbMode ? 1 << 8 : 0
        default: nil
        }
    }

    public func reset() {
        cr = 0xC000_0000
        keyStep = 0
        optKeyStep = 0
        lockedUntilReset = false
        pending = []
    }

    var optionOffsets: [UInt32] { model.factory.keys.sorted() }

    public var state: Data {
        VirtualFlashState.encode(tag: "BWPG", array: array, words: optionOffsets.map { stored[$0]! } + emptyWord)
    }

    /// FLASH_ACR with EMPTY, kept in the state file: a board stays powered between runs, and
    /// EMPTY is latched only at power-on and option load, never by a reset.
    var emptyWord: [UInt32] { model.hasEmptyFlag ? [acr] : [] }

    public func restore(_ state: Data) -> Bool {
        guard
            let saved = VirtualFlashState.decode(
                state, tag: "BWPG", flashSize: model.flashSize, wordCount: optionOffsets.count + emptyWord.count)
        else { return false }
        array = saved.array
        for (offset, word) in zip(optionOffsets, saved.words) { setOption(offset, word) }
        if model.hasEmptyFlag { acr = saved.words[optionOffsets.count] }
        return true
    }
}

import Foundation

/// The STM32L4 flash controller with the semantics of spec 3.1 and 5.3: two-step keys with
/// lock-until-reset on a bad sequence, PG/PER/MER1/MER2 with PNB and BKER, double-word
/// programming (first word latched, the second programs), SR errors write-1-to-clear, option
/// registers whose writes become pending option bytes on OPTSTRT and current ones on
/// OBL_LAUNCH, RDP levels, and the bank geometry from the loaded DUALBANK/BFB2.
public final class VirtualL4Flash: VirtualFlashPeripheral, @unchecked Sendable {
    public let registerBase: UInt32 = 0x4002_2000
    public let flashBase: UInt32 = 0x0800_0000
    public let flashSize: Int
    static let pageSize = 2048
    static let optionOffsets: [UInt32] = [0x20, 0x24, 0x28, 0x2C, 0x30, 0x44, 0x48, 0x4C, 0x50]
    static let factoryOptions: [UInt32: UInt32] = [
        0x20: 0xFFEF_F8AA, 0x24: 0xFFFF_FFFF, 0x28: 0xFFFF_0000, 0x2C: 0xFF00_FFFF, 0x30: 0xFF00_FFFF,
        0x44: 0xFFFF_FFFF, 0x48: 0xFFFF_0000, 0x4C: 0xFF00_FFFF, 0x50: 0xFF00_FFFF,
    ]

    /// Physical order: bank 1 then bank 2.
    public private(set) var array: [UInt8]
    var sr: UInt32 = 0
    var cr: UInt32 = 0xC000_0000
    private var keyStep = 0
    private var optKeyStep = 0
    private var lockedUntilReset = false
    private var latched: (address: UInt32, value: UInt32)?
    /// What reads of the option registers show (written by the debugger, reloaded by OBL).
    var registers: [UInt32: UInt32]
    /// Option bytes in flash (OPTSTRT writes them).
    var stored: [UInt32: UInt32]
    /// What the hardware runs with (loaded at the last OBL or power-on).
    var loaded: [UInt32: UInt32]
    /// The target resets on OBL_LAUNCH; SRAM2 clears on RDP regression.
    public weak var target: VirtualSWDTarget?
    public private(set) var busySeconds = 0.0

    /// L43x/L44x, L45x/L46x, L41x/L42x: one bank whatever OPTR bit 21 says (it is reserved there
    /// and reads 1); BKER and MER2 do nothing, PNB counts every page.
    public let singleBank: Bool
    /// SYSCFG_MEMRMP.FB_MODE: the live swap. The ROM sets it when BFB2 sends it to bank 2 at boot
    /// (UNCONFIRMED: whether it checks bank 2's vector first); a reset-and-halt stops the core
    /// before the ROM runs, so it stays 0.
    public private(set) var fbMode = false
    /// Erase and programming take the datasheet's typical time in wall-clock time: BSY stays set
    /// (22 ms a page or bank, 82 µs a double word) instead of clearing at once.
    public var realTimeBusy = false
    public private(set) var busyUntil: ContinuousClock.Instant?

    private func occupy(_ seconds: Double) {
        guard realTimeBusy else { return }
        let now = ContinuousClock.now
        busyUntil = max(busyUntil ?? now, now) + .nanoseconds(Int64(seconds * 1e9))
    }

    public init(flashSize: Int, singleBank: Bool = false) {
        self.flashSize = flashSize
        self.singleBank = singleBank
        array = [UInt8](repeating: 0xFF, count: flashSize)
        registers = Self.factoryOptions
        stored = Self.factoryOptions
        loaded = Self.factoryOptions
    }

    /// Fault injection and setup: the option word stored and loaded at once.
    public func setOption(_ offset: UInt32, _ value: UInt32) {
        (registers[offset], stored[offset], loaded[offset]) = (value, value, value)
    }

    /// Only the register view changes: a value written without OPTSTRT/OBL (bank-mismatch).
    public func setRegisterOnly(_ offset: UInt32, _ value: UInt32) { registers[offset] = value }

    public func setStaleFlags(_ flags: UInt32) { sr |= flags }

    public func fill(_ bytes: [UInt8]) { array = Array(bytes.prefix(flashSize)) + array.dropFirst(bytes.count) }

    // MARK: geometry (loaded options)

    var optr: UInt32 { loaded[0x20]! }
    var rdp: UInt32 { optr & 0xFF }
    var readProtected: Bool { rdp != 0xAA }
    var dualBank: Bool { !singleBank && (flashSize >= 1 << 20 || optr & (1 << 21) != 0) }
    var pagesPerBank: Int { (dualBank ? flashSize / 2 : flashSize) / Self.pageSize }
    var swapped: Bool { fbMode }

    /// After a reset: the application boots (through the ROM when BFB2 is set) or the core halts.
    public func booted(halted: Bool) { fbMode = !halted && dualBank && optr & (1 << 20) != 0 }

    func physical(_ address: UInt32) -> Int {
        let offset = Int(address - flashBase)
        guard swapped else { return offset }
        let half = flashSize / 2
        return offset < half ? offset + half : offset - half
    }

    /// (bank, page in bank) of a physical offset.
    func page(ofPhysical offset: Int) -> (bank: Int, page: Int) {
        let page = offset / Self.pageSize
        return dualBank ? (page / pagesPerBank + 1, page % pagesPerBank) : (1, page)
    }

    public func isWriteProtected(bank: Int, page: Int) -> Bool {
        let offsets: [UInt32] = bank == 1 ? [0x2C, 0x30] : [0x4C, 0x50]
        return offsets.contains { VirtualWRPArea.pages(loaded[$0]!)?.contains(page) == true }
    }

    func bankHasWRP(_ bank: Int) -> Bool {
        (bank == 1 ? [0x2C, 0x30] : [0x4C, 0x50] as [UInt32]).contains { VirtualWRPArea.pages(loaded[$0]!) != nil }
    }

    // MARK: bus

    public func readRegister(_ offset: UInt32) -> UInt32 {
        switch offset {
        case 0x00: return 0x0000_0600
        case 0x10:
            if let until = busyUntil, ContinuousClock.now < until { return sr | 1 << 16 }
            return sr
        case 0x14: return cr
        default: return registers[offset] ?? 0
        }
    }

    static let errorMask: UInt32 = 0xC3FA

    public func writeRegister(_ offset: UInt32, _ value: UInt32) -> SWDAccess {
        switch offset {
        case 0x08: return key(value, step: &keyStep, locked: cr & (1 << 31) != 0, unlockBit: 1 << 31)
        case 0x0C:
            guard cr & (1 << 31) == 0 else { return .fault }
            return key(value, step: &optKeyStep, locked: cr & (1 << 30) != 0, unlockBit: 1 << 30, option: true)
        case 0x10:
            sr &= ~(value & 0xFFFF)
            return .ok
        case 0x14: return control(value)
        default:
            if Self.optionOffsets.contains(offset), cr & (1 << 30) == 0 { registers[offset] = value }
            return .ok
        }
    }

    private func key(
        _ value: UInt32, step: inout Int, locked: Bool, unlockBit: UInt32, option: Bool = false
    ) -> SWDAccess {
        // A wrong key, or keys while unlocked, lock the register until the next reset.
        guard !lockedUntilReset, locked else {
            lockedUntilReset = !option || lockedUntilReset
            return .fault
        }
        switch VirtualFlashKeys.advance(&step, value, option ? VirtualFlashKeys.option : VirtualFlashKeys.flash) {
        case .first: return .ok
        case .unlocked:
            cr &= ~unlockBit
            return .ok
        case .wrong:
            if !option { lockedUntilReset = true }
            return .fault
        }
    }

    private func control(_ value: UInt32) -> SWDAccess {
        guard cr & (1 << 31) == 0 else { return .ok }
        let lockBits = (cr | value) & 0xC000_0000
        if value & (1 << 27) != 0 {
            loadOptions()
            target?.systemReset()
            return .resetDuringAccess
        }
        cr = value & ~UInt32(0x0003_0000) & 0x3FFF_FFFF | lockBits
        if value & (1 << 17) != 0, cr & (1 << 30) == 0 { startOptions() }
        if value & (1 << 16) != 0 { start(value) }
        return .ok
    }

    private func start(_ value: UInt32) {
        guard sr & Self.errorMask == 0, value & 1 == 0 else {
            sr |= 1 << 7
            return
        }
        if value & 2 != 0 {
            let pnb = Int((value >> 3) & 0xFF)
            let bank = dualBank && value & (1 << 11) != 0 ? 2 : 1
            // Single bank: BKER means nothing and PNB counts every page.
            guard pnb < pagesPerBank else {
                sr |= 1 << 7
                return
            }
            guard !isWriteProtected(bank: bank, page: pnb) else {
                sr |= 1 << 4
                return
            }
            let start = ((bank - 1) * pagesPerBank + pnb) * Self.pageSize
            array.eraseFlash(start, count: Self.pageSize)
            busySeconds += 0.022
            occupy(0.022)
            return
        }
        var banks: [Int] = []
        if value & 4 != 0 { banks.append(1) }
        if value & (1 << 15) != 0, dualBank { banks.append(2) }
        guard !banks.isEmpty else {
            sr |= 1 << 7
            return
        }
        guard !banks.contains(where: bankHasWRP) else {
            sr |= 1 << 4
            return
        }
        let bankSize = dualBank ? flashSize / 2 : flashSize
        for bank in banks {
            let start = (bank - 1) * bankSize
            array.eraseFlash(start, count: bankSize)
            busySeconds += 0.0221
            occupy(0.0221)
        }
    }

    private func startOptions() {
        let wasProtected = stored[0x20]! & 0xFF != 0xAA
        let regression = wasProtected && registers[0x20]! & 0xFF == 0xAA
        if regression {
            array = [UInt8](repeating: 0xFF, count: flashSize)
            target?.clearSRAM(base: 0x1000_0000)
            busySeconds += 0.5
        }
        stored = registers
        busySeconds += 0.025
    }

    private func loadOptions() {
        loaded = stored
        registers = stored
    }

    public func readFlash(_ address: UInt32) -> UInt32? {
        guard !readProtected else { return nil }
        let p = physical(address & ~3)
        return array.flashWord(at: p)
    }

    public func writeFlash(_ address: UInt32, _ value: UInt32, width: Int) -> SWDAccess {
        guard !readProtected else { return .fault }
        guard width == 4 else {
            sr |= 1 << 6
            return .ok
        }
        guard cr & 1 != 0, cr & (1 << 31) == 0, cr & 0x8006 == 0, sr & Self.errorMask == 0 else {
            sr |= 1 << 7
            latched = nil
            return .ok
        }
        let p = physical(address)
        let place = page(ofPhysical: p)
        guard !isWriteProtected(bank: place.bank, page: place.page) else {
            sr |= 1 << 4
            latched = nil
            return .ok
        }
        guard let first = latched else {
            if address % 8 == 0 {
                latched = (address, value)
            } else {
                sr |= 1 << 5
            }
            return .ok
        }
        latched = nil
        guard address == first.address + 4 else {
            sr |= 1 << 5
            return .ok
        }
        let start = physical(first.address)
        let new =
            (0..<4).map { UInt8(truncatingIfNeeded: first.value >> (8 * $0)) }
            + (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        guard array.programFlash(new, at: start) else {
            sr |= 1 << 3
            return .ok
        }
        busySeconds += 0.0000817
        occupy(0.0000817)
        return .ok
    }

    public func readSystem(_ address: UInt32) -> UInt32? {
        switch address {
        case 0x1FFF_75E0: return 0xFFFF_0000 | UInt32(flashSize >> 10)
        case 0x4001_0000: return fbMode ? 1 << 8 : 0
        default: return nil
        }
    }

    public func reset() {
        cr = 0xC000_0000
        keyStep = 0
        optKeyStep = 0
        lockedUntilReset = false
        latched = nil
    }

    public var state: Data {
        VirtualFlashState.encode(tag: "BWL4", array: array, words: Self.optionOffsets.map { stored[$0]! })
    }

    public func restore(_ state: Data) -> Bool {
        guard
            let saved = VirtualFlashState.decode(
                state, tag: "BWL4", flashSize: flashSize, wordCount: Self.optionOffsets.count)
        else { return false }
        array = saved.array
        for (offset, word) in zip(Self.optionOffsets, saved.words) { setOption(offset, word) }
        return true
    }
}

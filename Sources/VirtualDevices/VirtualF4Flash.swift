import Foundation

/// The STM32F4 flash controller (spec 3.2) of a 1 MiB F407: sectors 4 × 16 KiB, 64 KiB,
/// 7 × 128 KiB; SER/SNB, MER, PSIZE checked against the store width (PGPERR); programming only
/// clears bits, as NOR does; OPTCR with RDP and nWRP, loaded when OPTSTRT completes.
public final class VirtualF4Flash: VirtualFlashPeripheral, @unchecked Sendable {
    public let registerBase: UInt32 = 0x4002_3C00
    public let flashBase: UInt32 = 0x0800_0000
    public let flashSize: Int
    static let factoryOPTCR: UInt32 = 0x0FFF_AAED

    public private(set) var array: [UInt8]
    var sr: UInt32 = 0
    var cr: UInt32 = 0x8000_0000
    var optcr: UInt32 = factoryOPTCR | 1
    // The loaded option bits only: OPTLOCK and OPTSTRT (bits 0-1) are control bits, not stored.
    var stored: UInt32 = factoryOPTCR & ~3
    private var keyStep = 0
    private var optKeyStep = 0
    private var lockedUntilReset = false
    public private(set) var busySeconds = 0.0

    /// F42x/F43x/F469/F479 (RM0090 3.5): above 1 MiB, or at 1 MiB with DB1M (OPTCR bit 30), two
    /// banks of 12 (8 with DB1M) sectors; SNB 0x10 + k names bank 2's sector k, SNB 12–15 name
    /// nothing; MER erases bank 1 and MER1 (CR bit 15) bank 2.
    public let dualBankCapable: Bool
    /// Wall-clock seconds BSY stays set after a mass erase starts (0: done at once). Datasheets
    /// give 8–16 s typical for 1 MiB at x32 and up to 32 s at x8; openocd waits 33 s.
    public var massEraseSeconds = 0.0
    /// The supply (the ST-LINK's `voltage=`). RM0090 3.5.1 table 7: x32 needs 2.7–3.6 V; what
    /// silicon does with x32 below that is not stated: this model refuses the store (PGPERR).
    public var supplyVolts = 3.3
    private var busyUntil: Date?

    public init(flashSize: Int = 1 << 20, dualBankCapable: Bool = false) {
        self.flashSize = flashSize
        self.dualBankCapable = dualBankCapable
        array = [UInt8](repeating: 0xFF, count: flashSize)
    }

    var dualBank: Bool {
        dualBankCapable && (flashSize > 1 << 20 || (flashSize == 1 << 20 && stored & (1 << 30) != 0))
    }
    var bankSize: Int { dualBank ? flashSize / 2 : flashSize }

    public func setOPTCR(_ value: UInt32) {
        stored = value & ~3
        optcr = stored | 1
    }

    static func sectorRange(_ number: Int) -> Range<Int> {
        let start = number < 4 ? number * 0x4000 : number == 4 ? 0x10000 : 0x20000 * (number - 4)
        let size = number < 4 ? 0x4000 : number == 4 ? 0x10000 : 0x20000
        return start..<start + size
    }

    /// The sector number within its bank.
    func sector(of offset: Int) -> Int {
        let offset = offset % bankSize
        return offset < 0x10000 ? offset / 0x4000 : offset < 0x20000 ? 4 : 4 + offset / 0x20000
    }

    /// Sectors per bank.
    var sectorCount: Int { sector(of: bankSize - 1) + 1 }
    var readProtected: Bool { (stored >> 8) & 0xFF != 0xAA }
    func isWriteProtected(_ sector: Int) -> Bool { stored & (1 << UInt32(16 + sector)) == 0 }

    public func readRegister(_ offset: UInt32) -> UInt32 {
        switch offset {
        case 0x0C:
            if let until = busyUntil, Date() < until { return sr | 1 << 16 }
            busyUntil = nil
            return sr
        case 0x10: return cr
        case 0x14: return optcr
        default: return 0
        }
    }

    public func writeRegister(_ offset: UInt32, _ value: UInt32) -> SWDAccess {
        switch offset {
        case 0x04:
            guard !lockedUntilReset, cr & (1 << 31) != 0 else {
                lockedUntilReset = true
                return .fault
            }
            switch VirtualFlashKeys.advance(&keyStep, value, VirtualFlashKeys.flash) {
            case .first: break
            case .unlocked: cr &= ~(1 << 31)
            case .wrong:
                lockedUntilReset = true
                return .fault
            }
        case 0x08:
            switch VirtualFlashKeys.advance(&optKeyStep, value, VirtualFlashKeys.option) {
            case .first: break
            case .unlocked: optcr &= ~1
            case .wrong: return .fault
            }
        case 0x0C: sr &= ~(value & 0xF3)
        case 0x10:
            guard cr & (1 << 31) == 0 else { return .ok }
            cr = value & ~(1 << 16)
            if value & (1 << 16) != 0 { start(value) }
        case 0x14:
            guard optcr & 1 == 0 else { return .ok }
            optcr = value & ~2
            if value & 2 != 0 {
                if readProtected, (value >> 8) & 0xFF == 0xAA {
                    array = [UInt8](repeating: 0xFF, count: flashSize)
                }
                stored = value & ~3
                busySeconds += 0.03
            }
        default: break
        }
        return .ok
    }

    private func start(_ value: UInt32) {
        if value & 2 != 0 {
            // SNB is CR[7:3] on dual-bank parts, CR[6:3] elsewhere (bit 7 reserved).
            let snb = Int((value >> 3) & (dualBankCapable ? 0x1F : 0xF))
            let bank = dualBank && snb & 0x10 != 0 ? 2 : 1
            let number = dualBank ? snb & ~0x10 : snb
            guard number < sectorCount, bank == 2 || snb & 0x10 == 0 else {
                sr |= 1 << 7
                return
            }
            // Bank 2's nWRP bits live in OPTCR1, not modelled: bank 2 is never protected here.
            guard bank == 2 || !isWriteProtected(number) else {
                sr |= 1 << 4
                return
            }
            let range = Self.sectorRange(number)
            let start = (bank - 1) * bankSize
            array.eraseFlash(start + range.lowerBound, count: range.count)
            busySeconds += range.count <= 0x4000 ? 0.4 : range.count <= 0x10000 ? 1.1 : 2
        } else if value & 4 != 0 || (dualBank && value & (1 << 15) != 0) {
            guard value & 4 == 0 || (0..<sectorCount).allSatisfy({ !isWriteProtected($0) }) else {
                sr |= 1 << 4
                return
            }
            for bank in [1, 2] where bank == 1 ? value & 4 != 0 : value & (1 << 15) != 0 {
                let start = (bank - 1) * bankSize
                array.eraseFlash(start, count: bankSize)
                busySeconds += 16
            }
            if massEraseSeconds > 0 { busyUntil = Date().addingTimeInterval(massEraseSeconds) }
        } else {
            sr |= 1 << 7
        }
    }

    public func readFlash(_ address: UInt32) -> UInt32? {
        guard !readProtected else { return nil }
        let p = Int(address & ~3 - flashBase)
        return array.flashWord(at: p)
    }

    public func writeFlash(_ address: UInt32, _ value: UInt32, width: Int) -> SWDAccess {
        guard !readProtected else { return .fault }
        // SER may still be set from an erase: stlink-org's F4 path sets PG by read-modify-write
        // over SER|SNB and programs real parts so (PGSERR with PER/MER is an L4 rule).
        guard cr & 1 != 0, cr & (1 << 31) == 0, cr & 4 == 0 else {
            sr |= 1 << 7
            return .ok
        }
        let psizeBytes = 1 << Int((cr >> 8) & 3)
        guard psizeBytes == width, psizeBytes < 4 || supplyVolts >= 2.7 else {
            sr |= 1 << 6
            return .ok
        }
        let p = Int(address - flashBase)
        guard p >= bankSize || !isWriteProtected(sector(of: p)) else {
            sr |= 1 << 4
            return .ok
        }
        for i in 0..<width where p + i < flashSize {
            array[p + i] &= UInt8(truncatingIfNeeded: value >> (8 * i))
        }
        busySeconds += 0.000016
        return .ok
    }

    public func readSystem(_ address: UInt32) -> UInt32? {
        address == 0x1FFF_7A20 ? UInt32(flashSize >> 10) << 16 | 0xFFFF : nil
    }

    public func reset() {
        cr = 0x8000_0000
        optcr = stored | 1
        keyStep = 0
        optKeyStep = 0
        lockedUntilReset = false
    }

    public var state: Data {
        VirtualFlashState.encode(tag: "BWF4", array: array, words: [stored])
    }

    public func restore(_ state: Data) -> Bool {
        guard let saved = VirtualFlashState.decode(state, tag: "BWF4", flashSize: flashSize, wordCount: 1) else {
            return false
        }
        array = saved.array
        setOPTCR(saved.words[0])
        return true
    }
}

import Foundation

/// What a target's bus answers to one debug access through the probe.
public enum SWDAccess: Equatable, Sendable {
    case ok
    /// The bus refused (protected, unmapped, locked): the probe reports SWD_AP_FAULT.
    case fault
    /// The part reset under the access (OBL_LAUNCH): the probe reports SWD_DP_ERROR.
    case resetDuringAccess
}

/// A flash controller peripheral and the flash array it guards, as the virtual target's bus
/// sees them. One per family; the target holds the core and routes addresses.
public protocol VirtualFlashPeripheral: AnyObject {
    var registerBase: UInt32 { get }
    var flashBase: UInt32 { get }
    var flashSize: Int { get }
    func readRegister(_ offset: UInt32) -> UInt32
    func writeRegister(_ offset: UInt32, _ value: UInt32) -> SWDAccess
    /// A debugger read of flash; nil when readout protection refuses it.
    func readFlash(_ address: UInt32) -> UInt32?
    func writeFlash(_ address: UInt32, _ value: UInt32, width: Int) -> SWDAccess
    /// Words outside flash and the register block this part answers (flash size, SYSCFG).
    func readSystem(_ address: UInt32) -> UInt32?
    /// System reset (NRST, SYSRESETREQ, OBL): the controller locks again.
    func reset()
    /// After a reset or power-on: whether the core halted at the reset vector or booted.
    func booted(halted: Bool)
    /// When the flash work under way ends in wall-clock time (nil: work is instant): until then
    /// SR.BSY reads 1 and a flash access stalls the bus.
    var busyUntil: ContinuousClock.Instant? { get }
    /// Saved/loaded by `state=PATH`.
    var state: Data { get }
    func restore(_ state: Data) -> Bool
    /// Flash work done so far in the part's own time (erase, program), seconds.
    var busySeconds: Double { get }
}

extension VirtualFlashPeripheral {
    public func booted(halted: Bool) {}
    public var busyUntil: ContinuousClock.Instant? { nil }
}

/// A Cortex-M STM32 behind SWD: debug registers (DHCSR with DBGKEY, S_HALT, sticky
/// S_RESET_ST; DEMCR vector catch; DFSR; AIRCR SYSRESETREQ), DBGMCU IDCODE, SRAM, and a flash
/// peripheral. `appDisablesSWD` stands for firmware that turns the SWD pins into GPIOs: once
/// the application runs, nothing answers until NRST holds the part in reset.
public final class VirtualSWDTarget: @unchecked Sendable {
    public let dpidr: UInt32 = 0x2BA0_1477
    public let cpuid: UInt32
    public let idcode: UInt32
    public let idcodeAddress: UInt32
    public let flash: any VirtualFlashPeripheral
    var sram: [(base: UInt32, bytes: [UInt8])]
    public var appDisablesSWD = false

    private(set) var halted = false
    private var haltRequested = false
    private var debugEnabled = false
    private var maskInts = false
    private var resetSticky = true
    private var demcr: UInt32 = 0
    private var dfsr: UInt32 = 0
    private(set) var nrstLow = false
    /// The application runs with the SWD pins taken over.
    public private(set) var swdDead = false

    public init(
        cpuid: UInt32, idcode: UInt32, idcodeAddress: UInt32, flash: any VirtualFlashPeripheral,
        sram: [(base: UInt32, size: Int)]
    ) {
        self.cpuid = cpuid
        self.idcode = idcode
        self.idcodeAddress = idcodeAddress
        self.flash = flash
        self.sram = sram.map { ($0.base, [UInt8](repeating: 0, count: $0.size)) }
    }

    /// Power-on: the application starts.
    public func powerOn() {
        halted = false
        swdDead = appDisablesSWD
        flash.booted(halted: false)
    }

    /// NRST low holds the core in reset with the pins in their default (SWD) function; its
    /// release runs the reset sequence.
    public func setNRST(low: Bool) {
        if low {
            nrstLow = true
            swdDead = false
        } else if nrstLow {
            nrstLow = false
            systemReset()
        }
    }

    /// Core and peripherals reset; the core halts at the reset vector when the debugger asked.
    public func systemReset() {
        flash.reset()
        resetSticky = true
        if debugEnabled && (haltRequested || demcr & 1 != 0) {
            halted = true
            dfsr |= 1 << 3
        } else {
            halted = false
            swdDead = appDisablesSWD
        }
        flash.booted(halted: halted)
    }

    private func sramIndex(_ address: UInt32, _ count: Int) -> (Int, Int)? {
        for (i, region) in sram.enumerated()
        where address >= region.base
            && UInt64(address) + UInt64(count) <= UInt64(region.base) + UInt64(region.bytes.count)
        {
            return (i, Int(address - region.base))
        }
        return nil
    }

    /// Clears SRAM2-like regions after an RDP regression.
    public func clearSRAM(base: UInt32) {
        for i in sram.indices where sram[i].base == base {
            sram[i].bytes = [UInt8](repeating: 0, count: sram[i].bytes.count)
        }
    }

    public func read32(_ address: UInt32) -> UInt32? {
        if let (i, o) = sramIndex(address, 4) {
            return (0..<4).reduce(0) { $0 | UInt32(sram[i].bytes[o + $1]) << (8 * $1) }
        }
        if address >= flash.flashBase, address < flash.flashBase + UInt32(flash.flashSize) {
            return flash.readFlash(address)
        }
        if address >= flash.registerBase, address < flash.registerBase + 0x400 {
            return flash.readRegister(address - flash.registerBase)
        }
        switch address {
        case 0xE000_ED00: return cpuid
        case idcodeAddress: return idcode
        case 0xE000_EDF0:
            var value = (debugEnabled ? 1 : 0) | (haltRequested ? 2 : 0) | (maskInts ? 8 : 0) | (halted ? 1 << 17 : 0)
            if resetSticky { value |= 1 << 25 }
            resetSticky = false
            return UInt32(value) | 1 << 16
        case 0xE000_EDFC: return demcr
        case 0xE000_ED30: return dfsr
        case 0xE000_ED0C: return 0xFA05_0000
        case 0xE000_ED28, 0xE000_ED2C: return 0
        default: return flash.readSystem(address)
        }
    }

    public func write32(_ address: UInt32, _ value: UInt32) -> SWDAccess {
        if let (i, o) = sramIndex(address, 4) {
            for b in 0..<4 { sram[i].bytes[o + b] = UInt8(truncatingIfNeeded: value >> (8 * b)) }
            return .ok
        }
        if address >= flash.flashBase, address < flash.flashBase + UInt32(flash.flashSize) {
            return flash.writeFlash(address, value, width: 4)
        }
        if address >= flash.registerBase, address < flash.registerBase + 0x400 {
            return flash.writeRegister(address - flash.registerBase, value)
        }
        switch address {
        case 0xE000_EDF0:
            guard value >> 16 == 0xA05F else { return .ok }
            debugEnabled = value & 1 != 0
            haltRequested = value & 2 != 0
            if halted || value & 2 != 0 { maskInts = value & 8 != 0 }
            if !nrstLow {
                if haltRequested && debugEnabled {
                    halted = true
                    dfsr |= 1
                } else if halted {
                    halted = false
                    swdDead = appDisablesSWD
                }
            }
            return .ok
        case 0xE000_EDFC:
            demcr = value
            return .ok
        case 0xE000_ED30:
            dfsr &= ~value
            return .ok
        case 0xE000_ED0C:
            if value >> 16 == 0x05FA, value & 4 != 0 { systemReset() }
            return .ok
        default:
            return .fault
        }
    }

    /// Byte access: SRAM only, and flash where the controller decides (SIZERR).
    public func read8(_ address: UInt32) -> UInt8? {
        guard let word = read32(address & ~3) else { return nil }
        return UInt8(truncatingIfNeeded: word >> (8 * (address & 3)))
    }

    public func write8(_ address: UInt32, _ value: UInt8) -> SWDAccess {
        if let (i, o) = sramIndex(address, 1) {
            sram[i].bytes[o] = value
            return .ok
        }
        if address >= flash.flashBase, address < flash.flashBase + UInt32(flash.flashSize) {
            return flash.writeFlash(address, UInt32(value), width: 1)
        }
        return .fault
    }
}

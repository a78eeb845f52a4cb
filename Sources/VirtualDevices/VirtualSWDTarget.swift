import BootwireCore
import Foundation

/// What a target's bus answers to one debug access through the probe.
public enum SWDAccess: Equatable, Sendable {
    case ok
    /// The bus refused (protected, unmapped, locked): the probe reports SWD_AP_FAULT.
    case fault
    /// The part reset under the access (OBL_LAUNCH): the probe reports SWD_DP_ERROR.
    case resetDuringAccess
    /// The bus stalled (a store into a full flash write queue) and the access was not taken:
    /// the probe reports SWD_AP_WAIT.
    case wait
}

/// A flash controller peripheral and the flash array it guards, as the virtual target's bus
/// sees them. One per family; the target holds the core and routes addresses.
public protocol VirtualFlashPeripheral: AnyObject {
    var registerBase: UInt32 { get }
    var flashBase: UInt32 { get }
    var flashSize: Int { get }
    /// The addresses from `flashBase` the bus routes here: `flashSize`, unless the banks leave a
    /// hole between them (STM32H74x/H75x with 1 MiB: bank 2 at 0x08100000; G47x/G48x dual bank
    /// below 512 KiB: bank 2 at 0x08040000).
    var flashSpan: Int { get }
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
    public var flashSpan: Int { flashSize }
    public func booted(halted: Bool) {}
    public var busyUntil: ContinuousClock.Instant? { nil }
}

/// A Cortex-M STM32 behind SWD: debug registers (DHCSR with DBGKEY, S_HALT, sticky
/// S_RESET_ST; DEMCR vector catch; DFSR; AIRCR SYSRESETREQ), DBGMCU IDCODE, SRAM, and a flash
/// peripheral. `appDisablesSWD` stands for firmware that turns the SWD pins into GPIOs: once
/// the application runs, nothing answers until NRST holds the part in reset.
public final class VirtualSWDTarget: @unchecked Sendable {
    /// The SW-DP's DPIDR (READ_IDCODES): the part's own (its catalogue row).
    public let dpidr: UInt32
    /// The access port of the core's MEM-AP; on another AP0 sits a debug mailbox (the H5).
    public let coreAccessPort: UInt8
    public let cpuid: UInt32
    public let idcode: UInt32
    public let idcodeAddress: UInt32
    public let flash: any VirtualFlashPeripheral
    var sram: [(base: UInt32, bytes: [UInt8])]
    public var appDisablesSWD = false
    /// The clock the application's time runs on: the bus's (`time=simulated`: no wall time).
    public var clock: any WaitClock = MonotonicClock.shared
    /// What runs after a reset into a valid vector table: an application printing over RTT.
    let application = VirtualRTTApplication()
    /// Where that application puts its RTT control block; nil: it uses no RTT (`rtt=none`).
    public var rttAddress: UInt32? {
        get { application.address }
        set { application.address = newValue }
    }
    /// The 96-bit unique device ID and where the part keeps it (`VirtualUniqueID`: each
    /// instance its own).
    public var uniqueID: (address: UInt32, bytes: [UInt8])?

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
    /// The core: its registers (DCRSR/DCRDR, the probe's READREG/WRITEREG) and the code a
    /// debugger runs from SRAM. The application in flash is not executed: it "runs".
    let core = VirtualCortexM()
    private var dcrdr: UInt32 = 0
    /// Registers this model gives no behaviour (the rest of the System Control Space, FPB, DWT,
    /// DBGMCU, RCC and other peripherals): they keep what is written, as plain registers do.
    private var plainRegisters: [UInt32: UInt32] = VirtualSWDTarget.cortexM4Identity
    /// What a Cortex-M4F's ID registers read: MVFR0/1 (FPv4-SP), FP_CTRL (6 code and 2 literal
    /// comparators), DWT_CTRL (4 comparators).
    static let cortexM4Identity: [UInt32: UInt32] = [
        0xE000_EF40: 0x1011_0021, 0xE000_EF44: 0x1100_0011, 0xE000_2000: 0x0000_0260, 0xE000_1000: 0x4000_0000,
    ]

    public init(
        cpuid: UInt32, idcode: UInt32, idcodeAddress: UInt32, flash: any VirtualFlashPeripheral,
        sram: [(base: UInt32, size: Int)], dpidr: UInt32 = VirtualPartCatalogue.dpCortexM4,
        coreAccessPort: UInt8 = 0
    ) {
        self.dpidr = dpidr
        self.coreAccessPort = coreAccessPort
        self.cpuid = cpuid
        self.idcode = idcode
        self.idcodeAddress = idcodeAddress
        self.flash = flash
        self.sram = sram.map { ($0.base, [UInt8](repeating: 0, count: $0.size)) }
        // The ROM table and the debug components' ID registers (what CoreSight discovery reads).
        if let core = VirtualCoreSight.Core(cpuid: cpuid) {
            plainRegisters.merge(VirtualCoreSight.idWords(core)) { _, id in id }
        }
    }

    /// Power-on: the application starts.
    public func powerOn() {
        halted = false
        swdDead = appDisablesSWD
        flash.booted(halted: false)
        startApplication()
    }

    /// The core leaves reset running: the application starts when the vector table is one a
    /// core can boot from (initial SP inside SRAM and word-aligned, a Thumb reset vector in flash).
    func startApplication() {
        let base = flash.flashBase
        guard let sp = read32(base), let reset = read32(base + 4), sp & 3 == 0, reset & 1 == 1,
            sram.contains(where: { sp > $0.base && UInt64(sp) <= UInt64($0.base) + UInt64($0.bytes.count) }),
            (base..<base + UInt32(flash.flashSpan)).contains(reset & ~1)
        else {
            application.stop()
            return
        }
        application.start(
            on: self,
            banner: "Bootwire virtual application: DEV_ID 0x\(String(idcode & 0xFFF, radix: 16)), "
                + "SP 0x\(String(sp, radix: 16)), reset vector 0x\(String(reset, radix: 16))\n")
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
        core.reset(bus: self, vectorTable: flash.flashBase)
        resetSticky = true
        if debugEnabled && (haltRequested || demcr & 1 != 0) {
            halted = true
            haltRequested = true
            dfsr |= 1 << 3
        } else {
            halted = false
            swdDead = appDisablesSWD
        }
        flash.booted(halted: halted)
        if halted { application.stop() } else { startApplication() }
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

    /// Whether `count` bytes from `address` are SRAM.
    public func sramHolds(_ address: UInt32, count: Int) -> Bool { sramIndex(address, count) != nil }

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
        if address >= flash.flashBase, address < flash.flashBase + UInt32(flash.flashSpan) {
            return flash.readFlash(address)
        }
        if address >= flash.registerBase, address < flash.registerBase + 0x400 {
            return flash.readRegister(address - flash.registerBase)
        }
        if let uniqueID, address >= uniqueID.address,
            UInt64(address) + 4 <= UInt64(uniqueID.address) + UInt64(uniqueID.bytes.count)
        {
            let at = Int(address - uniqueID.address)
            return (0..<4).reduce(0) { $0 | UInt32(uniqueID.bytes[at + $1]) << (8 * $1) }
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
        case 0xE000_EDF8: return dcrdr
        default: return flash.readSystem(address) ?? plainRegister(address)
        }
    }

    public func write32(_ address: UInt32, _ value: UInt32) -> SWDAccess {
        if let (i, o) = sramIndex(address, 4) {
            for b in 0..<4 { sram[i].bytes[o + b] = UInt8(truncatingIfNeeded: value >> (8 * b)) }
            return .ok
        }
        if address >= flash.flashBase, address < flash.flashBase + UInt32(flash.flashSpan) {
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
                    // A debugger resuming its own code in SRAM (a flash loader): not the application.
                    if sramIndex(core.r[15], 2) != nil { application.stop() }
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
        case 0xE000_EDF4:
            if value & 1 << 16 != 0 {
                core.setRegister(value & 0x7F, dcrdr)
            } else {
                dcrdr = core.register(value & 0x7F)
            }
            return .ok
        case 0xE000_EDF8:
            dcrdr = value
            return .ok
        default:
            guard Self.isPlainRegister(address) else { return .fault }
            plainRegisters[address] = value
            return .ok
        }
    }

    /// Peripherals (0x4000_0000–0x5FFF_FFFF) and the private peripheral bus (0xE000_0000–
    /// 0xE00F_FFFF) answer every word; unmapped space faults.
    static func isPlainRegister(_ address: UInt32) -> Bool {
        (0x4000_0000..<0x6000_0000).contains(address) || (0xE000_0000..<0xE010_0000).contains(address)
    }

    private func plainRegister(_ address: UInt32) -> UInt32? {
        Self.isPlainRegister(address) ? VirtualReadyFlags.read(address, stored: plainRegisters[address] ?? 0) : nil
    }

    public func read16(_ address: UInt32) -> UInt16? {
        guard address & 1 == 0, let word = read32(address & ~3) else { return nil }
        return UInt16(truncatingIfNeeded: word >> (8 * (address & 2)))
    }

    /// Halfword access: SRAM, flash (the controller checks the width), and registers as a
    /// read-modify-write of their word.
    public func write16(_ address: UInt32, _ value: UInt16) -> SWDAccess {
        guard address & 1 == 0 else { return .fault }
        if let (i, o) = sramIndex(address, 2) {
            sram[i].bytes[o] = UInt8(value & 0xFF)
            sram[i].bytes[o + 1] = UInt8(value >> 8)
            return .ok
        }
        if address >= flash.flashBase, address < flash.flashBase + UInt32(flash.flashSpan) {
            return flash.writeFlash(address, UInt32(value), width: 2)
        }
        guard let word = read32(address & ~3) else { return .fault }
        let shift = 8 * (address & 2)
        return write32(address & ~3, word & ~(0xFFFF << shift) | UInt32(value) << shift)
    }

    /// Lets a core the debugger started on SRAM code run until it halts (BKPT), faults, or waits
    /// on memory only the host changes. Called before each probe command.
    public func advance() {
        application.advance(on: self, running: !halted && !nrstLow)
        guard !halted, debugEnabled, !nrstLow, sramIndex(core.r[15], 2) != nil else { return }
        // Entering debug state sets C_HALT as well as S_HALT (stlink-org reads C_HALT, and
        // expects DHCSR 0x0003000B after its loader's BKPT).
        switch core.run(bus: self, budget: 2_000_000) {
        case .breakpoint:
            halted = true
            haltRequested = true
            dfsr |= 1 << 1
        case .fault:
            // A real core takes HardFault; with the debugger's vector catch it halts there.
            halted = true
            haltRequested = true
            dfsr |= 1 << 3
        case .waiting, .budget:
            break
        }
    }

    /// Byte access: SRAM, flash where the controller decides (SIZERR), registers.
    public func read8(_ address: UInt32) -> UInt8? {
        guard let word = read32(address & ~3) else { return nil }
        return UInt8(truncatingIfNeeded: word >> (8 * (address & 3)))
    }

    public func write8(_ address: UInt32, _ value: UInt8) -> SWDAccess {
        if let (i, o) = sramIndex(address, 1) {
            sram[i].bytes[o] = value
            return .ok
        }
        if address >= flash.flashBase, address < flash.flashBase + UInt32(flash.flashSpan) {
            return flash.writeFlash(address, UInt32(value), width: 1)
        }
        guard Self.isPlainRegister(address), let word = read32(address & ~3) else { return .fault }
        let shift = 8 * (address & 3)
        return write32(address & ~3, word & ~(0xFF << shift) | UInt32(value) << shift)
    }
}

extension VirtualSWDTarget: CortexBus {
    func cpuRead(_ address: UInt32, size: Int) -> UInt32? {
        switch size {
        case 4: address & 3 == 0 ? read32(address) : nil
        case 2: read16(address).map(UInt32.init)
        default: read8(address).map(UInt32.init)
        }
    }

    func cpuWrite(_ address: UInt32, _ value: UInt32, size: Int) -> Bool {
        let result =
            switch size {
            case 4: address & 3 == 0 ? write32(address, value) : .fault
            case 2: write16(address, UInt16(truncatingIfNeeded: value))
            default: write8(address, UInt8(truncatingIfNeeded: value))
            }
        return result == .ok
    }
}

import ArmDebug
import BootwireCore
import Foundation
import STM32

/// STM32F2/F4 flash by register access (spec 3.2): sectors of 16/64/128 KiB, PSIZE from the
/// target voltage (`Parallelism`), SER/SNB, MER, OPTCR with RDP and nWRP.
public final class F4FlashController: SWDFlashController, FlashRegisterClient {
    enum Reg {
        static let keyr: UInt32 = 0x04
        static let optkeyr: UInt32 = 0x08
        static let sr: UInt32 = 0x0C
        static let cr: UInt32 = 0x10
        static let optcr: UInt32 = 0x14
    }
    enum SR {
        static let operr: UInt32 = 1 << 1
        static let wrperr: UInt32 = 1 << 4
        static let pgaerr: UInt32 = 1 << 5
        static let pgperr: UInt32 = 1 << 6
        static let pgserr: UInt32 = 1 << 7
        static let bsy: UInt32 = 1 << 16
        static let errors: UInt32 = 0xF2
        static let clearAll: UInt32 = 0xF3
        static let names: [(UInt32, String)] = [
            (operr, "OPERR"), (wrperr, "WRPERR"), (pgaerr, "PGAERR"), (pgperr, "PGPERR"), (pgserr, "PGSERR"),
        ]
    }
    enum CR {
        static let pg: UInt32 = 1 << 0
        static let ser: UInt32 = 1 << 1
        static let mer: UInt32 = 1 << 2
        static let mer1: UInt32 = 1 << 15
        static let strt: UInt32 = 1 << 16
        static let lock: UInt32 = 1 << 31
    }
    static let optLock: UInt32 = 1 << 0
    static let optStart: UInt32 = 1 << 1
    let probe: any DebugProbe
    let base: UInt32
    let events: EventSink
    let registers: FlashRegisterAccess
    /// OPTCR fields (the part catalogue's).
    let fields: [SWDOptionField]
    public let layout: SWDFlashLayout
    /// Program and erase parallelism (FLASH_CR.PSIZE, RM0090 3.5.1 table 7: x32 needs 2.7–3.6 V,
    /// x8 works from 1.7 V). stlink-org (`stlink_flashloader_start`) reads the target voltage
    /// and programs x32 only above 2.7 V, x8 otherwise; a probe that measures nothing gets x8.
    public enum Parallelism: Sendable, Equatable {
        case x8, x32

        public init(volts: Double?) { self = (volts ?? 0) > 2.7 ? .x32 : .x8 }

        var psize: UInt32 { self == .x32 ? 2 << 8 : 0 }
        /// Bytes per store.
        public var bytes: Int { self == .x32 ? 4 : 1 }
    }

    public let parallelism: Parallelism
    /// One store of the parallelism's width.
    public var programUnit: Int { parallelism.bytes }
    public var blockSize = 16 << 10

    /// openocd `stm32f2x.c`: FLASH_ERASE_TIMEOUT 10 s for a sector, FLASH_MASS_ERASE_TIMEOUT 33 s
    /// (a 2 MiB part at x8 takes up to 32 s per the datasheets).
    static let sectorEraseTimeout: TimeInterval = 10
    static let massEraseTimeout: TimeInterval = 33

    /// `dualBankCapable` (F42x/F43x/F469/F479): then OPTCR's DB1M (bit 30) decides for 1 MiB,
    /// and above 1 MiB there are always two banks.
    public init(
        probe: any DebugProbe, base: UInt32, flashBase: UInt32 = 0x0800_0000, fields: [SWDOptionField],
        dualBankCapable: Bool, flashSize: Int, events: @escaping EventSink
    ) {
        self.probe = probe
        self.base = base
        self.events = events
        self.fields = fields
        parallelism = Parallelism(volts: probe.voltage)
        registers = FlashRegisterAccess(
            probe: probe, base: base,
            bits: .init(
                keyr: Reg.keyr, sr: Reg.sr, cr: Reg.cr, bsy: SR.bsy, errors: SR.errors, clearAll: SR.clearAll,
                lock: CR.lock, flagNames: SR.names),
            events: events)
        var dualBank = false
        if dualBankCapable {
            let db1m = ((try? probe.readWord(base + Reg.optcr)) ?? 0) & Self.db1m != 0
            dualBank = flashSize > 1 << 20 || (flashSize == 1 << 20 && db1m)
        }
        layout = SWDFlashLayout.f4(base: flashBase, size: flashSize, dualBank: dualBank)
    }

    static let db1m: UInt32 = 1 << 30

    /// Sector erase can take a second per 128 KiB (spec 3.2).
    func waitIdle(timeout: TimeInterval = sectorEraseTimeout) throws -> UInt32 {
        try registers.waitIdle(timeout: timeout)
    }

    public func unlock() throws {
        try registers.clearStaleErrors(timeout: 10)
        try registers.unlock(retryAfterReset: false)
    }

    public func lock() throws { try write(Reg.cr, CR.lock) }

    func check(_ operation: String, address: UInt32?, timeout: TimeInterval = sectorEraseTimeout) throws {
        let sr = try waitIdle(timeout: timeout)
        guard sr & SR.errors != 0 else { return }
        let cr = try read(Reg.cr)
        let optcr = try read(Reg.optcr)
        try write(Reg.sr, SR.clearAll)
        try write(Reg.cr, 0)
        var evidence = [
            "FLASH_SR": Hex.address(sr, width: 8, uppercase: true),
            "FLASH_CR": Hex.address(cr, width: 8, uppercase: true),
            "FLASH_OPTCR": Hex.address(optcr, width: 8, uppercase: true),
        ]
        if let address { evidence["address"] = Hex.address(address, width: 8, uppercase: true) }
        if sr & SR.wrperr != 0 {
            let sectors = try optionBytes().writeProtectedSectors
            throw BootwireError(
                .flashWriteProtected,
                "\(operation) refused: sectors \(sectors.map(String.init).joined(separator: ",")) are write-protected (nWRP)",
                hint: "`bootwire option-bytes set nwrp=none --yes` removes the protection", evidence: evidence)
        }
        throw BootwireError(
            .flashProgramError, "\(operation) failed: \(registers.names(sr))",
            hint: "check the target voltage (x32 needs 2.7–3.6 V; below it Bootwire programs x8)", evidence: evidence)
    }

    /// RM0090 3.9.8: SNB 0–11 bank 1, 0x10 + k bank 2's sector k (openocd: `(i − n/2) | 0x10`).
    static func snb(_ sector: SWDFlashSector) -> UInt32 { UInt32(sector.number) | (sector.bank == 2 ? 0x10 : 0) }

    public func erase(_ sector: SWDFlashSector) throws {
        let snb = Self.snb(sector) << 3
        try write(Reg.cr, CR.ser | parallelism.psize | snb)
        try write(Reg.cr, CR.ser | parallelism.psize | snb | CR.strt)
        try check("erase of bank \(sector.bank) sector \(sector.number)", address: sector.address)
    }

    public func massErase() throws {
        // MER erases bank 1 only; a dual-bank part needs MER1 as well (RM0090 3.5.3).
        let banks = layout.bankCount == 2 ? CR.mer | CR.mer1 : CR.mer
        try write(Reg.cr, banks | parallelism.psize)
        try write(Reg.cr, banks | parallelism.psize | CR.strt)
        try check("mass erase", address: nil, timeout: Self.massEraseTimeout)
        try write(Reg.cr, 0)
    }

    public func program(_ bytes: [UInt8], at address: UInt32) throws {
        try write(Reg.cr, CR.pg | parallelism.psize)
        try probe.programInBlocks(bytes, at: address, blockSize: blockSize, bytewise: parallelism == .x8) {
            try check($0, address: $1)
        }
        try write(Reg.cr, 0)
    }

    public func optionBytes() throws -> SWDOptionBytes {
        SWDOptionBytes(
            registers: [.optcr: try read(Reg.optcr)], addresses: [(.optcr, base + Reg.optcr)], fields: fields)
    }

    public func program(options: SWDOptionBytes) throws {
        try unlock()
        if try read(Reg.optcr) & Self.optLock != 0 {
            try write(Reg.optkeyr, L4FlashController.optKey1)
            try write(Reg.optkeyr, L4FlashController.optKey2)
        }
        let value = (options.registers[.optcr] ?? 0) & ~(Self.optLock | Self.optStart)
        try write(Reg.optcr, value)
        try write(Reg.optcr, value | Self.optStart)
        _ = try waitIdle(timeout: 40)
        try check("option byte programming", address: nil)
        try write(Reg.optcr, value | Self.optLock)
    }

    /// F4 loads OPTCR as OPTSTRT completes; no OBL_LAUNCH. UNCONFIRMED whether RDP needs a
    /// power cycle there too; the safe answer is yes for RDP only, which the caller says.
    public func launchOptionBytes() throws -> Bool { true }

    public func readProtection() throws -> BootwireError? {
        let optcr = try read(Reg.optcr)
        let rdp = (optcr >> 8) & 0xFF
        guard STM32RDPCodes.l4.level(rdp) != .level0 else { return nil }
        let evidence = ["FLASH_OPTCR": Hex.address(optcr, width: 8, uppercase: true)]
        if STM32RDPCodes.l4.level(rdp) == .level2 {
            return BootwireError(
                .flashPermanentlyLocked, "chip is permanently locked (RDP level 2)", evidence: evidence)
        }
        return BootwireError(
            .flashReadProtected, "device is read-protected (RDP level 1): flash cannot be read or written over SWD",
            hint: "`bootwire option-bytes set rdp=0 --yes` removes it and MASS-ERASES the flash",
            evidence: evidence)
    }
}

import ArmDebug
import BootwireCore
import Foundation
import STM32

/// STM32L4/L4+ flash by register access, exactly spec 3.1: keys, stale-flag clearing, PER/PNB/BKER
/// page erase, MER1/MER2, double-word programming through bulk WRITEMEM with one SR check per
/// block, option registers with OPTSTRT and OBL_LAUNCH.
public final class L4FlashController: SWDFlashController, FlashRegisterClient {
    enum SR {
        static let eop: UInt32 = 1 << 0
        static let operr: UInt32 = 1 << 1
        static let progerr: UInt32 = 1 << 3
        static let wrperr: UInt32 = 1 << 4
        static let pgaerr: UInt32 = 1 << 5
        static let sizerr: UInt32 = 1 << 6
        static let pgserr: UInt32 = 1 << 7
        static let miserr: UInt32 = 1 << 8
        static let fasterr: UInt32 = 1 << 9
        static let rderr: UInt32 = 1 << 14
        static let optverr: UInt32 = 1 << 15
    }
    typealias CR = L4FamilyCR
    static let optKey1: UInt32 = 0x0819_2A3B
    static let optKey2: UInt32 = 0x4C5D_6E7F

    let probe: any DebugProbe
    let base: UInt32
    let events: EventSink
    let registers: FlashRegisterAccess
    let device: STM32Device
    let flashSize: Int
    public private(set) var layout: SWDFlashLayout
    public private(set) var geometry: STM32FlashGeometry
    public let programUnit = 8
    /// Bytes per WRITEMEM block between SR checks: large, so few polls.
    public var blockSize = 16 << 10

    /// The part's register row: offsets, SR flags, option registers and fields.
    let row: PageFlashFamily

    /// `device` is the part's bootloader row (its geometry: DUALBANK, BFB2); `row` its registers.
    public init(
        probe: any DebugProbe, row: PageFlashFamily, base: UInt32, device: STM32Device, flashSize: Int,
        events: @escaping EventSink
    ) throws {
        self.probe = probe
        self.row = row
        self.base = base
        self.events = events
        registers = FlashRegisterAccess(
            probe: probe, base: base,
            bits: .init(
                keyr: row.keyr, sr: row.sr, cr: row.cr, bsy: row.srBusy, errors: row.srErrors,
                clearAll: row.srErrors | SR.eop, lock: CR.lock, flagNames: row.srFlags),
            events: events)
        self.device = device
        self.flashSize = flashSize
        geometry = device.geometry(flashSize: flashSize)
        layout = SWDFlashLayout(geometry)
        try refreshGeometry()
    }

    /// Geometry from OPTR (DUALBANK on the smaller dual-bank parts) and the live bank mapping,
    /// every session. The mapping is FB_MODE, not BFB2: after a reset-and-halt the ROM never ran,
    /// so bank 1 is at the flash base even with BFB2 set; trusting BFB2 there erases the other bank.
    func refreshGeometry() throws {
        var optr = try probe.readWord(base + row.optr)
        if device.banks == 2, let bit = row.romSwapBit {
            let live = LiveBankMapping.swapped(probe: probe, optr: optr, romSwapBit: bit, events: events)
            let bfb2: UInt32 = 1 << UInt32(bit)
            optr = live ? optr | bfb2 : optr & ~bfb2
        }
        var options = STM32OptionBytes.factory(for: device)
        options.setWord(area: 0, offset: 0, optr)
        geometry = device.geometry(flashSize: flashSize, options: options)
        layout = SWDFlashLayout(geometry)
    }

    func waitIdle(timeout: TimeInterval = 2) throws -> UInt32 { try registers.waitIdle(timeout: timeout) }

    public func unlock() throws {
        try registers.clearStaleErrors(timeout: 2)
        try registers.unlock(retryAfterReset: true)
    }

    public func lock() throws { try write(row.cr, CR.lock) }

    /// Checks SR after an operation; every error flag becomes its diagnosis.
    func check(_ operation: String, address: UInt32?, erasedSector: SWDFlashSector? = nil) throws {
        let sr = try waitIdle()
        guard sr & row.srErrors != 0 else { return }
        let cr = try read(row.cr)
        try write(row.sr, (row.srErrors | SR.eop))
        try write(row.cr, 0)
        var evidence = [
            "FLASH_SR": Hex.address(sr, width: 8, uppercase: true),
            "FLASH_CR": Hex.address(cr, width: 8, uppercase: true),
        ]
        if let address { evidence["address"] = Hex.address(address, width: 8, uppercase: true) }
        for (register, offset) in row.optionRegisters {
            evidence[register.name] = Hex.address(try read(offset), width: 8, uppercase: true)
        }
        if sr & SR.wrperr != 0 {
            let options = try optionBytes()
            let areas = options.writeProtectedAreas.map {
                "pages \($0.first)-\($0.last) of bank \($0.bank) (\($0.register))"
            }
            let what = areas.isEmpty ? "a write-protected area" : areas.joined(separator: ", ")
            throw BootwireError(
                .flashWriteProtected,
                operation == "mass erase"
                    ? "chip erase refused by WRP area: \(what)"
                    : "\(operation) refused: write-protected (WRP): \(what)",
                hint: "remove the area with `bootwire option-bytes set "
                    + "\(options.writeProtectedAreas.first?.field ?? "wrp1a")=none --yes`, or erase pages outside it",
                evidence: evidence)
        }
        if sr & SR.rderr != 0 {
            throw BootwireError(
                .flashPCROP, "\(operation) touched the PCROP area", hint: "PCROP code cannot be read or verified",
                evidence: evidence)
        }
        if sr & SR.progerr != 0, let mismatch = try bankMismatch(evidence: evidence, address: address) {
            throw mismatch
        }
        throw BootwireError(
            .flashProgramError, "\(operation) failed: \(registers.names(sr))",
            hint: sr & SR.progerr != 0
                ? "the target double-word was not erased; erase first (or the earlier erase silently failed)"
                : "pad images to 8 bytes and use 32-bit accesses only", evidence: evidence)
    }

    /// PROGERR right after erasing the page: if that page does not read erased, the controller
    /// erased another one — its bank layout is not what OPTR says (spec 4.2).
    func bankMismatch(evidence: [String: String], address: UInt32?) throws -> BootwireError? {
        guard let address, let sector = layout.sectors.first(where: { $0.range.contains(UInt64(address)) }),
            erasedThisSession.contains(sector.address)
        else { return nil }
        let head = try probe.readMemory(sector.address, count: 16)
        guard head.contains(where: { $0 != 0xFF }) else { return nil }
        var evidence = evidence
        evidence["page"] =
            "bank \(sector.bank) page \(sector.number) at \(Hex.address(sector.address, width: 8, uppercase: true))"
        evidence["read-after-erase"] = head.prefix(8).map { String(format: "%02X", $0) }.joined()
        evidence["flash-size"] = "\(flashSize >> 10) KiB"
        evidence["geometry"] = geometry.description
        return BootwireError(
            .flashBankMismatch,
            "the erase of bank \(sector.bank) page \(sector.number) (\(Hex.address(sector.address, width: 8, uppercase: true))) left it unerased: "
                + "the controller's bank layout is not the one OPTR shows, so another page was erased",
            hint: "OPTR shows option values that were never loaded; run `bootwire option-bytes reload` "
                + "(or power-cycle the target) so the controller and OPTR agree, then check `option-bytes show`",
            evidence: evidence)
    }

    private var erasedThisSession: Set<UInt32> = []

    public func erase(_ sector: SWDFlashSector) throws {
        let bank = sector.bank == 2 ? CR.bker : 0
        try write(row.cr, CR.per | UInt32(sector.number) << 3 | bank | CR.strt)
        try check(
            "erase of bank \(sector.bank) page \(sector.number)", address: sector.address, erasedSector: sector)
        // No CR = 0 here: the next store replaces PER/PNB anyway, and every round trip costs a USB frame.
        erasedThisSession.insert(sector.address)
    }

    public func massErase() throws {
        let banks = geometry.bankCount == 2 ? CR.mer1 | CR.mer2 : CR.mer1
        try write(row.cr, banks)
        try write(row.cr, banks | CR.strt)
        try check("mass erase", address: nil)
        try write(row.cr, 0)
        erasedThisSession.formUnion(layout.sectors.map(\.address))
    }

    public func program(_ bytes: [UInt8], at address: UInt32) throws {
        try write(row.cr, CR.pg)
        try probe.programInBlocks(bytes, at: address, blockSize: blockSize) { try check($0, address: $1) }
        try write(row.cr, 0)
    }

    public func optionBytes() throws -> SWDOptionBytes {
        var registers: [STM32OptionRegister: UInt32] = [:]
        for (register, offset) in row.optionRegisters { registers[register] = try read(offset) }
        return SWDOptionBytes(
            registers: registers, addresses: row.optionRegisters.map { ($0.register, base + $0.offset) },
            fields: row.fields)
    }

    public func program(options: SWDOptionBytes) throws {
        try unlock()
        if try read(row.cr) & CR.optlock != 0 {
            try write(row.optkeyr, Self.optKey1)
            try write(row.optkeyr, Self.optKey2)
        }
        let cr = try read(row.cr)
        guard cr & CR.optlock == 0 else {
            throw BootwireError(
                .flashLocked, "the option bytes stay locked after the option keys",
                hint: "power-cycle the target", evidence: ["FLASH_CR": Hex.address(cr, width: 8, uppercase: true)])
        }
        let current = try optionBytes()
        for (register, offset) in row.optionRegisters where current.registers[register] != options.registers[register] {
            try write(offset, options.registers[register] ?? 0)
        }
        try write(row.cr, CR.optstrt)
        // RDP 1 → 0 mass-erases the flash first: seconds, not milliseconds.
        let sr = try waitIdle(timeout: 30)
        if sr & (SR.optverr | SR.pgserr) != 0 {
            try write(row.sr, (row.srErrors | SR.eop))
            throw BootwireError(
                .flashProgramError, "option byte programming failed: \(registers.names(sr))",
                hint: "check the values; OPTVERR means an invalid combination",
                evidence: [
                    "FLASH_SR": Hex.address(sr, width: 8, uppercase: true),
                    "FLASH_CR": Hex.address(try read(row.cr), width: 8, uppercase: true),
                ])
        }
    }

    public func launchOptionBytes() throws -> Bool {
        try unlock()
        if try read(row.cr) & CR.optlock != 0 {
            try write(row.optkeyr, Self.optKey1)
            try write(row.optkeyr, Self.optKey2)
        }
        do {
            try write(row.cr, CR.oblLaunch)
        } catch let fault as ProbeError where fault.fault == .lostConnection {
            // The part resets under the probe: the write reports a DP error (openocd ignores it).
        }
        return true
    }

    public func readProtection() throws -> BootwireError? {
        let optr = try read(row.optr)
        let rdp = optr & 0xFF
        guard STM32RDPCodes.l4.level(rdp) != .level0 else { return nil }
        var evidence = ["OPTR": Hex.address(optr, width: 8, uppercase: true)]
        do {
            _ = try probe.readMemory(geometry.base, count: 4)
        } catch let fault as ProbeError {
            evidence["flash-read"] = fault.status
        }
        if STM32RDPCodes.l4.level(rdp) == .level2 {
            return BootwireError(
                .flashPermanentlyLocked, "chip is permanently locked (RDP level 2); cannot be recovered by debugger",
                evidence: evidence)
        }
        return BootwireError(
            .flashReadProtected,
            "device is read-protected (RDP level 1, OPTR.RDP 0x\(String(rdp, radix: 16, uppercase: true))): flash cannot be read or written over SWD",
            hint: "`bootwire option-bytes set rdp=0 --yes` removes it and MASS-ERASES the flash; "
                + "if RDP was just set with the probe attached, power-cycle the target first",
            evidence: evidence)
    }
}

import BootwireCore
import Foundation
import STM32

/// STM32L4/L4+ flash by register access, exactly spec 3.1: keys, stale-flag clearing, PER/PNB/BKER
/// page erase, MER1/MER2, double-word programming through bulk WRITEMEM with one SR check per
/// block, option registers with OPTSTRT and OBL_LAUNCH.
public final class L4FlashController: SWDFlashController, FlashRegisterClient {
    enum Reg {
        static let keyr: UInt32 = 0x08
        static let optkeyr: UInt32 = 0x0C
        static let sr: UInt32 = 0x10
        static let cr: UInt32 = 0x14
        static let optr: UInt32 = 0x20
    }
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
        static let bsy: UInt32 = 1 << 16
        static let errors: UInt32 = 0xC3FA
        static let clearAll: UInt32 = 0xC3FB
        static let names: [(UInt32, String)] = [
            (operr, "OPERR"), (progerr, "PROGERR"), (wrperr, "WRPERR"), (pgaerr, "PGAERR"), (sizerr, "SIZERR"),
            (pgserr, "PGSERR"), (miserr, "MISERR"), (fasterr, "FASTERR"), (rderr, "RDERR"), (optverr, "OPTVERR"),
        ]
    }
    typealias CR = L4FamilyCR
    static let optKey1: UInt32 = 0x0819_2A3B
    static let optKey2: UInt32 = 0x4C5D_6E7F

    /// Option registers in address order.
    static let optionRegisters: [(name: String, offset: UInt32)] = [
        ("OPTR", 0x20), ("PCROP1SR", 0x24), ("PCROP1ER", 0x28), ("WRP1AR", 0x2C), ("WRP1BR", 0x30),
        ("PCROP2SR", 0x44), ("PCROP2ER", 0x48), ("WRP2AR", 0x4C), ("WRP2BR", 0x50),
    ]
    static let fields: [SWDOptionField] = [
        SWDOptionField("rdp", "OPTR", 0, 8, .rdp), SWDOptionField("bor_lev", "OPTR", 8, 3, .number),
        SWDOptionField("nrst_stop", "OPTR", 12), SWDOptionField("nrst_stdby", "OPTR", 13),
        SWDOptionField("nrst_shdw", "OPTR", 14), SWDOptionField("iwdg_sw", "OPTR", 16),
        SWDOptionField("iwdg_stop", "OPTR", 17), SWDOptionField("iwdg_stdby", "OPTR", 18),
        SWDOptionField("wwdg_sw", "OPTR", 19), SWDOptionField("bfb2", "OPTR", 20),
        SWDOptionField("dualbank", "OPTR", 21), SWDOptionField("nboot1", "OPTR", 23),
        SWDOptionField("sram2_pe", "OPTR", 24), SWDOptionField("sram2_rst", "OPTR", 25),
        SWDOptionField("nswboot0", "OPTR", 26), SWDOptionField("nboot0", "OPTR", 27),
        SWDOptionField("wrp1a", "WRP1AR", 0, 24, .wrpArea(bank: 1)),
        SWDOptionField("wrp1b", "WRP1BR", 0, 24, .wrpArea(bank: 1)),
        SWDOptionField("wrp2a", "WRP2AR", 0, 24, .wrpArea(bank: 2)),
        SWDOptionField("wrp2b", "WRP2BR", 0, 24, .wrpArea(bank: 2)),
        SWDOptionField("pcrop1_start", "PCROP1SR", 0, 16, .number),
        SWDOptionField("pcrop1_end", "PCROP1ER", 0, 16, .number),
    ]

    let probe: STLinkProbe
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

    /// This part's option registers and fields: single-bank parts have no bank-2 registers, and
    /// their OPTR bits 20–21 are reserved (bit 21 reads 1), so they show neither BFB2 nor DUALBANK.
    let optionRegisters: [(name: String, offset: UInt32)]
    let fields: [SWDOptionField]

    /// SYSCFG_MEMRMP: FB_MODE (bit 8) is the live bank swap, set by the ROM when it jumped to
    /// bank 2 and 0 after a reset-and-halt, whatever BFB2 says (RM0351 9.2.1; openocd reads no BFB2).
    static let syscfgMemrmp: UInt32 = 0x4001_0000
    static let fbMode: UInt32 = 1 << 8
    static let bfb2: UInt32 = 1 << 20

    /// `deviceID` picks the shared device-table row (0x415 L47x, 0x435 L43x, 0x462 L45x, …); an L4
    /// the table lacks (0x461) is taken as the dual-bank L476.
    public init(
        probe: STLinkProbe, family: STM32SWDFamily, flashSize: Int, events: @escaping EventSink,
        deviceID: UInt16 = 0x415
    ) throws {
        self.probe = probe
        base = family.controllerBase
        self.events = events
        registers = FlashRegisterAccess(
            probe: probe, base: family.controllerBase,
            bits: .init(
                keyr: Reg.keyr, sr: Reg.sr, cr: Reg.cr, bsy: SR.bsy, errors: SR.errors, clearAll: SR.clearAll,
                lock: CR.lock, flagNames: SR.names),
            events: events)
        let device = family.device(deviceID: deviceID) ?? STM32DeviceTable.l476
        self.device = device
        let singleBank = device.banks == 1
        optionRegisters = Self.optionRegisters.filter { !singleBank || $0.offset < 0x40 }
        fields = Self.fields.filter { field in
            !singleBank || !["bfb2", "dualbank", "wrp2a", "wrp2b"].contains(field.name)
        }
        self.flashSize = flashSize
        geometry = device.geometry(flashSize: flashSize)
        layout = SWDFlashLayout(geometry)
        try refreshGeometry()
    }

    /// Geometry from OPTR (DUALBANK on the smaller dual-bank parts) and the live bank mapping,
    /// every session. The mapping is FB_MODE, not BFB2: after a reset-and-halt the ROM never ran,
    /// so bank 1 is at the flash base even with BFB2 set; trusting BFB2 there erases the other bank.
    func refreshGeometry() throws {
        var optr = try probe.readWord(base + Reg.optr)
        if device.banks == 2 {
            let live = (try? probe.readWord(Self.syscfgMemrmp)).map { $0 & Self.fbMode != 0 } ?? (optr & Self.bfb2 != 0)
            if live != (optr & Self.bfb2 != 0) {
                events(
                    .note(
                        .info(
                            "BFB2 is \(optr & Self.bfb2 != 0 ? 1 : 0) but the banks are "
                                + (live ? "swapped" : "not swapped")
                                + " now (SYSCFG_MEMRMP.FB_MODE \(live ? 1 : 0)): pages follow the live mapping")))
            }
            optr = live ? optr | Self.bfb2 : optr & ~Self.bfb2
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

    public func lock() throws { try write(Reg.cr, CR.lock) }

    /// Checks SR after an operation; every error flag becomes its diagnosis.
    func check(_ operation: String, address: UInt32?, erasedSector: SWDFlashSector? = nil) throws {
        let sr = try waitIdle()
        guard sr & SR.errors != 0 else { return }
        let cr = try read(Reg.cr)
        try write(Reg.sr, SR.clearAll)
        try write(Reg.cr, 0)
        var evidence = ["FLASH_SR": Hex.address(sr, width: 8, uppercase: true), "FLASH_CR": Hex.address(cr, width: 8, uppercase: true)]
        if let address { evidence["address"] = Hex.address(address, width: 8, uppercase: true) }
        for (name, offset) in optionRegisters { evidence[name] = Hex.address(try read(offset), width: 8, uppercase: true) }
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
        evidence["page"] = "bank \(sector.bank) page \(sector.number) at \(Hex.address(sector.address, width: 8, uppercase: true))"
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
        try write(Reg.cr, CR.per | UInt32(sector.number) << 3 | bank | CR.strt)
        try check(
            "erase of bank \(sector.bank) page \(sector.number)", address: sector.address, erasedSector: sector)
        // No CR = 0 here: the next store replaces PER/PNB anyway, and every round trip costs a USB frame.
        erasedThisSession.insert(sector.address)
    }

    public func massErase() throws {
        let banks = geometry.bankCount == 2 ? CR.mer1 | CR.mer2 : CR.mer1
        try write(Reg.cr, banks)
        try write(Reg.cr, banks | CR.strt)
        try check("mass erase", address: nil)
        try write(Reg.cr, 0)
        erasedThisSession.formUnion(layout.sectors.map(\.address))
    }

    public func program(_ bytes: [UInt8], at address: UInt32) throws {
        try write(Reg.cr, CR.pg)
        try probe.programInBlocks(bytes, at: address, blockSize: blockSize) { try check($0, address: $1) }
        try write(Reg.cr, 0)
    }

    public func optionBytes() throws -> SWDOptionBytes {
        var registers: [String: UInt32] = [:]
        for (name, offset) in optionRegisters { registers[name] = try read(offset) }
        return SWDOptionBytes(
            registers: registers, addresses: optionRegisters.map { ($0.name, base + $0.offset) },
            fields: fields)
    }

    public func program(options: SWDOptionBytes) throws {
        try unlock()
        if try read(Reg.cr) & CR.optlock != 0 {
            try write(Reg.optkeyr, Self.optKey1)
            try write(Reg.optkeyr, Self.optKey2)
        }
        let cr = try read(Reg.cr)
        guard cr & CR.optlock == 0 else {
            throw BootwireError(
                .flashLocked, "the option bytes stay locked after the option keys",
                hint: "power-cycle the target", evidence: ["FLASH_CR": Hex.address(cr, width: 8, uppercase: true)])
        }
        let current = try optionBytes()
        for (name, offset) in optionRegisters where current.registers[name] != options.registers[name] {
            try write(offset, options.registers[name] ?? 0)
        }
        try write(Reg.cr, CR.optstrt)
        // RDP 1 → 0 mass-erases the flash first: seconds, not milliseconds.
        let sr = try waitIdle(timeout: 30)
        if sr & (SR.optverr | SR.pgserr) != 0 {
            try write(Reg.sr, SR.clearAll)
            throw BootwireError(
                .flashProgramError, "option byte programming failed: \(registers.names(sr))",
                hint: "check the values; OPTVERR means an invalid combination",
                evidence: ["FLASH_SR": Hex.address(sr, width: 8, uppercase: true), "FLASH_CR": Hex.address(try read(Reg.cr), width: 8, uppercase: true)])
        }
    }

    public func launchOptionBytes() throws -> Bool {
        try unlock()
        if try read(Reg.cr) & CR.optlock != 0 {
            try write(Reg.optkeyr, Self.optKey1)
            try write(Reg.optkeyr, Self.optKey2)
        }
        do {
            try write(Reg.cr, CR.oblLaunch)
        } catch let fault as SWDFault where fault.status.code == 0x16 || fault.status.code == 0x15 {
            // The part resets under the probe: the write reports a DP error (openocd ignores it).
        }
        return true
    }

    public func readProtection() throws -> BootwireError? {
        let optr = try read(Reg.optr)
        let rdp = optr & 0xFF
        guard rdp != 0xAA else { return nil }
        var evidence = ["OPTR": Hex.address(optr, width: 8, uppercase: true)]
        do {
            _ = try probe.readMemory(geometry.base, count: 4)
        } catch let fault as SWDFault {
            evidence["flash-read"] = fault.status.description
        }
        if rdp == 0xCC {
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

import ArmDebug
import BootwireCore
import Foundation
import STM32

/// The L4-pattern flash controllers of STM32U5, G4, G0 and WB, driven from their
/// `PageFlashFamily` row: keys, stale flags, PER/PNB/BKER page erase, MER1/MER2, programming in
/// the family's unit (U5 quad word, the others double word) by bulk WRITEMEM with one SR check
/// per block, option registers with OPTSTRT and OBL_LAUNCH. The CR bits every row shares are here.
public final class PageFlashController: SWDFlashController, FlashRegisterClient {
    typealias CR = L4FamilyCR
    static let wrperr: UInt32 = 1 << 4

    let probe: any DebugProbe
    let family: PageFlashFamily
    let base: UInt32
    let flashBase: UInt32
    let flashSize: Int
    let registers: FlashRegisterAccess
    let events: EventSink
    public private(set) var layout: SWDFlashLayout
    public var programUnit: Int { family.programUnit }
    /// Bytes per WRITEMEM block between SR checks.
    public var blockSize = 16 << 10
    /// WB: the first page CPU2 owns (SFSA), when the secure area is enabled.
    public private(set) var firstSecurePage: Int?

    public init(
        probe: any DebugProbe, family: PageFlashFamily, base: UInt32, flashBase: UInt32 = 0x0800_0000, flashSize: Int,
        events: @escaping EventSink
    ) throws {
        self.probe = probe
        self.family = family
        self.base = base
        self.flashBase = flashBase
        self.flashSize = flashSize
        self.events = events
        registers = FlashRegisterAccess(
            probe: probe, base: base,
            bits: .init(
                keyr: family.keyr, sr: family.sr, cr: family.cr, bsy: family.srBusy, errors: family.srErrors,
                clearAll: family.srErrors | 1, lock: CR.lock, flagNames: family.srFlags),
            events: events)
        layout = SWDFlashLayout(sectors: [], summary: "")
        try refreshLayout()
    }

    /// Pages from the flash size and OPTR (bank option, hardware swap) and, on WB, SFSA.
    func refreshLayout() throws {
        let optr = try read(family.optr)
        let (banks, pageSize) = family.banks.layout(size: flashSize, pageSize: family.pageSize, optr: optr)
        // U5: the hardware swap (SWAP_BANK). G4: the ROM's (BFB2), as the L4's live mapping.
        let hardwareSwap = family.swapBit.map { optr >> UInt32($0) & 1 == 1 } == true
        var romSwap = false
        if banks == 2, let bit = family.romSwapBit {
            romSwap = LiveBankMapping.swapped(probe: probe, optr: optr, romSwapBit: bit, events: events)
        }
        let swapped = banks == 2 && (hardwareSwap || romSwap)
        if let sfr = family.secureFlashRegister {
            let value = try read(sfr)
            // FSD set: no secure area. SFSA counts pages from the flash base.
            firstSecurePage = value & (1 << 8) != 0 ? nil : Int(value & 0xFF)
        }
        let pagesPerBank = flashSize / banks / pageSize
        let secure = firstSecurePage
        let sectors = SWDFlashLayout.banked(
            flashBase: flashBase, size: flashSize, banks: banks, unitSize: pageSize, bank2Offset: family.bank2Offset,
            swapped: swapped, skip: { page in secure.map { page >= $0 } ?? false })
        var summary = "\(flashSize >> 10) KiB, \(pagesPerBank * banks) pages of \(pageSize >> 10) KiB"
        if banks == 2 { summary += " in 2 banks" + (swapped ? " (swapped: bank 2 at the flash base)" : "") }
        if banks == 2, let offset = family.bank2Offset, offset != flashSize / 2, !swapped {
            summary += ", bank 2 at \(Hex.address(flashBase + UInt32(offset), width: 8, uppercase: true))"
        }
        if let secure = firstSecurePage { summary += ", CPU2 secure area from page \(secure)" }
        layout = SWDFlashLayout(sectors: sectors, summary: summary)
    }

    public func unlock() throws {
        try registers.clearStaleErrors(timeout: 2)
        try registers.unlock(retryAfterReset: true)
    }

    public func lock() throws { try write(family.cr, CR.lock) }

    /// SR after an operation; every error flag becomes its diagnosis with the registers.
    func check(_ operation: String, address: UInt32?) throws {
        let sr = try registers.waitIdle(timeout: 2)
        guard sr & family.srErrors != 0 else { return }
        let cr = try read(family.cr)
        try write(family.sr, family.srErrors | 1)
        try write(family.cr, 0)
        var evidence = [
            "FLASH_SR": Hex.address(sr, width: 8, uppercase: true),
            "FLASH_CR": Hex.address(cr, width: 8, uppercase: true),
        ]
        if let address { evidence["address"] = Hex.address(address, width: 8, uppercase: true) }
        for (register, offset) in family.optionRegisters {
            evidence[register.name] = Hex.address(try read(offset), width: 8, uppercase: true)
        }
        if sr & Self.wrperr != 0 {
            let options = try optionBytes()
            let areas = options.writeProtectedAreas.map {
                "pages \($0.first)-\($0.last) of bank \($0.bank) (\($0.register))"
            }
            throw BootwireError(
                .flashWriteProtected,
                "\(operation) refused: write-protected (WRP): "
                    + (areas.isEmpty ? "a protected area" : areas.joined(separator: ", ")),
                hint: "remove the area with `bootwire option-bytes set "
                    + "\(options.writeProtectedAreas.first?.field ?? "wrp1a")=none --yes`, or erase pages outside it",
                evidence: evidence)
        }
        throw BootwireError(
            .flashProgramError, "\(operation) failed: \(registers.names(sr))",
            hint: "erase the range first; images are padded to \(programUnit) bytes and written with 32-bit accesses",
            evidence: evidence)
    }

    public func erase(_ sector: SWDFlashSector) throws {
        let bank = sector.bank == 2 ? family.bankEraseBit ?? 0 : 0
        let pnb = UInt32(sector.number) & ((1 << UInt32(family.pageNumberBits)) - 1)
        try write(family.cr, CR.per | pnb << 3 | bank | CR.strt)
        try check("erase of bank \(sector.bank) page \(sector.number)", address: sector.address)
    }

    /// WB: CPU1 may not mass-erase (the secure area), so every page below SFSA is erased instead.
    public func massErase() throws {
        if family.secureFlashRegister != nil {
            for sector in layout.sectors { try erase(sector) }
            return
        }
        let banks = layout.bankCount == 2 ? CR.mer1 | CR.mer2 : CR.mer1
        try write(family.cr, banks)
        try write(family.cr, banks | CR.strt)
        try check("mass erase", address: nil)
        try write(family.cr, 0)
    }

    public func program(_ bytes: [UInt8], at address: UInt32) throws {
        if let secure = firstSecurePage, let last = layout.sectors.last,
            UInt64(address) + UInt64(bytes.count) > last.range.upperBound
        {
            throw BootwireError(
                .flashSecureArea,
                "\(Hex.address(address, width: 8, uppercase: true))+\(bytes.count) reaches CPU2's secure area (SFSA page \(secure), "
                    + "\(Hex.address(flashBase + UInt32(secure * family.pageSize), width: 8, uppercase: true)))",
                evidence: [
                    "FLASH_SFR": Hex.address(try read(family.secureFlashRegister ?? 0x80), width: 8, uppercase: true)
                ])
        }
        try write(family.cr, CR.pg)
        try probe.programInBlocks(bytes, at: address, blockSize: blockSize) { try check($0, address: $1) }
        try write(family.cr, 0)
        try clearEmpty(afterWriting: address)
    }

    /// G0: once the first word of main flash is programmed, FLASH_ACR.EMPTY is cleared so the next
    /// reset boots it rather than the system bootloader (BMP `stm32g0.c`: only after a write at
    /// the flash base that reads back programmed). ACR is at offset 0 (RM0444 3.7.1).
    func clearEmpty(afterWriting address: UInt32) throws {
        guard let empty = family.acrEmptyBit, address == flashBase,
            try probe.readWord(flashBase) != 0xFFFF_FFFF
        else { return }
        let acr = try read(0)
        if acr & empty != 0 { try write(0, acr & ~empty) }
    }

    public func optionBytes() throws -> SWDOptionBytes {
        var values: [STM32OptionRegister: UInt32] = [:]
        for (register, offset) in family.optionRegisters { values[register] = try read(offset) }
        return SWDOptionBytes(
            registers: values, addresses: family.optionRegisters.map { ($0.register, base + $0.offset) },
            fields: family.fields)
    }

    func unlockOptions() throws {
        try unlock()
        if try read(family.cr) & CR.optlock != 0 {
            try write(family.optkeyr, L4FlashController.optKey1)
            try write(family.optkeyr, L4FlashController.optKey2)
        }
        let cr = try read(family.cr)
        guard cr & CR.optlock == 0 else {
            throw BootwireError(
                .flashLocked, "the option bytes stay locked after the option keys", hint: "power-cycle the target",
                evidence: ["FLASH_CR": Hex.address(cr, width: 8, uppercase: true)])
        }
    }

    public func program(options: SWDOptionBytes) throws {
        let current = try optionBytes()
        // SFR and SRRVR belong to the FUS on WB: CPU1's writes are ignored.
        for register in [STM32OptionRegister.sfr, .srrvr]
        where current.registers[register] != options.registers[register] {
            throw BootwireError(
                .flashSecureArea, "\(register) is set by the WB's FUS, not by the debugger",
                hint: "change the secure area with a FUS wireless-stack install (`bootwire fus`)")
        }
        try unlockOptions()
        for (register, offset) in family.optionRegisters
        where current.registers[register] != options.registers[register] {
            try write(offset, options.registers[register] ?? 0)
        }
        try write(family.cr, CR.optstrt)
        // RDP 1 → 0 mass-erases first: seconds.
        let sr = try registers.waitIdle(timeout: 30)
        if sr & family.srErrors != 0 {
            try write(family.sr, family.srErrors | 1)
            throw BootwireError(
                .flashProgramError, "option byte programming failed: \(registers.names(sr))",
                hint: "check the values: an invalid combination is refused",
                evidence: [
                    "FLASH_SR": Hex.address(sr, width: 8, uppercase: true),
                    "FLASH_CR": Hex.address(try read(family.cr), width: 8, uppercase: true),
                ])
        }
    }

    public func launchOptionBytes() throws -> Bool {
        try unlockOptions()
        do {
            try write(family.cr, CR.oblLaunch)
        } catch let fault as ProbeError where fault.fault == .lostConnection {
            // The part resets under the probe.
        }
        return true
    }

    public func readProtection() throws -> BootwireError? {
        let optr = try read(family.optr)
        var evidence = ["OPTR": Hex.address(optr, width: 8, uppercase: true)]
        if let bit = family.trustZoneBit, optr >> UInt32(bit) & 1 == 1 {
            return BootwireError(
                .flashTrustZoneEnabled,
                "\(family.name): TrustZone is on (OPTR.TZEN = 1): the non-secure flash registers Bootwire drives "
                    + "cannot erase or program secure pages",
                hint: "program it with STM32CubeProgrammer, or clear TZEN (an RDP regression) first", evidence: evidence
            )
        }
        let rdp = optr & 0xFF
        guard STM32RDPCodes.l4.level(rdp) != .level0 else { return nil }
        do {
            _ = try probe.readMemory(flashBase, count: 4)
        } catch let fault as ProbeError {
            evidence["flash-read"] = fault.status
        }
        if STM32RDPCodes.l4.level(rdp) == .level2 {
            return BootwireError(
                .flashPermanentlyLocked, "\(family.name) is permanently locked (RDP level 2)", evidence: evidence)
        }
        return BootwireError(
            .flashReadProtected,
            "\(family.name) is read-protected (RDP level 1, OPTR.RDP 0x\(String(rdp, radix: 16, uppercase: true))): "
                + "flash cannot be read or written over SWD",
            hint: "`bootwire option-bytes set rdp=0 --yes` removes it and MASS-ERASES the flash", evidence: evidence)
    }
}

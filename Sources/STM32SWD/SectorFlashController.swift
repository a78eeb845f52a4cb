import ArmDebug
import BootwireCore
import Foundation
import STM32

/// The H7-pattern flash controllers of STM32H5 and STM32H7, driven from their
/// `SectorFlashFamily` row: LOCK in CR bit 0, sector erase (SER/SNB, bank by a CR bit or by
/// the second register block), bank erase (BER), programming through the write buffer one
/// flash word (H5 16 bytes, H7 32) at a time, each waited for, errors cleared through CCR,
/// option registers written to their _PRG twins and started by OPTSTRT.
public final class SectorFlashController: SWDFlashController {
    static let optLock: UInt32 = 1 << 0
    static let optStart: UInt32 = 1 << 1
    /// OPTSR2.TZEN with TrustZone off (RM0481; other codes mean on: UNCONFIRMED beyond 0xC3).
    static let trustZoneOff: UInt32 = 0xB4
    /// Waits never tighter than openocd's (stm32h7x.c, 1 ms a poll): a bank erase 30 000 polls
    /// (8 sectors of up to 2.2 s each on H7), a sector erase and an option change 10 000
    /// (FLASH_ERASE_TIMEOUT), a flash word 5 (FLASH_WRITE_TIMEOUT; 1 s here).
    static let bankEraseTimeout: TimeInterval = 30
    static let sectorEraseTimeout: TimeInterval = 10
    static let optionChangeTimeout: TimeInterval = 10
    static let flashWordTimeout: TimeInterval = 1

    let probe: any DebugProbe
    let family: SectorFlashFamily
    let base: UInt32
    let flashBase: UInt32
    let flashSize: Int
    let banks: Int
    let events: EventSink
    public private(set) var layout: SWDFlashLayout
    public var programUnit: Int { family.programUnit }
    public var blockSize = 16 << 10
    private var unlockedBanks: Set<Int> = []

    /// `banks`: 2 on H5 and H74x/H75x, 1 on H72x/H73x (the part's row says); one on a part no
    /// larger than the row's `oneBankUpTo` (H750).
    public init(
        probe: any DebugProbe, family: SectorFlashFamily, base: UInt32, flashBase: UInt32 = 0x0800_0000,
        flashSize: Int, banks: Int, events: @escaping EventSink
    ) throws {
        self.probe = probe
        self.family = family
        self.base = base
        self.flashBase = flashBase
        self.flashSize = flashSize
        self.banks = family.oneBankUpTo.map { flashSize <= $0 } == true ? 1 : banks
        self.events = events
        layout = SWDFlashLayout(sectors: [], summary: "")
        try refreshLayout()
    }

    /// The register block of `bank` (H7 has one per bank; H5 one for both).
    func block(_ bank: Int) -> UInt32 {
        if case .registerBlock(let offset) = family.bankSelect, bank == 2 { return base + offset }
        return base
    }

    func access(_ bank: Int) -> FlashRegisterAccess {
        FlashRegisterAccess(
            probe: probe, base: block(bank),
            bits: .init(
                keyr: family.keyr, sr: family.sr, cr: family.cr, bsy: family.srBusy, errors: family.srErrors,
                clearAll: family.srErrors, lock: 1 << 0, flagNames: family.srFlags),
            events: events)
    }

    /// The banks as they are mapped now: H7's OPTCR.SWAP_BANK, not OPTSR_CUR, which a swap
    /// written without a reset since has already changed (openocd and BMP do not swap at all).
    func refreshLayout() throws {
        let mapping = try probe.readWord(base + (family.liveSwapRegister ?? family.optionRegisters[0].current))
        let swapped = banks == 2 && family.swapBit.map { mapping >> UInt32($0) & 1 == 1 } == true
        if banks == 2, family.liveSwapRegister != nil, let bit = family.swapBit {
            let loaded = try probe.readWord(base + family.optionRegisters[0].current) >> UInt32(bit) & 1 == 1
            if loaded != swapped {
                events(
                    .note(
                        .info(
                            "SWAP_BANK is \(loaded ? 1 : 0) in the option bytes but the banks run "
                                + (swapped ? "swapped" : "unswapped")
                                + " until the next reset: addresses follow the mapping in use now")))
            }
        }
        let sectors = SWDFlashLayout.banked(
            flashBase: flashBase, size: flashSize, banks: banks, unitSize: family.sectorSize,
            bank2Offset: family.bank2Offset, swapped: swapped)
        layout = SWDFlashLayout(
            sectors: sectors,
            summary: "\(flashSize >> 10) KiB, \(sectors.count) sectors of \(family.sectorSize >> 10) KiB"
                + (banks == 2 ? " in 2 banks" + (swapped ? " (swapped)" : "") : ""))
    }

    /// Waits, clears flags an earlier operation left (reported), unlocks each bank's CR.
    public func unlock() throws {
        for bank in 1...(family.bankSelect.isRegisterBlock ? banks : 1) {
            let registers = access(bank)
            let sr = try registers.waitIdle(timeout: 2)
            if sr & family.srErrors != 0 {
                events(
                    .note(
                        .warning(
                            .flashStaleErrors,
                            "flash controller reports previous error \(Hex.address(sr, width: 8, uppercase: true)) (\(registers.names(sr))); clearing"
                        )))
                try registers.write(family.ccr, family.srErrors | 1 << 16)
            }
            try registers.unlock(retryAfterReset: true)
            unlockedBanks.insert(bank)
        }
    }

    public func lock() throws {
        for bank in unlockedBanks.sorted() { try access(bank).write(family.cr, 1 << 0) }
        unlockedBanks = []
    }

    func check(_ operation: String, bank: Int, address: UInt32?, timeout: TimeInterval) throws {
        let registers = access(bank)
        let sr = try registers.waitIdle(timeout: timeout)
        guard sr & family.srErrors != 0 else { return }
        let cr = try registers.read(family.cr)
        try registers.write(family.ccr, family.srErrors | 1 << 16)
        try registers.write(family.cr, 0)
        var evidence = [
            "FLASH_SR": Hex.address(sr, width: 8, uppercase: true),
            "FLASH_CR": Hex.address(cr, width: 8, uppercase: true),
        ]
        if let address { evidence["address"] = Hex.address(address, width: 8, uppercase: true) }
        let options = try optionBytes()
        for (register, _) in options.addresses {
            evidence[register.name] = Hex.address(options.registers[register] ?? 0, width: 8, uppercase: true)
        }
        if sr & (1 << 17) != 0 {
            let protected = options.decoded.filter { $0.value.hasPrefix("sectors") }
                .map { "\($0.name): \($0.value)" }
            throw BootwireError(
                .flashWriteProtected,
                "\(operation) refused: write-protected: "
                    + (protected.isEmpty ? "a protected sector" : protected.joined(separator: ", ")),
                hint: "clear the protection with `bootwire option-bytes set "
                    + "\(protected.first?.split(separator: ":").first.map(String.init) ?? "wrp")=none --yes`",
                evidence: evidence)
        }
        throw BootwireError(
            .flashProgramError, "\(operation) failed: \(registers.names(sr))",
            hint: "erase the range first; images are padded to \(programUnit)-byte flash words", evidence: evidence)
    }

    func bankBits(_ bank: Int) -> UInt32 {
        if case .crBit(let bit) = family.bankSelect, bank == 2 { return bit }
        return 0
    }

    public func erase(_ sector: SWDFlashSector) throws {
        let snb = UInt32(sector.number) & ((1 << UInt32(family.snbBits)) - 1)
        let value = family.ser | family.parallelism | snb << UInt32(family.snbShift) | bankBits(sector.bank)
        let registers = access(sector.bank)
        try registers.write(family.cr, value)
        try registers.write(family.cr, value | family.start)
        try check(
            "erase of bank \(sector.bank) sector \(sector.number)", bank: sector.bank, address: sector.address,
            timeout: Self.sectorEraseTimeout)
    }

    /// One bank erase (BER) per bank: H5's MER and H7's OPTCR.MER erase both at once, but the
    /// per-bank form is the one both controllers share.
    public func massErase() throws {
        for bank in 1...banks {
            let registers = access(bank)
            let value = family.ber | family.parallelism | bankBits(bank)
            try registers.write(family.cr, value)
            try registers.write(family.cr, value | family.start)
            try check("erase of bank \(bank)", bank: bank, address: nil, timeout: Self.bankEraseTimeout)
            try registers.write(family.cr, 0)
        }
    }

    public func program(_ bytes: [UInt8], at address: UInt32) throws {
        // Blocks never straddle banks: each bank's CR gets PG (on H7 they are separate controllers).
        var offset = 0
        while offset < bytes.count {
            let at = address + UInt32(offset)
            guard let sector = layout.sectors.first(where: { $0.range.contains(UInt64(at)) }) else {
                throw BootwireError(
                    .addressOutOfRange,
                    "\(Hex.address(at, width: 8, uppercase: true)) is outside the flash (\(layout.summary))")
            }
            let bankEnd = layout.sectors.filter { $0.bank == sector.bank }.map { $0.range.upperBound }.max() ?? 0
            let count = min(blockSize, bytes.count - offset, Int(bankEnd - UInt64(at)))
            let registers = access(sector.bank)
            try registers.write(family.cr, family.pg | family.parallelism)
            // One flash word, then QW/WBNE/BSY clear, then the next (openocd `stm32x_write`, BMP
            // and stlink-org wait the same way): a store into a busy write queue stalls the bus,
            // and a WAIT retry of a longer write would resend words the controller already took.
            for word in stride(from: offset, to: offset + count, by: programUnit) {
                let end = min(word + programUnit, offset + count)
                try probe.writeMemory(address + UInt32(word), Array(bytes[word..<end]))
                let sr = try registers.waitIdle(timeout: Self.flashWordTimeout)
                if sr & family.srErrors != 0 { break }
            }
            try check(
                "programming \(count) bytes at \(Hex.address(at, width: 8, uppercase: true))", bank: sector.bank,
                address: at, timeout: Self.flashWordTimeout)
            try registers.write(family.cr, 0)
            offset += count
        }
    }

    var presentOptionRegisters: [SectorFlashFamily.OptionRegister] {
        family.optionRegisters.filter { !$0.bank2 || banks == 2 }
    }

    public func optionBytes() throws -> SWDOptionBytes {
        var values: [STM32OptionRegister: UInt32] = [:]
        for register in presentOptionRegisters {
            values[register.register] = try probe.readWord(base + register.current)
        }
        let present = Set(values.keys)
        return SWDOptionBytes(
            registers: values, addresses: presentOptionRegisters.map { ($0.register, base + $0.current) },
            fields: family.fields.filter { present.contains($0.register) })
    }

    public func program(options: SWDOptionBytes) throws {
        let current = try optionBytes()
        try unlock()
        if try probe.readWord(base + family.optcr) & Self.optLock != 0 {
            try probe.writeWord(base + family.optkeyr, L4FlashController.optKey1)
            try probe.writeWord(base + family.optkeyr, L4FlashController.optKey2)
        }
        let optcr = try probe.readWord(base + family.optcr)
        guard optcr & Self.optLock == 0 else {
            throw BootwireError(
                .flashLocked, "the option bytes stay locked after the option keys", hint: "power-cycle the target",
                evidence: ["FLASH_OPTCR": Hex.address(optcr, width: 8, uppercase: true)])
        }
        for register in presentOptionRegisters
        where current.registers[register.register] != options.registers[register.register] {
            var value = options.registers[register.register] ?? 0
            // OPT_BUSY and OPTCHANGEERR are status in OPTSR_CUR, reserved in OPTSR_PRG.
            if register.register == family.optionRegisters[0].register, let status = family.optionStatus {
                value &= ~(status.busy | status.changeError)
            }
            try probe.writeWord(base + register.program, value)
        }
        if let status = family.optionStatus {
            try waitForOptionChange(status)
            return
        }
        try probe.writeWord(base + family.optcr, optcr | Self.optStart)
        let sr = try access(1).waitIdle(timeout: 30)
        if sr & family.srErrors != 0 {
            try probe.writeWord(base + family.ccr, family.srErrors)
            throw BootwireError(
                .flashProgramError, "option byte programming failed: \(access(1).names(sr))",
                hint: "check the values: the controller refused the combination",
                evidence: [
                    "FLASH_SR": Hex.address(sr, width: 8, uppercase: true),
                    "FLASH_OPTCR": Hex.address(try probe.readWord(base + family.optcr), width: 8, uppercase: true),
                ])
        }
        try probe.writeWord(base + family.optcr, Self.optLock)
    }

    /// H7 (openocd `stm32x_write_option`): OPTCHANGEERR cleared through OPTCCR, OPTSTRT, then
    /// OPTSR_CUR polled until OPT_BUSY clears (an RDP regression erases both banks meanwhile);
    /// OPTCHANGEERR then is a refusal: nothing was loaded. The option lock goes back on either way.
    private func waitForOptionChange(_ status: SectorFlashFamily.OptionStatus) throws {
        let optsr = base + family.optionRegisters[0].current
        defer { try? probe.writeWord(base + family.optcr, Self.optLock) }
        try probe.writeWord(base + status.clearRegister, status.changeError)
        try probe.writeWord(base + family.optcr, Self.optStart)
        let clock = probe.clock
        let deadline = clock.now() + UInt64(Self.optionChangeTimeout * 1e9)
        var value = try probe.readWord(optsr)
        while value & status.busy != 0 {
            guard clock.now() < deadline else {
                throw BootwireError(
                    .timeout, "the option-byte change did not end (OPTSR_CUR.OPT_BUSY stays set)",
                    hint: "power-cycle the target, then read the option bytes again",
                    evidence: ["OPTSR_CUR": Hex.address(value, width: 8, uppercase: true)])
            }
            clock.sleep(milliseconds: 1)
            value = try probe.readWord(optsr)
        }
        guard value & status.changeError == 0 else {
            try probe.writeWord(base + status.clearRegister, status.changeError)
            throw BootwireError(
                .optionBytesRefused, "\(family.name) refused the option-byte change (OPTSR_CUR.OPTCHANGEERR)",
                hint: "the part keeps its option bytes; change one field at a time, and never RDP and others together",
                evidence: ["OPTSR_CUR": Hex.address(value, width: 8, uppercase: true)])
        }
    }

    /// H7 has loaded them already; H5 loads them at a system reset (the core stays halted).
    public func launchOptionBytes() throws -> Bool {
        if !family.loadsOnStart { try probe.resetAndHalt() }
        return true
    }

    public func readProtection() throws -> BootwireError? {
        let options = try optionBytes()
        var evidence: [String: String] = [:]
        for (register, _) in options.addresses {
            evidence[register.name] = Hex.address(options.registers[register] ?? 0, width: 8, uppercase: true)
        }
        let optsr = options.registers[.optsr] ?? 0
        switch family.protection {
        case .productState:
            let tzen = (options.registers[.optsr2] ?? 0) >> 24
            if tzen != Self.trustZoneOff {
                return BootwireError(
                    .flashTrustZoneEnabled,
                    "\(family.name): TrustZone is on (OPTSR2.TZEN 0x\(String(tzen, radix: 16, uppercase: true))): "
                        + "Bootwire drives the non-secure flash registers only",
                    hint: "program it with STM32CubeProgrammer's secure path, or regress TrustZone first",
                    evidence: evidence)
            }
            let state = UInt8(truncatingIfNeeded: optsr >> 8)
            guard state != STM32ProductState.open else { return nil }
            readEvidence(&evidence)
            if state == STM32ProductState.locked {
                return BootwireError(
                    .flashPermanentlyLocked,
                    "\(family.name) is in product state \(STM32ProductState.name(state)): the debug port is closed for good",
                    evidence: evidence)
            }
            return BootwireError(
                .flashReadProtected,
                "\(family.name) is in product state \(STM32ProductState.name(state)): flash is closed to the debugger",
                hint: "a closed STM32H5 reopens only by ST's regression with debug authentication (OEM key); "
                    + "Bootwire does not do it",
                evidence: evidence)
        case .rdp(let shift):
            let rdp = (optsr >> UInt32(shift)) & 0xFF
            guard STM32RDPCodes.l4.level(rdp) != .level0 else { return nil }
            readEvidence(&evidence)
            if STM32RDPCodes.l4.level(rdp) == .level2 {
                return BootwireError(
                    .flashPermanentlyLocked, "\(family.name) is permanently locked (RDP level 2)", evidence: evidence)
            }
            return BootwireError(
                .flashReadProtected,
                "\(family.name) is read-protected (RDP level 1, OPTSR.RDP 0x\(String(rdp, radix: 16, uppercase: true)))",
                hint: "`bootwire option-bytes set rdp=0 --yes` removes it and MASS-ERASES the flash", evidence: evidence
            )
        }
    }

    private func readEvidence(_ evidence: inout [String: String]) {
        do {
            _ = try probe.readMemory(flashBase, count: 4)
        } catch let fault as ProbeError {
            evidence["flash-read"] = fault.status
        } catch {}
    }
}

extension SectorFlashFamily.BankSelect {
    var isRegisterBlock: Bool {
        if case .registerBlock = self { return true }
        return false
    }
}

import ArmDebug
import BootwireCore
import Foundation
import STM32

/// A connected, halted STM32 behind a debug probe: connect with the fallbacks of spec 4.2 (under
/// reset, then at a lower clock), identify, and the flash controller of its family. The ST-LINK
/// opener (`init(handle:options:events:)`) lives in the STLink module.
public final class STM32SWDSession: @unchecked Sendable {
    public let probe: any DebugProbe
    public private(set) var identity: STM32SWDIdentity
    public private(set) var controller: (any SWDFlashController)?
    public let events: EventSink
    /// How the core was reached: `normal`, `under reset`, `under reset at N kHz`.
    public private(set) var connectedHow = "normal"

    public struct Options: Sendable {
        public var clockKHz = SWDClock.defaultKHz
        public var underReset = false
        public init() {}
    }

    /// Connects through any opened probe: the seam a CMSIS-DAP or J-Link probe would plug into.
    public init(probe: any DebugProbe, options: Options = Options(), events: @escaping EventSink) throws {
        self.events = events
        self.probe = probe
        if let voltage = probe.voltage, voltage < 1.5 {
            events(.note(.info(String(format: "target voltage %.2f V: is the target powered?", voltage))))
        }
        identity = STM32SWDIdentity(dpidr: 0, cpuid: 0, idcode: 0, part: nil, flashSize: 0)
        try connect(options)
        try identify()
    }

    /// Tries as asked, then under reset, then under reset at safer clocks; says which worked.
    func connect(_ options: Options) throws {
        var attempts: [(underReset: Bool, kHz: Int)] = [(options.underReset, options.clockKHz)]
        if !options.underReset { attempts.append((true, options.clockKHz)) }
        for kHz in [SWDClock.safeKHz, 100] where kHz < options.clockKHz { attempts.append((true, kHz)) }
        var failures: [String: String] = [:]
        for (index, attempt) in attempts.enumerated() {
            do {
                try attach(underReset: attempt.underReset, kHz: attempt.kHz)
                if index > 0 {
                    connectedHow = "under reset" + (attempt.kHz < options.clockKHz ? " at \(probe.clockKHz) kHz" : "")
                    events(
                        .note(
                            .warning(
                                .swdConnectedUnderReset,
                                "the core did not answer at \(options.clockKHz) kHz; it answered \(connectedHow) "
                                    + "(firmware that disables SWD, sleeps or remaps the pins does this)")))
                }
                return
            } catch let fault as ProbeError {
                failures["attempt \(index + 1)"] =
                    "\(attempt.underReset ? "under reset" : "normal") at \(attempt.kHz) kHz: \(fault.operation): \(fault.status)"
                probe.exitDebug()
            }
        }
        throw BootwireError(
            .swdNoTarget, "no core answered over SWD, not under reset, not at a low clock",
            hint: "check SWDIO/SWCLK/GND/NRST wiring and target power; an RDP level 2 part never answers",
            evidence: failures.merging(
                ["target-voltage": probe.voltage.map { String(format: "%.2f V", $0) } ?? "unknown"]) { a, _ in a })
    }

    func attach(underReset: Bool, kHz: Int) throws {
        try probe.setClock(kHz: kHz)
        if underReset { try probe.setReset(asserted: true) }
        try probe.enterSWD()
        if underReset { try probe.setReset(asserted: true) }
        identity.dpidr = try probe.readDPIDR()
        try findCore()
        if underReset {
            try probe.halt()
            try probe.writeWord(CortexDebug.demcr, CortexDebug.trcEna | CortexDebug.vcCoreReset)
            try probe.setReset(asserted: false)
            for _ in 0..<10 {
                try probe.halt()
                Thread.sleep(forTimeInterval: 0.001)
            }
        }
        if underReset { try probe.resetAndHalt() } else { try probe.halt() }
        guard try probe.isHalted() else {
            throw ProbeError(
                .fault(address: CortexDebug.dhcsr), operation: "halting the core", status: "DHCSR.S_HALT stays 0",
                probe: probe.name)
        }
    }

    /// The access ports a core may be on, in the order they are tried: the part's own once DEV_ID
    /// named it (the catalogue row, as probe-rs's target description), else AP0 then AP1, as
    /// STM32CubeProgrammer does ("Connection to AP 0 requested and failed, Connection established
    /// with AP 1" on an STM32H5).
    var candidateAccessPorts: [UInt8] { identity.part.map { [$0.coreAccessPort] } ?? [0, 1] }

    /// Opens the first access port whose CPUID names an ARM core, and keeps it for every later
    /// access; the last port's failure when none does.
    func findCore() throws {
        let ports = candidateAccessPorts
        for (index, port) in ports.enumerated() {
            let last = index == ports.count - 1
            do {
                try probe.selectAP(port)
                identity.cpuid = try probe.readWord(CortexDebug.cpuid)
                guard identity.cpuid >> 24 == 0x41 else {
                    throw ProbeError(
                        .noTarget, operation: "reading CPUID on access port \(port)",
                        status: "CPUID \(Hex.address(identity.cpuid)) names no ARM core", probe: probe.name)
                }
                identity.accessPort = port
                if index > 0 { events(.note(.info("the core answered on access port \(port), not on AP0"))) }
                return
            } catch is ProbeError where !last {
                continue
            }
        }
    }

    /// A word the part answers with, or nil when the part faults at `address` (not mapped on
    /// this core). A lost probe or a USB error is thrown: it is no unknown family (issue #23:
    /// an unplugged ST-LINK was called `flash-family-unsupported`).
    private func answer(_ address: UInt32) throws -> UInt32? {
        do { return try probe.readWord(address) } catch is ProbeError { return nil }
    }

    func identify() throws {
        var idcode = try answer(STM32PartCatalogue.idcodeAddress(cpuid: identity.cpuid))
        if idcode == nil || idcode == 0 { idcode = try answer(0xE004_2000) }
        // RM0481 places the H5's DBGMCU at 0x44024000; which address answers over AP0 is
        // UNCONFIRMED, so a Cortex-M33 that gave no known part is asked there too.
        if (identity.cpuid >> 4) & 0xFFF == 0xD21,
            STM32PartCatalogue.part(deviceID: UInt16((idcode ?? 0) & 0xFFF)) == nil,
            let h5 = try answer(0x4402_4000), h5 != 0
        {
            idcode = h5
        }
        identity.idcode = idcode ?? 0
        // stlink-org: DEV_ID 0x411 on a Cortex-M4 is an F4 rev-A erratum.
        if identity.deviceID == 0x411, (identity.cpuid >> 4) & 0xFFF == 0xC24 {
            identity.idcode = identity.idcode & ~0xFFF | 0x413
        }
        identity.part = STM32PartCatalogue.part(deviceID: identity.deviceID)
        guard let part = identity.part else { return }
        let word = try answer(part.flashSizeRegister & ~3) ?? 0
        let kib = Int(part.flashSizeRegister & 2 != 0 ? word >> 16 : word & 0xFFFF)
        identity.flashSize = (kib == 0 || kib == 0xFFFF ? part.maxFlashKiB : kib) << 10
        // The 96-bit unique ID keys the journal and the station record; a part that faults
        // there leaves it unknown (the journal falls back to probe serial and DEV_ID).
        if let at = part.uniqueIDAddress {
            do { identity.uniqueID = try probe.readMemory(at, count: 12) } catch is ProbeError {
                identity.uniqueID = nil
            }
        }
        if (identity.cpuid >> 4) & 0xFFF == 0xC23 || (identity.cpuid >> 4) & 0xFFF == 0xC24 {
            probe.tarBoundary = 4096
        }
        controller = try SWDFlashControllers.make(
            probe: probe, part: part, flashSize: identity.flashSize, events: events)
    }

    /// The controller, or why there is none.
    public func flash() throws -> any SWDFlashController {
        if let controller { return controller }
        throw BootwireError(
            .flashFamilyUnsupported,
            "\(identity.partName) (DEV_ID 0x\(String(identity.deviceID, radix: 16))): no register-level flash controller yet",
            hint: SWDFlashControllers.unsupportedReason(deviceID: identity.deviceID)
                ?? "use the UART or DFU path for this part",
            evidence: [
                "DBGMCU_IDCODE": Hex.address(identity.idcode, width: 8, uppercase: true),
                "CPUID": Hex.address(identity.cpuid, width: 8, uppercase: true),
            ])
    }

    /// Reconnects after the part reset itself (OBL_LAUNCH).
    public func reconnect() throws {
        probe.exitDebug()
        Thread.sleep(forTimeInterval: 0.01)
        var options = Options()
        options.clockKHz = probe.clockKHz
        try connect(options)
        try identify()
    }

    /// Resets and lets the application run; leaves debug mode unless `leaveDebug` is false (RTT
    /// reads memory while the core runs).
    public func resetAndRun(leaveDebug: Bool = true) throws {
        if try !probe.resetAndRun() {
            events(.note(.info("NRST is not connected: reset by SYSRESETREQ instead")))
        }
        if leaveDebug { probe.exitDebug() }
    }

    public func close() { probe.exitDebug() }
}

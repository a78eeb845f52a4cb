import ArmDebug
import BootwireCore
import STM32SWD

/// An STM32 through an ST-LINK over SWD as a target session.
public final class SWDTargetSession: TargetSession {
    public let session: STM32SWDSession
    public let flash: any FlashTarget
    public var route: Route { .swd }
    public var events: EventSink { session.events }
    /// Where RTT's control block is: nil scans the part's RAM.
    public let rttAddress: UInt32?

    init(session: STM32SWDSession, rttAddress: UInt32? = nil) throws {
        self.session = session
        self.rttAddress = rttAddress
        flash = try SWDFlashTarget(session: session)
    }

    public func info() throws -> TargetInfo {
        let probe = session.probe
        let identity = session.identity
        var info = STM32Info()
        info.probe = STM32Info.Probe(
            name: probe.name, firmware: probe.firmware, serial: probe.serial, voltage: probe.voltage,
            clockKHz: probe.clockKHz, connected: session.connectedHow)
        info.core = STM32Info.Core(name: identity.core, cpuid: identity.cpuid, dpidr: identity.dpidr)
        info.part = identity.part?.name
        info.deviceID = identity.deviceID
        info.revisionID = identity.revisionID
        info.flashSize = identity.flashSize > 0 ? identity.flashSize : nil
        if let controller = session.controller {
            info.flash = STM32Info.FlashMap(controller.layout, unit: identity.part?.controller.eraseUnit ?? .page)
            info.add(try controller.optionBytes())
        }
        return .stm32(info)
    }

    public func read(_ span: MemorySpan) throws -> [UInt8] {
        if let controller = session.controller, controller.layout.size > 0 {
            let layout = controller.layout
            let region = MemoryRegion(
                name: "flash", range: UInt64(layout.base)...layout.end - 1)
            try span.check(in: [region], complete: false)
            if region.range.overlaps(span.range), let refused = try controller.readProtection() { throw refused }
        }
        announceRead(span)
        do {
            return try session.probe.readMemory(UInt32(span.start), count: Int(span.count))
        } catch let fault as ProbeError {
            throw fault.error
        }
    }

    /// Page numbers as the bootloader counts them: bank 2's after bank 1's.
    public func erasePages(_ pages: ClosedRange<Int>, allows: (String) -> Bool) throws {
        let controller = try session.flash()
        if let refused = try controller.readProtection() { throw refused }
        let sectors = controller.layout.sectors
        let bank1 = sectors.filter { $0.bank == 1 }.count
        let numbered = Dictionary(sectors.map { ($0.bank == 1 ? $0.number : bank1 + $0.number, $0) }) { first, _ in
            first
        }
        let list = try PageNumbers.list(pages, pageCount: sectors.count)
        let units = try list.map { page in
            guard let unit = numbered[page] else {
                throw BootwireError(
                    .addressOutOfRange, "page \(page) does not exist", hint: "pages run 0-\(sectors.count - 1)")
            }
            return unit
        }
        let what = "pages \(pages.lowerBound)-\(pages.upperBound)"
        guard allows("erase \(what)") else { return }
        try controller.unlock()
        events(.stage("erase", detail: what))
        for unit in units { try controller.erase(unit) }
        try controller.lock()
    }
}

// MARK: reset and the RTT console

extension SWDTargetSession {
    /// `.application`: debug off, NRST pulsed (SYSRESETREQ where NRST is not wired), the probe
    /// left attached so RTT can be read while the core runs. `.bootloader` is refused: over SWD
    /// the boot pins and option bytes choose it at reset, and no debugger command does.
    public func reset(into target: ResetTarget) throws {
        switch target {
        case .application:
            events(.stage("reset", detail: "into the application"))
            do {
                try session.resetAndRun(leaveDebug: false)
            } catch let fault as ProbeError {
                throw fault.error
            }
        case .bootloader:
            throw BootwireError(
                .usage, "over SWD a reset cannot choose the system bootloader",
                hint: "the part starts its bootloader when BOOT0 is high at reset (nBOOT0/nSWBOOT0 on "
                    + "parts with those option bits): set it and press reset, or reset into the application",
                evidence: ["route": "\(route)", "reset": target.rawValue])
        }
    }

    /// RTT on up-buffer 0 and down-buffer 0, found at `rttAddress` or by scanning the part's
    /// RAM; the application gets `attachWindow` after a reset to set its control block up.
    public func console(rate: Int?) throws -> any TargetConsole {
        let search: RTTSearch = rttAddress.map { .exact($0) } ?? .scan(ram)
        let clock = session.probe.clock
        let deadline = clock.now() + Self.attachWindow.nanoseconds
        while true {
            do {
                let host = try RTTHost.attach(probe: session.probe, search: search, ram: ram, names: flashRegion)
                // The monitor names the console (its description) when it starts.
                return try RTTConsole(host: host)
            } catch let error as BootwireError
                where [.rttNotFound, .rttCorrupted].contains(error.code) && clock.now() < deadline
            {
                clock.sleep(until: min(deadline, clock.now() + Self.attachPoll.nanoseconds))
            } catch let fault as ProbeError {
                throw fault.error
            }
        }
    }

    /// SEGGER_RTT_Init runs early in main: half a second covers clock setup and C runtime init
    /// of ordinary firmware; probe-rs `run` keeps retrying its attach in the same way.
    static let attachWindow: Duration = .milliseconds(500)
    /// A scan of 96 KiB is some 50 ms of SWD traffic at 1.8 MHz: five more after the first.
    static let attachPoll: Duration = .milliseconds(100)

    /// Where a control block and its buffers may lie: the part's main SRAM from the catalogue,
    /// else (a part whose RAM the catalogue does not give) the first 64 KiB at 0x20000000, the
    /// SRAM base of every STM32, read until a fault marks its end.
    var ram: [RTTRegion] {
        guard let ram = session.identity.part?.bootloader?.ram else {
            return [RTTRegion(base: 0x2000_0000, size: 64 << 10)]
        }
        return [RTTRegion(base: ram.start, size: ram.size)]
    }

    /// The flash, where a buffer's name string usually is (a literal).
    var flashRegion: [RTTRegion] {
        guard let layout = session.controller?.layout, layout.size > 0 else { return [] }
        return [RTTRegion(base: layout.base, size: layout.size)]
    }
}

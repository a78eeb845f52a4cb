import ArmDebug
import BootwireCore
import STM32SWD

/// An STM32 through an ST-LINK over SWD as a target session.
public final class SWDTargetSession: TargetSession {
    public let session: STM32SWDSession
    public let flash: any FlashTarget
    public var route: Route { .swd }
    public var events: EventSink { session.events }

    init(session: STM32SWDSession) throws {
        self.session = session
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

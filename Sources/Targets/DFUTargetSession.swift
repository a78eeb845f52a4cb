import BootwireCore
import DFU

/// An STM32's ROM DFU bootloader (DfuSe) as a target session.
public final class DFUTargetSession: TargetSession {
    public let session: DfuSeSession
    public let flash: any FlashTarget
    public var route: Route { .dfu }
    public var events: EventSink { session.events }

    init(session: DfuSeSession) throws {
        self.session = session
        flash = DfuSeFlashTarget(session: session)
    }

    /// Identity, every alt with its parsed layout, the option bytes decoded, and on a WB the
    /// secure area. FUS's state is left to `bootwire fus info`: a second FUS_GET_STATE starts
    /// FUS and reboots the chip, which `info` must never do.
    public func info() throws -> TargetInfo {
        .facts(session.identity.facts.map { TargetFact($0.0, $0.1) })
    }

    public func read(_ span: MemorySpan) throws -> [UInt8] {
        let regions = (session.identity.flash.map(DfuSePart.regions) ?? []).filter { $0.size > 0 }.map {
            MemoryRegion(name: "flash", range: UInt64($0.start)...$0.end - 1)
        }
        try span.check(in: regions, complete: false)
        announceRead(span)
        return try session.read(address: UInt32(span.start), length: Int(span.count), label: "read")
    }

    /// Pages numbered from 0 in the order alt 0's layout lists them.
    public func erasePages(_ pages: ClosedRange<Int>, allows: (String) -> Bool) throws {
        guard let layout = session.identity.flash else { throw BootwireError(.dfuNotDfuSe, "alt 0 has no layout") }
        let all = layout.allPages
        let list = try PageNumbers.list(pages, pageCount: all.count)
        let what = "pages \(pages.lowerBound)-\(pages.upperBound)"
        guard allows("erase \(what)") else { return }
        events(.stage("erase", detail: what))
        try session.erase(list.map { all[$0] })
    }

    /// Read Unprotect (0x92): RDP back to level 0 and the flash mass-erased; or the option
    /// bytes written back without write protection. The part resets either way.
    public func unprotect(readout: Bool) throws {
        if readout {
            events(.stage("unprotect", detail: "read unprotect (0x92): mass erase, RDP level 0"))
            try session.readUnprotect()
            return
        }
        guard var options = session.identity.optionBytes else {
            throw BootwireError(.dfuNotDfuSe, "this device's option bytes could not be read")
        }
        options.clearWriteProtection()
        events(.stage("unprotect", detail: "option bytes without write protection"))
        try session.writeOptionBytes(options)
    }
}

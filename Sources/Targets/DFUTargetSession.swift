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
        let identity = session.identity
        let record = identity.record
        let functional = identity.functional
        var info = STM32Info()
        info.part = identity.device?.name
        info.usb = STM32Info.USBInterface(
            vendorID: record.vendorID, productID: record.productID, node: record.nodePath, product: record.product,
            serial: record.serial, dfuVersion: functional.dfuVersion, transferSize: Int(functional.transferSize),
            attributes: functional.attributeNames,
            alternates: identity.alternates.map { alt in
                STM32Info.Alternate(
                    number: alt.number, name: alt.layout?.name ?? alt.text,
                    segments: (alt.layout?.segments ?? []).map {
                        STM32Info.Segment(
                            address: $0.start, count: $0.count, pageSize: $0.pageSize, readable: $0.readable,
                            erasable: $0.erasable, writable: $0.writable)
                    }, parsed: alt.layout != nil)
            })
        info.flashSize = identity.flash?.size
        info.flash = identity.geometry.map(STM32Info.FlashMap.init)
        if let options = identity.optionBytes { info.add(options, geometry: identity.geometry) }
        return .stm32(info)
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

    /// DfuSe leave at the flash's first address: the ROM starts the application there and
    /// leaves the bus. A part this session talks to is already in its DFU bootloader.
    public func reset(into target: ResetTarget) throws {
        switch target {
        case .application:
            let base = UInt32(session.identity.flash?.segments.first?.start ?? 0x0800_0000)
            events(.stage("reset", detail: "DfuSe leave at \(Hex.address(Int(base))): the application starts"))
            try session.leave(at: base)
        case .bootloader:
            events(
                .note(
                    .info("the part is in its ROM DFU bootloader already (this session talks to it): nothing to reset"))
            )
        }
    }
}

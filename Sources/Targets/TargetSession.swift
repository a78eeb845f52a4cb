import BootwireCore
import QCC743

/// What a verb may ask of a target beyond flashing. Known per route before any port opens,
/// so that a verb the route lacks is a usage error naming what to do instead.
public enum TargetCapability: String, Sendable, CaseIterable {
    /// Erase by STM32 page number (`erase --pages`).
    case pageErase
    /// The module's eFuse (read, burn).
    case efuse
    /// Readout and write protection turned on by the bootloader (`protect`).
    case protect
    /// Readout and write protection removed (`unprotect`).
    case unprotect
    /// The option bytes read, changed and reloaded through the flash controller (`option-bytes`).
    case optionBytes
    /// An STM32WB's firmware upgrade service (`fus`), through the DFU bootloader.
    case fus
}

extension Route {
    public var capabilities: Set<TargetCapability> {
        switch self {
        case .qcc743: [.efuse]
        case .stm32Serial: [.pageErase, .protect, .unprotect]
        case .dfu: [.pageErase, .unprotect, .fus]
        case .swd: [.pageErase, .optionBytes]
        }
    }

    /// A usage error before any port opens when this route lacks `capability`.
    public func require(_ capability: TargetCapability, _ verb: String) throws {
        guard !capabilities.contains(capability) else { return }
        let hint: String =
            switch (self, capability) {
            case (.qcc743, _): "\(verb) is for an STM32; the module erases by address: --start and --end"
            case (_, .efuse):
                "\(verb) is for the ST67W611M1 module; an STM32's option bytes: bootwire option-bytes show"
            case (.swd, .protect), (.swd, .unprotect): "over SWD: bootwire option-bytes set rdp=… or wrp…=…"
            case (_, .fus): "fus needs a USB DFU port: --port usb:0483:df11 (the WB in its ROM bootloader)"
            case (_, .optionBytes):
                "option-bytes works through an ST-LINK (--port stlink or virtual:stlink-…); on the UART bootloader use `bootwire protect` / `unprotect`"
            default: "the STM32 system bootloader over UART does this: --chip stm32 --port /dev/ttyUSB0"
            }
        throw BootwireError(
            .usage, "\(verb) is not available over this port's route",
            hint: hint, evidence: ["route": "\(self)", "capability": capability.rawValue])
    }
}

/// One fact of `info`: a name and what the device said, in the order a person reads them.
public struct TargetFact: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// What `info` found: the module's typed record, or an STM32's facts.
public enum TargetInfo: Sendable {
    case module(ModuleInfo)
    case facts([TargetFact])
}

/// An opened target: its flash for the pipeline, and the verbs its route has. Methods a route
/// lacks refuse with the usage error of `Route.require` (callers check before opening).
public protocol TargetSession: AnyObject {
    var route: Route { get }
    var events: EventSink { get }
    /// The route's flash, for `FlashPipeline`.
    var flash: any FlashTarget { get }
    /// What the device is and holds, read without changing anything.
    func info() throws -> TargetInfo
    /// Reads memory; a span that starts in the flash must end in it.
    func read(_ span: MemorySpan) throws -> [UInt8]
    /// Erases pages numbered as the bootloader numbers them (bank 2's after bank 1's), after
    /// `allows` says yes (a dry run says no, after saying what it would erase).
    func erasePages(_ pages: ClosedRange<Int>, allows: (String) -> Bool) throws
    /// The module's eFuse, as ST's NCP_get_chip_info.sh reads it.
    func readEfuse(_ span: MemorySpan) throws -> [UInt8]
    /// Readout protection (RDP level 1) or write protection of pages.
    func protect(readout: Bool, pages: ClosedRange<Int>?) throws
    /// Readout protection removed (the flash is mass-erased) or write protection removed.
    func unprotect(readout: Bool) throws
}

extension TargetSession {
    public func erasePages(_ pages: ClosedRange<Int>, allows: (String) -> Bool) throws {
        try route.require(.pageErase, "--pages")
    }
    public func readEfuse(_ span: MemorySpan) throws -> [UInt8] {
        try route.require(.efuse, "--efuse")
        return []
    }
    public func protect(readout: Bool, pages: ClosedRange<Int>?) throws {
        try route.require(.protect, "protect")
    }
    public func unprotect(readout: Bool) throws {
        try route.require(.unprotect, "unprotect")
    }

    /// The read's stage line, the same on every route.
    func announceRead(_ span: MemorySpan) {
        events(.stage("read", detail: "\(Hex.address(span.start)), \(span.count) bytes"))
    }
}

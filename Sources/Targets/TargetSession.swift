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
    /// The module's flash_prog_cfg.ini (`flash --config`).
    case flashConfig
    /// Starting the application at an address after flashing (`flash --go`).
    case go
    /// Resetting the device into its application or its bootloader (`reset`, `run`).
    case reset
    /// The application's output read and its input written after a reset (`run`, `flash
    /// --monitor`): the serial console on a serial route, RTT over SWD.
    case console
}

extension Route {
    public var capabilities: Set<TargetCapability> {
        switch self {
        case .qcc743: [.efuse, .flashConfig, .reset, .console]
        case .stm32Serial: [.pageErase, .protect, .unprotect, .go, .reset, .console]
        case .dfu: [.pageErase, .unprotect, .fus, .go, .reset]
        case .swd: [.pageErase, .optionBytes, .go, .reset, .console]
        }
    }

    /// A usage error before any port opens when this route lacks `capability`, naming what
    /// does the job on this route (or which route has it).
    public func require(_ capability: TargetCapability, _ verb: String) throws {
        guard !capabilities.contains(capability) else { return }
        let hint: String =
            switch capability {
            case .pageErase: "the module erases by address: --start and --end"
            case .efuse: "the eFuse is the ST67W611M1 module's; an STM32's option bytes: bootwire option-bytes show"
            case .protect, .unprotect:
                switch self {
                case .swd: "over SWD the option bytes carry protection: bootwire option-bytes set rdp=… or wrp…=…"
                case .qcc743: "the module's protection is in its eFuse: bootwire efuse"
                default: "the STM32 system bootloader over UART does this: --chip stm32 --port /dev/ttyUSB0"
                }
            case .optionBytes:
                "option-bytes works through an ST-LINK (--port stlink or virtual:stlink-…); "
                    + "on the UART bootloader use `bootwire protect` / `unprotect`"
            case .fus: "fus needs a USB DFU port: --port usb:0483:df11 (the WB in its ROM bootloader)"
            case .flashConfig: "an STM32 takes image files: app.hex, app.elf, app.bin@0x08000000"
            case .go: "the module starts its firmware at the next reset with BOOT low"
            case .reset: "reset the board with its button, or wire the adapter's DTR/RTS to EN/BOOT (--reset)"
            case .console:
                self == .dfu
                    ? "USB DFU carries no console: after `bootwire reset`, open the application's UART (or its USB "
                        + "CDC port) with a terminal, or watch it over the board's ST-LINK: --port stlink"
                    : "open the application's UART with a terminal (picocom, screen)"
            }
        throw BootwireError(
            .usage, "\(verb) is not available over this port's route (\(self))",
            hint: hint, evidence: ["route": "\(self)", "capability": capability.rawValue])
    }
}

/// What `info` found: the module's typed record, or an STM32's (on every STM32 route).
public enum TargetInfo: Sendable {
    case module(ModuleInfo)
    case stm32(STM32Info)
}

/// What a reset leaves running.
public enum ResetTarget: String, Sendable, CaseIterable {
    /// The application in flash (BOOT pins low, NRST pulsed; SWD: reset and run).
    case application
    /// The ROM bootloader this route talks to.
    case bootloader
}

/// The application's console after a reset: the serial port at the application's rate on a
/// serial route, RTT (SEGGER's control block in the target's RAM) over SWD.
public protocol TargetConsole: AnyObject {
    /// How the console reaches the application, for the user: `serial 115200 8N1`,
    /// `RTT up-buffer 0 "Terminal" at 0x20000400`.
    var description: String { get }
    /// What the application wrote since the last call; waits at most `timeout` for the first
    /// byte and returns empty when none came.
    func read(timeout: Duration) throws -> [UInt8]
    /// Bytes for the application (serial TX, RTT down-buffer 0); returns how many it took.
    func write(_ bytes: [UInt8]) throws -> Int
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
    /// The same, and the firmware's version where the route can read one (the module's images:
    /// seconds of reading); the others have none to read and answer `info()`.
    func info(firmware: Bool) throws -> TargetInfo
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
    /// Resets the device into its application or its bootloader.
    func reset(into target: ResetTarget) throws
    /// The application's console, after `reset(into: .application)`; `rate` is the serial
    /// console's (nil: the route's default), unused over SWD.
    func console(rate: Int?) throws -> any TargetConsole
}

extension TargetSession {
    public func info(firmware: Bool) throws -> TargetInfo { try info() }

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
    public func reset(into target: ResetTarget) throws {
        try route.require(.reset, "reset")
    }
    public func console(rate: Int?) throws -> any TargetConsole {
        try route.require(.console, "the application's console")
        throw BootwireError(.internalError, "this route lists a console but opens none")
    }

    /// The read's stage line, the same on every route.
    func announceRead(_ span: MemorySpan) {
        events(.stage("read", detail: "\(Hex.address(span.start)), \(span.count) bytes"))
    }
}

import BootwireCore
import STM32

/// `--chip`: the chip behind a serial port, or `auto` to ask the port.
public enum ChipChoice: String, Sendable, CaseIterable {
    case qcc743, stm32, auto

    /// The chip when it is named; nil for `auto` (found by `TargetOpener.detectChip`).
    public var named: Route.SerialChip? {
        switch self {
        case .qcc743: .qcc743
        case .stm32: .stm32
        case .auto: nil
        }
    }
}

extension TargetOpener {
    /// `--chip auto`: which chip answers on `port`. A virtual port says by its name; a USB port
    /// has no serial chip (nil). On a serial port the STM32 system bootloader is asked first and
    /// the module's boot ROM second, because that order cannot harm either: the STM32 locks its
    /// baud on the first byte it receives and keeps it until a reset (AN3155, specs
    /// stm32-uart-bootloader.md "Baud"), so the module's 0x55 burst at 500 kbaud sent first would
    /// leave an STM32 deaf until reset; the module's ROM measures the 0x55 pattern
    /// (qcc743-uart-isp.md "Handshake auto-baud") and is expected to wait through a stray 0x7F,
    /// which no source confirms: it is given its usual attempts, not one.
    public func detectChip(_ port: PortSpec, events: @escaping EventSink) async throws -> Route.SerialChip? {
        switch port {
        case .usb, .stlink: return nil
        case .virtual(let text):
            switch settings.virtualPorts?.route(of: text) {
            case .stm32Serial?: return .stm32
            case .qcc743?: return .qcc743
            default: return nil
            }
        case .serial:
            var quick = self
            quick.settings.connectAttempts = 1
            quick.settings.chip = .stm32
            do {
                try await quick.withSTM32Serial(port, events: { _ in }) { _ in }
                return .stm32
            } catch let error as BootwireError where error.code.category != .usage {
                // Nothing (or not an STM32) answered: the module's turn.
            }
            // The module is given its usual attempts: whether a stray 0x7F spoils the ROM's
            // measurement of the burst that follows is not known (only that it measures 0x55).
            quick.settings.connectAttempts = settings.connectAttempts
            quick.settings.chip = .qcc743
            do {
                try await quick.withModule(port, events: { _ in }) { _ in }
                return .qcc743
            } catch let error as BootwireError where error.code.category != .usage {
                throw BootwireError(
                    .noResponse,
                    "--chip auto: neither an STM32 system bootloader (0x7F) nor the module's boot ROM (0x55 handshake) answered on \(port)",
                    hint: "put the device in its bootloader (BOOT0/BOOT high at reset) and name the chip: "
                        + "--chip qcc743 or --chip stm32", evidence: ["module": error.message])
            }
        }
    }

    /// A `--chip` that contradicts where the port leads (`--chip qcc743` on an STM32's virtual
    /// port, a DFU device or an ST-LINK; `--chip stm32` on the module's virtual port) is a
    /// `usage` error naming the route, before any image is judged against the wrong flash.
    public func checkChip(for port: PortSpec) throws {
        guard let chip = settings.chip else { return }
        let route: Route
        switch port {
        case .serial: return
        case .usb: route = .dfu
        case .stlink: route = .swd
        case .virtual(let text):
            guard let known = settings.virtualPorts?.route(of: text) else { return }
            route = known
        }
        let fits = chip == .qcc743 ? route == .qcc743 : route != .qcc743
        guard !fits else { return }
        throw BootwireError(
            .usage, "--chip \(chip.rawValue) does not fit \(port): it leads to \(route.described)",
            hint: "drop --chip (the port says what it is), or name a port that leads to the "
                + (chip == .qcc743 ? "module (a serial port, virtual:qcc743)" : "STM32"),
            evidence: ["port": port.description, "chip": chip.rawValue])
    }
}

extension TargetOpener {
    /// What can be said of a port before any image is judged: a `virtual:` name the host knows,
    /// a `--chip` that fits the route.
    public func check(_ port: PortSpec) throws {
        if case .virtual(let text) = port { try virtualPorts(text).check(text) }
        try checkChip(for: port)
    }
}

import BootwireCore
import Foundation
import Targets

/// The virtual devices behind `virtual:` ports, for a `TargetOpener` (the CLI, tests, a user's
/// CI program): serial ones on a pseudo-terminal, USB ones on a virtual bus of their own.
public struct VirtualPortHost: VirtualPorts {
    public init() {}

    public func route(of port: String) -> Route? {
        if port.hasPrefix(VirtualUSBPort.dfuPrefix) { return .dfu }
        if port.hasPrefix(VirtualUSBPort.stlinkPrefix) { return .swd }
        if port.hasPrefix(VirtualPort.prefix + "stm32") { return .stm32Serial }
        if port.hasPrefix(VirtualPort.prefix + "qcc743") { return .qcc743 }
        return nil
    }

    public func startSerial(_ port: String) throws -> VirtualSerialAttachment {
        let runner = try VirtualPort.start(port)
        return VirtualSerialAttachment(
            path: runner.slavePath, stop: { runner.stop() },
            reset: { runner.resetDevice(application: $0 == .application) })
    }

    public func judges(of port: String) -> [String] { VirtualPeerJudges.judges(of: port) }

    public func check(_ port: String) throws { try VirtualPortNames.check(port) }

    public func startUSB(_ port: String) throws -> USBAttachment {
        let (bus, match) = try VirtualUSBPort.start(port)
        return USBAttachment(bus: bus, match: match)
    }
}

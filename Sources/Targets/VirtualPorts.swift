import BootwireCore
import USB

/// The seam through which `virtual:` ports reach devices run in this process. The embeddable
/// library holds no emulator: the CLI (and a test or a user's CI program) passes the virtual
/// devices' implementation; without one a `virtual:` port is refused.
public protocol VirtualPorts: Sendable {
    /// The route a virtual port leads to, or nil for a name this host does not know.
    func route(of port: String) -> Route?
    /// Starts a serial virtual device on a pseudo-terminal.
    func startSerial(_ port: String) throws -> VirtualSerialAttachment
    /// Starts a USB virtual device on a bus of its own.
    func startUSB(_ port: String) throws -> USBAttachment
    /// The peer tools nobody here wrote that judge the device behind `port` in CI; empty when
    /// none does (the device is then one reading of the manual, and the opener says so).
    func judges(of port: String) -> [String]
    /// Refuses a name this host does not know (`port-not-found` with the nearest names), before
    /// any image is judged against the wrong route's flash.
    func check(_ port: String) throws
}

extension VirtualPorts {
    public func check(_ port: String) throws {
        guard route(of: port) != nil else {
            throw BootwireError(.portNotFound, "no virtual device called `\(port)`")
        }
    }
}

/// A running serial virtual device: the pty path to open, how to stop it (which saves its
/// state), and its board's reset: what an adapter's DTR/RTS would drive, which a pty cannot carry.
public struct VirtualSerialAttachment: Sendable {
    public var path: String
    public var stop: @Sendable () -> Void
    /// Resets the device into its application or its bootloader; returns once it has.
    public var reset: (@Sendable (ResetTarget) -> Void)?

    public init(
        path: String, stop: @escaping @Sendable () -> Void, reset: (@Sendable (ResetTarget) -> Void)? = nil
    ) {
        self.path = path
        self.stop = stop
        self.reset = reset
    }
}

/// A USB bus and how to find the port's device on it (a virtual bus says what it modelled
/// through `USBBus.modelledTime`).
public struct USBAttachment: Sendable {
    public var bus: any USBBus
    public var match: USBDeviceMatch

    public init(bus: any USBBus, match: USBDeviceMatch) {
        self.bus = bus
        self.match = match
    }
}

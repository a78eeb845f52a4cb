import BootwireCore
import USB

/// What `--port` names, parsed once: a serial device, a USB DFU device, an ST-LINK, or a
/// virtual device (whose kind the virtual-port host decides). Every opener and every route
/// decision reads this value; nothing downstream looks at the text again.
public enum PortSpec: Sendable, Hashable, CustomStringConvertible {
    /// A serial device path (/dev/ttyUSB0, /dev/serial/by-id/…, a pty).
    case serial(String)
    /// `usb:VID:PID[:SERIAL]`: a device in USB DFU mode.
    case usb(USBDeviceMatch)
    /// `stlink` or `stlink:SERIAL`: an ST-LINK probe, its STM32 over SWD.
    case stlink(serial: String?)
    /// `virtual:NAME[,OPTION…]`: a device the virtual-port host starts in this process.
    case virtual(String)

    public static let virtualPrefix = "virtual:"
    static let stlinkPrefix = "stlink:"

    /// Parses a port as the user wrote it. A bare name that is neither a path nor one of the
    /// prefixes is an adapter's serial number or a by-id name and must match exactly one
    /// adapter: write commands never guess.
    public static func parse(_ text: String) throws -> PortSpec {
        if text.hasPrefix(virtualPrefix) { return .virtual(text) }
        if text.hasPrefix(USBDeviceMatch.prefix) { return .usb(try USBDeviceMatch.parse(text)) }
        if text == "stlink" { return .stlink(serial: nil) }
        if text.hasPrefix(stlinkPrefix) { return .stlink(serial: String(text.dropFirst(stlinkPrefix.count))) }
        if text.hasPrefix("/") || text.hasPrefix(".") { return .serial(text) }
        if let path = PortDiscovery.resolve(text) { return .serial(path) }
        throw BootwireError(
            .portNotFound, "no serial port or adapter serial number `\(text)`",
            hint:
                "name a path (/dev/ttyUSB0), a /dev/serial/by-id name, or an adapter serial number from `bootwire list`"
        )
    }

    /// The port as the user writes it.
    public var description: String {
        switch self {
        case .serial(let path): path
        case .usb(let match): match.name
        case .stlink(let serial): serial.map { Self.stlinkPrefix + $0 } ?? "stlink"
        case .virtual(let text): text
        }
    }

    /// Over USB (DFU or an ST-LINK), real or virtual.
    public func isUSB(virtualPorts: (any VirtualPorts)?) -> Bool {
        switch self {
        case .serial: false
        case .usb, .stlink: true
        case .virtual(let text): virtualPorts?.route(of: text).map { $0 == .dfu || $0 == .swd } ?? false
        }
    }

    /// A virtual port may be named more than once (each start is a device of its own).
    public var isVirtual: Bool {
        if case .virtual = self { return true }
        return false
    }

    /// The port without a virtual device's options: the same device whatever faults a run adds.
    public var deviceKey: String { String(description.prefix { $0 != "," }) }
}

/// What a USB operation can fail with, whichever side of the seam it ran on. The libusb side
/// maps its negative return codes here; virtual devices throw these directly.
public enum USBError: Error, Sendable, Equatable {
    /// The device node exists but this user may not open it.
    case access
    /// The device went away (unplugged, reset, re-enumerating).
    case noDevice
    /// No such device, interface or endpoint.
    case notFound
    /// Another driver or process has claimed the interface.
    case busy
    case timeout
    /// The device stalled the request (a protocol "no").
    case stall
    /// The device sent more than was asked for.
    case overflow
    case io
    case notSupported
    case other(code: Int32, name: String)

    public var name: String {
        switch self {
        case .access: "access denied"
        case .noDevice: "no device (disconnected)"
        case .notFound: "not found"
        case .busy: "busy"
        case .timeout: "timeout"
        case .stall: "stall"
        case .overflow: "overflow"
        case .io: "input/output error"
        case .notSupported: "not supported"
        case .other(let code, let name): "\(name) (\(code))"
        }
    }
}

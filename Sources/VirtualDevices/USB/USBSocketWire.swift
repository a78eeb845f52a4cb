import USB

/// The frames between the libusb-1.0 stand-in (`Sources/CUSBShim`, loaded into dfu-util, stlink,
/// OpenOCD) and `USBSocketServer`. The C side's table is `usb_shim_wire.h`; keep the two equal.
/// Little-endian; a request is `u32 length, u8 op, fields`, a reply `u32 length, i32 result, data`,
/// where `result` is what the libusb call returns (a count, or a `LIBUSB_ERROR_*`).
public enum USBSocketWire {
    public enum Op: UInt8, Sendable {
        case list = 1
        case open = 2
        case close = 3
        case control = 4
        case bulk = 5
        case claim = 6
        case release = 7
        case setAlternate = 8
        case reset = 9
        case clearHalt = 10
        case setConfiguration = 11
        case getConfiguration = 12
    }

    /// libusb's error codes, the values its callers compare against.
    public enum LibUSBCode: Int32, Sendable {
        case io = -1
        case invalidParameter = -2
        case access = -3
        case noDevice = -4
        case notFound = -5
        case busy = -6
        case timeout = -7
        case overflow = -8
        case pipe = -9
        case notSupported = -12
        case other = -99
    }

    /// The libusb code a failure on the seam becomes: a STALL is libusb's PIPE.
    public static func code(for error: Error) -> Int32 {
        guard let error = error as? USBError else { return LibUSBCode.io.rawValue }
        let code: LibUSBCode =
            switch error {
            case .access: .access
            case .noDevice: .noDevice
            case .notFound: .notFound
            case .busy: .busy
            case .timeout: .timeout
            case .stall: .pipe
            case .overflow: .overflow
            case .io: .io
            case .notSupported: .notSupported
            case .other(let code, _): LibUSBCode(rawValue: code) ?? .other
            }
        return code.rawValue
    }

    /// One device of a listing: bus, address, the port chain, then both descriptors, each
    /// preceded by its length.
    public static func listing(_ record: USBDeviceRecord) -> [UInt8] {
        let ports = portNumbers(record.portPath)
        let device = record.descriptor.bytes
        let configuration = record.configuration?.bytes ?? []
        return [UInt8(truncatingIfNeeded: record.bus), UInt8(truncatingIfNeeded: record.address), UInt8(ports.count)]
            + ports + le16(device.count) + device + le16(configuration.count) + configuration
    }

    /// `1-2.3` → [2, 3]: what libusb_get_port_numbers returns.
    public static func portNumbers(_ path: String) -> [UInt8] {
        guard let chain = path.split(separator: "-", maxSplits: 1).dropFirst().first else { return [] }
        return chain.split(separator: ".").compactMap { UInt8($0) }
    }

    public static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }

    public static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    /// Reads little-endian fields from a request, in order.
    public struct Fields {
        private let bytes: [UInt8]
        private(set) var at = 0
        public init(_ bytes: [UInt8]) { self.bytes = bytes }

        public mutating func u8() throws -> UInt8 {
            guard at < bytes.count else { throw USBError.io }
            defer { at += 1 }
            return bytes[at]
        }

        public mutating func u16() throws -> UInt16 { UInt16(try u8()) | UInt16(try u8()) << 8 }

        public mutating func u32() throws -> UInt32 { UInt32(try u16()) | UInt32(try u16()) << 16 }

        /// What is left: the OUT data of a transfer.
        public mutating func rest() -> [UInt8] {
            defer { at = bytes.count }
            return Array(bytes[at...])
        }
    }
}

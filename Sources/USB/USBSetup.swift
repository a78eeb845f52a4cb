import BootwireCore
/// The eight-byte setup packet of a control transfer. Direction comes from bit 7 of
/// `requestType`: IN requests return up to `length` bytes, OUT requests carry the data.
public struct USBSetup: Sendable, Hashable, CustomStringConvertible {
    public var requestType: UInt8
    public var request: UInt8
    public var value: UInt16
    public var index: UInt16
    public var length: UInt16

    public init(requestType: UInt8, request: UInt8, value: UInt16, index: UInt16, length: UInt16) {
        self.requestType = requestType
        self.request = request
        self.value = value
        self.index = index
        self.length = length
    }

    public var isIn: Bool { requestType & 0x80 != 0 }

    /// The packet as it goes on the wire (USB 2.0 9.3): little-endian fields.
    public var bytes: [UInt8] {
        [requestType, request, UInt8(value & 0xFF), UInt8(value >> 8), UInt8(index & 0xFF), UInt8(index >> 8)]
            + [UInt8(length & 0xFF), UInt8(length >> 8)]
    }

    public static let standardDeviceIn: UInt8 = 0x80
    public static let standardInterfaceOut: UInt8 = 0x01
    public static let classInterfaceOut: UInt8 = 0x21
    public static let classInterfaceIn: UInt8 = 0xA1

    public static let getDescriptor: UInt8 = 6

    public var description: String {
        func hex(_ v: some BinaryInteger, _ width: Int) -> String { Hex.digits(v, width: width) }
        return "\(hex(requestType, 2)) \(hex(request, 2)) v=\(hex(value, 4)) i=\(hex(index, 4)) l=\(length)"
    }
}

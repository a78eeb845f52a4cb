/// Raw USB descriptors parsed into what the flashing paths need: the device descriptor, and the
/// first configuration's interfaces with every alternate setting, its endpoints and the
/// class-specific descriptors that follow it (the DFU functional descriptor, type 0x21).
public struct USBDeviceDescriptor: Sendable, Hashable {
    public var usbVersion: UInt16
    public var deviceClass: UInt8
    public var maxPacketSize0: UInt8
    public var vendorID: UInt16
    public var productID: UInt16
    public var deviceVersion: UInt16
    public var manufacturerIndex: UInt8
    public var productIndex: UInt8
    public var serialIndex: UInt8
    public var configurationCount: UInt8

    public init(
        usbVersion: UInt16 = 0x0200, deviceClass: UInt8 = 0, maxPacketSize0: UInt8 = 64, vendorID: UInt16,
        productID: UInt16, deviceVersion: UInt16, manufacturerIndex: UInt8 = 1, productIndex: UInt8 = 2,
        serialIndex: UInt8 = 3, configurationCount: UInt8 = 1
    ) {
        self.usbVersion = usbVersion
        self.deviceClass = deviceClass
        self.maxPacketSize0 = maxPacketSize0
        self.vendorID = vendorID
        self.productID = productID
        self.deviceVersion = deviceVersion
        self.manufacturerIndex = manufacturerIndex
        self.productIndex = productIndex
        self.serialIndex = serialIndex
        self.configurationCount = configurationCount
    }

    public static let length = 18

    public init(bytes: [UInt8]) throws {
        guard bytes.count >= Self.length, bytes[0] >= 18, bytes[1] == 1 else { throw USBError.io }
        func le16(_ i: Int) -> UInt16 { UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8 }
        self.init(
            usbVersion: le16(2), deviceClass: bytes[4], maxPacketSize0: bytes[7], vendorID: le16(8),
            productID: le16(10), deviceVersion: le16(12), manufacturerIndex: bytes[14], productIndex: bytes[15],
            serialIndex: bytes[16], configurationCount: bytes[17])
    }

    public var bytes: [UInt8] {
        func le(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        return [18, 1] + le(usbVersion) + [deviceClass, 0, 0, maxPacketSize0] + le(vendorID) + le(productID)
            + le(deviceVersion) + [manufacturerIndex, productIndex, serialIndex, configurationCount]
    }
}

public struct USBEndpoint: Sendable, Hashable {
    public var address: UInt8
    public var attributes: UInt8
    public var maxPacketSize: UInt16

    public init(address: UInt8, attributes: UInt8 = 2, maxPacketSize: UInt16) {
        self.address = address
        self.attributes = attributes
        self.maxPacketSize = maxPacketSize
    }

    public var isIn: Bool { address & 0x80 != 0 }
}

/// One alternate setting of one interface.
public struct USBInterface: Sendable, Hashable {
    public var number: UInt8
    public var alternate: UInt8
    public var interfaceClass: UInt8
    public var subclass: UInt8
    public var protocolCode: UInt8
    public var nameIndex: UInt8
    public var endpoints: [USBEndpoint]
    /// Class-specific descriptors after the interface descriptor, each whole (length, type, …).
    public var extra: [[UInt8]]

    public init(
        number: UInt8, alternate: UInt8, interfaceClass: UInt8, subclass: UInt8, protocolCode: UInt8,
        nameIndex: UInt8, endpoints: [USBEndpoint] = [], extra: [[UInt8]] = []
    ) {
        self.number = number
        self.alternate = alternate
        self.interfaceClass = interfaceClass
        self.subclass = subclass
        self.protocolCode = protocolCode
        self.nameIndex = nameIndex
        self.endpoints = endpoints
        self.extra = extra
    }
}

public struct USBConfiguration: Sendable, Hashable {
    public var value: UInt8
    public var interfaces: [USBInterface]

    public init(value: UInt8 = 1, interfaces: [USBInterface]) {
        self.value = value
        self.interfaces = interfaces
    }

    /// Parses a whole configuration descriptor (wTotalLength bytes).
    public init(bytes: [UInt8]) throws {
        guard bytes.count >= 9, bytes[1] == 2 else { throw USBError.io }
        value = bytes[5]
        interfaces = []
        var offset = Int(bytes[0])
        while offset + 2 <= bytes.count {
            let length = Int(bytes[offset])
            guard length >= 2, offset + length <= bytes.count else { throw USBError.io }
            let body = Array(bytes[offset..<offset + length])
            switch body[1] {
            case 4 where length >= 9:
                interfaces.append(
                    USBInterface(
                        number: body[2], alternate: body[3], interfaceClass: body[5], subclass: body[6],
                        protocolCode: body[7], nameIndex: body[8]))
            case 5 where length >= 7 && !interfaces.isEmpty:
                interfaces[interfaces.count - 1].endpoints.append(
                    USBEndpoint(
                        address: body[2], attributes: body[3], maxPacketSize: UInt16(body[4]) | UInt16(body[5]) << 8))
            default:
                if !interfaces.isEmpty { interfaces[interfaces.count - 1].extra.append(body) }
            }
            offset += length
        }
    }

    /// The configuration descriptor with its interfaces, extras and endpoints, as a device sends it.
    public var bytes: [UInt8] {
        var body: [UInt8] = []
        for interface in interfaces {
            body += [
                9, 4, interface.number, interface.alternate, UInt8(interface.endpoints.count), interface.interfaceClass,
                interface.subclass, interface.protocolCode, interface.nameIndex,
            ]
            for extra in interface.extra { body += extra }
            for endpoint in interface.endpoints {
                body += [
                    7, 5, endpoint.address, endpoint.attributes, UInt8(endpoint.maxPacketSize & 0xFF),
                    UInt8(endpoint.maxPacketSize >> 8), 0,
                ]
            }
        }
        let total = 9 + body.count
        let count = Set(interfaces.map(\.number)).count
        return [9, 2, UInt8(total & 0xFF), UInt8(total >> 8), UInt8(count), value, 0, 0x80, 50] + body
    }
}

/// String descriptors: index 0 lists language IDs, the others are UTF-16LE text.
public enum USBStringDescriptor {
    public static let englishUS: UInt16 = 0x0409

    public static func encode(_ text: String) -> [UInt8] {
        let units = Array(text.utf16)
        return [UInt8(2 + units.count * 2), 3] + units.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    public static func decode(_ bytes: [UInt8]) throws -> String {
        guard bytes.count >= 2, bytes[1] == 3 else { throw USBError.io }
        let end = min(bytes.count, Int(bytes[0]))
        var units: [UInt16] = []
        var i = 2
        while i + 1 < end {
            units.append(UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8)
            i += 2
        }
        return String(decoding: units, as: UTF16.self)
    }
}

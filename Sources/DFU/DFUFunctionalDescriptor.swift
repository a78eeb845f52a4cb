/// The DFU functional descriptor (type 0x21) that follows the DFU interface descriptor.
public struct DFUFunctionalDescriptor: Sendable, Equatable {
    public static let type: UInt8 = 0x21
    /// DFU 1.1a: ST's DfuSe extensions.
    public static let dfuSeVersion: UInt16 = 0x011A

    public var attributes: UInt8
    public var detachTimeout: UInt16
    public var transferSize: UInt16
    public var dfuVersion: UInt16

    public init(attributes: UInt8 = 0x0B, detachTimeout: UInt16 = 255, transferSize: UInt16, dfuVersion: UInt16) {
        self.attributes = attributes
        self.detachTimeout = detachTimeout
        self.transferSize = transferSize
        self.dfuVersion = dfuVersion
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count >= 9, bytes[1] == Self.type else { return nil }
        func le16(_ i: Int) -> UInt16 { UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8 }
        self.init(attributes: bytes[2], detachTimeout: le16(3), transferSize: le16(5), dfuVersion: le16(7))
    }

    public var bytes: [UInt8] {
        func le(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        return [9, Self.type, attributes] + le(detachTimeout) + le(transferSize) + le(dfuVersion)
    }

    public var canDownload: Bool { attributes & 0x01 != 0 }
    public var canUpload: Bool { attributes & 0x02 != 0 }
    public var manifestationTolerant: Bool { attributes & 0x04 != 0 }
    public var willDetach: Bool { attributes & 0x08 != 0 }
    public var isDfuSe: Bool { dfuVersion == Self.dfuSeVersion }

    public var attributeNames: [String] {
        [
            (canDownload, "download"), (canUpload, "upload"), (manifestationTolerant, "manifestation-tolerant"),
            (willDetach, "will-detach"),
        ].filter(\.0).map(\.1)
    }
}

/// A host → device frame: id, checksum, u16 LE length, payload (spec 5.1). The checksum covers
/// the length bytes and the payload, not the id. Boot-ROM-layer requests carry 0x00 instead.
public struct ISPFrame: Sendable, Equatable {
    public static let headerSize = 4
    /// The largest frame the vendor sends (tx_size 2056): 2048 data bytes plus address and header.
    public static let maxDataChunk = 2048

    public var command: UInt8
    public var checksum: UInt8
    public var payload: [UInt8]

    public init(command: UInt8, payload: [UInt8] = [], checksummed: Bool = true) {
        self.command = command
        self.payload = payload
        self.checksum = checksummed ? ISPFrame.checksum(payload) : 0
    }

    public init(_ command: ISPCommand, payload: [UInt8] = [], checksummed: Bool = true) {
        self.init(command: command.rawValue, payload: payload, checksummed: checksummed)
    }

    public init(command: UInt8, checksum: UInt8, payload: [UInt8]) {
        self.command = command
        self.checksum = checksum
        self.payload = payload
    }

    public static func checksum(_ payload: [UInt8]) -> UInt8 {
        var sum = UInt32(payload.count & 0xFF) + UInt32(payload.count >> 8)
        for byte in payload { sum &+= UInt32(byte) }
        return UInt8(sum & 0xFF)
    }

    /// A zero checksum means "not checked", as the boot ROM accepts for its own layer.
    public var checksumIsValid: Bool { checksum == 0 || checksum == ISPFrame.checksum(payload) }

    public var bytes: [UInt8] {
        [command, checksum, UInt8(payload.count & 0xFF), UInt8(payload.count >> 8)] + payload
    }
}

/// What the device answers (spec 5.2).
public enum ISPResponse: Sendable, Equatable {
    case ok
    case data([UInt8])
    case fail(ISPDeviceError)
    case pending

    public static let okBytes: [UInt8] = [0x4F, 0x4B]
    public static let failBytes: [UInt8] = [0x46, 0x4C]
    public static let pendingBytes: [UInt8] = [0x50, 0x44]

    public var bytes: [UInt8] {
        switch self {
        case .ok: Self.okBytes
        case .data(let data): Self.okBytes + LE.u16(UInt16(data.count)) + data
        case .fail(let code): Self.failBytes + LE.u16(code.rawValue)
        case .pending: Self.pendingBytes
        }
    }
}

/// Little-endian integer helpers: every multi-byte field of the ISP is LE.
public enum LE {
    public static func u16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    public static func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }

    public static func u16<C: Collection>(_ bytes: C, at offset: Int) -> UInt16
    where C.Element == UInt8, C.Index == Int {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    public static func u32<C: Collection>(_ bytes: C, at offset: Int) -> UInt32
    where C.Element == UInt8, C.Index == Int {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }
}

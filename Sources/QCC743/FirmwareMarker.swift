import BootwireCore

/// The version text a Bouffalo SDK build leaves in its image, as ST's NCP images carry it
/// (`st67w611m_mission_t02_v2.0.106.bin` holds `SW image:spi_wifi_qcc74xdk_lwip_onhost` and
/// `component_version_sdk_2.0.106`; the mfg image `SW image:mfg_test_qcc74xdk` and the same
/// SDK version). Only what the bytes say is reported: no marker, no version.
public struct FirmwareMarker: Sendable, Equatable, Codable {
    /// The SDK version the image was built with; ST numbers its NCP releases by it.
    public var version: String?
    /// The application's name.
    public var program: String?

    static let versionPrefix = Array("component_version_sdk_".utf8)
    static let programPrefix = Array("SW image:".utf8)
    /// The longest marker with its value: a chunk overlaps the last by this much, so a marker
    /// across two chunks is still seen whole.
    public static let span = 128

    /// The markers in `bytes`, or nil when it holds neither.
    public static func find(in bytes: [UInt8]) -> FirmwareMarker? {
        let version = value(after: versionPrefix, in: bytes) { $0 == UInt8(ascii: ".") || (48...57).contains($0) }
        let program = value(after: programPrefix, in: bytes) { (0x21...0x7E).contains($0) }
        guard version != nil || program != nil else { return nil }
        return FirmwareMarker(version: version, program: program)
    }

    /// The first non-empty run of `allowed` bytes right after a `prefix` and ended by a NUL
    /// (the SDK's log strings hold the prefix too, with a format or nothing after it).
    static func value(after prefix: [UInt8], in bytes: [UInt8], allowed: (UInt8) -> Bool) -> String? {
        guard let first = prefix.first, bytes.count > prefix.count else { return nil }
        var index = 0
        while index < bytes.count, let at = bytes[index...].firstIndex(of: first) {
            index = at + 1
            guard at + prefix.count < bytes.count, bytes[at..<(at + prefix.count)].elementsEqual(prefix) else {
                continue
            }
            let start = at + prefix.count
            let end = bytes[start...].prefix(span).firstIndex { !allowed($0) } ?? min(bytes.count, start + span)
            if end > start, end < bytes.count, bytes[end] == 0 {
                return String(decoding: bytes[start..<end], as: UTF8.self)
            }
        }
        return nil
    }

    /// Reads `length` bytes from `address` through `read`, a chunk at a time, until a version
    /// marker is found (the rest is not read).
    public static func scan(
        address: Int, length: Int, chunk: Int = 64 * 1024, read: (Int, Int) throws -> [UInt8]
    ) throws -> FirmwareMarker? {
        var found: FirmwareMarker?
        var offset = 0
        var tail: [UInt8] = []
        while offset < length {
            let count = min(chunk, length - offset)
            let bytes = tail + (try read(address + offset, count))
            if let marker = find(in: bytes) {
                found = FirmwareMarker(
                    version: marker.version ?? found?.version, program: marker.program ?? found?.program)
                if found?.version != nil && found?.program != nil { break }
            }
            tail = Array(bytes.suffix(span))
            offset += count
        }
        return found
    }
}

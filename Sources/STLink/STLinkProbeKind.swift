import USB

/// One ST-LINK product ID: what it is and where its bulk endpoints are (spec 1.1). Public so
/// `bootwire list` can name probes without knowing the protocol.
public struct STLinkProbeKind: Sendable, Equatable {
    public var productID: UInt16
    public var name: String
    /// 1, 2 (V2 and V2-1) or 3 (V3, V3PWR).
    public var generation: Int
    public var outEndpoint: UInt8
    public var inEndpoint: UInt8
    /// A USB loader (firmware update mode), not a debug interface.
    public var isLoader: Bool

    public static let vendorID: UInt16 = 0x0483

    public static let all: [STLinkProbeKind] = [
        STLinkProbeKind(0x3744, "ST-LINK/V1", 1, out: 0x02, loader: true),
        STLinkProbeKind(0x3748, "ST-LINK/V2", 2, out: 0x02),
        STLinkProbeKind(0x374B, "ST-LINK/V2-1", 2, out: 0x01),
        STLinkProbeKind(0x374A, "ST-LINK/V2-1 (audio)", 2, out: 0x01),
        STLinkProbeKind(0x3752, "ST-LINK/V2-1 (no MSD)", 2, out: 0x01),
        // UNCONFIRMED: only probe-rs lists 0x3742; kept because a wrong entry costs nothing.
        STLinkProbeKind(0x3742, "ST-LINK/V2-1 (no MSD)", 2, out: 0x01),
        STLinkProbeKind(0x374D, "STLINK-V3 loader", 3, out: 0x01, loader: true),
        STLinkProbeKind(0x374E, "STLINK-V3E/V3SET/V3MINI", 3, out: 0x01),
        STLinkProbeKind(0x374F, "STLINK-V3S", 3, out: 0x01),
        STLinkProbeKind(0x3753, "STLINK-V3 (2 VCPs)", 3, out: 0x01),
        STLinkProbeKind(0x3754, "STLINK-V3 (no MSD)", 3, out: 0x01),
        STLinkProbeKind(0x3755, "STLINK-V3PWR loader", 3, out: 0x01, loader: true),
        STLinkProbeKind(0x3757, "STLINK-V3PWR", 3, out: 0x01),
    ]

    init(_ pid: UInt16, _ name: String, _ generation: Int, out: UInt8, loader: Bool = false) {
        productID = pid
        self.name = name
        self.generation = generation
        outEndpoint = out
        inEndpoint = 0x81
        isLoader = loader
    }

    public static func kind(productID: UInt16) -> STLinkProbeKind? { all.first { $0.productID == productID } }

    /// Every probe that can debug: what `--port stlink` looks for.
    public static var debugProductIDs: Set<UInt16> {
        Set(all.filter { !$0.isLoader && $0.generation >= 2 }.map(\.productID))
    }

    /// `stlink` or `stlink:SERIAL` as a USB match over every debug-capable ST-LINK.
    public static func match(port: String) throws -> USBDeviceMatch {
        let serial = port.hasPrefix("stlink:") ? String(port.dropFirst("stlink:".count)) : nil
        return USBDeviceMatch(
            vendorID: vendorID, productIDs: debugProductIDs, serial: serial?.isEmpty == true ? nil : serial,
            name: port)
    }

    /// V2 reports 12 binary bytes as its serial; tools show them as 24 hex digits (spec 1.1).
    public static func displaySerial(_ raw: String?) -> String? {
        guard let raw, raw.count < 24 else { return raw }
        return raw.unicodeScalars.map { String(format: "%02X", $0.value & 0xFF) }.joined()
    }
}

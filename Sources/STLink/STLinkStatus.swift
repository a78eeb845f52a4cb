/// The status byte debug commands answer with (spec 1.5).
public struct STLinkStatus: Sendable, Equatable, CustomStringConvertible {
    public var code: UInt8
    public init(_ code: UInt8) { self.code = code }

    public static let ok = STLinkStatus(0x80)
    public static let fault = STLinkStatus(0x81)
    public static let noDeviceConnected = STLinkStatus(0x05)
    public static let cmdError = STLinkStatus(0x08)
    public static let getIDCodeError = STLinkStatus(0x09)
    public static let alignmentError = STLinkStatus(0x0A)
    public static let apWait = STLinkStatus(0x10)
    public static let apFault = STLinkStatus(0x11)
    public static let dpWait = STLinkStatus(0x14)
    public static let dpError = STLinkStatus(0x16)
    public static let badAP = STLinkStatus(0x1D)
    public static let unknownCommand = STLinkStatus(0x42)

    public var isOK: Bool { code == 0x80 }
    /// The target's bus asked to wait: the only statuses worth a retry.
    public var isWait: Bool { code == 0x10 || code == 0x14 }

    static let names: [UInt8: String] = [
        0x80: "OK", 0x81: "FAULT", 0x01: "UNKNOWN_ERROR", 0x02: "SPI_ERROR", 0x03: "DMA_ERROR",
        0x04: "UNKNOWN_JTAG_CHAIN", 0x05: "NO_DEVICE_CONNECTED", 0x06: "INTERNAL_ERROR", 0x07: "CMD_WAIT",
        0x08: "CMD_ERROR", 0x09: "GET_IDCODE_ERROR", 0x0A: "ALIGNMENT_ERROR", 0x0B: "DBG_POWER_ERROR",
        0x0C: "WRITE_ERROR", 0x0D: "WRITE_VERIF_ERROR", 0x0E: "ALREADY_OPENED_IN_OTHER_MODE",
        0x10: "SWD_AP_WAIT", 0x11: "SWD_AP_FAULT", 0x12: "SWD_AP_ERROR", 0x13: "SWD_AP_PARITY_ERROR",
        0x14: "SWD_DP_WAIT", 0x15: "SWD_DP_FAULT", 0x16: "SWD_DP_ERROR", 0x17: "SWD_DP_PARITY_ERROR",
        0x18: "SWD_AP_WDATA_ERROR", 0x19: "SWD_AP_STICKY_ERROR", 0x1A: "SWD_AP_STICKYORUN_ERROR",
        0x1D: "BAD_AP", 0x20: "SWO_NOT_AVAILABLE", 0x40: "CONF_CHANGED", 0x41: "FREQ_NOT_SUPPORTED",
        0x42: "UNKNOWN_CMD",
    ]

    public var name: String { Self.names[code] ?? "status 0x" + String(code, radix: 16) }
    public var description: String { "\(name) (0x\(String(code, radix: 16, uppercase: true)))" }
}

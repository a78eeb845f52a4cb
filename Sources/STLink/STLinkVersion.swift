/// What GET_VERSION (and on V3 GET_VERSION_EX) says about the probe, and what it can therefore
/// do (spec 1.3, 1.6).
public struct STLinkVersion: Sendable, Equatable, CustomStringConvertible {
    /// 2 or 3 (V3PWR reports 4).
    public var hardware: Int
    /// The JTAG/SWD firmware number ("J").
    public var jtag: Int
    /// SWIM (V2) or mass-storage (V2-1, V3) firmware number.
    public var low: Int
    public var lowIsMassStorage: Bool
    public var vendorID: UInt16
    public var productID: UInt16

    public init(hardware: Int, jtag: Int, low: Int, lowIsMassStorage: Bool, vendorID: UInt16, productID: UInt16) {
        self.hardware = hardware
        self.jtag = jtag
        self.low = low
        self.lowIsMassStorage = lowIsMassStorage
        self.vendorID = vendorID
        self.productID = productID
    }

    /// The 6-byte GET_VERSION answer: a big-endian u16 of 4/6/6 bits, then VID and PID.
    public static func decode(short bytes: [UInt8]) -> STLinkVersion? {
        guard bytes.count >= 6 else { return nil }
        let word = Int(bytes[0]) << 8 | Int(bytes[1])
        let pid = UInt16(bytes[4]) | UInt16(bytes[5]) << 8
        return STLinkVersion(
            hardware: word >> 12, jtag: (word >> 6) & 0x3F, low: word & 0x3F,
            lowIsMassStorage: pid != 0x3748, vendorID: UInt16(bytes[2]) | UInt16(bytes[3]) << 8, productID: pid)
    }

    /// The 12-byte GET_VERSION_EX answer of V3: one byte per firmware part.
    public static func decode(extended bytes: [UInt8]) -> STLinkVersion? {
        guard bytes.count >= 12 else { return nil }
        return STLinkVersion(
            hardware: Int(bytes[0]), jtag: Int(bytes[2]), low: Int(bytes[3]), lowIsMassStorage: true,
            vendorID: UInt16(bytes[8]) | UInt16(bytes[9]) << 8, productID: UInt16(bytes[10]) | UInt16(bytes[11]) << 8)
    }

    public var isV3: Bool { hardware >= 3 }

    /// `V2J37M26`, `V2J29S7`, `V3J7M3`.
    public var description: String { "V\(hardware)J\(jtag)\(lowIsMassStorage ? "M" : "S")\(low)" }

    private func since(v2: Int, v3: Int) -> Bool { isV3 ? jtag >= v3 : jtag >= v2 }

    public var hasTargetVoltage: Bool { since(v2: 13, v3: 0) }
    public var hasLastRWStatus2: Bool { since(v2: 15, v3: 0) }
    /// probe-rs and pyocd say J20; openocd and stlink-org J22. The spec says gate on J22.
    public var hasSWDSetFrequency: Bool { !isV3 && jtag >= 22 }
    public var hasComFrequency: Bool { isV3 }
    public var hasInitAP: Bool { since(v2: 28, v3: 2) }
    /// Memory commands that take an access port number other than 0 (byte 8, with the CSW in
    /// 9–11): openocd sends `ap_num` ≠ 0 only to V2J32+ and V3J2+ (`STLINK_F_HAS_CSW`, "memory
    /// R/W supports CSW from V2J32 / V3J2"), and INIT_AP (V2J28) must open the port first.
    public var hasAccessPortNumber: Bool { since(v2: 32, v3: 2) }
    public var maxByteTransfer: Int { isV3 && jtag >= 6 ? 512 : 64 }

    /// The oldest firmware Bootwire drives: 8-bit writes, GETLASTRWSTATUS2 and the clock
    /// command must all exist (J26 as probe-rs; V3J3 because V3J2 mishandles protocol switches).
    public var minimum: (v2: Int, v3: Int) { (26, 3) }
    public var isSupported: Bool { since(v2: minimum.v2, v3: minimum.v3) }
}

import BootwireCore

/// The 12-byte clock configuration of a boot header (bytes 104..115, after `PCFG`): the PLL and
/// divider settings the boot ROM applies before it jumps to the image.
public struct ClockConfig: Sendable, Equatable {
    public static let size = 12

    /// 0 none, 1 24 M, 2 32 M, 3 38.4 M, 4 40 M, 5 26 M, 6 RC32M, 7 auto.
    public var xtalType: UInt8
    /// 0 RC32M, 1 xtal, 2 aupll/2, 3 aupll, 4 wifipll 240 M, 5 wifipll 320 M.
    public var mcuClock: UInt8
    public var mcuClockDivider: UInt8
    public var mcuBClockDivider: UInt8
    public var mcuPBClockDivider: UInt8
    public var emiClock: UInt8
    public var emiClockDivider: UInt8
    /// 0 wifipll 120 M, 1 xtal, 2 aupll/5, 3 muxpll 80 M, 4 bclk, 5 wifipll 96 M.
    public var flashClockType: UInt8
    public var flashClockDivider: UInt8
    public var wifiPLLPowerUp: UInt8
    public var audioPLLPowerUp: UInt8
    public var reserved: UInt8

    public init(bytes: [UInt8]) throws {
        var reader = try ByteReader(bytes, exactly: Self.size, of: "a clock configuration")
        xtalType = reader.u8()
        mcuClock = reader.u8()
        mcuClockDivider = reader.u8()
        mcuBClockDivider = reader.u8()
        mcuPBClockDivider = reader.u8()
        emiClock = reader.u8()
        emiClockDivider = reader.u8()
        flashClockType = reader.u8()
        flashClockDivider = reader.u8()
        wifiPLLPowerUp = reader.u8()
        audioPLLPowerUp = reader.u8()
        reserved = reader.u8()
    }

    public var bytes: [UInt8] {
        [
            xtalType, mcuClock, mcuClockDivider, mcuBClockDivider, mcuPBClockDivider, emiClock,
            emiClockDivider, flashClockType, flashClockDivider, wifiPLLPowerUp, audioPLLPowerUp, reserved,
        ]
    }

    /// What every ST image carries: xtal auto-detect, MCU on wifipll 320 M, flash clocked from
    /// the crystal (slow but safe on any board).
    public static let stImageDefault = try! ClockConfig(bytes: [
        0x07, 0x05, 0x00, 0x00, 0x03, 0x02, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00,
    ])
}

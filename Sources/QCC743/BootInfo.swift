import BootwireCore

/// The reply to get_boot_info on QCC743/BL616 (spec section 8): 28 bytes from a1 ROMs (both
/// ST logs), 24 from a BL616 a0 ROM (public a0 log). The fields Bootwire reads are in both.
public struct BootInfo: Sendable, Equatable {
    public static let size = 28
    public static let a0Size = 24

    public var bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.size || bytes.count == Self.a0Size else { return nil }
        self.bytes = bytes
    }

    /// The a1 ROMs and later have set_timeout (0x23); the vendor never sends it to an a0.
    public var hasSetTimeout: Bool { romVersion != "01001606" }

    /// Bytes 0..3 as hex, the key the vendor tools map to a chip: `02001606` is BL616 a1.
    public var romVersion: String { Hex.string(bytes[0..<4]) }

    public var chipFamily: String? {
        if let known = BouffaloChip.answering(romVersion: romVersion)?.romIDs[romVersion] { return known }
        // Chips Bootwire has no descriptor for, named as the vendor tools name them.
        if romVersion.hasSuffix("d01606") { return "bl618dg" }
        if romVersion.hasSuffix("a01606") { return "bl616cl" }
        return nil
    }

    public var signType: UInt8 { bytes[4] }
    public var encryptType: UInt8 { bytes[5] }
    /// A copy of eFuse ef_sw_usage_0 (word 0x5C).
    public var swUsage0: UInt32 { LE.u32(bytes, at: 8) }
    /// The SPI-flash pin configuration the boot ROM uses: (sw_usage_0 >> 14) & 0x3F.
    public var flashPin: UInt8 { UInt8((swUsage0 >> 14) & 0x3F) }
    public var signedBootRequired: Bool { signType != 0 || swUsage0 & 0x80 != 0 }
    /// Bytes 12..17 reversed, as the vendor prints it: `40827b03d2dc`.
    public var chipID: String { Hex.string(bytes[12..<18].reversed()) }

    /// Builds the record the boot ROM would send from its ROM version, eFuse and chip id.
    public static func make(
        romVersion: [UInt8], efuse: [UInt8], chipID: [UInt8], trailer: [UInt8], size: Int = BootInfo.size
    ) -> BootInfo {
        let swUsage0 = LE.u32(efuse, at: EfuseMap.swUsage0)
        let signed: UInt8 = swUsage0 & 0x80 != 0 ? 1 : 0
        var record = romVersion + [signed, 0, 0x01, 0x00] + LE.u32(swUsage0) + chipID
        record += trailer
        record += [UInt8](repeating: 0, count: max(0, size - record.count))
        return BootInfo(bytes: Array(record.prefix(size)))!
    }
}

/// Offsets in the 512-byte eFuse array that Bootwire reads or the virtual device models
/// (spec 12.2 and 12.5).
public enum EfuseMap {
    public static let size = 512
    public static let config0 = 0x000
    public static let defaultMAC = 0x014
    public static let keyHash = 0x01C
    public static let swUsage0 = 0x05C
    public static let lockWord = 0x07C

    /// ef_sw_usage_0 bit 7: signatures required.
    public static let signConfigBit: UInt32 = 0x80
    /// ef_cfg_0 bits 27:26: JTAG 0 disabled when 3.
    public static let jtagDisableBits: UInt32 = 0x0C00_0000
    /// The lock word bits ST's file burns: anti-rollback enable, key slots 0 and 1 locked.
    public static let stLockBits: UInt32 = 0x0006_1000
}

/// Flash size from the JEDEC capacity byte (spec 9.3).
public enum FlashSize {
    public static func bytes(jedecCapacity capacity: UInt8) -> Int? {
        let level: Int
        if (0x20...0x22).contains(capacity) {
            level = Int(capacity) - 0x19
        } else {
            level = Int(capacity & 0x1F) - 0x13
        }
        guard (0...8).contains(level) else { return nil }
        return (512 * 1024) << level
    }
}

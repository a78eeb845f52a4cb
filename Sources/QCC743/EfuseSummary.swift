import BootwireCore

/// The security-relevant reading of a 512-byte eFuse array (spec 12.2, 12.5): what a user must
/// know before flashing (will unsigned images boot? is debug closed?) and what ST's
/// `read_chip_info.py` prints.
public struct EfuseSummary: Sendable, Equatable {
    public var bytes: [UInt8]

    /// Shorter input is zero-padded, so a partial read-back can be summarised too.
    public init(_ efuse: [UInt8]) {
        bytes = EfuseImage.pad(efuse)
    }

    public init(_ image: EfuseImage) {
        bytes = image.bytes
    }

    private func value(_ name: String) -> UInt64 {
        EfuseField.named(name)!.value(in: bytes)!
    }

    public var config0: UInt32 { LE.u32(bytes, at: EfuseMap.config0) }
    /// ef_dbg_jtag_0_dis, bits 27:26 of word 0x00.
    public var jtag0DisableField: UInt8 { UInt8(value("ef_dbg_jtag_0_dis")) }
    /// ST's reader prints "disabled" for 3 only.
    public var jtagDisabled: Bool { jtag0DisableField == 3 }

    /// Key slots 0 and 1: the SHA-256 of the image-signing public key when filled.
    public var keyHash: [UInt8] { Array(bytes[EfuseMap.keyHash..<EfuseMap.keyHash + 32]) }
    public var keyHashPresent: Bool { keyHash.contains { $0 != 0 } }

    public var softwareUsage0: UInt32 { LE.u32(bytes, at: EfuseMap.swUsage0) }
    /// sign_cfg: the boot ROM and boot2 accept only images signed with the key in the key hash.
    public var signatureRequired: Bool { value("sign_cfg") != 0 }
    /// sf_pin_cfg: the flash pin configuration the boot ROM uses (echoed in boot info).
    public var flashPinConfig: UInt8 { UInt8(value("sf_pin_cfg")) }
    /// Every ef_sw_usage_0 field by name with its value (flags are 0/1).
    public var softwareUsage0Fields: [(name: String, value: UInt64)] {
        EfuseField.softwareUsage0.map { ($0.name, $0.value(in: bytes)!) }
    }
    /// The names of the ef_sw_usage_0 fields that are non-zero, in bit order.
    public var softwareUsage0Set: [String] {
        softwareUsage0Fields.filter { $0.value != 0 }.map(\.name)
    }

    public var lockWord: UInt32 { LE.u32(bytes, at: EfuseMap.lockWord) }
    public var antiRollbackEnabled: Bool { value("anti_rollback_enable") != 0 }
    public var keySlot0WriteLocked: Bool { value("wr_lock_key_slot_0") != 0 }
    public var keySlot1WriteLocked: Bool { value("wr_lock_key_slot_1") != 0 }

    /// MACs in the order the vendor prints them (stored byte-reversed).
    public var defaultMAC: [UInt8] { mac(at: EfuseMap.defaultMAC) }
    public var customerMAC1: [UInt8] { mac(at: 0x64) }
    public var customerMAC2: [UInt8] { mac(at: 0x70) }

    private func mac(at offset: Int) -> [UInt8] { bytes[offset..<offset + 6].reversed() }

    /// True when the module boots only images signed by the key whose hash is burned.
    public var isLockedToSigner: Bool { signatureRequired && keyHashPresent }
}

/// A named bit range of the 512-byte eFuse array, so a burn can be explained field by field
/// ("sets sign_cfg") instead of as raw bytes.
///
/// Positions are in the eFuse array's little-endian bit numbering: bit `b` of word `w` is bit
/// `w * 8 + b` of the stream, so word fields and multi-byte fields (keys, MACs) share one form.
/// Names follow spec 12.2/12.5 and, for the rest of words 0x00, 0x5C and 0x7C, Bouffalo's BL616
/// eFuse map (`efuse_cfg_keys`) that the vendor tools use.
public struct EfuseField: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Independent bits: a 0 in a target means "leave alone".
        case flags
        /// The bits form one number or key: once a target writes a non-zero value, the field
        /// only ends up right if the device holds no bits the target lacks.
        case value
    }

    public var name: String
    /// First bit in the stream (byte offset × 8 + bit within the byte or word).
    public var bitOffset: Int
    public var bitCount: Int
    public var kind: Kind
    /// Newly setting any bit of this field locks the module to one signer or closes debug:
    /// irreversible in practice, and the reason a burn needs explicit confirmation.
    public var locksModule: Bool

    public init(name: String, bitOffset: Int, bitCount: Int, kind: Kind, locksModule: Bool = false) {
        self.name = name
        self.bitOffset = bitOffset
        self.bitCount = bitCount
        self.kind = kind
        self.locksModule = locksModule
    }

    /// A field inside the 32-bit word at `word` (a byte offset).
    static func word(
        _ name: String, _ word: Int, bit: Int, width: Int = 1, kind: Kind? = nil, locks: Bool = false
    ) -> EfuseField {
        EfuseField(
            name: name, bitOffset: word * 8 + bit, bitCount: width, kind: kind ?? (width == 1 ? .flags : .value),
            locksModule: locks)
    }

    /// A field of whole bytes.
    static func bytes(_ name: String, _ offset: Int, count: Int, locks: Bool = false) -> EfuseField {
        EfuseField(name: name, bitOffset: offset * 8, bitCount: count * 8, kind: .value, locksModule: locks)
    }

    /// The byte offset of the field's first bit.
    public var byteOffset: Int { bitOffset / 8 }

    /// Per byte the field touches: (byte offset, mask of the field's bits in that byte).
    var byteMasks: [(offset: Int, mask: UInt8)] {
        var out: [(Int, UInt8)] = []
        var bit = bitOffset
        let end = bitOffset + bitCount
        while bit < end {
            let byte = bit / 8
            let upTo = min(end, (byte + 1) * 8)
            let low = bit % 8
            let width = upTo - bit
            let mask = UInt8(truncatingIfNeeded: ((1 << width) - 1) << low)
            out.append((byte, mask))
            bit = upTo
        }
        return out
    }

    /// The field's value for fields of up to 64 bits; nil for keys and other long fields.
    public func value(in efuse: [UInt8]) -> UInt64? {
        guard bitCount <= 64 else { return nil }
        var result: UInt64 = 0
        for index in 0..<bitCount {
            let bit = bitOffset + index
            if efuse[bit / 8] & (1 << (bit % 8)) != 0 { result |= 1 << UInt64(index) }
        }
        return result
    }

    /// The field's bytes masked to its bits, for display of long fields.
    public func maskedBytes(in efuse: [UInt8]) -> [UInt8] {
        byteMasks.map { efuse[$0.offset] & $0.mask }
    }

    // MARK: The map

    /// ef_cfg_0 (0x00).
    static let config0: [EfuseField] = [
        .word("ef_sf_aes_mode", 0x00, bit: 0, width: 2), .word("ef_ai_dis", 0x00, bit: 2),
        .word("ef_cpu0_dis", 0x00, bit: 3), .word("ef_sboot_en", 0x00, bit: 4, width: 2),
        .word("ef_uart_dis", 0x00, bit: 6, width: 4, kind: .flags), .word("ef_bus_rmp_sw_en", 0x00, bit: 10),
        .word("ef_bus_rmp_dis", 0x00, bit: 11), .word("ef_sf_key_re_sel", 0x00, bit: 12, width: 2),
        .word("ef_sdu_dis", 0x00, bit: 14), .word("ef_btdm_dis", 0x00, bit: 15), .word("ef_wifi_dis", 0x00, bit: 16),
        .word("ef_0_key_enc_en", 0x00, bit: 17), .word("ef_cam_dis", 0x00, bit: 18),
        .word("ef_m154_dis", 0x00, bit: 19),
        .word("ef_sdu_rst_opt", 0x00, bit: 20), .word("ef_cpu_rst_dbg_dis", 0x00, bit: 21),
        .word("ef_se_dbg_dis", 0x00, bit: 22), .word("ef_efuse_dbg_dis", 0x00, bit: 23),
        .word("ef_dbg_jtag_1_dis", 0x00, bit: 24, width: 2),
        // 3 = JTAG 0 disabled; ST's file burns it. Any new bit here narrows debug access.
        .word("ef_dbg_jtag_0_dis", 0x00, bit: 26, width: 2, locks: true),
        .word("ef_dbg_mode", 0x00, bit: 28, width: 4),
    ]

    /// ef_sw_usage_0 (0x5C), the word boot info echoes at bytes 8..11 (spec 12.5).
    static let softwareUsage0: [EfuseField] = [
        .word("bootrom_protect", 0x5C, bit: 0), .word("uart_log_disable", 0x5C, bit: 1),
        .word("boot_pin_cfg", 0x5C, bit: 2), .word("mediaboot_disable", 0x5C, bit: 3),
        .word("uartboot_disable", 0x5C, bit: 4), .word("usbboot_enable", 0x5C, bit: 5),
        .word("uart_log_reopen", 0x5C, bit: 6),
        // Signatures required from now on: only images signed with the key in slots 0/1 boot.
        .word("sign_cfg", 0x5C, bit: 7, locks: true),
        .word("dcache_disable", 0x5C, bit: 8), .word("jtag_cfg", 0x5C, bit: 9, width: 3),
        .word("fix_key_sel", 0x5C, bit: 12), .word("sdh_en", 0x5C, bit: 13),
        .word("sf_pin_cfg", 0x5C, bit: 14, width: 6), .word("boot_pin_dly", 0x5C, bit: 20, width: 2),
        .word("power_trim_disable", 0x5C, bit: 22), .word("trim_enable", 0x5C, bit: 23),
        .word("flash_power_delay", 0x5C, bit: 24, width: 2), .word("boot_level_revert", 0x5C, bit: 26),
        .word("tz_boot", 0x5C, bit: 27), .word("usb_desc_cfg", 0x5C, bit: 28), .word("hbn_check_sign", 0x5C, bit: 29),
        .word("keep_dbg_port_closed", 0x5C, bit: 30), .word("hbn_jump_disable", 0x5C, bit: 31),
    ]

    /// The lock word (0x7C). Bit 12 is `wr_lock_rsvd_1` in the map; ST's reader calls it
    /// "anti-rollback enable".
    static let lockWord: [EfuseField] = [
        .word("ef_sec_lifecycle", 0x7C, bit: 0, width: 4),
        .word("wr_lock_rsvd_0", 0x7C, bit: 4, width: 8, kind: .flags),
        .word("anti_rollback_enable", 0x7C, bit: 12), .word("flash_dly_coe", 0x7C, bit: 13),
        .word("wr_lock_boot_mode", 0x7C, bit: 14), .word("wr_lock_dbg_pwd", 0x7C, bit: 15),
        .word("wr_lock_wifi_mac", 0x7C, bit: 16),
        // Freezes the public-key hash: the signer can never change.
        .word("wr_lock_key_slot_0", 0x7C, bit: 17, locks: true),
        .word("wr_lock_key_slot_1", 0x7C, bit: 18, locks: true),
        .word("wr_lock_key_slot_2", 0x7C, bit: 19), .word("wr_lock_key_slot_3", 0x7C, bit: 20),
        .word("wr_lock_sw_usage_0", 0x7C, bit: 21), .word("wr_lock_sw_usage_1", 0x7C, bit: 22),
        .word("wr_lock_sw_usage_2", 0x7C, bit: 23), .word("wr_lock_sw_usage_3", 0x7C, bit: 24),
        .word("wr_lock_key_slot_11", 0x7C, bit: 25), .word("rd_lock_dbg_pwd", 0x7C, bit: 26),
        .word("rd_lock_key_slot_0", 0x7C, bit: 27), .word("rd_lock_key_slot_1", 0x7C, bit: 28),
        .word("rd_lock_key_slot_2", 0x7C, bit: 29), .word("rd_lock_key_slot_3", 0x7C, bit: 30),
        .word("rd_lock_key_slot_11", 0x7C, bit: 31),
    ]

    /// Every named field, in address order. Bits outside these are reported per 32-bit word.
    public static let map: [EfuseField] =
        config0 + [
            .bytes("ef_dbg_pwd", 0x04, count: 8), .bytes("ef_dbg_pwd2", 0x0C, count: 8),
            .bytes("default_mac", 0x14, count: 6),
            // Slots 0+1 hold the SHA-256 of the image-signing public key (spec 12.2).
            .bytes("key_hash_slot_0", 0x1C, count: 16, locks: true),
            .bytes("key_hash_slot_1", 0x2C, count: 16, locks: true),
            .bytes("key_slot_2", 0x3C, count: 16), .bytes("key_slot_3", 0x4C, count: 16),
        ] + softwareUsage0 + [
            .bytes("customer_mac_1", 0x64, count: 6), .bytes("customer_mac_2", 0x70, count: 6),
        ] + lockWord

    public static func named(_ name: String) -> EfuseField? { map.first { $0.name == name } }
}

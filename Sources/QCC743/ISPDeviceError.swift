import BootwireCore

import Foundation

/// Device-level error codes that follow `FL` (little-endian on the wire), with the names of
/// the vendor tools' table (spec 15.2). The vendor prints them high byte first: `FL0103`.
public struct ISPDeviceError: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let flashEraseError = ISPDeviceError(0x0003)
    public static let flashWriteParameterError = ISPDeviceError(0x0004)
    public static let flashWriteAddressError = ISPDeviceError(0x0005)
    public static let flashWriteError = ISPDeviceError(0x0006)
    public static let flashDecompressWriteError = ISPDeviceError(0x000B)
    public static let flashWriteXZError = ISPDeviceError(0x000C)
    public static let commandIDError = ISPDeviceError(0x0101)
    public static let commandLengthError = ISPDeviceError(0x0102)
    public static let commandCRCError = ISPDeviceError(0x0103)
    public static let commandSequenceError = ISPDeviceError(0x0104)
    public static let efuseWriteAddressError = ISPDeviceError(0x0402)
    public static let efuseReadAddressError = ISPDeviceError(0x0405)

    /// `FL0103`, the form users find in forum posts.
    /// The ROM's error code an error carries, if the ROM refused.
    public static func of(_ error: BootwireError) -> ISPDeviceError? {
        guard case .romError(let code) = error.cause else { return nil }
        return ISPDeviceError(code)
    }

    public var wireName: String { String(format: "FL%04X", rawValue) }

    public var name: String { Self.names[rawValue] ?? "UNKNOWN_ERROR" }

    public var description: String { "\(wireName) (\(name))" }

    static let names: [UInt16: String] = [
        0x0001: "FLASH_INIT_ERROR", 0x0002: "FLASH_ERASE_PARA_ERROR", 0x0003: "FLASH_ERASE_ERROR",
        0x0004: "FLASH_WRITE_PARA_ERROR", 0x0005: "FLASH_WRITE_ADDR_ERROR", 0x0006: "FLASH_WRITE_ERROR",
        0x0007: "FLASH_BOOT_PARA_ERROR", 0x0008: "FLASH_SET_PARA_ERROR", 0x0009: "FLASH_READ_STATUS_REG_ERROR",
        0x000A: "FLASH_WRITE_STATUS_REG_ERROR", 0x000B: "FLASH_DECOMPRESS_WRITE_ERROR",
        0x000C: "FLASH_WRITE_XZ_ERROR", 0x000D: "FLASH_SWITCH_BANK_ERROR",
        0x0101: "CMD_ID_ERROR", 0x0102: "CMD_LEN_ERROR", 0x0103: "CMD_CRC_ERROR", 0x0104: "CMD_SEQ_ERROR",
        0x0201: "IMG_BOOTHEADER_LEN_ERROR", 0x0202: "IMG_BOOTHEADER_NOT_LOAD_ERROR",
        0x0203: "IMG_BOOTHEADER_MAGIC_ERROR", 0x0204: "IMG_BOOTHEADER_CRC_ERROR",
        0x0205: "IMG_BOOTHEADER_ENCRYPT_NOTFIT", 0x0206: "IMG_BOOTHEADER_SIGN_NOTFIT",
        0x0207: "IMG_SEGMENT_CNT_ERROR", 0x0208: "IMG_AES_IV_LEN_ERROR", 0x0209: "IMG_AES_IV_CRC_ERROR",
        0x020A: "IMG_PK_LEN_ERROR", 0x020B: "IMG_PK_CRC_ERROR", 0x020C: "IMG_PK_HASH_ERROR",
        0x020D: "IMG_SIGNATURE_LEN_ERROR", 0x020E: "IMG_SIGNATURE_CRC_ERROR",
        0x020F: "IMG_SECTIONHEADER_LEN_ERROR", 0x0210: "IMG_SECTIONHEADER_CRC_ERROR",
        0x0211: "IMG_SECTIONHEADER_DST_ERROR", 0x0212: "IMG_SECTIONDATA_LEN_ERROR",
        0x0213: "IMG_SECTIONDATA_DEC_ERROR", 0x0214: "IMG_SECTIONDATA_TLEN_ERROR",
        0x0215: "IMG_SECTIONDATA_CRC_ERROR", 0x0216: "IMG_HALFBAKED_ERROR", 0x0217: "IMG_HASH_ERROR",
        0x0218: "IMG_SIGN_PARSE_ERROR", 0x0219: "IMG_SIGN_ERROR", 0x021A: "IMG_DEC_ERROR",
        0x021B: "IMG_ALL_INVALID_ERROR", 0x0301: "IF_RATE_LEN_ERROR", 0x0302: "IF_RATE_PARA_ERROR",
        0x0303: "IF_PASSWORDERROR", 0x0304: "IF_PASSWORDCLOSE", 0x0401: "EFUSE_WRITE_PARA_ERROR",
        0x0402: "EFUSE_WRITE_ADDR_ERROR", 0x0403: "EFUSE_WRITE_ERROR", 0x0404: "EFUSE_READ_PARA_ERROR",
        0x0405: "EFUSE_READ_ADDR_ERROR", 0x0406: "EFUSE_READ_ERROR", 0x0407: "EFUSE_READ_MAC_ERROR",
        0x0408: "EFUSE_WRITE_MAC_ERROR", 0x0501: "MEMORY_WRITE_PARA_ERROR", 0x0502: "MEMORY_WRITE_ADDR_ERROR",
        0x0503: "MEMORY_WRITE_ERROR", 0x0504: "MEMORY_READ_PARA_ERROR", 0x0505: "MEMORY_READ_ADDR_ERROR",
        0x0506: "MEMORY_READ_ERROR", 0x0508: "REG_WRITE_PARA_ERROR", 0x0509: "REG_WRITE_ADDR_ERROR",
        0x050A: "REG_WRITE_ERROR", 0x050B: "REG_READ_PARA_ERROR", 0x050C: "REG_READ_ADDR_ERROR",
        0x050D: "REG_READ_ERROR", 0x0601: "ECDH_PARA_ERROR", 0x0602: "ECDH_PRIVATE_KEY_ERROR",
        0x0603: "ECDH_SHARED_KEY_ERROR", 0x0604: "ECDH_RANDOM_VAL_ERROR", 0x0605: "ECDH_DECRYPT_ERROR",
        0x0606: "ECDH_ENCRYPT_ERROR", 0x0701: "SDCARD_MOUNT_ERROR", 0x0702: "SDCARD_FILE_NOT_FOUND_ERROR",
        0x0703: "SDCARD_READ_LEN_ERROR", 0x0704: "SDCARD_READ_ERROR", 0x0901: "CODEPATH_CHECK_ERROR",
        0x0A01: "PASSWORD_LEN_CHECKERROR", 0x0A02: "PASSWORD_MODE_NEED_PSW", 0x0A03: "PASSWORD_MODE_CLOSE",
        0x0A0A: "CHIP_PROTECTED_OR_CLOSED", 0x0A0C: "PASSWORD_MODE_NEEDS_AUTH",
        0x0B01: "MODE_LEN_CHECK_ERROR", 0x0C01: "BOOT2_VERSION_CHECK_ERROR",
        0xFFFC: "PLL_ERROR", 0xFFFD: "INVASION_ERROR", 0xFFFE: "POLLING", 0xFFFF: "FAIL",
    ]
}

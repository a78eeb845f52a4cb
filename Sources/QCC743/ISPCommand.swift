import Foundation

/// Command ids of the QCC743/BL616 boot ROM's UART ISP (spec sections 6.1 and 6.2).
public enum ISPCommand: UInt8, Sendable, CaseIterable {
    case getBootInfo = 0x10
    case reset = 0x21
    case clockSet = 0x22
    case setTimeout = 0x23
    case flashErase = 0x30
    case flashWrite = 0x31
    case flashRead = 0x32
    case flashReadJEDEC = 0x36
    case flashWriteCheck = 0x3A
    case flashSetParameters = 0x3B
    case flashChipErase = 0x3C
    case flashReadSHA = 0x3D
    case flashXIPReadSHA = 0x3E
    case flashDecompressWrite = 0x3F
    case efuseWrite = 0x40
    case efuseRead = 0x41
    case efuseReadMAC = 0x42
    case memoryWrite = 0x50
    case xipReadStart = 0x60
    case xipReadFinish = 0x61

    public var name: String {
        switch self {
        case .getBootInfo: "get_boot_info"
        case .reset: "reset"
        case .clockSet: "clk_set"
        case .setTimeout: "set_timeout"
        case .flashErase: "flash_erase"
        case .flashWrite: "flash_write"
        case .flashRead: "flash_read"
        case .flashReadJEDEC: "flash_read_jedec_id"
        case .flashWriteCheck: "flash_write_check"
        case .flashSetParameters: "flash_set_para"
        case .flashChipErase: "flash_chiperase"
        case .flashReadSHA: "flash_readSha"
        case .flashXIPReadSHA: "flash_xip_readSha"
        case .flashDecompressWrite: "flash_decompress_write"
        case .efuseWrite: "efuse_write"
        case .efuseRead: "efuse_read"
        case .efuseReadMAC: "efuse_read_mac"
        case .memoryWrite: "memory_write"
        case .xipReadStart: "flash_xip_read_start"
        case .xipReadFinish: "flash_xip_read_finish"
        }
    }

    /// Commands whose answer is `OK` + length + data rather than a bare `OK`.
    public var repliesWithData: Bool {
        switch self {
        case .getBootInfo, .flashRead, .flashReadJEDEC, .flashReadSHA, .flashXIPReadSHA, .efuseRead, .efuseReadMAC: true
        default: false
        }
    }

    public static func name(of id: UInt8) -> String {
        ISPCommand(rawValue: id)?.name ?? String(format: "0x%02X", id)
    }
}

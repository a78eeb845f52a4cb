/// Command bytes of the ST-LINK USB protocol (spec 1.3, 1.4). Every command is 16 bytes, little
/// endian fields, unused bytes zero.
public enum STLinkCommand {
    public static let length = 16

    public static let getVersion: UInt8 = 0xF1
    public static let debug: UInt8 = 0xF2
    public static let dfu: UInt8 = 0xF3
    public static let swim: UInt8 = 0xF4
    public static let getCurrentMode: UInt8 = 0xF5
    public static let getTargetVoltage: UInt8 = 0xF7
    public static let getVersionEx: UInt8 = 0xFB

    public static let dfuExit: UInt8 = 0x07
    public static let swimExit: UInt8 = 0x01

    /// Debug (0xF2) sub-commands.
    public enum Debug {
        public static let readMem32: UInt8 = 0x07
        public static let writeMem32: UInt8 = 0x08
        public static let readMem8: UInt8 = 0x0C
        public static let writeMem8: UInt8 = 0x0D
        public static let exit: UInt8 = 0x21
        public static let enter: UInt8 = 0x30
        public static let readIDCodes: UInt8 = 0x31
        public static let resetSys: UInt8 = 0x32
        public static let readReg: UInt8 = 0x33
        public static let writeReg: UInt8 = 0x34
        public static let writeDebugReg: UInt8 = 0x35
        public static let readDebugReg: UInt8 = 0x36
        public static let getLastRWStatus: UInt8 = 0x3B
        public static let driveNRST: UInt8 = 0x3C
        public static let getLastRWStatus2: UInt8 = 0x3E
        public static let swdSetFreq: UInt8 = 0x43
        public static let initAP: UInt8 = 0x4B
        public static let closeAP: UInt8 = 0x4C
        public static let setComFreq: UInt8 = 0x61
        public static let getComFreq: UInt8 = 0x62

        public static let enterSWD: UInt8 = 0xA3
    }

    /// GET_CURRENT_MODE answers.
    public enum Mode: UInt8, Sendable {
        case dfu = 0, massStorage = 1, debug = 2, swim = 3, bootloader = 4
    }

    public enum NRST: UInt8, Sendable {
        case low = 0, high = 1, pulse = 2
    }

    /// The 16 bytes of a command: `bytes` from offset 0, zero after.
    public static func frame(_ bytes: [UInt8]) -> [UInt8] {
        precondition(bytes.count <= length)
        return bytes + [UInt8](repeating: 0, count: length - bytes.count)
    }

    public static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    public static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    public static func le32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    /// READMEM/WRITEMEM header: address, length, the access port in byte 8, and zero CSW bytes
    /// (9–11: the firmware's default CSW). openocd `stlink_usb_read_mem32` and the others put
    /// `ap_num` there, and send AP numbers other than 0 only to firmware that has them
    /// (`STLinkVersion.hasAccessPortNumber`).
    public static func memory(_ sub: UInt8, address: UInt32, length: Int, accessPort: UInt8 = 0) -> [UInt8] {
        frame([debug, sub] + le32(address) + le16(UInt16(length)) + [accessPort])
    }
}

/// The DFU class requests (bRequest) and the DfuSe commands sent as block-0 downloads.
public enum DFURequest: UInt8, Sendable {
    case detach = 0
    case download = 1
    case upload = 2
    case getStatus = 3
    case clearStatus = 4
    case getState = 5
    case abort = 6
}

public enum DfuSeCommand: UInt8, Sendable {
    case getCommands = 0x00
    case setAddress = 0x21
    case erase = 0x41
    case readUnprotect = 0x92
    case fusDelete = 0x52
    case fusUpgrade = 0x53
    case fusStartStack = 0x5A
}

/// DfuSe block numbers: 0 carries commands, 1 is reserved, data starts at 2.
public enum DfuSeBlock {
    public static let command: UInt16 = 0
    public static let firstData: UInt16 = 2
}

import BootwireCore

/// bStatus of DFU 1.1, with the code each maps to when a device reports it.
public enum DFUStatus: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case ok = 0x00
    case errTarget = 0x01
    case errFile = 0x02
    case errWrite = 0x03
    case errErase = 0x04
    case errCheckErased = 0x05
    case errProg = 0x06
    case errVerify = 0x07
    case errAddress = 0x08
    case errNotDone = 0x09
    case errFirmware = 0x0A
    case errVendor = 0x0B
    case errUSBR = 0x0C
    case errPOR = 0x0D
    case errUnknown = 0x0E
    case errStalledPkt = 0x0F

    public var description: String {
        switch self {
        case .ok: "OK"
        case .errTarget: "errTARGET"
        case .errFile: "errFILE"
        case .errWrite: "errWRITE"
        case .errErase: "errERASE"
        case .errCheckErased: "errCHECK_ERASED"
        case .errProg: "errPROG"
        case .errVerify: "errVERIFY"
        case .errAddress: "errADDRESS"
        case .errNotDone: "errNOTDONE"
        case .errFirmware: "errFIRMWARE"
        case .errVendor: "errVENDOR"
        case .errUSBR: "errUSBR"
        case .errPOR: "errPOR"
        case .errUnknown: "errUNKNOWN"
        case .errStalledPkt: "errSTALLEDPKT"
        }
    }

    public var errorCode: ErrorCode {
        switch self {
        case .ok, .errUnknown: .dfuErrUnknown
        case .errTarget: .dfuErrTarget
        case .errFile: .dfuErrFile
        case .errWrite: .dfuErrWrite
        case .errErase: .dfuErrErase
        case .errCheckErased: .dfuErrCheckErased
        case .errProg: .dfuErrProg
        case .errVerify: .dfuErrVerify
        case .errAddress: .dfuErrAddress
        case .errNotDone: .dfuErrNotDone
        case .errFirmware: .dfuErrFirmware
        case .errVendor: .dfuErrVendor
        case .errUSBR: .dfuErrUSBR
        case .errPOR: .dfuErrPOR
        case .errStalledPkt: .dfuErrStalledPkt
        }
    }
}

/// The six bytes GETSTATUS returns.
public struct DFUStatusReply: Sendable, Equatable, CustomStringConvertible {
    public var status: DFUStatus
    /// Milliseconds the host must wait before the next GETSTATUS.
    public var pollTimeout: Int
    public var state: DFUState
    public var stringIndex: UInt8

    public init(status: DFUStatus, pollTimeout: Int, state: DFUState, stringIndex: UInt8 = 0) {
        self.status = status
        self.pollTimeout = pollTimeout
        self.state = state
        self.stringIndex = stringIndex
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count >= 6, let status = DFUStatus(rawValue: bytes[0]), let state = DFUState(rawValue: bytes[4])
        else { return nil }
        self.init(
            status: status, pollTimeout: Int(bytes[1]) | Int(bytes[2]) << 8 | Int(bytes[3]) << 16, state: state,
            stringIndex: bytes[5])
    }

    public var bytes: [UInt8] {
        [
            status.rawValue, UInt8(pollTimeout & 0xFF), UInt8((pollTimeout >> 8) & 0xFF),
            UInt8((pollTimeout >> 16) & 0xFF), state.rawValue, stringIndex,
        ]
    }

    public var description: String { "\(state)/\(status), poll \(pollTimeout) ms" }
}

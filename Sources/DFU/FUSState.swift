import BootwireCore

/// The two bytes FUS_GET_STATE returns, named as AN5185 and CubeProgrammer name them (spec 8.3).
public struct FUSState: Sendable, Equatable, CustomStringConvertible {
    public var state: UInt8
    public var error: UInt8

    public init(state: UInt8, error: UInt8) {
        self.state = state
        self.error = error
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count >= 2 else { return nil }
        self.init(state: bytes[0], error: bytes[1])
    }

    /// `FF FE`: CPU2 runs the wireless stack, so FUS does not answer.
    public static let stackRunning = FUSState(state: 0xFF, error: 0xFE)
    public static let idle = FUSState(state: 0x00, error: 0x00)

    public var isStackRunning: Bool { self == .stackRunning }
    public var isIdle: Bool { state == 0x00 && error == 0x00 }
    public var isOngoing: Bool { (0x10...0x3F).contains(state) }
    /// An error byte that is a failure, whatever the state byte says (`1x 07` in the field report).
    public var isFailure: Bool { error != 0x00 && error != 0xFE }

    public var stateName: String {
        switch state {
        case 0x00: "FUS_IDLE"
        case 0x10...0x1F: "FW_UPGRD_ONGOING"
        case 0x20...0x2F: "FUS_UPGRD_ONGOING"
        case 0x30...0x3F: "SERVICE_ONGOING"
        case 0xFF: "ERROR"
        default: "state 0x\(String(state, radix: 16, uppercase: true))"
        }
    }

    /// CubeProgrammer's wording for the same state, so a user can match a log they have.
    public var cubeProgrammerName: String? {
        (0x10...0x1F).contains(state) ? "WIRELESS_STACK_UPGRADE_ONGOING" : nil
    }

    public var errorName: String {
        switch error {
        case 0x00: "FUS_NO_ERROR"
        case 0x01: "FUS_IMAGE_NOT_FOUND"
        case 0x02: "FUS_IMAGE_CORRUPT"
        case 0x03: "FUS_IMAGE_NOT_AUTHENTIC"
        case 0x04: "FUS_IMAGE_NOT_ENOUGH_SPACE"
        case 0x05: "FUS_IMAGE_USRABORT"
        case 0x06: "FUS_IMAGE_ERSERROR"
        case 0x07: "FUS_IMAGE_WRTERROR"
        case 0x08: "FUS_AUTH_TAG_ST_NOTFOUND"
        case 0x09: "FUS_AUTH_TAG_CUST_NOTFOUND"
        case 0x0A: "FUS_AUTH_KEY_LOCKED"
        case 0x11: "FUS_FW_ROLLBACK_ERROR"
        case 0xFE: "FUS_NOT_RUNNING"
        default: "FUS_ERR_UNKNOWN"
        }
    }

    public var errorCode: ErrorCode {
        switch error {
        case 0x01: .fusImageNotFound
        case 0x02: .fusImageCorrupt
        case 0x03: .fusImageNotAuthentic
        case 0x04: .fusImageNotEnoughSpace
        case 0x05: .fusImageUserAbort
        case 0x06: .fusImageEraseError
        case 0x07: .fusImageWriteError
        case 0x08: .fusAuthTagSTNotFound
        case 0x09: .fusAuthTagCustomerNotFound
        case 0x0A: .fusAuthKeyLocked
        case 0x11: .fusRollbackError
        default: .fusErrorUnknown
        }
    }

    /// `FF FE` is no error: CPU2 runs the wireless stack (how a stack upgrade ends), so it is
    /// said so rather than as CubeProgrammer's `ERROR / FUS_NOT_RUNNING`.
    public var description: String {
        if isStackRunning { return "wireless stack running (FF FE)" }
        return "\(cubeProgrammerName ?? stateName) / \(errorName) (\(Hex.string([state, error], separator: " ")))"
    }
}

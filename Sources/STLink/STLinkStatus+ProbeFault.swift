import ArmDebug

/// The one place ST-LINK status bytes become the probe-neutral faults callers steer by (spec
/// 1.5; openocd's `stlink_usb_error_check` groups them the same way).
extension STLinkStatus {
    public var probeFault: ProbeFault {
        switch code {
        case 0x10, 0x14: .wait
        case 0x11, 0x81: .fault(address: nil)
        // SWD_DP_FAULT / SWD_DP_ERROR: the DP gave no valid acknowledge, as when the part resets
        // under the probe (OBL_LAUNCH) or a wire is loose.
        case 0x15, 0x16: .lostConnection
        case 0x05, 0x09: .noTarget
        case 0x42: .unsupportedCommand
        default: .probeError
        }
    }
}

extension ProbeError {
    /// An ST-LINK status as a probe error; `address` is the one GETLASTRWSTATUS2 blamed.
    init(_ status: STLinkStatus, address: UInt32? = nil, operation: String) {
        var fault = status.probeFault
        if case .fault = fault { fault = .fault(address: address) }
        self.init(fault, operation: operation, status: status.description, probe: "ST-LINK")
    }
}

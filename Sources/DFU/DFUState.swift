/// bState of DFU 1.1, named as the class spec names them.
public enum DFUState: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case appIdle = 0
    case appDetach = 1
    case dfuIdle = 2
    case downloadSync = 3
    case downloadBusy = 4
    case downloadIdle = 5
    case manifestSync = 6
    case manifest = 7
    case manifestWaitReset = 8
    case uploadIdle = 9
    case error = 10

    public var description: String {
        switch self {
        case .appIdle: "appIDLE"
        case .appDetach: "appDETACH"
        case .dfuIdle: "dfuIDLE"
        case .downloadSync: "dfuDNLOAD-SYNC"
        case .downloadBusy: "dfuDNBUSY"
        case .downloadIdle: "dfuDNLOAD-IDLE"
        case .manifestSync: "dfuMANIFEST-SYNC"
        case .manifest: "dfuMANIFEST"
        case .manifestWaitReset: "dfuMANIFEST-WAIT-RESET"
        case .uploadIdle: "dfuUPLOAD-IDLE"
        case .error: "dfuERROR"
        }
    }
}

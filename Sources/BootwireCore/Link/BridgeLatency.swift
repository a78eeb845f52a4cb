import CSerial
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What a USB-serial bridge was asked about its latency, and what it answered. A bridge holds
/// what the device sends until its buffer fills or its latency timer runs out (FTDI's default
/// is 16 ms), so every turnaround of a request/acknowledge protocol can cost that long; Linux
/// lets a program ask for the shortest hold. Vendor tools do not ask.
public struct BridgeLatency: Sendable, Equatable {
    public enum Control: String, Sendable, Equatable {
        /// ftdi_sio's `latency_timer` attribute, in ms, under /sys/class/tty/<tty>/device.
        case latencyTimer = "latency_timer"
        /// `ASYNC_LOW_LATENCY` in the driver's serial flags (TIOCSSERIAL); ftdi_sio maps it to 1 ms.
        case lowLatencyFlag = "ASYNC_LOW_LATENCY"
        /// The port offers neither (a pseudo-terminal, an on-board UART, a CDC-ACM device).
        case none
    }

    public var control: Control
    /// The hold time before and after the request, in ms, where the control says it.
    public var beforeMilliseconds: Int?
    public var afterMilliseconds: Int?
    /// Why nothing was changed, when nothing was.
    public var reason: String?

    public init(control: Control, beforeMilliseconds: Int? = nil, afterMilliseconds: Int? = nil, reason: String? = nil)
    {
        self.control = control
        self.beforeMilliseconds = beforeMilliseconds
        self.afterMilliseconds = afterMilliseconds
        self.reason = reason
    }

    public static let notAsked = BridgeLatency(control: .none, reason: "not asked")

    /// One line for the trace and for `doctor`.
    public var summary: String {
        switch control {
        case .latencyTimer where reason != nil:
            "latency_timer stays \(afterMilliseconds.map(String.init) ?? "?") ms: \(reason ?? "")"
        case .latencyTimer where beforeMilliseconds == afterMilliseconds:
            "latency_timer is already \(afterMilliseconds.map(String.init) ?? "?") ms"
        case .latencyTimer:
            "latency_timer \(beforeMilliseconds.map(String.init) ?? "?") ms -> \(afterMilliseconds.map(String.init) ?? "?") ms, restored on close"
        case .lowLatencyFlag:
            beforeMilliseconds == 1 && afterMilliseconds == 1
                ? "ASYNC_LOW_LATENCY was already set"
                : "ASYNC_LOW_LATENCY set\(afterMilliseconds.map { " (\($0) ms)" } ?? ""), restored on close"
        case .none:
            "no latency control: \(reason ?? "unknown")"
        }
    }
}

/// How a serial port is set up when it opens. The library reads no environment: the command
/// passes the sysfs root in (tests pass a fake one).
public struct SerialPortSetup: Sendable, Equatable {
    /// Ask the bridge for its lowest latency (restored on close).
    public var lowestLatency: Bool
    /// Where sysfs is mounted: /sys on a real machine.
    public var sysfsRoot: String

    public init(lowestLatency: Bool = true, sysfsRoot: String = "/sys") {
        self.lowestLatency = lowestLatency
        self.sysfsRoot = sysfsRoot
    }
}

/// The serial driver's flags, behind a seam: the real one is TIOCGSERIAL/TIOCSSERIAL on the
/// port's descriptor; tests substitute a fake driver.
public protocol SerialFlagsAccess {
    func readFlags() -> Result<Int32, SerialFlagsError>
    func writeFlags(_ flags: Int32) -> SerialFlagsError?
}

/// An errno from TIOCGSERIAL or TIOCSSERIAL (ENOTTY: the driver keeps no serial flags).
public struct SerialFlagsError: Error, Equatable, CustomStringConvertible {
    public var errno: Int32
    public init(errno: Int32) { self.errno = errno }
    public var description: String { String(cString: strerror(errno)) }
}

struct DescriptorSerialFlags: SerialFlagsAccess {
    let fd: Int32

    func readFlags() -> Result<Int32, SerialFlagsError> {
        var flags: Int32 = 0
        if bw_get_serial_flags(fd, &flags) != 0 { return .failure(SerialFlagsError(errno: errno)) }
        return .success(flags)
    }

    func writeFlags(_ flags: Int32) -> SerialFlagsError? {
        bw_set_serial_flags(fd, flags) == 0 ? nil : SerialFlagsError(errno: errno)
    }
}

/// Lowers a bridge's latency and puts it back. The sysfs attribute comes first: it says the
/// time in ms and reaches the timer directly; where it is absent or not writable (it is
/// root's unless a udev rule says otherwise) the serial flag, which any user may set, follows.
public final class BridgeLatencyControl {
    /// The lowest value ftdi_sio's latency_timer takes that every FTDI honours.
    public static let lowestMilliseconds = 1
    /// ASYNC_LOW_LATENCY in struct serial_struct's flags.
    public static var lowLatencyFlag: Int32 { Int32(bw_async_low_latency) }

    public private(set) var state: BridgeLatency = .notAsked
    private var restoreAction: (() -> Void)?

    public init() {}

    /// The attribute for a tty: /dev/ttyUSB0 → <root>/class/tty/ttyUSB0/device/latency_timer;
    /// sysfs spells a name with a slash (pts/7) with "!" (pts!7).
    public static func attributePath(ttyPath: String, sysfsRoot: String) -> String {
        let name = ttyPath.hasPrefix("/dev/") ? String(ttyPath.dropFirst(5)) : (ttyPath as NSString).lastPathComponent
        return "\(sysfsRoot)/class/tty/\(name.replacingOccurrences(of: "/", with: "!"))/device/latency_timer"
    }

    /// Asks for the lowest latency. Never throws: a port without the control still works, only
    /// slower, and says so in `state`.
    @discardableResult
    public func lower(ttyPath: String, sysfsRoot: String, flags: SerialFlagsAccess) -> BridgeLatency {
        let attribute = Self.attributePath(ttyPath: ttyPath, sysfsRoot: sysfsRoot)
        var reasons: [String] = []
        let timer = Self.readAttribute(attribute)
        if let before = timer {
            if before <= Self.lowestMilliseconds {
                state = BridgeLatency(control: .latencyTimer, beforeMilliseconds: before, afterMilliseconds: before)
                return state
            }
            if Self.writeAttribute(attribute, Self.lowestMilliseconds) {
                state = BridgeLatency(
                    control: .latencyTimer, beforeMilliseconds: before, afterMilliseconds: Self.lowestMilliseconds)
                restoreAction = { _ = Self.writeAttribute(attribute, before) }
                return state
            }
            reasons.append("latency_timer is \(before) ms and not writable by this user")
        }
        switch flags.readFlags() {
        case .success(let old):
            let low = Self.lowLatencyFlag
            if old & low != 0 {
                state = BridgeLatency(control: .lowLatencyFlag, beforeMilliseconds: 1, afterMilliseconds: 1)
                return state
            }
            if let error = flags.writeFlags(old | low) {
                reasons.append("the driver refused ASYNC_LOW_LATENCY (\(error))")
            } else {
                // ftdi_sio turns the flag into a 1 ms timer; where the attribute can be read,
                // what it says now is the answer.
                state = BridgeLatency(
                    control: .lowLatencyFlag, beforeMilliseconds: timer,
                    afterMilliseconds: timer == nil ? 1 : Self.readAttribute(attribute))
                restoreAction = { _ = flags.writeFlags(old) }
                return state
            }
        case .failure(let error):
            reasons.append(error.errno == ENOTTY ? "the driver has no serial flags" : "TIOCGSERIAL failed (\(error))")
        }
        let why = reasons.joined(separator: "; ")
        // A timer that could not be lowered is still the answer: it is what each turnaround costs.
        state =
            timer.map {
                BridgeLatency(control: .latencyTimer, beforeMilliseconds: $0, afterMilliseconds: $0, reason: why)
            } ?? BridgeLatency(control: .none, reason: why)
        return state
    }

    /// Puts back what `lower` changed; safe to call more than once.
    public func restore() {
        restoreAction?()
        restoreAction = nil
    }

    private static func readAttribute(_ path: String) -> Int? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    private static func writeAttribute(_ path: String, _ value: Int) -> Bool {
        let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let text = Array("\(value)\n".utf8)
        return text.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == text.count
    }
}

import BootwireCore
import Foundation

/// How the command opens serial ports (the library reads no environment): asks every bridge
/// for its lowest latency, with sysfs at /sys or where BOOTWIRE_SYSFS_ROOT says (a virtual
/// bridge's attributes live in a folder of their own; `emulate --sysfs-root` makes them).
enum SerialSetup {
    static let rootOverride = "BOOTWIRE_SYSFS_ROOT"

    static var current: SerialPortSetup {
        SerialPortSetup(lowestLatency: true, sysfsRoot: ProcessInfo.processInfo.environment[rootOverride] ?? "/sys")
    }
}

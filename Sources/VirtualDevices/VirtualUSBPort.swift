import BootwireCore
import USB

/// `--port virtual:dfu-NAME[,options]` and `virtual:stlink-NAME[,options]`: a virtual USB device
/// on an in-process virtual bus, so the USB paths run with no hardware. Bus options, for every
/// device: `usb-latency-ms=N` (cost of each transfer, sleeps), `usb-bytes-per-second=N`,
/// `permission` (the node refuses this user), `busy` (the interface is claimed elsewhere),
/// `usb-disconnect-after=N` (the cable is pulled after N transfers).
public enum VirtualUSBPort {
    public static let dfuPrefix = VirtualPort.prefix + "dfu-"
    public static let stlinkPrefix = VirtualPort.prefix + "stlink-"

    public static func isVirtualUSB(_ port: String) -> Bool {
        port.hasPrefix(dfuPrefix) || port.hasPrefix(stlinkPrefix)
    }

    /// The names `virtual:` accepts for USB devices.
    public static var names: [String] { VirtualSTLinkPort.names }

    /// Starts the bus with the device attached and returns how to find the device on it.
    public static func start(_ spec: String) throws -> (VirtualUSBBus, USBDeviceMatch) {
        let parts = spec.dropFirst(VirtualPort.prefix.count).split(separator: ",").map(String.init)
        let name = parts.first ?? ""
        var timing = VirtualUSBBus.Timing()
        var faults = VirtualUSBBus.Faults()
        var deviceOptions: [String] = []
        for option in parts.dropFirst() {
            let kv = option.split(separator: "=", maxSplits: 1).map(String.init)
            func number() throws -> Double {
                guard kv.count == 2, let value = Double(kv[1]), value >= 0 else {
                    throw BootwireError(.usage, "`\(option)`: \(kv[0]) takes a number")
                }
                return value
            }
            switch kv[0] {
            case "usb-latency-ms":
                timing.perTransfer = .microseconds(Int64(try number() * 1000))
                timing.sleeps = true
            case "usb-bytes-per-second":
                timing.bytesPerSecond = try number()
                timing.sleeps = true
            case "permission": faults.permissionDenied = true
            case "busy": faults.interfaceBusy = true
            case "usb-disconnect-after": faults.disconnectAfterTransfers = Int(try number())
            default: deviceOptions.append(option)
            }
        }
        let bus = VirtualUSBBus(timing: timing, faults: faults)
        let match = try attach(name: name, options: deviceOptions, to: bus)
        return (bus, match)
    }

    /// Builds the named device with its own options, attaches it, and says how to match it.
    static func attach(name: String, options: [String], to bus: VirtualUSBBus) throws -> USBDeviceMatch {
        if VirtualSTLinkPort.names.contains(name) {
            return try VirtualSTLinkPort.attach(name: name, options: options, to: bus)
        }
        throw BootwireError(
            .unknownVirtualDevice, "no virtual USB device called `\(name)`",
            hint: "use one of: " + names.map { VirtualPort.prefix + $0 }.joined(separator: ", "))
    }
}

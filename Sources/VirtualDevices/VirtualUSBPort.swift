import BootwireCore
import STM32
import USB

/// `--port virtual:dfu-NAME[,options]` and `virtual:stlink-NAME[,options]`: a virtual USB device
/// on an in-process virtual bus, so the USB paths run with no hardware. Bus options, for every
/// device: `usb-latency-ms=N` (cost of each transfer, sleeps), `usb-bytes-per-second=N`,
/// `permission` (the node refuses this user), `busy` (the interface is claimed elsewhere),
/// `usb-disconnect-after=N` (the cable is pulled after N transfers), `reset-error=io|pipe|timeout`
/// (what a request to a device that reset fails with), `reattach-unready-ms=N` (opening a device
/// that came back fails for N ms), `time=real|simulated` (simulated: poll timeouts, reboots and
/// FUS work take no wall-clock time, for tests and demos; the host sees the same instants).
public enum VirtualUSBPort {
    /// Which clock the bus, its device and the host's waits on it run on.
    public enum Time: String, CaseIterable, Sendable { case real, simulated }

    public static let dfuPrefix = VirtualPort.prefix + "dfu-"
    public static let stlinkPrefix = VirtualPort.prefix + "stlink-"

    public static func isVirtualUSB(_ port: String) -> Bool {
        port.hasPrefix(dfuPrefix) || port.hasPrefix(stlinkPrefix)
    }

    /// The names `virtual:` accepts for USB devices.
    public static var names: [String] {
        VirtualPartCatalogue.dfuNames + VirtualSTLinkPort.names
    }

    /// Starts the bus with the device attached and returns how to find the device on it.
    public static func start(_ spec: String) throws -> (VirtualUSBBus, USBDeviceMatch) {
        let parsed = try VirtualPortSpec.parse(spec)
        var timing = VirtualUSBBus.Timing()
        var faults = VirtualUSBBus.Faults()
        var deviceOptions: [VirtualOption] = []
        var time = Time.real
        for option in parsed.options {
            switch option.key {
            case "time": time = try option.choice(Time.self)
            case "usb-latency-ms":
                timing.perTransfer = .microseconds(Int64(try option.real(in: 0...60_000, "usb-latency-ms=N") * 1000))
                timing.sleeps = true
            case "usb-bytes-per-second":
                // Zero would never finish a transfer; a rate under 1 B/s is no USB bus.
                timing.bytesPerSecond = try option.real(in: 1...1e10, "usb-bytes-per-second=N")
                timing.sleeps = true
            case "permission":
                try option.flag()
                faults.permissionDenied = true
            case "busy":
                try option.flag()
                faults.interfaceBusy = true
            case "usb-disconnect-after":
                faults.disconnectAfterTransfers = try option.integer(in: 0...Int(Int32.max), "usb-disconnect-after=N")
            case "reset-error":
                let errors: [String: USBError] = ["io": .io, "pipe": .stall, "timeout": .timeout]
                guard let error = option.value.flatMap({ errors[$0] }) else {
                    throw option.bad("reset-error=io|pipe|timeout")
                }
                faults.resetError = error
            case "reattach-unready-ms":
                faults.unreadyAfterReattach = .milliseconds(
                    Int64(try option.integer(in: 0...600_000, "reattach-unready-ms=N")))
            default: deviceOptions.append(option)
            }
        }
        let clock: any WaitClock = time == .simulated ? SimulatedClock() : MonotonicClock.shared
        let bus = VirtualUSBBus(timing: timing, faults: faults, clock: clock)
        let match = try attach(name: parsed.name, options: deviceOptions, to: bus)
        return (bus, match)
    }

    /// Builds the named device with its own options, attaches it, and says how to match it.
    /// DFU device options: `state=PATH` (flash, option bytes and FUS kept in a file across runs),
    /// `rdp1`, `wrp=FIRST-LAST` (pages of bank 1), `disconnect-during-download[=N]` (after N
    /// blocks, default 4), `short-poll` (L4 ROMs' too-short bwPollTimeout, then a STALL),
    /// `fus-write-error` (WB55: the upgrade ends in FUS_IMAGE_WRTERROR).
    static func attach(name: String, options: [VirtualOption], to bus: VirtualUSBBus) throws -> USBDeviceMatch {
        if VirtualSTLinkPort.names.contains(name) {
            return try VirtualSTLinkPort.attach(name: name, options: options, to: bus)
        }
        // The ROM's DfuSe listing and serial: the catalogue's; the option bytes and bootloader
        // facts the ROM applies: the product's table (`STM32DeviceTable`), which the peers judge.
        if let part = VirtualPartCatalogue.part(portName: name), part.dfu != nil,
            let device = STM32DeviceTable.device(productID: part.devID)
        {
            return try attachDFU(name, device, part.dfuAltStrings, part.flashBytes, options, to: bus)
        }
        try refuseRouteless(name)
        throw BootwireError(
            .unknownVirtualDevice, "no virtual USB device called `\(name)`",
            hint: "use one of: " + names.map { VirtualPort.prefix + $0 }.joined(separator: ", "))
    }

    /// `dfu-NAME` of a part that exists but has no USB DFU bootloader (a C0): `route-unsupported`,
    /// which says more than "no such device".
    static func refuseRouteless(_ name: String) throws {
        if name.hasPrefix("dfu-"), let part = STM32DeviceTable.device(named: String(name.dropFirst(4))) {
            try part.requireInterface(.usbDFU, route: "USB DFU")
        }
    }

    static func attachDFU(
        _ name: String, _ device: STM32Device, _ alts: [String], _ flashSize: Int,
        _ options: [VirtualOption], to bus: VirtualUSBBus
    ) throws -> USBDeviceMatch {
        var statePath: String?
        var faults = VirtualDfuSeDevice.Faults()
        var rdp1 = false
        var wrp: ClosedRange<Int>?
        var writeError = false
        var refuseOptions = false
        for option in options {
            switch option.key {
            case "state": statePath = try option.text("state=PATH")
            case "rdp1":
                try option.flag()
                rdp1 = true
            case "option-read-refused":
                try option.flag()
                refuseOptions = true
            case "mass-erase-seconds":
                faults.massEraseMilliseconds = Int(try option.real(in: 0...3600, "mass-erase-seconds=N") * 1000)
            case "status-blocks":
                try option.flag()
                faults.statusBlocksDuringErase = true
            case "reboot-seconds":
                faults.rebootMilliseconds = Int(try option.real(in: 0...3600, "reboot-seconds=N") * 1000)
            case "short-poll":
                try option.flag()
                faults.shortPoll = true
            case "fus-write-error" where device.optionLayout == .wb:
                try option.flag()
                writeError = true
            case "disconnect-during-download":
                faults.disconnectDuringDownload =
                    option.value == nil
                    ? 4 : try option.integer(in: 0...Int(Int32.max), "disconnect-during-download=N")
            case "wrp":
                let ends = try option.text("wrp=FIRST-LAST").split(separator: "-").compactMap { Int($0) }
                guard ends.count == 2, ends[0] >= 0, ends[0] <= ends[1], ends[1] < 256 else {
                    throw option.bad("wrp=FIRST-LAST, pages 0-255")
                }
                wrp = ends[0]...ends[1]
            default:
                throw BootwireError(
                    .usage, "`\(option)` is not an option of virtual:\(name)",
                    hint: "state=PATH, rdp1, wrp=FIRST-LAST, disconnect-during-download[=N], short-poll, "
                        + "option-read-refused, mass-erase-seconds=N, status-blocks, reboot-seconds=N"
                        + (device.optionLayout == .wb ? ", fus-write-error" : ""))
            }
        }
        let fus = device.optionLayout == .wb ? VirtualFUS() : nil
        fus?.writeErrorFault = writeError
        let part = VirtualDFUPart(
            device: device, flashSize: flashSize, altStrings: alts, fus: fus, statePath: statePath)
        part.refusesOptionRead = refuseOptions
        if rdp1 { part.options.setReadoutProtection(.level1) }
        if let wrp {
            let wrp1a = 0xFF00_FF00 | UInt32(wrp.lowerBound) | UInt32(wrp.upperBound) << 16
            part.options.setWord(area: 0, offset: 0x18, wrp1a)
        }
        // The ROM derives its serial string from the part's unique ID: this instance's own.
        let serial = VirtualUniqueID.dfuSerial(statePath: statePath)
        bus.attach(VirtualDfuSeDevice(part: part, faults: faults, serial: serial))
        VirtualUSBSessions.register(bus) { part.save() }
        return USBDeviceMatch(vendorID: 0x0483, productIDs: [0xDF11], serial: serial, name: VirtualPort.prefix + name)
    }
}

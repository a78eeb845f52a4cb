import BootwireCore
import CUSB
import Foundation

/// Real USB: sysfs to enumerate, libusb-1.0 (loaded on first open) to talk. The only code in
/// Bootwire that touches a USB device. Where sysfs shows nothing (no /sys/bus/usb: a container,
/// another OS) or a library is named explicitly (the `emulate usb` stand-in), libusb enumerates
/// too, so Bootwire runs as the libusb client every peer tool is.
public final class LibUSBBus: USBBus, @unchecked Sendable {
    /// The environment variable with which the CLI lets a user name another library file (tests
    /// use it to prove the message when libusb is absent). The library reads no environment: the
    /// caller passes the path.
    public static let libraryOverride = "BOOTWIRE_LIBUSB"

    private let lock = NSLock()
    private let libraryPath: String?

    /// `libraryPath`: a libusb-1.0 file to load instead of the system's `libusb-1.0.so.0`.
    public init(libraryPath: String? = nil) {
        self.libraryPath = libraryPath
    }

    public static let sysfs = "/sys/bus/usb/devices"

    public func devices() throws -> [USBDeviceRecord] {
        let hasSysfs = FileManager.default.fileExists(atPath: Self.sysfs)
        if libraryPath == nil && hasSysfs {
            let listed = SysfsUSB.devices(root: Self.sysfs)
            if !listed.isEmpty { return listed }
        }
        let listed: [USBDeviceRecord]
        do {
            try load()
            listed = try enumerate()
        } catch _ where libraryPath == nil {
            // The system's libusb is absent or sees no bus: sysfs's answer stands.
            listed = []
        }
        guard !listed.isEmpty || hasSysfs || libraryPath != nil else {
            throw BootwireError(
                .usbNotFound, "this kernel has no USB support (\(Self.sysfs) is missing): no USB device can be seen",
                hint: "run on a machine (or a VM with USB passthrough) that has the device; "
                    + "without hardware use --port virtual:dfu-l476 or virtual:stlink-l476")
        }
        return listed
    }

    /// The devices libusb lists, with what sysfs would have cached (the configuration and the
    /// strings) read from each device that opens; one that does not (no permission) keeps its IDs.
    func enumerate() throws -> [USBDeviceRecord] {
        var infos = [bw_usb_device_info](repeating: bw_usb_device_info(), count: 64)
        let count = bw_usb_list(&infos, Int32(infos.count))
        try Self.check(count)
        return infos.prefix(Int(count)).compactMap { info -> USBDeviceRecord? in
            let raw = withUnsafeBytes(of: info.descriptor) { Array($0) }
            guard raw[0] != 0, let descriptor = try? USBDeviceDescriptor(bytes: raw) else { return nil }
            let ports = withUnsafeBytes(of: info.ports) { Array($0.prefix(Int(info.port_count))) }
            var record = USBDeviceRecord(
                bus: Int(info.bus), address: Int(info.address),
                portPath: "\(info.bus)-" + ports.map(String.init).joined(separator: "."), descriptor: descriptor,
                configuration: nil)
            guard let handle = try? open(record) else { return record }
            defer { handle.close() }
            record.configuration = try? handle.configuration()
            record.manufacturer = try? handle.string(descriptor.manufacturerIndex)
            record.product = try? handle.string(descriptor.productIndex)
            let serial = try? handle.string(descriptor.serialIndex)
            record.serial = STLinkV2Serial.normalized(
                serial, vendorID: descriptor.vendorID, productID: descriptor.productID)
            return record
        }
    }

    /// Loads libusb, or says what to install.
    public func load() throws {
        try lock.withLock {
            var error = [CChar](repeating: 0, count: 512)
            let path = libraryPath
            guard bw_usb_load(path, &error, error.count) == 0 else {
                let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw BootwireError(
                    .usbLibraryMissing, "USB needs libusb-1.0, which could not be loaded (\(reason))",
                    hint:
                        "install it: `sudo apt-get install libusb-1.0-0` (Fedora: libusb1, macOS: brew install libusb)",
                    evidence: ["library": path ?? "libusb-1.0.so.0"])
            }
        }
    }

    public func open(_ device: USBDeviceRecord) throws -> any USBDeviceHandle {
        try load()
        var raw: UnsafeMutableRawPointer?
        try Self.check(bw_usb_open(Int32(device.bus), Int32(device.address), &raw))
        guard let raw else { throw USBError.notFound }
        return Handle(raw: raw, record: device)
    }

    static func check(_ status: Int32) throws {
        guard status < 0 else { return }
        throw error(status)
    }

    static func error(_ status: Int32) -> USBError {
        switch status {
        case -1: .io
        case -3: .access
        case -4: .noDevice
        case -5: .notFound
        case -6: .busy
        case -7: .timeout
        case -8: .overflow
        case -9: .stall
        case -12: .notSupported
        default: .other(code: status, name: String(cString: bw_usb_error_name(status)))
        }
    }

    private final class Handle: USBDeviceHandle, @unchecked Sendable {
        let raw: UnsafeMutableRawPointer
        let record: USBDeviceRecord
        private var claimed: [Int32] = []
        private var open = true

        init(raw: UnsafeMutableRawPointer, record: USBDeviceRecord) {
            self.raw = raw
            self.record = record
        }

        deinit { close() }

        private func milliseconds(_ timeout: Duration) -> UInt32 { UInt32(max(1, timeout.seconds * 1000)) }

        func control(_ setup: USBSetup, data: [UInt8], timeout: Duration) throws -> [UInt8] {
            var buffer = setup.isIn ? [UInt8](repeating: 0, count: Int(setup.length)) : data
            let count = bw_usb_control(
                raw, setup.requestType, setup.request, setup.value, setup.index, &buffer, setup.length,
                milliseconds(timeout))
            try LibUSBBus.check(count)
            return setup.isIn ? Array(buffer.prefix(Int(count))) : []
        }

        func bulkWrite(endpoint: UInt8, _ data: [UInt8], timeout: Duration) throws {
            var buffer = data
            var sent: Int32 = 0
            try LibUSBBus.check(bw_usb_bulk(raw, endpoint, &buffer, Int32(buffer.count), &sent, milliseconds(timeout)))
            guard Int(sent) == data.count else { throw USBError.io }
        }

        func bulkRead(endpoint: UInt8, length: Int, timeout: Duration) throws -> [UInt8] {
            var buffer = [UInt8](repeating: 0, count: length)
            var got: Int32 = 0
            let status = bw_usb_bulk(raw, endpoint | 0x80, &buffer, Int32(length), &got, milliseconds(timeout))
            if status == -7 && got > 0 { return Array(buffer.prefix(Int(got))) }
            try LibUSBBus.check(status)
            return Array(buffer.prefix(Int(got)))
        }

        func claimInterface(_ number: UInt8) throws {
            try LibUSBBus.check(bw_usb_claim(raw, Int32(number)))
            claimed.append(Int32(number))
        }

        func setAlternateSetting(interface: UInt8, alternate: UInt8) throws {
            try LibUSBBus.check(bw_usb_set_alt(raw, Int32(interface), Int32(alternate)))
        }

        func close() {
            guard open else { return }
            open = false
            for number in claimed { _ = bw_usb_release(raw, number) }
            bw_usb_close(raw)
        }
    }
}

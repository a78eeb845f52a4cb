import BootwireCore
import Foundation

/// A USB device as enumeration sees it, before anything is opened: where it sits, its
/// descriptors, and the strings the kernel cached (sysfs) or the device gave.
public struct USBDeviceRecord: Sendable, Hashable {
    public var bus: Int
    public var address: Int
    /// The physical port chain (sysfs name such as `1-2.3`): stable across re-enumeration,
    /// unlike `address`.
    public var portPath: String
    public var descriptor: USBDeviceDescriptor
    public var configuration: USBConfiguration?
    public var manufacturer: String?
    public var product: String?
    public var serial: String?
    /// The character device libusb opens (`/dev/bus/usb/BBB/DDD`).
    public var nodePath: String

    public init(
        bus: Int, address: Int, portPath: String, descriptor: USBDeviceDescriptor, configuration: USBConfiguration?,
        manufacturer: String? = nil, product: String? = nil, serial: String? = nil, nodePath: String? = nil
    ) {
        self.bus = bus
        self.address = address
        self.portPath = portPath
        self.descriptor = descriptor
        self.configuration = configuration
        self.manufacturer = manufacturer
        self.product = product
        self.serial = STLinkV2Serial.normalized(
            serial, vendorID: descriptor.vendorID, productID: descriptor.productID)
        self.nodePath = nodePath ?? USBDeviceRecord.node(bus: bus, address: address)
    }

    public static func node(bus: Int, address: Int) -> String {
        func pad(_ n: Int) -> String { String(repeating: "0", count: max(0, 3 - String(n).count)) + String(n) }
        return "/dev/bus/usb/\(pad(bus))/\(pad(address))"
    }

    public var vendorID: UInt16 { descriptor.vendorID }
    public var productID: UInt16 { descriptor.productID }

    /// `0483:df11`, as lsusb writes it.
    public var ids: String { USBIDs.text(vendorID, productID) }
}

/// One opened device. Calls are synchronous and made from one thread at a time (a port worker).
public protocol USBDeviceHandle: AnyObject, Sendable {
    var record: USBDeviceRecord { get }
    /// IN requests return what the device sent (at most `setup.length` bytes); OUT requests send
    /// `data` and return nothing.
    func control(_ setup: USBSetup, data: [UInt8], timeout: Duration) throws -> [UInt8]
    func bulkWrite(endpoint: UInt8, _ data: [UInt8], timeout: Duration) throws
    func bulkRead(endpoint: UInt8, length: Int, timeout: Duration) throws -> [UInt8]
    func claimInterface(_ number: UInt8) throws
    func setAlternateSetting(interface: UInt8, alternate: UInt8) throws
    func close()
    /// What the protocol above is doing, in words (`stlink DEBUG READMEM_32`), for the wire
    /// trace between the transfers it explains; ignored (the default) where nothing traces.
    func annotate(_ text: @autoclosure () -> String)
    /// The clock of the bus it was opened on.
    var clock: any WaitClock { get }
}

extension USBDeviceHandle {
    public func annotate(_ text: @autoclosure () -> String) {}
    public var clock: any WaitClock { MonotonicClock.shared }
}

/// The seam: enumeration and opening. Two implementations: libusb (real devices, loaded at run
/// time, in this module) and the in-process virtual bus of the `VirtualDevices` product, which
/// the tests and `virtual:` ports use.
public protocol USBBus: Sendable {
    func devices() throws -> [USBDeviceRecord]
    func open(_ device: USBDeviceRecord) throws -> any USBDeviceHandle
    /// What the session cost in modelled time, for a bus that models it; nil (the default) for
    /// real hardware. A capability, so callers need not know which bus they hold.
    var modelledTime: USBModelledTime? { get }
    /// The clock its waits run on (re-enumeration polls, DFU poll timeouts): the monotonic one
    /// for real USB, a simulated one for a virtual bus in simulated time.
    var clock: any WaitClock { get }
}

extension USBBus {
    public var modelledTime: USBModelledTime? { nil }
    public var clock: any WaitClock { MonotonicClock.shared }
}

extension USBDeviceHandle {
    public func controlIn(
        requestType: UInt8, request: UInt8, value: UInt16 = 0, index: UInt16 = 0, length: Int,
        timeout: Duration = .seconds(5)
    ) throws -> [UInt8] {
        try control(
            USBSetup(requestType: requestType, request: request, value: value, index: index, length: UInt16(length)),
            data: [], timeout: timeout)
    }

    public func controlOut(
        requestType: UInt8, request: UInt8, value: UInt16 = 0, index: UInt16 = 0, data: [UInt8] = [],
        timeout: Duration = .seconds(5)
    ) throws {
        _ = try control(
            USBSetup(
                requestType: requestType, request: request, value: value, index: index, length: UInt16(data.count)),
            data: data, timeout: timeout)
    }

    /// A string descriptor in US English; nil for index 0 (no string).
    public func string(_ index: UInt8) throws -> String? {
        guard index != 0 else { return nil }
        let bytes = try controlIn(
            requestType: USBSetup.standardDeviceIn, request: USBSetup.getDescriptor, value: 0x0300 | UInt16(index),
            index: USBStringDescriptor.englishUS, length: 255)
        return try USBStringDescriptor.decode(bytes)
    }

    /// The first configuration descriptor, read from the device itself.
    public func configuration() throws -> USBConfiguration {
        let head = try controlIn(
            requestType: USBSetup.standardDeviceIn, request: USBSetup.getDescriptor, value: 0x0200, length: 9)
        guard head.count >= 4 else { throw USBError.io }
        let total = Int(head[2]) | Int(head[3]) << 8
        let whole = try controlIn(
            requestType: USBSetup.standardDeviceIn, request: USBSetup.getDescriptor, value: 0x0200, length: total)
        return try USBConfiguration(bytes: whole)
    }
}

extension USBBus {
    /// Polls enumeration until a device matching `match` appears (after a reset, a DFU leave
    /// or a FUS reboot). Returns nil when `timeout` passes first.
    public func waitForDevice(
        timeout: Duration, poll: Duration = .milliseconds(50), where match: (USBDeviceRecord) -> Bool
    ) throws -> USBDeviceRecord? {
        let deadline = clock.instant(after: timeout)
        while true {
            if let found = try devices().first(where: match) { return found }
            if clock.now() >= deadline { return nil }
            clock.sleep(for: poll)
        }
    }

    /// Waits until no device matches: a device told to leave or reboot is gone from the bus.
    public func waitForRemoval(timeout: Duration, where match: (USBDeviceRecord) -> Bool) throws -> Bool {
        let deadline = clock.instant(after: timeout)
        while clock.now() < deadline {
            if try !devices().contains(where: match) { return true }
            clock.sleep(milliseconds: 20)
        }
        return false
    }
}

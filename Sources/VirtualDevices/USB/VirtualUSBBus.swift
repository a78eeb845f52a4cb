import BootwireCore
import Foundation
import USB

/// The in-process side of the seam: devices on a pretend bus 1, enumerated, opened and spoken to
/// through the same `USBBus`/`USBDeviceHandle` calls as libusb. Every transfer costs the modelled
/// round trip, which is also totalled for benchmarks.
public final class VirtualUSBBus: USBBus, @unchecked Sendable {
    /// The USB round-trip model: a fixed cost per transfer (host controller scheduling, the
    /// device's turnaround) plus the bytes at the bus's payload rate.
    public struct Timing: Sendable {
        public var perTransfer: Duration = .zero
        /// Payload bytes per second; full speed carries about 1 MB/s of bulk data.
        public var bytesPerSecond: Double? = nil
        /// Sleep the modelled time (realistic) or only total it (instant).
        public var sleeps = false
        public init() {}

        public static let instant = Timing()
        /// Full-speed USB: 1 ms per transfer (one frame) and 1 MB/s.
        public static var fullSpeed: Timing {
            var timing = Timing()
            timing.perTransfer = .milliseconds(1)
            timing.bytesPerSecond = 1_000_000
            timing.sleeps = true
            return timing
        }
    }

    /// Bus-level faults, the ones any device can meet.
    public struct Faults: Sendable {
        /// The node exists but opening it is refused (no udev rule).
        public var permissionDenied = false
        /// Another process or kernel driver holds the interface.
        public var interfaceBusy = false
        /// The cable is pulled after this many transfers.
        public var disconnectAfterTransfers: Int?
        /// What a transfer on a handle to a device that reset (rebooted, re-enumerated) fails
        /// with: libusb often reports IO, PIPE or TIMEOUT there, not NO_DEVICE (qFlipper ignores
        /// errors around option writes and FUS commands for this reason). nil: `noDevice`.
        public var resetError: USBError?
        /// After a device comes back, opening it fails (IO) for this long: the kernel is still
        /// enumerating it and another open or claim loses the race.
        public var unreadyAfterReattach: Duration?
        public init() {}
    }

    fileprivate final class Slot: @unchecked Sendable {
        let device: any VirtualUSBDevice
        let cable: VirtualUSBCable
        let port: Int
        var address: Int
        var generation = 0
        var reattachedAt: UInt64?
        init(device: any VirtualUSBDevice, port: Int, address: Int, clock: any WaitClock) {
            self.device = device
            cable = VirtualUSBCable(clock: clock)
            self.port = port
            self.address = address
        }
    }

    private let lock = NSLock()
    private var slots: [Slot] = []
    private var nextAddress = 2
    private var transfers = 0
    public let timing: Timing
    public let faults: Faults
    private var stats = USBModelledTime(transfers: 0, bytes: 0, usbSeconds: 0)
    private let nodeDirectory: String

    /// What the bus's transfers, re-enumerations and devices wait on: a `SimulatedClock` runs a
    /// DFU session's poll timeouts and reboots in no wall-clock time.
    public let clock: any WaitClock

    public init(timing: Timing = .instant, faults: Faults = Faults(), clock: any WaitClock = MonotonicClock.shared) {
        self.timing = timing
        self.faults = faults
        self.clock = clock
        nodeDirectory = NSTemporaryDirectory() + "bootwire-usb-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    deinit { try? FileManager.default.removeItem(atPath: nodeDirectory) }

    /// Plugs a device in; it enumerates at once.
    public func attach(_ device: any VirtualUSBDevice) {
        let slot = lock.withLock {
            let slot = Slot(device: device, port: slots.count + 1, address: nextAddress, clock: clock)
            nextAddress += 1
            slots.append(slot)
            return slot
        }
        device.attached(to: slot.cable)
    }

    /// The transfers' modelled cost so far, and the devices' own busy time (flash work).
    public var modelledTime: USBModelledTime? {
        let (totals, devices) = lock.withLock { (stats, slots.map(\.device)) }
        var time = totals
        let busy = devices.compactMap(\.modelledBusySeconds)
        time.deviceBusySeconds = busy.isEmpty ? nil : busy.reduce(0, +)
        return time
    }

    public func devices() throws -> [USBDeviceRecord] {
        var records: [USBDeviceRecord] = []
        var reattached: [Slot] = []
        lock.withLock {
            for slot in slots {
                let state = slot.cable.poll()
                if state.reattached {
                    slot.reattachedAt = clock.now()
                    slot.address = nextAddress
                    nextAddress += 1
                    reattached.append(slot)
                }
                slot.generation = state.generation
                if state.present { records.append(record(for: slot)) }
            }
        }
        for slot in reattached { slot.device.attached(to: slot.cable) }
        return records
    }

    public func open(_ device: USBDeviceRecord) throws -> any USBDeviceHandle {
        _ = try devices()
        let slot = try lock.withLock {
            guard let slot = slots.first(where: { "1-\($0.port)" == device.portPath }), slot.address == device.address,
                slot.cable.poll().present
            else { throw USBError.noDevice }
            return slot
        }
        if faults.permissionDenied { throw USBError.access }
        if let unready = faults.unreadyAfterReattach, let at = slot.reattachedAt, clock.now() < at + unready.nanoseconds
        {
            throw USBError.io
        }
        return Handle(bus: self, slot: slot, generation: slot.generation, record: device)
    }

    private func record(for slot: Slot) -> USBDeviceRecord {
        let device = slot.device
        let descriptor = device.deviceDescriptor
        var record = USBDeviceRecord(
            bus: 1, address: slot.address, portPath: "1-\(slot.port)", descriptor: descriptor,
            configuration: device.configuration, manufacturer: device.string(descriptor.manufacturerIndex),
            product: device.string(descriptor.productIndex), serial: device.string(descriptor.serialIndex))
        if faults.permissionDenied { record.nodePath = node(for: record) }
        return record
    }

    /// A real file standing in for the device node, so a permission diagnosis has a mode and an
    /// owner to show, as it would for /dev/bus/usb/BBB/DDD.
    private func node(for record: USBDeviceRecord) -> String {
        let path = nodeDirectory + record.nodePath
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            try? fm.createDirectory(
                atPath: PathName.folder(of: path), withIntermediateDirectories: true)
            _ = fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o664])
        }
        return path
    }

    /// Charges one transfer to the model (and the clock, when it sleeps); pulls the cable when the
    /// disconnect fault says so.
    fileprivate func transfer(_ slot: Slot, generation: Int, bytes: Int) throws {
        let state = slot.cable.poll()
        guard state.generation == generation else { throw faults.resetError ?? USBError.noDevice }
        guard state.present else { throw USBError.noDevice }
        var cost = timing.perTransfer.seconds
        if let rate = timing.bytesPerSecond { cost += Double(bytes) / rate }
        let pull = lock.withLock {
            transfers += 1
            stats.transfers += 1
            stats.bytes += bytes
            stats.usbSeconds += cost
            return faults.disconnectAfterTransfers.map { transfers > $0 } ?? false
        }
        if pull {
            slot.cable.unplug(reattachAfter: nil)
            throw USBError.noDevice
        }
        if timing.sleeps, cost > 0 { clock.sleep(seconds: cost) }
    }

    private final class Handle: USBDeviceHandle, @unchecked Sendable {
        let bus: VirtualUSBBus
        let slot: Slot
        let generation: Int
        let record: USBDeviceRecord
        private var claimed: Set<UInt8> = []
        private var closed = false

        init(bus: VirtualUSBBus, slot: Slot, generation: Int, record: USBDeviceRecord) {
            self.bus = bus
            self.slot = slot
            self.generation = generation
            self.record = record
        }

        private var device: any VirtualUSBDevice { slot.device }

        var clock: any WaitClock { bus.clock }

        func control(_ setup: USBSetup, data: [UInt8], timeout: Duration) throws -> [UInt8] {
            guard !closed else { throw USBError.noDevice }
            try bus.transfer(slot, generation: generation, bytes: setup.isIn ? Int(setup.length) : data.count)
            if setup.requestType == USBSetup.standardDeviceIn, setup.request == USBSetup.getDescriptor {
                return Array(try descriptor(setup).prefix(Int(setup.length)))
            }
            let answer = try device.control(setup, data: setup.isIn ? [] : data, timeout: timeout)
            guard answer.count <= Int(setup.length) || !setup.isIn else { throw USBError.overflow }
            return answer
        }

        private func descriptor(_ setup: USBSetup) throws -> [UInt8] {
            let index = UInt8(setup.value & 0xFF)
            switch setup.value >> 8 {
            case 1: return device.deviceDescriptor.bytes
            case 2: return device.configuration.bytes
            case 3:
                if index == 0 { return [4, 3, 0x09, 0x04] }
                guard let text = device.string(index) else { throw USBError.stall }
                return USBStringDescriptor.encode(text)
            default: throw USBError.stall
            }
        }

        func bulkWrite(endpoint: UInt8, _ data: [UInt8], timeout: Duration) throws {
            guard !closed else { throw USBError.noDevice }
            try bus.transfer(slot, generation: generation, bytes: data.count)
            try device.bulkWrite(endpoint: endpoint, data)
        }

        func bulkRead(endpoint: UInt8, length: Int, timeout: Duration) throws -> [UInt8] {
            guard !closed else { throw USBError.noDevice }
            try bus.transfer(slot, generation: generation, bytes: length)
            return try device.bulkRead(endpoint: endpoint, length: length, timeout: timeout)
        }

        func claimInterface(_ number: UInt8) throws {
            guard slot.cable.poll().generation == generation else { throw USBError.noDevice }
            guard device.configuration.interfaces.contains(where: { $0.number == number }) else {
                throw USBError.notFound
            }
            if bus.faults.interfaceBusy { throw USBError.busy }
            claimed.insert(number)
        }

        func setAlternateSetting(interface: UInt8, alternate: UInt8) throws {
            guard claimed.contains(interface) else { throw USBError.notFound }
            try bus.transfer(slot, generation: generation, bytes: 0)
            try device.setAlternateSetting(interface: interface, alternate: alternate)
        }

        func close() { closed = true }
    }
}

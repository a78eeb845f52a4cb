import BootwireCore
import Foundation
import USB

/// A device on the in-process virtual bus. It answers what a device stack answers beyond the
/// standard descriptors (which the bus serves from `deviceDescriptor`, `configuration` and
/// `string(_:)`): class and vendor control requests, SET_INTERFACE, and bulk transfers.
public protocol VirtualUSBDevice: AnyObject, Sendable {
    var deviceDescriptor: USBDeviceDescriptor { get }
    var configuration: USBConfiguration { get }
    func string(_ index: UInt8) -> String?
    /// Every control request except GET_DESCRIPTOR and SET_INTERFACE. Throw `USBError.stall`
    /// where the device stalls.
    func control(_ setup: USBSetup, data: [UInt8]) throws -> [UInt8]
    /// As above, for a device that may take its time to answer: past `timeout` the host gives
    /// up and the request fails with `USBError.timeout`.
    func control(_ setup: USBSetup, data: [UInt8], timeout: Duration) throws -> [UInt8]
    func setAlternateSetting(interface: UInt8, alternate: UInt8) throws
    func bulkWrite(endpoint: UInt8, _ data: [UInt8]) throws
    func bulkRead(endpoint: UInt8, length: Int, timeout: Duration) throws -> [UInt8]
    /// The bus (re)attached the device: a power-on or the end of a re-enumeration. The device
    /// keeps `cable` to unplug itself (leave DFU, reboot, reset).
    func attached(to cable: VirtualUSBCable)
    /// Work the device did in its own modelled time (a target's flash erase and programming),
    /// seconds; nil (the default) for a device that models none.
    var modelledBusySeconds: Double? { get }
}

extension VirtualUSBDevice {
    public var modelledBusySeconds: Double? { nil }
    public func control(_ setup: USBSetup, data: [UInt8], timeout: Duration) throws -> [UInt8] {
        try control(setup, data: data)
    }
    public func setAlternateSetting(interface: UInt8, alternate: UInt8) throws {
        guard configuration.interfaces.contains(where: { $0.number == interface && $0.alternate == alternate })
        else { throw USBError.stall }
    }
    public func bulkWrite(endpoint: UInt8, _ data: [UInt8]) throws { throw USBError.notSupported }
    public func bulkRead(endpoint: UInt8, length: Int, timeout: Duration) throws -> [UInt8] {
        throw USBError.notSupported
    }
}

/// The device's connection to the bus. A device that reboots or leaves DFU unplugs itself,
/// optionally coming back after a delay as a new enumeration (new address, old handles dead).
public final class VirtualUSBCable: @unchecked Sendable {
    private let lock = NSLock()
    private var generation = 0
    private var returnsAt: UInt64?
    private var plugged = true
    /// The bus's clock, which the device also keeps its own time on (busy until, reboots).
    public let clock: any WaitClock

    public init(clock: any WaitClock = MonotonicClock.shared) { self.clock = clock }

    /// Drops off the bus now; comes back after `reattachAfter` (nil: stays away, as a device
    /// that jumped to an application without USB).
    public func unplug(reattachAfter: Duration?) {
        lock.withLock {
            generation += 1
            plugged = false
            returnsAt = reattachAfter.map { clock.instant(after: $0) }
        }
    }

    /// (present, generation). Reattaching after the delay starts a new generation.
    func poll() -> (present: Bool, generation: Int, reattached: Bool) {
        lock.withLock {
            if !plugged, let at = returnsAt, clock.now() >= at {
                plugged = true
                returnsAt = nil
                generation += 1
                return (true, generation, true)
            }
            return (plugged, generation, false)
        }
    }
}

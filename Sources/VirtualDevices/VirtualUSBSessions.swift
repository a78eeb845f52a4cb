import Foundation
import USB

/// What a virtual USB device does when a host session ends without telling it (a client
/// process that exits, the server stopping): keep its `state=PATH` up to date. An ST-LINK saves
/// at DEBUG EXIT, but a client may simply close the device (OpenOCD does), as it may on hardware.
public enum VirtualUSBSessions {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var savers: [ObjectIdentifier: [@Sendable () -> Void]] = [:]

    static func register(_ bus: VirtualUSBBus, save: @escaping @Sendable () -> Void) {
        lock.withLock { savers[ObjectIdentifier(bus), default: []].append(save) }
    }

    /// A session on `bus` ended: every device on it saves its state.
    public static func ended(on bus: VirtualUSBBus) {
        for save in lock.withLock({ savers[ObjectIdentifier(bus)] ?? [] }) { save() }
    }
}

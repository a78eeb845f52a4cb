import BootwireCore

/// What a virtual device asks its runner to do, in order.
public enum DeviceAction: Sendable, Equatable {
    /// Send bytes at the device's rate of the moment; a host at another rate sees junk.
    case send([UInt8], baud: Int)
    /// The device is working (erase, program, hash) for this long in the wire model.
    case busy(nanoseconds: UInt64)
}

/// A device model that a `VirtualDeviceRunner` connects to a pseudo-terminal. It sees only
/// bytes and time, never who the host is.
public protocol VirtualDevice: AnyObject {
    /// The rate its UART listens at now.
    var listeningBaud: Int { get }
    /// Bytes that arrived at the right rate.
    func receive(_ bytes: [UInt8]) -> [DeviceAction]
    /// Bytes that arrived at another rate: framing junk to the device's UART.
    func receiveNoise(count: Int) -> [DeviceAction]
    /// Called while the line is quiet, with the time since the last byte in either direction.
    func idle(milliseconds: Int) -> [DeviceAction]
    /// The reset pin: the device starts over (in its boot loader).
    func reset()
    /// The reset pin with the boot pin low (`application`: the firmware in flash starts) or
    /// high (the boot loader, as `reset()`): what an adapter's DTR/RTS drive on a real board.
    func reset(application: Bool)
    /// Lines for `--log`: every frame seen and answered.
    var log: (@Sendable (String) -> Void)? { get set }
    /// The rate the host's UART runs at, told before each delivery of bytes. A device that
    /// measures the rate (an STM32 bootloader autobauds on its 0x7F) adopts it here; others
    /// ignore it.
    func hostRate(_ baud: Int)
    /// The clock of the line it is attached to, for a device that times things itself (the
    /// QCC743 ROM's deaf time after clk_set); devices that only answer ignore it.
    func use(clock: any WaitClock)
}

extension VirtualDevice {
    /// A device with no application model starts over in its boot loader either way.
    public func reset(application: Bool) { reset() }
    public func hostRate(_ baud: Int) {}
    public func use(clock: any WaitClock) {}
}

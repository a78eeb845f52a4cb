/// What a bus that models its own time (the virtual bus) says a session cost, for benchmarks
/// and the session statistics. Real buses model nothing and report nil: the wall clock is their
/// measure.
public struct USBModelledTime: Sendable, Equatable {
    public var transfers: Int
    public var bytes: Int
    /// The transfers' modelled round trips (per-transfer cost plus bytes at the bus rate).
    public var usbSeconds: Double
    /// The work the devices did in their own time (flash erase and programming); nil when no
    /// device on the bus models it.
    public var deviceBusySeconds: Double?

    public init(transfers: Int, bytes: Int, usbSeconds: Double, deviceBusySeconds: Double? = nil) {
        self.transfers = transfers
        self.bytes = bytes
        self.usbSeconds = usbSeconds
        self.deviceBusySeconds = deviceBusySeconds
    }
}

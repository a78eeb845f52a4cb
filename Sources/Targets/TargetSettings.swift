import BootwireCore

/// How to reach a device, whatever the route: the CLI fills it from its options (and the
/// environment: the library reads none), a library user from its own settings.
public struct TargetSettings: Sendable {
    /// The chip behind a serial port when the port does not say (a virtual port does).
    public var chip: Route.SerialChip?
    /// qcc743: the rate after the handshake (the vendor's 2000000); stm32: the rate (115200).
    public var baud: Int?
    /// The module's handshake rate.
    public var bootBaud = 500_000
    /// A boot-entry sequence or preset name (`BootSequence.parse`); nil: the route's default.
    public var reset: String?
    public var connectAttempts = 3
    /// Scales the module's per-command waits (1: the vendor's).
    public var patience = 1.0
    /// Going on at a lower rate when the link is lost after the baud change.
    public var baudFallback = true
    /// Every byte in and out, with timestamps, written here.
    public var tracePath: String?
    /// The SWD clock an ST-LINK starts at, kHz (nil: the probe path's default).
    public var swdKHz: Int?
    /// Where the application's RTT control block is (its `_SEGGER_RTT` symbol); nil: the SWD
    /// route scans the part's RAM for it.
    public var rttAddress: UInt32?
    /// The rate each adapter carried and the rate the last session left each module at.
    public var adapterMemory: AdapterMemory?
    /// How serial ports are opened (latency, sysfs root).
    public var serialSetup = SerialPortSetup()
    /// libusb for real USB ports (a path overrides the system's).
    public var libusbPath: String?
    /// The devices `virtual:` ports reach; nil refuses them.
    public var virtualPorts: (any VirtualPorts)?

    public init() {}
}

import ArmDebug
import BootwireCore
import STM32SWD
import USB

/// The SWD session on an ST-LINK: what `Targets` opens for `stlink` ports.
extension STM32SWDSession {
    /// Opens the ST-LINK on `handle` (its open sequence: mode, version, voltage), then connects.
    public convenience init(handle: any USBDeviceHandle, options: Options = Options(), events: @escaping EventSink)
        throws
    {
        let stlink = try STLinkProbe(handle: handle, events: events)
        try stlink.open()
        try self.init(probe: stlink, options: options, events: events)
    }
}

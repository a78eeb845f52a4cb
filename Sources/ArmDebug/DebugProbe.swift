/// A debug probe as the SWD flash code sees it: clock, reset line, the debug port, and 32-bit
/// memory access through the MEM-AP (the shape of probe-rs's `DebugProbe` and
/// `ArmMemoryInterface`). The controllers, `CortexDebug` and the session's identification talk
/// only to this; an implementation keeps its transport (USB commands, status bytes, firmware
/// versions, endpoint quirks) to itself and reports target-side failures as `ProbeError`.
/// Host-side failures (the USB link, an unplugged probe) stay the implementation's own
/// `BootwireError`s: they are no answer from the target.
public protocol DebugProbe: AnyObject {
    /// The probe model, as the user reads it (`ST-LINK/V2-1`).
    var name: String { get }
    /// The probe's firmware version, as the user reads it.
    var firmware: String { get }
    /// The probe's serial number, printable, when it has one.
    var serial: String? { get }
    /// Target voltage at the probe's VREF pin, when the probe measures it.
    var voltage: Double? { get }
    /// The SWD clock the probe runs at.
    var clockKHz: Int { get }
    /// The MEM-AP's TAR auto-increment boundary (ADIv5: at least 1 KiB; 4 KiB on Cortex-M3/M4):
    /// no block transfer crosses it.
    var tarBoundary: Int { get set }

    /// Sets SWCLK at or below `kHz`; returns what the probe runs at.
    @discardableResult func setClock(kHz: Int) throws -> Int
    /// Switches the probe to SWD and runs the line reset.
    func enterSWD() throws
    /// The debug port's DPIDR.
    func readDPIDR() throws -> UInt32
    /// Powers up the debug domain and selects access port 0.
    func initAP() throws
    /// Drives NRST: `true` holds the target in reset, `false` releases it.
    func setReset(asserted: Bool) throws
    /// Leaves debug mode; never fails (the probe may already be gone).
    func exitDebug()

    func readWord(_ address: UInt32) throws -> UInt32
    func writeWord(_ address: UInt32, _ value: UInt32) throws
    /// `count` bytes from `address`, any alignment; split as the probe needs.
    func readMemory(_ address: UInt32, count: Int) throws -> [UInt8]
    func writeMemory(_ address: UInt32, _ bytes: [UInt8]) throws
}

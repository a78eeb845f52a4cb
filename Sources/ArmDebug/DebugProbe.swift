import BootwireCore

/// A debug probe as the SWD flash code sees it: clock, reset line, the debug port, and 32-bit
/// memory access through one MEM-AP, named by its access port number (the shape of probe-rs's
/// `DebugProbe` and `ArmMemoryInterface`, whose memory interface is opened for an AP). The controllers, `CortexDebug` and the session's identification talk
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
    /// The access port (ADIv5 APSEL) every memory access goes through: 0 until `selectAP`.
    var accessPort: UInt8 { get }
    /// Powers up the debug domain, opens access port `port` and sends every later memory access
    /// through it. Most Cortex-M parts have their core on AP0; the STM32H5's is on AP1 (its AP0 is
    /// a debug mailbox: probe-rs's STM32H5 target description, Black Magic Debug `stm32h5.c`).
    func selectAP(_ port: UInt8) throws
    /// Drives NRST: `true` holds the target in reset, `false` releases it.
    func setReset(asserted: Bool) throws
    /// Leaves debug mode; never fails (the probe may already be gone).
    func exitDebug()

    func readWord(_ address: UInt32) throws -> UInt32
    func writeWord(_ address: UInt32, _ value: UInt32) throws
    /// `count` bytes from `address`, any alignment; split as the probe needs.
    func readMemory(_ address: UInt32, count: Int) throws -> [UInt8]
    func writeMemory(_ address: UInt32, _ bytes: [UInt8]) throws
    /// The clock a wait on the target (BSY, an option load) runs on: the monotonic one for real
    /// hardware, the bus's for a virtual probe in simulated time.
    var clock: any WaitClock { get }
    /// `bytes` at `address` with 8-bit stores only (an F2/F4 programming at x8 parallelism
    /// faults on wider ones).
    func writeBytes(_ address: UInt32, _ bytes: [UInt8]) throws
}

extension DebugProbe {
    public var clock: any WaitClock { MonotonicClock.shared }

    /// One store per byte, through `writeMemory`'s unaligned path: for probes with no block
    /// byte write.
    public func writeBytes(_ address: UInt32, _ bytes: [UInt8]) throws {
        for (i, byte) in bytes.enumerated() { try writeMemory(address + UInt32(i), [byte]) }
    }
}

import ArmDebug
import BootwireCore

/// The ST-LINK as a `DebugProbe`: its model and firmware for the user, NRST through
/// APIV2_DRIVE_NRST, READ_IDCODES for the DPIDR. Memory, clock and the open sequence are
/// `STLinkProbe`'s own (status bytes mapped to `ProbeFault` as they arrive).
extension STLinkProbe: DebugProbe {
    public var name: String { kind.name }
    public var firmware: String { version.description }
    public var serial: String? { STLinkProbeKind.displaySerial(handle.record.serial) }
    /// The USB bus's clock: a virtual ST-LINK in `time=simulated` has its target's flash waits
    /// take no wall-clock time.
    public var clock: any WaitClock { handle.clock }

    public func readDPIDR() throws -> UInt32 { try readIDCodes() }

    public func setReset(asserted: Bool) throws { try driveNRST(asserted ? .low : .high) }
}

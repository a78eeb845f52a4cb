import ArmDebug

/// The ST-LINK as a `DebugProbe`: its model and firmware for the user, NRST through
/// APIV2_DRIVE_NRST, READ_IDCODES for the DPIDR. Memory, clock and the open sequence are
/// `STLinkProbe`'s own (status bytes mapped to `ProbeFault` as they arrive).
extension STLinkProbe: DebugProbe {
    public var name: String { kind.name }
    public var firmware: String { version.description }
    public var serial: String? { STLinkProbeKind.displaySerial(handle.record.serial) }

    public func readDPIDR() throws -> UInt32 { try readIDCodes() }

    public func setReset(asserted: Bool) throws { try driveNRST(asserted ? .low : .high) }
}

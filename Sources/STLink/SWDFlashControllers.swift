import BootwireCore

/// Which controller drives a part of the families past L4 and F4, and why none does for the
/// parts left out. One place, so the session's identification stays a lookup.
public enum SWDFlashControllers {
    /// Parts of a driven family that Bootwire still refuses, with the reason.
    static let refused: [UInt16: String] = [
        0x480: "STM32H7A/B has 8 KiB sectors and 128-bit flash words: not driven yet (UNCONFIRMED register rows)",
        0x485: "STM32H7R/S: its 64 KiB boot flash controller is not driven yet, and the application lives in "
            + "external memory, which needs ST's external loaders: out of Bootwire's scope",
        0x467: "STM32G0B/G0C (dual bank, BKER bit 13, BSY2) is not driven yet",
        0x476: "STM32U59x/U5Ax (4 MiB, 256 pages a bank) is not driven yet: PNB's width is UNCONFIRMED",
        0x481: "STM32U5Fx/U5Gx (4 MiB, 256 pages a bank) is not driven yet: PNB's width is UNCONFIRMED",
    ]

    public static func unsupportedReason(deviceID: UInt16) -> String? { refused[deviceID] }

    /// Banks of an H7 part: H72x/H73x have one, H74x/H75x two (RM0468, RM0433).
    static func h7Banks(deviceID: UInt16) -> Int { deviceID == 0x483 ? 1 : 2 }

    public static func make(
        probe: STLinkProbe, family: STM32SWDFamily, deviceID: UInt16, flashSize: Int, events: @escaping EventSink
    ) throws -> (any SWDFlashController)? {
        guard family.programmable, refused[deviceID] == nil else { return nil }
        let base = family.controllerBase
        switch family.controller {
        case .u5:
            return try PageFlashController(probe: probe, family: .u5, base: base, flashSize: flashSize, events: events)
        case .wb:
            return try PageFlashController(probe: probe, family: .wb, base: base, flashSize: flashSize, events: events)
        case .g0g4:
            let row: PageFlashFamily = family.name == "STM32G0" ? .g0 : .g4
            // Only the Cat. 3 G47x/G48x has DBANK; the others are one bank of 2 KiB pages.
            var adjusted = row
            if row.name == "STM32G4", deviceID != 0x469 {
                adjusted.banks = .single
                adjusted.bankEraseBit = nil
            }
            return try PageFlashController(
                probe: probe, family: adjusted, base: base, flashSize: flashSize, events: events)
        case .h5:
            return try SectorFlashController(
                probe: probe, family: .h5, base: base, flashSize: flashSize, banks: 2, events: events)
        case .h7:
            return try SectorFlashController(
                probe: probe, family: .h7, base: base, flashSize: flashSize, banks: h7Banks(deviceID: deviceID),
                events: events)
        case .l4, .f4, .h7rs: return nil
        }
    }
}

import ArmDebug
import BootwireCore
import STM32

/// The one place a part's controller is chosen: from its catalogue row's controller kind
/// (`STM32FlashControllerSpec.Kind`), never from its name.
public enum SWDFlashControllers {
    public static func unsupportedReason(deviceID: UInt16) -> String? {
        guard case .unsupported(let reason) = STM32PartCatalogue.part(deviceID: deviceID)?.controller.kind else {
            return nil
        }
        return reason
    }

    public static func make(
        probe: any DebugProbe, part: STM32Part, flashSize: Int, events: @escaping EventSink
    ) throws -> (any SWDFlashController)? {
        let spec = part.controller
        switch spec.kind {
        case .l4(let row):
            // A part without a bootloader row (0x461) is shaped as the dual-bank L476.
            return try L4FlashController(
                probe: probe, row: row, base: spec.base, device: part.bootloader ?? STM32DeviceTable.l476,
                flashSize: flashSize, events: events)
        case .f4(let fields, let dualBankCapable):
            return F4FlashController(
                probe: probe, base: spec.base, flashBase: part.flashBase, fields: fields,
                dualBankCapable: dualBankCapable, flashSize: flashSize, events: events)
        case .page(let row):
            return try PageFlashController(
                probe: probe, family: row, base: spec.base, flashBase: part.flashBase, flashSize: flashSize,
                events: events)
        case .sector(let row, let banks):
            return try SectorFlashController(
                probe: probe, family: row, base: spec.base, flashBase: part.flashBase, flashSize: flashSize,
                banks: banks, events: events)
        case .unsupported: return nil
        }
    }
}

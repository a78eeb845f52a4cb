import BootwireCore
import STLink
import Targets
import USB

extension ConnectionOptions {
    static let dfuPort = "usb:0483:df11"

    /// --dfu / --stlink stand for the port when no --port is given.
    var impliedPorts: [String] {
        (dfu ? [Self.dfuPort] : []) + (stlink ? ["stlink"] : [])
    }

    /// ST's USB devices Bootwire knows: the probe table of the STLink module.
    static let probes: USBListing.ProbeTable = { pid in
        STLinkProbeKind.kind(productID: pid).map { ($0.name, $0.isLoader) }
    }

    /// The udev rules file: ST's DFU bootloader, every ST-LINK, the serial bridges.
    static var udevEntries: [UdevRules.Entry] {
        [UdevRules.stDFU]
            + STLinkProbeKind.all.map {
                UdevRules.Entry(
                    vendorID: UdevRules.stmicro, productID: $0.productID, name: $0.name, serialBridge: false)
            } + UdevRules.bridgeEntries
    }
}

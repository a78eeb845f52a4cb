import BootwireCore
import Foundation

/// The udev rules that let a user (not root) open ST's DFU bootloader, the ST-LINK probes and
/// the USB-serial bridges. `uaccess` gives the logged-in user the device; the group covers
/// headless machines and CI runners.
public enum UdevRules {
    public static let installPath = "/etc/udev/rules.d/60-bootwire.rules"

    public struct Entry: Sendable {
        public var vendorID: UInt16
        public var productID: UInt16
        public var name: String
        /// Serial bridges are reached through their tty; the others through /dev/bus/usb.
        public var serialBridge: Bool

        public init(vendorID: UInt16, productID: UInt16, name: String, serialBridge: Bool) {
            self.vendorID = vendorID
            self.productID = productID
            self.name = name
            self.serialBridge = serialBridge
        }
    }

    public static let stmicro: UInt16 = 0x0483

    /// ST's ROM DFU bootloader; the ST-LINK entries come from the probe table (STLink module).
    public static let stDFU = Entry(
        vendorID: stmicro, productID: 0xDF11, name: "STM32 ROM bootloader (DFU)", serialBridge: false)

    /// The serial bridges of the port discovery table. ST's own (ST-LINK VCPs) are covered by the
    /// probe's USB rule.
    public static var bridgeEntries: [Entry] {
        BridgeChip.known.compactMap { chip in
            guard let vendor = UInt16(chip.vendorID, radix: 16), let product = UInt16(chip.productID, radix: 16),
                vendor != stmicro
            else { return nil }
            return Entry(vendorID: vendor, productID: product, name: chip.name, serialBridge: true)
        }
    }

    public static func rule(for entry: Entry) -> String {
        let subsystem = entry.serialBridge ? "tty" : "usb"
        let group = entry.serialBridge ? "dialout" : "plugdev"
        return "SUBSYSTEM==\"\(subsystem)\", ATTRS{idVendor}==\"\(Hex.digits(entry.vendorID, width: 4))\", "
            + "ATTRS{idProduct}==\"\(Hex.digits(entry.productID, width: 4))\", MODE=\"0660\", GROUP=\"\(group)\", TAG+=\"uaccess\""
    }

    /// The rule for a device opened through /dev/bus/usb.
    public static func rule(vendorID: UInt16, productID: UInt16) -> String {
        rule(for: Entry(vendorID: vendorID, productID: productID, name: "", serialBridge: false))
    }

    /// The whole rules file for `entries`.
    public static func text(_ entries: [Entry]) -> String {
        var lines = [
            "# Bootwire: let users in plugdev/dialout (and the logged-in user) open STM32 DFU, ST-LINK",
            "# and USB-serial bridges. Install: sudo bootwire udev-rules --install",
            "# then: sudo udevadm control --reload-rules && sudo udevadm trigger (and replug).",
        ]
        for entry in entries {
            lines.append("# \(entry.name)")
            lines.append(rule(for: entry))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

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
    }

    public static let stmicro: UInt16 = 0x0483

    /// ST's ROM DFU bootloader and every ST-LINK product ID.
    public static let stEntries: [Entry] =
        [Entry(vendorID: stmicro, productID: 0xDF11, name: "STM32 ROM bootloader (DFU)", serialBridge: false)]
        + [
            (0x3744, "ST-LINK/V1"), (0x3748, "ST-LINK/V2"), (0x374B, "ST-LINK/V2-1"), (0x374A, "ST-LINK/V2-1"),
            (0x3752, "ST-LINK/V2-1"), (0x374D, "STLINK-V3 loader"), (0x374E, "STLINK-V3"), (0x374F, "STLINK-V3"),
            (0x3753, "STLINK-V3"), (0x3754, "STLINK-V3"), (0x3755, "STLINK-V3PWR loader"), (0x3757, "STLINK-V3PWR"),
        ].map { Entry(vendorID: stmicro, productID: $0.0, name: $0.1, serialBridge: false) }

    public static var bridgeEntries: [Entry] {
        BridgeChip.known.compactMap { chip in
            guard let vendor = UInt16(chip.vendorID, radix: 16), let product = UInt16(chip.productID, radix: 16),
                !stEntries.contains(where: { $0.vendorID == vendor && $0.productID == product })
            else { return nil }
            return Entry(vendorID: vendor, productID: product, name: chip.name, serialBridge: true)
        }
    }

    public static var entries: [Entry] { stEntries + bridgeEntries }

    public static func rule(for entry: Entry) -> String {
        let subsystem = entry.serialBridge ? "tty" : "usb"
        let group = entry.serialBridge ? "dialout" : "plugdev"
        return "SUBSYSTEM==\"\(subsystem)\", ATTRS{idVendor}==\"\(USBIDs.hex4(entry.vendorID))\", "
            + "ATTRS{idProduct}==\"\(USBIDs.hex4(entry.productID))\", MODE=\"0660\", GROUP=\"\(group)\", TAG+=\"uaccess\""
    }

    /// The rule for one device, also for IDs not in the table.
    public static func rule(vendorID: UInt16, productID: UInt16) -> String {
        rule(
            for: entries.first { $0.vendorID == vendorID && $0.productID == productID }
                ?? Entry(vendorID: vendorID, productID: productID, name: "", serialBridge: false))
    }

    /// The whole rules file.
    public static var text: String {
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

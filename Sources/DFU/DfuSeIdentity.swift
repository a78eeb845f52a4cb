import BootwireCore
import STM32
import USB

/// What a DfuSe device says about itself: its USB identity, DFU capabilities, and the memories
/// behind its alternate settings.
public struct DfuSeIdentity: Sendable {
    public struct Alternate: Sendable {
        public var number: UInt8
        public var text: String
        /// nil when the string does not parse; the alt is then listed but not used.
        public var layout: DfuSeMemoryLayout?
    }

    public var record: USBDeviceRecord
    public var functional: DFUFunctionalDescriptor
    public var alternates: [Alternate]
    /// The part, told by the option regions and the flash its alternates declare (`DfuSePart`).
    public var device: STM32Device?
    public var optionBytes: STM32OptionBytes?

    public var flash: DfuSeMemoryLayout? { alternates.first?.layout }

    public var optionBytesAlternate: Alternate? {
        alternates.first { $0.layout?.name.lowercased().contains("option") == true }
    }

    public var geometry: STM32FlashGeometry? {
        guard let device, let flash else { return nil }
        return device.geometry(flashSize: flash.size, options: optionBytes)
    }

    /// Facts for `info`, in order.
    public var facts: [(String, String)] {
        var facts: [(String, String)] = [
            ("usb", "\(record.ids) at \(record.nodePath)"),
            ("product", record.product ?? "?"),
            ("serial", record.serial ?? "?"),
            (
                "dfu",
                "bcdDFU 0x\(String(functional.dfuVersion, radix: 16)), transfer size \(functional.transferSize), "
                    + functional.attributeNames.joined(separator: " ")
            ),
        ]
        if let device { facts.append(("part", "\(device.name)")) }
        for alt in alternates {
            facts.append(("alt \(alt.number)", alt.layout.map { "\($0)" } ?? "\(alt.text) (not a DfuSe layout)"))
        }
        if let options = optionBytes, let geometry {
            facts.append(("option bytes", options.summary(geometry)))
            if let sfsa = options.secureFlashStartPage {
                let start = UInt64(geometry.base) + UInt64(sfsa) * 4096
                facts.append(
                    ("secure area", "SFSA 0x\(String(sfsa, radix: 16, uppercase: true)) → \(Hex.address(start, uppercase: true))"))
            }
        }
        return facts
    }
}

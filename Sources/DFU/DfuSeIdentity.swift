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
}

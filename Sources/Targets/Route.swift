import BootwireCore
import QCC743

/// The path a port leads to: the module's boot ROM or an STM32's system bootloader over a
/// serial port; an STM32's ROM DFU bootloader or an ST-LINK (SWD) over USB.
public enum Route: Sendable, Equatable, CaseIterable {
    case qcc743, stm32Serial, dfu, swd

    /// The chip a serial port leads to when the port does not say.
    public enum SerialChip: String, Sendable, CaseIterable {
        case qcc743, stm32
    }

    /// Images above this size travel compressed on this route (the module's xz writes).
    public var compressAbove: Int? { self == .qcc743 ? BouffaloChip.qcc743.compressAbove : nil }

    /// The flash range known before connecting (the module's 4 MiB), for checks before any port opens.
    public var knownFlash: Range<Int>? { knownMemory?.range }

    /// The flash and its erase units as far as known before connecting (the module's 4 KiB sectors).
    public var knownMemory: FlashMemory? {
        self == .qcc743 ? BouffaloChip.qcc743.memory : nil
    }

    /// What erasing the whole flash loses, for its confirmation. The module's flash also holds
    /// its manufacturing data (MFD), which no image restores.
    public var wholeFlashLoss: String {
        self == .qcc743
            ? "erase the whole flash, including \(ModuleFactoryData.described)"
            : "erase the whole flash of the STM32: the application and any data kept in flash"
    }
}

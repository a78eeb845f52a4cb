import BootwireCore

extension Route {
    /// Where a route leads, in a person's words.
    public var described: String {
        switch self {
        case .qcc743: "the ST67W611M1 module's boot ROM"
        case .stm32Serial: "an STM32's system bootloader over UART"
        case .dfu: "an STM32's ROM DFU bootloader over USB"
        case .swd: "an STM32 over an ST-LINK (SWD)"
        }
    }

    /// Where a raw binary usually goes on this route, for the example in a hint: the module's
    /// application (0x10000, as in the flash command's own examples), an STM32's flash base.
    public var exampleAddress: UInt64 { self == .qcc743 ? 0x10000 : 0x0800_0000 }
}

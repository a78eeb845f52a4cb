/// A few bytes for SRAM that reset the part from the bootloader (stm32flash's `-R`): Go reads
/// the stack pointer and the entry from the two words at its address (AN3155, Go command), and
/// the Thumb code there writes VECTKEY | SYSRESETREQ to AIRCR (ARMv7-M ARM B3.2.6). BOOT0 is
/// still high, so the part comes back in its bootloader.
public struct STM32ResetStub: Sendable, Equatable {
    public let address: UInt32
    public let bytes: [UInt8]

    /// AIRCR and the value that requests a system reset.
    static let aircr: UInt32 = 0xE000_ED0C
    static let sysResetRequest: UInt32 = 0x05FA_0004

    public init(ram address: UInt32) {
        self.address = address
        let code: [UInt16] = [
            0x4801,  // ldr r0, [pc, #4]   → AIRCR (the literal at +16)
            0x4902,  // ldr r1, [pc, #8]   → VECTKEY | SYSRESETREQ (+20)
            0x6001,  // str r1, [r0]
            0xE7FE,  // b .                 (the reset takes it away)
        ]
        func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        // The stack sits just above the stub; the entry is the code at +8, a Thumb address.
        bytes =
            le32(address + 0x100) + le32(address + 8 | 1)
            + code.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } + le32(Self.aircr) + le32(Self.sysResetRequest)
    }
}

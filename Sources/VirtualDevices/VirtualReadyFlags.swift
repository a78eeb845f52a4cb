/// Clock and power status flags that follow their control bits at once on a virtual part, whose
/// oscillators, PLLs and regulators settle instantly: a register the model otherwise keeps as
/// written (`VirtualSWDTarget`'s plain registers) reads with these flags derived. OpenOCD's
/// `stm32u5x.cfg` reset-init (`stm32u5x_clock_config`) polls PWR_VOSR.VOSRDY/BOOSTRDY,
/// RCC_CR.PLL1RDY and RCC_CFGR1.SWS, and loops forever on a part where they never rise.
enum VirtualReadyFlags {
    struct Flag {
        /// The register's non-secure address; the secure alias (+0x1000_0000) reads alike.
        var address: UInt32
        /// Status bits that read 1 whatever was written.
        var always: UInt32 = 0
        /// Each (control bit, status bit): the status reads as the control bit was written.
        var follows: [(control: UInt32, status: UInt32)] = []
        /// RCC_CFGR1.SWS: the switch-status field reads the clock-switch field, shifted.
        var switchStatusShift: UInt32? = nil
    }

    /// STM32U5 (RM0456 10.10, 11.8): PWR_VOSR, RCC_CR, RCC_CFGR1.
    static let flags: [Flag] = [
        Flag(address: 0x4602_080C, always: 1 << 15, follows: [(1 << 18, 1 << 14)]),
        Flag(
            address: 0x4602_0C00,
            follows: [(1 << 0, 1 << 2), (1 << 8, 1 << 10), (1 << 16, 1 << 17), (1 << 24, 1 << 25)]),
        Flag(address: 0x4602_0C1C, switchStatusShift: 2),
    ]

    static func read(_ address: UInt32, stored value: UInt32) -> UInt32 {
        guard let flag = flags.first(where: { $0.address == address || $0.address | 0x1000_0000 == address })
        else { return value }
        var result = value | flag.always
        for pair in flag.follows { result = value & pair.control != 0 ? result | pair.status : result & ~pair.status }
        if let shift = flag.switchStatusShift { result = result & ~(3 << shift) | (value & 3) << shift }
        return result
    }
}

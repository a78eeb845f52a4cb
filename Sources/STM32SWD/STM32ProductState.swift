import STM32

/// STM32H5's product state (FLASH_OPTSR_CUR.PRODUCT_STATE, bits 15:8), which replaces RDP
/// levels. Codes from ST's openocd fork (`stm32h5x_pstate`) and RM0481 7.6.11; how each state
/// treats a debugger's flash access is RM0481's, and UNCONFIRMED beyond OPEN and LOCKED.
public enum STM32ProductState {
    public static let states: [(code: UInt8, name: String)] = [
        (0xED, "open"), (0x17, "provisioning"), (0x2E, "iROT-provisioned"), (0xC6, "TZ-closed"),
        (0x72, "closed"), (0x5C, "locked"), (0x9A, "regression"), (0xA3, "NS-regression"),
    ]
    public static let open: UInt8 = 0xED
    public static let locked: UInt8 = 0x5C

    public static func name(_ code: UInt8) -> String {
        let known = states.first { $0.code == code }?.name ?? "unknown"
        return "\(known) (0x\(String(code, radix: 16, uppercase: true)))"
    }

    /// As the RDP levels the rest of Bootwire reasons with: open is level 0, locked (for good)
    /// level 2, every other state closes the debug access to flash like level 1.
    public static func protection(_ code: UInt8) -> STM32ReadoutProtection {
        code == open ? .level0 : code == locked ? .level2 : .level1
    }
}

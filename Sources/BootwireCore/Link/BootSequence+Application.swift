/// The reset into the application, from the same wiring as the boot entry. Every preset wires
/// DTR to BOOT (BOOT0 on an STM32) and RTS to CHIP_EN (NRST) (`BootSequence.presets`), so the
/// application starts when the boot-entry sequence runs with DTR never asserted: EN rises while
/// BOOT stays low, as esptool's and espflash's hard reset does on the same wiring.
extension BootSequence {
    /// The boot entry with BOOT held low throughout; nil when the sequence drives no line (a
    /// person, or a host MCU, does the reset).
    public var applicationReset: BootSequence? {
        guard drivesModemLines, !isManual else { return nil }
        return BootSequence(
            steps: steps.map { step in
                if case .set(.dtr, asserted: true) = step { return .set(.dtr, asserted: false) }
                return step
            })
    }
}

/// Which peer tools nobody here wrote judge each virtual device in CI, by the `virtual:` name
/// (options after the comma aside). The scripts that run them: scripts/peer-interop.sh and
/// end-state-compare.sh (Bouffalo's flashers), stm32-peer-interop.sh (stm32flash, stm32loader),
/// usb-peer-interop.sh (dfu-util, st-flash, OpenOCD, pyOCD). A device missing here is judged by
/// none: it is this project's one reading of the reference manual, and says so when opened.
public enum VirtualPeerJudges {
    static let table: [String: [String]] = [
        "qcc743": ["bflb-iot-tool", "bflb-flash-command-uart"],
        "stm32l476": ["stm32flash", "stm32loader"],
        "stm32l432": ["stm32flash", "stm32loader"],
        "dfu-l476": ["dfu-util"],
        "dfu-wb55": ["dfu-util"],
        "stlink-l476": ["OpenOCD", "st-flash", "pyOCD"],
        "stlink-l432": ["OpenOCD", "st-flash", "pyOCD"],
        "stlink-l452": ["OpenOCD", "st-flash"],
        "stlink-f4": ["OpenOCD", "st-flash"],
        "stlink-f429": ["OpenOCD", "st-flash", "pyOCD"],
        "stlink-g071": ["OpenOCD", "st-flash"],
        "stlink-g474": ["OpenOCD", "st-flash"],
        "stlink-wb55": ["OpenOCD", "st-flash"],
        "stlink-u575": ["OpenOCD"],
        "stlink-h723": ["OpenOCD", "st-flash", "pyOCD"],
        "stlink-h743": ["OpenOCD", "st-flash", "pyOCD"],
        // pyOCD's generic cortex_m finds the core on AP1 and reads it back; no peer here has the
        // H5's flash algorithm, so its flash writes are judged by none.
        "stlink-h563": ["pyOCD (access ports and reads only)"],
    ]

    /// The peers that judge the device behind `port` (`virtual:stlink-l476,state=…`); empty
    /// when none does.
    public static func judges(of port: String) -> [String] {
        let name = port.hasPrefix(VirtualPort.prefix) ? String(port.dropFirst(VirtualPort.prefix.count)) : port
        return table[String(name.prefix { $0 != "," })] ?? []
    }
}

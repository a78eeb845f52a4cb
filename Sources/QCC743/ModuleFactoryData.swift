import BootwireCore

/// The module's manufacturing data (MFD): what ST writes at the factory for this one module,
/// in the flash's last 4 KiB sector. ST's partition table names it (entry type 9, "MFD",
/// 0x3FF000, 0x1000 bytes; Examples/qcc743/partition.bin and ST's own). No image ST ships
/// restores it, so every whole-flash erase names it before it happens.
public enum ModuleFactoryData {
    public static let region = BouffaloChip.qcc743.factoryData

    /// "the manufacturing data (MFD) at 0x3ff000..0x400000", for previews.
    public static var described: String { "the \(region.name) at \(Hex.range(region.range))" }
}

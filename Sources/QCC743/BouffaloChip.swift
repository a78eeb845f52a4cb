import BootwireCore

/// A Bouffalo boot-ROM chip as Bootwire drives it, in one value: what the session, the flash
/// target, the command line and ST's update flow read (esptool's `targets/*.py` is the model).
/// A BL618-class module is one more value here, not edits across those layers.
public struct BouffaloChip: Sendable, Equatable {
    /// The name vendor ini files use for `$(CHIPNAME)` in image paths.
    public var name: String
    /// get_boot_info bytes 0..3 (the ROM version, spec 8) this chip answers with, and the name the
    /// vendor tools give each.
    public var romIDs: [String: String]
    /// The module's SPI NOR, for checks made before a port opens; once connected the JEDEC id's
    /// size (`DeviceIdentity.flashSize`) is the one checked.
    public var flashSize: Int
    /// The erase unit of flash_erase (0x30): the ROM rounds ranges out to it.
    public var sectorSize: Int
    /// Writes larger than this go as xz "decompress write" streams when that is smaller (the
    /// vendor's rule).
    public var compressAbove: Int
    /// The flash_set word (spec 9.1) QConn sends: clock, mode and delay; its pin is replaced by
    /// the one boot info reports.
    public var flashSetWord: FlashSetWord
    /// The eFuse array's size; its fields are in `EfuseMap` (spec 12.2, 12.5).
    public var efuseSize: Int
    /// The module's manufacturing data (MFD) in flash, which no image restores.
    public var factoryData: FactoryRegion

    /// The flash_set word for the pin configuration `pin` (`BootInfo.flashPin`).
    public func flashSet(pin: UInt8) -> FlashSetWord {
        var word = flashSetWord
        word.pin = pin
        return word
    }

    /// The flash and its erase unit as known before connecting.
    public var memory: FlashMemory { FlashMemory(range: 0..<flashSize, unit: sectorSize) }

    /// The erase units `[start, end)` touches.
    public func sectors(from start: Int, to end: Int) -> Int { (end - start + sectorSize - 1) / sectorSize }

    /// ST's ST67W611M1: a QCC743 (BL616 derivative) with 4 MiB of flash in 4 KiB sectors; the
    /// MFD is the last sector (ST's partition table: entry type 9, 0x3FF000, 0x1000 bytes).
    public static let qcc743 = BouffaloChip(
        name: "qcc743", romIDs: ["01001606": "bl616 a0 (QCC743)", "02001606": "bl616 a1 (QCC743)"],
        flashSize: 4 << 20, sectorSize: 0x1000, compressAbove: 4096, flashSetWord: .qconn,
        efuseSize: EfuseMap.size,
        factoryData: FactoryRegion(name: "manufacturing data (MFD)", range: 0x3F_F000..<0x40_0000))

    /// Every chip Bootwire drives.
    public static let all: [BouffaloChip] = [.qcc743]

    /// The chip whose ROM answers with `romVersion`, if one is known.
    public static func answering(romVersion: String) -> BouffaloChip? {
        all.first { $0.romIDs[romVersion] != nil }
    }
}

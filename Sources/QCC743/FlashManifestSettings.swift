import BootwireCore
import Foundation

/// The `[cfg]` section of a flash_prog_cfg.ini. Unknown keys are refused rather than ignored:
/// a misspelt `erase` silently falling back to the default would erase differently from what
/// the user wrote.
struct CfgSettings {
    var erase: EraseMode = .sections
    var skipRegions: [FlashManifest.SkipRegion] = []

    init(_ section: IniDocument.Section?, file: String) throws {
        guard let section else { return }
        func fail(_ message: String, _ value: IniDocument.Value, key: String) -> BootwireError {
            BootwireError(
                .badConfig, message,
                evidence: ["file": file, "line": "\(value.line)", "section": "cfg", "key": key, "value": value.text])
        }
        for (key, value) in section.values.sorted(by: { $0.value.line < $1.value.line }) {
            switch key {
            case "erase":
                guard let number = Int(value.text), let mode = EraseMode(iniValue: number) else {
                    throw fail("erase must be 0, 1 or 2", value, key: key)
                }
                erase = mode
            case "skip_mode":
                guard let regions = Self.parseSkipMode(value.text) else {
                    throw fail("skip_mode must be `addr, len[; addr, len ...]` in hex", value, key: key)
                }
                skipRegions = regions.filter { $0.length != 0 }
            case "boot2_isp_mode":
                // 1 would mean talking to a running boot2 instead of the boot ROM; Bootwire
                // speaks only to the boot ROM, so accepting 1 and ignoring it would mislead.
                guard Int(value.text) == 0 else {
                    throw fail("boot2_isp_mode \(value.text) is not supported; only 0 (boot ROM)", value, key: key)
                }
            case "pre_program", "pre_program_args":
                // 1.4.3 runs an external program here; Bootwire never runs one.
                guard value.text.isEmpty else {
                    throw fail("\(key) (running a program before flashing) is not supported", value, key: key)
                }
            default:
                throw fail("unknown [cfg] key \(key)", value, key: key)
            }
        }
        // erase = 2 with a skip region is the vendor's error 0044 (its chip erase cannot spare
        // it); Bootwire's erase = chip erases only what is not erased and spares it
        // (`FlashPipeline.refuseUnkeepable` refuses what it cannot spare).
    }

    /// `addr, len[; addr, len ...]`. The vendor reads each number as hex after `0x` and as
    /// decimal otherwise (BLFlashCommand 2023, `bflb_base_eflash_loader.py`: `int(x[2:], 16)` /
    /// `int(x, 10)`), unlike addresses, which are always hex.
    static func parseSkipMode(_ text: String) -> [FlashManifest.SkipRegion]? {
        func number(_ field: Substring) -> UInt32? {
            let text = field.trimmingCharacters(in: .whitespaces)
            return text.lowercased().hasPrefix("0x") ? parseHex(text) : UInt32(text, radix: 10)
        }
        var regions: [FlashManifest.SkipRegion] = []
        for pair in text.split(separator: ";") where !pair.trimmingCharacters(in: .whitespaces).isEmpty {
            let fields = pair.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 2, let address = number(fields[0]), let length = number(fields[1]),
                UInt64(address) + UInt64(length) <= UInt64(UInt32.max) + 1
            else { return nil }
            regions.append(.init(address: address, length: length))
        }
        return regions
    }
}

import BootwireCore
import Foundation
import Testing

@testable import QCC743

/// The expected lines are what ST's read_chip_info.py (X-CUBE-ST67W61 1.3.0) printed for the
/// same 512 bytes, run once by hand; the script itself is not part of the project.
@Suite struct EfuseChipInfoTests {
    /// Every field ST prints set, with trims that exercise the script's quirks: a falling Wi-Fi
    /// slope (floor division), a trim with a wrong parity bit (skipped), and two crystal trims
    /// (the later one replaces the earlier).
    static func everyFieldImage() -> [UInt8] {
        let words: [(Int, String)] = [
            (0x000, "0000000c"), (0x014, "11223344"), (0x018, "55660000"), (0x01C, "9e0cb122"),
            (0x020, "65b514e6"), (0x024, "50717435"), (0x028, "55e9c9d1"), (0x02C, "937d1287"),
            (0x030, "a7ff63aa"), (0x034, "5add5d76"), (0x038, "c08b35eb"), (0x064, "a1b2c3d4"),
            (0x068, "e5f60000"), (0x070, "01020304"), (0x074, "05060000"), (0x07C, "00100600"),
            (0x0C0, "c3170000"), (0x0C4, "00002104"), (0x0C8, "fce70000"), (0x0CC, "00000064"),
            (0x0D0, "e10bf808"), (0x0EC, "a1008000"), (0x0F4, "00008002"), (0x100, "53543637"),
            (0x104, "57363131"), (0x108, "4d310300"), (0x118, "0102192a"), (0x170, "07000000"),
            (0x178, "07000000"), (0x180, "ff030000"), (0x190, "ff030000"),
        ]
        var bytes = [UInt8](repeating: 0, count: 512)
        for (offset, hex) in words { bytes.replaceSubrange(offset..<offset + 4, with: Hex.bytes(hex)!) }
        return bytes
    }

    @Test func everyFieldAsSTsScriptPrintsIt() {
        let info = EfuseChipInfo(Self.everyFieldImage())
        #expect(
            info.printedLines == [
                "JTAG                          : Disabled",
                "Public Key                    : Filled",
                "Anti-rollback                 : Enabled",
                "Anti-rollback Bootloader      : 3",
                "Anti-rollback Application     : 10",
                "Default MAC Address           : 66:55:44:33:22:11",
                "Customer MAC Address1         : F6:E5:D4:C3:B2:A1",
                "Customer MAC Address2         : 06:05:04:03:02:01",
                "Part Number                   : ST67W611M1",
                "Manufacturing Year/Week       : Year 2025 | Week 42",
                "BOM Id                        : 0102",
                "wifi_hp_poffset               : [3, 2, 1, 0, 0, -1, -2, -1, 0, 1, 3, 4, 5, 6]",
                "wifi_lp_poffset               : [-4, -3, -3, -2, -2, -1, -1, -2, -3, -4, -5, -6, -7, -8]",
                "ble_poffset                   : [1, -1, 2, -16, 15]",
                "xtal                          : 40",
            ])
        #expect(info["ble_poffset"] == .numbers([1, -1, 2, -16, 15]))
        #expect(info["Anti-rollback Application"] == .number(10))
    }

    /// The virtual module's factory eFuse (VirtualQCC743.factoryEfuse): a MAC and sw_usage_0 only.
    @Test func aFreshModule() {
        var bytes = [UInt8](repeating: 0, count: 512)
        bytes.replaceSubrange(0x14..<0x1A, with: [0xDC, 0xD2, 0x03, 0x7B, 0x82, 0x40])
        bytes.replaceSubrange(0x5C..<0x60, with: LE.u32(0x0182_1227))
        #expect(
            EfuseChipInfo(bytes).printedLines == [
                "JTAG                          : Enabled",
                "Public Key                    : Empty",
                "Anti-rollback                 : Disabled",
                "Anti-rollback Bootloader      : 0",
                "Anti-rollback Application     : 0",
                "Default MAC Address           : 40:82:7B:03:D2:DC",
                "Customer MAC Address1         : 00:00:00:00:00:00",
                "Customer MAC Address2         : 00:00:00:00:00:00",
                "Part Number                   : Invalid Part Number",
                "Manufacturing Year/Week       : Year 2000 | Week 00",
                "BOM Id                        : 0000",
            ])
    }

    @Test(.enabled(if: Fixtures.available))
    func stsEfusedataAfterDecryption() throws {
        let image = try EfuseImage.decode(try Fixtures.bytes("efusedata.bin"))
        let info = EfuseChipInfo(image.bytes)
        #expect(info["JTAG"] == .text("Disabled"))
        #expect(info["Public Key"] == .text("Filled"))
        #expect(info["Anti-rollback"] == .text("Enabled"))
        #expect(info["Default MAC Address"] == .text("00:00:00:00:00:00"))
        #expect(info["Part Number"] == .text("Invalid Part Number"))
        // 0xDC bit 26 is set by ST's file but enables no trim ST reads.
        #expect(info.entries.count == EfuseChipInfo.fields.count)
    }

    @Test func aPartNumberWithoutItsEndMarkerOrWithNonASCIIIsInvalid() {
        var bytes = [UInt8](repeating: 0, count: 512)
        bytes.replaceSubrange(0x100..<0x104, with: Array("ABCD".utf8))
        #expect(EfuseChipInfo(bytes)["Part Number"] == .text("Invalid Part Number"))
        bytes[0x104] = 0x03
        #expect(EfuseChipInfo(bytes)["Part Number"] == .text("ABCD"))
        bytes[0x101] = 0xC3
        #expect(EfuseChipInfo(bytes)["Part Number"] == .text("Invalid Part Number"))
    }

    @Test func wifiInterpolationFloorsLikePython() {
        // C's truncating division would give [3, 3, 2, 2, 1, 0, -2, …] for the same points.
        #expect(
            EfuseChipInfo.Trim.interpolate([3, -2, 5]) == [3, 2, 1, 0, 0, -1, -2, -1, 0, 1, 3, 4, 5, 6])
        #expect(EfuseChipInfo.Trim.interpolate([0, 0, 0]) == [Int](repeating: 0, count: 14))
    }

    @Test func unconfirmedRowsAreMarked() {
        let confirmed = EfuseChipInfo.fields.filter(\.confirmed).map(\.label)
        #expect(confirmed == ["JTAG", "Public Key", "Default MAC Address"])
    }
}

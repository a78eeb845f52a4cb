import Foundation

/// One part the virtual devices stand for: its name after each route's prefix
/// (`virtual:stm32NAME`, `virtual:dfu-NAME`, `virtual:stlink-NAME`), its DEV_ID, flash size and
/// erase unit, and which routes serve it with what. The register models (`VirtualL4Flash`,
/// `VirtualPageFlash`, …) stay the emulator's own statement of the reference manuals; only the
/// part names and sizes are read from here, so a listing, a `virtual:` name and a flash size
/// cannot disagree between routes.
public struct VirtualPart: Sendable {
    /// The flash controller model wired behind a virtual ST-LINK.
    enum SWDFlash: Sendable {
        /// `VirtualL4Flash` (RM0351): one bank whatever OPTR says when `singleBank`.
        case l4(singleBank: Bool)
        /// `VirtualF4Flash` (RM0090): DB1M and the second bank when `dualBankCapable`.
        case f4(dualBankCapable: Bool)
        case page(VirtualPageFlash.Model)
        case sector(VirtualSectorFlash.Model)
    }

    /// The core and memories a virtual ST-LINK finds on the SWD side.
    struct SWD: Sendable {
        var cpuid: UInt32
        /// DBGMCU_IDCODE REV_ID (the upper half; DEV_ID is the part's).
        var revision: UInt16
        var idcodeAddress: UInt32
        var sram: [(base: UInt32, size: Int)]
        var flash: SWDFlash
        /// The SW-DP's DPIDR, which debuggers check (openocd's `_CPUTAPID` for SWD).
        var dpidr: UInt32
        /// The core's access port: 1 on the H5, whose AP0 is a debug mailbox.
        var coreAccessPort: UInt8 = 0

        /// The core, DP, DBGMCU IDCODE (REV_ID, DEV_ID) and SRAM of `part`, with `flash` wired in.
        func target(of part: VirtualPart, flash: any VirtualFlashPeripheral) -> VirtualSWDTarget {
            VirtualSWDTarget(
                cpuid: cpuid, idcode: UInt32(revision) << 16 | UInt32(part.devID), idcodeAddress: idcodeAddress,
                flash: flash, sram: sram, dpidr: dpidr, coreAccessPort: coreAccessPort)
        }
    }

    /// How the ROM's DfuSe interface lists the part: the flash alt string is built from the
    /// part's size in the digit widths the real listing shows (silicon notes); the option-byte
    /// and OTP alts are as listed.
    struct DFU: Sendable {
        var spacing: String
        var countDigits: Int
        var sizeDigits: Int
        var otherAlts: [String]
    }

    public let name: String
    public let devID: UInt16
    public let flashKiB: Int
    /// The page or sector size (in the factory bank mode).
    public let eraseUnit: Int
    /// Served by `VirtualSTM32` on `virtual:stm32NAME` (the UART bootloader).
    let uart: Bool
    let dfu: DFU?
    let swd: SWD?

    public var flashBytes: Int { flashKiB << 10 }

    /// The ROM's alt strings for `virtual:dfu-NAME`.
    var dfuAltStrings: [String] {
        guard let dfu else { return [] }
        func padded(_ n: Int, _ width: Int) -> String {
            String(repeating: "0", count: max(0, width - String(n).count)) + String(n)
        }
        let flash =
            "@Internal Flash" + dfu.spacing + "/0x08000000/" + padded(flashBytes / eraseUnit, dfu.countDigits) + "*"
            + padded(eraseUnit >> 10, dfu.sizeDigits) + "Kg"
        return [flash] + dfu.otherAlts
    }
}

/// Every part the virtual devices serve, one row each (sources: each row's reference manual and
/// datasheet; DBGMCU revisions are the ones the reference boards report).
public enum VirtualPartCatalogue {
    static let m4: UInt32 = 0x410F_C241
    static let m33: UInt32 = 0x410F_D214
    static let m7: UInt32 = 0x411F_C272
    static let m0plus: UInt32 = 0x410C_C601
    /// SW-DP DPIDRs, as openocd's target files expect them for SWD (`_CPUTAPID` in
    /// `stm32l4x.cfg`/`stm32f4x.cfg`/`stm32g4x.cfg`, `stm32g0x.cfg`, `stm32x5x_common.cfg` (U5),
    /// `stm32h7x.cfg`, `stm32wbx.cfg`): the Cortex-M4's DPv1, the Cortex-M0+'s, the
    /// Cortex-M33's DPv2, and the DPv2 of the H7 and WB.
    public static let dpCortexM4: UInt32 = 0x2BA0_1477
    public static let dpCortexM0plus: UInt32 = 0x0BC1_1477
    public static let dpCortexM33: UInt32 = 0x0BE1_2477
    public static let dpV2: UInt32 = 0x6BA0_2477
    static let l4OTP = "@OTP Memory /0x1FFF7000/01*0001Ke"
    static let l4Options = "@Option Bytes  /0x1FFF7800/01*040 e"

    static func l4(
        _ name: String, _ devID: UInt16, revision: UInt16, flashKiB: Int, sram: Int, sram2: Int,
        singleBank: Bool, dfu: VirtualPart.DFU?
    ) -> VirtualPart {
        VirtualPart(
            name: name, devID: devID, flashKiB: flashKiB, eraseUnit: 2048, uart: true, dfu: dfu,
            swd: VirtualPart.SWD(
                cpuid: m4, revision: revision, idcodeAddress: 0xE004_2000,
                sram: [(0x2000_0000, sram << 10), (0x1000_0000, sram2 << 10)], flash: .l4(singleBank: singleBank),
                dpidr: dpCortexM4))
    }

    public static let parts: [VirtualPart] = [
        VirtualPart(name: "f103", devID: 0x410, flashKiB: 64, eraseUnit: 1024, uart: true, dfu: nil, swd: nil),
        l4(
            "l476", 0x415, revision: 0x1007, flashKiB: 1024, sram: 96, sram2: 32, singleBank: false,
            dfu: VirtualPart.DFU(
                spacing: "  ", countDigits: 3, sizeDigits: 4,
                otherAlts: [l4Options + "/0x1FFFF800/01*040 e", l4OTP])),
        l4(
            "l432", 0x435, revision: 0x1001, flashKiB: 256, sram: 48, sram2: 16, singleBank: true,
            dfu: VirtualPart.DFU(
                spacing: "  ", countDigits: 4, sizeDigits: 4, otherAlts: [l4Options, l4OTP])),
        l4(
            "l452", 0x462, revision: 0x1000, flashKiB: 512, sram: 128, sram2: 32, singleBank: true,
            dfu: VirtualPart.DFU(
                spacing: "  ", countDigits: 4, sizeDigits: 4, otherAlts: [l4Options, l4OTP])),
        VirtualPart(name: "l412", devID: 0x464, flashKiB: 128, eraseUnit: 2048, uart: true, dfu: nil, swd: nil),
        VirtualPart(
            name: "f4", devID: 0x413, flashKiB: 1024, eraseUnit: 128 << 10, uart: false, dfu: nil,
            swd: VirtualPart.SWD(
                cpuid: m4, revision: 0x1007, idcodeAddress: 0xE004_2000, sram: [(0x2000_0000, 128 << 10)],
                flash: .f4(dualBankCapable: false), dpidr: dpCortexM4)),
        VirtualPart(
            name: "f429", devID: 0x419, flashKiB: 2048, eraseUnit: 128 << 10, uart: false, dfu: nil,
            swd: VirtualPart.SWD(
                cpuid: m4, revision: 0x2003, idcodeAddress: 0xE004_2000, sram: [(0x2000_0000, 192 << 10)],
                flash: .f4(dualBankCapable: true), dpidr: dpCortexM4)),
        VirtualPart(
            name: "g071", devID: 0x460, flashKiB: 128, eraseUnit: 2048, uart: false, dfu: nil,
            swd: VirtualPart.SWD(
                cpuid: m0plus, revision: 0x1000, idcodeAddress: 0x4001_5800, sram: [(0x2000_0000, 36 << 10)],
                flash: .page(.g071), dpidr: dpCortexM0plus)),
        VirtualPart(
            name: "g474", devID: 0x469, flashKiB: 512, eraseUnit: 2048, uart: true,
            dfu: VirtualPart.DFU(
                spacing: "   ", countDigits: 3, sizeDigits: 2,
                otherAlts: [
                    "@Option Bytes   /0x1FFF7800/01*048 e/0x1FFFF800/01*048 e", "@OTP Memory   /0x1FFF7000/01*01Ke",
                ]),
            swd: VirtualPart.SWD(
                cpuid: m4, revision: 0x2000, idcodeAddress: 0xE004_2000, sram: [(0x2000_0000, 128 << 10)],
                flash: .page(.g474), dpidr: dpCortexM4)),
        // STM32G473CC (RM0440 Cat. 3): 256 KiB, DBANK set: bank 2 at 0x08040000.
        VirtualPart(
            name: "g473", devID: 0x469, flashKiB: 256, eraseUnit: 2048, uart: false, dfu: nil,
            swd: VirtualPart.SWD(
                cpuid: m4, revision: 0x2000, idcodeAddress: 0xE004_2000, sram: [(0x2000_0000, 128 << 10)],
                flash: .page(.g473), dpidr: dpCortexM4)),
        // STM32G491RE (RM0440 Cat. 4): 512 KiB in one bank of 256 pages.
        VirtualPart(
            name: "g491", devID: 0x479, flashKiB: 512, eraseUnit: 2048, uart: false, dfu: nil,
            swd: VirtualPart.SWD(
                cpuid: m4, revision: 0x2000, idcodeAddress: 0xE004_2000, sram: [(0x2000_0000, 112 << 10)],
                flash: .page(.g491), dpidr: dpCortexM4)),
        VirtualPart(
            name: "wb55", devID: 0x495, flashKiB: 1024, eraseUnit: 4096, uart: true,
            dfu: VirtualPart.DFU(
                spacing: "   ", countDigits: 3, sizeDigits: 2,
                otherAlts: ["@Option Bytes   /0x1FFF8000/01*128 e", "@OTP Memory   /0x1FFF7000/01*1Ke"]),
            swd: VirtualPart.SWD(
                cpuid: m4, revision: 0x2001, idcodeAddress: 0xE004_2000, sram: [(0x2000_0000, 192 << 10)],
                flash: .page(.wb55), dpidr: dpV2)),
        // STM32WB15CC (RM0473): 320 KiB of 2 KiB pages, 48 KiB SRAM1.
        VirtualPart(
            name: "wb15", devID: 0x494, flashKiB: 320, eraseUnit: 2048, uart: false, dfu: nil,
            swd: VirtualPart.SWD(
                cpuid: m4, revision: 0x2001, idcodeAddress: 0xE004_2000, sram: [(0x2000_0000, 48 << 10)],
                flash: .page(.wb15), dpidr: dpV2)),
        // STM32U535VE (RM0456): 512 KiB, two banks of 8 KiB pages.
        VirtualPart(
            name: "u535", devID: 0x455, flashKiB: 512, eraseUnit: 8192, uart: false, dfu: nil,
            swd: VirtualPart.SWD(
                cpuid: m33, revision: 0x1001, idcodeAddress: 0xE004_4000, sram: [(0x2000_0000, 256 << 10)],
                flash: .page(.u535), dpidr: dpCortexM33)),
        VirtualPart(
            name: "u575", devID: 0x482, flashKiB: 2048, eraseUnit: 8192, uart: false, dfu: nil,
            swd: VirtualPart.SWD(
                cpuid: m33, revision: 0x2001, idcodeAddress: 0xE004_4000, sram: [(0x2000_0000, 768 << 10)],
                flash: .page(.u575), dpidr: dpCortexM33)),
        VirtualPart(
            name: "h563", devID: 0x484, flashKiB: 2048, eraseUnit: 8192, uart: true, dfu: nil,
            swd: VirtualPart.SWD(
                cpuid: m33, revision: 0x1001, idcodeAddress: 0xE004_4000, sram: [(0x2000_0000, 640 << 10)],
                flash: .sector(.h563), dpidr: dpCortexM33, coreAccessPort: 1)),
        VirtualPart(
            name: "h723", devID: 0x483, flashKiB: 1024, eraseUnit: 128 << 10, uart: false, dfu: nil,
            swd: VirtualPart.SWD(
                cpuid: m7, revision: 0x1001, idcodeAddress: 0x5C00_1000,
                sram: [(0x2400_0000, 320 << 10), (0x2000_0000, 128 << 10)], flash: .sector(.h723), dpidr: dpV2)),
        VirtualPart(
            name: "h743", devID: 0x450, flashKiB: 2048, eraseUnit: 128 << 10, uart: false, dfu: nil,
            swd: VirtualPart.SWD(
                cpuid: m7, revision: 0x2003, idcodeAddress: 0x5C00_1000,
                sram: [(0x2400_0000, 512 << 10), (0x2000_0000, 128 << 10)], flash: .sector(.h743), dpidr: dpV2)),
        // STM32H743ZG: the 1 MiB H743, bank 2 still at 0x08100000 (a hole below it).
        VirtualPart(
            name: "h743zg", devID: 0x450, flashKiB: 1024, eraseUnit: 128 << 10, uart: false, dfu: nil,
            swd: VirtualPart.SWD(
                cpuid: m7, revision: 0x2003, idcodeAddress: 0x5C00_1000,
                sram: [(0x2400_0000, 512 << 10), (0x2000_0000, 128 << 10)], flash: .sector(.h743zg), dpidr: dpV2)),
        // STM32H750VB: 128 KiB in one bank, the value line of the H743 (same DEV_ID).
        VirtualPart(
            name: "h750", devID: 0x450, flashKiB: 128, eraseUnit: 128 << 10, uart: false, dfu: nil,
            swd: VirtualPart.SWD(
                cpuid: m7, revision: 0x2003, idcodeAddress: 0x5C00_1000,
                sram: [(0x2400_0000, 512 << 10), (0x2000_0000, 128 << 10)], flash: .sector(.h750), dpidr: dpV2)),
        // STM32C031C6: a Cortex-M0+ (r0p1), DEV_ID 0x453 rev A, 12 KiB SRAM.
        VirtualPart(
            name: "c031", devID: 0x453, flashKiB: 32, eraseUnit: 2048, uart: true, dfu: nil,
            swd: VirtualPart.SWD(
                cpuid: m0plus, revision: 0x1000, idcodeAddress: 0x4001_5800, sram: [(0x2000_0000, 12 << 10)],
                flash: .page(.c031), dpidr: dpCortexM0plus)),
    ]

    /// `virtual:` names per route, in catalogue order.
    public static var uartNames: [String] { parts.filter(\.uart).map { "stm32" + $0.name } }
    public static var dfuNames: [String] { parts.filter { $0.dfu != nil }.map { "dfu-" + $0.name } }
    public static var stlinkNames: [String] { parts.filter { $0.swd != nil }.map { "stlink-" + $0.name } }

    /// The row a register model is named for (`STM32U575` → `u575`): the model's sizes.
    static func part(modelName: String) -> VirtualPart? {
        parts.first { "STM32" + $0.name.uppercased() == modelName }
    }

    public static func part(devID: UInt16) -> VirtualPart? { parts.first { $0.devID == devID } }

    /// The part behind a `virtual:` name on any route (`stm32l476`, `dfu-l476`, `stlink-l476`).
    public static func part(portName: String) -> VirtualPart? {
        for prefix in ["stm32", "dfu-", "stlink-"] where portName.hasPrefix(prefix) {
            let name = String(portName.dropFirst(prefix.count))
            guard let part = parts.first(where: { $0.name == name }) else { return nil }
            switch prefix {
            case "stm32": return part.uart ? part : nil
            case "dfu-": return part.dfu != nil ? part : nil
            default: return part.swd != nil ? part : nil
            }
        }
        return nil
    }
}

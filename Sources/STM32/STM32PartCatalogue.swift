/// Every STM32 part Bootwire knows, one row per DEV_ID: the one part model the UART, DFU and
/// SWD routes read (stm32flash `dev_table.c`, probe-rs `targets/*.yaml` and openocd's
/// `stm32l4_parts` are its models). Controller rows (`PageFlashFamily`, `SectorFlashFamily`)
/// and bootloader rows (`STM32DeviceTable`) are the families' shared facts; a part that
/// differs in one fact says so in its own row (`.with { … }`). Sources per row.
public enum STM32PartCatalogue {
    /// DBGMCU_IDCODE per core (spec 2.2): Cortex-M3/M4/M7 0xE0042000 (H7 0x5C001000),
    /// Cortex-M0+ 0x40015800, Cortex-M33 0xE0044000.
    static let idcodeM4: UInt32 = 0xE004_2000
    static let idcodeM0plus: UInt32 = 0x4001_5800
    static let idcodeM33: UInt32 = 0xE004_4000
    static let idcodeH7: UInt32 = 0x5C00_1000

    /// The L4-pattern register block of L4, G0, G4, U5 and C0 (openocd `flash_regs_base`).
    static let flashRegisters: UInt32 = 0x4002_2000

    // MARK: L4 (RM0351, RM0394; openocd stm32l4x.c). FLASH_SIZE 0x1FFF75E0. The SWD route takes
    // 1 MiB when FLASH_SIZE is blank, whatever the line (kept as it was).

    static func l4(_ device: STM32Device) -> STM32Part {
        let row: PageFlashFamily = device.banks == 2 ? .l4 : .l4SingleBank
        return STM32Part(
            device, idcodeAddress: idcodeM4, maxFlashKiB: 1024,
            controller: .init(.l4(row), base: flashRegisters))
    }

    static let l4Parts: [STM32Part] = [
        l4(STM32DeviceTable.l476), l4(STM32DeviceTable.l432), l4(STM32DeviceTable.l452), l4(STM32DeviceTable.l412),
        // 0x461 has DUALBANK like 0x415 but no bootloader row yet: it is programmed as an L476.
        STM32Part(
            0x461, "STM32L49x/L4Ax", family: .l4, idcodeAddress: idcodeM4, flashSizeRegister: 0x1FFF_75E0,
            maxFlashKiB: 1024, controller: .init(.l4(.l4), base: flashRegisters)),
    ]

    // MARK: F2/F4 (RM0090, RM0033; openocd stm32f2x.c). FLASH_SIZE 0x1FFF7A22, registers 0x40023C00.

    /// OPTCR fields (RM0090 3.9.10).
    public static let f4OptionFields: [SWDOptionField] = [
        SWDOptionField("rdp", .optcr, 8, 8, .rdp), SWDOptionField("bor_lev", .optcr, 2, 2, .number),
        SWDOptionField("wdg_sw", .optcr, 5), SWDOptionField("nrst_stop", .optcr, 6),
        SWDOptionField("nrst_stdby", .optcr, 7), SWDOptionField("nwrp", .optcr, 16, 12, .sectorMask),
    ]

    static func f4(_ deviceID: UInt16, _ name: String, dualBankCapable: Bool = false) -> STM32Part {
        STM32Part(
            deviceID, name, family: .f2f4, idcodeAddress: idcodeM4, flashSizeRegister: 0x1FFF_7A22, maxFlashKiB: 1024,
            controller: .init(
                .f4(fields: f4OptionFields, dualBankCapable: dualBankCapable), base: 0x4002_3C00))
    }

    static let f4Parts: [STM32Part] = [
        f4(0x413, "STM32F405/407/415/417"), f4(0x419, "STM32F42x/43x", dualBankCapable: true),
        f4(0x431, "STM32F411"), f4(0x433, "STM32F401xD/E"), f4(0x423, "STM32F401xB/C"), f4(0x411, "STM32F2xx"),
        f4(0x421, "STM32F446"), f4(0x441, "STM32F412"), f4(0x458, "STM32F410"), f4(0x463, "STM32F413/423"),
        f4(0x434, "STM32F469/479", dualBankCapable: true),
    ]

    // MARK: G0 (RM0444; openocd stm32l4x.c). FLASH_SIZE 0x1FFF75E0, a Cortex-M0+.

    static func g0(_ deviceID: UInt16, _ name: String, _ kind: STM32FlashControllerSpec.Kind) -> STM32Part {
        STM32Part(
            deviceID, name, family: .g0, idcodeAddress: idcodeM0plus, flashSizeRegister: 0x1FFF_75E0,
            maxFlashKiB: 512, controller: .init(kind, base: flashRegisters))
    }

    static let g0Parts: [STM32Part] = [
        g0(0x456, "STM32G05x/G06x", .page(.g0)), g0(0x460, "STM32G07x/G08x", .page(.g0)),
        g0(0x466, "STM32G03x/G04x", .page(.g0)),
        g0(
            0x467, "STM32G0Bx/G0Cx",
            .unsupported(reason: "STM32G0B/G0C (dual bank, BKER bit 13, BSY2) is not driven yet")),
    ]

    // MARK: G4 (RM0440; openocd stm32l4x.c). Only the Cat. 3 G47x/G48x has DBANK; the others
    // are one bank of 2 KiB pages.

    static let g4SingleBank = PageFlashFamily.g4.with {
        $0.banks = .single
        $0.bankEraseBit = nil
    }

    static func g4(_ deviceID: UInt16, _ name: String, _ row: PageFlashFamily) -> STM32Part {
        STM32Part(
            deviceID, name, family: .g4, idcodeAddress: idcodeM4, flashSizeRegister: 0x1FFF_75E0, maxFlashKiB: 512,
            controller: .init(.page(row), base: flashRegisters))
    }

    static let g4Parts: [STM32Part] = [
        STM32Part(
            STM32DeviceTable.g474, idcodeAddress: idcodeM4, maxFlashKiB: 512,
            controller: .init(.page(.g4), base: flashRegisters)),
        g4(0x468, "STM32G43x/G44x", g4SingleBank),
        // Cat. 4: 512 KiB in one bank of 256 pages of 2 KiB (openocd `stm32l4_probe`), so PNB
        // has 8 bits (openocd shifts the page number into CR unmasked).
        g4(0x479, "STM32G49x/G4Ax", g4SingleBank.with { $0.pageNumberBits = 8 }),
    ]

    // MARK: WB (RM0434; spec 3.4): registers 0x58004000, 4 KiB pages, CPU2's secure top.

    static let wbController = STM32FlashControllerSpec(.page(.wb), base: 0x5800_4000)

    static let wbParts: [STM32Part] = [
        STM32Part(STM32DeviceTable.wb55, idcodeAddress: idcodeM4, maxFlashKiB: 1024, controller: wbController),
        STM32Part(
            0x496, "STM32WB3x", family: .wb, idcodeAddress: idcodeM4, flashSizeRegister: 0x1FFF_75E0,
            maxFlashKiB: 1024, controller: wbController),
        // openocd `stm32l4x.c` DEVID_STM32WB1XX: 320 KiB at most, one bank of 2 KiB pages (the
        // WB55's are 4 KiB); SFSA counts these pages.
        STM32Part(
            0x494, "STM32WB1x", family: .wb, idcodeAddress: idcodeM4, flashSizeRegister: 0x1FFF_75E0,
            maxFlashKiB: 320,
            controller: .init(.page(PageFlashFamily.wb.with { $0.pageSize = 2048 }), base: 0x5800_4000)),
    ]

    // MARK: U5 (RM0456; openocd stm32l4x.c F_QUAD_WORD_PROG). FLASH_SIZE 0x0BFA07A0. Each line's
    // own largest size (the SWD route took 4 MiB for every U5 when FLASH_SIZE was blank).

    /// `maxKiB`: the line's largest size (openocd `max_flash_size_kb`).
    static func u5(
        _ deviceID: UInt16, _ name: String, maxKiB: Int, _ kind: STM32FlashControllerSpec.Kind
    ) -> STM32Part {
        STM32Part(
            deviceID, name, family: .u5, idcodeAddress: idcodeM33, flashSizeRegister: 0x0BFA_07A0, maxFlashKiB: maxKiB,
            controller: .init(kind, base: flashRegisters))
    }

    static let u5Parts: [STM32Part] = [
        // openocd `stm32l4_probe` (RM0456 7.3.1): always dual bank at the line's own largest size.
        u5(
            0x455, "STM32U535/545", maxKiB: 512,
            .page(PageFlashFamily.u5.with { $0.banks = .dualAtMax(maxKiB: 512, bit: 21) })),
        // openocd `stm32l4x.h`: DEVID_STM32U5F_U5GXX 0x476, DEVID_STM32U59_U5AXX 0x481.
        u5(
            0x476, "STM32U5Fx/5Gx", maxKiB: 4096,
            .unsupported(
                reason: "STM32U5Fx/U5Gx (4 MiB, 256 pages a bank) is not driven yet: PNB's width is UNCONFIRMED")),
        u5(
            0x481, "STM32U59x/5Ax", maxKiB: 4096,
            .unsupported(
                reason: "STM32U59x/U5Ax (4 MiB, 256 pages a bank) is not driven yet: PNB's width is UNCONFIRMED")),
        u5(0x482, "STM32U575/585", maxKiB: 2048, .page(.u5)),
    ]

    // MARK: H5 (RM0481). The Cortex-M33 is on AP1, AP0 is the debug mailbox (probe-rs's STM32H5
    // target description, tested on a NUCLEO-H563ZI; Black Magic Debug `stm32h5.c`). DBGMCU:
    // the M33 address, as stlink-org.

    static let h5Parts: [STM32Part] = [
        STM32Part(
            STM32DeviceTable.h563, idcodeAddress: idcodeM33, maxFlashKiB: 2048,
            controller: .init(.sector(.h5, banks: 2), base: flashRegisters), coreAccessPort: 1)
    ]

    // MARK: H7 (RM0433, RM0468; openocd stm32h7x.c). FLASH_SIZE 0x1FF1E880, registers 0x52002000.
    // H72x/H73x have one bank, H74x/H75x two.

    static func h7(_ deviceID: UInt16, _ name: String, _ kind: STM32FlashControllerSpec.Kind) -> STM32Part {
        STM32Part(
            deviceID, name, family: .h7, idcodeAddress: idcodeH7, flashSizeRegister: 0x1FF1_E880, maxFlashKiB: 2048,
            controller: .init(kind, base: 0x5200_2000))
    }

    static let h7Parts: [STM32Part] = [
        h7(0x450, "STM32H74x/75x", .sector(.h74x, banks: 2)), h7(0x483, "STM32H72x/73x", .sector(.h7, banks: 1)),
        h7(
            0x480, "STM32H7A/B",
            .unsupported(
                reason:
                    "STM32H7A/B has 8 KiB sectors and 128-bit flash words: not driven yet (UNCONFIRMED register rows)"
            )),
        /// STM32H7R/S (RM0477): 64 KiB of boot flash at 0x08000000, the application in external
        /// memory. Identified only. DEV_ID 0x485 and the FLASH_SIZE address are UNCONFIRMED.
        STM32Part(
            0x485, "STM32H7Rx/7Sx", family: .h7rs, idcodeAddress: idcodeH7, flashSizeRegister: 0x08FF_F80C,
            maxFlashKiB: 64,
            controller: .init(
                .unsupported(
                    reason: "STM32H7R/S: its 64 KiB boot flash controller is not driven yet, and the application "
                        + "lives in external memory, which needs ST's external loaders: out of Bootwire's scope"),
                base: 0x5202_2000)),
    ]

    // MARK: F1 (RM0008): the bootloader routes only; no SWD controller.

    static let f1Parts: [STM32Part] = [
        STM32Part(
            STM32DeviceTable.f103, idcodeAddress: idcodeM4,
            controller: .init(.unsupported(reason: nil), base: flashRegisters))
    ]

    // MARK: C0 (RM0490; openocd stm32l4x.c `stm32l4_parts`: DEVID 0x443 STM32C01xx and 0x453
    // STM32C03xx, max 32 KiB, registers 0x40022000, fsize_addr 0x1FFF75A0; `stm32l4_probe`: one
    // bank of 2 KiB pages, double-word programming). A Cortex-M0+: DBGMCU at 0x40015800. The
    // flash controller is G0's (RM0490 keeps RM0444's offsets, OPTR boot bits and WRP1A/B):
    // PNB's width there (7 bits) is taken as G0's, UNCONFIRMED against RM0490.

    /// G0's FLASH_ACR.EMPTY handling comes with the row: RM0490's EMPTY bit is taken as RM0444's
    /// (bit 16), UNCONFIRMED.
    static let c0Controller = STM32FlashControllerSpec(
        .page(PageFlashFamily.g0.with { $0.name = "STM32C0" }), base: flashRegisters)

    /// STM32C031 (AN2606 "STM32C031xx": bootloader on USART1/USART2/I2C1, no USB, so no DFU;
    /// bootloader ID 0x52). System memory 0x1FFF0000–0x1FFF17FF and the option area
    /// 0x1FFF7800–0x1FFF787F as stm32flash `dev_table.c` has them for the C0 line. Get is taken
    /// to report protocol 0x31 with L4's command list, as on other AN3155 v3.1 parts.
    /// UNCONFIRMED: the RAM the bootloader keeps (0x20000000–0x20001FFF, stm32loader's reading
    /// of AN2606), the UID address (0x1FFF7550, RM0490) and the times (the G0 datasheets':
    /// 64-bit program 85/125 µs, page erase 22/40 ms, mass erase 22.1/40 ms).
    public static let c031 = STM32Device(
        productID: 0x453, key: "c031", name: "STM32C03xx", referencePart: "STM32C031C6", family: .c0,
        bootloaderVersion: 0x31, commands: STM32DeviceTable.l476.commands, flashBase: 0x0800_0000,
        flashSize: 32 << 10, maxFlashSize: 32 << 10, pageSize: 2048, bankRule: .single, programUnit: 8,
        optionBytes: [STM32MemoryRange(0x1FFF_7800, size: 0x80)], optionLayout: .l4, writeProtectPagesPerBit: 0,
        ram: STM32MemoryRange(0x2000_0000, size: 12 << 10), firstFreeRAM: 0x2000_2000,
        systemMemory: STM32MemoryRange(0x1FFF_0000, size: 0x1800), flashSizeRegister: 0x1FFF_75A0,
        uniqueIDAddress: 0x1FFF_7550,
        times: STM32FlashTimes(pageErase: (22, 40), massErase: (22.1, 40), program: (0.085, 0.125)),
        hasMassErase: true, interfaces: .usart)

    static let c0Parts: [STM32Part] = [
        STM32Part(c031, idcodeAddress: idcodeM0plus, controller: c0Controller),
        // STM32C011 (0x443): over SWD only here; its bootloader row is not written yet.
        STM32Part(
            0x443, "STM32C01xx", family: .c0, idcodeAddress: idcodeM0plus, flashSizeRegister: 0x1FFF_75A0,
            maxFlashKiB: 32, controller: c0Controller),
    ]

    public static let all: [STM32Part] =
        f1Parts + l4Parts + f4Parts + g0Parts + g4Parts + wbParts + u5Parts + h5Parts + h7Parts + c0Parts

    public static func part(deviceID: UInt16) -> STM32Part? { all.first { $0.deviceID == deviceID } }

    /// The parts the bootloader routes (UART, DFU, the virtual bootloaders) know, in catalogue order.
    public static var bootloaderDevices: [STM32Device] { all.compactMap(\.bootloader) }

    /// Where DBGMCU IDCODE sits for this core (spec 2.2 table).
    public static func idcodeAddress(cpuid: UInt32) -> UInt32 {
        switch (cpuid >> 4) & 0xFFF {
        case 0xC20, 0xC60: idcodeM0plus
        case 0xD21: idcodeM33
        case 0xC27: idcodeH7
        default: idcodeM4
        }
    }
}

import BootwireCore

/// A span of the device's address space.
public struct STM32MemoryRange: Sendable, Equatable, CustomStringConvertible {
    public var start: UInt32
    public var size: Int

    public init(_ start: UInt32, size: Int) {
        self.start = start
        self.size = size
    }

    /// One past the last byte.
    public var end: UInt64 { UInt64(start) + UInt64(size) }

    /// True when all of [address, address + count) lies inside.
    public func contains(_ address: UInt32, count: Int = 1) -> Bool {
        address >= start && UInt64(address) + UInt64(max(count, 0)) <= end
    }

    public var description: String {
        "0x" + String(start, radix: 16, uppercase: true).leftPadded(8) + "+0x"
            + String(size, radix: 16, uppercase: true)
    }
}

public enum STM32Family: String, Sendable, CaseIterable {
    case f1 = "F1"
    case f2f4 = "F2/F4"
    case l4 = "L4"
    case g0 = "G0"
    case g4 = "G4"
    case wb = "WB"
    case u5 = "U5"
    case h5 = "H5"
    case h7 = "H7"
    case h7rs = "H7R/S"
    case c0 = "C0"
}

/// How a family's option bytes are laid out (decoded by `STM32OptionBytes`).
public enum STM32OptionLayout: String, Sendable {
    /// F1: 8 bytes, each followed by its complement: RDP, USER, DATA0, DATA1, WRP0…WRP3.
    case f1
    /// L4: 64-bit words (value, complement) per bank: OPTR, PCROP start/end, WRP area A/B.
    case l4
    /// G4: as L4 with a sixth slot per bank (SECxR), 48 bytes each; DBANK is OPTR bit 22.
    case g4
    /// WB: as L4 for one bank, plus the secure-flash word (SFSA) at +0x70.
    case wb
    /// H5: no option bytes in memory; the bootloader shows the option registers (OPTSR with
    /// PRODUCT_STATE instead of RDP). UNCONFIRMED.
    case h5
}

/// The interfaces a part's system bootloader listens on (AN2606, per part): the routes Bootwire
/// may take to it without a debugger.
public struct STM32BootloaderInterfaces: OptionSet, Sendable, Equatable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// USART (AN3155): `--chip stm32` on a serial port.
    public static let usart = Self(rawValue: 1 << 0)
    /// USB DFU (AN3156, DfuSe): only on parts with a USB device peripheral.
    public static let usbDFU = Self(rawValue: 1 << 1)
}

/// Flash work times, nanoseconds: the typical column drives the emulator, the maximum column the
/// host's timeouts. From the datasheets' flash characteristics tables (see each entry).
public struct STM32FlashTimes: Sendable, Equatable {
    public var pageEraseTypical: UInt64
    public var pageEraseMaximum: UInt64
    /// One bank.
    public var massEraseTypical: UInt64
    public var massEraseMaximum: UInt64
    /// One program unit (half-word on F1, double word on L4/WB, quad word on H5).
    public var programTypical: UInt64
    public var programMaximum: UInt64

    public init(
        pageErase: (typical: Double, maximum: Double), massErase: (typical: Double, maximum: Double),
        program: (typical: Double, maximum: Double)
    ) {
        func ns(_ ms: Double) -> UInt64 { UInt64(ms * 1_000_000) }
        pageEraseTypical = ns(pageErase.typical)
        pageEraseMaximum = ns(pageErase.maximum)
        massEraseTypical = ns(massErase.typical)
        massEraseMaximum = ns(massErase.maximum)
        programTypical = ns(program.typical)
        programMaximum = ns(program.maximum)
    }
}

/// One product id's parameters, as the bootloader shows the part: all numbers in one place
/// (`STM32DeviceTable`), read by the client and by the virtual device alike.
public struct STM32Device: Sendable, Equatable, STM32RowEditing {
    /// What Get ID returns.
    public var productID: UInt16
    /// The short name `bootwire emulate stm32 --device` takes.
    public var key: String
    /// The name tools print for this product id.
    public var name: String
    /// The part the virtual device stands for (flash size, RAM) and the numbers below assume.
    public var referencePart: String
    public var family: STM32Family
    /// The byte Get and Get Version report (0x22 = protocol v2.2, 0x31 = v3.1).
    public var bootloaderVersion: UInt8
    /// The command codes Get lists, in order.
    public var commands: [UInt8]
    public var flashBase: UInt32
    /// The reference part's flash; the FLASH_SIZE register gives the real size.
    public var flashSize: Int
    public var maxFlashSize: Int
    /// The erase unit (page or sector), the same size everywhere in flash on these parts.
    public var pageSize: Int
    /// How the flash splits into banks (`STM32BankRule`, shared with the SWD controllers). Bank
    /// 2's pages are numbered after bank 1's.
    public var bankRule: STM32BankRule
    /// Banks at `maxFlashSize` with the factory options.
    public var banks: Int { bankRule.maxBanks }
    /// The DUALBANK option byte chooses one or two banks on the parts below `maxFlashSize` (L4).
    public var dualBankOption: Bool {
        if case .dualAtMax = bankRule { return true }
        return false
    }
    /// Bytes programmed at once; flash ECC forbids programming a unit twice between erases.
    public var programUnit: Int
    /// Option bytes as Read Memory reaches them (L4: one area per bank).
    public var optionBytes: [STM32MemoryRange]
    public var optionLayout: STM32OptionLayout
    /// F1: pages one WRP bit protects.
    public var writeProtectPagesPerBit: Int
    public var ram: STM32MemoryRange
    /// The lowest RAM address the bootloader does not use.
    public var firstFreeRAM: UInt32
    public var systemMemory: STM32MemoryRange
    /// The 16-bit flash size in KiB (little-endian).
    public var flashSizeRegister: UInt32
    /// The 96-bit unique id.
    public var uniqueIDAddress: UInt32
    public var times: STM32FlashTimes
    /// The bootloader erases all of flash in one command (L0/L1 cannot: stm32flash's F_NO_ME).
    public var hasMassErase: Bool
    /// Where the bootloader listens (AN2606).
    public var interfaces: STM32BootloaderInterfaces = [.usart, .usbDFU]

    public var flash: STM32MemoryRange { STM32MemoryRange(flashBase, size: flashSize) }

    public func lists(_ command: STM32Command) -> Bool { commands.contains(command.rawValue) }

    /// The erase command this bootloader lists (it lists one of the two, never both).
    public var eraseCommand: STM32Command? {
        lists(.extendedErase) ? .extendedErase : lists(.erase) ? .erase : nil
    }
}

extension STM32Device {
    /// Refuses a route this part's bootloader does not listen on, before anything is opened.
    public func requireInterface(_ interface: STM32BootloaderInterfaces, route: String) throws {
        guard !interfaces.contains(interface) else { return }
        var routes: [String] = []
        if interfaces.contains(.usart) { routes.append("its UART bootloader (virtual:stm32\(key), or --chip stm32)") }
        routes.append("SWD through an ST-LINK")
        throw BootwireError(
            .routeUnsupported, "\(referencePart) has no \(route) bootloader (AN2606)",
            hint: "use " + routes.joined(separator: " or "), evidence: ["part": name, "route": route])
    }
}

/// The devices Bootwire knows, as data. Sources per column are in the spec's section 4; values
/// marked UNCONFIRMED there are marked here too.
public enum STM32DeviceTable {
    /// STM32F103x8/xB (medium density): its bootloader listens on USART1 only (AN2606; the part
    /// has no USB DFU bootloader). Times: STM32F103x8 datasheet, flash memory
    /// characteristics (tPROG 40–70 µs per half-word, tERASE and tME 20–40 ms).
    public static let f103 = STM32Device(
        productID: 0x410, key: "f103", name: "STM32F10xxx Medium-density", referencePart: "STM32F103C8",
        family: .f1, bootloaderVersion: 0x22,
        commands: [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x43, 0x63, 0x73, 0x82, 0x92],
        flashBase: 0x0800_0000, flashSize: 64 << 10, maxFlashSize: 128 << 10, pageSize: 1024, bankRule: .single,
        programUnit: 2,
        optionBytes: [STM32MemoryRange(0x1FFF_F800, size: 16)], optionLayout: .f1, writeProtectPagesPerBit: 4,
        ram: STM32MemoryRange(0x2000_0000, size: 20 << 10), firstFreeRAM: 0x2000_0200,
        systemMemory: STM32MemoryRange(0x1FFF_F000, size: 0x800), flashSizeRegister: 0x1FFF_F7E0,
        uniqueIDAddress: 0x1FFF_F7E8,
        times: STM32FlashTimes(pageErase: (20, 40), massErase: (20, 40), program: (0.0525, 0.070)),
        hasMassErase: true, interfaces: .usart)

    /// STM32L47x/L48x. 1 MB parts are always dual bank (2 × 256 pages of 2 KiB); 512/256 KB parts
    /// follow DUALBANK. Get reports the protocol version 0x31 (AN2606's own "bootloader version"
    /// for this part, V10.x, is another number and UNCONFIRMED). Times: STM32L476xx datasheet
    /// (64-bit program 81.7/90.8 µs, page erase 22.0/24.5 ms, bank mass erase 22.1/25 ms).
    public static let l476 = STM32Device(
        productID: 0x415, key: "l476", name: "STM32L47x/L48x", referencePart: "STM32L476RG",
        family: .l4, bootloaderVersion: 0x31,
        commands: [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44, 0x63, 0x73, 0x82, 0x92],
        flashBase: 0x0800_0000, flashSize: 1 << 20, maxFlashSize: 1 << 20, pageSize: 2048,
        bankRule: .dualAtMax(maxKiB: 1024, bit: 21), programUnit: 8,
        optionBytes: l4OptionBytes(banks: 2), optionLayout: .l4, writeProtectPagesPerBit: 0,
        ram: STM32MemoryRange(0x2000_0000, size: 96 << 10), firstFreeRAM: 0x2000_3100,
        systemMemory: STM32MemoryRange(0x1FFF_0000, size: 0x7000), flashSizeRegister: 0x1FFF_75E0,
        uniqueIDAddress: 0x1FFF_7590, times: l4Times, hasMassErase: true)

    /// L4 option bytes as RM0351 places them: bank 1 0x1FFF7800–0x1FFF7827 (OPTR, PCROP1 start
    /// and end, WRP1A, WRP1B: five value/complement slots, 40 bytes); bank 2's slots at the same
    /// offsets from 0x1FFFF800 (its first slot is reserved). 40 bytes is what real single-bank
    /// L4 DFU listings declare (`/0x1FFF7800/01*040 e`); a 48-byte read runs past the area and a
    /// ROM may refuse it (silicon notes).
    static func l4OptionBytes(banks: Int) -> [STM32MemoryRange] {
        [STM32MemoryRange(0x1FFF_7800, size: 0x28), STM32MemoryRange(0x1FFF_F800, size: 0x28)].prefix(banks).map { $0 }
    }

    /// STM32L4 datasheets (L476, L432, L452 alike): 64-bit program 81.7/90.8 µs, page erase
    /// 22.0/24.5 ms, bank mass erase 22.1/25 ms.
    static let l4Times = STM32FlashTimes(
        pageErase: (22.02, 24.47), massErase: (22.13, 25), program: (0.0817, 0.0908))

    /// A single-bank L4 (openocd `stm32l4_probe`: only 0x415 and 0x461 look at DUALBANK; on these
    /// parts OPTR bit 21 is reserved and reads 1 in the factory value 0xFFEFF8AA). The bootloader,
    /// RAM reserve and system memory are the L476's (AN2606 lists the same V10.x bootloader
    /// family); UNCONFIRMED per part.
    static func singleBankL4(
        productID: UInt16, key: String, name: String, referencePart: String, flashKiB: Int, maxFlashKiB: Int,
        ramKiB: Int
    ) -> STM32Device {
        STM32Device(
            productID: productID, key: key, name: name, referencePart: referencePart, family: .l4,
            bootloaderVersion: 0x31, commands: l476.commands, flashBase: 0x0800_0000, flashSize: flashKiB << 10,
            maxFlashSize: maxFlashKiB << 10, pageSize: 2048, bankRule: .single, programUnit: 8,
            optionBytes: l4OptionBytes(banks: 1), optionLayout: .l4, writeProtectPagesPerBit: 0,
            ram: STM32MemoryRange(0x2000_0000, size: ramKiB << 10), firstFreeRAM: 0x2000_3100,
            systemMemory: STM32MemoryRange(0x1FFF_0000, size: 0x7000), flashSizeRegister: 0x1FFF_75E0,
            uniqueIDAddress: 0x1FFF_7590, times: l4Times, hasMassErase: true)
    }

    /// STM32L43x/L44x (0x435): the L432KC has 256 KiB, 128 pages of 2 KiB in one bank.
    public static let l432 = singleBankL4(
        productID: 0x435, key: "l432", name: "STM32L43x/L44x", referencePart: "STM32L432KC", flashKiB: 256,
        maxFlashKiB: 256, ramKiB: 48)

    /// STM32L45x/L46x (0x462): the L452RE has 512 KiB, 256 pages of 2 KiB in one bank.
    public static let l452 = singleBankL4(
        productID: 0x462, key: "l452", name: "STM32L45x/L46x", referencePart: "STM32L452RE", flashKiB: 512,
        maxFlashKiB: 512, ramKiB: 128)

    /// STM32L41x/L42x (0x464): the L412KB has 128 KiB in one bank.
    public static let l412 = singleBankL4(
        productID: 0x464, key: "l412", name: "STM32L41x/L42x", referencePart: "STM32L412KB", flashKiB: 128,
        maxFlashKiB: 128, ramKiB: 32)

    /// STM32G47x/G48x (0x469): the G474RE has 512 KiB, with DBANK=1 (factory) two banks of 128
    /// pages of 2 KiB. Option bytes as RM0440 places them and real DFU listings declare them:
    /// 48 bytes at 0x1FFF7800 and 48 at 0x1FFFF800 (`/01*048 e/0x1FFFF800/01*048 e`).
    /// DBANK=0 is one bank of 4 KiB pages (RM0440 3.3.1; openocd), as the SWD route has it.
    /// UNCONFIRMED: the bootloader's bank-2 page numbering is taken as L4's (256 + k); the RAM
    /// reserve; the times (L4's).
    public static let g474 = STM32Device(
        productID: 0x469, key: "g474", name: "STM32G47x/G48x", referencePart: "STM32G474RE", family: .g4,
        bootloaderVersion: 0x31, commands: l476.commands, flashBase: 0x0800_0000, flashSize: 512 << 10,
        maxFlashSize: 512 << 10, pageSize: 2048,
        bankRule: .optionBit(bit: 22, singlePageSize: 4096), programUnit: 8,
        optionBytes: [STM32MemoryRange(0x1FFF_7800, size: 0x30), STM32MemoryRange(0x1FFF_F800, size: 0x30)],
        optionLayout: .g4, writeProtectPagesPerBit: 0,
        ram: STM32MemoryRange(0x2000_0000, size: 96 << 10), firstFreeRAM: 0x2000_4000,
        systemMemory: STM32MemoryRange(0x1FFF_0000, size: 0x7000), flashSizeRegister: 0x1FFF_75E0,
        uniqueIDAddress: 0x1FFF_7590, times: l4Times, hasMassErase: true)

    /// STM32WB55xx/WB35xx (stm32flash 0.7 labels 0x495 "STM32WB10xx/15xx"; the spec trusts
    /// 0x495 = WB5x). 4 KiB pages; pages from SFSA up hold the wireless stack and FUS and are
    /// not accessible. RAM reserve and FLASH_SIZE address UNCONFIRMED. Times: STM32WB55xx
    /// datasheet (as L4: 64-bit program 81.7/90.8 µs, page erase 22/24.5 ms). The bootloader's
    /// commands, system memory, FLASH_SIZE and UID addresses are the L476's; the row says what differs.
    public static let wb55 = l476.with {
        $0.productID = 0x495
        $0.key = "wb55"
        $0.name = "STM32WB55xx/WB35xx"
        $0.referencePart = "STM32WB55RG"
        $0.family = .wb
        $0.pageSize = 4096
        $0.bankRule = .single
        $0.optionBytes = [STM32MemoryRange(0x1FFF_8000, size: 128)]
        $0.optionLayout = .wb
        $0.ram = STM32MemoryRange(0x2000_0000, size: 192 << 10)
        $0.firstFreeRAM = 0x2000_5000
    }

    /// STM32H562/H563/H573: 2 banks × 1 MB of 8 KiB sectors, 128-bit flash words. Most of this
    /// entry is UNCONFIRMED in the spec: the option registers' window (0x40022040), the
    /// FLASH_SIZE and UID addresses, the RAM reserve, the sector numbering of bank 2 (taken
    /// as 128 + k like L4) and the times (erring long). It lists Get Checksum (0xA1), newer in
    /// AN3155; it lists no readout or write protection commands: H5 replaced RDP by a product
    /// state that the bootloader does not change (UNCONFIRMED).
    public static let h563 = STM32Device(
        productID: 0x484, key: "h563", name: "STM32H56x/H57x", referencePart: "STM32H563ZI",
        family: .h5, bootloaderVersion: 0x31,
        commands: [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44, 0xA1],
        flashBase: 0x0800_0000, flashSize: 2 << 20, maxFlashSize: 2 << 20, pageSize: 8192, bankRule: .dual,
        programUnit: 16,
        optionBytes: [STM32MemoryRange(0x4002_2040, size: 0x40)], optionLayout: .h5, writeProtectPagesPerBit: 0,
        ram: STM32MemoryRange(0x2000_0000, size: 640 << 10), firstFreeRAM: 0x2000_4000,
        systemMemory: STM32MemoryRange(0x0BF9_7000, size: 0x9000), flashSizeRegister: 0x08FF_F80C,
        uniqueIDAddress: 0x08FF_F800,
        times: STM32FlashTimes(pageErase: (20, 100), massErase: (1500, 8000), program: (0.1, 0.2)),
        hasMassErase: true)

    /// The catalogue's bootloader rows (`STM32PartCatalogue`): a part is added there, once.
    public static var all: [STM32Device] { STM32PartCatalogue.bootloaderDevices }

    public static func device(productID: UInt16) -> STM32Device? {
        all.first { $0.productID == productID }
    }

    /// By the short name (`l476`) or the reference part (`STM32L476RG`), case-insensitive.
    public static func device(named name: String) -> STM32Device? {
        let key = name.lowercased()
        return all.first { $0.key == key || $0.referencePart.lowercased() == key || "stm32" + $0.key == key }
    }
}

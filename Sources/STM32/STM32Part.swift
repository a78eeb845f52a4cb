/// The register-level flash controller of a part, as data: which driver pattern, where its
/// registers are, and the row of offsets, bits, option registers and quirks the driver reads.
public struct STM32FlashControllerSpec: Sendable {
    public enum Kind: Sendable {
        /// STM32L4/L4+: `L4FlashController` (the device row's geometry, the live FB_MODE mapping).
        case l4(PageFlashFamily)
        /// STM32F2/F4: `F4FlashController`; `dualBankCapable` for F42x/F43x/F469/F479 (RM0090 3.5:
        /// 2 MiB parts, and 1 MiB ones with DB1M set, have two banks of 12 sectors).
        case f4(fields: [SWDOptionField], dualBankCapable: Bool)
        /// The L4 pattern of G0, G4, U5, WB, C0: `PageFlashController`.
        case page(PageFlashFamily)
        /// The H7 pattern of H5 and H7: `SectorFlashController`, with the part's bank count.
        case sector(SectorFlashFamily, banks: Int)
        /// Identified only: no controller drives it, and why.
        case unsupported(reason: String?)
    }

    public var kind: Kind
    /// FLASH register block.
    public var base: UInt32

    public init(_ kind: Kind, base: UInt32) {
        self.kind = kind
        self.base = base
    }

    /// Bytes programmed at once, from the controller row: 8 double word, 16 quad word, 32 flash
    /// word (H7), 4 (F4 x32); nil where no controller drives the part.
    public var programUnit: Int? {
        switch kind {
        case .l4(let row), .page(let row): row.programUnit
        case .sector(let row, _): row.programUnit
        case .f4: 4
        case .unsupported: nil
        }
    }

    public var isDriven: Bool {
        if case .unsupported = kind { return false }
        return true
    }
}

/// One STM32 product (one DBGMCU DEV_ID) as data: how a debugger finds it, its flash and its
/// controller, and, where a bootloader route knows the part, the UART/DFU row (`STM32Device`:
/// commands, memory map, option-byte areas, datasheet times). `STM32PartCatalogue` holds one
/// row per DEV_ID; every route reads it.
public struct STM32Part: Sendable {
    public var deviceID: UInt16
    public var name: String
    public var family: STM32Family
    /// DBGMCU_IDCODE (spec 2.2 table; RM0444 for Cortex-M0+ parts, RM0456/RM0481 for M33).
    public var idcodeAddress: UInt32
    /// The 16-bit FLASH_SIZE register (KiB).
    public var flashSizeRegister: UInt32
    public var flashBase: UInt32
    /// Taken when FLASH_SIZE reads 0 or 0xFFFF (openocd: the line's largest size).
    public var maxFlashKiB: Int
    public var controller: STM32FlashControllerSpec
    /// The bootloader's view of this part (UART, DFU), when Bootwire has one.
    public var bootloader: STM32Device?
    /// The access port (ADIv5 APSEL) of the core's MEM-AP: 0, except where the part puts
    /// something else there (the STM32H5's debug mailbox; its Cortex-M33 is on AP1), as
    /// probe-rs's target descriptions state per part.
    public var coreAccessPort: UInt8 = 0

    /// A part the bootloader routes know: name, DEV_ID, FLASH_SIZE address, flash base and size
    /// come from its `STM32Device` row, stated once there.
    public init(
        _ device: STM32Device, idcodeAddress: UInt32, maxFlashKiB: Int? = nil, controller: STM32FlashControllerSpec,
        coreAccessPort: UInt8 = 0
    ) {
        deviceID = device.productID
        name = device.name
        family = device.family
        self.idcodeAddress = idcodeAddress
        flashSizeRegister = device.flashSizeRegister
        flashBase = device.flashBase
        self.maxFlashKiB = maxFlashKiB ?? device.maxFlashSize >> 10
        self.controller = controller
        bootloader = device
        self.coreAccessPort = coreAccessPort
    }

    /// A part only the SWD route knows.
    public init(
        _ deviceID: UInt16, _ name: String, family: STM32Family, idcodeAddress: UInt32, flashSizeRegister: UInt32,
        flashBase: UInt32 = 0x0800_0000, maxFlashKiB: Int, controller: STM32FlashControllerSpec
    ) {
        self.deviceID = deviceID
        self.name = name
        self.family = family
        self.idcodeAddress = idcodeAddress
        self.flashSizeRegister = flashSizeRegister
        self.flashBase = flashBase
        self.maxFlashKiB = maxFlashKiB
        self.controller = controller
        bootloader = nil
    }
}

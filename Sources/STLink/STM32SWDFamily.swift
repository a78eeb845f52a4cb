import STM32

/// Which register-level flash controller a family has (spec section 3).
public enum SWDFlashControllerKind: String, Sendable {
    case l4, f4, g0g4, wb, u5, h5, h7, h7rs
}

/// A part the SWD path identifies but the shared device table (`STM32DeviceTable`) does not hold:
/// its name and, for F42x/F43x/F469/F479, the second bank above 1 MiB.
public struct STM32SWDPart: Sendable, Equatable, ExpressibleByStringLiteral {
    public var name: String
    /// RM0090 3.5: 2 MiB parts (and 1 MiB ones with DB1M set) have two banks of 12 sectors.
    public var dualBankCapable = false

    public init(_ name: String, dualBankCapable: Bool = false) {
        self.name = name
        self.dualBankCapable = dualBankCapable
    }

    public init(stringLiteral name: String) { self.name = name }
}

/// One STM32 family as the SWD path sees it: how to find it (DEV_ID, where DBGMCU IDCODE and
/// the flash-size register are) and its flash controller. Data, one row per family (spec 2.2).
/// A part with a row in `STM32DeviceTable` (keyed by device ID, shared with the UART and DFU
/// routes) is named and shaped by that row; `deviceIDs` lists only the parts it lacks.
public struct STM32SWDFamily: Sendable {
    public var name: String
    /// Parts of this family that the device table does not hold.
    public var deviceIDs: [UInt16: STM32SWDPart]
    /// The device table's family whose rows belong to this one.
    public var tableFamily: STM32Family? = nil
    public var idcodeAddress: UInt32
    public var flashSizeRegister: UInt32
    public var controller: SWDFlashControllerKind
    public var controllerBase: UInt32
    public var flashBase: UInt32 = 0x0800_0000
    /// Erase unit for uniform-page families; F4/H7 sectors come from `SWDFlashLayout`.
    public var pageSize: Int
    public var maxFlashKiB: Int
    /// Bytes programmed at once: 8 double word, 16 quad word, 32 flash word (H7), 4 (F4 x32).
    public var programUnit: Int
    /// Rows whose controller is not written yet (only identified).
    public var programmable: Bool

    /// The shared device-table row for this device ID, when this family has it.
    public func device(deviceID: UInt16) -> STM32Device? {
        guard let tableFamily, let device = STM32DeviceTable.device(productID: deviceID), device.family == tableFamily
        else { return nil }
        return device
    }

    public func contains(deviceID: UInt16) -> Bool { deviceIDs[deviceID] != nil || device(deviceID: deviceID) != nil }

    public func partName(deviceID: UInt16) -> String? { device(deviceID: deviceID)?.name ?? deviceIDs[deviceID]?.name }

    public static let l4 = STM32SWDFamily(
        name: "STM32L4",
        // 0x461 has DUALBANK like 0x415 but no table row yet: it is programmed as an L476.
        deviceIDs: [0x461: "STM32L49x/L4Ax"], tableFamily: .l4,
        idcodeAddress: 0xE004_2000, flashSizeRegister: 0x1FFF_75E0, controller: .l4, controllerBase: 0x4002_2000,
        pageSize: 2048, maxFlashKiB: 1024, programUnit: 8, programmable: true)

    public static let f4 = STM32SWDFamily(
        name: "STM32F2/F4",
        deviceIDs: [
            0x413: "STM32F405/407/415/417", 0x419: STM32SWDPart("STM32F42x/43x", dualBankCapable: true),
            0x431: "STM32F411", 0x433: "STM32F401xD/E", 0x423: "STM32F401xB/C", 0x411: "STM32F2xx",
            0x421: "STM32F446", 0x441: "STM32F412", 0x458: "STM32F410", 0x463: "STM32F413/423",
            0x434: STM32SWDPart("STM32F469/479", dualBankCapable: true),
        ],
        idcodeAddress: 0xE004_2000, flashSizeRegister: 0x1FFF_7A22, controller: .f4, controllerBase: 0x4002_3C00,
        pageSize: 128 << 10, maxFlashKiB: 1024, programUnit: 4, programmable: true)

    // The rows below are driven by `PageFlashController` (G0, G4, WB, U5) and
    // `SectorFlashController` (H5, H7) from their register rows (`PageFlashFamily`,
    // `SectorFlashFamily`); `SWDFlashControllers` picks one per part.
    public static let g0 = STM32SWDFamily(
        name: "STM32G0",
        deviceIDs: [
            0x456: "STM32G05x/G06x", 0x460: "STM32G07x/G08x", 0x466: "STM32G03x/G04x",
            0x467: "STM32G0Bx/G0Cx",
        ],
        idcodeAddress: 0x4001_5800, flashSizeRegister: 0x1FFF_75E0, controller: .g0g4, controllerBase: 0x4002_2000,
        pageSize: 2048, maxFlashKiB: 512, programUnit: 8, programmable: true)
    public static let g4 = STM32SWDFamily(
        name: "STM32G4", deviceIDs: [0x468: "STM32G43x/G44x", 0x479: "STM32G49x/G4Ax"], tableFamily: .g4,
        idcodeAddress: 0xE004_2000, flashSizeRegister: 0x1FFF_75E0, controller: .g0g4, controllerBase: 0x4002_2000,
        pageSize: 2048, maxFlashKiB: 512, programUnit: 8, programmable: true)
    /// Pages from SFSA up belong to CPU2; the row reuses the device table's SFSA-aware geometry.
    public static let wb = STM32SWDFamily(
        name: "STM32WB", deviceIDs: [0x496: "STM32WB3x", 0x494: "STM32WB1x"], tableFamily: .wb,
        idcodeAddress: 0xE004_2000, flashSizeRegister: 0x1FFF_75E0, controller: .wb, controllerBase: 0x5800_4000,
        pageSize: 4096, maxFlashKiB: 1024, programUnit: 8, programmable: true)
    public static let u5 = STM32SWDFamily(
        name: "STM32U5",
        deviceIDs: [
            0x455: "STM32U535/545", 0x476: "STM32U59x/5Ax", 0x481: "STM32U5Fx/5Gx",
            0x482: "STM32U575/585",
        ],
        idcodeAddress: 0xE004_4000, flashSizeRegister: 0x0BFA_07A0, controller: .u5, controllerBase: 0x4002_2000,
        pageSize: 8192, maxFlashKiB: 4096, programUnit: 16, programmable: true)
    /// UNCONFIRMED: which DBGMCU address answers over AP0 on H5; the M33 one, as stlink-org.
    public static let h5 = STM32SWDFamily(
        name: "STM32H5", deviceIDs: [:], tableFamily: .h5,
        idcodeAddress: 0xE004_4000, flashSizeRegister: 0x08FF_F80C, controller: .h5, controllerBase: 0x4002_2000,
        pageSize: 8192, maxFlashKiB: 2048, programUnit: 16, programmable: true)
    public static let h7 = STM32SWDFamily(
        name: "STM32H7", deviceIDs: [0x450: "STM32H74x/75x", 0x483: "STM32H72x/73x", 0x480: "STM32H7A/B"],
        idcodeAddress: 0x5C00_1000, flashSizeRegister: 0x1FF1_E880, controller: .h7, controllerBase: 0x5200_2000,
        pageSize: 128 << 10, maxFlashKiB: 2048, programUnit: 32, programmable: true)
    /// STM32H7R/S (RM0477): 64 KiB of boot flash at 0x08000000, the application in external
    /// memory. Identified only: its flash controller's registers are UNCONFIRMED here, and
    /// external memory needs ST's external loaders (out of scope). DEV_ID 0x485 and the
    /// FLASH_SIZE address are UNCONFIRMED.
    public static let h7rs = STM32SWDFamily(
        name: "STM32H7R/S", deviceIDs: [0x485: "STM32H7Rx/7Sx"],
        idcodeAddress: 0x5C00_1000, flashSizeRegister: 0x08FF_F80C, controller: .h7rs, controllerBase: 0x5202_2000,
        pageSize: 8192, maxFlashKiB: 64, programUnit: 16, programmable: false)

    public static let all: [STM32SWDFamily] = [l4, f4, g0, g4, wb, u5, h5, h7, h7rs]

    public static func family(deviceID: UInt16) -> STM32SWDFamily? {
        all.first { $0.contains(deviceID: deviceID) }
    }

    /// Where DBGMCU IDCODE sits for this core (spec 2.2 table).
    public static func idcodeAddress(cpuid: UInt32) -> UInt32 {
        switch (cpuid >> 4) & 0xFFF {
        case 0xC20, 0xC60: 0x4001_5800
        case 0xD21: 0xE004_4000
        case 0xC27: 0x5C00_1000
        default: 0xE004_2000
        }
    }
}

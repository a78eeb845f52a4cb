import ArmDebug
import STM32

/// What the SWD path learned about the part (spec 2.2).
public struct STM32SWDIdentity: Sendable {
    public var dpidr: UInt32
    public var cpuid: UInt32
    public var idcode: UInt32
    /// The catalogue row of this DEV_ID.
    public var part: STM32Part?
    public var flashSize: Int
    /// The access port the core answered on (the H5's is 1).
    public var accessPort: UInt8 = 0
    /// The 96-bit unique device ID as it reads (`STM32Part.uniqueIDAddress`), when it reads.
    public var uniqueID: [UInt8]?

    public var deviceID: UInt16 { UInt16(idcode & 0xFFF) }
    public var revisionID: UInt16 { UInt16(idcode >> 16) }
    public var core: String { CortexDebug.coreName(cpuid: cpuid) }
    public var partName: String { part?.name ?? "unknown STM32 (DEV_ID 0x\(String(deviceID, radix: 16)))" }
}

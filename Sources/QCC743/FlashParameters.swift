import BootwireCore

/// The 84-byte SPI-flash configuration block (spec 9.2): the payload tail of flash_set_para
/// (0x3B), the content of the vendor's `flash_para.bin`, and bytes 12..95 of every boot header.
///
/// Every field is kept, named, so that `bytes` re-encodes the block exactly: the boot ROM reads
/// this block raw, and a flasher that silently dropped or reordered a byte would misconfigure
/// the flash controller.
public struct FlashParameters: Sendable, Equatable {
    public static let size = 84

    /// bits 0-3 interface mode (0 NIO, 1 DO, 2 QO, 3 DIO, 4 QIO), bit 4 unwrap, bit 5 32-bit
    /// addressing; boot headers use 0x10/0x11.
    public var ioMode: UInt8
    public var continuousReadSupport: UInt8
    public var clockDelay: UInt8
    public var clockInvert: UInt8

    public var resetEnableCommand: UInt8
    public var resetCommand: UInt8
    public var exitContinuousReadCommand: UInt8
    public var exitContinuousReadCommandSize: UInt8

    public var jedecIDCommand: UInt8
    public var jedecIDDummyClocks: UInt8
    public var enter32BitAddressCommand: UInt8
    public var exit32BitAddressCommand: UInt8

    /// In KiB.
    public var sectorSizeKiB: UInt8
    /// The flash manufacturer id this block was made for. 0x00 or 0xFF means "any", which is
    /// why the image-versus-config check (spec 9.2, last paragraph) skips those values.
    public var manufacturerID: UInt8
    public var pageSize: UInt16

    public var chipEraseCommand: UInt8
    public var sectorEraseCommand: UInt8
    public var block32KEraseCommand: UInt8
    public var block64KEraseCommand: UInt8

    public var writeEnableCommand: UInt8
    public var pageProgramCommand: UInt8
    public var quadPageProgramCommand: UInt8
    public var quadPageProgramAddressMode: UInt8

    /// Fast-read command / dummy-clock pairs, in block order: fast, QPI fast, dual output,
    /// dual IO, quad output, quad IO, QPI quad IO.
    public var fastReadCommand: UInt8
    public var fastReadDummyClocks: UInt8
    public var qpiFastReadCommand: UInt8
    public var qpiFastReadDummyClocks: UInt8
    public var fastReadDualOutputCommand: UInt8
    public var fastReadDualOutputDummyClocks: UInt8
    public var fastReadDualIOCommand: UInt8
    public var fastReadDualIODummyClocks: UInt8
    public var fastReadQuadOutputCommand: UInt8
    public var fastReadQuadOutputDummyClocks: UInt8
    public var fastReadQuadIOCommand: UInt8
    public var fastReadQuadIODummyClocks: UInt8
    public var qpiFastReadQuadIOCommand: UInt8
    public var qpiFastReadQuadIODummyClocks: UInt8
    public var qpiPageProgramCommand: UInt8
    public var writeVolatileRegisterEnableCommand: UInt8

    /// Status-register index and bit position of write-enable-latch, quad-enable and busy.
    public var writeEnableRegisterIndex: UInt8
    public var quadEnableRegisterIndex: UInt8
    public var busyRegisterIndex: UInt8
    public var writeEnableBit: UInt8
    public var quadEnableBit: UInt8
    public var busyBit: UInt8
    public var writeEnableRegisterWriteLength: UInt8
    public var writeEnableRegisterReadLength: UInt8
    public var quadEnableRegisterWriteLength: UInt8
    public var quadEnableRegisterReadLength: UInt8
    public var releasePowerDownCommand: UInt8
    public var busyRegisterReadLength: UInt8
    /// Read-status-register commands, one per register index.
    public var readRegisterCommands: [UInt8]
    /// Write-status-register commands, one per register index.
    public var writeRegisterCommands: [UInt8]

    public var enterQPICommand: UInt8
    public var exitQPICommand: UInt8
    public var continuousReadModeCode: UInt8
    public var continuousReadExitCode: UInt8

    public var burstWrapCommand: UInt8
    public var burstWrapDummyClocks: UInt8
    public var burstWrapDataMode: UInt8
    public var burstWrapData: UInt8
    public var disableBurstWrapCommand: UInt8
    public var disableBurstWrapDummyClocks: UInt8
    public var disableBurstWrapDataMode: UInt8
    public var disableBurstWrapData: UInt8

    /// Worst-case operation times in milliseconds; the boot ROM uses them as busy-wait limits,
    /// and a host can use the erase times to size its own timeouts.
    public var sectorEraseMilliseconds: UInt16
    public var block32KEraseMilliseconds: UInt16
    public var block64KEraseMilliseconds: UInt16
    public var pageProgramMilliseconds: UInt16
    /// Block offset 80 ("timece"): newer vendor tools patch this one from their config.
    public var chipEraseMilliseconds: UInt16
    public var powerDownDelay: UInt8
    public var quadEnableData: UInt8

    /// Parses the 84-byte block. Any other length is `.badImage`.
    public init(bytes: [UInt8]) throws {
        var reader = try ByteReader(bytes, exactly: Self.size, of: "a flash parameter block")
        ioMode = reader.u8()
        continuousReadSupport = reader.u8()
        clockDelay = reader.u8()
        clockInvert = reader.u8()
        resetEnableCommand = reader.u8()
        resetCommand = reader.u8()
        exitContinuousReadCommand = reader.u8()
        exitContinuousReadCommandSize = reader.u8()
        jedecIDCommand = reader.u8()
        jedecIDDummyClocks = reader.u8()
        enter32BitAddressCommand = reader.u8()
        exit32BitAddressCommand = reader.u8()
        sectorSizeKiB = reader.u8()
        manufacturerID = reader.u8()
        pageSize = reader.u16()
        chipEraseCommand = reader.u8()
        sectorEraseCommand = reader.u8()
        block32KEraseCommand = reader.u8()
        block64KEraseCommand = reader.u8()
        writeEnableCommand = reader.u8()
        pageProgramCommand = reader.u8()
        quadPageProgramCommand = reader.u8()
        quadPageProgramAddressMode = reader.u8()
        fastReadCommand = reader.u8()
        fastReadDummyClocks = reader.u8()
        qpiFastReadCommand = reader.u8()
        qpiFastReadDummyClocks = reader.u8()
        fastReadDualOutputCommand = reader.u8()
        fastReadDualOutputDummyClocks = reader.u8()
        fastReadDualIOCommand = reader.u8()
        fastReadDualIODummyClocks = reader.u8()
        fastReadQuadOutputCommand = reader.u8()
        fastReadQuadOutputDummyClocks = reader.u8()
        fastReadQuadIOCommand = reader.u8()
        fastReadQuadIODummyClocks = reader.u8()
        qpiFastReadQuadIOCommand = reader.u8()
        qpiFastReadQuadIODummyClocks = reader.u8()
        qpiPageProgramCommand = reader.u8()
        writeVolatileRegisterEnableCommand = reader.u8()
        writeEnableRegisterIndex = reader.u8()
        quadEnableRegisterIndex = reader.u8()
        busyRegisterIndex = reader.u8()
        writeEnableBit = reader.u8()
        quadEnableBit = reader.u8()
        busyBit = reader.u8()
        writeEnableRegisterWriteLength = reader.u8()
        writeEnableRegisterReadLength = reader.u8()
        quadEnableRegisterWriteLength = reader.u8()
        quadEnableRegisterReadLength = reader.u8()
        releasePowerDownCommand = reader.u8()
        busyRegisterReadLength = reader.u8()
        readRegisterCommands = reader.bytes(4)
        writeRegisterCommands = reader.bytes(4)
        enterQPICommand = reader.u8()
        exitQPICommand = reader.u8()
        continuousReadModeCode = reader.u8()
        continuousReadExitCode = reader.u8()
        burstWrapCommand = reader.u8()
        burstWrapDummyClocks = reader.u8()
        burstWrapDataMode = reader.u8()
        burstWrapData = reader.u8()
        disableBurstWrapCommand = reader.u8()
        disableBurstWrapDummyClocks = reader.u8()
        disableBurstWrapDataMode = reader.u8()
        disableBurstWrapData = reader.u8()
        sectorEraseMilliseconds = reader.u16()
        block32KEraseMilliseconds = reader.u16()
        block64KEraseMilliseconds = reader.u16()
        pageProgramMilliseconds = reader.u16()
        chipEraseMilliseconds = reader.u16()
        powerDownDelay = reader.u8()
        quadEnableData = reader.u8()
    }

    /// The block re-encoded, field by field, in the order `init(bytes:)` read it.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.size)
        out += [ioMode, continuousReadSupport, clockDelay, clockInvert]
        out += [resetEnableCommand, resetCommand, exitContinuousReadCommand, exitContinuousReadCommandSize]
        out += [jedecIDCommand, jedecIDDummyClocks, enter32BitAddressCommand, exit32BitAddressCommand]
        out += [sectorSizeKiB, manufacturerID] + LE.u16(pageSize)
        out += [chipEraseCommand, sectorEraseCommand, block32KEraseCommand, block64KEraseCommand]
        out += [writeEnableCommand, pageProgramCommand, quadPageProgramCommand, quadPageProgramAddressMode]
        out += [
            fastReadCommand, fastReadDummyClocks, qpiFastReadCommand, qpiFastReadDummyClocks,
            fastReadDualOutputCommand, fastReadDualOutputDummyClocks, fastReadDualIOCommand,
            fastReadDualIODummyClocks, fastReadQuadOutputCommand, fastReadQuadOutputDummyClocks,
            fastReadQuadIOCommand, fastReadQuadIODummyClocks, qpiFastReadQuadIOCommand,
            qpiFastReadQuadIODummyClocks, qpiPageProgramCommand, writeVolatileRegisterEnableCommand,
        ]
        out += [
            writeEnableRegisterIndex, quadEnableRegisterIndex, busyRegisterIndex,
            writeEnableBit, quadEnableBit, busyBit,
            writeEnableRegisterWriteLength, writeEnableRegisterReadLength,
            quadEnableRegisterWriteLength, quadEnableRegisterReadLength,
            releasePowerDownCommand, busyRegisterReadLength,
        ]
        out += Self.fourBytes(readRegisterCommands) + Self.fourBytes(writeRegisterCommands)
        out += [enterQPICommand, exitQPICommand, continuousReadModeCode, continuousReadExitCode]
        out += [burstWrapCommand, burstWrapDummyClocks, burstWrapDataMode, burstWrapData]
        out += [disableBurstWrapCommand, disableBurstWrapDummyClocks, disableBurstWrapDataMode, disableBurstWrapData]
        out += LE.u16(sectorEraseMilliseconds) + LE.u16(block32KEraseMilliseconds)
        out += LE.u16(block64KEraseMilliseconds) + LE.u16(pageProgramMilliseconds)
        out += LE.u16(chipEraseMilliseconds) + [powerDownDelay, quadEnableData]
        return out
    }

    /// The register command arrays are public and mutable; keep the block 84 bytes whatever
    /// a caller stored in them.
    private static func fourBytes(_ values: [UInt8]) -> [UInt8] {
        Array((values + [0, 0, 0, 0]).prefix(4))
    }

    /// The vendor's `chips/qcc743/efuse_bootheader/flash_para.bin` (QConn's `flash_para`),
    /// used when the user gives no block of their own.
    public static let vendorDefault = try! FlashParameters(bytes: vendorDefaultBytes)

    /// Byte for byte the vendor's 84-byte file: QIO, GigaDevice (0xC8) command set, 4 KiB
    /// sectors, chip erase 33 s.
    public static let vendorDefaultBytes: [UInt8] = [
        0x04, 0x01, 0x00, 0x00, 0x66, 0x99, 0xFF, 0x03, 0x9F, 0x00, 0xB7, 0xE9, 0x04, 0xC8, 0x00, 0x01,
        0xC7, 0x20, 0x52, 0xD8, 0x06, 0x02, 0x32, 0x00, 0x0B, 0x01, 0x0B, 0x01, 0x3B, 0x01, 0xBB, 0x00,
        0x6B, 0x01, 0xEB, 0x02, 0xEB, 0x02, 0x02, 0x50, 0x00, 0x01, 0x00, 0x01, 0x01, 0x00, 0x02, 0x01,
        0x02, 0x01, 0xAB, 0x01, 0x05, 0x35, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x38, 0xFF, 0xA0, 0xFF,
        0x77, 0x03, 0x02, 0x40, 0x77, 0x03, 0x02, 0xF0, 0x2C, 0x01, 0xB0, 0x04, 0xB0, 0x04, 0x05, 0x00,
        0xE8, 0x80, 0x14, 0x00,
    ]
}

/// The first u32 of the flash_set_para (0x3B) payload (spec 9.1): how the boot ROM should wire
/// and clock the flash before it can use the 84-byte block that follows.
public struct FlashSetWord: Sendable, Equatable {
    /// bits 5..0 pin configuration (0x08 = sf3, GPIO10-15), bit 6 second flash, bit 7 "take
    /// the pin from boot info" (a config-file convention, resolved before sending).
    public var pin: UInt8
    /// bits 7..4 clock source, bits 3..0 divider.
    public var clockConfig: UInt8
    /// 0 NIO, 1 DO, 2 QO, 3 DIO, 4 QIO.
    public var ioMode: UInt8
    /// 0 = 0.5T, 1 = 1T, 2 = 1.5T, 3 = 2T.
    public var clockDelay: UInt8

    public init(pin: UInt8, clockConfig: UInt8, ioMode: UInt8, clockDelay: UInt8) {
        self.pin = pin
        self.clockConfig = clockConfig
        self.ioMode = ioMode
        self.clockDelay = clockDelay
    }

    public init(rawValue: UInt32) {
        pin = UInt8(rawValue & 0xFF)
        clockConfig = UInt8((rawValue >> 8) & 0xFF)
        ioMode = UInt8((rawValue >> 16) & 0xFF)
        clockDelay = UInt8(rawValue >> 24)
    }

    public var rawValue: UInt32 {
        UInt32(pin) | UInt32(clockConfig) << 8 | UInt32(ioMode) << 16 | UInt32(clockDelay) << 24
    }

    /// What QConn sends: pin 8, xtal/1, dual output, 1T.
    public static let qconn = FlashSetWord(rawValue: 0x0101_4108)
}

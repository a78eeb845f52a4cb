import BootwireCore

/// Makes unsigned BL616 images (boot header + padding + body) for the project's own examples
/// and tests. An unsigned image boots only on a module whose eFuse sign_cfg is 0; ST's locked
/// modules reject it, which is exactly what some examples need to demonstrate.
public struct UnsignedImageBuilder: Sendable {
    public var flashConfig: FlashParameters = .stImageDefault
    public var clockConfig: ClockConfig = .stImageDefault
    /// Sign, encryption and segmentation bits are overridden by `header(for:)`: this builder
    /// only makes plain, single-blob images.
    public var bootConfig: BootConfig = Self.defaultBootConfig
    /// Where the body starts; at least 256 (the header). ST uses 0x1000 for applications.
    public var groupImageOffset: UInt32 = 0x1000
    /// XIP address of flash offset 0 plus the image's offset: ST's images use 0xA0000000.
    public var bootEntry: UInt32 = 0xA000_0000

    /// ST's images' boot cfg word (0x72CD0101) without sign and crc_ignore.
    public static let defaultBootConfig = BootConfig(rawValue: 0x72CC_0100)

    public init() {}

    /// A header describing `body`, with correct lengths, hash and CRCs.
    public func header(for body: [UInt8]) throws -> BootHeader {
        guard groupImageOffset >= BootHeader.size else {
            throw BootwireError(
                .badConfig, "the body must start after the 256-byte header",
                evidence: ["group_image_offset": Hex.address(groupImageOffset, uppercase: true)])
        }
        guard body.count <= Int(UInt32.max) else {
            throw BootwireError(.imageTooLarge, "the body does not fit a 32-bit length")
        }
        var config = bootConfig
        config.sign = 0
        config.encryptType = 0
        config.noSegment = true
        config.crcIgnore = false
        config.hashIgnore = false

        var header = BootHeader(headerBytes: BootHeader.magic + [UInt8](repeating: 0, count: BootHeader.size - 4))
        header.revision = 1
        header.flashConfigTagBytes = BootHeader.flashConfigTag
        header.flashConfig = flashConfig
        header.clockConfigTagBytes = BootHeader.clockConfigTag
        header.clockConfig = clockConfig
        header.bootConfig = config
        header.groupImageOffset = groupImageOffset
        header.imageLengthOrSegmentCount = UInt32(body.count)
        header.imageHash = SHA256Digest.of(body)
        header.cpuConfig = 1  // config_enable = 1, halt_cpu = 0, as ST's images
        header.bootEntry = bootEntry
        return header.withFreshCRCs()
    }

    /// The whole file: header, zeros up to `groupImageOffset`, body.
    public func image(body: [UInt8]) throws -> [UInt8] {
        let header = try header(for: body)
        let padding = [UInt8](repeating: 0, count: Int(groupImageOffset) - BootHeader.size)
        return header.bytes + padding + body
    }
}

extension FlashParameters {
    /// The block ST's images carry in their boot headers: the vendor's flash_para.bin changed
    /// to dual-output IO with 1T clock delay and mfg_id 0x00 ("any flash"), so one image boots
    /// whatever flash chip the module was built with.
    public static let stImageDefault: FlashParameters = {
        var parameters = FlashParameters.vendorDefault
        parameters.ioMode = 0x11
        parameters.continuousReadSupport = 0
        parameters.clockDelay = 1
        parameters.clockInvert = 1
        parameters.manufacturerID = 0
        parameters.continuousReadModeCode = 0x20
        parameters.continuousReadExitCode = 0xF0
        parameters.pageProgramMilliseconds = 50
        parameters.chipEraseMilliseconds = 30000
        return parameters
    }()
}

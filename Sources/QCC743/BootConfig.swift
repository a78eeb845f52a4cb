/// The boot cfg word at boot-header offset 120 (spec 13): how the boot ROM (or boot2) must
/// treat the image. Kept as the raw word with named views, so unknown bits survive a round trip.
public struct BootConfig: Sendable, Equatable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// 0 none, 1 ECDSA P-256. Non-zero means a public key and signature follow the header.
    public var sign: UInt8 {
        get { field(0, 2) }
        set { setField(0, 2, newValue) }
    }
    /// 0 none, 1 AES-128, 2 AES-256, 3 AES-192.
    public var encryptType: UInt8 {
        get { field(2, 2) }
        set { setField(2, 2, newValue) }
    }
    public var keySelect: UInt8 {
        get { field(4, 2) }
        set { setField(4, 2, newValue) }
    }
    public var xtsMode: Bool {
        get { flag(6) }
        set { setFlag(6, newValue) }
    }
    public var aesRegionLock: Bool {
        get { flag(7) }
        set { setFlag(7, newValue) }
    }
    /// Set: the body is one contiguous blob of `img_len_cnt` bytes (all of ST's images).
    /// Clear: `img_len_cnt` counts segments instead, and the body hash covers segment data.
    public var noSegment: Bool {
        get { flag(8) }
        set { setFlag(8, newValue) }
    }
    public var boot2Enable: Bool {
        get { flag(9) }
        set { setFlag(9, newValue) }
    }
    public var boot2Rollback: Bool {
        get { flag(10) }
        set { setFlag(10, newValue) }
    }
    public var cpuMasterID: UInt8 {
        get { field(11, 4) }
        set { setField(11, 4, newValue) }
    }
    public var notLoadInBootROM: Bool {
        get { flag(15) }
        set { setFlag(15, newValue) }
    }
    /// The ROM skips the header CRC check. ST's images set it yet still carry correct CRCs.
    public var crcIgnore: Bool {
        get { flag(16) }
        set { setFlag(16, newValue) }
    }
    public var hashIgnore: Bool {
        get { flag(17) }
        set { setFlag(17, newValue) }
    }
    public var powerOnMM: Bool {
        get { flag(18) }
        set { setFlag(18, newValue) }
    }
    public var emSelect: UInt8 {
        get { field(19, 3) }
        set { setField(19, 3, newValue) }
    }
    public var commandsEnable: Bool {
        get { flag(22) }
        set { setFlag(22, newValue) }
    }
    public var commandsWrapMode: UInt8 {
        get { field(23, 2) }
        set { setField(23, 2, newValue) }
    }
    public var commandsWrapLength: UInt8 {
        get { field(25, 4) }
        set { setField(25, 4, newValue) }
    }
    public var icacheInvalidate: Bool {
        get { flag(29) }
        set { setFlag(29, newValue) }
    }
    public var dcacheInvalidate: Bool {
        get { flag(30) }
        set { setFlag(30, newValue) }
    }
    public var fpgaHaltRelease: Bool {
        get { flag(31) }
        set { setFlag(31, newValue) }
    }

    private func field(_ shift: UInt32, _ width: UInt32) -> UInt8 {
        UInt8((rawValue >> shift) & ((1 << width) - 1))
    }

    private mutating func setField(_ shift: UInt32, _ width: UInt32, _ value: UInt8) {
        let mask: UInt32 = ((1 << width) - 1) << shift
        rawValue = (rawValue & ~mask) | ((UInt32(value) << shift) & mask)
    }

    private func flag(_ bit: UInt32) -> Bool { rawValue & (1 << bit) != 0 }

    private mutating func setFlag(_ bit: UInt32, _ value: Bool) {
        rawValue = value ? rawValue | (1 << bit) : rawValue & ~(1 << bit)
    }
}

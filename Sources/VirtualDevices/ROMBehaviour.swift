import BootwireCore

/// Where real QCC743/BL616 boot ROMs may differ from the spec's reading, one switch each, so
/// the virtual module can be every plausible ROM (facts and sources: the shared silicon notes;
/// the switches and their sources are listed in docs/qcc743-timing.md). `silicon` sets the
/// pessimistic side of each. Written `key=value` in `virtual:qcc743,…` and `emulate --rom`.
public struct ROMBehaviour: Sendable, Equatable {
    /// When the `OK` of a flash_write (0x31) or flash_decompress_write (0x3F) goes out.
    public enum Acknowledge: String, Sendable, CaseIterable {
        /// After the pages are programmed (the spec's reading).
        case after
        /// At once, then the programming (BL602 eflash loader): the next frame waits for it.
        case before
    }

    /// How an erase reports that it is still running.
    public enum Pending: String, Sendable, CaseIterable {
        /// `PD` once per second of erase.
        case second
        /// `PD` before each sector or block of a 0x30 erase, and each second of a chip erase
        /// (BL602 eflash loader).
        case sector
        /// No `PD` at all (BL808 as blisp sees it): the host waits in silence.
        case none
    }

    /// The length of the get_boot_info reply.
    public enum BootInfoLayout: String, Sendable, CaseIterable {
        /// 28 bytes, ROM 02001606 (both ST logs).
        case a1
        /// 24 bytes, ROM 01001606 (public BL616 a0 log). This ROM has no set_timeout (0x23):
        /// the vendor writes its UART timeout register with memory_write instead.
        case a0
    }

    /// Which column of the flash datasheet erases and page programs take.
    public enum EraseTimes: String, Sendable, CaseIterable {
        case typical
        case max
    }

    /// What the ROM does with 0x55 bytes once synced. The vendor streams its sync burst, so the
    /// bytes after the ROM's `OK` must be skipped (spec section 4); whether the ROM also skips
    /// 0x55 between later frames is UNCONFIRMED. Bootwire's fill after a garbled frame header
    /// relies on neither.
    public enum Stray55: String, Sendable, CaseIterable {
        /// Skipped wherever a frame could start; a fresh burst after a frame is answered `OK`.
        case skip
        /// Skipped only until the first other byte after a sync; later, read as frame bytes.
        case frame
    }

    /// UART silence after which the ROM waits for a sync again (set_timeout changes it).
    public var idleTimeoutMilliseconds = 2000
    /// flash_xip_readSha / flash_readSha throughput: BL616 a0 logs show about 1.29 MB/s.
    public var hashBytesPerSecond = 1_290_000
    public var acknowledge = Acknowledge.after
    /// After answering clk_set, the UART hears nothing for this long while it switches.
    public var deafAfterClockSetMilliseconds = 0
    public var pending = Pending.second
    public var bootInfo = BootInfoLayout.a1
    public var eraseTimes = EraseTimes.typical
    public var stray55 = Stray55.skip

    public init() {}

    /// The pessimistic side of every switch at once.
    public static var silicon: ROMBehaviour {
        var rom = ROMBehaviour()
        rom.acknowledge = .before
        rom.deafAfterClockSetMilliseconds = 100
        rom.pending = .none
        rom.bootInfo = .a0
        rom.eraseTimes = .max
        rom.stray55 = .frame
        return rom
    }

    public var timings: FlashTimings { eraseTimes == .max ? .maxSPINOR : .typicalSPINOR }

    /// Every switch as it is written, with its values: the one table help and docs print.
    public static let switches: [(key: String, values: String, meaning: String)] = [
        ("silicon", "", "the pessimistic side of every switch below"),
        ("idle-ms", "N", "silence before the ROM waits for a sync again (default 2000)"),
        ("hash-rate", "BYTES/S", "SHA-256 throughput (default 1290000, measured on BL616)"),
        ("ack", "after|before", "OK of 0x31/0x3F after or before the programming (silicon: before)"),
        ("clk-deaf-ms", "N", "deaf time after clk_set (default 0; silicon: 100)"),
        ("pd", "second|sector|none", "PD cadence during erases (default second; silicon: none)"),
        ("boot-info", "a1|a0", "28-byte a1 or 24-byte a0 boot info (silicon: a0)"),
        ("erase-times", "typical|max", "datasheet column for erase and program (silicon: max)"),
        ("stray-55", "skip|frame", "0x55 between frames skipped, or read as frame bytes (silicon: frame)"),
    ]

    /// Applies one `key[=value]` setting. Returns false when the key is not a ROM switch (it may
    /// be a fault or a wire option).
    public mutating func apply(_ setting: String) throws -> Bool {
        try apply(VirtualOption(parsing: setting))
    }

    public mutating func apply(_ option: VirtualOption) throws -> Bool {
        let key = option.key
        func need<T: RawRepresentable & CaseIterable>(_ type: T.Type) throws -> T where T.RawValue == String {
            try option.choice(type)
        }
        func number() throws -> Int { try option.integer(in: 0...Int(Int32.max), "\(key)=N, a whole number") }
        switch key {
        case "silicon":
            try option.flag()
            self = .silicon
        case "idle-ms": idleTimeoutMilliseconds = try number()
        case "hash-rate": hashBytesPerSecond = max(1, try number())
        case "ack": acknowledge = try need(Acknowledge.self)
        case "clk-deaf-ms": deafAfterClockSetMilliseconds = try number()
        case "pd": pending = try need(Pending.self)
        case "boot-info": bootInfo = try need(BootInfoLayout.self)
        case "erase-times": eraseTimes = try need(EraseTimes.self)
        case "stray-55": stray55 = try need(Stray55.self)
        default: return false
        }
        return true
    }

    /// `silicon,ack=after` → the behaviour; settings apply left to right.
    public static func parse(_ settings: [String]) throws -> ROMBehaviour {
        var rom = ROMBehaviour()
        for setting in settings where !setting.isEmpty {
            guard try rom.apply(setting) else {
                throw BootwireError(
                    .usage, "unknown ROM switch `\(setting)`",
                    hint: "switches: "
                        + switches.map { $0.values.isEmpty ? $0.key : "\($0.key)=\($0.values)" }
                        .joined(separator: ", "))
            }
        }
        return rom
    }
}

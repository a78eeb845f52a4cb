/// How long Bootwire waits for each boot-ROM command. On silicon the work is the device's, so a
/// wait shorter than the vendor's buys nothing and risks giving up on (or repeating) work still
/// running: each wait is the larger of the vendor's figure for the same command and what the
/// work and the wire need. The vendor's figures are bflb-flash-command-uart 1.4.3.post1
/// (`libs/bflb_eflash_loader.py`, `chips/bl616/eflash_loader/eflash_loader_cfg.conf`);
/// docs/qcc743-timing.md lists each beside Bootwire's.
public struct ISPTimeouts: Sendable, Equatable {
    /// Multiplies the vendor's figures. 1 on every real port; 0 leaves only what the work and
    /// the wire need, for tests that inject faults into virtual devices and must not wait 30 s
    /// for a chunk a reset device will never answer.
    public var patience: Double

    public init(patience: Double = 1) {
        self.patience = max(0, patience)
    }

    /// `host_rx_timeout = 2`: the vendor's wait for every answer it has no other rule for.
    public static let vendorDefault = 2.0
    /// `flash_read_sha_main_process_xip` raises the wait to 4 s for xip start, hash and finish.
    public static let vendorHashMinimum = 4.0
    /// `erase_time_out = 100000` (ms): 0x30 and 0x3C, from the first byte sent, `PD` or not.
    public static let vendorErase = 100.0
    /// `flash_load_main_process`: 30 s per decompress-write chunk and for the write check
    /// ("avoid chip decompress data cause timeout"): a chunk's programming may delay the next `OK`.
    public static let vendorCompressedChunk = 30.0
    /// `set_clock_pll` sleeps 10 ms after clk_set's `OK`, `run_step3_read_mac_addr` 100 ms more.
    public static let vendorClockSwitchMilliseconds = 110

    /// A command the ROM answers at once; `wire` is the frame and the largest reply on the wire.
    public func command(wire: Double) -> Double {
        max(Self.vendorDefault * patience, wire)
    }

    /// flash_xip_readSha / flash_readSha of `length` bytes. The vendor: 4 s, and 2 × (length /
    /// 2 MiB + 1) s above 2 MiB. Ours: 1 MB/s, below the 1.29 MB/s measured on BL616.
    public func hash(length: Int) -> Double {
        let twoMiB = Double(2 << 20)
        let vendor = max(
            Self.vendorHashMinimum, Double(length) > twoMiB ? 2 * (Double(length) / twoMiB + 1) : 0)
        return max(vendor * patience, 0.5 + Double(length) / 1_000_000)
    }

    /// The xip start and finish around a hash.
    public var hashBracket: Double { max(Self.vendorHashMinimum * patience, 0.5) }

    /// flash_erase of `sectors` 4 KiB sectors: 400 ms each is the datasheet maximum; each `PD`
    /// restarts Bootwire's wait, not the vendor's.
    public func erase(sectors: Int) -> Double {
        max(Self.vendorErase * patience, 0.5 + Double(sectors) * 0.4)
    }

    /// flash_chiperase: the datasheet maximum is 50 s for this class of part.
    public var chipErase: Double { max(Self.vendorErase * patience, 60) }

    /// One decompress-write chunk (or the write check after the last), `work` being what the
    /// pages it programs and the wire need.
    public func compressedChunk(work: Double) -> Double {
        max(Self.vendorCompressedChunk * patience, work)
    }

    /// One plain flash_write chunk.
    public func plainWrite(work: Double) -> Double {
        max(Self.vendorDefault * patience, work)
    }

    /// The wait after clk_set's `OK` before the first frame at the new rate (not a timeout:
    /// always the vendor's).
    public var afterClockSetMilliseconds: Int { Self.vendorClockSwitchMilliseconds }
}

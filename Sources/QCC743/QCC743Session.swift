import BootwireCore

/// How to reach the boot ROM.
public struct ConnectOptions: Sendable {
    /// The rate of the reset, the sync and get_boot_info (`speed_uart_boot`).
    public var bootBaud = 500_000
    /// The rate after clk_set (`speed_uart_load`); equal to bootBaud skips clk_set.
    public var loadBaud = 2_000_000
    public var bootSequence = BootSequence(steps: [])
    public var syncAttempts = 3
    /// Go on at lower rates when the link is lost after the switch.
    public var fallback = true
    /// The ROM's UART idle timeout (spec 10): after this much silence it waits for a sync again.
    public var idleTimeoutMilliseconds = 2000
    /// Multiplies the vendor's per-command waits (`ISPTimeouts`): 1 on real ports.
    public var patience = 1.0
    /// The rate a previous session may have left the module's ROM at (adapter memory): tried
    /// when nothing answers the sync and no reset line can restart the ROM.
    public var previousSessionBaud: Int?

    public init() {}
}

/// The module as it introduced itself.
public struct DeviceIdentity: Sendable, Equatable {
    public var bootInfo: BootInfo
    public var mac: [UInt8]
    public var jedecID: [UInt8]
    public var flashSize: Int
    public var loadBaud: Int
    /// The chip's facts (sector, flash_set word, compression threshold): the one its ROM id
    /// names, the ST67W611M1's QCC743 when the id is not known.
    public var chip: BouffaloChip = .qcc743
}

/// A connected ST67W611M1 boot ROM session (spec section 7). Every method blocks.
public final class QCC743Session {
    public let client: ISPClient
    public let identity: DeviceIdentity
    public let events: EventSink
    private var link: any Link { client.link }
    private var flashParametersSent = false

    /// The rate the link was first asked to carry and could not, when the session fell back.
    public let baudLimitedFrom: Int?

    private init(client: ISPClient, identity: DeviceIdentity, events: @escaping EventSink, baudLimitedFrom: Int?) {
        self.client = client
        self.identity = identity
        self.events = events
        self.baudLimitedFrom = baudLimitedFrom
    }

    /// Connects to the boot ROM: boot entry, sync at the boot rate, boot info, the switch to the
    /// load rate, MAC, flash parameters, JEDEC id. When the link is lost right after the switch,
    /// the same session goes on at the next lower rate (2 000 000 → 1 000 000 → 500 000) and says so.
    public static func connect(
        link: any Link, options: ConnectOptions, recovering: Bool = false, events: @escaping EventSink
    ) throws -> QCC743Session {
        events(.stage("connect", detail: "\(link.name) at \(options.bootBaud) baud"))
        let client = ISPClient(link: link)
        client.timeouts = ISPTimeouts(patience: options.patience)
        let rates =
            options.fallback ? fallbackRates(from: options.loadBaud, boot: options.bootBaud) : [options.loadBaud]
        var lost: [Int] = []
        for rate in rates {
            let bootInfo = try handshake(
                link: link, client: client, options: options, recovering: recovering || !lost.isEmpty, events: events)
            do {
                let identity = try identify(
                    client: client, bootInfo: bootInfo, loadBaud: rate, options: options, events: events)
                if let highest = lost.first {
                    events(
                        .note(
                            .warning(
                                .adapterBaudLimit,
                                "the link does not carry \(highest) baud; this session ran at \(rate) baud "
                                    + "(use a better adapter, or --baud \(rate) to skip the attempt)")))
                }
                return QCC743Session(client: client, identity: identity, events: events, baudLimitedFrom: lost.first)
            } catch let error as BootwireError where error.code == .linkLostAfterBaudChange && rate != rates.last {
                lost.append(rate)
                client.forgetResends()
                events(.diagnosis(error))
            }
        }
        throw BootwireError(.internalError, "no rate left to try")
    }

    /// The load rate, then halved while above the boot rate, then the boot rate itself.
    static func fallbackRates(from load: Int, boot: Int) -> [Int] {
        var rates = [load]
        var rate = load / 2
        while rate > boot {
            rates.append(rate)
            rate /= 2
        }
        if load != boot { rates.append(boot) }
        return rates
    }

    /// Boot entry and sync until an exact `OK`, then get_boot_info. A recovering handshake
    /// (after a lost link or a reset) first waits out the ROM's idle timeout when the boot
    /// entry cannot reset the device.
    static func handshake(
        link: any Link, client: ISPClient, options: ConnectOptions, recovering: Bool, events: @escaping EventSink
    ) throws -> BootInfo {
        for note in try link.configure(baud: options.bootBaud, parity: .none) where !recovering { events(.note(note)) }
        var attempts: [[UInt8]] = []
        var entry = BootEntryReport()
        let manualDeadline = link.clock.after(seconds: 30)
        let canReset = options.bootSequence.drivesModemLines && link.capabilities.modemLines
        var reattachTried = false
        while true {
            let first = attempts.isEmpty && !recovering
            entry = try BootEntry.drive(
                first || canReset ? options.bootSequence : BootSequence(steps: []), on: link,
                events: first ? events : { _ in })
            if recovering && !canReset && !attempts.isEmpty {
                // The ROM drops back to waiting for sync after 2 s of silence (spec 10).
                link.clock.sleep(milliseconds: options.idleTimeoutMilliseconds * 11 / 10)
            }
            let reply = try sync(link: link, baud: options.bootBaud)
            attempts.append(reply)
            if reply == ISPResponse.okBytes { break }
            if !recovering && !canReset && !reattachTried && SyncEvidence.classify(reply) == .nothing {
                // Nothing can have restarted the ROM: it may still be in the last session, at
                // that session's rate, deaf to a sync at the boot rate.
                reattachTried = true
                if let rate = options.previousSessionBaud, rate != options.bootBaud,
                    let info = try reattach(link: link, client: client, baud: rate)
                {
                    events(
                        .note(
                            .info(
                                "the module was still in its boot ROM from the last session, at \(rate) baud: "
                                    + "re-attached there")))
                    return info
                }
                // Or it still counts our bursts as activity: let it time out and sync afresh.
                try link.configure(baud: options.bootBaud, parity: .none)
                link.clock.sleep(milliseconds: options.idleTimeoutMilliseconds * 11 / 10)
                continue
            }
            let giveUp =
                options.bootSequence.isManual ? manualDeadline.hasPassed : attempts.count >= options.syncAttempts
            if giveUp {
                throw SyncEvidence.failure(
                    attempts, baud: options.bootBaud, entry: entry,
                    previousSessionBaud: canReset ? nil : options.previousSessionBaud)
            }
        }
        if reattachTried {
            events(
                .note(
                    .info(
                        "the boot ROM answered once the line had been silent past its idle timeout "
                            + "(it may have been in an earlier session)")))
        } else if attempts.count > 1 {
            events(.note(.info("boot ROM answered on attempt \(attempts.count)")))
        }
        let infoBytes = try client.exchange(ISPFrame(.getBootInfo, checksummed: false))
        guard let bootInfo = BootInfo(bytes: infoBytes) else {
            throw BootwireError(
                .protocolError, "boot info has \(infoBytes.count) bytes, not 28 (a1) or 24 (a0)",
                hint: "this is not a QCC743/BL616 boot ROM", evidence: ["received": Hex.string(infoBytes)])
        }
        if !recovering {
            if bootInfo.chipFamily == nil {
                events(
                    .note(
                        .warning(
                            .unexpectedChip,
                            "boot ROM version \(bootInfo.romVersion) is not a known QCC743/BL616 revision")))
            }
            events(
                .note(
                    .info(
                        "boot ROM \(bootInfo.romVersion) (\(bootInfo.chipFamily ?? "unknown")), chip id \(bootInfo.chipID)"
                    )))
        }
        return bootInfo
    }

    /// A ROM left in command mode at `baud` answers get_boot_info there. Tried twice: the
    /// first frame may land behind bytes the ROM took for the start of another.
    static func reattach(link: any Link, client: ISPClient, baud: Int) throws -> BootInfo? {
        try link.configure(baud: baud, parity: .none)
        for _ in 0..<2 {
            try link.flushInput()
            if let bytes = try? client.exchange(
                ISPFrame(.getBootInfo, checksummed: false), timeout: 0.3, retry: .never),
                let info = BootInfo(bytes: bytes)
            {
                return info
            }
            _ = try? link.readUntilQuiet(quietMilliseconds: 20, deadline: link.clock.after(milliseconds: 200))
        }
        client.forgetResends()
        return nil
    }

    /// clk_set to the load rate, then MAC, flash_set and JEDEC id at that rate.
    static func identify(
        client: ISPClient, bootInfo: BootInfo, loadBaud: Int, options: ConnectOptions, events: @escaping EventSink
    ) throws -> DeviceIdentity {
        let link = client.link
        if loadBaud != options.bootBaud {
            try client.exchange(ISPFrame(.clockSet, payload: LE.u32(1) + LE.u32(UInt32(loadBaud))))
            try link.drain()
            for note in try link.configure(baud: loadBaud, parity: .none) { events(.note(note)) }
            // The ROM's own switch time is not known; the vendor gives it 110 ms.
            link.clock.sleep(milliseconds: client.timeouts.afterClockSetMilliseconds)
            try link.flushInput()
        }
        let macReply: [UInt8]
        do {
            // The first exchange at the new rate: the vendor's wait, but tried once only, so a
            // lost link is noticed after one wait rather than four.
            macReply = try client.exchange(
                ISPFrame(.efuseReadMAC, checksummed: false), timeout: client.timeouts.command(wire: 0.5),
                retry: loadBaud != options.bootBaud ? .whenRejected : .always)
        } catch let error as BootwireError where error.code == .timeout && loadBaud != options.bootBaud {
            throw BootwireError(
                .linkLostAfterBaudChange,
                "the module went silent right after switching from \(options.bootBaud) to \(loadBaud) baud",
                hint: "the adapter or bridge cannot carry \(loadBaud) baud (CP2102 and PL2303HX top out near 1 Mbaud, "
                    + "some CH340 boards and STLINK-V2 VCPs at 1-2 Mbaud); use --baud \(loadBaud / 2), or an FTDI FT232R/FT232H",
                evidence: error.evidence.merging(["load-baud": "\(loadBaud)", "boot-baud": "\(options.bootBaud)"]) {
                    a, _ in a
                })
        }
        guard macReply.count == 10, CRC32.checksum(macReply[0..<6]) == LE.u32(macReply, at: 6) else {
            throw BootwireError(
                .protocolError, "the MAC address reply failed its CRC",
                hint: "bytes are being corrupted; try a lower --baud",
                evidence: ["received": Hex.string(macReply)])
        }
        let chip = BouffaloChip.answering(romVersion: bootInfo.romVersion) ?? .qcc743
        let flashSet = chip.flashSet(pin: bootInfo.flashPin)
        try client.exchange(ISPFrame(.flashSetParameters, payload: LE.u32(flashSet.rawValue)))
        let jedec = try client.exchange(ISPFrame(.flashReadJEDEC, checksummed: false))
        guard jedec.count == 4, jedec[0..<3] != [0, 0, 0], let size = FlashSize.bytes(jedecCapacity: jedec[2]) else {
            throw BootwireError(
                .protocolError, "the flash did not identify itself (JEDEC id \(Hex.string(jedec)))",
                hint: "the flash pin configuration may be wrong for this module", evidence: ["jedec": Hex.string(jedec)]
            )
        }
        events(.note(.info("flash \(Hex.string(jedec[0..<3])), \(size / 1024 / 1024) MiB; link at \(loadBaud) baud")))
        return DeviceIdentity(
            bootInfo: bootInfo, mac: Array(macReply[0..<6]), jedecID: jedec, flashSize: size, loadBaud: loadBaud,
            chip: chip)
    }

    /// Runs `body` on a connected session; when the module stops answering mid-session (it
    /// reset, or the link lost sync), reconnects and runs `body` again. Bodies are written to
    /// be repeatable: a flash job skips what is already verified on the device.
    public static func run<T>(
        link: any Link, options: ConnectOptions, events: @escaping EventSink, recoveries: Int = 2,
        _ body: (QCC743Session) throws -> T
    ) throws -> T {
        var session = try connect(link: link, options: options, events: events)
        var left = recoveries
        var resent = 0
        var rejected = 0
        defer {
            resent += session.client.resentFrames
            rejected += session.client.checksumRejections
            if resent > 0 {
                events(
                    .note(
                        .warning(
                            .lineNoise,
                            "\(resent) frames were sent again (\(rejected) rejected by the device as malformed): "
                                + "the line corrupts or loses bytes; a lower --baud or a shorter cable helps")))
            }
        }
        while true {
            do {
                return try body(session)
            } catch let error as BootwireError
                where left > 0 && ([.timeout, .protocolError].contains(error.code) || ISPClient.isRejection(error))
            {
                // A frame still rejected as malformed after its resends: a corrupted length
                // field left the ROM's parser out of step with ours (it reads the rest of our
                // frame as frames). Nothing was acted on; a fresh sync puts both in step.
                resent += session.client.resentFrames
                rejected += session.client.checksumRejections
                left -= 1
                events(
                    .note(
                        .warning(
                            .deviceReset,
                            "the module stopped answering mid-session (\(error.message)); reconnecting and resuming")))
                var again = options
                again.loadBaud = session.identity.loadBaud
                again.fallback = false
                session = try connect(link: link, options: again, recovering: true, events: events)
            }
        }
    }

    /// One sync attempt: a burst of 0x55 long enough for the ROM to measure (6 ms of line
    /// time, as the vendor sends), then whatever comes back within 100 ms.
    static func sync(link: any Link, baud: Int) throws -> [UInt8] {
        try link.flushInput()
        let count = min(max(baud * 6 / 10_000, 32), 1200)
        try link.write([UInt8](repeating: 0x55, count: count))
        let reply = try link.readUntilQuiet(
            quietMilliseconds: 15, deadline: link.clock.after(milliseconds: 100 + count * 10_000 / baud))
        return reply
    }

    // MARK: flash

    /// The 84-byte SPI-flash parameters, sent once before the first erase or write (the
    /// vendor repeats it before every file; once per session is what the ROM needs).
    /// (flash_para.bin; the vendor's default). Nil skips the call, as the vendor does for a
    /// block whose mfg_id is 0xFF.
    public var flashParameters: [UInt8]? = FlashParameters.vendorDefaultBytes

    private func sendFlashParametersOnce() throws {
        guard !flashParametersSent, let parameters = flashParameters else { return }
        let flashSet = identity.chip.flashSet(pin: identity.bootInfo.flashPin)
        try client.exchange(ISPFrame(.flashSetParameters, payload: LE.u32(flashSet.rawValue) + parameters))
        flashParametersSent = true
    }

    public func sha256(address: Int, length: Int) throws -> [UInt8] {
        let timeouts = client.timeouts
        try client.exchange(ISPFrame(.xipReadStart, checksummed: false), timeout: timeouts.hashBracket)
        // Never sent twice: a hash still running would queue a second one behind it. Silence
        // ends the attempt; the session then waits and resynchronises.
        let digest = try client.exchange(
            ISPFrame(.flashXIPReadSHA, payload: LE.u32(UInt32(address)) + LE.u32(UInt32(length))),
            timeout: timeouts.hash(length: length), retry: .whenRejected)
        try client.exchange(ISPFrame(.xipReadFinish, checksummed: false), timeout: timeouts.hashBracket)
        guard digest.count == 32 else {
            throw BootwireError(
                .protocolError, "SHA-256 reply has \(digest.count) bytes", evidence: ["received": Hex.string(digest)])
        }
        return digest
    }

    /// Erases [start, end) (rounded out to sectors by the device).
    public func erase(start: Int, end: Int) throws {
        guard end > start else { return }
        try sendFlashParametersOnce()
        // A ROM may send no PD at all; an erase still running is never sent again.
        let sectors = identity.chip.sectors(from: start, to: end)
        try client.exchange(
            ISPFrame(.flashErase, payload: LE.u32(UInt32(start)) + LE.u32(UInt32(end - 1))),
            timeout: client.timeouts.erase(sectors: sectors), retry: .whenRejected)
    }

    public func chipErase() throws {
        try sendFlashParametersOnce()
        try client.exchange(
            ISPFrame(.flashChipErase, checksummed: false), timeout: client.timeouts.chipErase, retry: .whenRejected)
    }

    /// Writes `data` at `address`: xz "decompress write" chunks when larger than the chip's
    /// `compressAbove` (4 KiB, the vendor's rule) and smaller compressed, plain writes otherwise. `compressed` is the xz stream of `data` when the
    /// caller made it ahead of time. Progress counts the image's bytes (the plain bytes the stream
    /// sent so far yields), not bytes on the wire: a bar beside the summary's rate must agree with it.
    public func write(_ data: [UInt8], at address: Int, compressed: [UInt8]?, label: String) throws {
        try sendFlashParametersOnce()
        let start = link.clock.now()
        func report(_ done: Int, _ total: Int) {
            let seconds = link.clock.seconds(since: start)
            events(
                .progress(
                    label: label, done: done, total: total, bytesPerSecond: seconds > 0 ? Double(done) / seconds : 0))
        }
        // Compressed when that puts fewer bytes on the wire; incompressible data goes plain.
        let large = data.count > identity.chip.compressAbove
        if let stream = try compressed ?? (large ? XZ.compress(data) : nil), stream.count < data.count {
            try writeCompressed(stream, plainSize: data.count, at: address, report: report)
        } else {
            // Plain writes are harmless to repeat (the same bytes ANDed again), so silence is retried too.
            try sendAdaptively(
                total: data.count, retry: .unlessRejected,
                frame: { range in
                    ISPFrame(.flashWrite, payload: LE.u32(UInt32(address + range.lowerBound)) + data[range])
                },
                timeout: { range in
                    self.client.timeouts.plainWrite(
                        work: self.client.quickTimeout(frameBytes: range.count + 8) + Double((range.count + 255) / 256)
                            * 0.005)
                },
                report: { report($0, data.count) })
            try client.exchange(ISPFrame(.flashWriteCheck, checksummed: false))
        }
    }

    private func writeCompressed(_ stream: [UInt8], plainSize: Int, at address: Int, report: (Int, Int) -> Void) throws
    {
        // Each chunk's wait follows the pages it makes the device program (5 ms per page is the
        // flash's worst case): our own stream, decoded, says how many plain bytes each part yields.
        let yield = try PlainYield(stream)
        let baud = link.settings.baud
        var restarts = 0
        while true {
            do {
                // A chunk the device acted on must not be sent twice: a lost answer is not
                // retried here but ends the session's attempt (it then resumes by hash).
                try sendAdaptively(
                    total: stream.count, retry: .never, fillOnSilence: true,
                    frame: { range in
                        let field = UInt32(address + range.lowerBound) | (range.lowerBound == 0 ? 0x8000_0000 : 0)
                        return ISPFrame(.flashDecompressWrite, payload: LE.u32(field) + stream[range])
                    },
                    timeout: { range in
                        // A ROM that answers before programming makes this chunk wait for the
                        // previous one's pages too: the vendor's 30 s covers both.
                        self.client.timeouts.compressedChunk(
                            work: 0.5 + Double(range.count + 12) * 10 / Double(max(baud, 9600))
                                + Double(yield.plainBytes(range) / 256 + 2) * 0.005)
                    },
                    report: { report(min(plainSize, yield.plainBytes(0..<$0)), plainSize) })
                try client.exchange(
                    ISPFrame(.flashWriteCheck, checksummed: false),
                    timeout: client.timeouts.compressedChunk(work: 0.5 + Double(plainSize / 256 + 2) * 0.005))
                return
            } catch let error as BootwireError
                where restarts < 3
                && ISPDeviceError.of(error).map(
                    [ISPDeviceError.flashDecompressWriteError, .flashWriteXZError].contains)
                    == true
            {
                // Programming the same bytes again over them is harmless on NOR flash (AND).
                restarts += 1
                events(
                    .note(
                        .info(
                            "compressed write at 0x\(String(address, radix: 16)) restarted (\(ISPDeviceError.of(error)?.wireName ?? ""))"
                        )))
                _ = try? link.readUntilQuiet(quietMilliseconds: 5, deadline: link.clock.after(milliseconds: 30))
                try link.flushInput()
            }
        }
    }

    /// Sends `total` bytes in chunks that halve when the line corrupts frames (a rejected frame
    /// was not acted on, so sending it again, smaller, is safe) and grow back once it is clean.
    /// `range`, shortened when its frame's checksum byte would be 0: that is the value the ROM
    /// does not check (spec 5.1: its own layer sends 0), so such a chunk would go unverified over
    /// a noisy line and a flipped bit would be programmed. Dropping a trailing 0xFF keeps the sum
    /// (the length falls by one as the byte's 255 goes), hence the loop, bounded.
    static func checkedChunk(_ range: Range<Int>, frame: (Range<Int>) -> ISPFrame) -> Range<Int> {
        var candidate = range
        while frame(candidate).checksum == 0 && candidate.count > 1 && range.count - candidate.count < 64 {
            candidate = candidate.lowerBound..<candidate.upperBound - 1
        }
        return frame(candidate).checksum == 0 ? range : candidate
    }

    private func sendAdaptively(
        total: Int, retry: ISPClient.Retry, fillOnSilence: Bool = false, frame: (Range<Int>) -> ISPFrame,
        timeout: (Range<Int>) -> Double, report: (Int) -> Void
    ) throws {
        var size = ISPFrame.maxDataChunk
        var clean = 0
        var rejected = 0
        var offset = 0
        while offset < total {
            let range = Self.checkedChunk(offset..<min(offset + size, total), frame: frame)
            do {
                try client.exchange(frame(range), timeout: timeout(range), retry: retry, fillOnSilence: fillOnSilence)
            } catch let error as BootwireError where ISPClient.isRejection(error) && rejected < Self.rejectionsPerChunk
            {
                rejected += 1
                try client.prepareResend(after: error)
                size = max(Self.smallestChunk, size / 2)
                clean = 0
                continue
            }
            offset = range.upperBound
            rejected = 0
            clean += 1
            if clean >= 8 && size < ISPFrame.maxDataChunk {
                size *= 2
                clean = 0
            }
            report(offset)
        }
    }

    static let smallestChunk = 128
    static let rejectionsPerChunk = 12

    public func read(address: Int, length: Int, label: String) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(length)
        let start = link.clock.now()
        while out.count < length {
            let count = min(ISPFrame.maxDataChunk, length - out.count)
            let chunk = try client.exchange(
                ISPFrame(.flashRead, payload: LE.u32(UInt32(address + out.count)) + LE.u32(UInt32(count))))
            guard chunk.count == count else {
                throw BootwireError(.protocolError, "read returned \(chunk.count) bytes, not \(count)")
            }
            out += chunk
            let seconds = link.clock.seconds(since: start)
            events(
                .progress(
                    label: label, done: out.count, total: length,
                    bytesPerSecond: seconds > 0 ? Double(out.count) / seconds : 0))
        }
        return out
    }

    // MARK: eFuse

    public func readEfuse(address: Int = 0, length: Int = EfuseMap.size) throws -> [UInt8] {
        try client.exchange(ISPFrame(.efuseRead, payload: LE.u32(UInt32(address)) + LE.u32(UInt32(length))))
    }

    public func writeEfuse(_ data: [UInt8], at address: Int) throws {
        try client.exchange(ISPFrame(.efuseWrite, payload: LE.u32(UInt32(address)) + data))
    }
}

import BootwireCore
import QCC743

/// The ST67W611M1's QCC743 (BL616) boot ROM as seen from its UART: silent until a burst of
/// 0x55, then `OK`, then framed commands (spec sections 4–12, device checklist section 17).
/// Bytes and modelled time in, actions out; a `VirtualDeviceRunner` connects it to a pty.
public final class VirtualQCC743: VirtualDevice, @unchecked Sendable {
    public struct Configuration: Sendable {
        public var romVersion: [UInt8] = [0x02, 0x00, 0x16, 0x06]
        /// Boot info bytes 18..27, which the spec leaves unexplained (seed A's values).
        public var bootInfoTrailer: [UInt8] = [0x1C, 0x00, 0x8F, 0x75, 0x80, 0x90, 0xE8, 0x80, 0x5B, 0xE3]
        public var jedecID: [UInt8] = [0xC4, 0x60, 0x16, 0x00]
        /// The rate the ROM syncs at, and falls back to after a reset or an idle timeout.
        public var bootBaud = 500_000
        /// Where ROMs may differ (ack order, PD, hash rate, idle timeout, …): the silicon notes.
        public var rom = ROMBehaviour()
        /// The module's application runs instead of the boot ROM.
        public var applicationRunning = false
        /// The firmware a reset into the application starts (ST's NCP: its boot log, ticks, a shell).
        var application = VirtualApplication.Program(
            bootLog: VirtualQCC743.applicationLog, version: "ST67W611M1 NCP v2.0.106 (T01)")

        public init() {}

        public var flashSize: Int { FlashSize.bytes(jedecCapacity: jedecID[2]) ?? 4 << 20 }

        /// UART silence after which the ROM waits for a new sync (0x23 changes it).
        public var idleTimeoutMilliseconds: Int {
            get { rom.idleTimeoutMilliseconds }
            set { rom.idleTimeoutMilliseconds = newValue }
        }

        public var timings: FlashTimings { rom.timings }

        /// What get_boot_info starts with: the a0 ROM's id when the behaviour says a0.
        var effectiveROMVersion: [UInt8] { rom.bootInfo == .a0 ? [0x01, 0x00, 0x16, 0x06] : romVersion }
    }

    /// The eFuse an unlocked module leaves the factory with: seed A's sw_usage_0 without
    /// sign_cfg, and the chip id as the default MAC.
    public static func factoryEfuse(chipID: [UInt8] = [0xDC, 0xD2, 0x03, 0x7B, 0x82, 0x40]) -> [UInt8] {
        var efuse = [UInt8](repeating: 0, count: EfuseMap.size)
        efuse.replaceSubrange(EfuseMap.swUsage0..<(EfuseMap.swUsage0 + 4), with: LE.u32(0x0182_1227))
        efuse.replaceSubrange(EfuseMap.defaultMAC..<(EfuseMap.defaultMAC + 6), with: chipID)
        return efuse
    }

    /// SHA-256 of ST's image-signing public key, as ST's efusedata.bin burns it (spec 12.2).
    public static let stKeyHash: [UInt8] = Hex.bytes(
        "9e0cb12265b514e650717435" + "55e9c9d1937d1287a7ff63aa5add5d76c08b35eb")!

    /// Sets what ST's "lock the module" burn sets: signed boot with this key hash, JTAG off,
    /// key slots locked.
    public static func lock(_ efuse: inout [UInt8], keyHash: [UInt8] = stKeyHash) {
        func or(_ offset: Int, _ bits: UInt32) {
            efuse.replaceSubrange(offset..<(offset + 4), with: LE.u32(LE.u32(efuse, at: offset) | bits))
        }
        or(EfuseMap.config0, EfuseMap.jtagDisableBits)
        for (i, byte) in keyHash.prefix(32).enumerated() { efuse[EfuseMap.keyHash + i] |= byte }
        or(EfuseMap.swUsage0, EfuseMap.signConfigBit)
        or(EfuseMap.lockWord, EfuseMap.stLockBits)
    }

    private enum State { case waitSync, command }

    public let configuration: Configuration
    public private(set) var flash: NORFlash
    public private(set) var efuse: [UInt8]
    public var log: (@Sendable (String) -> Void)?

    private var state = State.waitSync
    private var baud: Int
    private var idleTimeout: Int
    private var syncRun = 0
    private var burstAnswered = false
    /// Synced, and no byte but 0x55 since: the tail of the sync burst.
    private var burstTail = false
    private var buffer: [UInt8] = []
    private var xz: (decoder: XZDecoder, destination: Int, written: Int, received: Int)?
    private var applicationQuietUntil = 0
    /// Bytes arriving before this instant are lost: the UART is switching rate after clk_set.
    private var deafUntil: UInt64 = 0
    private var clock: any WaitClock = MonotonicClock.shared

    public func use(clock: any WaitClock) { self.clock = clock }

    public init(configuration: Configuration = Configuration(), flash: [UInt8]? = nil, efuse: [UInt8]? = nil) {
        self.configuration = configuration
        self.flash = NORFlash(size: configuration.flashSize, contents: flash)
        var fuses = efuse ?? Self.factoryEfuse()
        fuses += [UInt8](repeating: 0, count: max(0, EfuseMap.size - fuses.count))
        self.efuse = Array(fuses.prefix(EfuseMap.size))
        baud = configuration.bootBaud
        idleTimeout = configuration.idleTimeoutMilliseconds
    }

    public var listeningBaud: Int { application?.program.baud ?? baud }

    public var bootInfo: BootInfo {
        let a0 = configuration.rom.bootInfo == .a0
        return BootInfo.make(
            romVersion: configuration.effectiveROMVersion, efuse: efuse,
            chipID: Array(efuse[EfuseMap.defaultMAC..<(EfuseMap.defaultMAC + 6)]),
            // The a0 log's record ends 8010 after six trailer bytes.
            trailer: a0
                ? Array(configuration.bootInfoTrailer.prefix(4)) + [0x80, 0x10] : configuration.bootInfoTrailer,
            size: a0 ? BootInfo.a0Size : BootInfo.size)
    }

    /// The firmware started by a reset with BOOT low; nil while the ROM runs.
    private var application: VirtualApplication?

    public func reset(application: Bool) {
        reset()
        if application {
            self.application = VirtualApplication(program: configuration.application, clock: clock)
            log?("reset with BOOT low: the application starts")
        }
    }

    public func reset() {
        application = nil
        state = .waitSync
        baud = configuration.bootBaud
        idleTimeout = configuration.idleTimeoutMilliseconds
        syncRun = 0
        burstAnswered = false
        buffer = []
        xz = nil
        log?("reset: waiting for sync at \(baud) baud")
    }

    public func receiveNoise(count: Int) -> [DeviceAction] {
        if application != nil { return [] }
        if configuration.applicationRunning { return applicationOutput() }
        // Junk breaks a sync burst and any frame in progress.
        syncRun = 0
        if state == .command { buffer = [] }
        return []
    }

    public func idle(milliseconds: Int) -> [DeviceAction] {
        if let application { return application.idle() }
        if configuration.applicationRunning {
            return []
        }
        // A pause ends a burst: the next burst is a new sync and gets its own OK, so a host
        // whose first OK was lost can sync again.
        if state == .command && milliseconds >= Self.burstGapMilliseconds && buffer.isEmpty {
            burstAnswered = false
            syncRun = 0
        }
        if state == .command && milliseconds >= idleTimeout {
            log?("idle \(milliseconds) ms: back to waiting for sync at \(configuration.bootBaud) baud")
            state = .waitSync
            baud = configuration.bootBaud
            syncRun = 0
            buffer = []
            xz = nil
        }
        return []
    }

    public func receive(_ bytes: [UInt8]) -> [DeviceAction] {
        if let application { return application.receive(bytes) }
        if configuration.applicationRunning { return applicationOutput() }
        if deafUntil > 0 {
            if clock.now() < deafUntil {
                log?("\(bytes.count) bytes lost: the UART is still switching rate after clk_set")
                return []
            }
            deafUntil = 0
        }
        var actions: [DeviceAction] = []
        for byte in bytes {
            switch state {
            case .waitSync:
                syncRun = byte == 0x55 ? syncRun + 1 : 0
                if syncRun == Self.syncBurst {
                    log?("sync: \(Self.syncBurst) × 0x55 at \(baud) baud → OK")
                    actions.append(.send(ISPResponse.okBytes, baud: baud))
                    state = .command
                    burstAnswered = true
                    burstTail = true
                    buffer = []
                }
            case .command:
                // The rest of a sync burst is always skipped; later 0x55 only under `stray-55=skip`.
                if buffer.isEmpty && byte == 0x55 && (configuration.rom.stray55 == .skip || burstTail) {
                    // Stray sync bytes between frames; a fresh burst after a frame is a re-sync.
                    syncRun += 1
                    if syncRun == Self.syncBurst && !burstAnswered {
                        log?("re-sync burst → OK")
                        actions.append(.send(ISPResponse.okBytes, baud: baud))
                        burstAnswered = true
                    }
                    continue
                }
                syncRun = 0
                burstTail = false
                buffer.append(byte)
                if buffer.count >= ISPFrame.headerSize {
                    let length = Int(LE.u16(buffer, at: 2))
                    if length > Self.maxPayload {
                        log?("frame with length \(length) → FL0102")
                        buffer = []
                        actions.append(.send(ISPResponse.fail(.commandLengthError).bytes, baud: baud))
                    } else if buffer.count == ISPFrame.headerSize + length {
                        let frame = ISPFrame(command: buffer[0], checksum: buffer[1], payload: Array(buffer[4...]))
                        buffer = []
                        burstAnswered = false
                        actions += handle(frame)
                    }
                }
            }
        }
        return actions
    }

    /// The ROM needs a run of 0x55 to measure the rate; 16 is the least it is given credit for.
    static let syncBurst = 16
    /// Silence that separates one sync burst from the next.
    static let burstGapMilliseconds = 20
    static let maxPayload = 8192

    // MARK: commands

    private func handle(_ frame: ISPFrame) -> [DeviceAction] {
        let name = ISPCommand.name(of: frame.command)
        guard frame.checksumIsValid else {
            log?("\(name) len \(frame.payload.count): bad checksum \(frame.checksum) → FL0103")
            return [reply(.fail(.commandCRCError))]
        }
        guard let command = ISPCommand(rawValue: frame.command) else {
            log?("unknown command 0x\(String(frame.command, radix: 16)) → FL0101")
            return [reply(.fail(.commandIDError))]
        }
        let p = frame.payload
        func need(_ count: Int) -> DeviceAction? {
            p.count < count ? reply(.fail(.commandLengthError)) : nil
        }
        var actions: [DeviceAction] = []
        var summary = ""
        defer { log?("\(name) len \(p.count)\(summary.isEmpty ? "" : " " + summary) → \(describe(actions))") }

        switch command {
        case .getBootInfo:
            actions = [reply(.data(bootInfo.bytes))]
        case .reset:
            actions = [reply(.ok)]
            reset()
        case .clockSet:
            if let fail = need(8) { return [fail] }
            let newBaud = Int(LE.u32(p, at: 4))
            summary = "baud \(newBaud)"
            actions = [reply(.ok)]
            if newBaud > 0 { baud = newBaud }
            if configuration.rom.deafAfterClockSetMilliseconds > 0 {
                deafUntil = clock.now() + UInt64(configuration.rom.deafAfterClockSetMilliseconds) * 1_000_000
            }
        case .setTimeout:
            // The a0 ROM has no such command (the vendor writes a register on a0 instead).
            if configuration.rom.bootInfo == .a0 { return [reply(.fail(.commandIDError))] }
            if let fail = need(4) { return [fail] }
            idleTimeout = Int(LE.u32(p, at: 0))
            summary = "\(idleTimeout) ms"
            actions = [reply(.ok)]
        case .memoryWrite:
            // a0: the UART timeout register, upper half in ms (the vendor writes 0x07D01200 for 2 s).
            if configuration.rom.bootInfo == .a0, p.count >= 8, LE.u32(p, at: 0) == Self.a0UARTTimeoutRegister {
                idleTimeout = Int(LE.u32(p, at: 4) >> 16)
                summary = "UART timeout \(idleTimeout) ms"
            }
            actions = [reply(.ok)]
        case .flashSetParameters, .xipReadStart, .xipReadFinish:
            actions = [reply(.ok)]
        case .flashReadJEDEC:
            actions = [reply(.data(configuration.jedecID))]
        case .efuseReadMAC:
            let mac = Array(efuse[EfuseMap.defaultMAC..<(EfuseMap.defaultMAC + 6)])
            actions = [reply(.data(mac + LE.u32(CRC32.checksum(mac))))]
        case .flashErase:
            if let fail = need(8) { return [fail] }
            let start = Int(LE.u32(p, at: 0))
            let end = Int(LE.u32(p, at: 4))
            summary = String(format: "0x%06X..0x%06X", start, end)
            guard start <= end, flash.contains(start, count: end - start + 1) else {
                return [reply(.fail(.flashEraseError))]
            }
            let erased = flash.erase(start: start, end: end + 1)
            actions = pending(units: configuration.timings.eraseUnits(start: erased.lowerBound, end: erased.upperBound))
        case .flashChipErase:
            flash.eraseAll()
            actions = pending(units: [configuration.timings.chipErase], chip: true)
        case .flashWrite:
            if let fail = need(4) { return [fail] }
            let address = Int(LE.u32(p, at: 0))
            let data = Array(p[4...])
            summary = String(format: "0x%06X +%d", address, data.count)
            guard flash.contains(address, count: data.count) else { return [reply(.fail(.flashWriteAddressError))] }
            flash.program(data, at: address)
            actions = acknowledged(programming: data.count)
        case .flashDecompressWrite:
            if let fail = need(4) { return [fail] }
            let field = LE.u32(p, at: 0)
            summary = String(format: "field 0x%08X +%d", field, p.count - 4)
            actions = decompressWrite(field: field, chunk: Array(p[4...]))
        case .flashWriteCheck:
            if let stream = xz {
                xz = nil
                do {
                    let tail = try stream.decoder.finish()
                    actions = program(tail, at: stream.destination + stream.written)
                } catch {
                    summary = "xz stream incomplete"
                    actions = [reply(.fail(.flashDecompressWriteError))]
                }
            } else {
                actions = [reply(.ok)]
            }
        case .flashRead:
            if let fail = need(8) { return [fail] }
            let address = Int(LE.u32(p, at: 0))
            let count = Int(LE.u32(p, at: 4))
            summary = String(format: "0x%06X +%d", address, count)
            guard count <= Self.maxPayload, flash.contains(address, count: count) else {
                return [reply(.fail(.flashWriteAddressError))]
            }
            actions = [
                .busy(nanoseconds: configuration.timings.readTime(bytes: count)),
                reply(.data(Array(flash.read(address, count: count)))),
            ]
        case .flashReadSHA, .flashXIPReadSHA:
            if let fail = need(8) { return [fail] }
            let address = Int(LE.u32(p, at: 0))
            let count = Int(LE.u32(p, at: 4))
            summary = String(format: "0x%06X +%d", address, count)
            guard flash.contains(address, count: count) else { return [reply(.fail(.flashWriteAddressError))] }
            actions = [
                .busy(nanoseconds: UInt64(count) * 1_000_000_000 / UInt64(configuration.rom.hashBytesPerSecond)),
                reply(.data(SHA256Digest.of(flash.read(address, count: count)))),
            ]
        case .efuseWrite:
            if let fail = need(4) { return [fail] }
            let address = Int(LE.u32(p, at: 0))
            let data = p[4...]
            summary = String(format: "0x%03X +%d", address, data.count)
            guard address >= 0, address + data.count <= EfuseMap.size else {
                return [reply(.fail(.efuseWriteAddressError))]
            }
            // eFuse bits are one-time programmable: a write can only set bits.
            for (i, byte) in data.enumerated() { efuse[address + i] |= byte }
            actions = [reply(.ok)]
        case .efuseRead:
            if let fail = need(8) { return [fail] }
            let address = Int(LE.u32(p, at: 0))
            let count = Int(LE.u32(p, at: 4))
            summary = String(format: "0x%03X +%d", address, count)
            guard address >= 0, count >= 0, address + count <= EfuseMap.size else {
                return [reply(.fail(.efuseReadAddressError))]
            }
            actions = [reply(.data(Array(efuse[address..<(address + count)])))]
        }
        return actions
    }

    /// 0x3F: bit 31 of the address field starts a new xz stream at (field & 0x7FFFFFFF); later
    /// chunks carry destination + offset in the compressed stream (spec 10).
    private func decompressWrite(field: UInt32, chunk: [UInt8]) -> [DeviceAction] {
        let address = Int(field & 0x7FFF_FFFF)
        if field & 0x8000_0000 != 0 {
            guard let decoder = try? XZDecoder() else { return [reply(.fail(.flashDecompressWriteError))] }
            xz = (decoder, address, 0, 0)
        }
        guard var stream = xz else { return [reply(.fail(.flashDecompressWriteError))] }
        // A chunk out of sequence would decode into the wrong place: refuse it. (Whether the
        // real ROM checks is unconfirmed; Bouffalo's tools always send the right value.)
        guard address == stream.destination + stream.received else {
            log?(
                "decompress chunk for 0x\(String(address, radix: 16)), expected 0x\(String(stream.destination + stream.received, radix: 16))"
            )
            xz = nil
            return [reply(.fail(.flashWriteXZError))]
        }
        do {
            let plain = try stream.decoder.feed(chunk)
            let at = stream.destination + stream.written
            stream.received += chunk.count
            stream.written += plain.count
            xz = stream
            return program(plain, at: at)
        } catch {
            xz = nil
            return [reply(.fail(.flashWriteXZError))]
        }
    }

    private func program(_ data: [UInt8], at address: Int) -> [DeviceAction] {
        guard flash.contains(address, count: data.count) else {
            xz = nil
            return [reply(.fail(.flashWriteAddressError))]
        }
        flash.program(data, at: address)
        return acknowledged(programming: data.count)
    }

    /// `OK` after programming `count` bytes, or before it (the next frame then waits).
    private func acknowledged(programming count: Int) -> [DeviceAction] {
        let work = DeviceAction.busy(nanoseconds: configuration.timings.programTime(bytes: count))
        return configuration.rom.acknowledge == .before ? [reply(.ok), work] : [work, reply(.ok)]
    }

    /// An erase of these units (sectors, blocks, or the chip), with `PD` as the behaviour says:
    /// once per modelled second, before each unit (each second of a chip erase), or never.
    private func pending(units: [UInt64], chip: Bool = false) -> [DeviceAction] {
        var actions: [DeviceAction] = []
        func perSecond(_ nanoseconds: UInt64) {
            var left = nanoseconds
            while left >= 1_000_000_000 {
                actions.append(reply(.pending))
                actions.append(.busy(nanoseconds: 1_000_000_000))
                left -= 1_000_000_000
            }
            actions.append(.busy(nanoseconds: left))
        }
        switch configuration.rom.pending {
        case .none: actions.append(.busy(nanoseconds: units.reduce(0, +)))
        case .second: perSecond(units.reduce(0, +))
        case .sector where chip: perSecond(units.reduce(0, +))
        case .sector:
            for unit in units {
                actions.append(reply(.pending))
                actions.append(.busy(nanoseconds: unit))
            }
        }
        actions.append(reply(.ok))
        return actions
    }

    /// The BL616 a0 register that holds the boot ROM's UART timeout (bflb flash_load_main_process).
    static let a0UARTTimeoutRegister: UInt32 = 0x6102_DF04

    private func reply(_ response: ISPResponse) -> DeviceAction {
        .send(response.bytes, baud: baud)
    }

    private func describe(_ actions: [DeviceAction]) -> String {
        actions.compactMap { action -> String? in
            guard case .send(let bytes, _) = action else { return nil }
            if bytes.count > 24 { return Hex.string(bytes.prefix(4)) + "…(\(bytes.count) bytes)" }
            return Hex.string(bytes)
        }.joined(separator: " ")
    }

    // MARK: the application instead of the ROM

    /// What a module running its firmware sends back: at 115200 its boot log, at the ROM's
    /// rate the same text seen through the wrong baud (the user report `c127bd4141414141…`).
    private func applicationOutput() -> [DeviceAction] {
        [.send(Self.applicationLog, baud: 115_200)]
    }

    public static let applicationLog: [UInt8] = Array(
        "\r\nST67W611M1 NCP v2.0.106 (T01)\r\n[wifi] init done\r\nready\r\n".utf8)
}

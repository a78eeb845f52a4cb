import BootwireCore

/// How to reach the bootloader.
public struct STM32ConnectOptions: Sendable {
    /// Any rate the part autobauds to (1200 to 115200 on every part; more on some).
    public var baud = 115_200
    /// 8E1 on a real port; a pseudo-terminal cannot carry parity (a `pty-no-parity` warning).
    public var parity = Parity.even
    /// BOOT0 and NRST, when the adapter's modem lines are wired to them.
    public var bootSequence = BootSequence(steps: [])
    public var syncAttempts = 4
    /// The wait for the answer to each 0x7F.
    public var syncReplyTimeout = 0.5

    public init() {}
}

/// The part as its bootloader introduced itself.
public struct STM32Identity: Sendable, Equatable {
    public var productID: UInt16
    /// The table's entry for the product id; nil for a part Bootwire does not know.
    public var device: STM32Device?
    public var name: String
    /// The byte Get reports (0x31 = v3.1).
    public var bootloaderVersion: UInt8
    /// The command codes Get listed.
    public var commands: [UInt8]
    /// Get Version's two option bytes (read-protection counters on old F1 bootloaders, else 0).
    public var versionOptions: [UInt8]
    /// From the FLASH_SIZE register; nil when unreadable (readout protection) or unknown.
    public var flashSize: Int?
    /// Nil when they could not be read (readout protection, or an unknown part).
    public var optionBytes: STM32OptionBytes?
    /// Level 1 when reads were refused; from the option bytes otherwise; nil if unknown.
    public var readoutProtection: STM32ReadoutProtection?
    /// Nil for an unknown part.
    public var geometry: STM32FlashGeometry?
    /// The bootloader NACKed 0x7F: it was synced before this session (no reset in between).
    public var wasAlreadySynced: Bool
    /// The 96-bit unique device ID (Read Memory at the part's UID address), when it reads.
    public var uniqueID: [UInt8]? = nil
    public var baud: Int

    /// "3.1".
    public var bootloaderVersionText: String { "\(bootloaderVersion >> 4).\(bootloaderVersion & 0xF)" }

    public func lists(_ command: STM32Command) -> Bool { commands.contains(command.rawValue) }

    /// Write-protected pages, from the option bytes.
    public var writeProtectedPages: [ClosedRange<Int>] {
        guard let optionBytes, let geometry else { return [] }
        return optionBytes.writeProtectedPages(geometry)
    }

    /// One line for a note or a report.
    public var summary: String {
        var parts = [
            "\(name) (product id 0x\(String(productID, radix: 16, uppercase: true)))",
            "bootloader \(bootloaderVersionText)",
        ]
        if let flashSize { parts.append("\(flashSize >> 10) KiB flash") }
        if let optionBytes, let geometry {
            parts.append(optionBytes.summary(geometry))
        } else if let readoutProtection {
            parts.append("\(readoutProtection)")
        }
        return parts.joined(separator: ", ")
    }
}

/// A connected STM32 system bootloader (AN3155 over UART). Every method blocks; run it on a
/// port worker. Reads and writes take any length (split into 256-byte commands); erases take
/// pages, an address range, a bank or the whole flash; protection changes reset the part and
/// the session syncs again. Events: a `connect` stage, notes, progress; it never prints.
public final class STM32Session {
    public let client: STM32BootloaderClient
    public private(set) var identity: STM32Identity
    public let options: STM32ConnectOptions
    public let events: EventSink
    /// After Go the application runs and the bootloader is gone until a reset.
    public private(set) var applicationStarted = false

    private var link: any Link { client.link }

    private init(
        client: STM32BootloaderClient, identity: STM32Identity, options: STM32ConnectOptions,
        events: @escaping EventSink
    ) {
        self.client = client
        self.identity = identity
        self.options = options
        self.events = events
    }

    /// Line settings, boot entry, sync (0x7F), then Get Version, Get, Get ID, the flash size
    /// register and the option bytes.
    public static func connect(link: any Link, options: STM32ConnectOptions, events: @escaping EventSink) throws
        -> STM32Session
    {
        events(
            .stage("connect", detail: "\(link.name) at \(options.baud) baud \(options.parity == .even ? "8E1" : "8N1")")
        )
        for note in try link.configure(baud: options.baud, parity: options.parity) { events(.note(note)) }
        let client = STM32BootloaderClient(link: link)
        _ = try BootEntry.drive(options.bootSequence, on: link, events: events)
        let identity = try handshake(client: client, options: options, attempts: options.syncAttempts, events: events)
        events(.note(.info(identity.summary)))
        return STM32Session(client: client, identity: identity, options: options, events: events)
    }

    /// Syncs again after the part reset (protection changes, option-byte writes) and reads the
    /// identity afresh. `patience` is how long the part may take to come back (a Readout
    /// Unprotect may still be erasing after its second ACK, as ST's Open Bootloader does).
    public func reconnect(patience seconds: Double = 5) throws {
        applicationStarted = false
        let attempts = max(options.syncAttempts, Int((seconds / max(options.syncReplyTimeout, 0.05)).rounded(.up)))
        identity = try Self.handshake(client: client, options: options, attempts: attempts, events: events)
        events(.note(.info("after the reset: " + identity.summary)))
    }

    static func handshake(
        client: STM32BootloaderClient, options: STM32ConnectOptions, attempts: Int, events: EventSink
    ) throws -> STM32Identity {
        // Protection may have changed since the last sync (protect, unprotect): unknown until read.
        client.readoutProtectionAtSync = nil
        let outcome = try client.sync(attempts: attempts, replyTimeout: options.syncReplyTimeout)
        switch outcome {
        case .alreadySynced:
            events(.note(.info("the bootloader was already synced (NACK to 0x7F): no reset since the last session")))
        case .acknowledged(let glitch) where !glitch.isEmpty:
            events(.note(.info("\(glitch.count) glitch byte(s) before the ACK (the TX pin turning on), skipped")))
        default:
            break
        }
        let get: STM32BootloaderClient.GetReply
        do {
            get = try client.get()
        } catch let error as BootwireError where [.deviceError, .timeout].contains(error.code) {
            // Get is never refused. An ACK to 0x7F (odd parity: an 8N1 stop bit passes for the
            // parity bit) and then nothing sensible is the mark of a port without parity.
            let link = client.link
            let noParity = link.settings.parity == .none && !link.capabilities.isPseudoTerminal
            var evidence = error.evidence
            evidence["likely"] = noParity ? "8e1" : "line"
            throw BootwireError(
                error.code == .timeout ? .noResponse : .protocolError,
                "the bootloader answered 0x7F but not Get (00 FF)",
                hint: noParity
                    ? "the port runs 8N1; the bootloader needs 8E1 (even parity): 0x7F passes without parity, commands do not"
                    : "the line loses or corrupts bytes: check the wiring, or try a lower --baud",
                evidence: evidence)
        }
        let version = try client.getVersion()
        let id = try client.getID()
        let device = STM32DeviceTable.device(productID: id.productID)
        if device == nil {
            events(
                .note(
                    .warning(
                        .unexpectedChip,
                        "product id 0x\(String(id.productID, radix: 16, uppercase: true)) is not in Bootwire's STM32 table: "
                            + "reads and writes work by address, page erases need the table")))
        }
        var identity = STM32Identity(
            productID: id.productID, device: device, name: device?.name ?? "unknown STM32",
            bootloaderVersion: get.version, commands: get.commands, versionOptions: version.options,
            flashSize: nil, optionBytes: nil, readoutProtection: nil, geometry: nil,
            wasAlreadySynced: outcome == .alreadySynced, baud: client.link.settings.baud)
        guard let device, get.commands.contains(STM32Command.readMemory.rawValue) else { return identity }
        do {
            let size = try client.readMemory(address: device.flashSizeRegister, count: 2)
            let kib = Int(size[0]) | Int(size[1]) << 8
            // An erased or odd register (0xFFFF) is not a size.
            if kib > 0 && kib << 10 <= device.maxFlashSize { identity.flashSize = kib << 10 }
            // The 96-bit unique ID keys the journal and the station record; a refused read
            // leaves it unknown (the journal falls back to product id and port).
            identity.uniqueID = try? client.readMemory(address: device.uniqueIDAddress, count: 12)
            var areas: [[UInt8]] = []
            do {
                for range in device.optionBytes {
                    var bytes: [UInt8] = []
                    while bytes.count < range.size {
                        let count = min(STM32Protocol.maxTransfer, range.size - bytes.count)
                        bytes += try client.readMemory(address: range.start + UInt32(bytes.count), count: count)
                    }
                    areas.append(bytes)
                }
                let optionBytes = STM32OptionBytes(device: device, areas: areas)
                identity.optionBytes = optionBytes
                identity.readoutProtection = optionBytes.readoutProtection
            } catch let error as BootwireError where error.code == .deviceError || error.code == .addressOutOfRange {
                // Which option reads a ROM accepts is not documented (silicon notes); the
                // option bytes only inform (protection, banks), so a refusal never stops a flash.
                events(
                    .note(
                        .warning(
                            .optionBytesUnreadable,
                            "the bootloader refused to read the option bytes (\(error.message)); "
                                + "assuming the factory layout: level 0, no write protection")))
            }
        } catch let error as BootwireError where error.code == .deviceProtected {
            identity.readoutProtection = .level1
            events(
                .note(
                    .warning(
                        .deviceProtected,
                        "readout protection (level 1) is active: only Get, Get Version, Get ID and Readout Unprotect "
                            + "are accepted; Readout Unprotect mass-erases the flash")))
        } catch let error as BootwireError where error.code == .addressOutOfRange {
            events(
                .note(.info("the option bytes are not readable here (\(error.message)); assuming the factory layout")))
        }
        identity.geometry = device.geometry(flashSize: identity.flashSize, options: identity.optionBytes)
        client.readoutProtectionAtSync = identity.readoutProtection
        return identity
    }

    // MARK: what the work takes

    private var times: STM32FlashTimes { identity.device?.times ?? Self.unknownPartTimes }

    /// For a part not in the table: long enough for the slowest families (F4 sectors).
    static let unknownPartTimes = STM32FlashTimes(
        pageErase: (1000, 4000), massErase: (16_000, 32_000), program: (0.1, 0.5))

    private static func seconds(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1e9 }

    /// The ACK to a Write Memory of `bytes`: each program unit at the datasheet's maximum, twice.
    static func writeTimeout(bytes: Int, unit: Int, times: STM32FlashTimes) -> Double {
        1 + Double((bytes + unit - 1) / unit) * 2 * seconds(times.programMaximum)
    }

    /// Page erases: each page at the datasheet's maximum, twice, plus 2 s.
    static func pageEraseTimeout(pages: Int, times: STM32FlashTimes) -> Double {
        2 + Double(pages) * 2 * seconds(times.pageEraseMaximum)
    }

    /// A mass or bank erase: the datasheet's maximum per bank, twice, and never under the 40 s
    /// the spec suggests (hosts' 30–35 s have been too short on large F4 parts).
    static func massEraseTimeout(banks: Int, times: STM32FlashTimes) -> Double {
        max(40, 2 + Double(banks) * 2 * seconds(times.massEraseMaximum))
    }

    private func writeTimeout(bytes: Int) -> Double {
        Self.writeTimeout(bytes: bytes, unit: identity.device?.programUnit ?? 2, times: times)
    }

    private func pageEraseTimeout(pages: Int) -> Double { Self.pageEraseTimeout(pages: pages, times: times) }

    private func massEraseTimeout(banks: Int) -> Double { Self.massEraseTimeout(banks: banks, times: times) }

    // MARK: read

    /// Any number of bytes from `address`, 256 at a time, with progress.
    public func read(address: UInt32, length: Int, label: String = "read") throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(length)
        let start = MonotonicClock.now()
        while out.count < length {
            let count = min(STM32Protocol.maxTransfer, length - out.count)
            let at = address + UInt32(out.count)
            do {
                out += try readTwice(at, count)
            } catch let error as BootwireError where error.code == .addressOutOfRange {
                throw explainRefusedAccess(error, address: at, count: count, reading: true)
            }
            progress(label, out.count, length, since: start)
        }
        return out
    }

    /// One Read Memory, asked again once when refused: a read changes nothing, and a refusal
    /// that does not repeat was a corrupted frame, not an address out of range (issue #23).
    private func readTwice(_ address: UInt32, _ count: Int) throws -> [UInt8] {
        do {
            return try client.readMemory(address: address, count: count)
        } catch let error as BootwireError where [.addressOutOfRange, .deviceError].contains(error.code) {
            let bytes = try client.readMemory(address: address, count: count)
            events(
                .note(
                    .warning(
                        .lineNoise,
                        "Read Memory at \(STM32BootloaderClient.hex(address)) was refused once and then answered: "
                            + "the line corrupted the first request (\(error.message))")))
            return bytes
        }
    }

    // MARK: erase

    /// Refuses page numbers the part does not have (when its geometry is known), changing nothing.
    public func checkPages(_ pages: [Int]) throws {
        if let geometry = identity.geometry, let bad = pages.first(where: { !geometry.isValid(page: $0) }) {
            throw BootwireError(
                .addressOutOfRange, "page \(bad) does not exist (this part has \(geometry.pageCount) pages)",
                evidence: ["page": "\(bad)", "pages": "\(geometry.pageCount)"])
        }
    }

    /// Erases the pages (bootloader numbering) in as few commands as the protocol allows.
    public func erase(pages: [Int], label: String = "erase") throws {
        guard !pages.isEmpty else { return }
        let eraseCommand = try requireEraseCommand()
        try checkPages(pages)
        let chunk = eraseCommand == .erase ? STM32Protocol.maxLegacyErasePages : STM32Protocol.maxExtendedErasePages
        let pageSize = identity.geometry?.pageSize ?? 0
        let start = MonotonicClock.now()
        var done = 0
        while done < pages.count {
            let part = Array(pages[done..<min(done + chunk, pages.count)])
            do {
                if eraseCommand == .erase {
                    guard part.allSatisfy({ $0 <= 0xFF }) else {
                        throw BootwireError(
                            .addressOutOfRange, "the legacy Erase command (0x43) numbers pages up to 255")
                    }
                    try client.erase(pages: part, timeout: pageEraseTimeout(pages: part.count))
                } else {
                    try client.extendedErase(pages: part, timeout: pageEraseTimeout(pages: part.count))
                }
            } catch let error as BootwireError
                where error.code == .deviceError && error.cause != .refused(after: .command)
            {
                throw explainRefusedErase(error, pages: part)
            }
            done += part.count
            progress(label, done * pageSize, pages.count * pageSize, since: start)
        }
    }

    /// Erases every page that [address, address + length) touches; returns them.
    @discardableResult
    public func erase(address: UInt32, length: Int, label: String = "erase") throws -> [Int] {
        let geometry = try requireGeometry("erase by address")
        guard geometry.range.contains(address, count: length) else {
            throw BootwireError(
                .addressOutOfRange,
                "\(STM32BootloaderClient.hex(address))+\(length) is not inside flash (\(geometry.range))",
                evidence: ["address": STM32BootloaderClient.hex(address), "length": "\(length)"])
        }
        let pages = geometry.pages(covering: address, length: length)
        try erase(pages: pages, label: label)
        return pages
    }

    /// Erases one bank (1 or 2) with Extended Erase's FFFE/FFFD.
    public func eraseBank(_ bank: Int) throws {
        let geometry = try requireGeometry("erase a bank")
        guard geometry.bankCount == 2, bank == 1 || bank == 2 else {
            throw BootwireError(
                .addressOutOfRange,
                "this part has \(geometry.bankCount) bank(s) at its size and options: no bank \(bank) to erase")
        }
        guard try requireEraseCommand() == .extendedErase else {
            throw BootwireError(
                .deviceError, "bank erase needs Extended Erase (0x44), which this bootloader does not list")
        }
        do {
            try client.extendedErase(bank == 1 ? .bank1 : .bank2, timeout: massEraseTimeout(banks: 1))
        } catch let error as BootwireError where error.code == .deviceError && error.cause != .refused(after: .command)
        {
            throw explainRefusedErase(error, pages: Array(geometry.pages(ofBank: bank)))
        }
    }

    /// Erases all of the user flash: `FF 00` (0x43) or FFFF (0x44); page by page on parts
    /// without mass erase.
    public func massErase() throws {
        let eraseCommand = try requireEraseCommand()
        if let device = identity.device, !device.hasMassErase, let geometry = identity.geometry {
            try erase(pages: Array(0..<geometry.pageCount))
            return
        }
        let banks = identity.geometry?.bankCount ?? 2
        do {
            if eraseCommand == .erase {
                try client.globalErase(timeout: massEraseTimeout(banks: banks))
            } else {
                try client.extendedErase(.mass, timeout: massEraseTimeout(banks: banks))
            }
        } catch let error as BootwireError where error.code == .deviceError && error.cause != .refused(after: .command)
        {
            throw explainRefusedErase(error, pages: identity.geometry.map { Array(0..<$0.pageCount) } ?? [])
        }
    }

    // MARK: write, verify

    /// Writes `data` at a 4-aligned `address` in Write Memory blocks that end on 256-byte
    /// boundaries (so no flash word is split between two commands), the last one padded with
    /// 0xFF to 4 bytes. Flash must be erased first. Progress counts bytes written.
    public func write(_ data: [UInt8], at address: UInt32, label: String = "write") throws {
        guard !data.isEmpty else { return }
        guard address % UInt32(STM32Protocol.writeAlignment) == 0 else {
            throw BootwireError(
                .addressOutOfRange, "\(STM32BootloaderClient.hex(address)) is not 4-byte aligned",
                hint: "the bootloader writes whole 32-bit words: start at a multiple of 4",
                evidence: ["address": STM32BootloaderClient.hex(address)])
        }
        if let geometry = identity.geometry, geometry.range.contains(address) {
            let end = UInt64(address) + UInt64(data.count)
            let usable = UInt64(geometry.base) + UInt64(geometry.accessibleSize)
            guard end <= usable else {
                throw BootwireError(
                    .imageTooLarge,
                    "\(data.count) bytes at \(STM32BootloaderClient.hex(address)) run past the end of the usable flash "
                        + "(\(STM32BootloaderClient.hex(UInt32(truncatingIfNeeded: usable))))",
                    evidence: ["address": STM32BootloaderClient.hex(address), "length": "\(data.count)"])
            }
            if let unit = identity.device?.programUnit, address % UInt32(unit) != 0 {
                events(
                    .note(
                        .info(
                            "\(STM32BootloaderClient.hex(address)) is not aligned to the \(unit)-byte flash word: "
                                + "the word it starts in cannot be programmed again until erased")))
            }
        }
        let start = MonotonicClock.now()
        var offset = 0
        while offset < data.count {
            let at = address + UInt32(offset)
            let room = STM32Protocol.maxTransfer - Int(at % UInt32(STM32Protocol.maxTransfer))
            let block = Array(data[offset..<min(offset + room, data.count)])
            do {
                try client.writeMemory(address: at, data: block, timeout: writeTimeout(bytes: block.count))
            } catch let error as BootwireError
                where error.code == .deviceError && error.cause == .refused(after: .data)
            {
                throw explainRefusedWrite(error, address: at, block: block)
            } catch let error as BootwireError where error.code == .addressOutOfRange {
                throw explainRefusedAccess(error, address: at, count: block.count, reading: false)
            }
            offset += block.count
            progress(label, offset, data.count, since: start)
        }
    }

    public enum VerifyMethod: Sendable {
        /// Get Checksum when the bootloader lists it, read-back otherwise.
        case automatic
        case readBack
        case checksum
    }

    /// Whether `.automatic` verification at `address` uses Get Checksum (listed, word-aligned).
    public func checksumProves(at address: UInt32) -> Bool {
        identity.lists(.getChecksum) && address % 4 == 0
    }

    /// Compares flash with `data`; `verify-mismatch` names the first address that differs.
    public func verify(_ data: [UInt8], at address: UInt32, method: VerifyMethod = .automatic, label: String = "verify")
        throws
    {
        guard !data.isEmpty else { return }
        let useChecksum =
            switch method {
            case .automatic: checksumProves(at: address)
            case .checksum: true
            case .readBack: false
            }
        if useChecksum {
            // The padding the write added is in flash too.
            let padded = data + [UInt8](repeating: 0xFF, count: (4 - data.count % 4) % 4)
            let expected = STM32CRC.checksum(padded)
            let actual = try checksum(address: address, length: padded.count)
            if actual == expected {
                events(.progress(label: label, done: data.count, total: data.count, bytesPerSecond: 0))
                return
            }
            events(
                .note(
                    .info(
                        "checksum 0x\(String(actual, radix: 16)) is not the image's 0x\(String(expected, radix: 16)): "
                            + "reading back to find where")))
        }
        let flash = try read(address: address, length: data.count, label: label)
        if let index = data.indices.first(where: { flash[$0] != data[$0] }) {
            let bad = address + UInt32(index)
            throw BootwireError(
                .verifyMismatch,
                "flash differs from the image at \(STM32BootloaderClient.hex(bad)) (reads 0x\(Hex.string([flash[index]])), "
                    + "expected 0x\(Hex.string([data[index]])))",
                hint: "erase before writing (STM32 flash cannot be programmed twice), then write again",
                evidence: [
                    "address": STM32BootloaderClient.hex(bad),
                    "read": Hex.string(flash[index..<min(index + 16, flash.count)]),
                    "expected": Hex.string(data[index..<min(index + 16, data.count)]),
                ])
        }
        if useChecksum {
            // Get Checksum's layout is known only from stm32flash: the bytes are what count.
            events(
                .note(
                    .warning(
                        .checksumLayoutMismatch,
                        "the device's checksum disagrees but the bytes read back match: verified by read-back "
                            + "(this bootloader's checksum layout is not the one Bootwire computes)")))
        }
    }

    /// The STM32 CRC of [address, +length) (length a multiple of 4): Get Checksum when listed,
    /// else computed here from a read-back.
    public func checksum(address: UInt32, length: Int) throws -> UInt32 {
        precondition(address % 4 == 0 && length % 4 == 0)
        if identity.lists(.getChecksum) {
            // The CRC unit runs far faster than the line; 1 MB/s is generous.
            return try client.checksum(
                address: address, length: UInt32(length), timeout: 1 + Double(length) / 1_000_000)
        }
        return STM32CRC.checksum(try read(address: address, length: length, label: "checksum"))
    }

    // MARK: run

    /// Go: the bootloader starts the code whose vector table is at `address` (the flash base
    /// by default) and is silent from then on.
    public func go(address: UInt32? = nil) throws {
        try client.go(address: address ?? identity.device?.flashBase ?? 0x0800_0000)
        applicationStarted = true
    }

    // MARK: protection (each change resets the part; the session syncs again)

    /// Write protection for these pages (bootloader numbering), in the family's scheme.
    public func writeProtect(pages: ClosedRange<Int>) throws {
        let geometry = try requireGeometry("write-protect pages")
        guard let device = identity.device, let codes = device.writeProtectCodes(pages: pages, geometry: geometry)
        else {
            throw BootwireError(
                .deviceError, "pages \(pages.lowerBound)-\(pages.upperBound) cannot be write-protected on this part")
        }
        try writeProtect(codes: codes)
    }

    /// Write Protect with raw sector codes (F1: WRP bits; L4/WB: first/last page pairs).
    public func writeProtect(codes: [UInt8]) throws {
        try client.writeProtect(codes: codes)
        try reconnect()
    }

    /// Write Unprotect: every page writable again. Flash contents stay.
    public func writeUnprotect() throws {
        try client.writeUnprotect()
        try reconnect()
    }

    /// Readout Protect: level 1 from the reset on; reads, writes and erases are refused until
    /// Readout Unprotect, which erases all of flash.
    public func readoutProtect() throws {
        try client.readoutProtect()
        try reconnect()
    }

    /// Readout Unprotect: the part mass-erases its flash (all firmware and data are lost),
    /// returns to level 0 and resets.
    public func readoutUnprotect() throws {
        events(.note(.info("Readout Unprotect: the STM32 erases all of its flash now")))
        let erase = massEraseTimeout(banks: identity.geometry?.bankCount ?? 2)
        try client.readoutUnprotect(timeout: erase + 5)
        try reconnect(patience: erase)
    }

    /// Writes option bytes at their address (one area of `device.optionBytes`); the part
    /// applies them and resets.
    public func writeOptionBytes(_ bytes: [UInt8], at address: UInt32) throws {
        guard let device = identity.device,
            device.optionBytes.contains(where: { $0.contains(address, count: bytes.count) })
        else {
            throw BootwireError(
                .addressOutOfRange,
                "\(STM32BootloaderClient.hex(address))+\(bytes.count) is not inside this part's option bytes")
        }
        try client.writeMemory(address: address, data: bytes, timeout: 5)
        try reconnect()
    }

    // MARK: explanations

    private func requireGeometry(_ what: String) throws -> STM32FlashGeometry {
        guard let geometry = identity.geometry else {
            throw BootwireError(
                .unexpectedChip,
                "cannot \(what): product id 0x\(String(identity.productID, radix: 16, uppercase: true)) is not in Bootwire's STM32 table",
                hint: "use addresses for reads and writes, and a mass erase")
        }
        return geometry
    }

    private func requireEraseCommand() throws -> STM32Command {
        if identity.lists(.extendedErase) { return .extendedErase }
        if identity.lists(.erase) { return .erase }
        throw BootwireError(.deviceError, "this bootloader lists no erase command")
    }

    /// Re-reads the option bytes (the part may have changed since connect).
    private func currentOptionBytes() -> STM32OptionBytes? {
        guard let device = identity.device else { return nil }
        var areas: [[UInt8]] = []
        for range in device.optionBytes {
            var bytes: [UInt8] = []
            while bytes.count < range.size {
                let count = min(STM32Protocol.maxTransfer, range.size - bytes.count)
                guard let chunk = try? client.readMemory(address: range.start + UInt32(bytes.count), count: count)
                else { return nil }
                bytes += chunk
            }
            areas.append(bytes)
        }
        return STM32OptionBytes(device: device, areas: areas)
    }

    private func protectedError(pages: [Int], protected: [ClosedRange<Int>], action: String) -> BootwireError? {
        let hit = pages.filter { page in protected.contains { $0.contains(page) } }
        guard let first = hit.first, let last = hit.last else { return nil }
        let list = protected.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(
            separator: ",")
        return BootwireError(
            .deviceProtected,
            "write protection refused the \(action): page\(first == last ? " \(first) is" : "s \(first)-\(last) are") write-protected",
            hint: "Write Unprotect (0x73) lifts all write protection; the part resets and the flash contents stay",
            evidence: ["write-protected-pages": list, "refused-pages": first == last ? "\(first)" : "\(first)-\(last)"])
    }

    func explainRefusedErase(_ error: BootwireError, pages: [Int]) -> BootwireError {
        guard let geometry = identity.geometry else { return error }
        if let options = currentOptionBytes() {
            identity.optionBytes = options
            if let protected = protectedError(
                pages: pages, protected: options.writeProtectedPages(geometry), action: "erase")
            {
                return protected
            }
        }
        if let secure = geometry.firstSecurePage, let page = pages.first(where: { $0 >= secure }) {
            return BootwireError(
                .deviceProtected, "page \(page) lies in the secure area (FUS and wireless stack, from page \(secure))",
                hint: "the secure area cannot be erased through the bootloader; the FUS manages it",
                evidence: error.evidence.merging(["page": "\(page)", "sfsa": "\(secure)"]) { $1 })
        }
        return error
    }

    func explainRefusedWrite(_ error: BootwireError, address: UInt32, block: [UInt8]) -> BootwireError {
        guard let geometry = identity.geometry, geometry.range.contains(address) else { return error }
        let pages = geometry.pages(covering: address, length: block.count)
        if let options = currentOptionBytes() {
            identity.optionBytes = options
            if let protected = protectedError(
                pages: pages, protected: options.writeProtectedPages(geometry), action: "write")
            {
                return protected
            }
        }
        // Flash that is not erased cannot be programmed again (ECC words, PGERR/PROGERR).
        if let current = try? client.readMemory(address: address, count: block.count),
            let index = current.firstIndex(where: { $0 != 0xFF })
        {
            let at = address + UInt32(index)
            return BootwireError(
                .deviceError,
                "the flash at \(STM32BootloaderClient.hex(at)) is not erased, so the bootloader refused to program it",
                hint: "STM32 flash cannot be programmed twice: erase the pages first",
                evidence: error.evidence.merging([
                    "address": STM32BootloaderClient.hex(at),
                    "read": Hex.string(current[index..<min(index + 8, current.count)]),
                ]) { $1 })
        }
        return error
    }

    func explainRefusedAccess(_ error: BootwireError, address: UInt32, count: Int, reading: Bool) -> BootwireError {
        guard let geometry = identity.geometry, let secure = geometry.firstSecurePage,
            let page = geometry.pages(covering: address, length: count).first(where: { $0 >= secure })
        else { return error }
        return BootwireError(
            .deviceProtected,
            "\(STM32BootloaderClient.hex(address)) lies in the secure area (FUS and wireless stack, page \(page))",
            hint:
                "the secure area is not \(reading ? "readable" : "writable") through the bootloader; the FUS manages it",
            evidence: error.evidence.merging(["page": "\(page)", "sfsa": "\(secure)"]) { $1 })
    }

    private func progress(_ label: String, _ done: Int, _ total: Int, since start: UInt64) {
        let seconds = Double(MonotonicClock.now() - start) / 1e9
        events(
            .progress(label: label, done: done, total: total, bytesPerSecond: seconds > 0 ? Double(done) / seconds : 0))
    }
}

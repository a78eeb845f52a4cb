import BootwireCore

/// AN3155 over a `Link`, one command per method, byte-exact (spec section 2). It knows the
/// protocol, not the part: the waits it is given come from `STM32Session`, which knows the work.
/// Blocking: run it on a port worker.
public final class STM32BootloaderClient {
    public let link: any Link
    /// The codes the last Get listed. A NACK to the first byte of one of them means readout
    /// protection; a code not listed is refused before it is sent.
    public private(set) var listedCommands: [UInt8] = []
    /// Readout protection as read from the option bytes at the last sync; nil when unread. A
    /// refusal of a gated command is called protection only when this does not say level 0.
    public var readoutProtectionAtSync: STM32ReadoutProtection?
    /// Bytes of the last exchange that failed, for a diagnosis.
    public private(set) var lastEvidence: [UInt8] = []
    /// The wait for an answer the bootloader gives at once (plus the wire time).
    public var replyTimeout = 1.0

    public init(link: any Link) {
        self.link = link
    }

    // MARK: sync

    public enum SyncOutcome: Sendable, Equatable {
        /// ACK to 0x7F: the bootloader measured the rate and is in command mode. `glitch` holds
        /// the bytes that came before the ACK (a 0x00 when the TX pin is turned on after reset).
        case acknowledged(glitch: [UInt8])
        /// NACK: it was synced already (an earlier session, no reset in between) and took a
        /// 0x7F as a command byte; it now waits for a command.
        case alreadySynced
    }

    /// Sends 0x7F until the bootloader answers ACK or NACK (spec 1, "Sync behaviour"). A device
    /// that is already synced swallows the first 0x7F (it waits for its complement) and NACKs
    /// the second. An ACK after a silent attempt may belong to the earlier 0x7F, which would
    /// leave the later one pending as a command byte: one more 0x7F (NACK) settles it.
    public func sync(attempts: Int = 4, replyTimeout: Double = 0.5) throws -> SyncOutcome {
        try link.flushInput()
        var replies: [[UInt8]] = []
        for attempt in 1...max(attempts, 1) {
            try link.write([STM32Protocol.sync])
            let reply = try readSyncReply(timeout: replyTimeout + wireSeconds(2))
            replies.append(reply)
            switch Self.classifySyncReply(reply) {
            case .ack(let glitch):
                if attempt > 1 { try settle(replyTimeout: replyTimeout) }
                return .acknowledged(glitch: glitch)
            case .nack:
                return .alreadySynced
            case .none:
                continue
            }
        }
        lastEvidence = replies.last(where: { !$0.isEmpty }) ?? []
        throw STM32SyncFailure.error(replies: replies, link: link)
    }

    enum SyncReply: Equatable {
        case ack(glitch: [UInt8])
        case nack
        case none
    }

    /// ACK or NACK, preceded by nothing but 0x00 glitch bytes, counts; anything else does not.
    static func classifySyncReply(_ reply: [UInt8]) -> SyncReply {
        guard let index = reply.firstIndex(where: { $0 == STM32Protocol.ack || $0 == STM32Protocol.nack }),
            reply[..<index].allSatisfy({ $0 == 0x00 })
        else { return .none }
        return reply[index] == STM32Protocol.ack ? .ack(glitch: Array(reply[..<index])) : .nack
    }

    private func readSyncReply(timeout: Double) throws -> [UInt8] {
        let deadline = link.clock.after(seconds: timeout)
        var reply: [UInt8] = []
        while !deadline.hasPassed && reply.count < 256 {
            // Once something came, a short quiet ends the reply.
            let wait = reply.isEmpty ? deadline : min(deadline, link.clock.after(milliseconds: 30))
            let chunk = try link.read(max: 256 - reply.count, deadline: wait)
            if chunk.isEmpty {
                if reply.isEmpty { continue }
                break
            }
            reply += chunk
            if Self.classifySyncReply(reply) != .none { break }
        }
        return reply
    }

    /// After an ACK to a later 0x7F: make sure no 0x7F is left pending as a command byte.
    private func settle(replyTimeout: Double) throws {
        for _ in 0..<2 {
            try link.write([STM32Protocol.sync])
            let reply = try readSyncReply(timeout: replyTimeout)
            if Self.classifySyncReply(reply) == .nack { return }
        }
    }

    // MARK: information

    public struct GetReply: Sendable, Equatable {
        public var version: UInt8
        public var commands: [UInt8]
    }

    /// 0x00 Get: `A n ver c0…c(n-1) A`.
    public func get() throws -> GetReply {
        try command(.get)
        let count = try readBytes(1, for: .get)
        let body = try readBytes(Int(count[0]) + 1, for: .get)
        try expectAck(.get, after: .data)
        listedCommands = Array(body.dropFirst())
        return GetReply(version: body[0], commands: listedCommands)
    }

    /// 0x01 Get Version: `A ver o1 o2 A`; an extra ACK first (L412/L422 v13.1) is skipped.
    public func getVersion() throws -> (version: UInt8, options: [UInt8]) {
        try command(.getVersion)
        var first = try readBytes(1, for: .getVersion)
        if first[0] == STM32Protocol.ack { first = try readBytes(1, for: .getVersion) }
        let options = try readBytes(2, for: .getVersion)
        try expectAck(.getVersion, after: .data)
        return (first[0], options)
    }

    /// 0x02 Get ID: `A n pid… A`; the product id is the first two bytes (extra ones are kept).
    public func getID() throws -> (productID: UInt16, bytes: [UInt8]) {
        try command(.getID)
        let count = try readBytes(1, for: .getID)
        let bytes = try readBytes(Int(count[0]) + 1, for: .getID)
        try expectAck(.getID, after: .data)
        guard bytes.count >= 2 else {
            throw BootwireError(
                .protocolError, "Get ID returned \(bytes.count) byte, not a 2-byte product id",
                hint: "this is not an STM32 bootloader", evidence: ["received": Hex.string(bytes)])
        }
        return (UInt16(bytes[0]) << 8 | UInt16(bytes[1]), bytes)
    }

    // MARK: memory

    /// 0x11 Read Memory, 1 to 256 bytes.
    public func readMemory(address: UInt32, count: Int) throws -> [UInt8] {
        precondition((1...STM32Protocol.maxTransfer).contains(count), "Read Memory moves 1 to 256 bytes")
        try command(.readMemory)
        try sendAddress(
            address, for: .readMemory, refused: "to read",
            hint: "the address is not readable through the bootloader (unmapped, or a protected area)")
        let length = UInt8(count - 1)
        try link.write([length, length ^ 0xFF])
        try expectAck(.readMemory, after: .length)
        return try readBytes(count, for: .readMemory)
    }

    /// 0x31 Write Memory, 1 to 256 bytes at a 4-aligned address; the length is padded with 0xFF
    /// to a multiple of 4. `timeout` is for the programming (the ACK comes when it is done).
    public func writeMemory(address: UInt32, data: [UInt8], timeout: Double) throws {
        precondition((1...STM32Protocol.maxTransfer).contains(data.count), "Write Memory moves 1 to 256 bytes")
        precondition(address % 4 == 0, "Write Memory addresses are 4-byte aligned")
        let padded = data + [UInt8](repeating: 0xFF, count: (4 - data.count % 4) % 4)
        try command(.writeMemory)
        try sendAddress(
            address, for: .writeMemory, refused: "to write",
            hint: "the address is not writable through the bootloader (not flash, option bytes or free RAM)")
        try link.write(STM32Protocol.dataFrame(padded))
        try expectAck(.writeMemory, after: .data, timeout: timeout + wireSeconds(padded.count + 2))
    }

    // MARK: erase

    /// 0x43 Erase of pages (numbers below 256, at most 255 of them).
    public func erase(pages: [Int], timeout: Double) throws {
        precondition(
            !pages.isEmpty && pages.count <= STM32Protocol.maxLegacyErasePages
                && pages.allSatisfy { (0...255).contains($0) })
        try command(.erase)
        try link.write(STM32Protocol.legacyEraseFrame(pages: pages))
        try expectAck(.erase, after: .pages, timeout: timeout + wireSeconds(pages.count + 2))
    }

    /// 0x43 Erase `FF 00`: the whole flash.
    public func globalErase(timeout: Double) throws {
        try command(.erase)
        try link.write(STM32Protocol.legacyGlobalErase)
        try expectAck(.erase, after: .globalErase, timeout: timeout)
    }

    /// 0x44 Extended Erase of pages (two-byte numbers).
    public func extendedErase(pages: [Int], timeout: Double) throws {
        precondition(!pages.isEmpty && pages.count <= 0xFFF0 && pages.allSatisfy { (0..<0xFFF0).contains($0) })
        try command(.extendedErase)
        try link.write(STM32Protocol.extendedEraseFrame(pages: pages))
        try expectAck(.extendedErase, after: .pages, timeout: timeout + wireSeconds(2 * pages.count + 3))
    }

    /// 0x44 Extended Erase special: mass (FFFF), bank 1 (FFFE), bank 2 (FFFD).
    public func extendedErase(_ special: STM32Protocol.SpecialErase, timeout: Double) throws {
        try command(.extendedErase)
        try link.write(special.frame)
        try expectAck(.extendedErase, after: special.step, timeout: timeout)
    }

    // MARK: run, protect

    /// 0x21 Go: the bootloader jumps to the vector table at `address`; it says nothing after.
    public func go(address: UInt32) throws {
        try command(.go)
        try sendAddress(
            address, for: .go, refused: "to start code",
            hint: "Go takes the address of a vector table in flash or RAM")
    }

    /// 0x63 Write Protect with the family's sector codes; the device resets afterwards.
    public func writeProtect(codes: [UInt8], timeout: Double = 5) throws {
        precondition(!codes.isEmpty && codes.count <= 256)
        try command(.writeProtect)
        try link.write(STM32Protocol.sectorListFrame(codes))
        try expectAck(.writeProtect, after: .sectors, timeout: timeout)
    }

    /// 0x73 Write Unprotect: `A A`, then the device resets.
    public func writeUnprotect(timeout: Double = 5) throws {
        try command(.writeUnprotect)
        try expectAck(.writeUnprotect, after: .unprotect, timeout: timeout)
    }

    /// 0x82 Readout Protect: `A A`, then the device resets at level 1.
    public func readoutProtect(timeout: Double = 5) throws {
        try command(.readoutProtect)
        try expectAck(.readoutProtect, after: .protect, timeout: timeout)
    }

    /// 0x92 Readout Unprotect: `A`, the mass erase, `A`, then the device resets.
    public func readoutUnprotect(timeout: Double) throws {
        try command(.readoutUnprotect)
        try expectAck(.readoutUnprotect, after: .massErase, timeout: timeout)
    }

    /// 0xA1 Get Checksum (stm32flash's layout, spec 2): the device's CRC of [address, +length).
    public func checksum(address: UInt32, length: UInt32, timeout: Double) throws -> UInt32 {
        precondition(address % 4 == 0 && length % 4 == 0 && length > 0)
        try command(.getChecksum)
        try sendAddress(address, for: .getChecksum, refused: "a checksum")
        try link.write(STM32Protocol.addressFrame(length))
        try expectAck(.getChecksum, after: .length)
        try expectAck(.getChecksum, after: .computation, timeout: timeout)
        let reply = try readBytes(5, for: .getChecksum)
        guard STM32Protocol.xor(reply) == 0 else {
            lastEvidence = reply
            throw BootwireError(
                .protocolError, "the checksum's check byte does not match",
                hint: "bytes are being corrupted on the line: try a lower --baud",
                evidence: ["received": Hex.string(reply)])
        }
        return STM32Protocol.bigEndian(reply[0..<4])
    }

    // MARK: the exchange

    /// Sends `CMD ~CMD` and waits for the ACK. A NACK to a listed command that readout
    /// protection gates is the protection; to a code not listed, a bootloader that lacks it.
    public func command(_ command: STM32Command) throws {
        if !listedCommands.isEmpty && !listedCommands.contains(command.rawValue) {
            throw BootwireError(
                .deviceError, "this bootloader does not offer \(STM32Command.name(of: command.rawValue))",
                hint: "its Get reply lists " + listedCommands.map { STM32Command.name(of: $0) }.joined(separator: ", "),
                evidence: ["command": command.description, "listed": Hex.string(listedCommands, separator: " ")])
        }
        try link.write(STM32Protocol.commandFrame(command.rawValue))
        do {
            try expectAck(command, after: .command)
        } catch let error as BootwireError
            where error.cause == .refused(after: .command) && !listedCommands.isEmpty
            && !STM32Command.allowedUnderReadoutProtection.contains(command.rawValue)
        {
            if readoutProtectionAtSync == .level0 {
                // The option bytes said level 0 at the sync, and protection changes only with a
                // reset and a new sync: this refusal is a corrupted command or a chip that
                // restarted (issue #23: a reset mid-flash was sent to Readout Unprotect).
                throw BootwireError(
                    .deviceError,
                    "the bootloader refused \(command) although readout protection was off (level 0) at the sync: "
                        + "the command was corrupted on the line, or the chip restarted",
                    hint: "check the wiring, ground and supply, then run again",
                    evidence: error.evidence.merging(["readout-protection": "level 0 at sync"]) { $1 },
                    cause: error.cause)
            }
            throw BootwireError(
                .deviceProtected, "readout protection is active: the bootloader refuses \(command)",
                hint: "only Readout Unprotect (0x92) lifts it (`bootwire unprotect --readout --chip stm32`), and it "
                    + "mass-erases the whole flash first (firmware and data are lost); the device resets afterwards",
                evidence: error.evidence.merging(["readout-protection": "active"]) { $1 }, cause: error.cause)
        }
    }

    /// Waits for one ACK; BUSY (0x76) keeps the wait going. NACK, junk and silence are errors
    /// that say which step was refused (`refused-at` in the evidence).
    public func expectAck(_ command: STM32Command, after step: CommandStep, timeout: Double? = nil) throws {
        let seconds = timeout ?? replyTimeout + wireSeconds(1)
        let deadline = link.clock.after(seconds: seconds)
        while true {
            let byte = try link.read(max: 1, deadline: deadline)
            guard let reply = byte.first else {
                lastEvidence = []
                throw BootwireError(
                    .timeout,
                    "no answer to \(command) (after the \(step.rawValue)) within \(String(format: "%.1f", seconds)) s",
                    hint: "the device stopped answering; check the cable and power",
                    evidence: ["command": command.description, "step": step.rawValue])
            }
            switch reply {
            case STM32Protocol.ack:
                return
            case STM32Protocol.busy:
                continue
            case STM32Protocol.nack:
                lastEvidence = [reply]
                throw BootwireError(
                    .deviceError, "the bootloader refused \(command) (NACK after the \(step.rawValue))",
                    hint: "the device did not accept this request",
                    evidence: ["command": command.description, "refused-at": step.rawValue, "received": "1f"],
                    cause: .refused(after: step))
            default:
                let rest = try link.readUntilQuiet(
                    quietMilliseconds: 10, deadline: link.clock.after(milliseconds: 60), max: 64)
                lastEvidence = [reply] + rest
                throw BootwireError(
                    .protocolError, "\(command) got bytes that are neither ACK nor NACK",
                    hint: "another program or device may be talking on this line, or the application is running",
                    evidence: [
                        "command": command.description, "step": step.rawValue, "received": Hex.string(lastEvidence),
                    ])
            }
        }
    }

    private func readBytes(_ count: Int, for command: STM32Command) throws -> [UInt8] {
        let seconds = replyTimeout + wireSeconds(count)
        let bytes = try link.read(exactly: count, deadline: link.clock.after(seconds: seconds))
        guard bytes.count == count else {
            lastEvidence = bytes
            throw BootwireError(
                bytes.isEmpty ? .timeout : .protocolError,
                "the answer to \(command) was cut short (\(bytes.count) of \(count) bytes)",
                hint: "bytes are being lost on the line: try a lower --baud",
                evidence: ["command": command.description, "received": Hex.string(bytes.prefix(64))])
        }
        return bytes
    }

    /// The time `count` bytes take at the link's rate, 11 bits each (8E1).
    public func wireSeconds(_ count: Int) -> Double {
        Double(count * 11) / Double(max(link.settings.baud, 1200))
    }

    /// Sends `command`'s address frame. A NACK to it is `.addressOutOfRange` naming the address
    /// and `what` was refused (every command that takes an address answers it the same way).
    private func sendAddress(_ address: UInt32, for command: STM32Command, refused what: String, hint: String? = nil)
        throws
    {
        try link.write(STM32Protocol.addressFrame(address))
        do {
            try expectAck(command, after: .address)
        } catch let error as BootwireError where error.cause == .refused(after: .address) {
            throw BootwireError(
                .addressOutOfRange, "the bootloader refused \(what) at \(Self.hex(address))", hint: hint,
                evidence: error.evidence.merging(["address": Self.hex(address)]) { $1 })
        }
    }

    static func hex(_ address: UInt32) -> String { Hex.address(address, width: 8, uppercase: true) }
}

/// What came back to the 0x7F attempts when none was answered, judged like `SyncEvidence` for
/// the QCC743: silence (boot pins, 8E1, wiring), our own bytes (a loopback), text (the
/// application), anything else (another talker).
public enum STM32SyncFailure {
    /// What to check when nothing answers 0x7F: boot pins, parity, wiring.
    static let wiringChecklist = [
        "BOOT0 must be high (on L4/G0/WB also nBOOT1/nSWBOOT0 as the option bytes say) while NRST is released",
        "the bootloader talks 8E1 (even parity): set the port to 8E1",
        "cross TX→RX and RX→TX (PA9/PA10 on most parts) and connect GND",
    ]

    public static func error(replies: [[UInt8]], link: any Link) -> BootwireError {
        let all = replies.flatMap { $0 }
        var evidence = [
            "attempts": "\(replies.count)", "baud": "\(link.settings.baud)", "parity": link.settings.parity.rawValue,
        ]
        if !all.isEmpty { evidence["received"] = Hex.string(all.prefix(48)) }
        if all.isEmpty {
            // 0x7F has odd data parity, so an 8N1 host's stop bit passes for the even parity
            // bit: a wrong parity alone rarely silences the sync. Boot pins come first, unless
            // the port is a real one running 8N1.
            let parityFirst = link.settings.parity == .none && !link.capabilities.isPseudoTerminal
            evidence["likely"] = parityFirst ? "8e1" : "boot-pins"
            let (pins, parity, wiring) = (wiringChecklist[0], wiringChecklist[1], wiringChecklist[2])
            let hint = (parityFirst ? [parity, pins, wiring] : [pins, parity, wiring]).joined(separator: "; ")
            return BootwireError(
                .noResponse,
                "nothing answered 0x7F at \(link.settings.baud) baud (\(replies.count) attempts): the STM32 bootloader is not listening",
                hint: hint + "; readout protection level 2 removes the bootloader for good",
                evidence: evidence)
        }
        if all.allSatisfy({ $0 == STM32Protocol.sync }) {
            return BootwireError(
                .echoOnly, "only our own 0x7F came back: TX is connected to RX",
                hint: "remove the loopback, or cross TX→RX and RX→TX between adapter and STM32", evidence: evidence)
        }
        let printable = all.filter { (0x20...0x7E).contains($0) || $0 == 0x0A || $0 == 0x0D }
        if all.count >= 4 && printable.count * 10 >= all.count * 9 {
            let text = String(decoding: all, as: UTF8.self)
            let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
            evidence["first-line"] = line
            return BootwireError(
                .applicationRunning, "the application answered, not the bootloader: \"\(line)\"",
                hint: "hold BOOT0 high while resetting the STM32 so that it starts its system bootloader",
                evidence: evidence)
        }
        if all.allSatisfy({ $0 == 0x00 }) {
            return BootwireError(
                .protocolError, "only 0x00 bytes came back: the line is held low",
                hint: "the adapter's RX sees a break: check that the STM32's TX is connected and powered",
                evidence: evidence)
        }
        return BootwireError(
            .protocolError, "bytes that are neither ACK nor NACK answered 0x7F",
            hint: "another program or device is talking on this line (close it), or the rate is far off",
            evidence: evidence)
    }
}

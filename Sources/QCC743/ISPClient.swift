import BootwireCore

/// Frames out, responses in, with the vendor's retry rules (spec 5.2, 6.3): a checksum error,
/// silence or junk is retried up to `retries` more times; `PD` extends the wait while the
/// device works. Blocking: runs on a port worker.
public final class ISPClient {
    public let link: any Link
    public var retries = 3
    /// Waits per command: never shorter than the vendor's (`ISPTimeouts`).
    public var timeouts = ISPTimeouts()
    /// Bytes of the last failed exchange, for a diagnosis.
    public private(set) var lastEvidence: [UInt8] = []
    /// Frames sent again after a malformed-frame rejection, silence or junk.
    public private(set) var resentFrames = 0
    public private(set) var checksumRejections = 0

    /// Forgets the resends of exchanges that ended in a diagnosis (a lost link's silence is not noise).
    public func forgetResends() {
        resentFrames = 0
        checksumRejections = 0
    }

    public init(link: any Link) {
        self.link = link
    }

    /// Sends `frame` and returns the data of an `OK len data` reply, or [] for a bare `OK`.
    /// `timeout` is for the device's work; each `PD` restarts it.
    /// Which failures send the same frame again.
    public enum Retry: Sendable {
        /// Silence, junk and checksum rejections (the vendor's rule): for commands that are
        /// harmless to repeat.
        case always
        /// Only a malformed-frame rejection, which the device sends instead of acting on the frame: for
        /// commands whose repetition would do harm if the first one was carried out.
        case whenRejected
        /// Silence and junk, not rejections: the caller sends a rejected frame again itself
        /// (smaller, when the line is noisy).
        case unlessRejected
        case never
    }

    /// `fillOnSilence`: when no answer comes, complete the frame with `resynchronisingFill`
    /// before giving up (`answerAfterFill`), for frames whose length field a noisy line may grow.
    @discardableResult
    public func exchange(
        _ frame: ISPFrame, timeout: Double? = nil, retry: Retry = .always, fillOnSilence: Bool = false
    ) throws -> [UInt8] {
        let seconds = timeout ?? quickTimeout(frameBytes: frame.bytes.count)
        let expectsData = ISPCommand(rawValue: frame.command)?.repliesWithData ?? false
        var attempt = 0
        while true {
            do {
                try link.write(frame.bytes)
                do {
                    return try readResponse(expectsData: expectsData, timeout: seconds, command: frame.command)
                } catch let silence as BootwireError where silence.code == .timeout && fillOnSilence {
                    return try answerAfterFill(silence, expectsData: expectsData, command: frame.command)
                }
            } catch let error as BootwireError where attempt < retries && Self.isRetryable(error, retry) {
                attempt += 1
                try prepareResend(after: error)
            }
        }
    }

    /// For commands the ROM answers at once: the vendor's 2 s, or the frame and the largest reply
    /// on the wire plus 0.4 s for USB latency and the ROM when that is longer.
    func quickTimeout(frameBytes: Int) -> Double {
        timeouts.command(
            wire: 0.4 + Double((frameBytes + ISPFrame.maxDataChunk + 8) * 10) / Double(max(link.settings.baud, 9600)))
    }

    static func isRetryable(_ error: BootwireError, _ retry: Retry) -> Bool {
        switch error.code {
        case .timeout, .protocolError: retry == .always || retry == .unlessRejected
        case .deviceError: isRejection(error) && (retry == .always || retry == .whenRejected)
        default: false
        }
    }

    /// The device errors that say the frame arrived malformed, so the device acted on none of it
    /// (spec 15.2, the tools' `bflb_error_code` table): its id byte is no command (FL0101
    /// CMD_ID_ERROR), its length field disagrees with the payload (FL0102 CMD_LEN_ERROR), its
    /// checksum is wrong (FL0103 CMD_CRC_ERROR). The vendor resends after any of them
    /// (checksum_err_retry, spec 5.2). Silence is no such evidence: a hash or an erase may still run.
    public static let malformedFrameErrors: Set<ISPDeviceError> = [
        .commandIDError, .commandLengthError, .commandCRCError,
    ]

    /// The device dropped the frame as malformed without acting on it.
    public static func isRejection(_ error: BootwireError) -> Bool {
        error.code == .deviceError
            && ISPDeviceError.of(error).map(malformedFrameErrors.contains) == true
    }

    /// FL0101/FL0102: the ROM judged the header garbled and dropped it, so it reads the rest of
    /// our frame as frames of its own, one of which may still be waiting for its payload.
    static func headerWasGarbled(_ error: BootwireError) -> Bool {
        ISPDeviceError.of(error).map([ISPDeviceError.commandIDError, .commandLengthError].contains) == true
    }

    /// What completes any frame the tail of a garbled one began: 0x55, which the ROM skips
    /// after a sync (spec 4, 17) and may skip between frames (`alignAfterFill` covers a ROM
    /// that does not), as many as the largest payload a frame may announce (the
    /// ROM's limit is not documented; the virtual ROM takes 8 KiB, the vendor sends 2 KiB) plus
    /// a header. A flipped bit in it starts a header `xx 55 55 55`, whose 0x5555 length is
    /// refused at once. 41 ms at 2 Mbaud.
    static let resynchronisingFill = [UInt8](repeating: 0x55, count: 8192 + ISPFrame.headerSize)

    /// Before a frame goes again: counts it and says so in the trace, lets a half-received answer
    /// finish, and after a garbled header fills and drains whatever frame the rest of ours began,
    /// so that the frame sent again starts in step with the ROM's parser.
    public func prepareResend(after error: BootwireError) throws {
        countResend(after: error)
        _ = try? link.readUntilQuiet(quietMilliseconds: 5, deadline: link.clock.after(milliseconds: 30))
        if Self.headerWasGarbled(error) {
            let fill = Self.resynchronisingFill
            try link.write(fill)
            // Everything the ROM says until the fill has certainly arrived is about the fill.
            let wire = fill.count * 10_000 / max(link.settings.baud, 9600)
            _ = try? link.read(exactly: 1 << 16, deadline: link.clock.after(milliseconds: wire + 30))
            try alignAfterFill()
        }
        try link.flushInput()
    }

    /// After a fill, a ROM that reads 0x55 between frames as frame bytes (the virtual module's
    /// `stray-55=frame`; UNCONFIRMED which the real ROM does) may hold up to three bytes of a
    /// header. Single 0x55 bytes go until it answers, four at most: it refuses the 0x5555-length
    /// header and starts clean. A ROM that skips 0x55 answers none and is clean already. Each
    /// waits 50 ms, longer than a USB bridge holds a reply, so that no byte overtakes an answer.
    private func alignAfterFill() throws {
        for _ in 0..<4 {
            try link.write([0x55])
            if let reply = try? link.read(max: 16, deadline: link.clock.after(milliseconds: 50)), !reply.isEmpty {
                _ = try? link.readUntilQuiet(quietMilliseconds: 5, deadline: link.clock.after(milliseconds: 30))
                return
            }
        }
    }

    /// Silence after a frame: either the ROM is still at work, or a garbled length field made it
    /// wait for payload that will never come. Silence alone says not which, so nothing is sent
    /// again; the fill is sent instead. A ROM at work skips it (0x55 between frames) and its
    /// answer is this frame's; a ROM waiting for payload completes the frame with it and rejects
    /// it as malformed (explicit evidence that it acted on nothing, so the caller may resend).
    /// No answer even then: the original silence stands.
    func answerAfterFill(_ silence: BootwireError, expectsData: Bool, command: UInt8) throws -> [UInt8] {
        let fill = Self.resynchronisingFill
        link.traceEvent(
            "no answer to \(ISPCommand.name(of: command)): sending \(fill.count) × 0x55 to complete a frame the ROM may still be reading"
        )
        try link.write(fill)
        let wire = Double(fill.count * 10) / Double(max(link.settings.baud, 9600))
        let reply: [UInt8]
        do {
            reply = try readResponse(expectsData: expectsData, timeout: wire + 0.5, command: command)
        } catch let error as BootwireError where error.code == .timeout {
            throw silence
        }
        // What the ROM says about the fill itself (the answer to a sync burst) is not for the next frame.
        _ = try? link.read(exactly: 1 << 16, deadline: link.clock.after(seconds: wire + 0.03))
        try alignAfterFill()
        try link.flushInput()
        return reply
    }

    /// Counts a frame sent again after `error`, and says so in the wire trace.
    public func countResend(after error: BootwireError) {
        resentFrames += 1
        let rejected = Self.isRejection(error)
        if rejected { checksumRejections += 1 }
        let why =
            rejected
            ? "the device rejected it as malformed (\(ISPDeviceError.of(error)?.wireName ?? ""))" : error.code.rawValue
        link.traceEvent("resending \(error.evidence["command"] ?? "the frame"): \(why)")
    }

    private func readResponse(expectsData: Bool, timeout seconds: Double, command: UInt8) throws -> [UInt8] {
        let name = ISPCommand.name(of: command)
        var deadline = link.clock.after(seconds: seconds)
        while true {
            let head = try link.read(exactly: 2, deadline: deadline)
            guard head.count == 2 else {
                lastEvidence = head
                throw BootwireError(
                    .timeout, "no answer to \(name) within \(String(format: "%.1f", seconds)) s",
                    hint: "the device stopped answering; check the cable and power",
                    evidence: ["command": name, "received": Hex.string(head)])
            }
            switch head {
            case ISPResponse.pendingBytes:
                deadline = link.clock.after(seconds: seconds)
                continue
            case ISPResponse.okBytes:
                guard expectsData else { return [] }
                let lengthBytes = try link.read(exactly: 2, deadline: deadline)
                guard lengthBytes.count == 2 else { throw truncated(name, head + lengthBytes) }
                let length = Int(LE.u16(lengthBytes, at: 0))
                let data = try link.read(
                    exactly: length,
                    deadline: link.clock.after(seconds: 1 + Double(length) * 20 / Double(max(link.settings.baud, 9600)))
                )
                guard data.count == length else { throw truncated(name, head + lengthBytes + data) }
                return data
            case ISPResponse.failBytes:
                let codeBytes = try link.read(exactly: 2, deadline: deadline)
                guard codeBytes.count == 2 else { throw truncated(name, head + codeBytes) }
                let code = ISPDeviceError(LE.u16(codeBytes, at: 0))
                lastEvidence = head + codeBytes
                throw BootwireError(
                    .deviceError, "the device refused \(name): \(code)",
                    hint: Self.hint(for: code),
                    evidence: ["command": name, "device-code": code.wireName, "device-error": code.name],
                    cause: .romError(code.rawValue))
            default:
                let rest = try link.readUntilQuiet(
                    quietMilliseconds: 5, deadline: link.clock.after(milliseconds: 50), max: 256)
                lastEvidence = head + rest
                throw BootwireError(
                    .protocolError, "\(name) got bytes that are not a boot-ROM answer",
                    hint: "another program or the application may be talking on this line",
                    evidence: ["command": name, "received": Hex.string(lastEvidence.prefix(64))])
            }
        }
    }

    private func truncated(_ name: String, _ bytes: [UInt8]) -> BootwireError {
        lastEvidence = bytes
        return BootwireError(
            .protocolError, "the answer to \(name) was cut short",
            hint: "bytes are being lost on the line: try a lower --baud",
            evidence: ["command": name, "received": Hex.string(bytes.prefix(64))])
    }

    static func hint(for code: ISPDeviceError) -> String {
        switch code.rawValue {
        case 0x0101, 0x0102, 0x0103: "bytes were corrupted on the line; try a lower --baud or a shorter cable"
        case 0x0A0A: "the chip is protected or closed (eFuse); it may not accept this command at all"
        case 0x0A0C: "the boot ROM is in password mode and needs authentication"
        case 0x0005, 0x0402, 0x0405: "the address is outside the device's memory"
        case 0x000B, 0x000C: "the compressed write failed; run again (Bootwire restarts the image)"
        default: "run again with --trace FILE and report the trace if it repeats"
        }
    }
}

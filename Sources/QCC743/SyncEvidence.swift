import BootwireCore

/// What came back to a sync burst, classified (spec 4 and 16). The vendor accepts any 0x4F or
/// 0x4B byte in noise as success; Bootwire accepts exactly `OK`.
public enum SyncEvidence: Sendable, Equatable {
    case ok
    case nothing
    /// Only our own 0x55 bytes came back: TX is looped to RX.
    case echo
    /// Readable text: the application's log at the boot rate.
    case text(String)
    /// The boot ROM's own error replies (`FL` and a 16-bit code, spec 4), one or more: the ROM
    /// runs and heard something that was not a clean sync, e.g. 0x55 bytes the line changed.
    case romError([UInt16])
    /// Bytes that are neither `OK`, the ROM's errors, nor text.
    case junk([UInt8])

    public static func classify(_ received: [UInt8]) -> SyncEvidence {
        if received == ISPResponse.okBytes { return .ok }
        if received.isEmpty { return .nothing }
        if received.allSatisfy({ $0 == 0x55 }) { return .echo }
        if received.count % 4 == 0, received.count >= 4 {
            let frames = stride(from: 0, to: received.count, by: 4).map { received[$0..<$0 + 4] }
            if frames.allSatisfy({ $0.prefix(2).elementsEqual(ISPResponse.failBytes) }) {
                return .romError(frames.map { UInt16($0[$0.startIndex + 2]) | UInt16($0[$0.startIndex + 3]) << 8 })
            }
        }
        let printable = received.filter { (0x20...0x7E).contains($0) || $0 == 0x0A || $0 == 0x0D }
        if printable.count * 10 >= received.count * 9 {
            let text = String(decoding: received, as: UTF8.self)
            let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
            return .text(line)
        }
        return .junk(received)
    }

    /// The error a run of failed attempts ends with, judged from the most telling attempt.
    /// `previousSessionBaud`: a session on this port that left the module in its ROM at that
    /// rate, with no reset line since. Then the module need not be put in its boot ROM.
    public static func failure(
        _ attempts: [[UInt8]], baud: Int, entry: BootEntryReport, previousSessionBaud: Int? = nil
    ) -> BootwireError {
        let outcomes = attempts.map(classify)
        var evidence: [String: String] = [
            "attempts": "\(attempts.count)", "baud": "\(baud)", "boot-entry": entry.summary,
        ]
        if let sample = attempts.last(where: { !$0.isEmpty }) {
            evidence["first-bytes"] = Hex.string(sample.prefix(32))
        }
        if outcomes.contains(where: { if case .text = $0 { true } else { false } }),
            case .text(let line)? = outcomes.first(where: { if case .text = $0 { true } else { false } })
        {
            evidence["first-line"] = line
            return BootwireError(
                .applicationRunning, "the module's application answered, not its boot ROM: \"\(line)\"",
                hint: applicationHint,
                evidence: evidence)
        }
        if case .romError(let codes)? = outcomes.last(where: { if case .romError = $0 { true } else { false } }) {
            // Only the ROM sends FL frames: it is running and in sync mode, and what reached it
            // was not the clean 0x55 burst it measures. The line is to blame, never the flash.
            evidence["rom-errors"] = codes.map { "FL" + Hex.string(LE.u16($0)) }.joined(separator: " ")
            return BootwireError(
                .lineNoise, "the boot ROM answered the sync with its own error replies (FL): the line changes bytes",
                hint: "the boot ROM is running: shorten the cable, check the ground wire, or lower --boot-baud",
                evidence: evidence)
        }
        if outcomes.contains(where: { if case .junk = $0 { true } else { false } }) {
            let longest = attempts.map(\.count).max() ?? 0
            if longest >= 16 {
                // A stream, none of it the ROM's: the application talks. Short fragments beside
                // it may be the rate or the wiring. An attempt that heard nothing says nothing: a
                // firmware prints its boot log once, and a reply that came late (a loaded host) is
                // flushed before the next burst.
                let steady = attempts.allSatisfy { $0.isEmpty || $0.count >= 16 }
                return BootwireError(
                    .applicationRunning,
                    "a steady stream that is not the boot ROM answered (\(longest) bytes): the application is running",
                    hint: steady ? applicationHint : applicationHint + ", and check the adapter's rate and wiring",
                    evidence: evidence)
            }
            return BootwireError(
                .baudMismatch, "framing junk instead of OK: the two ends do not agree on the rate",
                hint: "the boot ROM syncs at 500000 baud; check --boot-baud and that the adapter supports it",
                evidence: evidence)
        }
        if outcomes.allSatisfy({ $0 == .echo || $0 == .nothing }) && outcomes.contains(.echo) {
            return BootwireError(
                .echoOnly, "only our own bytes came back: TX is connected to RX",
                hint: "remove the loopback jumper, or cross TX→RX and RX→TX between adapter and module",
                evidence: evidence)
        }
        if let previous = previousSessionBaud {
            evidence["previous-session-baud"] = "\(previous)"
            return BootwireError(
                .noResponse,
                "nothing answered the sync at \(baud) baud, nor at \(previous) baud where the last session left the module",
                hint: "the module may still be busy in the last session, or was unplugged: power-cycle it "
                    + "(with BOOT high to return to the boot ROM) and run again",
                evidence: evidence)
        }
        return BootwireError(
            .noResponse, "nothing answered the sync at \(baud) baud (\(attempts.count) attempts)",
            hint: wiringChecklist.joined(separator: "; "), evidence: evidence)
    }

    /// What to check when nothing answers the sync, whatever the port's history (`doctor` lists
    /// it whenever the sync fails).
    public static let wiringChecklist = [
        "put the module in its boot ROM: BOOT must be high when CHIP_EN rises (check the pull-ups)",
        "check TX/RX are crossed and the adapter's ground is connected",
        "some adapters cannot carry 500000 baud (an FTDI FT232R can)",
    ]

    /// The fix for an application answering: only the boot pins bring the ROM back. Every
    /// command (an erase too) needs the ROM first, so none is offered as the fix (issue 26).
    static let applicationHint =
        "hold BOOT high while CHIP_EN rises (press EN with BOOT held, or wire DTR/RTS and use --reset qconn) "
        + "so the boot ROM starts, then run again"
}

import BootwireCore
import Testing

@testable import QCC743

/// Issue #23 item 11: a frame the device rejects as malformed (FL0101/FL0102/FL0103) was not
/// acted on and is sent again, bounded, and said so in the trace; a command that met silence
/// may still be running and is never sent again by the rules that guard hashes and erases.
@Suite struct ISPClientResendTests {
    /// Answers each write from a script, at once (reads never wait: a deadline passes as soon
    /// as the script has nothing more to say).
    final class ScriptedLink: Link {
        let name = "scripted"
        let capabilities = LinkCapabilities(modemLines: false, parity: false, isPseudoTerminal: true)
        var settings = LineSettings(baud: 2_000_000, parity: .none)
        var answers: [[UInt8]]
        /// What the ROM says once a fill arrives (a frame completed by it, or a burst's OK).
        var fillAnswers: [[UInt8]] = []
        private(set) var written: [[UInt8]] = []
        /// Bytes of the 0x55 fills sent to put the ROM's parser back in step.
        private(set) var filled = 0
        private(set) var traced: [String] = []
        private var inbox: [UInt8] = []

        init(answers: [[UInt8]]) { self.answers = answers }

        func configure(baud: Int, parity: Parity) throws -> [Note] { [] }
        func write(_ bytes: [UInt8]) throws {
            if bytes.allSatisfy({ $0 == 0x55 }) {
                filled += bytes.count
                if !fillAnswers.isEmpty { inbox += fillAnswers.removeFirst() }
                return
            }
            written.append(bytes)
            if !answers.isEmpty { inbox += answers.removeFirst() }
        }
        func read(max: Int, deadline: Deadline) throws -> [UInt8] {
            let count = min(max, inbox.count)
            defer { inbox.removeFirst(count) }
            return Array(inbox.prefix(count))
        }
        func flushInput() throws { inbox = [] }
        func drain() throws {}
        func setModemLine(_ line: ModemLine, asserted: Bool) throws {}
        func traceEvent(_ text: String) { traced.append(text) }
    }

    static func fail(_ code: ISPDeviceError) -> [UInt8] { ISPResponse.failBytes + LE.u16(code.rawValue) }
    static let ok = ISPResponse.okBytes
    static let erase = ISPFrame(.flashErase, payload: LE.u32(0) + LE.u32(0xFFF))

    @Test(arguments: [ISPDeviceError.commandIDError, .commandLengthError, .commandCRCError])
    func aMalformedFrameRejectionIsResentAndTraced(code: ISPDeviceError) throws {
        let link = ScriptedLink(answers: [Self.fail(code), Self.ok])
        let client = ISPClient(link: link)
        try client.exchange(Self.erase, timeout: 0.01, retry: .whenRejected)
        #expect(link.written == [Self.erase.bytes, Self.erase.bytes])
        #expect(client.resentFrames == 1 && client.checksumRejections == 1)
        #expect(link.traced.count == 1 && link.traced[0].contains(code.wireName))
        // A garbled header (id or length) left the ROM reading our payload as frames: filled first.
        #expect((link.filled > 0) == (code != .commandCRCError))
    }

    @Test func resendsAreBounded() throws {
        let link = ScriptedLink(answers: Array(repeating: Self.fail(.commandLengthError), count: 10))
        let client = ISPClient(link: link)
        let error = expectError(.deviceError) { try client.exchange(Self.erase, timeout: 0.01, retry: .whenRejected) }
        #expect(error?.cause == .romError(ISPDeviceError.commandLengthError.rawValue))
        #expect(link.written.count == client.retries + 1)
    }

    @Test func aHashOrEraseThatMetSilenceIsNotResent() throws {
        let hash = ISPFrame(.flashXIPReadSHA, payload: LE.u32(0) + LE.u32(0x1000))
        for frame in [Self.erase, hash] {
            let link = ScriptedLink(answers: [])
            let client = ISPClient(link: link)
            _ = expectError(.timeout) { try client.exchange(frame, timeout: 0.01, retry: .whenRejected) }
            #expect(link.written == [frame.bytes])
            #expect(link.traced.isEmpty)
        }
    }

    /// Silence after a compressed chunk: a fill, never the chunk again. A ROM that was waiting
    /// for payload a grown length field announced rejects the completed frame (the caller may
    /// then resend); a ROM that was at work answers for the chunk.
    @Test func silenceIsAnsweredByAFillNotByTheFrameAgain() throws {
        let chunk = ISPFrame(.flashDecompressWrite, payload: LE.u32(0x8001_0000) + [1, 2, 3])
        let waiting = ScriptedLink(answers: [[]])
        waiting.fillAnswers = [Self.fail(.commandCRCError) + Self.ok]
        let error = expectError(.deviceError) {
            try ISPClient(link: waiting).exchange(chunk, timeout: 0.01, retry: .never, fillOnSilence: true)
        }
        #expect(ISPClient.isRejection(error!))
        #expect(waiting.written == [chunk.bytes] && waiting.filled == ISPClient.resynchronisingFill.count)

        let working = ScriptedLink(answers: [[]])
        working.fillAnswers = [Self.ok + Self.ok]
        #expect(try ISPClient(link: working).exchange(chunk, timeout: 0.01, retry: .never, fillOnSilence: true) == [])
        #expect(working.written == [chunk.bytes])

        let gone = ScriptedLink(answers: [[]])
        _ = expectError(.timeout) {
            try ISPClient(link: gone).exchange(chunk, timeout: 0.01, retry: .never, fillOnSilence: true)
        }
        #expect(gone.written == [chunk.bytes])
    }

    /// A chunk whose checksum byte would be 0 (the value the ROM does not check) goes shorter,
    /// so every data frame on a noisy line is verified.
    @Test func noDataChunkGoesWithTheUncheckedChecksumZero() throws {
        // Payload = 4 address bytes (0) + data; the checksum adds the length and the payload.
        let data: [UInt8] = [0x01, 0xF9, 0xFF]
        let frame = { (range: Range<Int>) in ISPFrame(.flashWrite, payload: LE.u32(0) + data[range]) }
        #expect(frame(0..<3).checksum == 0 && frame(0..<2).checksum == 0)  // 7+1+249+255, 6+1+249
        #expect(QCC743Session.checkedChunk(0..<3, frame: frame) == 0..<1)
        #expect(QCC743Session.checkedChunk(1..<3, frame: frame) == 1..<3)  // already checked: kept
        for length in 2...300 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ length) }
            let chunk = { (range: Range<Int>) in
                ISPFrame(.flashDecompressWrite, payload: LE.u32(0x8000_0000) + bytes[range])
            }
            #expect(chunk(QCC743Session.checkedChunk(0..<length, frame: chunk)).checksum != 0)
        }
    }

    @Test func otherDeviceErrorsAreNotResent() throws {
        let link = ScriptedLink(answers: [Self.fail(.flashEraseError), Self.ok])
        let client = ISPClient(link: link)
        _ = expectError(.deviceError) { try client.exchange(Self.erase, timeout: 0.01, retry: .whenRejected) }
        #expect(link.written.count == 1)
    }
}

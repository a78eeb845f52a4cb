import BootwireCore
import Foundation
import Testing

/// `--trace`: bytes out as `>` lines, bytes in as `<` lines, settings as `=` lines.
@MainActor @Suite struct WireTraceTests {
    /// The trace's lines split into fields: timestamp, port, direction, rest.
    private static func lines(of url: URL) throws -> [(
        time: Double, port: String, direction: String, text: String
    )] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let fields = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
            try #require(fields.count >= 3, "malformed trace line: \(line)")
            let time = try #require(Double(fields[0]))
            return (
                time, String(fields[1]), String(fields[2]),
                fields.count > 3 ? String(fields[3]) : ""
            )
        }
    }

    /// A trace opens with what the bridge answered when asked for its lowest latency (on a pty:
    /// no control); the lines after it.
    private static func linesAfterLatency(of url: URL) throws -> [(
        time: Double, port: String, direction: String, text: String
    )] {
        let all = try lines(of: url)
        #expect(all.first?.direction == "=" && all.first?.text.hasPrefix("latency ") == true)
        return Array(all.dropFirst())
    }

    @Test("writes are traced as > lines and reads as < lines, in hex, in order")
    func traceRecordsBothDirections() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("wire.trace")

        let portName = try withPort { pty, port in
            port.trace = try WireTrace(path: file.path)
            try port.configure(baud: 2_000_000, parity: .none)
            try port.write([0x50, 0x00, 0xFF])
            #expect(pty.readBytes(3) == [0x50, 0x00, 0xFF])
            pty.write([0x4F, 0x4B])
            #expect(try port.read(exactly: 2, deadline: .after(milliseconds: 500)) == [0x4F, 0x4B])
            // A read that times out records nothing.
            #expect(try port.read(max: 8, deadline: .after(milliseconds: 5)) == [])
            port.trace = nil
            return port.name
        }

        let lines = try Self.linesAfterLatency(of: file)
        #expect(lines.map(\.direction) == ["=", ">", "<"])
        #expect(lines.allSatisfy { $0.port == portName })
        #expect(lines[0].text == "line 2000000 8N1")
        #expect(lines[1].text == "50 00 ff")
        #expect(lines[2].text == "4f 4b")
        #expect(lines.map(\.time) == lines.map(\.time).sorted())
        #expect(lines.allSatisfy { $0.time >= 0 && $0.time < 10 })
    }

    @Test("long writes are split into lines of 32 bytes")
    func longWritesWrap() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("long.trace")
        let sent = Array(0..<70).map(UInt8.init)

        try withPort { pty, port in
            port.trace = try WireTrace(path: file.path)
            try port.write(sent)
            #expect(pty.readBytes(sent.count) == sent)
            port.trace = nil
        }

        let lines = try Self.linesAfterLatency(of: file)
        #expect(lines.map(\.direction) == [">", ">", ">"])
        #expect(lines.map { $0.text.split(separator: " ").count } == [32, 32, 6])
        #expect(lines.map(\.text).joined(separator: " ") == Hex.string(sent, separator: " "))
    }

    @Test("a disconnect is recorded as an event")
    func disconnectIsTraced() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("gone.trace")

        var pty: PseudoTerminal? = try PseudoTerminal()
        let port = try SerialPort.open(try #require(pty).slavePath)
        defer { port.close() }
        port.trace = try WireTrace(path: file.path)
        pty = nil
        #expect(throws: BootwireError.self) {
            _ = try port.read(max: 8, deadline: .after(milliseconds: 500))
        }
        port.trace = nil

        let lines = try Self.linesAfterLatency(of: file)
        #expect(lines.map(\.direction) == ["="])
        #expect(lines.first?.text == "disconnected")
    }

    /// An output file like any other (`OutputFile`): refused before the session with its code.
    @Test("a trace file that cannot be created throws output-write-failed")
    func uncreatableTrace() {
        let error = #expect(throws: BootwireError.self) {
            _ = try WireTrace(path: "/proc/bootwire-no-such-folder/wire.trace")
        }
        #expect(error?.code == .outputWriteFailed)
    }
}

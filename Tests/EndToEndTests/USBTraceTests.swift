import BootwireCore
import Foundation
import Testing

/// `--trace` on the USB routes: every transfer at the USB seam, in the serial trace's line
/// shape (time, device, direction, then `setup`/`epXX` and hex bytes, or an event), and the
/// ST-LINK's commands named between them.
@Suite struct USBTraceTests {
    /// One trace line, parsed into typed fields.
    struct Line {
        var time: Double
        var device: String
        var direction: String
        /// `setup`, `ep00`, `ep01`, `ep81` … on `>`/`<` lines; nil on `=` lines.
        var label: String?
        var bytes: [UInt8]
        var event: String
    }

    static func lines(_ path: String) throws -> [Line] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { raw in
            let fields = raw.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true).map(String.init)
            try #require(fields.count == 4, "malformed trace line: \(raw)")
            let time = try #require(Double(fields[0]), "no time in: \(raw)")
            guard fields[2] != "=" else {
                return Line(time: time, device: fields[1], direction: "=", label: nil, bytes: [], event: fields[3])
            }
            let words = fields[3].split(separator: " ").map(String.init)
            let bytes = try words.dropFirst().map { try #require(UInt8($0, radix: 16), "not hex: \(raw)") }
            try #require(["<", ">"].contains(fields[2]), "direction in: \(raw)")
            try #require(words[0] == "setup" || words[0].count == 4 && words[0].hasPrefix("ep"), "label in: \(raw)")
            try #require((1...32).contains(bytes.count), "bytes in: \(raw)")
            return Line(time: time, device: fields[1], direction: fields[2], label: words[0], bytes: bytes, event: "")
        }
    }

    func flash(_ port: String, bytes: Int) throws -> [Line] {
        let trace = Scratch.make().appendingPathComponent("usb.trace").path
        let image = try Scratch.file(firmwareLike(bytes, seed: 9), name: "app.bin").path + "@0x08000000"
        let run = try Bootwire.run(["flash", "--port", port, "--trace", trace, "--json", image])
        #expect(run.ok, "\(run.stdout)")
        let lines = try Self.lines(trace)
        #expect(lines.map(\.time) == lines.map(\.time).sorted())
        #expect(Set(lines.map(\.device)).count == 1, "one device: \(Set(lines.map(\.device)))")
        #expect(lines.first?.device.wholeMatch(of: /[0-9]+-[0-9.]+\/[0-9a-f]{4}:[0-9a-f]{4}/) != nil)
        #expect(lines.contains { $0.event.hasPrefix("open ") })
        #expect(lines.filter { $0.label == "setup" }.allSatisfy { $0.bytes.count == 8 })
        return lines
    }

    @Test func dfuControlTransfersAreTraced() throws {
        let size = 5000
        let lines = try flash("virtual:dfu-l476", bytes: size)
        #expect(lines.contains { $0.event == "claim 0" })
        // DFU_DNLOAD (class OUT, request 1) with its data stage; DFU_GETSTATUS (class IN, 3)
        // answered with six bytes.
        let setups = lines.indices.filter { lines[$0].label == "setup" }
        let download = setups.filter { lines[$0].bytes.prefix(2) == [0x21, 0x01] }
        #expect(!download.isEmpty)
        #expect(download.contains { lines[$0 + 1].direction == ">" && lines[$0 + 1].label == "ep00" })
        let status = setups.filter { lines[$0].bytes.prefix(2) == [0xA1, 0x03] }
        #expect(!status.isEmpty)
        #expect(status.allSatisfy { lines[$0 + 1].direction == "<" && lines[$0 + 1].bytes.count == 6 })
        // Every byte of the image went out in a data stage.
        let out = lines.filter { $0.direction == ">" && $0.label == "ep00" }.reduce(0) { $0 + $1.bytes.count }
        #expect(out >= size)
    }

    @Test func stlinkBulkTransfersAreTracedWithCommandNames() throws {
        let size = 5000
        let lines = try flash("virtual:stlink-l476", bytes: size)
        let named = lines.indices.filter { lines[$0].event.hasPrefix("stlink ") }
        #expect(named.contains { lines[$0].event == "stlink GET_VERSION" })
        #expect(named.contains { lines[$0].event.hasPrefix("stlink DEBUG WRITEMEM_32BIT 0x") })
        // Each named command is the 16-byte frame on the OUT endpoint that follows it.
        for index in named {
            let frame = try #require(lines[(index + 1)...].first { $0.direction != "=" })
            #expect(frame.direction == ">" && frame.label == "ep01" && frame.bytes.count == 16)
        }
        #expect(lines.contains { $0.direction == "<" && $0.label == "ep81" })
        let out = lines.filter { $0.direction == ">" && $0.label == "ep01" }.reduce(0) { $0 + $1.bytes.count }
        #expect(out >= size)
    }
}

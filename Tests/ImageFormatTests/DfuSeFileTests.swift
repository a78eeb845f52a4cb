import BootwireCore
import Foundation
import Testing

/// dfu-util's `dfu-suffix`, when installed (Debian package dfu-util).
enum DfuSuffixTool {
    static let path = ["/usr/bin/dfu-suffix", "/usr/local/bin/dfu-suffix"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path!)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}

@Suite struct DfuSeFileTests {
    static let sample = DfuSeFile(targets: [
        .init(
            alternate: 0, name: "ST...",
            elements: [
                .init(address: 0x0800_0000, bytes: (0..<3000).map { UInt8(truncatingIfNeeded: $0 * 7) }),
                .init(address: 0x0800_4000, bytes: [1, 2, 3, 4, 5]),
            ])
    ])

    /// A DfuSe body (prefix, one target, elements) laid out by hand from UM0391, without a
    /// suffix: independent of the writer under test.
    static func handMadeBody(_ elements: [(UInt32, [UInt8])], alternate: UInt8 = 0) -> [UInt8] {
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        let payload = elements.flatMap { le32($0.0) + le32(UInt32($0.1.count)) + $0.1 }
        var target = Array("Target".utf8) + [alternate] + le32(0) + [UInt8](repeating: 0, count: 255)
        target += le32(UInt32(payload.count)) + le32(UInt32(elements.count)) + payload
        return Array("DfuSe".utf8) + [1] + le32(UInt32(11 + target.count)) + [1] + target
    }

    func file(_ bytes: [UInt8], _ name: String = "image.dfu") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bootwire-dfu-\(UUID().uuidString)-\(name)")
        try Data(bytes).write(to: url)
        return url
    }

    @Test func writtenFilesParseBackAndLoadAsAPlan() throws {
        let bytes = Self.sample.bytes
        #expect(try DfuSeFile.parse(bytes, file: "x.dfu") == Self.sample)
        #expect(DfuSeFile.looksLike(bytes))
        #expect(ImageFormat.detect(bytes, file: "firmware.img") == .dfuSe, "told by the prefix, not the name")
        let plan = try ImageLoader.load(bytes: bytes, file: "x.dfu", address: nil)
        #expect(plan.segments.map(\.address) == [0x0800_0000, 0x0800_4000])
        #expect(plan.segments[1].bytes == [1, 2, 3, 4, 5])
    }

    @Test func theCRCIsZlibsComplementOverAllButTheLastFourBytes() throws {
        var bytes = Self.sample.bytes
        let stored = bytes.suffix(4).enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        #expect(stored == ~CRC32.checksum(bytes.dropLast(4)))
        bytes[20] ^= 1
        #expect(throws: BootwireError.self) { try DfuSeFile.parse(bytes, file: "x.dfu") }
    }

    @Test func otherAlternateSettingsAreRefusedByName() throws {
        let file = DfuSeFile(targets: [
            .init(alternate: 1, name: "Option Bytes", elements: [.init(address: 0x1FFF_7800, bytes: [0xAA])])
        ])
        #expect(
            throws: BootwireError(
                .dfuFileOtherAlt, "ob.dfu holds an image for alternate setting 1 (Option Bytes), not internal flash",
                hint: "Bootwire flashes alt 0 only; option bytes and OTP are changed with their own commands",
                evidence: ["file": "ob.dfu", "alternate": "1"])
        ) { try ImageLoader.load(bytes: file.bytes, file: "ob.dfu", address: nil) }
    }

    @Test func aRawBinaryWithAnAddressStaysRaw() throws {
        let plan = try ImageLoader.load(bytes: [0x44, 0x66, 0x75, 0x53], file: "app.bin", address: 0x0800_0000)
        #expect(plan.segments.first?.bytes == [0x44, 0x66, 0x75, 0x53])
    }

    @Test(.enabled(if: DfuSuffixTool.path != nil, "dfu-util's dfu-suffix is not installed (apt-get install dfu-util)"))
    func filesSuffixedByDfuSuffixParseToTheSameContents() throws {
        let elements: [(UInt32, [UInt8])] = [
            (0x0800_0000, (0..<1024).map { UInt8($0 & 0xFF) }), (0x0801_0000, [9, 8, 7]),
        ]
        let url = try file(Self.handMadeBody(elements))
        let added = try DfuSuffixTool.run(["-v", "0483", "-p", "df11", "-S", "0x011a", "-a", url.path])
        #expect(added.status == 0, "\(added.output)")
        let parsed = try DfuSeFile.parse([UInt8](try Data(contentsOf: url)), file: url.path)
        #expect(parsed.targets.count == 1)
        #expect(parsed.targets[0].elements.map(\.address) == elements.map(\.0))
        #expect(parsed.targets[0].elements.map(\.bytes) == elements.map(\.1))
        #expect(parsed.vendorID == 0x0483 && parsed.productID == 0xDF11)
    }

    @Test(.enabled(if: DfuSuffixTool.path != nil, "dfu-util's dfu-suffix is not installed (apt-get install dfu-util)"))
    func filesBootwireWritesPassDfuSuffixCheck() throws {
        let good = try file(Self.sample.bytes)
        let check = try DfuSuffixTool.run(["-c", good.path])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("0x0483") && check.output.contains("0x011A"), "\(check.output)")
        // The same suffix as dfu-suffix writes: strip ours, let it add its own, compare.
        let stripped = try DfuSuffixTool.run(["-D", good.path])
        #expect(stripped.status == 0, "\(stripped.output)")
        try DfuSuffixTool.run(["-v", "0483", "-p", "df11", "-d", "ffff", "-S", "0x011a", "-a", good.path])
        #expect([UInt8](try Data(contentsOf: good)) == Self.sample.bytes)
        var broken = Self.sample.bytes
        broken[broken.count - 1] ^= 0xFF
        let bad = try DfuSuffixTool.run(["-c", try file(broken).path])
        #expect(bad.status != 0, "the check can fail: \(bad.output)")
    }
}

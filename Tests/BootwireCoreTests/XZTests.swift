import BootwireCore
import Foundation
import Testing

/// xz as the QCC743 boot ROM expects it: LZMA2, 32 KiB dictionary, CRC32 check.
@MainActor @Suite struct XZTests {
    /// Text-like data with some variety: compresses well but not trivially.
    nonisolated static let compressible: [UInt8] = {
        var text = ""
        var i = 0
        while text.utf8.count < 200_000 {
            text += "line \(i): flash sector \(i % 97) at 0x\(String(i &* 4096, radix: 16)) ok\n"
            i += 1
        }
        return Array(text.utf8)
    }()

    nonisolated static let fixturesFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // BootwireCoreTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // the package root
        .appendingPathComponent("../shared/fixtures/st67w61")
        .standardized
    nonisolated static let boot2 = fixturesFolder.appendingPathComponent(
        "st67w611m_boot2_v8.1.9.bin")

    @Test("random data survives a round trip", arguments: [0, 1, 100, 65_536, 300_001])
    func randomRoundTrip(count: Int) throws {
        let input = pseudoRandomBytes(count, seed: UInt64(count) + 7)
        let compressed = try XZ.compress(input)
        #expect(try XZ.decompress(compressed) == input)
    }

    @Test("compressible data survives a round trip and shrinks")
    func compressibleRoundTrip() throws {
        let compressed = try XZ.compress(Self.compressible)
        #expect(compressed.count < Self.compressible.count / 5)
        #expect(try XZ.decompress(compressed) == Self.compressible)
    }

    @Test("the stream header declares LZMA2 with a CRC32 check and a 32 KiB dictionary")
    func header() throws {
        let compressed = try XZ.compress(Self.compressible)
        try #require(compressed.count > 17)
        // Stream header: magic, flags 00 01 (CRC32), CRC32 of the flags.
        #expect(
            Array(compressed[0..<12]) == [
                0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0x00, 0x01, 0x69, 0x22, 0xDE, 0x36,
            ])
        // Block header: one filter, LZMA2 (id 0x21) with one property byte; 6 means 32 KiB.
        #expect(compressed[13] & 0x03 == 0)
        #expect(Array(compressed[14..<17]) == [0x21, 0x01, 0x06])
        // Stream footer ends with "YZ".
        #expect(Array(compressed.suffix(2)) == [0x59, 0x5A])
    }

    @Test(
        "a streaming decoder fed in odd-sized pieces gives the same output",
        arguments: [1, 7, 2047, 65_537])
    func streamingPieces(pieceSize: Int) throws {
        let compressed = try XZ.compress(Self.compressible)
        let decoder = try XZDecoder()
        var output: [UInt8] = []
        var offset = 0
        while offset < compressed.count {
            let end = min(offset + pieceSize, compressed.count)
            output += try decoder.feed(Array(compressed[offset..<end]))
            offset = end
        }
        #expect(decoder.isFinished)
        output += try decoder.finish()
        #expect(output == Self.compressible)
    }

    @Test("incompressible data decodes the same in pieces")
    func streamingRandom() throws {
        let input = pseudoRandomBytes(150_000, seed: 42)
        let compressed = try XZ.compress(input)
        let decoder = try XZDecoder()
        var output: [UInt8] = []
        for start in stride(from: 0, to: compressed.count, by: 2047) {
            output += try decoder.feed(
                Array(compressed[start..<min(start + 2047, compressed.count)]))
        }
        output += try decoder.finish()
        #expect(output == input)
    }

    @Test("a truncated stream makes finish() throw bad-image", arguments: [1, 12, 100, 1000])
    func truncated(dropped: Int) throws {
        let compressed = try XZ.compress(Self.compressible)
        try #require(compressed.count > dropped)
        let decoder = try XZDecoder()
        _ = try decoder.feed(Array(compressed.dropLast(dropped)))
        #expect(!decoder.isFinished)
        let error = #expect(throws: BootwireError.self) { _ = try decoder.finish() }
        #expect(error?.code == .badImage)
    }

    @Test("decompress of a truncated or empty stream throws bad-image")
    func decompressTruncated() throws {
        let compressed = try XZ.compress(Self.compressible)
        for input in [
            Array(compressed.prefix(compressed.count / 2)), Array(compressed.prefix(6)), [],
        ] {
            let error = #expect(throws: BootwireError.self) { _ = try XZ.decompress(input) }
            #expect(error?.code == .badImage)
        }
    }

    @Test("corrupt data throws bad-image")
    func corrupt() throws {
        var compressed = try XZ.compress(Self.compressible)
        compressed[compressed.count / 2] ^= 0x40
        let error = #expect(throws: BootwireError.self) { _ = try XZ.decompress(compressed) }
        #expect(error?.code == .badImage)
    }

    @Test("bytes after the end of the stream throw bad-image")
    func trailingBytes() throws {
        let compressed = try XZ.compress([1, 2, 3])
        let decoder = try XZDecoder()
        #expect(try decoder.feed(compressed) == [1, 2, 3])
        let error = #expect(throws: BootwireError.self) { _ = try decoder.feed([0x00, 0x01]) }
        #expect(error?.code == .badImage)
    }

    @Test(
        "ST's boot2 compresses to the vendor's 27576 bytes",
        .enabled(
            if: FileManager.default.fileExists(atPath: boot2.path),
            "needs ../shared/fixtures/st67w61"))
    func vendorSize() throws {
        let input = Array(try Data(contentsOf: Self.boot2))
        let compressed = try XZ.compress(input)
        #expect(compressed.count == 27_576)
        #expect(try XZ.decompress(compressed) == input)
    }
}

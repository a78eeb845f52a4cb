import BootwireCore
import Foundation
import Testing

@testable import QCC743

/// The example set the README's first command flashes (Examples/qcc743): Bootwire's own
/// images with valid, unsigned boot headers and its own partition table. This test proves the
/// committed files valid; with BOOTWIRE_REGENERATE_EXAMPLES=1 it writes them anew.
@Suite struct ExampleImagesTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/qcc743")

    /// Deterministic bodies that compress like code.
    static func body(_ count: Int, seed: UInt32) -> [UInt8] {
        var state = seed
        return (0..<count).map { i in
            state = state &* 1_664_525 &+ 1_013_904_223
            return i % 5 == 0 ? UInt8(truncatingIfNeeded: state >> 24) : UInt8(truncatingIfNeeded: (i >> 3) ^ (i >> 11))
        }
    }

    static func generate() throws -> [String: [UInt8]] {
        var builder = UnsignedImageBuilder()
        builder.groupImageOffset = 0x2000
        let boot2 = try builder.image(body: body(24 * 1024, seed: 2))
        builder.groupImageOffset = 0x1000
        let app = try builder.image(body: body(160 * 1024, seed: 7))
        let table = PartitionTable(entries: [
            .init(type: 16, name: "Boot2", addresses: [0, 0], maxLengths: [0xE000, 0]),
            .init(type: 0, name: "FW", addresses: [0x10000, 0x1C4000], maxLengths: [0x1B4000, 0x1B4000]),
            .init(type: 2, name: "media", addresses: [0x378000, 0], maxLengths: [0x6D000, 0]),
            .init(type: 9, name: "MFD", addresses: [0x3FF000, 0], maxLengths: [0x1000, 0]),
        ])
        return ["example_boot2.bin": boot2, "example_app.bin": app, "partition.bin": table.bytes]
    }

    @Test func theCommittedExamplesAreValid() throws {
        let generated = try Self.generate()
        if ProcessInfo.processInfo.environment["BOOTWIRE_REGENERATE_EXAMPLES"] == "1" {
            for (name, bytes) in generated { try Data(bytes).write(to: Self.folder.appendingPathComponent(name)) }
        }
        for (name, bytes) in generated {
            let committed = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent(name)))
            #expect(committed == bytes, "\(name) differs from what the generator makes")
        }
        for name in ["example_boot2.bin", "example_app.bin"] {
            let file = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent(name)))
            let header = try BootHeader.parse(file)
            #expect(!header.isSigned)
            try header.requireValid(file: name)
        }
        let manifest = try FlashManifest.load(
            path: Self.folder.appendingPathComponent("flash_prog_cfg.ini").path, flashSize: 4 << 20)
        #expect(manifest.images.map(\.name) == ["boot2", "partition", "FW"])
        #expect(manifest.images.map(\.address) == [0, 0xE000, 0x10000])
        #expect(manifest.erase == .chip)
    }
}

import Foundation
import Testing

/// Issue 26 item 5: the end of a flash on every route names each image once (written or
/// skipped), carries the proof as a typed field, and names the eFuse burn when there is one.
struct FlashSummaryTests {
    /// `skips`: the route can tell an image is already there (without Get Checksum, the UART
    /// route cannot, and writes it again).
    static let routes: [(port: String, base: Int, proof: String, skips: Bool)] = [
        ("virtual:qcc743", 0x10000, "device-sha256", true),
        // The virtual L476's bootloader (v3.1) does not list Get Checksum: read back.
        ("virtual:stm32l476,wire=instant", 0x0800_0000, "read-back", false),
        ("virtual:dfu-l476", 0x0800_0000, "read-back", true),
        ("virtual:stlink-l476", 0x0800_0000, "read-back", true),
    ]

    /// Summary lines of the human output: an image's line starts with two blanks and its name.
    static func summaryLines(_ stderr: String, naming name: String) -> Int {
        stderr.split(separator: "\n").filter { $0.hasPrefix("  \(name) ") }.count
    }

    @Test(arguments: routes.map(\.port))
    func eachImageIsNamedOnceWrittenThenSkipped(port: String) throws {
        let route = Self.routes.first { $0.port == port }!
        let cache = Scratch.make()
        // The device's state outlives each run, so the second run finds the images there.
        let device = "\(port),state=\(Scratch.make().appendingPathComponent("device.state").path)"
        let a = try Scratch.file(FlashPipelineBytes.make(4096, seed: 1), name: "first.bin")
        let b = try Scratch.file(FlashPipelineBytes.make(4096, seed: 2), name: "second.bin")
        let arguments = [
            "flash", "--port", device, "\(a.path)@0x\(String(route.base, radix: 16))",
            "\(b.path)@0x\(String(route.base + 0x10000, radix: 16))",
        ]
        let human = try Bootwire.run(arguments, cache: cache)
        #expect(human.status == 0, "\(human.stderr)")
        for name in ["first.bin", "second.bin"] {
            #expect(Self.summaryLines(human.stderr, naming: name) == 1, "\(port): \(human.stderr)")
        }
        #expect(!human.stderr.contains("bytes-per-second="), "key=value only under --verbose: \(human.stderr)")
        let verbose = try Bootwire.run(arguments + ["--verbose"], cache: cache)
        #expect(verbose.stderr.contains(route.skips ? "skipped=2" : "written=2"), "\(verbose.stderr)")
        for name in ["first.bin", "second.bin"] {
            #expect(Self.summaryLines(verbose.stderr, naming: name) == 1, "\(port): \(verbose.stderr)")
        }
        let json = try Bootwire.run(arguments + ["--json"], cache: cache)
        let images = json.result?["images"] as? [[String: Any]] ?? []
        #expect(images.count == 2 && images.allSatisfy { $0["skipped"] as? Bool == route.skips }, "\(json.stdout)")
        let identity = json.events.filter { $0["event"] as? String == "identity" }
        #expect(identity.count == 1 && identity.first?["chip_id"] != nil, "\(json.stdout)")
        // Written again with --force: the proof is a typed field, the route's own.
        let forced = try Bootwire.run(arguments + ["--json", "--force"], cache: cache)
        let proofs = (forced.result?["images"] as? [[String: Any]] ?? []).map { $0["proof"] as? String }
        #expect(proofs == [route.proof, route.proof], "\(forced.stdout)")
    }

    @Test(.enabled(if: Fixtures.present)) func theEfuseBurnIsNamed() throws {
        let image = try Scratch.file(FlashPipelineBytes.make(4096, seed: 3), name: "app.bin")
        let arguments = [
            "flash", "--port", "virtual:qcc743", "\(image.path)@0x10000", "--efuse", Fixtures.path("efusedata.bin"),
            "--yes",
        ]
        let human = try Bootwire.run(arguments)
        #expect(human.status == 0, "\(human.stderr)")
        #expect(
            human.stderr.split(separator: "\n").filter { $0.hasPrefix("eFuse burned: ") }.count == 1, "\(human.stderr)")
        let json = try Bootwire.run(arguments + ["--json"])
        #expect(json.ok, "\(json.stdout)")
        #expect(json.summary["efuse-burned"]?.contains("sign_cfg") == true, "\(json.summary)")
    }
}

enum FlashPipelineBytes {
    static func make(_ count: Int, seed: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 * 7) ^ seed }
    }
}

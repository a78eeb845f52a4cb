import BootwireCore
import Foundation
import Testing

/// Issue 26 item 6: `verify` is the flash pipeline's compare and nothing else. A device that
/// holds the images exits 0; one byte changed is `verify-mismatch`, naming the image and (on
/// read-back routes) the address; the device's state file is the same after a verify.
@Suite struct VerifyTests {
    struct Route: CustomStringConvertible, Sendable {
        var device: String
        var base: Int
        var description: String { device }
        func port(_ state: URL) -> String { device + ",state=\(state.path)" }
    }

    static let routes = [
        Route(device: "virtual:qcc743,wire=instant", base: 0x10_0000),
        Route(device: "virtual:stm32l476,wire=instant", base: 0x0800_0000),
        Route(device: "virtual:dfu-l476,time=simulated", base: 0x0800_0000),
        Route(device: "virtual:stlink-l476,time=simulated", base: 0x0800_0000),
    ]

    static func hex(_ value: Int) -> String { "0x" + String(value, radix: 16) }

    @Test("verify: 0 when the device holds the images, verify-mismatch when one byte differs", arguments: routes)
    func verifyFindsTheDifference(_ route: Route) throws {
        let state = Scratch.make().appendingPathComponent("state.bin")
        let cache = Scratch.make()
        let image = FlashConformanceTests.random(6000, seed: 26)
        var changed = image
        changed[1000] ^= 0x01
        let good = try Scratch.file(image, name: "app.bin").path + "@\(Self.hex(route.base))"
        let other = try Scratch.file(changed, name: "other.bin").path + "@\(Self.hex(route.base))"
        let flashed = try Bootwire.run(["flash", "--port", route.port(state), good, "--json"], cache: cache)
        #expect(flashed.ok, "\(flashed.stdout)\(flashed.stderr)")

        var before = try Data(contentsOf: state)
        let same = try Bootwire.run(["verify", "--port", route.port(state), good, "--json"], cache: cache)
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        #expect(same.summary["matching"] == "1", "\(same.summary)")
        #expect(try Data(contentsOf: state) == before, "verify changed the device")

        let reflashed = try Bootwire.run(["flash", "--port", route.port(state), other, "--json"], cache: cache)
        #expect(reflashed.ok, "\(reflashed.stdout)\(reflashed.stderr)")
        before = try Data(contentsOf: state)
        let differs = try Bootwire.run(["verify", "--port", route.port(state), good, "--json"], cache: cache)
        #expect(differs.errorCode == ErrorCode.verifyMismatch.rawValue, "\(differs.stdout)\(differs.stderr)")
        #expect(differs.status == ErrorCategory.verification.exitStatus)
        #expect(differs.summary["differing"] == "app.bin", "\(differs.summary)")
        let evidence = (differs.result?["error"] as? [String: Any])?["evidence"] as? [String: String]
        let at = evidence?["image app.bin"]
        #expect(at?.hasPrefix("differs at ") == true, "\(evidence ?? [:])")
        if !route.device.hasPrefix("virtual:qcc743") {
            // Routes spell addresses their own way (0x80003e8, 0x080003E8): compared as numbers.
            let address = at.flatMap { Int($0.dropFirst("differs at 0x".count), radix: 16) }
            #expect(address == route.base + 1000, "\(evidence ?? [:])")
        }
        #expect(try Data(contentsOf: state) == before, "verify changed the device")

        // The dry run reports a plan and exits 0 whether the device matches or not.
        let dry = try Bootwire.run(["flash", "--port", route.port(state), good, "--dry-run", "--json"], cache: cache)
        #expect(dry.status == 0, "\(dry.stdout)")
        #expect(try Data(contentsOf: state) == before, "the dry run changed the device")
    }

    @Test func verifyWithoutImagesIsAUsageError() throws {
        let run = try Bootwire.run(["verify", "--port", "virtual:qcc743,wire=instant", "--json"])
        #expect(run.errorCode == ErrorCode.usage.rawValue, "\(run.stdout)")
    }
}

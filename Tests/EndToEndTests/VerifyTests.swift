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

    /// The module's ini names the images; another ini's images differ; an STM32 has no ini.
    @Test(.enabled(if: Fixtures.present)) func verifyTakesTheModulesIni() throws {
        let emulator = try Emulator()
        let flashed = try Bootwire.run([
            "flash", "--port", emulator.port, "--config", Fixtures.path("mfg_flash_prog_cfg.ini"), "--json",
        ])
        #expect(flashed.ok, "\(flashed.stdout)")
        let same = try Bootwire.run([
            "verify", "--port", emulator.port, "--config", Fixtures.path("mfg_flash_prog_cfg.ini"), "--json",
        ])
        #expect(same.status == 0, "\(same.stdout)")
        #expect(same.summary["matching"] == same.summary["images"], "\(same.summary)")
        let other = try Bootwire.run([
            "verify", "--port", emulator.port, "--config", Fixtures.path("mission_t02_flash_prog_cfg.ini"), "--json",
        ])
        #expect(other.errorCode == ErrorCode.verifyMismatch.rawValue, "\(other.stdout)")
        let stm32 = try Bootwire.run([
            "verify", "--port", "virtual:stm32l476,wire=instant", "--config",
            Fixtures.path("mfg_flash_prog_cfg.ini"), "--json",
        ])
        #expect(stm32.errorCode == ErrorCode.usage.rawValue, "\(stm32.stdout)")
        _ = try emulator.stop()
    }

    @Test func verifyWithoutImagesIsAUsageError() throws {
        let run = try Bootwire.run(["verify", "--port", "virtual:qcc743,wire=instant", "--json"])
        #expect(run.errorCode == ErrorCode.usage.rawValue, "\(run.stdout)")
    }
}

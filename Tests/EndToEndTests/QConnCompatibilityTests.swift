import BootwireCore
import Foundation
import QCC743
import Testing

/// ST's own files and command lines, against `bootwire emulate qcc743`.
@Suite(.serialized, .enabled(if: Fixtures.present, "../shared/fixtures/st67w61 is absent"))
struct QConnCompatibilityTests {
    @Test func missionT02WithEfuseThenAnUnchangedRerun() throws {
        let emulator = try Emulator()
        let first = try Bootwire.run([
            "--port", emulator.port, "--config", Fixtures.path("mission_t02_flash_prog_cfg.ini"),
            "--efuse=\(Fixtures.path("efusedata.bin"))", "--yes", "--json",
        ])
        #expect(first.ok, "\(first.stdout)")
        #expect(first.summary["written"] == "4")
        let second = try Bootwire.run([
            "--port", emulator.port, "--config", Fixtures.path("mission_t02_flash_prog_cfg.ini"),
            "--efuse=\(Fixtures.path("efusedata.bin"))", "--json",
        ])
        // Everything is already there, eFuse included: no confirmation is needed for nothing.
        #expect(second.ok, "\(second.stdout)")
        #expect(second.summary["skipped"] == "4")
        #expect(second.summary["written"] == "0")
        let (flash, efuse) = try emulator.stop()
        var expected = [UInt8](repeating: 0xFF, count: flash.count)
        for (name, address) in Fixtures.mission {
            let data = try Fixtures.bytes(name)
            expected.replaceSubrange(address..<(address + data.count), with: data)
        }
        #expect(flash == expected, "erase = 2: the images, and erased flash everywhere else")
        let image = try EfuseImage.load(path: Fixtures.path("efusedata.bin"))
        var expectedEfuse = [UInt8](repeating: 0, count: 512)
        let factory = [UInt8](repeating: 0, count: 512)
        for i in 0..<512 { expectedEfuse[i] = factory[i] | image.bytes[i] }
        // The factory eFuse of the virtual module carries its MAC and sw_usage_0; ST's bits are ORed in.
        #expect(zip(efuse, image.bytes).allSatisfy { $0 & $1 == $1 })
        #expect(EfuseSummary(efuse).isLockedToSigner)
    }

    @Test func mfgConfigFlashesEveryFile() throws {
        let emulator = try Emulator()
        let run = try Bootwire.run([
            "flash", "--port", emulator.port, "--config", Fixtures.path("mfg_flash_prog_cfg.ini"), "--json",
        ])
        #expect(run.ok, "\(run.stdout)")
        let (flash, _) = try emulator.stop()
        for (name, address) in Fixtures.mfg {
            let data = try Fixtures.bytes(name)
            #expect(Array(flash[address..<(address + data.count)]) == data, "\(name)")
        }
    }

    @Test func anEfuseBurnIsRefusedWithoutConfirmation() throws {
        let emulator = try Emulator()
        let run = try Bootwire.run([
            "--port", emulator.port, "--config", Fixtures.path("mfg_flash_prog_cfg.ini"),
            "--efuse=\(Fixtures.path("efusedata.bin"))", "--json",
        ])
        #expect(run.errorCode == "confirmation-required")
        #expect(run.status == ErrorCategory.protection.exitStatus)
        let (flash, efuse) = try emulator.stop()
        #expect(!EfuseSummary(efuse).signatureRequired, "nothing burned")
        #expect(flash.allSatisfy { $0 == 0xFF }, "nothing written either: the refusal comes first")
    }

    @Test func aLockedModuleTakesSTsSignedImagesAndRefusesAnUnsignedOne() throws {
        let emulator = try Emulator(["--fault", "locked"])
        let signed = try Bootwire.run([
            "flash", "--port", emulator.port, "--config", Fixtures.path("mfg_flash_prog_cfg.ini"), "--json",
        ])
        #expect(signed.ok, "\(signed.stdout)")
        let unsigned = try UnsignedImageBuilder().image(body: firmwareLike(20_000))
        let file = try Scratch.file(unsigned)
        let refused = try Bootwire.run(["flash", "--port", emulator.port, "\(file.path)@0x10000", "--json"])
        #expect(refused.errorCode == "image-not-signed-for-device")
        #expect(refused.status == ErrorCategory.protection.exitStatus)
        let (flash, _) = try emulator.stop()
        let fw = try Fixtures.bytes("st67w611m_mfg_v2.0.106.bin")
        #expect(Array(flash[0x10000..<(0x10000 + fw.count)]) == fw, "the refused image erased nothing")
    }
}

/// Bad inputs end with their own code before any port is opened.
@Suite struct BadInputTests {
    func ini(_ text: String, files: [String: [UInt8]] = [:]) throws -> String {
        let folder = Scratch.make()
        for (name, bytes) in files { try Data(bytes).write(to: folder.appendingPathComponent(name)) }
        let path = folder.appendingPathComponent("flash_prog_cfg.ini")
        try text.write(to: path, atomically: true, encoding: .utf8)
        return path.path
    }

    func flashCode(_ config: String) throws -> String? {
        try Bootwire.run(["flash", "--port", "/dev/no-such-port", "--config", config, "--json"]).errorCode
    }

    @Test func eachBadInputHasItsCode() throws {
        let small = firmwareLike(100)
        #expect(
            try flashCode(ini("[cfg]\nerase = 1\n[a]\nfiledir = ./missing.bin\naddress = 0x0\n")) == "file-not-found")
        #expect(
            try flashCode(
                ini(
                    "[cfg]\nerase = 1\n[a]\nfiledir = ./a.bin\naddress = 0x0\n[b]\nfiledir = ./a.bin\naddress = 0x10\n",
                    files: ["a.bin": small]))
                == "image-overlap")
        #expect(try flashCode(ini("[cfg]\nerase = 7\n")) == "bad-config")
        #expect(try flashCode(ini("[cfg]\nerase 1\n")) == "bad-config")
        #expect(
            try flashCode(ini("[a]\nfiledir = ./a.bin\naddress = 0x3FFFF0\n", files: ["a.bin": small]))
                == "image-too-large")
        #expect(try flashCode("/no/such/flash_prog_cfg.ini") == "file-not-found")
    }

    @Test(.enabled(if: Fixtures.present)) func anUnknownPartitionNameIsABadConfig() throws {
        let text =
            "[cfg]\nerase = 1\n[partition]\nfiledir = \(Fixtures.path("partition.bin"))\naddress = 0xE000\n"
            + "[NOPE]\nfiledir = \(Fixtures.path("partition.bin"))\naddress = @partition\n"
        #expect(try flashCode(ini(text)) == "bad-config")
    }
}

import BootwireCore
import Foundation
import QCC743
import Testing
import VirtualDevices

/// ST's X-CUBE-ST67W61 scripts as they are written: NCP_get_chip_info.sh's QConn_Eflash eFuse
/// read, and NCP_update_*.sh's inis with their `vxxx` names, against virtual modules.
@Suite struct STScriptsTests {
    /// Seed A's chip id, so what the scripts read is the vendor's factory eFuse byte for byte.
    static let module = "virtual:qcc743,wire=instant,chip-id=40827b03d2dc"

    /// NCP_get_chip_info.sh, word for word except the port and the file.
    static func chipInfoRead(port: String = module, file: String, chip: String = "qcc743") -> [String] {
        ["-r", "--efuse", "--chipname=\(chip)", "-p", port, "--start=0x0", "--end=0x1ff", "--file=\(file)"]
    }

    @Test func qconnEflashReadsTheWholeEfuse() throws {
        let out = Scratch.make().appendingPathComponent("flash.bin")
        let run = try Bootwire.run(Self.chipInfoRead(file: out.path) + ["--json"])
        #expect(run.ok, "\(run.stdout)\(run.stderr)")
        let bytes = [UInt8](try Data(contentsOf: out))
        // --end is the vendor's last byte: 0x1ff is all 512 bytes.
        #expect(bytes == VirtualQCC743.factoryEfuse())
        #expect(EfuseChipInfo(bytes)["Default MAC Address"] == .text("40:82:7B:03:D2:DC"))
    }

    @Test func aPartOfTheEfuseAndARangeBeyondIt() throws {
        let out = Scratch.make().appendingPathComponent("mac.bin")
        let run = try Bootwire.run([
            "-r", "--efuse", "-p", Self.module, "--start=0x14", "--end=0x19", "--file=\(out.path)", "--json",
        ])
        #expect(run.ok, "\(run.stdout)")
        #expect([UInt8](try Data(contentsOf: out)) == [0xDC, 0xD2, 0x03, 0x7B, 0x82, 0x40])
        let beyond = try Bootwire.run([
            "-r", "--efuse", "-p", Self.module, "--start=0x100", "--end=0x200", "--file=\(out.path)", "--json",
        ])
        #expect(beyond.errorCode == "address-out-of-range")
        let native = try Bootwire.run([
            "read", "--efuse", "--port", Self.module, "--start", "0", "--len", "512", "--file", out.path, "--json",
        ])
        #expect(native.ok)
        #expect([UInt8](try Data(contentsOf: out)) == VirtualQCC743.factoryEfuse())
    }

    /// Installed as NCP_info/QConn_Eflash-ubuntu, `--file=../flash.bin` lands beside NCP_info,
    /// where ST's script then reads flash.bin.
    @Test func underQConnEflashsNameARelativeFileIsTakenFromItsFolder() throws {
        let root = Scratch.make()
        let folder = root.appendingPathComponent("NCP_info")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let vendorName = folder.appendingPathComponent("QConn_Eflash-ubuntu")
        try FileManager.default.createSymbolicLink(at: vendorName, withDestinationURL: Bootwire.executable)
        let process = Process()
        process.executableURL = vendorName
        process.arguments = Self.chipInfoRead(file: "../flash.bin")
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let bytes = try Data(contentsOf: root.appendingPathComponent("flash.bin"))
        #expect([UInt8](bytes) == VirtualQCC743.factoryEfuse())
    }

    @Test func chipNamesOfThisModuleAreAcceptedAndOthersRefused() throws {
        let out = Scratch.make().appendingPathComponent("flash.bin").path
        for chip in ["qcc743", "BL616", "auto"] {
            #expect(try Bootwire.run(Self.chipInfoRead(file: out, chip: chip) + ["--json"]).ok, "\(chip)")
        }
        for chip in ["bl602", "bl702", "bl616cl", "esp32"] {
            let refused = try Bootwire.run(Self.chipInfoRead(file: out, chip: chip) + ["--json"])
            #expect(refused.errorCode == "wrong-chip-name", "\(chip)")
            #expect(refused.status == ErrorCategory.usage.exitStatus)
            #expect((refused.result?["error"] as? [String: Any])?["hint"] is String)
        }
        let flash = try Bootwire.run(["--port", Self.module, "--chipname", "bl602", "--config", "x.ini", "--json"])
        #expect(flash.errorCode == "wrong-chip-name")
        let jlink = try Bootwire.run(["--port", Self.module, "--interface", "jlink", "--config", "x.ini", "--json"])
        #expect(jlink.errorCode == "usage")
        let reset = try Bootwire.run(["--port", Self.module, "--config", "x.ini", "--reset", "--json"])
        #expect(reset.errorCode == "usage")
        #expect((reset.result?["error"] as? [String: Any])?["hint"] is String)
    }

    /// bflb's flash spellings, each against the device a `state=` file keeps between runs.
    @Test func vendorWriteReadAndEraseSpellings() throws {
        let folder = Scratch.make()
        let port = Self.module + ",state=\(folder.appendingPathComponent("flash.state").path)"
        let image = try Scratch.file(firmwareLike(5000, seed: 3))
        let written = try Bootwire.run(["--port", port, "write_flash_files", "0x10000", image.path, "--json"])
        #expect(written.ok, "\(written.stdout)")
        let firmware = try Bootwire.run(["--port", port, "--firmware", image.path, "--addr", "0x20000", "--json"])
        #expect(firmware.ok, "\(firmware.stdout)")
        let out = folder.appendingPathComponent("read.bin")
        // --end is the last byte: 0x1000f is 16 bytes.
        for start in ["0x10000", "0x20000"] {
            let last = "0x" + String(Int(start.dropFirst(2), radix: 16)! + 15, radix: 16)
            let read = try Bootwire.run([
                "--port", port, "--read", "--flash", "--start", start, "--end", last, "--file", out.path, "--json",
            ])
            #expect(read.ok, "\(read.stdout)")
            #expect([UInt8](try Data(contentsOf: out)) == Array(firmwareLike(5000, seed: 3).prefix(16)))
        }
        let erased = try Bootwire.run(["--port", port, "--erase", "--start", "0x10000", "--end", "0x10fff", "--json"])
        #expect(erased.ok, "\(erased.stdout)")
        #expect(erased.summary["requested"] == nil, "0x10000..0x10fff is exactly one sector")
        let erasedByLength = try Bootwire.run([
            "--port", port, "--erase", "--start", "0x20000", "--len", "0x1000", "--json",
        ])
        #expect(erasedByLength.summary["erased"] == "0x20000..0x21000", "\(erasedByLength.stdout)")
        let readErased = try Bootwire.run([
            "-r", "--flash", "-p", port, "--start=0x10000", "--end=0x1000f", "--file=\(out.path)", "--json",
        ])
        #expect(readErased.ok)
        #expect([UInt8](try Data(contentsOf: out)) == [UInt8](repeating: 0xFF, count: 16))
    }

    @Test(.enabled(if: Fixtures.present)) func anEfuseFileAloneIsABurn() throws {
        let file = Fixtures.path("efusedata.bin")
        let refused = try Bootwire.run(["--port", Self.module, "--efuse=\(file)", "--json"])
        #expect(refused.errorCode == "confirmation-required")
        let burned = try Bootwire.run(["--port", Self.module, "--efusefile", file, "--yes", "--json"])
        #expect(burned.ok, "\(burned.stdout)")
        #expect(burned.summary["bits-burned"] == "140")
    }

    @Test func efuseShowPrintsSTsChipInfo() throws {
        let run = try Bootwire.run(["efuse", "show", "--port", Self.module, "--json"])
        let efuse = try #require(run.result?["efuse"] as? [String: Any], "\(run.stdout)")
        let info = try #require(efuse["chip-info"] as? [String: Any])
        #expect(info["JTAG"] as? String == "Enabled")
        #expect(info["Public Key"] as? String == "Empty")
        #expect(info["Anti-rollback"] as? String == "Disabled")
        #expect(info["Anti-rollback Bootloader"] as? Int == 0)
        #expect(info["Default MAC Address"] as? String == "40:82:7B:03:D2:DC")
        #expect(info["Customer MAC Address1"] as? String == "00:00:00:00:00:00")
        #expect(info["Part Number"] as? String == "Invalid Part Number")
        #expect(info["Manufacturing Year/Week"] as? String == "Year 2000 | Week 00")
        #expect(info["BOM Id"] as? String == "0000")
        #expect((efuse["chip-info-unconfirmed"] as? [String])?.contains("Part Number") == true)
    }

    @Test func efuseShowOnALockedModule() throws {
        let run = try Bootwire.run(["efuse", "show", "--port", Self.module + ",fault=locked", "--json"])
        let info = try #require((run.result?["efuse"] as? [String: Any])?["chip-info"] as? [String: Any])
        #expect(info["JTAG"] as? String == "Disabled")
        #expect(info["Public Key"] as? String == "Filled")
        #expect(info["Anti-rollback"] as? String == "Enabled")
    }

    /// Fake version files: the newest by number (not by text: "106" < "89" as text) is flashed.
    @Test func aVxxxNameFlashesTheNewestVersion() throws {
        let folder = Scratch.make()
        let versions = ["2.0.89", "2.0.106", "2.0.97"]
        for (index, version) in versions.enumerated() {
            try Data(firmwareLike(5000 + index * 100, seed: UInt32(index + 1)))
                .write(to: folder.appendingPathComponent("fw_v\(version).bin"))
        }
        let ini = folder.appendingPathComponent("flash_prog_cfg.ini")
        try "[cfg]\nerase = 1\n[FW]\nfiledir = ./fw_vxxx.bin\naddress = 0x10000\n".write(
            to: ini, atomically: true, encoding: .utf8)
        let state = folder.appendingPathComponent("flash.state")
        let run = try Bootwire.run([
            "flash", "--port", Self.module + ",state=\(state.path)", "--config", ini.path, "--json",
        ])
        #expect(run.ok, "\(run.stdout)")
        let notes = run.events.filter { $0["event"] as? String == "note" }.compactMap { $0["message"] as? String }
        #expect(notes.contains { $0.contains("fw_vxxx.bin → fw_v2.0.106.bin") })
        let flash = [UInt8](try Data(contentsOf: state))
        let newest = firmwareLike(5100, seed: 2)
        #expect(Array(flash[0x10000..<(0x10000 + newest.count)]) == newest)
    }

    @Test func aVxxxNameWithNoVersionIsFileNotFoundWithTheCandidates() throws {
        let folder = Scratch.make()
        try Data(firmwareLike(100)).write(to: folder.appendingPathComponent("fw_vbeta.bin"))
        let ini = folder.appendingPathComponent("flash_prog_cfg.ini")
        try "[FW]\nfiledir = ./fw_vxxx.bin\naddress = 0x10000\n".write(to: ini, atomically: true, encoding: .utf8)
        let run = try Bootwire.run(["flash", "--port", Self.module, "--config", ini.path, "--json"])
        #expect(run.errorCode == "file-not-found")
        let error = run.result?["error"] as? [String: Any]
        #expect((error?["evidence"] as? [String: String])?["candidates"] == "fw_vbeta.bin")
        #expect(error?["hint"] is String)
    }

    /// ST's 1.3.0 NCP_Binaries folder as shipped: the ini's own text (vxxx name, littlefs two
    /// folders up), ST's files linked in, and two older fake versions beside the real one.
    @Test(.enabled(if: Fixtures.present)) func stsUnmodifiedMissionT02Folder() throws {
        let scripts = Scratch.make()
        let binaries = scripts.appendingPathComponent("Binaries/NCP_Binaries")
        let littlefs = scripts.appendingPathComponent("LittleFS/littlefs")
        for folder in [binaries, littlefs] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        func link(_ name: String, in folder: URL) throws {
            try FileManager.default.createSymbolicLink(
                at: folder.appendingPathComponent(name), withDestinationURL: URL(fileURLWithPath: Fixtures.path(name)))
        }
        for name in [
            "st67w611m_boot2_v8.1.9.bin", "partition.bin", "efusedata.bin", "st67w611m_mission_t02_v2.0.106.bin",
        ] {
            try link(name, in: binaries)
        }
        try link("littlefs.bin", in: littlefs)
        for (seed, version) in ["2.0.89", "2.0.97"].enumerated() {
            try Data(firmwareLike(4000, seed: UInt32(seed + 7)))
                .write(to: binaries.appendingPathComponent("st67w611m_mission_t02_v\(version).bin"))
        }
        let ini = binaries.appendingPathComponent("mission_t02_flash_prog_cfg.ini")
        try """
        [cfg]
        erase = 2
        skip_mode = 0x0, 0x0
        boot2_isp_mode = 0

        [boot2]
        filedir = ./st67w611m_boot2_v8.1.9.bin
        address = 0x000000

        [partition]
        filedir = ./partition.bin
        address = 0xE000

        [littlefs]
        filedir = ./../../LittleFS/littlefs/littlefs.bin
        address = 0x378000

        [FW]
        filedir = ./st67w611m_mission_t02_vxxx.bin
        address = @partition

        """.write(to: ini, atomically: true, encoding: .utf8)
        let state = scripts.appendingPathComponent("flash.state")
        // NCP_update_mission_profile_t02.sh's call, with the ini it was given before its sed.
        let run = try Bootwire.run([
            "--port", Self.module + ",state=\(state.path)", "--config", ini.path,
            "--efuse=\(binaries.appendingPathComponent("efusedata.bin").path)", "--yes", "--json",
        ])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.summary["written"] == "4")
        let notes = run.events.compactMap { $0["message"] as? String }
        #expect(notes.contains { $0.contains("st67w611m_mission_t02_vxxx.bin → st67w611m_mission_t02_v2.0.106.bin") })
        let flash = [UInt8](try Data(contentsOf: state))
        for (name, address) in Fixtures.mission {
            let data = try Fixtures.bytes(name)
            #expect(Array(flash[address..<(address + data.count)]) == data, "\(name)")
        }
    }
}

import BootwireCore
import Foundation
import Testing

/// Issue 26 item 10: the smaller things a new user trips on, each end to end.
@Suite(.serialized) struct SmallFixesTests {
    @Test(
        "unprotect --readout on a part at RDP 0 keeps the flash",
        arguments: [
            "virtual:stm32l476,wire=instant", "virtual:dfu-l476",
        ])
    func readoutUnprotectAtLevelZeroErasesNothing(device: String) throws {
        let state = Scratch.make().appendingPathComponent("chip.state")
        let port = "\(device),state=\(state.path)"
        let image = firmwareLike(4096, seed: 31)
        let file = try Scratch.file(image)
        #expect(try Bootwire.run(["flash", "--port", port, "\(file.path)@0x08000000", "--json"]).ok)
        // No --yes: nothing irreversible is asked for, so nothing is refused either.
        let run = try Bootwire.run(["unprotect", "--readout", "--port", port, "--json"])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.status == 0)
        #expect(run.summary["unprotected"]?.hasPrefix("nothing") == true, "\(run.summary)")
        #expect(try Bootwire.readMemory(port, at: 0x0800_0000, count: image.count) == image, "the flash was erased")
    }

    @Test func readoutUnprotectAtLevelOneStillAsks() throws {
        let run = try Bootwire.run(["unprotect", "--readout", "--port", "virtual:dfu-l476,rdp1", "--json"])
        #expect(run.errorCode == "confirmation-required", "\(run.stdout)")
    }

    @Test func aSuccessfulFUSUpgradeEndsWithoutAnErrorAndShowsTheVersion() throws {
        let state = Scratch.make().appendingPathComponent("wb.state")
        let port = "virtual:dfu-wb55,time=simulated,state=\(state.path)"
        let run = try Bootwire.run(["fus", "upgrade", try FUSTests.stackImage(), "--yes", "--port", port, "--json"])
        #expect(run.ok, "\(run.stdout)")
        #expect(!run.stdout.contains("FUS_NOT_RUNNING"), "\(run.stdout)")
        let stages = run.events.filter { $0["name"] as? String == "fus" }.compactMap { $0["detail"] as? String }
        #expect(stages.last?.hasPrefix("wireless stack running") == true, "\(stages)")
        #expect(run.summary["cpu2"] == "wireless stack running")
        #expect(run.summary["fus-version"] == "1.2.0", "\(run.summary)")
        // The human view says it the same way.
        let info = try Bootwire.run(["fus", "info", "--port", port])
        #expect(!info.stderr.contains("FUS_NOT_RUNNING") && !info.stdout.contains("FUS_NOT_RUNNING"), "\(info.stderr)")
    }

    @Test func aFUSImageUpgradeShowsBothVersions() throws {
        let state = Scratch.make().appendingPathComponent("wb.state")
        let port = "virtual:dfu-wb55,time=simulated,state=\(state.path)"
        let size = 24 * 1024
        var bytes = firmwareLike(size - 12, seed: 78)
        bytes += [1, 3, 0, 0] + (0..<4).map { UInt8((size >> (8 * $0)) & 0xFF) } + Array("WFUS".utf8)
        let image = try Scratch.file(bytes, name: "stm32wb5x_FUS_fw_1_3_0.bin").path
        // FUS goes in beside the installed stack: nothing is deleted first.
        let run = try Bootwire.run(["fus", "upgrade", image, "--first-install", "--yes", "--port", port, "--json"])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.summary["fus-version"] == "1.3.0", "\(run.summary)")
        #expect(run.summary["stack-version"] == "1.13.0", "\(run.summary)")
        #expect(run.summary["cpu2"] == "FUS running")
    }

    @Test func listOfAVirtualSerialDeviceIsAUsageError() throws {
        let run = try Bootwire.run(["list", "--virtual", "virtual:qcc743", "--json"])
        #expect(run.errorCode == "usage", "\(run.stdout)")
        #expect(run.status == 2)
    }

    @Test func codesLooksOneCodeUp() throws {
        let run = try Bootwire.run(["codes", "interrupted-session", "--json"])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.summary["exit"] == "\(ErrorCode.interruptedSession.category.exitStatus)")
        #expect(run.summary["hint"] == ErrorCode.interruptedSession.hint)
        let human = try Bootwire.run(["codes", "device-protected"])
        #expect(human.status == 0 && human.stdout.hasPrefix("device-protected: "), "\(human.stdout)")
        let typo = try Bootwire.run(["codes", "interupted-sesion", "--json"])
        #expect(typo.errorCode == "usage" && typo.status == 2)
        let evidence = (typo.result?["error"] as? [String: Any])?["evidence"] as? [String: String]
        #expect(evidence?["nearest"] == "interrupted-session")
        let nonsense = try Bootwire.run(["codes", "banana", "--json"])
        #expect(nonsense.errorCode == "usage")
    }

    /// `--go` takes an address: a documented example without one would be refused when pasted.
    @Test func noDocumentedCommandHasABareGo() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")
        let docs = root.appendingPathComponent("docs")
        let files =
            try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }.map {
                docs.appendingPathComponent($0)
            } + [root.appendingPathComponent("README.md")]
        var checked = 0
        for file in files {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
            where line.trimmingCharacters(in: .whitespaces).hasPrefix("bootwire ") {
                let words = line.split(separator: " ").map(String.init)
                for (index, word) in words.enumerated() where word == "--go" {
                    checked += 1
                    let next = index + 1 < words.count ? words[index + 1] : ""
                    #expect(next.hasPrefix("0x"), "\(file.lastPathComponent): `\(line)` has --go without an address")
                }
            }
        }
        #expect(checked > 0, "no documented --go was found to check")
    }
}

/// `info --firmware` on the module names the firmware its images hold; the station report
/// names it per image.
@Suite(.serialized) struct ModuleFirmwareVersionTests {
    @Test(.enabled(if: Fixtures.present)) func infoSaysWhichFirmwareTheModuleHolds() throws {
        let state = Scratch.make().appendingPathComponent("module.state")
        let port = "virtual:qcc743,wire=instant,state=\(state.path)"
        let report = Scratch.make().appendingPathComponent("station.jsonl")
        let flash = try Bootwire.run([
            "flash", "--port", port, "--config", Fixtures.path("mfg_flash_prog_cfg.ini"), "--report", report.path,
            "--json",
        ])
        #expect(flash.ok, "\(flash.stdout)")
        let run = try Bootwire.run(["info", "--firmware", "--port", port, "--json"])
        let info = try #require(run.result?["info"] as? [String: Any], "\(run.stdout)")
        let images = info["images"] as? [[String: Any]] ?? []
        let firmware = images.first { $0["partition"] as? String == "FW" }?["firmware"] as? [String: String]
        #expect(firmware == ["version": "2.0.106", "program": "mfg_test_qcc74xdk"], "\(images)")
        #expect(images.first { $0["partition"] as? String == "boot2" }?["firmware"] == nil)
        let human = try Bootwire.run(["info", "--firmware", "--port", port])
        #expect(human.stdout.contains("firmware 2.0.106 (mfg_test_qcc74xdk)"), "\(human.stdout)")
        let quick = try Bootwire.run(["info", "--port", port])
        #expect(quick.stdout.contains("info --firmware"), "\(quick.stdout)")

        let unit = try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any] ?? [:]
        let recorded = (unit["images"] as? [[String: Any]] ?? []).compactMap {
            ($0["firmware"] as? [String: String])?["version"]
        }
        #expect(recorded == ["2.0.106"], "\(unit)")
    }
}

import BootwireCore
import Foundation
import QCC743
import Testing
import VirtualDevices

/// `info`, `efuse` and `doctor` against virtual modules.
@Suite(.serialized) struct InspectionTests {
    /// The object a `--json` command attached to its result (`info`, `efuse`).
    func json(_ run: BootwireRun, _ key: String) throws -> [String: Any] {
        try #require(run.result?[key] as? [String: Any], "\(run.stdout)")
    }

    func findings(_ run: BootwireRun) throws -> [[String: Any]] {
        try #require(run.result?["findings"] as? [[String: Any]], "\(run.stdout)")
    }

    @Test(.enabled(if: Fixtures.present)) func infoDescribesALockedModuleAndWhatItHolds() throws {
        let emulator = try Emulator(["--fault", "locked"])
        let flash = try Bootwire.run([
            "flash", "--port", emulator.port, "--config", Fixtures.path("mfg_flash_prog_cfg.ini"), "--json",
        ])
        #expect(flash.ok)
        let run = try Bootwire.run(["info", "--port", emulator.port, "--json"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let info = try json(run, "info")
        #expect(info["signedBootRequired"] as? Bool == true)
        #expect(info["keyHash"] as? String == Hex.string(VirtualQCC743.stKeyHash))
        #expect(info["jtagDisabled"] as? Bool == true)
        #expect((info["partitionTable"] as? [[String: Any]])?.count == 8)
        let images = info["images"] as? [[String: Any]] ?? []
        #expect(images.map { $0["partition"] as? String } == ["boot2", "FW"])
        #expect(images.allSatisfy { $0["signed"] as? Bool == true && $0["keyTrusted"] as? Bool == true })
        _ = try emulator.stop()
    }

    @Test func infoOnAnErasedModuleSaysThereIsNoTable() throws {
        let run = try Bootwire.run(["info", "--port", "virtual:qcc743,wire=instant", "--json"])
        let info = try json(run, "info")
        #expect(info["partitionTable"] == nil)
        #expect(info["partitionTableProblem"] is String)
        #expect((info["images"] as? [Any])?.isEmpty == true)
        #expect(info["signedBootRequired"] as? Bool == false)
    }

    @Test(.enabled(if: Fixtures.present)) func efuseBurnAsksThenBurnsThenHasNothingLeftToDo() throws {
        let emulator = try Emulator()
        let file = Fixtures.path("efusedata.bin")
        let refused = try Bootwire.run(["efuse", "burn", file, "--port", emulator.port, "--json"])
        #expect(refused.errorCode == "confirmation-required")
        let dry = try Bootwire.run(["efuse", "burn", file, "--port", emulator.port, "--json", "--dry-run"])
        #expect(dry.ok)
        let burned = try Bootwire.run(["efuse", "burn", file, "--port", emulator.port, "--json", "--yes"])
        #expect(burned.ok, "\(burned.stdout)")
        #expect(Int(burned.summary["bits-burned"] ?? "0") ?? 0 > 100)
        let again = try Bootwire.run(["efuse", "burn", file, "--port", emulator.port, "--json"])
        #expect(again.ok, "burned bits are a no-op and need no confirmation")
        #expect(again.summary["bits-burned"] == "0")
        let show = try Bootwire.run(["efuse", "show", "--port", emulator.port, "--json"])
        #expect(try json(show, "efuse")["signed boot"] as? String == "required")
        let (_, efuse) = try emulator.stop()
        let image = try EfuseImage.load(path: file)
        #expect(image.readBackSatisfied(by: efuse))
    }

    @Test func doctorOnAPtySaysItHasNoModemLinesAndProbesTheROM() throws {
        let run = try Bootwire.run(["doctor", "--port", "virtual:qcc743,wire=instant", "--json"])
        #expect(run.status == 0, "\(run.stdout)")
        let findings = try findings(run)
        let modem = findings.first { $0["check"] as? String == "modem lines" }
        #expect(modem?["code"] as? String == "pty-no-modem-lines")
        #expect(findings.first { $0["check"] as? String == "loopback" }?["status"] as? String == "skip")
        #expect(
            findings.first { $0["check"] as? String == "boot ROM answers the sync" }?["status"] as? String == "pass")
    }

    @Test func doctorOnALoopbackMeasuresEveryRate() throws {
        let run = try Bootwire.run(["doctor", "--port", "virtual:qcc743,wire=instant,echo", "--json"])
        let findings = try findings(run)
        let rates = findings.filter { ($0["check"] as? String)?.hasPrefix("loopback ") == true }
        #expect(rates.count == 7)
        #expect(rates.allSatisfy { $0["status"] as? String == "pass" })
        #expect(findings.last?["detail"] as? String == "3000000 baud")
    }

    @Test func doctorNamesTheRateALimitedAdapterCarries() throws {
        let run = try Bootwire.run(["doctor", "--port", "virtual:qcc743,wire=instant,baud-limit=1000000", "--json"])
        let findings = try findings(run)
        #expect(findings.contains { $0["code"] as? String == "link-lost-after-baud-change" })
        #expect(
            findings.first { $0["check"] as? String == "highest working rate" }?["detail"] as? String == "1000000 baud")
        #expect(run.status == ErrorCategory.connection.exitStatus)
    }
}

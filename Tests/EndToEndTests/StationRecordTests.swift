import BootwireCore
import Foundation
import Testing

/// The station report's record of each unit (issue 26 item 8): its unique identity even when
/// it failed after connecting, operator and lot, the ini and its hash, a log of its own.
@Suite(.serialized) struct StationRecordTests {
    static func lines(_ report: URL) throws -> [[String: Any]] {
        try String(contentsOf: report, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }

    @Test func eachUnitCarriesItsIdentityOperatorLotIniAndLog() throws {
        let folder = Scratch.make()
        // Random bytes: the cable is pulled 9000 bytes into the wire, so it must not compress away.
        let image = FlashConformanceTests.random(40_000, seed: 5)
        try Data(image).write(to: folder.appendingPathComponent("fw.bin"))
        let ini = folder.appendingPathComponent("flash_prog_cfg.ini")
        try """
        [cfg]
        erase = 1

        [FW]
        filedir = ./fw.bin
        address = 0x10000
        """.write(to: ini, atomically: true, encoding: .utf8)
        let report = Scratch.make().appendingPathComponent("station.jsonl")
        let run = try Bootwire.run(
            [
                "flash", "--port", "virtual:qcc743,wire=instant", "--port",
                "virtual:qcc743,wire=instant,fault=disconnect-after=9000", "--config", ini.path, "--report",
                report.path,
                "--operator", "alice", "--lot", "L-0042", "--json",
            ], timeout: 120, environment: ["BOOTWIRE_PATIENCE": "0"])
        #expect(run.errorCode == "some-devices-failed", "\(run.stdout)")
        let units = try Self.lines(report)
        #expect(units.count == 2)
        let iniHash = Hex.string(SHA256Digest.of([UInt8](try Data(contentsOf: ini))))
        for (index, unit) in units.enumerated() {
            #expect(unit["operator"] as? String == "alice")
            #expect(unit["lot"] as? String == "L-0042")
            #expect(unit["ini"] as? String == ini.path)
            #expect(unit["iniSHA256"] as? String == iniHash)
            // Connected, so known, even for the unit whose cable was pulled.
            let id = unit["uniqueID"] as? String ?? ""
            #expect(id.count == 12 && id == unit["chipID"] as? String, "unit \(index): \(unit)")
            #expect((unit["mac"] as? String)?.count == 17, "unit \(index): \(unit)")
            let log = try #require(unit["log"] as? String)
            #expect(URL(fileURLWithPath: log).deletingLastPathComponent().lastPathComponent == "station.units")
            let events = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
            }
            #expect(events.first?["event"] as? String == "stage", "\(events.first ?? [:])")
            #expect(events.allSatisfy { $0["seconds"] is Double })
            #expect(events.last?["event"] as? String == "result")
            #expect((events.last?["ok"] as? Bool) == (index == 0))
        }
        #expect(units[0]["result"] as? String == "ok")
        #expect(units[1]["result"] as? String == "device-disconnected")
        #expect(units[0]["uniqueID"] as? String != units[1]["uniqueID"] as? String)
        let images = units[0]["images"] as? [[String: Any]] ?? []
        #expect(images.first?["sha256"] as? String == Hex.string(SHA256Digest.of(image)))
    }

    /// An STM32's record names its 96-bit unique ID; DEV_ID stays the chip id.
    @Test func anSTM32UnitIsRecordedByItsUniqueID() throws {
        let file = try Scratch.file(firmwareLike(4096, seed: 6))
        let report = Scratch.make().appendingPathComponent("station.jsonl")
        for port in ["virtual:stlink-l476", "virtual:stm32l476,wire=instant"] {
            let one = try Bootwire.run(
                ["flash", "--port", port, "--report", report.path, "\(file.path)@0x08000000", "--json"], timeout: 120)
            #expect(one.ok, "\(one.stdout)")
        }
        let units = try Self.lines(report)
        #expect(units.count == 2)
        for unit in units {
            let id = unit["uniqueID"] as? String ?? ""
            #expect(id.count == 24 && id.allSatisfy(\.isHexDigit), "\(unit)")
            #expect(unit["chipID"] as? String == "0x415")
        }
    }
}

import BootwireCore
import Foundation
import Testing

/// Journals follow the device's own identity (issue 26 item 9): an STM32's 96-bit unique ID,
/// the module's chip id and MAC, a ROM DFU's serial; every virtual device instance has its own
/// (`state=` devices keep theirs across runs). `bootwire journal list|clear` show and forget them.
@Suite(.serialized) struct JournalIdentityTests {
    typealias Route = FlashConformanceTests.Route

    /// The module, the UART bootloader, DfuSe and the ST-LINK: each keys its journal differently.
    static let routes = FlashConformanceTests.routes.filter {
        ["qcc743", "stm32l476", "dfu-l476", "stlink-l476"].contains($0.name)
    }

    static let image = FlashConformanceTests.random(48 * 1024, seed: 21)

    static func flash(_ route: Route, state: URL, cache: URL, extra: [String] = []) throws -> BootwireRun {
        let file = try Scratch.file(image, name: "app.bin")
        return try Bootwire.run(
            [
                "flash", "--port", route.port(state: state, extra: extra),
                "\(file.path)@\(FlashConformanceTests.hex(route.base))", "--json",
            ],
            timeout: 120, cache: cache)
    }

    static func journals(_ cache: URL) throws -> [[String: Any]] {
        let run = try Bootwire.run(["journal", "list", "--json"], cache: cache)
        #expect(run.ok, "\(run.stdout)")
        return run.result?["journals"] as? [[String: Any]] ?? []
    }

    @Test("a brand-new device never warns about another device's journal", arguments: routes)
    func aBrandNewDeviceNeverWarns(route: Route) throws {
        let cache = Scratch.make()
        let first = Scratch.make().appendingPathComponent("first.state")
        let cut = try Self.flash(route, state: first, cache: cache, extra: [route.cut])
        #expect(!cut.ok, "the cable was not pulled: \(cut.summary)")
        #expect(try Self.journals(cache).count == 1)
        // Another device of the same kind, on the same route, with the journal still there.
        let other = Scratch.make().appendingPathComponent("other.state")
        let fresh = try Self.flash(route, state: other, cache: cache)
        #expect(fresh.ok, "\(fresh.stdout)")
        #expect(!fresh.warningCodes.contains("interrupted-session"), "\(fresh.warningCodes)")
        // The interrupted device is still known as itself: its next run warns and repairs.
        let again = try Self.flash(route, state: first, cache: cache)
        #expect(again.ok, "\(again.stdout)")
        #expect(again.warningCodes.contains("interrupted-session"))
        #expect(try Self.journals(cache).isEmpty)
    }

    @Test func aJournalLeftByAnInterruptedFlashIsListedThenCleared() throws {
        let route = try #require(Self.routes.first { $0.name == "stlink-l476" })
        let cache = Scratch.make()
        let state = Scratch.make().appendingPathComponent("unit.state")
        let cut = try Self.flash(route, state: state, cache: cache, extra: [route.cut])
        #expect(!cut.ok, "the cable was not pulled: \(cut.summary)")
        let listed = try Self.journals(cache)
        #expect(listed.count == 1)
        let key = try #require(listed.first?["key"] as? String)
        // Keyed by the part's 96-bit unique ID (24 hex digits), not the probe's serial.
        #expect(key.hasPrefix("stm32-") && key.count == "stm32-".count + 24, "\(key)")
        #expect((listed.first?["device"] as? String)?.contains("STM32L4") == true, "\(listed)")
        #expect((listed.first?["pending"] as? [[String: String]])?.first?["start"] == "0x8000000", "\(listed)")

        let dry = try Bootwire.run(["journal", "clear", key, "--dry-run", "--json"], cache: cache)
        #expect(dry.ok && dry.summary["dry-run"] != nil, "\(dry.stdout)")
        let unconfirmed = try Bootwire.run(["journal", "clear", key, "--json"], cache: cache)
        #expect(unconfirmed.errorCode == "confirmation-required")
        let typo = try Bootwire.run(["journal", "clear", key + "0", "--yes", "--json"], cache: cache)
        #expect(typo.errorCode == "usage" && typo.status == 2)
        #expect(try Self.journals(cache).count == 1, "a dry run, a refusal or a typo removed the journal")

        let cleared = try Bootwire.run(["journal", "clear", key, "--yes", "--json"], cache: cache)
        #expect(cleared.ok && cleared.summary["cleared"] == key, "\(cleared.stdout)")
        #expect(try Self.journals(cache).isEmpty)
        let after = try Self.flash(route, state: state, cache: cache)
        #expect(after.ok && !after.warningCodes.contains("interrupted-session"), "\(after.warningCodes)")
    }

    @Test func clearAllNeedsConfirmationAndANameOrAll() throws {
        let cache = Scratch.make()
        let neither = try Bootwire.run(["journal", "clear", "--json"], cache: cache)
        #expect(neither.errorCode == "usage" && neither.status == 2)
        let empty = try Bootwire.run(["journal", "clear", "--all", "--yes", "--json"], cache: cache)
        #expect(empty.ok && empty.summary["journals"] == "0", "\(empty.stdout)")
    }

    /// Two modules flashed at once from one station, with another module's journal on disk
    /// (every virtual module used to share one chip id, so each warned about it).
    @Test func twoModulesInAStationSeeNoInterruptedSession() throws {
        let route = try #require(Self.routes.first { $0.name == "qcc743" })
        let cache = Scratch.make()
        let cut = try Self.flash(
            route, state: Scratch.make().appendingPathComponent("cut.state"), cache: cache, extra: [route.cut])
        #expect(!cut.ok)
        let file = try Scratch.file(Self.image, name: "app.bin")
        let report = Scratch.make().appendingPathComponent("station.jsonl")
        let run = try Bootwire.run(
            [
                "flash", "--port", "virtual:qcc743,wire=instant", "--port", "virtual:qcc743,wire=instant", "--report",
                report.path, "\(file.path)@0x100000", "--json",
            ], timeout: 120, cache: cache)
        #expect(run.ok, "\(run.stdout)")
        #expect(!run.warningCodes.contains("interrupted-session"), "\(run.warningCodes)")
        let units = try String(contentsOf: report, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
        let ids = units.compactMap { $0["uniqueID"] as? String }
        #expect(ids.count == 2 && Set(ids).count == 2, "\(ids)")
        #expect(try Self.journals(cache).count == 1, "the cut module's journal is its own")
    }
}

/// A station's `--retry` runs the same device's job again with the same pipeline: it resumes
/// its own journal and never warns `interrupted-session` about its own first attempt.
@Suite(.serialized) struct StationRetryJournalTests {
    @Test func theRetryNeverWarnsAboutItself() throws {
        // The emulator pulls its cable once, then is plugged in again at the same port.
        let emulator = try Emulator(["--fault", "disconnect-after=9000"])
        let cache = Scratch.make()
        let image = FlashConformanceTests.random(60_000, seed: 23)
        let file = try Scratch.file(image)
        let report = Scratch.make().appendingPathComponent("station.jsonl")
        let run = try Bootwire.run(
            [
                "flash", "--port", emulator.port, "--retry", "1", "--report", report.path, "\(file.path)@0x20000",
                "--json",
            ], cache: cache, environment: ["BOOTWIRE_PATIENCE": "0"])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.warningCodes.contains("device-disconnected"), "the first attempt was not cut: \(run.warningCodes)")
        #expect(!run.warningCodes.contains("interrupted-session"), "\(run.warningCodes)")
        let unit = try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any] ?? [:]
        #expect(unit["attempts"] as? Int == 2)
        #expect(try JournalIdentityTests.journals(cache).isEmpty)
        let (flash, _) = try emulator.stop()
        #expect(Array(flash[0x20000..<(0x20000 + image.count)]) == image)
    }
}

import BootwireCore
import Foundation
import Testing

/// docs/failures.md maps each field report (and the spec's failure list) to what Bootwire
/// says. The page is made by this test from real runs against virtual modules, so it stays
/// true: the test fails when the committed page differs; BOOTWIRE_REGENERATE_DOCS=1 rewrites it.
@Suite(.serialized) struct FailureCatalogueTests {
    struct Scenario {
        var report: String
        var vendor: String
        var fault: String
        var arguments: [String] = []
        /// The error code expected, or nil for a success whose warning is `warning`.
        var code: String?
        var warning: String?
    }

    static let scenarios: [Scenario] = [
        Scenario(
            report: "custom board, host MCU toggles BOOT/CHIP_EN, USB-TTL adapter",
            vendor: "`ack is b''` ×3, `CHIP IMG LOAD SHAKEHAND FAIL` (0050)", fault: "silent", code: "no-response"),
        Scenario(
            report: "handshake succeeds, then after `change bdrate: 2000000` nothing",
            vendor: "`ack is b''` for 8 s, `CHIP FLASH SET PARA FAIL` (003B)", fault: "baud-limit=1000000",
            code: nil, warning: "adapter-baud-limit"),
        Scenario(
            report: "the same, with the fallback turned off (`--no-baud-fallback`)",
            vendor: "003B", fault: "baud-limit=1000000", arguments: ["--no-baud-fallback"],
            code: "link-lost-after-baud-change"),
        Scenario(
            report: "module flashed with the T01 image: the application answers",
            vendor: "`ack is b'c127bd4141414141…0541…'`, 0050", fault: "application", code: "application-running"),
        Scenario(
            report: "TX looped to RX (jumper, half-duplex bridge)", vendor: "`ack is b'5555…'`, 0050", fault: "echo",
            code: "echo-only"),
        Scenario(
            report: "bytes corrupted on the line", vendor: "`FL0103 (CMD_CRC_ERROR)`, retried ×3",
            fault: "corrupt=2500",
            code: nil, warning: "line-noise"),
        Scenario(
            report: "the chip resets mid-write (brown-out, watchdog)", vendor: "`ack is b''`, the session fails",
            fault: "reset-after=6000", code: nil, warning: "device-reset"),
        Scenario(
            report: "the cable is pulled mid-write", vendor: "a Python exception", fault: "disconnect-after=6000",
            code: "device-disconnected"),
        Scenario(
            report: "written over unerased flash (erase = 0)", vendor: "`SHA caled by dev` ≠ host, 003E",
            fault: "stale",
            arguments: ["--erase", "none"], code: "verify-mismatch"),
    ]

    static let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/failures.md")

    @Test func thePageMatchesWhatBootwireSays() throws {
        let image = try Scratch.file(firmwareLike(40_000, seed: 5))
        var rows: [String] = []
        for scenario in Self.scenarios {
            var port = "virtual:qcc743,wire=instant"
            var flashImage: [String] = []
            if scenario.fault == "stale" {
                let stale = try Scratch.file([UInt8](repeating: 0x00, count: 0x40000))
                flashImage = ["--flash-image", stale.path]
            } else {
                port += ",\(scenario.fault)"
            }
            let run: BootwireRun
            // A device reset or a corrupted length leaves a chunk unanswered: the work's own
            // waits, not the vendor's 30 s per chunk (ISPTimeouts.patience).
            let midSession = ["reset-after", "corrupt", "disconnect-after"].contains { scenario.fault.hasPrefix($0) }
            if flashImage.isEmpty {
                run = try Bootwire.run(
                    ["flash", "--port", port, "--json", "\(image.path)@0x10000"] + scenario.arguments,
                    environment: midSession ? ["BOOTWIRE_PATIENCE": "0"] : [:])
            } else {
                let emulator = try Emulator(flashImage)
                run = try Bootwire.run(
                    ["flash", "--port", emulator.port, "--json", "\(image.path)@0x10000"] + scenario.arguments)
                _ = try emulator.stop()
            }
            if let code = scenario.code {
                #expect(run.errorCode == code, "\(scenario.report): \(run.stdout)")
            } else {
                #expect(run.ok, "\(scenario.report): \(run.stdout)")
                #expect(run.warningCodes.contains(scenario.warning ?? ""), "\(scenario.report)")
            }
            let error = run.result?["error"] as? [String: Any]
            let warning = run.events.first { $0["code"] as? String == scenario.warning }
            let said = (error?["message"] as? String ?? warning?["message"] as? String ?? "")
            let fix = error?["hint"] as? String ?? ""
            let outcome = scenario.code.map { "`\($0)`" } ?? "success, warning `\(scenario.warning ?? "")`"
            rows.append(
                "| \(scenario.report) | \(scenario.vendor) | `\(scenario.fault)` \(scenario.arguments.joined(separator: " ")) | \(outcome) | \(Self.stable(said)) | \(fix) |"
            )
        }
        let text = Self.header + rows.joined(separator: "\n") + "\n"
        if ProcessInfo.processInfo.environment["BOOTWIRE_REGENERATE_DOCS"] == "1" {
            try text.write(to: Self.page, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOf: Self.page, encoding: .utf8)
        #expect(
            committed == text,
            "docs/failures.md is out of date: run BOOTWIRE_REGENERATE_DOCS=1 swift test --filter FailureCatalogueTests")
    }

    /// Numbers that vary from run to run (byte counts of a stream) are replaced by N.
    static func stable(_ text: String) -> String {
        text.replacingOccurrences(of: #"\(\d+ bytes\)"#, with: "(N bytes)", options: .regularExpression)
            .replacingOccurrences(of: #"within [\d.]+ s"#, with: "within T s", options: .regularExpression)
            .replacingOccurrences(of: #"/dev/pts/\d+"#, with: "/dev/pts/N", options: .regularExpression)
            .replacingOccurrences(
                of: #"^\d+ frames were sent again \(\d+ rejected"#, with: "N frames were sent again (M rejected",
                options: .regularExpression)
    }

    static let header = """
        # Field failures and what Bootwire says

        Each row is a failure users met with the vendor tool (the first rows are the field reports
        behind Bootwire; the rest are from the protocol spec's failure list), reproduced on a virtual
        module with a `--fault`, and what `bootwire flash --json` ends with. This page is generated by
        `Tests/EndToEndTests/FailureCatalogueTests.swift` from real runs and checked on every test run.

        | field report | vendor output | virtual fault | Bootwire's result | message | fix it gives |
        |---|---|---|---|---|---|

        """
}

import Foundation
import Testing

/// Issue 26 item 5: `option-bytes show` and `set` as tables with hex values a person reads
/// (register, address, value; field, register, bits, old → new), not key=value dumps.
@Suite struct OptionBytesTableTests {
    static func rows(_ run: BootwireRun) -> [[String]] {
        (run.stdout + run.stderr).split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }

    @Test func showIsATableOfRegistersAndFieldsInHex() throws {
        let run = try Bootwire.run(["option-bytes", "show", "--port", "virtual:stlink-l476,time=simulated"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let rows = Self.rows(run)
        #expect(rows.contains(["OPTR", "0x40022020", "0xFFEFF8AA"]), "\(rows)")
        #expect(rows.contains { Array($0.prefix(4)) == ["rdp", "OPTR", "[7:0]", "0xAA"] }, "\(rows)")
        #expect(!(run.stdout + run.stderr).contains("="), "no key=value dump without --verbose")
    }

    @Test func setShowsEachChangeAsOldToNewInHex() throws {
        let state = Scratch.make().appendingPathComponent("ob.state").path
        let run = try Bootwire.run([
            "option-bytes", "set", "bor_lev=2", "--port", "virtual:stlink-l476,time=simulated,state=\(state)", "--yes",
        ])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(
            Self.rows(run).contains(["bor_lev", "OPTR", "[10:8]", "0x0", "→", "0x2", "0", "→", "2"]), "\(run.stderr)")
    }
}

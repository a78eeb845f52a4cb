import BootwireCore
import Foundation
import Testing

/// The core's access port end to end (issue #25 item 1): the virtual H563 has its Cortex-M33 on
/// AP1 and a debug mailbox on AP0, as silicon; Bootwire finds it by trying AP0 then AP1, and the
/// trace names the port of every memory command. A part with its core on AP0 never leaves it.
@Suite struct AccessPortTests {
    /// Flashes `port` with `--trace`; the run and the ST-LINK command names in the trace.
    func flash(_ port: String) throws -> (BootwireRun, [String]) {
        let trace = Scratch.make().appendingPathComponent("usb.trace").path
        let image = try Scratch.file(firmwareLike(3000, seed: 25), name: "app.bin").path + "@0x08000000"
        let run = try Bootwire.run(["flash", "--port", port, "--trace", trace, "--json", image])
        let lines = (try? USBTraceTests.lines(trace)) ?? []
        return (run, lines.map(\.event).filter { $0.hasPrefix("stlink ") })
    }

    @Test func theH563IsFlashedThroughItsCoreOnAP1() throws {
        let (run, commands) = try flash("virtual:stlink-h563")
        #expect(run.ok, "\(run.stdout)")
        #expect(run.summary["verified"] == "yes", "\(run.summary)")
        #expect(commands.contains("stlink DEBUG APIV2_INIT_AP 0"), "AP0 tried first")
        #expect(commands.contains("stlink DEBUG APIV2_INIT_AP 1"))
        #expect(commands.contains { $0.hasPrefix("stlink DEBUG WRITEMEM_32BIT 0x8000000 ") && $0.hasSuffix(" AP1") })
        let afterAP1 = try #require(commands.firstIndex(of: "stlink DEBUG APIV2_INIT_AP 1"))
        #expect(!commands[afterAP1...].contains { $0.contains("READDEBUGREG") }, "READDEBUGREG only reaches AP0")
    }

    @Test func anL476IsScannedNoFurtherThanAP0() throws {
        let (run, commands) = try flash("virtual:stlink-l476")
        #expect(run.ok, "\(run.stdout)")
        #expect(commands.contains("stlink DEBUG APIV2_INIT_AP 0"))
        #expect(!commands.contains { $0.hasSuffix(" AP1") || $0 == "stlink DEBUG APIV2_INIT_AP 1" })
    }

    @Test func firmwareThatReachesAP0OnlyIsNamedOnTheH563() throws {
        let (run, _) = try flash("virtual:stlink-h563,firmware=31")
        #expect(run.errorCode == "stlink-firmware-too-old", "\(run.stdout)")
    }
}

import BootwireCore
import Foundation
import Testing

/// STM32WB FUS and wireless-stack updates through `bootwire fus` against the virtual WB55, whose
/// flash, option bytes and CPU2 state persist in a `state=` file between runs.
@Suite(.serialized) struct FUSTests {
    /// A stack image with the virtual WB55's trailer (version, size, "WSTK"), which stands in
    /// for the signature checks a real FUS makes.
    static func stackImage(_ size: Int = 100 * 1024) throws -> String {
        var bytes = firmwareLike(size - 12, seed: 77)
        bytes += [1, 20, 0, 0] + (0..<4).map { UInt8((size >> (8 * $0)) & 0xFF) } + Array("WSTK".utf8)
        return try Scratch.file(bytes, name: "stm32wb5x_BLE_Stack_full_fw.bin").path
    }

    /// In simulated time (`time=simulated`): the FUS's seconds of work, its reboots and the host's
    /// 1 s polls cost no wall-clock time; the flow and its outcomes are the point here.
    func port(_ state: URL, _ options: String = "") -> String {
        "virtual:dfu-wb55,time=simulated,state=\(state.path)" + (options.isEmpty ? "" : ",\(options)")
    }

    func info(_ port: String) throws -> [String: String] {
        let run = try Bootwire.run(["fus", "info", "--port", port, "--json"])
        #expect(run.ok, "\(run.stdout)")
        return run.summary
    }

    @Test func aCleanStackUpgradeEndsWithTheNewStackRunning() throws {
        let state = Scratch.make().appendingPathComponent("wb.state")
        let before = try info(port(state))
        #expect(before["sfsa"] == "0xF4")
        let refused = try Bootwire.run(["fus", "upgrade", try Self.stackImage(), "--port", port(state), "--json"])
        #expect(refused.errorCode == "confirmation-required", "the installed stack's delete is asked first")
        let run = try Bootwire.run([
            "fus", "upgrade", try Self.stackImage(), "--yes", "--port", port(state), "--json",
        ])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.summary["address"] == "0x80DB000")
        let stages = run.events.filter { $0["name"] as? String == "fus" }.compactMap { $0["detail"] as? String }
        #expect(stages.contains { $0.hasPrefix("SERVICE_ONGOING") }, "the delete was followed: \(stages)")
        #expect(stages.contains { $0.hasPrefix("WIRELESS_STACK_UPGRADE_ONGOING") }, "\(stages)")
        let after = try info(port(state))
        #expect(after["cpu2"] == "wireless stack running")
        #expect(after["sfsa"] == "0xDB", "the secure area grew down over the new stack")
    }

    @Test func theFieldReportsFailureIsNamedAndExplained() throws {
        let run = try Bootwire.run([
            "fus", "upgrade", try Self.stackImage(), "--yes", "--port",
            "virtual:dfu-wb55,time=simulated,fus-write-error", "--json",
        ])
        #expect(run.errorCode == "fus-image-wrterror", "\(run.stdout)")
        #expect(run.status == ErrorCategory.protocol.exitStatus)
        let evidence = (run.result?["error"] as? [String: Any])?["evidence"] as? [String: String] ?? [:]
        #expect(evidence["fus-error"] == "FUS_IMAGE_WRTERROR")
        #expect(evidence["install-address"] == "0x80DB000")
        #expect(evidence["wrp1a"] != nil && evidence["pcrop1a-start"] != nil, "WRP and PCROP were read and shown")
    }

    @Test func theFieldReportsAddressIsRefusedBeforeAnythingIsErased() throws {
        let state = Scratch.make().appendingPathComponent("wb.state")
        let app = firmwareLike(8192, seed: 4)
        let flash = try Bootwire.run([
            "flash", "--port", port(state), "--json", try Scratch.file(app, name: "app.bin").path + "@0x08053000",
        ])
        #expect(flash.ok)
        let run = try Bootwire.run([
            "fus", "upgrade", try Self.stackImage(), "--address", "0x08053000", "--port", port(state), "--json",
        ])
        #expect(run.errorCode == "fus-install-address-mismatch", "\(run.stdout)")
        #expect(run.status == ErrorCategory.input.exitStatus)
        #expect(try Bootwire.readMemory(port(state), at: 0x0805_3000, count: app.count) == app, "nothing was erased")
        #expect(try info(port(state))["cpu2"] == "wireless stack running", "the stack was not deleted")
    }

    @Test func anApplicationWhereTheImageWouldGoIsRefused() throws {
        let state = Scratch.make().appendingPathComponent("wb.state")
        let app = firmwareLike(4096, seed: 8)
        #expect(
            try Bootwire.run([
                "flash", "--port", port(state), "--json", try Scratch.file(app, name: "a.bin").path + "@0x080E0000",
            ]).ok)
        let run = try Bootwire.run(["fus", "upgrade", try Self.stackImage(), "--port", port(state), "--json"])
        #expect(run.errorCode == "fus-install-over-application", "\(run.stdout)")
        #expect(try Bootwire.readMemory(port(state), at: 0x080E_0000, count: app.count) == app)
    }

    @Test func fusOverASerialPortIsNotGuessed() throws {
        let run = try Bootwire.run(["fus", "info", "--port", "/dev/ttyUSB9", "--chip", "stm32", "--json"])
        #expect(run.errorCode == "fus-uart-unspecified", "\(run.stdout)")
        #expect(run.status == ErrorCategory.usage.exitStatus)
    }

    @Test func deleteThenStartStackWithoutAStackSaysImageNotFound() throws {
        let state = Scratch.make().appendingPathComponent("wb.state")
        #expect(try Bootwire.run(["fus", "delete", "--yes", "--port", port(state), "--json"]).ok)
        #expect(try info(port(state))["cpu2"] == "FUS running")
        let start = try Bootwire.run(["fus", "start-stack", "--port", port(state), "--json"])
        #expect(start.errorCode == "fus-image-not-found", "\(start.stdout)")
    }
}

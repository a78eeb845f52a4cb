import BootwireCore
import Foundation
import Testing

/// `bootwire run` (flash, reset into the application, watch it), `flash --monitor` and
/// `bootwire reset`, against the virtual devices' applications.
@Suite struct RunTests {
    /// The virtual module with fast ticks, so that a test waits for its second tick, not a second.
    static let module = "virtual:qcc743,wire=instant,app-tick-ms=100"
    static let stm32 = "virtual:stm32l476,wire=instant,app-tick-ms=100"
    /// The ST-LINK's target prints over RTT; its second of ticks passes on the bus's simulated clock.
    static let stlink = "virtual:stlink-l476,time=simulated"

    /// A firmware for the STM32 whose vector table is programmed (SP in SRAM, a Thumb entry).
    static func stm32Image() throws -> String {
        let vectors: [UInt8] = [0x00, 0x80, 0x01, 0x20, 0x01, 0x01, 0x00, 0x08]
        return try Scratch.file(vectors + firmwareLike(2040, seed: 7), name: "app.bin").path + "@0x08000000"
    }

    static func moduleImage() throws -> String {
        try Scratch.file(firmwareLike(6000, seed: 3), name: "app.bin").path + "@0x10000"
    }

    func consoleLines(_ run: BootwireRun) -> [String] {
        run.events.filter { $0["event"] as? String == "console" }.compactMap { $0["text"] as? String }
    }

    func stages(_ run: BootwireRun) -> [String] {
        run.events.filter { $0["event"] as? String == "stage" }.compactMap { $0["name"] as? String }
    }

    @Test(arguments: [
        (module, "ST67W611M1 NCP v2.0.106 (T01)"), (stm32, "hello from the application"),
        (stlink, "Bootwire virtual application: DEV_ID 0x415, SP 0x20018000, reset vector 0x8000101"),
    ])
    func runFlashesResetsAndShowsTheApplicationUntilTheText(port: String, banner: String) throws {
        let image = try port.contains("qcc743") ? Self.moduleImage() : Self.stm32Image()
        let run = try Bootwire.run(["run", "--port", port, image, "--until", "tick 2", "--for", "20", "--json"])
        #expect(run.ok, "\(run.stdout.suffix(800))")
        #expect(run.summary["written"] == "1")
        #expect(run.summary["monitor"] == "matched")
        let lines = consoleLines(run)
        #expect(lines.contains(banner), "\(lines)")
        #expect(lines.last == "tick 2")
        #expect(Array(stages(run).suffix(2)) == ["reset", "monitor"])
    }

    @Test func flashMonitorIsRunWithTimestampsForPeople() throws {
        let run = try Bootwire.run([
            "flash", "--monitor", "--port", Self.stm32, try Self.stm32Image(), "--until", "tick 1", "--timestamps",
        ])
        #expect(run.status == 0, "\(run.stderr.suffix(600))")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.contains { $0.range(of: #"^\[ +\d+\.\d{3}\] tick 1$"#, options: .regularExpression) != nil },
            "\(lines)")
        #expect(lines.contains { $0.hasSuffix("] hello from the application") })
    }

    @Test func untilNeverSeenWithinForIsMonitorTimeout() throws {
        let run = try Bootwire.run([
            "run", "--port", Self.stm32, try Self.stm32Image(), "--until", "panic", "--for", "0.5", "--json",
        ])
        #expect(run.errorCode == ErrorCode.monitorTimeout.rawValue, "\(run.stdout.suffix(600))")
        #expect(run.status == ErrorCode.monitorTimeout.category.exitStatus)
        #expect(consoleLines(run).contains("tick 1"))
    }

    @Test func ctrlCEndsTheMonitorWithExitZeroAndAResult() throws {
        let run = try Bootwire.run(
            ["run", "--port", Self.module, try Self.moduleImage(), "--json"], interruptOn: "tick 1")
        #expect(run.status == 0, "\(run.stdout.suffix(600))")
        #expect(run.ok)
        #expect(run.summary["monitor"] == "stopped")
    }

    @Test func linesPipedOnStdinReachTheApplication() throws {
        let run = try Bootwire.run(
            ["run", "--port", Self.module, try Self.moduleImage(), "--until", "commands:", "--for", "20", "--json"],
            input: "help\n")
        #expect(run.ok, "\(run.stdout.suffix(600))")
        let lines = consoleLines(run)
        #expect(lines.contains("help"), "the shell's echo: \(lines)")
        #expect(lines.last == "commands: help, version")
    }

    /// Over SWD the console is RTT: a line on stdin goes to down-buffer 0, the application's
    /// echo comes back on up-buffer 0.
    @Test func linesPipedOnStdinReachTheApplicationOverRTT() throws {
        let run = try Bootwire.run(
            ["run", "--port", Self.stlink, try Self.stm32Image(), "--until", "echo: hi", "--for", "20", "--json"],
            input: "hi\n")
        #expect(run.ok, "\(run.stdout.suffix(600))")
        #expect(consoleLines(run).last == "echo: hi")
        #expect(run.events.contains { ($0["detail"] as? String)?.hasPrefix("RTT up-buffer 0") == true })
    }

    /// `--rtt-address` reads the control block there instead of searching RAM: found where the
    /// application put it, `rtt-not-found` where it did not.
    @Test(arguments: [("0x20001000", true), ("0x20002000", false)])
    func anRTTAddressIsReadThereOnly(address: String, found: Bool) throws {
        let run = try Bootwire.run([
            "run", "--port", Self.stlink + ",rtt=0x20001000", try Self.stm32Image(), "--rtt-address", address,
            "--until", "tick 1", "--for", "20", "--json",
        ])
        if found {
            #expect(run.ok, "\(run.stdout.suffix(600))")
            #expect(consoleLines(run).last == "tick 1")
        } else {
            #expect(run.errorCode == ErrorCode.rttNotFound.rawValue, "\(run.stdout.suffix(600))")
        }
    }

    @Test func anRTTAddressThatIsNoAddressIsAUsageErrorBeforeAnyPortOpens() throws {
        let run = try Bootwire.run([
            "run", "--port", Self.stlink, try Self.stm32Image(), "--rtt-address", "ram", "--json",
        ])
        #expect(run.errorCode == ErrorCode.usage.rawValue)
        #expect(!stages(run).contains("connect"))
    }

    @Test func aDryRunChangesNothingAndResetsNothing() throws {
        let state = Scratch.make().appendingPathComponent("flash.bin").path
        let port = Self.stm32 + ",state=\(state)"
        let log = Scratch.make().appendingPathComponent("console.log").path
        let run = try Bootwire.run(["run", "--port", port, try Self.stm32Image(), "--dry-run", "--log", log, "--json"])
        #expect(run.ok, "\(run.stdout.suffix(600))")
        #expect(run.summary["dry-run"] == "nothing was changed")
        #expect(!stages(run).contains("reset"))
        #expect(consoleLines(run).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: log), "the log is made only once there is a line")
        let flash = try Bootwire.readMemory(port, at: 0x0800_0000, count: 8)
        #expect(flash == [UInt8](repeating: 0xFF, count: 8))
    }

    @Test func theLogHoldsTheLinesShown() throws {
        let log = Scratch.make().appendingPathComponent("console.log").path
        let run = try Bootwire.run([
            "run", "--port", Self.module, try Self.moduleImage(), "--until", "tick 1", "--log", log, "--json",
        ])
        #expect(run.ok, "\(run.stdout.suffix(600))")
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("ready\n"))
        #expect(text.hasSuffix("tick 1\n"))
    }

    @Test func aLogThatCannotBeWrittenIsTheRunsErrorNotASilentLoss() throws {
        let run = try Bootwire.run([
            "run", "--port", Self.module, try Self.moduleImage(), "--until", "tick 1", "--log", "/dev/full", "--json",
        ])
        #expect(run.errorCode == ErrorCode.diskFull.rawValue, "\(run.stdout.suffix(600))")
        #expect(consoleLines(run).contains("tick 1"), "the lines are still shown")
    }

    @Test func routesWithoutAConsoleRefuseTheMonitorBeforeAnyPortOpens() throws {
        let image = try Scratch.file(firmwareLike(512), name: "app.bin").path + "@0x08000000"
        let run = try Bootwire.run(["run", "--port", "virtual:dfu-l476", image, "--json"])
        #expect(run.errorCode == ErrorCode.usage.rawValue, "\(run.stdout.suffix(600))")
        #expect(!stages(run).contains("connect"))
    }

    @Test(arguments: [
        (module, "application"), (module, "bootloader"), (stm32, "application"), (stm32, "bootloader"),
        ("virtual:dfu-l476", "application"), ("virtual:dfu-l476", "bootloader"), (stlink, "application"),
    ])
    func resetWorksOnEveryRoute(port: String, into: String) throws {
        let run = try Bootwire.run(["reset", "--port", port, "--into", into, "--json"])
        #expect(run.ok, "\(run.stdout.suffix(600))")
        #expect(run.summary["reset"] == into)
    }

    /// A dry run opens nothing: reaching the module's boot ROM would itself reset it.
    @Test(arguments: [module, stm32, "virtual:dfu-l476", stlink])
    func aDryRunResetOpensNothing(port: String) throws {
        let run = try Bootwire.run(["reset", "--port", port, "--dry-run", "--json"])
        #expect(run.ok, "\(run.stdout.suffix(600))")
        #expect(run.summary["dry-run"] == "nothing was changed")
        #expect(stages(run).isEmpty, "\(stages(run))")
    }

    @Test func resetIntoTheBootloaderOverUARTComesBackToASyncedBootloader() throws {
        let run = try Bootwire.run(["reset", "--port", Self.stm32, "--into", "bootloader", "--json"])
        #expect(run.ok, "\(run.stdout.suffix(600))")
        // The part was synced again after the reset stub: its identity is told twice.
        let notes = run.events.compactMap { $0["message"] as? String }
        #expect(notes.contains { $0.hasPrefix("after the reset:") }, "\(notes)")
    }
}

import BootwireCore
import Foundation
import STM32
import Targets
import Testing
import VirtualDevices

/// The monitor behind `run` and `flash --monitor`: lines, timestamps, stop conditions and input,
/// on a simulated clock (a scripted console), and against the virtual devices' applications
/// over an in-memory line.
@Suite struct ConsoleMonitorTests {
    /// Bytes the application "writes" at given milliseconds after the start.
    final class ScriptedConsole: TargetConsole {
        let clock: SimulatedClock
        let start: UInt64
        var script: [(ms: UInt64, text: String)]
        var written: [UInt8] = []
        var description: String { "scripted" }

        init(clock: SimulatedClock, _ script: [(UInt64, String)]) {
            self.clock = clock
            start = clock.now()
            self.script = script.map { (ms: $0.0, text: $0.1) }
        }

        func read(timeout: Duration) throws -> [UInt8] {
            let deadline = clock.now() + timeout.nanoseconds
            if let first = script.first, start + first.ms * 1_000_000 <= deadline {
                clock.sleep(until: max(clock.now(), start + first.ms * 1_000_000))
                script.removeFirst()
                return Array(first.text.utf8)
            }
            clock.sleep(until: deadline)
            return []
        }

        func write(_ bytes: [UInt8]) throws -> Int {
            written += bytes
            return bytes.count
        }
    }

    func monitor(_ console: ScriptedConsole, _ limits: MonitorLimits) -> ConsoleMonitor {
        ConsoleMonitor(console: console, clock: console.clock, limits: limits)
    }

    @Test func linesAreSplitAcrossReadsStrippedOfCRAndStampedAtTheirFirstByte() throws {
        let clock = SimulatedClock()
        let console = ScriptedConsole(clock: clock, [(100, "boot\r\nre"), (250, "ady\r\n"), (700, "tick 1\r\n")])
        var lines: [ConsoleLine] = []
        let outcome = try monitor(console, MonitorLimits(duration: .seconds(1))).run { lines.append($0) }
        #expect(lines.map(\.text) == ["boot", "ready", "tick 1"])
        #expect(lines.map(\.seconds) == [0.1, 0.1, 0.7])
        #expect(lines.allSatisfy { $0.complete })
        #expect(outcome.end == .duration)
        #expect(outcome.bytes == 21)
        #expect(outcome.seconds == 1.0)
    }

    @Test func aPromptWithoutNewlineIsShownAfterQuietAndCanBeWaitedFor() throws {
        let clock = SimulatedClock()
        let console = ScriptedConsole(clock: clock, [(10, "login: ")])
        var lines: [ConsoleLine] = []
        let shown = try monitor(console, MonitorLimits(duration: .seconds(1))).run { lines.append($0) }
        #expect(lines == [ConsoleLine(text: "login: ", seconds: 0.01, complete: false)])
        #expect(shown.end == .duration)

        let again = ScriptedConsole(clock: clock, [(10, "login: ")])
        let matched = try monitor(again, MonitorLimits(duration: .seconds(5), until: "login")).run { _ in }
        #expect(matched.end == .matched)
        #expect(matched.seconds < 0.1)
    }

    @Test func untilStopsAtTheFirstMatchAndNeverSeeingItIsMonitorTimeout() throws {
        let clock = SimulatedClock()
        let script: [(UInt64, String)] = [(100, "boot\r\n"), (600, "tick 1\r\nafter\r\n"), (1100, "tick 2\r\n")]
        var lines: [String] = []
        let outcome = try monitor(ScriptedConsole(clock: clock, script), MonitorLimits(until: "tick 1")).run {
            lines.append($0.text)
        }
        #expect(outcome.end == .matched)
        #expect(lines == ["boot", "tick 1"])
        #expect(abs(outcome.seconds - 0.6) < 0.001)

        let never = monitor(ScriptedConsole(clock: clock, script), MonitorLimits(duration: .seconds(2), until: "panic"))
        let error = #expect(throws: BootwireError.self) { try never.run { _ in } }
        #expect(error?.code == .monitorTimeout)
        #expect(error?.evidence["lines"] == "4")
    }

    @Test func stopEndsItWithWhatWasPendingAndInputReachesTheConsole() throws {
        let clock = SimulatedClock()
        let console = ScriptedConsole(clock: clock, [(10, "> ")])
        var asked = 0
        var lines: [ConsoleLine] = []
        let outcome = try monitor(console, MonitorLimits()).run(
            input: {
                asked += 1
                return asked == 1 ? Array("help\r".utf8) : []
            },
            shouldStop: { asked >= 3 }, onLine: { lines.append($0) })
        #expect(outcome.end == .stopped)
        #expect(console.written == Array("help\r".utf8))
        #expect(lines.map(\.text) == ["> "])
        #expect(lines.first?.complete == false)
    }

    // MARK: the virtual applications, over an in-memory line

    @Test func theModulesApplicationPrintsItsBootLogTicksAndAnswersVersion() throws {
        let clock = SimulatedClock()
        let device = VirtualQCC743()
        let link = VirtualLink(device: device, wire: .realistic, clock: clock)
        device.reset(application: true)
        let console = try SerialConsole(link: link, rate: nil)
        #expect(console.description.hasPrefix("serial 115200 8N1"))
        var lines: [ConsoleLine] = []
        var typed = false
        let outcome = try ConsoleMonitor(console: console, clock: clock, limits: MonitorLimits(until: "tick 2")).run(
            input: {
                guard !typed, lines.contains(where: { $0.text == "ready" }) else { return [] }
                typed = true
                return Array("version\r".utf8)
            }, onLine: { lines.append($0) })
        #expect(outcome.end == .matched)
        let texts = lines.map(\.text)
        #expect(texts.contains("ST67W611M1 NCP v2.0.106 (T01)"))
        #expect(texts.contains("version"))
        #expect(texts.filter { $0 == "ST67W611M1 NCP v2.0.106 (T01)" }.count == 2)
        #expect(texts.last == "tick 2")
        // The ticks come every 500 ms of the device's clock, after a 100 ms start-up.
        let tick2 = try #require(lines.last)
        #expect(tick2.seconds >= 1.0 && tick2.seconds < 1.1)
    }

    @Test func anSTM32ApplicationRunsOnlyFromAProgrammedVectorTable() throws {
        let l476 = try #require(STM32DeviceTable.device(productID: 0x415))
        let vectors: [UInt8] = [0x00, 0x80, 0x01, 0x20, 0x01, 0x01, 0x00, 0x08]
        for (flash, expected) in [(vectors, true), ([], false)] {
            let clock = SimulatedClock()
            let device = VirtualSTM32.make(device: l476, flash: flash)
            let link = VirtualLink(device: device, wire: .realistic, clock: clock)
            device.reset(application: true)
            let console = try SerialConsole(link: link, rate: nil)
            var lines: [String] = []
            _ = try ConsoleMonitor(console: console, clock: clock, limits: MonitorLimits(duration: .seconds(1))).run {
                lines.append($0.text)
            }
            #expect(lines.contains("hello from the application") == expected, "\(lines)")
            #expect(lines.contains("tick 1") == expected)
        }
    }
}

import BootwireCore
import Foundation
import Testing

/// Driving boot-entry sequences: skipped with one warning where there are no modem lines,
/// driven step by step where there are.
@MainActor @Suite struct BootEntryTests {
    /// A link with modem lines that records what was done to them, and when, on a simulated
    /// clock: the waits are checked exactly, whatever the machine's load.
    private final class LineRecorder: Link {
        let name = "recorder"
        let simulated = SimulatedClock()
        var clock: any WaitClock { simulated }
        let capabilities = LinkCapabilities(modemLines: true, parity: true, isPseudoTerminal: false)
        let settings = LineSettings(baud: 115_200, parity: .none)
        var changes: [(line: ModemLine, asserted: Bool, at: UInt64)] = []

        func configure(baud: Int, parity: Parity) throws -> [Note] { [] }
        func write(_ bytes: [UInt8]) throws {}
        func read(max: Int, deadline: Deadline) throws -> [UInt8] { [] }
        func flushInput() throws {}
        func drain() throws {}
        func setModemLine(_ line: ModemLine, asserted: Bool) throws {
            changes.append((line, asserted, simulated.now()))
        }
    }

    @Test("a line-driving sequence on a pty is skipped with exactly one pty-no-modem-lines warning")
    func ptySkipsWithOneWarning() throws {
        try withPort { _, port in
            let log = EventLog()
            let sequence = try BootSequence.parse("dtr-boot-rts-en")
            #expect(sequence.drivesModemLines)
            let report = try BootEntry.drive(sequence, on: port, events: log.sink)
            #expect(report.skippedBecauseNoModemLines)
            #expect(report.driven.isEmpty)
            #expect(!report.manual)
            #expect(log.events.count == 1)
            #expect(log.notes.map(\.code) == [.ptyNoModemLines])
            #expect(log.notes.map(\.level) == [.warning])
            // Nothing was driven (every wait is recorded in `driven` as it is spent), so none
            // of the sequence's 160 ms of waits were spent; a clock check would fail under load.
        }
    }

    @Test(
        "every preset that drives lines is skipped on a pty with one warning each",
        arguments: ["qconn", "stm32-rts-reset"])
    func presetsSkipOnPty(name: String) throws {
        try withPort { _, port in
            let log = EventLog()
            let report = try BootEntry.drive(
                try BootSequence.parse(name), on: port, events: log.sink)
            #expect(report.skippedBecauseNoModemLines)
            #expect(log.notes.map(\.code) == [.ptyNoModemLines])
        }
    }

    @Test("`none` emits nothing and drives nothing")
    func noneDoesNothing() throws {
        try withPort { _, port in
            let log = EventLog()
            let report = try BootEntry.drive(
                try BootSequence.parse("none"), on: port, events: log.sink)
            #expect(!report.skippedBecauseNoModemLines)
            #expect(!report.manual)
            #expect(report.driven.isEmpty)
            #expect(log.events.isEmpty)
        }
    }

    @Test("`manual` emits one info note without a code, even on a pty")
    func manualAsksThePerson() throws {
        try withPort { _, port in
            let log = EventLog()
            let report = try BootEntry.drive(
                try BootSequence.parse("manual"), on: port, events: log.sink)
            #expect(report.manual)
            #expect(!report.skippedBecauseNoModemLines)
            #expect(log.events.count == 1)
            #expect(log.notes.map(\.level) == [.info])
            #expect(log.notes.first?.code == nil)
        }
    }

    @Test("on a link with modem lines every step is driven in order, with its waits")
    func drivesStepsInOrder() throws {
        let link = LineRecorder()
        let log = EventLog()
        let sequence = try BootSequence.parse("rts=1 dtr=0 wait=30ms rts=0 wait=20ms dtr=1")
        let report = try BootEntry.drive(sequence, on: link, events: log.sink)

        #expect(log.events.isEmpty)
        #expect(!report.skippedBecauseNoModemLines)
        #expect(
            report.driven.map(\.step) == [
                "rts=1", "dtr=0", "wait=30ms", "rts=0", "wait=20ms", "dtr=1",
            ])
        #expect(link.changes.map(\.line) == [.rts, .dtr, .rts, .dtr])
        #expect(link.changes.map(\.asserted) == [true, false, false, true])
        let gap1 = Double(link.changes[2].at - link.changes[1].at) / 1e6
        let gap2 = Double(link.changes[3].at - link.changes[2].at) / 1e6
        #expect(gap1 == 30)
        #expect(gap2 == 20)
        // Offsets are recorded from the start and grow with the waits.
        let offsets = report.driven.map(\.atMilliseconds)
        #expect(offsets == offsets.sorted())
        #expect(offsets[3] == 30)
        #expect(offsets[5] == 50)
    }
}

import Foundation

/// Drives a `BootSequence` on a link and records what was actually done, with timings, for the
/// evidence of a later diagnosis.
public struct BootEntryReport: Sendable, Equatable {
    /// Each step as driven, with its offset from the start in milliseconds.
    public var driven: [(step: String, atMilliseconds: Double)] = []
    public var skippedBecauseNoModemLines = false
    public var manual = false

    public init() {}

    public static func == (a: BootEntryReport, b: BootEntryReport) -> Bool {
        a.driven.map(\.step) == b.driven.map(\.step) && a.skippedBecauseNoModemLines == b.skippedBecauseNoModemLines
            && a.manual == b.manual
    }

    /// One line for logs and evidence: `rts=1@0.0 wait=200ms rts=0@200.3 …`.
    public var summary: String {
        if skippedBecauseNoModemLines { return "not driven (no modem lines)" }
        if driven.isEmpty { return manual ? "manual" : "none" }
        return driven.map { "\($0.step)@\(String(format: "%.1f", $0.atMilliseconds))ms" }.joined(separator: " ")
    }
}

public enum BootEntry {
    /// Runs the sequence. On a link without modem lines the line steps are skipped with one
    /// warning (a pty, or an adapter with no DTR/RTS), never an error.
    public static func drive(_ sequence: BootSequence, on link: any Link, events: EventSink) throws -> BootEntryReport {
        var report = BootEntryReport()
        report.manual = sequence.isManual
        if sequence.isManual {
            events(
                .note(
                    .info(
                        "put the device into its boot loader now: hold BOOT high (or BOOT0 for an STM32), "
                            + "pulse CHIP_EN/RESET low, then release BOOT; Bootwire keeps trying to connect")))
        }
        guard sequence.drivesModemLines else { return report }
        guard link.capabilities.modemLines else {
            report.skippedBecauseNoModemLines = true
            events(
                .note(
                    .warning(
                        link.capabilities.isPseudoTerminal ? .ptyNoModemLines : .noModemLines,
                        "\(link.name) has no DTR/RTS lines: the boot-entry sequence `\(sequence)` was not driven; "
                            + "the device must already be in its boot loader")))
            return report
        }
        let start = link.clock.now()
        for step in sequence.steps {
            let at = link.clock.seconds(since: start) * 1000
            switch step {
            case .set(let line, let asserted):
                try link.setModemLine(line, asserted: asserted)
                report.driven.append(("\(line.rawValue)=\(asserted ? 1 : 0)", at))
            case .wait(let ms):
                link.clock.sleep(milliseconds: ms)
                report.driven.append(("wait=\(ms)ms", at))
            case .manual:
                break
            }
        }
        return report
    }
}

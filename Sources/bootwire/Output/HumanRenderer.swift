import BootwireCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Text for people: a progress bar with rate and ETA on a terminal, plain lines otherwise.
/// Colour only on a terminal and never with NO_COLOR set.
final class HumanRenderer: Renderer, @unchecked Sendable {
    private let quiet: Bool
    private let verbose: Bool
    private let isTTY = isatty(STDERR_FILENO) == 1
    private let color: Bool
    private let lock = NSLock()
    private var barShown = false
    private var lastPlainPercent: [String: Int] = [:]
    /// With several devices on a terminal: one status line each, redrawn in place.
    private var deviceOrder: [String] = []
    private var deviceStatus: [String: String] = [:]
    private var deviceLinesShown = 0

    init(quiet: Bool, verbose: Bool = false) {
        self.quiet = quiet
        self.verbose = verbose
        color = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    func render(_ event: Event, device: String?) {
        lock.lock()
        defer { lock.unlock() }
        if let device {
            renderDevice(event, device)
            return
        }
        switch event {
        case .stage(let name, let detail):
            guard !quiet else { return }
            line("\(paint("==>", 1)) \(name)\(detail.map { ": \($0)" } ?? "")")
        case .progress(let label, let done, let total, let rate, let unit, let job):
            guard !quiet else { return }
            progress(label: label, done: done, total: total, rate: rate, unit: unit, job: job)
        case .identity(let identity):
            guard !quiet else { return }
            line(IdentityText.line(identity))
        case .note(let note):
            if note.level == .info && quiet { return }
            let tag =
                note.level == .warning ? paint("warning", 33) + (note.code.map { "[\($0.rawValue)]" } ?? "") : "note"
            line("\(tag): \(note.message)")
        case .diagnosis(let error):
            line(paint("diagnosis", 33) + "[\(error.code.rawValue)]: \(error.message)")
            if let hint = error.hint { line("  fix: \(hint)") }
        case .result(let result):
            if let error = result.error {
                line(paint("error", 31) + "[\(error.code.rawValue)]: \(error.message)")
                for (key, value) in error.evidence.sorted(by: { $0.key < $1.key }) { line("  \(key): \(value)") }
                if let hint = error.hint { line("  fix: \(hint)") }
            } else if let flash = result.flash {
                for text in FlashSummaryText.lines(flash) { line(text) }
                if verbose { line(paint("done", 32) + ": " + Self.keyValues(result.summary)) }
            } else if verbose && !result.summary.isEmpty {
                line(paint("done", 32) + ": " + Self.keyValues(result.summary))
            } else if !result.summary.isEmpty {
                for text in Self.facts(result.summary) { line(text) }
            }
        }
    }

    /// `--verbose`: every field on one line, as `--json` carries them.
    static func keyValues(_ summary: [String: String]) -> String {
        summary.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    /// A result's fields for a person: a few on the `done` line, more as an aligned list.
    static func facts(_ summary: [String: String]) -> [String] {
        let sorted = summary.sorted { $0.key < $1.key }
        if sorted.count <= 3 { return ["done: " + sorted.map { "\($0.key) \($0.value)" }.joined(separator: ", ")] }
        let width = sorted.map(\.key.count).max() ?? 0
        return ["done:"]
            + sorted.map { "  " + $0.key + String(repeating: " ", count: width - $0.key.count) + "  " + $0.value }
    }

    private func progress(label: String, done: Int, total: Int, rate: Double, unit: ProgressUnit, job: JobProgress?) {
        if isTTY {
            // One bar, redrawn in place; the next line of text starts below it.
            let text = ProgressText.bar(
                label: label, done: done, total: total, bytesPerSecond: rate, unit: unit, job: job)
            StandardStreams.err("\r  \(text)\u{1B}[K")
            barShown = true
        } else if let line = plainProgress(
            key: job.map { "\($0.phase) \($0.image ?? "")" } ?? label, label: label, done: done, total: total,
            rate: rate, unit: unit, job: job)
        {
            StandardStreams.err("  \(line)\n")
        }
    }

    /// Plain output: a line at each quarter after the start, so logs stay short.
    private func plainProgress(
        key: String, label: String, done: Int, total: Int, rate: Double, unit: ProgressUnit, job: JobProgress?
    ) -> String? {
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let percent = Int(fraction * 100) / 25 * 25
        guard done > 0, percent != lastPlainPercent[key] || done >= total else { return nil }
        guard lastPlainPercent[key] != -1 || done < total else { return nil }
        lastPlainPercent[key] = done >= total ? -1 : percent
        return ProgressText.plain(label: label, done: done, total: total, bytesPerSecond: rate, unit: unit, job: job)
    }

    private func renderDevice(_ event: Event, _ device: String) {
        if !deviceOrder.contains(device) { deviceOrder.append(device) }
        var status: String?
        var line: String?
        switch event {
        case .stage(let name, _):
            status = name
        case .progress(let label, let done, let total, let rate, let unit, let job):
            let percent = total > 0 ? done * 100 / total : 100
            status = "\(ProgressText.title(label: label, job: job)) \(percent)% \(ProgressText.rate(rate))"
            if !isTTY, !quiet,
                let text = plainProgress(
                    key: device + label, label: label, done: done, total: total, rate: rate, unit: unit, job: job)
            {
                line = text
            }
        case .identity(let identity):
            if !quiet && !isTTY { line = IdentityText.line(identity) }
        case .note(let note):
            if note.level == .warning {
                line = paint("warning", 33) + (note.code.map { "[\($0.rawValue)]" } ?? "") + ": \(note.message)"
            } else if !quiet && !isTTY {
                line = "note: \(note.message)"
            }
        case .diagnosis(let error):
            line = paint("diagnosis", 33) + "[\(error.code.rawValue)]: \(error.message)"
        case .result(let result):
            status = result.error.map { paint("failed", 31) + " [\($0.code.rawValue)]" } ?? paint("done", 32)
            if let error = result.error { line = paint("error", 31) + "[\(error.code.rawValue)]: \(error.message)" }
        }
        if let status { deviceStatus[device] = status }
        if isTTY {
            clearDeviceLines()
            if let line { StandardStreams.err("\(device): \(line)\n") }
            for name in deviceOrder { StandardStreams.err("\(name): \(deviceStatus[name] ?? "waiting")\u{1B}[K\n") }
            deviceLinesShown = deviceOrder.count
        } else if let text = line ?? (status.map { _ in event.isStage ? deviceStatus[device] : nil } ?? nil),
            !quiet || line != nil
        {
            StandardStreams.err("[\(device)] \(text)\n")
        }
    }

    private func clearDeviceLines() {
        guard deviceLinesShown > 0 else { return }
        StandardStreams.err("\u{1B}[\(deviceLinesShown)A\r\u{1B}[J")
        deviceLinesShown = 0
    }

    private func line(_ text: String) {
        if barShown {
            StandardStreams.err("\n")
            barShown = false
        }
        StandardStreams.err(text + "\n")
    }

    private func paint(_ text: String, _ code: Int) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

extension Event {
    var isStage: Bool { if case .stage = self { true } else { false } }
}

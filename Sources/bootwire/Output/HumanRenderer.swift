import BootwireCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Text for people: a progress bar with rate and ETA on a terminal, plain lines otherwise.
/// Colour only on a terminal and never with NO_COLOR set.
final class HumanRenderer: Renderer, @unchecked Sendable {
    private let quiet: Bool
    private let isTTY = isatty(STDERR_FILENO) == 1
    private let color: Bool
    private let lock = NSLock()
    private var barShown = false
    private var lastPlainPercent: [String: Int] = [:]
    /// With several devices on a terminal: one status line each, redrawn in place.
    private var deviceOrder: [String] = []
    private var deviceStatus: [String: String] = [:]
    private var deviceLinesShown = 0

    init(quiet: Bool) {
        self.quiet = quiet
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
        case .progress(let label, let done, let total, let rate):
            guard !quiet else { return }
            progress(label: label, done: done, total: total, rate: rate)
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
            } else if !result.summary.isEmpty {
                let text = result.summary.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                    separator: " ")
                line(paint("done", 32) + ": \(text)")
            }
        }
    }

    private func progress(label: String, done: Int, total: Int, rate: Double) {
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let rateText = rate > 0 ? String(format: "%.0f KB/s", rate / 1000) : ""
        if isTTY {
            let width = 30
            let filled = Int(fraction * Double(width))
            let eta = rate > 0 && total > done ? String(format: " ETA %.1fs", Double(total - done) / rate) : ""
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            StandardStreams.err(
                String(format: "\r  %@ [%@] %3.0f%% %@%@\u{1B}[K", label, bar, fraction * 100, rateText, eta))
            barShown = done < total
            if done >= total { StandardStreams.err("\n") }
        } else {
            // Plain output: a line at each quarter, so logs stay short.
            if let line = plainProgress(key: label, label: label, done: done, total: total, rate: rateText) {
                StandardStreams.err("  \(line)\n")
            }
        }
    }

    private func plainProgress(key: String, label: String, done: Int, total: Int, rate: String) -> String? {
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let percent = Int(fraction * 100) / 25 * 25
        guard percent != lastPlainPercent[key] || done >= total else { return nil }
        lastPlainPercent[key] = done >= total ? -1 : percent
        return "\(label): \(done)/\(total) bytes \(rate)"
    }

    private func renderDevice(_ event: Event, _ device: String) {
        if !deviceOrder.contains(device) { deviceOrder.append(device) }
        var status: String?
        var line: String?
        switch event {
        case .stage(let name, _):
            status = name
        case .progress(let label, let done, let total, let rate):
            let percent = total > 0 ? done * 100 / total : 100
            status = "\(label) \(percent)% \(String(format: "%.0f KB/s", rate / 1000))"
            if !isTTY, !quiet,
                let text = plainProgress(
                    key: device + label, label: label, done: done, total: total,
                    rate: String(format: "%.0f KB/s", rate / 1000))
            {
                line = text
            }
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

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
    private var lastPlainPercent = -1

    init(quiet: Bool) {
        self.quiet = quiet
        color = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    func render(_ event: Event) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case .stage(let name, let detail):
            guard !quiet else { return }
            line("\(paint("==>", 1)) \(name)\(detail.map { ": \($0)" } ?? "")")
        case .progress(let label, let done, let total, let rate):
            guard !quiet else { return }
            progress(label: label, done: done, total: total, rate: rate)
        case .note(let note):
            if note.level == .info && quiet { return }
            let tag = note.level == .warning ? paint("warning", 33) + (note.code.map { "[\($0.rawValue)]" } ?? "") : "note"
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
                let text = result.summary.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
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
            StandardStreams.err(String(format: "\r  %@ [%@] %3.0f%% %@%@\u{1B}[K", label, bar, fraction * 100, rateText, eta))
            barShown = done < total
            if done >= total { StandardStreams.err("\n") }
        } else {
            // Plain output: a line at each quarter, so logs stay short.
            let percent = Int(fraction * 100) / 25 * 25
            if percent != lastPlainPercent || done >= total {
                lastPlainPercent = done >= total ? -1 : percent
                StandardStreams.err("  \(label): \(done)/\(total) bytes \(rateText)\n")
            }
        }
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

import Foundation

/// Progress as a person reads it: the terminal's bar, redrawn in place, and the plain line a log
/// gets instead. Pure functions of the event's typed fields, so the exact text is tested.
public enum ProgressText {
    /// Cells in the bar.
    public static let barWidth = 24

    /// `write app.bin [##########--------------]  42%  110/262 KB  98 KB/s  ETA 1.6s  (job 21%, ETA 6.1s)`
    public static func bar(
        label: String, done: Int, total: Int, bytesPerSecond: Double, unit: ProgressUnit, job: JobProgress?
    ) -> String {
        let fraction = total > 0 ? min(1, Double(max(0, done)) / Double(total)) : 1
        let filled = Int(fraction * Double(barWidth))
        var parts = [
            title(label: label, job: job),
            "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled) + "]",
            percent(fraction), amount(done: done, total: total, unit: unit),
        ]
        if unit == .bytes && bytesPerSecond > 0 {
            parts.append(rate(bytesPerSecond))
            // Nothing is left to wait for once done: the finished bar stays without an ETA.
            if done < total,
                let left = JobProgress.eta(done: done, total: total, elapsed: Double(done) / bytesPerSecond)
            {
                parts.append("ETA " + duration(left))
            }
        }
        var line = parts.joined(separator: "  ")
        if let job, job.total > 0 {
            line += "  (job \(percent(job.fraction).trimmingCharacters(in: .whitespaces))"
            if job.done < job.total, let left = job.secondsLeft { line += ", ETA " + duration(left) }
            line += ")"
        }
        return line
    }

    /// The line a log gets (no terminal): `write app.bin: 65536/262144 bytes, 98 KB/s`.
    public static func plain(
        label: String, done: Int, total: Int, bytesPerSecond: Double, unit: ProgressUnit, job: JobProgress?
    ) -> String {
        var line = "\(title(label: label, job: job)): \(done)/\(total) \(unit.rawValue)"
        if unit == .bytes && bytesPerSecond > 0 { line += ", " + rate(bytesPerSecond) }
        if let job, job.total > 0, let left = job.secondsLeft, job.done < job.total {
            line += " (job \(percent(job.fraction).trimmingCharacters(in: .whitespaces)), ETA \(duration(left)))"
        }
        return line
    }

    /// `write app.bin` from the job's phase and image, else the session's own label.
    public static func title(label: String, job: JobProgress?) -> String {
        guard let job else { return label }
        return job.image.map { "\(job.phase.rawValue) \($0)" } ?? job.phase.rawValue
    }

    /// ` 42%`
    static func percent(_ fraction: Double) -> String {
        let value = Int((fraction * 100).rounded(.down))
        return String(repeating: " ", count: max(0, 3 - String(value).count)) + "\(value)%"
    }

    /// `110/262 KB`, `3/12 pages`.
    static func amount(done: Int, total: Int, unit: ProgressUnit) -> String {
        switch unit {
        case .pages: return "\(done)/\(total) pages"
        case .bytes:
            let (divisor, name) = total >= 10_000_000 ? (1e6, "MB") : total >= 10_000 ? (1e3, "KB") : (1, "bytes")
            return String(format: "%.0f/%.0f %@", Double(done) / divisor, Double(total) / divisor, name)
        }
    }

    /// `98 KB/s`, `1.2 MB/s`: decimal units, as esptool and espflash print rates.
    public static func rate(_ bytesPerSecond: Double) -> String {
        bytesPerSecond >= 1e6
            ? String(format: "%.1f MB/s", bytesPerSecond / 1e6) : String(format: "%.0f KB/s", bytesPerSecond / 1e3)
    }

    /// `0.4s`, `12s`, `2m05s`.
    public static func duration(_ seconds: Double) -> String {
        if seconds < 10 { return String(format: "%.1fs", max(0, seconds)) }
        if seconds < 60 { return String(format: "%.0fs", seconds) }
        let whole = Int(seconds.rounded())
        return String(format: "%dm%02ds", whole / 60, whole % 60)
    }
}

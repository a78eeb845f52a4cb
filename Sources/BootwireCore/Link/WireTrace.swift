import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `--trace FILE`: every byte in and out, in hex, with direction and a monotonic timestamp
/// (seconds since the trace began), and every change of line settings.
public final class WireTrace: @unchecked Sendable {
    private let fd: Int32
    private let start = MonotonicClock.now()
    private let lock = NSLock()

    /// A log written as it happens, so opened in place (`OutputFile.openForStreaming`): a link is
    /// followed, /dev/stderr or a FIFO is written, not replaced.
    public init(path: String) throws {
        fd = try OutputFile.openForStreaming(path)
    }

    public enum Direction: String { case output = ">", input = "<", event = "=" }

    /// `label` goes before the bytes of every line: a USB endpoint (`ep81`) or `setup`.
    public func record(_ direction: Direction, _ bytes: [UInt8], port: String, label: String? = nil) {
        guard !bytes.isEmpty else { return }
        let head = label.map { $0 + " " } ?? ""
        // 32 bytes a line keeps long frames readable.
        var lines = ""
        var offset = 0
        while offset < bytes.count {
            let slice = bytes[offset..<min(offset + 32, bytes.count)]
            lines += "\(stamp()) \(port) \(direction.rawValue) \(head)\(Hex.string(slice, separator: " "))\n"
            offset += 32
        }
        write(lines)
    }

    public func record(event text: String, port: String) {
        write("\(stamp()) \(port) = \(text)\n")
    }

    private func stamp() -> String {
        String(format: "%12.6f", Double(MonotonicClock.now() - start) / 1e9)
    }

    private func write(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        // Best effort: a trace that cannot be written (a full disk) never stops the session.
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let wrote = bytes[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else { return }
            done += wrote
        }
    }

    deinit { close(fd) }
}

import Foundation

/// `--trace FILE`: every byte in and out, in hex, with direction and a monotonic timestamp
/// (seconds since the trace began), and every change of line settings.
public final class WireTrace: @unchecked Sendable {
    private let handle: FileHandle
    private let start = MonotonicClock.now()
    private let lock = NSLock()

    public init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw BootwireError(
                .fileNotFound, "cannot create trace file \(path)", hint: "check the folder exists and is writable")
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    public enum Direction: String { case output = ">", input = "<", event = "=" }

    public func record(_ direction: Direction, _ bytes: [UInt8], port: String) {
        guard !bytes.isEmpty else { return }
        // 32 bytes a line keeps long frames readable.
        var lines = ""
        var offset = 0
        while offset < bytes.count {
            let slice = bytes[offset..<min(offset + 32, bytes.count)]
            lines += "\(stamp()) \(port) \(direction.rawValue) \(Hex.string(slice, separator: " "))\n"
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
        handle.write(Data(text.utf8))
    }

    deinit { try? handle.close() }
}

import Foundation
import Testing

/// Issue 26 item 2: what a person sees on a terminal during a flash on each route: a progress
/// bar with percent, rate and ETA, drawn by `bootwire` in a real terminal (tmux), captured from
/// the screen while it runs. Skipped where tmux is absent.
@Suite(.serialized, .enabled(if: Terminal.tmux != nil, "tmux is not installed"))
struct ProgressScreenTests {
    /// `[####----…]  42%  …  98 KB/s  ETA 1.6s`
    static var bar: Regex<(Substring, Substring)> { #/\[[#-]{24}\]\s+\d+%.*\d (KB|MB)/s\s+ETA \d/# }

    /// Runs `bootwire ARGS` in a 120×30 tmux window and captures the screen every 20 ms until a
    /// bar with rate and ETA shows or the run ends; returns every screen seen. One shell drives
    /// tmux throughout: a tmux client started directly by the test process cannot reach the
    /// server another one started (seen on Linux under swift test), one started from a shell can.
    static func screens(_ arguments: [String]) throws -> [String] {
        let name = "bootwire-\(UUID().uuidString.prefix(8))"
        let cache = Scratch.make()
        let command =
            "env NO_COLOR=1 XDG_CACHE_HOME=\(cache.path) \(Bootwire.executable.path) "
            + arguments.joined(separator: " ") + "; echo EXITED; sleep 30"
        let separator = "----- screen -----"
        let script = """
            tmux new-session -d -s \(name) -x 120 -y 30 '\(command)' || exit 1
            i=0
            while [ $i -lt 3000 ]; do
              screen=$(tmux capture-pane -p -t \(name)) || break
              echo '\(separator)'; echo "$screen"
              echo "$screen" | grep -qE '\\[[#-]{24}\\] +[0-9]+%.*[0-9] (KB|MB)/s +ETA [0-9]' && break
              echo "$screen" | grep -q EXITED && break
              sleep 0.02; i=$((i + 1))
            done
            tmux kill-session -t \(name)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).components(separatedBy: separator + "\n")
    }

    @Test(arguments: [
        // Paced as a full-speed probe: a release build on an unpaced bus ends in 10 ms.
        ("virtual:stlink-l476,usb-bytes-per-second=200000", "0x08000000", 128 * 1024),
        ("virtual:dfu-l476", "0x08000000", 64 * 1024),
        ("virtual:qcc743", "0x10000", 128 * 1024),
    ])
    func aFlashShowsABarWithRateAndETA(port: String, address: String, size: Int) throws {
        // Random bytes: the module cannot compress them away, so its write takes long enough to see.
        var generator = SystemRandomNumberGenerator()
        let image = try Scratch.file((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let screens = try Self.screens(["flash", "--port", port, "\(image.path)@\(address)"])
        let bars = screens.flatMap { $0.split(separator: "\n") }.filter { $0.contains(Self.bar) }
        #expect(!bars.isEmpty, "\(port): no bar with rate and ETA on screen: \(screens.last ?? "")")
        // The bar fits the window: one line, never wrapped.
        #expect(bars.allSatisfy { $0.count <= 120 }, "\(bars)")
    }
}

enum Terminal {
    static let tmux: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
}

import ArmDebug
import BootwireCore

/// The application's console over SWD: RTT up-buffer 0 polled through the probe while the core
/// runs, down-buffer 0 written. Polls on the probe's clock (simulated on a virtual ST-LINK in
/// `time=simulated`), every `interval` while nothing has come.
public final class RTTConsole: TargetConsole {
    public let host: RTTHost
    public let upBuffer: Int
    /// probe-rs polls RTT every 10 ms or so between reads; an SWD read of 8 bytes costs about
    /// 1 ms on an ST-LINK, so this keeps the probe under one tenth busy while idle.
    public let interval: Duration

    public init(host: RTTHost, upBuffer: Int = 0, interval: Duration = .milliseconds(10)) throws {
        self.host = host
        self.upBuffer = upBuffer
        self.interval = interval
        _ = try host.upBuffer(upBuffer)
    }

    /// `RTT up-buffer 0 "Terminal" at 0x20000400`.
    public var description: String {
        let name = (try? host.upBuffer(upBuffer))?.name.map { " \"\($0)\"" } ?? ""
        return "RTT up-buffer \(upBuffer)\(name) at \(RTTLayout.text(host.block.address))"
    }

    public func read(timeout: Duration) throws -> [UInt8] {
        let clock = host.probe.clock
        let deadline = clock.now() + timeout.nanoseconds
        while true {
            let bytes = try probed { try host.read(up: upBuffer) }
            let now = clock.now()
            if !bytes.isEmpty || now >= deadline { return bytes }
            clock.sleep(until: min(deadline, now + interval.nanoseconds))
        }
    }

    public func write(_ bytes: [UInt8]) throws -> Int {
        try probed { try host.write(down: 0, bytes) }
    }

    /// A target-side failure as the route's typed error.
    private func probed<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let fault as ProbeError {
            throw fault.error
        }
    }
}

import BootwireCore

/// The application's UART on the port the bootloader session used: the same open port, set to
/// the application's rate (8N1, what firmware consoles use; the STM32 bootloader's 8E1 is its own).
public final class SerialConsole: TargetConsole {
    let link: any Link
    public let description: String

    /// The rate the serial routes' consoles start at when none is given: the module's NCP
    /// firmware and ST's STM32 examples print at 115200.
    public static let defaultRate = 115_200

    public init(link: any Link, rate: Int?) throws {
        let rate = rate ?? Self.defaultRate
        try link.configure(baud: rate, parity: .none)
        self.link = link
        description = "serial \(rate) 8N1 on \(link.name)"
    }

    public func read(timeout: Duration) throws -> [UInt8] {
        try link.read(max: 4096, deadline: Deadline(nanoseconds: link.clock.instant(after: timeout), clock: link.clock))
    }

    public func write(_ bytes: [UInt8]) throws -> Int {
        try link.write(bytes)
        return bytes.count
    }
}

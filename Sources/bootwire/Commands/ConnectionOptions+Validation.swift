import ArgumentParser

/// Rates and counts are checked when the command line is parsed, so a value no route can use
/// is a usage error with its code before any port opens, never a crash after.
extension ConnectionOptions {
    /// The rates a serial route can ask of an adapter: the STM32 bootloader autobauds from 1200;
    /// the fastest USB-serial bridges (FT232H, CP2105) stop near 12 Mbaud.
    static let rates = 1200...12_000_000

    func validate() throws {
        if let baud { try Self.check(baud, "--baud") }
        if let bootBaud { try Self.check(bootBaud, "--boot-baud") }
        if let swdKhz, !(5...24_000).contains(swdKhz) {
            throw ValidationError(
                "--swd-khz \(swdKhz): give 5 to 24000 kHz (ST-LINK/V2 runs 5 to 4000, V3 up to 24000)")
        }
        if let patience, !(0...100).contains(patience) || patience.isNaN {
            throw ValidationError("--patience \(patience): give a factor from 0 to 100 (1 is the vendor's waits)")
        }
        guard (1...100).contains(connectAttempts) else {
            throw ValidationError("--connect-attempts \(connectAttempts): give 1 to 100 attempts")
        }
    }

    private static func check(_ rate: Int, _ option: String) throws {
        guard rates.contains(rate) else {
            throw ValidationError(
                "\(option) \(rate) is not a rate a serial adapter can run: give \(rates.lowerBound) to \(rates.upperBound) "
                    + "(the module's vendor rate is 2000000, its handshake 500000; an STM32 bootloader 115200)")
        }
    }
}

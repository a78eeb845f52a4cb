import BootwireCore
import Foundation

/// Each virtual device instance's own identity (a module's chip id and MAC, an STM32's 96-bit
/// unique ID, a ROM DFU's serial), so that journals and station reports, which are keyed by
/// that identity as they are on hardware, never mix two virtual devices (issue 26 item 9).
/// A device with a `state=PATH` file is the same device in every run that names the file: its
/// identity is derived from the file's full path. Any other instance is brand new: fresh bytes.
public enum VirtualUniqueID {
    public static func bytes(_ count: Int, statePath: String?) -> [UInt8] {
        guard let statePath else {
            var generator = SystemRandomNumberGenerator()
            return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
        let path = URL(fileURLWithPath: statePath).standardizedFileURL.path
        var out: [UInt8] = []
        var block = 0
        while out.count < count {
            out += SHA256Digest.of(Array("bootwire-virtual-id:\(block):\(path)".utf8))
            block += 1
        }
        return Array(out.prefix(count))
    }

    /// A module's chip id, which its boot ROM also reports as the default MAC: the vendor's
    /// OUI (40:82:7b, as on the factory parts) and three bytes of this instance's own.
    /// Little-endian, as the eFuse holds it.
    public static func moduleChipID(statePath: String?) -> [UInt8] {
        bytes(3, statePath: statePath) + [0x7B, 0x82, 0x40]
    }

    /// The text an STM32 ROM DFU gives as its serial string, which the ROM derives from the
    /// part's unique ID: 12 upper-case hex digits.
    public static func dfuSerial(statePath: String?) -> String {
        Hex.string(bytes(6, statePath: statePath)).uppercased()
    }
}

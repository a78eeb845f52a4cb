/// The flash config a file carries in its boot header, found the way the vendor host finds it
/// before writing (spec 9.2, last paragraph): `BFNP` and `FCFG` anywhere in the first 128 bytes.
/// It exists so that a flasher can refuse (vendor 003D/0040) an image built for another flash
/// chip than the one the session configured.
public struct EmbeddedFlashConfig: Sendable, Equatable {
    public static let scanLength = 128

    public var bootMagicOffset: Int
    public var flashConfigTagOffset: Int
    /// The 84 bytes after `FCFG`; nil when the file ends before them.
    public var parameters: FlashParameters?

    /// Nil when the first 128 bytes lack either tag: the file is not a boot image (a partition
    /// table, a file system) and the check does not apply.
    public static func scan(_ file: [UInt8]) -> EmbeddedFlashConfig? {
        let window = Array(file.prefix(scanLength))
        guard let boot = firstOffset(of: BootHeader.magic, in: window),
            let tag = firstOffset(of: BootHeader.flashConfigTag, in: window)
        else { return nil }
        let start = tag + 4
        let end = start + FlashParameters.size
        let parameters = end <= file.count ? try? FlashParameters(bytes: Array(file[start..<end])) : nil
        return EmbeddedFlashConfig(bootMagicOffset: boot, flashConfigTagOffset: tag, parameters: parameters)
    }

    /// True when the image names a specific flash manufacturer (not 0x00 or 0xFF, both of
    /// which mean "any") that differs from the block the session sends.
    public func conflicts(with selected: FlashParameters) -> Bool {
        guard let id = parameters?.manufacturerID, id != 0x00, id != 0xFF else { return false }
        return id != selected.manufacturerID
    }

    private static func firstOffset(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first {
            haystack[$0..<$0 + needle.count].elementsEqual(needle)
        }
    }
}

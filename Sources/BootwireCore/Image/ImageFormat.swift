/// The image formats Bootwire reads, and how a file's format is told.
public enum ImageFormat: String, Sendable, CaseIterable {
    case intelHex = "ihex"
    case sRecord = "srec"
    case elf = "elf"
    case raw = "raw"
    case dfuSe = "dfu"

    /// Whether the file says where its bytes go, so that no address may be given with it.
    public var carriesAddresses: Bool { self != .raw }

    /// By content first: ELF's magic, or a first non-blank line that is entirely a HEX (':' and
    /// hex digits) or S-record ('S', a type digit, hex digits) line. A whole line is demanded,
    /// not one character, because a raw binary may well start with ':' or 'S'. Then by
    /// extension, so that a damaged .hex gets HEX's line-numbered errors rather than being
    /// taken for raw. A `.bin` file is always raw, whatever its first bytes.
    public static func detect(_ data: [UInt8], file: String) -> ImageFormat {
        let ext = Self.fileExtension(file)
        if ext == "bin" { return .raw }
        if data.count >= 4, Array(data[0..<4]) == ELFImage.magic { return .elf }
        // The prefix magic, not the extension: ST's tools name these files freely.
        if data.count >= 11, Array(data[0..<5]) == DfuSeFile.prefixMagic { return .dfuSe }
        if let line = firstLine(data) {
            let digits = { (slice: ArraySlice<UInt8>) in slice.allSatisfy { HexDigits.values[Int($0)] != 0xFF } }
            if line.first == UInt8(ascii: ":"), line.count > 1, digits(line.dropFirst()) { return .intelHex }
            if line.count > 2, line.first == UInt8(ascii: "S"),
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(line[line.startIndex + 1]), digits(line.dropFirst(2))
            {
                return .sRecord
            }
        }
        switch ext {
        case "hex", "ihex", "ihx", "h86", "a43": return .intelHex
        case "srec", "s19", "s28", "s37", "mot", "mhx", "sx": return .sRecord
        case "elf", "axf", "out": return .elf
        case "dfu": return .dfuSe
        default: return .raw
        }
    }

    static func fileExtension(_ file: String) -> String {
        let name = file.split(separator: "/").last.map(String.init) ?? file
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    /// The first non-blank line, looking no further than a text file's header would reach:
    /// a binary with no newline must not be scanned to its end.
    private static func firstLine(_ data: [UInt8]) -> ArraySlice<UInt8>? {
        let window = data.prefix(4096)
        for line in TextLine.split(Array(window)) where !line.isBlank {
            // A line cut off by the window may still be a long valid record; judge what is there.
            return line.bytes
        }
        return nil
    }
}

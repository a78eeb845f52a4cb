/// Lines of a text image file, read as bytes so that a stray non-UTF-8 byte is reported with
/// its line and column instead of failing the whole decode.
struct TextLine {
    /// 1-based, as editors and compilers number lines.
    var number: Int
    /// The line without its terminator and without trailing spaces, tabs or CR: CRLF files and
    /// editors that leave trailing blanks are common and harmless.
    var bytes: ArraySlice<UInt8>

    var isBlank: Bool { bytes.isEmpty }

    static func split(_ data: [UInt8]) -> [TextLine] {
        var lines: [TextLine] = []
        var start = 0
        var number = 1
        while start < data.count {
            var newline = start
            while newline < data.count, data[newline] != UInt8(ascii: "\n") { newline += 1 }
            var end = newline
            while end > start, data[end - 1] == 0x0D || data[end - 1] == 0x20 || data[end - 1] == 0x09 { end -= 1 }
            lines.append(TextLine(number: number, bytes: data[start..<end]))
            start = newline + 1
            number += 1
        }
        return lines
    }
}

enum HexDigits {
    /// 0...15 for a hex digit (either case), 0xFF otherwise.
    static let values: [UInt8] = (0...255).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt8(byte) - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt8(byte) - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt8(byte) - UInt8(ascii: "A") + 10
        default: 0xFF
        }
    }

    /// Decodes pairs of digits; the index of the first byte that is not a digit when one is not.
    static func decode(_ text: ArraySlice<UInt8>) -> Result<[UInt8], BadDigit> {
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var index = text.startIndex
        while index < text.endIndex {
            let high = values[Int(text[index])]
            guard high != 0xFF else { return .failure(BadDigit(index: index)) }
            guard index + 1 < text.endIndex else { break }  // odd count: the caller's length check reports it
            let low = values[Int(text[index + 1])]
            guard low != 0xFF else { return .failure(BadDigit(index: index + 1)) }
            out.append(high << 4 | low)
            index += 2
        }
        return .success(out)
    }

    struct BadDigit: Error {
        var index: Int
    }

    static let upper = Array("0123456789ABCDEF".utf8)

    static func append(_ byte: UInt8, to text: inout [UInt8]) {
        text.append(upper[Int(byte >> 4)])
        text.append(upper[Int(byte & 0xF)])
    }
}

/// How a printable byte appears in evidence: itself when printable ASCII, else `\xNN`.
func printable(_ byte: UInt8) -> String {
    (0x21...0x7E).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + Hex.string([byte])
}

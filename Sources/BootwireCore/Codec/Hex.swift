import Foundation

/// Hex text for evidence, traces and logs.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// `0x10000`: an address or size in messages and evidence.
    public static func address(_ value: some BinaryInteger) -> String { "0x" + digits(value) }

    /// `0x0800C000`: uppercase where people compare with dumps and vendor logs that write it
    /// so, `width` digits for fixed-width registers.
    public static func address(_ value: some BinaryInteger, width: Int = 0, uppercase: Bool) -> String {
        "0x" + digits(value, width: width, uppercase: uppercase)
    }

    /// The digits alone, zero-padded to `width`: `0483` for a USB ID, `7F` for a byte.
    public static func digits(_ value: some BinaryInteger, width: Int = 0, uppercase: Bool = false) -> String {
        let text = String(value, radix: 16, uppercase: uppercase)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// `0x10000..0x20000`: a half-open range.
    public static func range(_ range: Range<Int>) -> String {
        "\(address(range.lowerBound))..\(address(range.upperBound))"
    }

    /// Several ranges, comma-separated.
    public static func ranges(_ ranges: [Range<Int>]) -> String { ranges.map(range).joined(separator: ", ") }

    public static func string<C: Collection>(_ bytes: C, separator: String = "") -> String where C.Element == UInt8 {
        var out = ""
        out.reserveCapacity(bytes.count * (2 + separator.count))
        var first = true
        for byte in bytes {
            if !first { out += separator }
            first = false
            out.unicodeScalars.append(Unicode.Scalar(digits[Int(byte >> 4)]))
            out.unicodeScalars.append(Unicode.Scalar(digits[Int(byte & 0xF)]))
        }
        return out
    }

    /// Parses hex digits, ignoring spaces, colons and a leading 0x. Nil when malformed.
    public static func bytes(_ text: String) -> [UInt8]? {
        var cleaned = Substring(text)
        if cleaned.hasPrefix("0x") || cleaned.hasPrefix("0X") { cleaned = cleaned.dropFirst(2) }
        let digits = cleaned.filter { $0 != " " && $0 != ":" && $0 != "-" }
        guard digits.count % 2 == 0, digits.allSatisfy(\.isHexDigit) else { return nil }
        var out: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
            out.append(byte)
            index = next
        }
        return out
    }

    /// Integers as users write them: 0x10000, 65536, 64K, 1M.
    public static func integer(_ text: String) -> UInt64? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t.hasPrefix("0x") { return UInt64(t.dropFirst(2), radix: 16) }
        if t.hasSuffix("k"), let v = UInt64(t.dropLast()) { return scaled(v, by: 1024) }
        if t.hasSuffix("m"), let v = UInt64(t.dropLast()) { return scaled(v, by: 1024 * 1024) }
        return UInt64(t)
    }

    /// Nil, not a crash, when a size such as `99999999999999999999K` does not fit.
    private static func scaled(_ value: UInt64, by factor: UInt64) -> UInt64? {
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        return overflow ? nil : product
    }
}

/// Addresses and offsets in evidence and messages, written as the rest of Bootwire's evidence
/// writes them (`0x8000000`, upper-case, unpadded) so that one pattern parses them all.
enum AddressText {
    static func of(_ value: UInt64) -> String {
        "0x" + String(value, radix: 16, uppercase: true)
    }

    /// As people write flash addresses: 0x10000, and 0x08000000 with its leading zero.
    static func padded(_ value: UInt64) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + (digits.count == 7 ? "0" + digits : digits)
    }

    static func of(_ range: ClosedRange<UInt64>) -> String {
        "\(of(range.lowerBound))-\(of(range.upperBound))"
    }
}

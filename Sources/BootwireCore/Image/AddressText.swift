/// Addresses and offsets in evidence and messages, written as the rest of Bootwire's evidence
/// writes them (`0x8000000`, upper-case, unpadded) so that one pattern parses them all.
enum AddressText {
    static func of(_ value: UInt64) -> String {
        "0x" + String(value, radix: 16, uppercase: true)
    }

    static func of(_ range: ClosedRange<UInt64>) -> String {
        "\(of(range.lowerBound))-\(of(range.upperBound))"
    }
}

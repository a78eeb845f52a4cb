/// Vendor and product IDs as people write them (`0483:df11`), and back.
public enum USBIDs {
    public static func hex4(_ value: UInt16) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 4 - text.count) + text
    }

    public static func text(_ vendor: UInt16, _ product: UInt16) -> String { hex4(vendor) + ":" + hex4(product) }

    public static func parse(_ text: some StringProtocol) -> UInt16? {
        guard !text.isEmpty, text.count <= 4 else { return nil }
        return UInt16(text, radix: 16)
    }
}

extension Duration {
    /// Seconds as a Double, for sleeps and poll loops.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

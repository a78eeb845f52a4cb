import BootwireCore
/// Vendor and product IDs as people write them (`0483:df11`), and back.
public enum USBIDs {
    public static func text(_ vendor: UInt16, _ product: UInt16) -> String {
        Hex.digits(vendor, width: 4) + ":" + Hex.digits(product, width: 4)
    }

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

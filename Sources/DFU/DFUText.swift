/// Addresses in DFU messages and evidence, written the way the rest of Bootwire writes them.
public enum DFUText {
    public static func hex(_ value: some BinaryInteger) -> String {
        "0x" + String(value, radix: 16, uppercase: true)
    }
}

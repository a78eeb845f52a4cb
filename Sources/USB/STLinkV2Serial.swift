import BootwireCore
/// The ST-LINK V2 (0483:3748) reports its serial number as 12 raw bytes, one per UTF-16 code unit
/// of the string descriptor, not as text (openocd `stlink_usb.c`, stlink-org both hex it). Shown
/// raw it is garbage (and never equals what a user types), so it is shown and matched as the 24
/// hex digits those tools print. V2-1 and V3 report 24 hex characters already.
public enum STLinkV2Serial {
    public static let productID: UInt16 = 0x3748

    /// The hex form when `serial` is a V2's 12 raw bytes; otherwise `serial` unchanged.
    public static func normalized(_ serial: String?, vendorID: UInt16, productID: UInt16) -> String? {
        guard let serial, vendorID == 0x0483, productID == Self.productID else { return serial }
        let scalars = Array(serial.unicodeScalars)
        // Each code unit carries one byte; a longer or wider string is text already.
        guard scalars.count == 12, scalars.allSatisfy({ $0.value <= 0xFF }) else { return serial }
        return scalars.map { hexDigits(UInt8($0.value)) }.joined()
    }

    static func hexDigits(_ byte: UInt8) -> String { Hex.digits(byte, width: 2, uppercase: true) }
}

/// The USB device a file says it was made for: a `.dfu` suffix's idVendor and idProduct
/// (DFU 1.1, appendix B), where 0xFFFF means any.
public struct USBDeviceID: Sendable, Equatable, CustomStringConvertible {
    public static let any: UInt16 = 0xFFFF

    public var vendor: UInt16
    public var product: UInt16

    public init(vendor: UInt16, product: UInt16) {
        self.vendor = vendor
        self.product = product
    }

    /// dfu-util's rule (main.c, download): each id either is the wildcard or equals the device's.
    public func admits(vendor deviceVendor: UInt16, product deviceProduct: UInt16) -> Bool {
        (vendor == Self.any || vendor == deviceVendor) && (product == Self.any || product == deviceProduct)
    }

    /// `0483:df11`, as lsusb and dfu-util print it.
    public var description: String {
        [vendor, product].map { Hex.digits($0, width: 4) }.joined(separator: ":")
    }
}

/// A raw binary carries no address, so the user gives one (`app.bin@0x08000000`); the whole
/// file becomes one segment.
public enum RawBinary {
    /// Throws `.addressOutOfRange` when the file would run past the top of the 64-bit space.
    public static func plan(_ data: [UInt8], address: UInt64, file: String) throws -> FlashPlan {
        try FlashPlan(segments: [Segment(address: address, bytes: data, origin: Origin(file: file, location: .whole))])
    }
}

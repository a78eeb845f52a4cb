import Dispatch

/// An image with what the pipeline and the routes need ahead of the device: its SHA-256 at once,
/// and (for routes that send xz streams) its compressed form, made on another thread while the
/// link connects and awaited only when the image is written.
public final class PreparedImage: @unchecked Sendable {
    public let image: FlashImage
    public let sha256: [UInt8]
    /// The size above which this image (and any part of it) travels compressed.
    public let compressAbove: Int?
    private let group = DispatchGroup()
    private var compressed: Result<[UInt8]?, BootwireError> = .success(nil)

    /// Images over `compressAbove` bytes are compressed in the background; nil compresses none.
    public init(_ image: FlashImage, compressAbove: Int?) {
        self.image = image
        sha256 = SHA256Digest.of(image.data)
        self.compressAbove = compressAbove
        if let compressAbove, image.data.count > compressAbove {
            DispatchQueue.global().async(group: group) { [self] in
                // Written by this task only; the group's wait orders the read.
                compressed = Result { try XZ.compress(image.data) }.mapError(BootwireError.wrap)
            }
        }
    }

    /// The xz stream, when one was made.
    public func xzStream() throws -> [UInt8]? {
        group.wait()
        return try compressed.get()
    }

    public static func prepare(_ images: [FlashImage], compressAbove: Int?) -> [PreparedImage] {
        images.map { PreparedImage($0, compressAbove: compressAbove) }
    }
}

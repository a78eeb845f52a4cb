import BootwireCore
import Crypto

/// The 256-byte BL616 boot header that starts every bootable image (spec 13), plus the
/// signature block after it when the image is signed.
///
/// The flasher writes images byte for byte; it parses the header to tell the user, before any
/// device I/O, whether the image is intact and whether a locked module will accept it.
public struct BootHeader: Sendable, Equatable {
    public static let size = 256
    public static let magic: [UInt8] = Array("BFNP".utf8)
    public static let flashConfigTag: [UInt8] = Array("FCFG".utf8)
    public static let clockConfigTag: [UInt8] = Array("PCFG".utf8)

    /// One patch-on-read or patch-on-jump pair (header offsets 200..247).
    public struct Patch: Sendable, Equatable {
        public var address: UInt32
        public var value: UInt32

        public init(address: UInt32, value: UInt32) {
            self.address = address
            self.value = value
        }
    }

    public var revision: UInt32
    /// `FCFG` when the flash config block is meant to be used; the raw four bytes are kept so
    /// that a header without one still round-trips.
    public var flashConfigTagBytes: [UInt8]
    public var flashConfig: FlashParameters
    public var flashConfigCRC: UInt32
    public var clockConfigTagBytes: [UInt8]
    public var clockConfig: ClockConfig
    public var clockConfigCRC: UInt32
    public var bootConfig: BootConfig
    /// Where the body starts in the file (boot2 0x2000, applications 0x1000).
    public var groupImageOffset: UInt32
    public var aesRegionLength: UInt32
    /// The body length in bytes when `bootConfig.noSegment`, else a segment count.
    public var imageLengthOrSegmentCount: UInt32
    /// SHA-256 of the body; also the digest the ECDSA signature is made over.
    public var imageHash: [UInt8]
    /// The CPU (m0) config word: config_enable, halt_cpu, cache bits.
    public var cpuConfig: UInt32
    public var imageAddressOffset: UInt32
    public var bootEntry: UInt32
    public var mspValue: UInt32
    public var boot2PartitionTables: [UInt32]
    public var flashConfigTableAddress: UInt32
    public var flashConfigTableLength: UInt32
    public var patchOnRead: [Patch]
    public var patchOnJump: [Patch]
    public var reserved: UInt32
    /// CRC32 of header bytes 0..251.
    public var headerCRC: UInt32
    /// Present when `bootConfig.sign != 0`.
    public var signature: ImageSignature?
    /// What `parse` measured of the body, for `validate()`. Headers made in memory have none.
    public var body: BodyMeasurement

    /// The body as `parse` found it in the file.
    public enum BodyMeasurement: Sendable, Equatable {
        /// SHA-256 of the body, and for signed images whether the signature verifies over it.
        case measured(sha256: [UInt8], signatureVerifies: Bool?)
        /// The file ends before `groupImageOffset + imageLengthOrSegmentCount`.
        case truncated(fileLength: Int, bodyEnd: Int)
        /// The body cannot be hashed as one blob (segmented or encrypted), or was never seen.
        case notMeasured(reason: String)
    }

    public var isSigned: Bool { bootConfig.sign != 0 }
    public var isEncrypted: Bool { bootConfig.encryptType != 0 }
    public var publicKey: [UInt8]? { signature?.publicKey }
    /// SHA-256 of the 64-byte public key, to compare with eFuse 0x1C..0x3B.
    public var publicKeyHash: [UInt8]? { signature?.publicKeyHash }
    public var hasFlashConfig: Bool { flashConfigTagBytes == Self.flashConfigTag }
    public var hasClockConfig: Bool { clockConfigTagBytes == Self.clockConfigTag }

    /// The range of the file the image hash covers, when the body is one blob.
    public var bodyRange: Range<Int> {
        Int(groupImageOffset)..<Int(groupImageOffset) + Int(imageLengthOrSegmentCount)
    }

    // MARK: Parsing

    /// Parses the header at the start of `file` (a whole image file) and, for signed images, the
    /// signature block; hashes the body so that `validate()` can compare it.
    /// Throws `.badImage` when the file is too short, lacks `BFNP`, or has a broken signature block.
    public static func parse(_ file: [UInt8]) throws -> BootHeader {
        guard file.count >= size else {
            throw BootwireError(
                .badImage, "the file is \(file.count) bytes, shorter than a \(size)-byte boot header",
                evidence: ["file_length": "\(file.count)"])
        }
        try ByteReader.requireMagic(magic, in: file, "the file does not start with a boot header (BFNP)")
        var header = BootHeader(headerBytes: Array(file[0..<size]))
        if header.isSigned {
            header.signature = try ImageSignature(parsing: file)
        }
        header.body = header.measureBody(in: file)
        return header
    }

    /// Decodes the 256 header bytes; `signature` and `body` are filled in by `parse`.
    init(headerBytes bytes: [UInt8]) {
        var reader = ByteReader(bytes, offset: 4)
        revision = reader.u32()
        flashConfigTagBytes = reader.bytes(4)
        flashConfig = try! FlashParameters(bytes: reader.bytes(FlashParameters.size))
        flashConfigCRC = reader.u32()
        clockConfigTagBytes = reader.bytes(4)
        clockConfig = try! ClockConfig(bytes: reader.bytes(ClockConfig.size))
        clockConfigCRC = reader.u32()
        bootConfig = BootConfig(rawValue: reader.u32())
        groupImageOffset = reader.u32()
        aesRegionLength = reader.u32()
        imageLengthOrSegmentCount = reader.u32()
        imageHash = reader.bytes(32)
        cpuConfig = reader.u32()
        imageAddressOffset = reader.u32()
        bootEntry = reader.u32()
        mspValue = reader.u32()
        boot2PartitionTables = [reader.u32(), reader.u32()]
        flashConfigTableAddress = reader.u32()
        flashConfigTableLength = reader.u32()
        patchOnRead = (0..<3).map { _ in Patch(address: reader.u32(), value: reader.u32()) }
        patchOnJump = (0..<3).map { _ in Patch(address: reader.u32(), value: reader.u32()) }
        reserved = reader.u32()
        headerCRC = reader.u32()
        signature = nil
        body = .notMeasured(reason: "not parsed from a file")
    }

    private func measureBody(in file: [UInt8]) -> BodyMeasurement {
        guard bootConfig.noSegment else {
            return .notMeasured(reason: "segmented image: img_len_cnt is a segment count")
        }
        guard !isEncrypted else {
            return .notMeasured(reason: "encrypted image: the hash covers the plaintext")
        }
        let range = bodyRange
        guard range.upperBound <= file.count else {
            return .truncated(fileLength: file.count, bodyEnd: range.upperBound)
        }
        let digest = SHA256.hash(data: file[range])
        var verifies: Bool?
        if let signature {
            verifies = Self.verify(signature, over: digest)
        }
        return .measured(sha256: Array(digest), signatureVerifies: verifies)
    }

    /// The ROM verifies the ECDSA signature over the 32-byte image hash used as the digest
    /// (checked on ST's three images), so the body digest can be passed straight in.
    private static func verify(_ signature: ImageSignature, over digest: SHA256.Digest) -> Bool {
        guard let key = try? P256.Signing.PublicKey(rawRepresentation: signature.publicKey),
            let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature.signature)
        else { return false }
        return key.isValidSignature(ecdsa, for: digest)
    }

    // MARK: Encoding

    /// The 256 header bytes with the CRCs as stored (not recomputed): a parsed header
    /// re-encodes to exactly the bytes it came from.
    public var bytes: [UInt8] {
        var out = Self.magic + LE.u32(revision) + flashConfigTagBytes + flashConfig.bytes + LE.u32(flashConfigCRC)
        out += clockConfigTagBytes + clockConfig.bytes + LE.u32(clockConfigCRC)
        out += LE.u32(bootConfig.rawValue) + LE.u32(groupImageOffset) + LE.u32(aesRegionLength)
        out += LE.u32(imageLengthOrSegmentCount) + imageHash
        out += [cpuConfig, imageAddressOffset, bootEntry, mspValue].flatMap { LE.u32($0) }
        out += boot2PartitionTables.flatMap { LE.u32($0) }
        out += LE.u32(flashConfigTableAddress) + LE.u32(flashConfigTableLength)
        out += (patchOnRead + patchOnJump).flatMap { LE.u32($0.address) + LE.u32($0.value) }
        out += LE.u32(reserved) + LE.u32(headerCRC)
        return out
    }

    public var expectedFlashConfigCRC: UInt32 { CRC32.checksum(flashConfig.bytes) }
    public var expectedClockConfigCRC: UInt32 { CRC32.checksum(clockConfig.bytes) }
    public var expectedHeaderCRC: UInt32 { CRC32.checksum(bytes.prefix(252)) }

    /// The header with all three header CRCs recomputed (the signature block is left alone:
    /// re-signing needs the private key).
    public func withFreshCRCs() -> BootHeader {
        var copy = self
        copy.flashConfigCRC = copy.expectedFlashConfigCRC
        copy.clockConfigCRC = copy.expectedClockConfigCRC
        copy.headerCRC = copy.expectedHeaderCRC
        return copy
    }
}

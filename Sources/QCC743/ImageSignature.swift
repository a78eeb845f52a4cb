import BootwireCore

/// The block that follows a signed boot header at 0x100 (spec 13): the ECDSA P-256 public key
/// with its CRC, then the signature with its length and CRC. The boot ROM hashes the public key
/// and compares it with eFuse key slots 0/1, which is how a locked module knows whose images to
/// accept.
public struct ImageSignature: Sendable, Equatable {
    public static let offset = 0x100
    public static let publicKeySize = 64

    /// x‖y, 32 bytes each, big-endian.
    public var publicKey: [UInt8]
    public var publicKeyCRC: UInt32
    public var signatureLength: UInt32
    /// r‖s for ECDSA P-256.
    public var signature: [UInt8]
    /// CRC32 of the length field and the signature together.
    public var signatureCRC: UInt32

    /// SHA-256 of the 64-byte key: what eFuse 0x1C..0x3B must hold for the module to boot this.
    public var publicKeyHash: [UInt8] { SHA256Digest.of(publicKey) }

    /// Where the block ends in the file.
    public var endOffset: Int { Self.offset + Self.publicKeySize + 8 + signature.count + 4 }

    /// The CRCs as they should be for the current key and signature.
    public var expectedPublicKeyCRC: UInt32 { CRC32.checksum(publicKey) }
    public var expectedSignatureCRC: UInt32 { CRC32.checksum(LE.u32(signatureLength) + signature) }

    public var bytes: [UInt8] {
        publicKey + LE.u32(publicKeyCRC) + LE.u32(signatureLength) + signature + LE.u32(signatureCRC)
    }

    /// Signatures longer than this are not ECDSA P-256 (64 bytes) and almost surely a corrupt
    /// length field; refusing them avoids reading megabytes of body as "signature".
    static let maxSignatureLength = 512

    init(parsing file: [UInt8]) throws {
        let keyEnd = Self.offset + Self.publicKeySize
        guard file.count >= keyEnd + 8 else {
            throw BootwireError(
                .badImage, "the boot header says the image is signed, but the file ends before the public key block",
                evidence: ["file_length": "\(file.count)", "needed": "\(keyEnd + 8)"])
        }
        var reader = ByteReader(file, offset: Self.offset)
        publicKey = reader.bytes(Self.publicKeySize)
        publicKeyCRC = reader.u32()
        signatureLength = reader.u32()
        let length = Int(signatureLength)
        guard length <= Self.maxSignatureLength, reader.offset + length + 4 <= file.count else {
            throw BootwireError(
                .badImage, "the image's signature length field is not plausible",
                evidence: [
                    "offset": Hex.address(keyEnd + 4, uppercase: true), "signature_length": "\(length)", "file_length": "\(file.count)",
                ])
        }
        signature = reader.bytes(length)
        signatureCRC = reader.u32()
    }
}

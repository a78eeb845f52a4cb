import BootwireCore
import Crypto
import Foundation
import _CryptoExtras

/// A 512-byte eFuse image to burn, decoded from the vendor's container (spec 12.1): either a
/// plain file of up to 512 bytes, or ST's encrypted 4608-byte `efusedata.bin`.
///
/// eFuse bits are one-time programmable; the image is the set of bits to add. Decoding it
/// fully before any device I/O is what lets Bootwire show the user what a burn would do.
public struct EfuseImage: Sendable, Equatable {
    public static let size = 512
    public static let encryptedContainerSize = 4608
    public static let ciphertextOffset = 4096
    /// The fixed AES-128 key every Bouffalo tool uses for the container, ASCII `BOUFFALOLABKEYIV`.
    public static let containerKey: [UInt8] = Array("BOUFFALOLABKEYIV".utf8)
    /// ASCII `BOUFFALOLABK` + 4 zero bytes. (PyPI 1.4.3 derives `BOUFFALOLABKL\0\0\0` and fails
    /// the CRC on ST's file; see spec 12.1.)
    public static let containerIV: [UInt8] = Array("BOUFFALOLABK".utf8) + [0, 0, 0, 0]

    /// The eFuse content, always 512 bytes (short plain files are zero-padded).
    public var bytes: [UInt8]
    /// How long the data was before padding: 512 for an encrypted container, the file length
    /// for a plain one. The vendor write plan depends on it (spec 12.3).
    public var dataLength: Int
    /// Bits that a read-back must show after the burn. From `X_mask.bin` when present,
    /// otherwise 0xFF wherever a data byte is non-zero (what the vendor derives, but computed
    /// on the decrypted data: the vendor computes it on the raw encrypted file, spec 11).
    public var mask: [UInt8]
    public var maskIsExplicit: Bool
    public var wasEncrypted: Bool

    /// A plain image from bytes (at most 512) and an optional mask (at most 512).
    public init(plain data: [UInt8], mask: [UInt8]? = nil) throws {
        guard data.count <= Self.size else {
            throw BootwireError(
                .badImage, "a plain eFuse image is at most \(Self.size) bytes, this one is \(data.count)",
                hint: "files longer than 4096 bytes are read as encrypted containers",
                evidence: ["length": "\(data.count)"])
        }
        try self.init(padded: Self.pad(data), dataLength: data.count, mask: mask, wasEncrypted: false)
    }

    private init(padded: [UInt8], dataLength: Int, mask: [UInt8]?, wasEncrypted: Bool) throws {
        bytes = padded
        self.dataLength = dataLength
        self.wasEncrypted = wasEncrypted
        if let mask {
            guard mask.count <= Self.size else {
                throw BootwireError(
                    .badImage, "an eFuse mask is at most \(Self.size) bytes, this one is \(mask.count)",
                    hint:
                        "a 4608-byte mask was made by the vendor tool from the encrypted file and means nothing; delete it",
                    evidence: ["length": "\(mask.count)"])
            }
            self.mask = Self.pad(mask)
            maskIsExplicit = true
        } else {
            self.mask = padded.map { $0 == 0 ? 0 : 0xFF }
            maskIsExplicit = false
        }
    }

    /// Decodes a container file's content: > 4096 bytes is encrypted, ≤ 512 plain, anything
    /// between is neither and refused.
    public static func decode(_ file: [UInt8], mask: [UInt8]? = nil) throws -> EfuseImage {
        if file.count <= size {
            if looksLikeTruncatedContainer(file) {
                throw BootwireError(
                    .badImage,
                    "an eFuse file of \(file.count) bytes holding only a first word and zeros is the start of an "
                        + "encrypted \(encryptedContainerSize)-byte container (its CRC), cut short",
                    hint: "copy efusedata.bin again (it is \(encryptedContainerSize) bytes); a plain image that sets "
                        + "only eFuse word 0 is given as its 4 bytes",
                    evidence: [
                        "length": "\(file.count)", "expected_length": "\(encryptedContainerSize)",
                        "crc": Hex.address(LE.u32(file, at: 0), uppercase: true),
                    ])
            }
            return try EfuseImage(plain: file, mask: mask)
        }
        guard file.count > ciphertextOffset else {
            throw BootwireError(
                .badImage, "an eFuse file of \(file.count) bytes is neither plain (≤ 512) nor encrypted (4608)",
                evidence: ["length": "\(file.count)"])
        }
        guard file.count == encryptedContainerSize else {
            throw BootwireError(
                .badImage, "an encrypted eFuse container is \(encryptedContainerSize) bytes, this one is \(file.count)",
                evidence: ["length": "\(file.count)", "expected_length": "\(encryptedContainerSize)"])
        }
        let plain = try crypt(Array(file[ciphertextOffset...]), encrypt: false)
        let expected = LE.u32(file, at: 0)
        let actual = CRC32.checksum(plain)
        guard expected == actual else {
            throw BootwireError(
                .badImage, "the decrypted eFuse data does not match the container's CRC",
                hint: "the file is damaged or was encrypted with another key",
                evidence: ["offset": "0", "expected_crc": Hex.address(expected, uppercase: true), "actual_crc": Hex.address(actual, uppercase: true)])
        }
        return try EfuseImage(padded: plain, dataLength: size, mask: mask, wasEncrypted: true)
    }

    /// The head of an encrypted container (spec 12.1: a CRC32, then zeros up to 4096) cut to
    /// 512 bytes or fewer: read as a plain image, its CRC would become eFuse word 0 (JTAG and
    /// boot bits). A plain image setting word 0 alone is unambiguous as 4 bytes.
    static func looksLikeTruncatedContainer(_ file: [UInt8]) -> Bool {
        file.count > 4 && file.prefix(4).contains { $0 != 0 } && file.dropFirst(4).allSatisfy { $0 == 0 }
    }

    /// `X.bin` → `X_mask.bin`, the vendor's name for the optional mask next to an eFuse file.
    public static func maskPath(for path: String) -> String {
        path.hasSuffix(".bin") ? String(path.dropLast(4)) + "_mask.bin" : path + "_mask.bin"
    }

    /// Reads an eFuse file and, when it exists, its `_mask.bin` (host I/O only).
    public static func load(path: String) throws -> EfuseImage {
        let file = try readFile(path, what: "eFuse file")
        let maskFile = maskPath(for: path)
        let mask = FileManager.default.fileExists(atPath: maskFile) ? try readFile(maskFile, what: "eFuse mask") : nil
        do {
            return try decode(file, mask: mask)
        } catch var error as BootwireError {
            error.evidence["file"] = path
            throw error
        }
    }

    /// ST's container format for these bytes: CRC, zeros, AES-128-CBC ciphertext.
    public func encryptedContainer() throws -> [UInt8] {
        let cipher = try Self.crypt(bytes, encrypt: true)
        let head = LE.u32(CRC32.checksum(bytes)) + [UInt8](repeating: 0, count: Self.ciphertextOffset - 4)
        return head + cipher
    }

    /// True when `device` (a read-back), seen through the mask, holds every data bit: the
    /// vendor's factory-mode check after a burn (error 0022 otherwise). A data bit outside the
    /// mask therefore always fails, as it does in the vendor tool.
    public func readBackSatisfied(by device: [UInt8]) -> Bool {
        let read = Self.pad(device)
        return (0..<Self.size).allSatisfy { index in
            let visible: UInt8 = read[index] & mask[index]
            return visible & bytes[index] == bytes[index]
        }
    }

    private static func crypt(_ data: [UInt8], encrypt: Bool) throws -> [UInt8] {
        do {
            let key = SymmetricKey(data: containerKey)
            let iv = try AES._CBC.IV(ivBytes: containerIV)
            let out =
                encrypt
                ? try AES._CBC.encrypt(data, using: key, iv: iv, noPadding: true)
                : try AES._CBC.decrypt(data, using: key, iv: iv, noPadding: true)
            return Array(out)
        } catch {
            throw BootwireError(.badImage, "AES-CBC on the eFuse data failed: \(error)")
        }
    }

    static func pad(_ data: [UInt8]) -> [UInt8] {
        Array(data.prefix(size)) + [UInt8](repeating: 0, count: max(0, size - data.count))
    }
}

/// Whole-file read with the project's error codes, for the format loaders.
func readFile(_ path: String, what: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw BootwireError(.fileNotFound, "\(what) not found or not readable: \(path)", evidence: ["file": path])
    }
    return [UInt8](data)
}

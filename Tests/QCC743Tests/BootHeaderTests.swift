import BootwireCore
import Crypto
import Foundation
import Testing

@testable import QCC743

@Suite struct BootHeaderTests {
    static func body(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    @Test(.enabled(if: Fixtures.available), arguments: Fixtures.imageNames)
    func stImagesValidateAndAreSignedWithTheKeyInSTsEfuse(name: String) throws {
        let file = try Fixtures.bytes(name)
        let header = try BootHeader.parse(file)
        let validation = header.validate()
        #expect(validation.isValid, "\(validation.failures)")
        #expect(Set(validation.passed) == Set(BootHeaderValidation.Check.allCases))
        #expect(header.isSigned)
        #expect(header.bootConfig.sign == 1)
        #expect(header.bootConfig.noSegment)
        #expect(header.bootConfig.encryptType == 0)
        #expect(header.flashConfigCRC == 0x18C5_FEB5)
        #expect(header.clockConfigCRC == 0x90F4_054A)
        #expect(header.flashConfig.manufacturerID == 0)
        #expect(header.bootEntry == 0xA000_0000)
        #expect(header.bytes == Array(file[0..<256]))
        #expect(header.signature?.bytes == Array(file[0x100..<0x18C]))
        #expect(header.signature?.publicKeyCRC == 0x411B_42FA)
        #expect(header.publicKey?.count == 64)
        let keyHash = try #require(header.publicKeyHash)
        #expect(Hex.string(keyHash) == Fixtures.stKeyHash)
        let efuse = try EfuseImage.decode(try Fixtures.bytes("efusedata.bin"))
        #expect(keyHash == EfuseSummary(efuse).keyHash)
    }

    @Test(.enabled(if: Fixtures.available))
    func boot2HeaderFields() throws {
        let header = try BootHeader.parse(try Fixtures.bytes("st67w611m_boot2_v8.1.9.bin"))
        #expect(header.groupImageOffset == 0x2000)
        #expect(header.imageLengthOrSegmentCount == 0xAD40)
        #expect(header.headerCRC == 0x9229_0014)
        #expect(header.signature?.signatureCRC == 0x6378_D546)
        #expect(header.bootConfig.rawValue == 0x72CD_0101)
        #expect(header.bootConfig.crcIgnore && !header.bootConfig.hashIgnore)
        #expect(header.bootConfig.emSelect == 1 && header.bootConfig.commandsWrapLength == 9)
        #expect(header.clockConfig == ClockConfig.stImageDefault)
        // The builder's default block is the one ST's images carry.
        #expect(header.flashConfig == FlashParameters.stImageDefault)
    }

    @Test(.enabled(if: Fixtures.available), arguments: Fixtures.imageNames)
    func embeddedFlashConfigScanFindsSTsAnyFlashBlock(name: String) throws {
        let scan = try #require(EmbeddedFlashConfig.scan(try Fixtures.bytes(name)))
        #expect(scan.bootMagicOffset == 0 && scan.flashConfigTagOffset == 8)
        #expect(scan.parameters?.manufacturerID == 0)
        #expect(!scan.conflicts(with: .vendorDefault))
    }

    @Test func builtImageValidatesAndReparsesToTheSameHeader() throws {
        let body = Self.body(5000)
        let builder = UnsignedImageBuilder()
        let image = try builder.image(body: body)
        #expect(image.count == 0x1000 + body.count)
        let header = try BootHeader.parse(image)
        let validation = header.validate()
        #expect(validation.isValid, "\(validation.failures)")
        #expect(validation.passed.contains(.bodyHash) && validation.passed.contains(.headerCRC))
        #expect(!header.isSigned && header.signature == nil)
        #expect(header.imageLengthOrSegmentCount == 5000)
        #expect(header.imageHash == SHA256Digest.of(body))
        #expect(header.bytes == Array(image[0..<256]))
        #expect(try builder.header(for: body).bytes == header.bytes)
    }

    @Test func oneChangedBodyByteFailsOnlyTheHashCheck() throws {
        var image = try UnsignedImageBuilder().image(body: Self.body(3000))
        image[0x1000 + 1234] ^= 0x01
        let validation = try BootHeader.parse(image).validate()
        #expect(validation.failedChecks == [.bodyHash])
        _ = expectError(.badImage) { try BootHeader.parse(image).requireValid() }
    }

    @Test func changedHeaderBytesFailTheirCRCs() throws {
        var image = try UnsignedImageBuilder().image(body: Self.body(100))
        image[12 + 13] = 0xEF  // mfg_id inside the flash config block
        #expect(try BootHeader.parse(image).validate().failedChecks == [.flashConfigCRC, .headerCRC])
        image = try UnsignedImageBuilder().image(body: Self.body(100))
        image[104] ^= 0x02  // xtal type inside the clock config
        #expect(try BootHeader.parse(image).validate().failedChecks == [.clockConfigCRC, .headerCRC])
        image = try UnsignedImageBuilder().image(body: Self.body(100))
        image[176] ^= 0x01  // boot entry, covered only by the header CRC
        #expect(try BootHeader.parse(image).validate().failedChecks == [.headerCRC])
    }

    @Test func truncatedBodyFailsTheHashCheck() throws {
        let image = try UnsignedImageBuilder().image(body: Self.body(3000))
        let header = try BootHeader.parse(Array(image.dropLast(1)))
        #expect(header.body == .truncated(fileLength: image.count - 1, bodyEnd: image.count))
        #expect(header.validate().failedChecks == [.bodyHash])
    }

    @Test func notABootImage() {
        _ = expectError(.badImage) { _ = try BootHeader.parse([UInt8](repeating: 0, count: 255)) }
        _ = expectError(.badImage) { _ = try BootHeader.parse([UInt8](repeating: 0x42, count: 4096)) }
    }

    @Test func builderRefusesABodyInsideTheHeader() {
        var builder = UnsignedImageBuilder()
        builder.groupImageOffset = 0x80
        _ = expectError(.badConfig) { _ = try builder.image(body: [1, 2, 3]) }
    }

    /// Signs a built image with a fresh P-256 key the way ST's tool does (ECDSA over the body
    /// hash as the digest), so the signature path is exercised without ST's files.
    static func signedImage(body: [UInt8], key: P256.Signing.PrivateKey) throws -> [UInt8] {
        var header = try UnsignedImageBuilder().header(for: body)
        header.bootConfig.sign = 1
        header = header.withFreshCRCs()
        let signature = try key.signature(for: SHA256.hash(data: body)).rawRepresentation
        let publicKey = Array(key.publicKey.rawRepresentation)
        let block =
            publicKey + LE.u32(CRC32.checksum(publicKey)) + LE.u32(64) + Array(signature)
            + LE.u32(CRC32.checksum(LE.u32(64) + Array(signature)))
        let padding = [UInt8](repeating: 0, count: 0x1000 - 256 - block.count)
        return header.bytes + block + padding + body
    }

    @Test func syntheticSignedImageVerifiesAndATamperedSignatureDoesNot() throws {
        let key = P256.Signing.PrivateKey()
        let body = Self.body(2000)
        var image = try Self.signedImage(body: body, key: key)
        let header = try BootHeader.parse(image)
        #expect(header.isSigned)
        #expect(header.validate().isValid)
        #expect(header.publicKeyHash == SHA256Digest.of(Array(key.publicKey.rawRepresentation)))

        image[0x148 + 5] ^= 0x01  // a byte of r
        #expect(try BootHeader.parse(image).validate().failedChecks == [.signatureCRC, .signature])
    }

    @Test func signedHeaderWithoutRoomForItsSignatureIsBadImage() throws {
        var header = try UnsignedImageBuilder().header(for: [1, 2, 3])
        header.bootConfig.sign = 1
        _ = expectError(.badImage) { _ = try BootHeader.parse(header.withFreshCRCs().bytes + [0, 0]) }
    }

    @Test func embeddedFlashConfigConflictRules() throws {
        var builder = UnsignedImageBuilder()
        builder.flashConfig.manufacturerID = 0xEF
        let winbond = try #require(EmbeddedFlashConfig.scan(try builder.image(body: [1])))
        #expect(winbond.conflicts(with: .vendorDefault))  // vendor default is 0xC8
        builder.flashConfig.manufacturerID = 0xFF
        #expect(
            try #require(EmbeddedFlashConfig.scan(try builder.image(body: [1]))).conflicts(with: .vendorDefault)
                == false)
        builder.flashConfig.manufacturerID = 0xC8
        #expect(
            try #require(EmbeddedFlashConfig.scan(try builder.image(body: [1]))).conflicts(with: .vendorDefault)
                == false)
        #expect(EmbeddedFlashConfig.scan(PartitionTableTests.sampleTable().bytes) == nil)
    }
}

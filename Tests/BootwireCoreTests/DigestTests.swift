import BootwireCore
import Testing

@Suite struct DigestTests {
    @Test("CRC32 of \"123456789\" is the standard check value 0xCBF43926")
    func crc32CheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
    }

    @Test("CRC32 of a non-contiguous collection matches the array")
    func crc32NonContiguous() {
        // A ReversedCollection has no contiguous storage.
        let reversed = Array("987654321".utf8).reversed()
        #expect(CRC32.checksum(reversed) == 0xCBF4_3926)
        #expect(
            CRC32.checksum(Array("123456789".utf8)[2...]) == CRC32.checksum(Array("3456789".utf8)))
    }

    @Test("CRC32 continues from a seed")
    func crc32Seed() {
        let whole = Array("123456789".utf8)
        let head = CRC32.checksum(whole[..<4])
        #expect(CRC32.checksum(whole[4...], seed: head) == 0xCBF4_3926)
    }

    @Test("SHA-256 matches the FIPS 180-2 examples")
    func sha256() {
        #expect(
            Hex.string(SHA256Digest.of(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            Hex.string(SHA256Digest.of([UInt8]()))
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256Digest.of(Array("abc".utf8).reversed().reversed())
                == SHA256Digest.of(Array("abc".utf8)))
    }
}

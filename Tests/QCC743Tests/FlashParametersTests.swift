import BootwireCore
import Testing

@testable import QCC743

@Suite struct FlashParametersTests {
    @Test(.enabled(if: Fixtures.available))
    func vendorFileRoundTripsAndDecodesFieldByField() throws {
        let file = try Fixtures.bytes("flash_para.bin")
        let parameters = try FlashParameters(bytes: file)
        #expect(parameters.bytes == file)
        #expect(FlashParameters.vendorDefaultBytes == file)
        #expect(parameters.ioMode == 4)
        #expect(parameters.continuousReadSupport == 1)
        #expect(parameters.resetEnableCommand == 0x66)
        #expect(parameters.resetCommand == 0x99)
        #expect(parameters.jedecIDCommand == 0x9F)
        #expect(parameters.sectorSizeKiB == 4)
        #expect(parameters.manufacturerID == 0xC8)
        #expect(parameters.pageSize == 256)
        #expect(parameters.chipEraseCommand == 0xC7)
        #expect(parameters.sectorEraseCommand == 0x20)
        #expect(parameters.block32KEraseCommand == 0x52)
        #expect(parameters.block64KEraseCommand == 0xD8)
        #expect(parameters.fastReadQuadIOCommand == 0xEB)
        #expect(parameters.fastReadQuadIODummyClocks == 2)
        #expect(parameters.releasePowerDownCommand == 0xAB)
        #expect(parameters.readRegisterCommands == [0x05, 0x35, 0x00, 0x00])
        #expect(parameters.writeRegisterCommands == [0x01, 0x01, 0x00, 0x00])
        #expect(parameters.sectorEraseMilliseconds == 300)
        #expect(parameters.block32KEraseMilliseconds == 1200)
        #expect(parameters.block64KEraseMilliseconds == 1200)
        #expect(parameters.pageProgramMilliseconds == 5)
        #expect(parameters.chipEraseMilliseconds == 33000)
        #expect(parameters.powerDownDelay == 20)
        #expect(parameters.quadEnableData == 0)
    }

    @Test func everyByteLandsInItsOwnFieldAndBack() throws {
        // Distinct values at every offset: a swapped or skipped field changes the output.
        let block = (0..<FlashParameters.size).map { UInt8($0 + 1) }
        let parameters = try FlashParameters(bytes: block)
        #expect(parameters.bytes == block)
        #expect(parameters.manufacturerID == 14)  // offset 13
        #expect(parameters.pageSize == 0x1000 | 15)  // offsets 14..15, little-endian
        #expect(parameters.sectorEraseMilliseconds == UInt16(74) << 8 | 73)  // offsets 72..73
        #expect(parameters.chipEraseMilliseconds == UInt16(82) << 8 | 81)  // offsets 80..81
        #expect(parameters.quadEnableData == 84)
    }

    @Test func editedFieldIsEncodedAtItsOffset() throws {
        var parameters = FlashParameters.vendorDefault
        parameters.chipEraseMilliseconds = 0x1234
        let bytes = parameters.bytes
        #expect(bytes[80] == 0x34 && bytes[81] == 0x12)
        #expect(bytes.count == FlashParameters.size)
    }

    @Test func wrongLengthIsBadImage() {
        _ = expectError(.badImage) { _ = try FlashParameters(bytes: [UInt8](repeating: 0, count: 83)) }
        _ = expectError(.badImage) { _ = try FlashParameters(bytes: [UInt8](repeating: 0, count: 85)) }
    }

    @Test func flashSetWordPacksQConnsValue() {
        let word = FlashSetWord.qconn
        #expect(word.pin == 0x08)
        #expect(word.clockConfig == 0x41)
        #expect(word.ioMode == 0x01)
        #expect(word.clockDelay == 0x01)
        #expect(word.rawValue == 0x0101_4108)
        let other = FlashSetWord(pin: 0x24, clockConfig: 0x10, ioMode: 4, clockDelay: 3)
        #expect(other.rawValue == 0x0304_1024)
        #expect(FlashSetWord(rawValue: other.rawValue) == other)
    }
}

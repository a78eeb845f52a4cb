import STM32
import Testing

/// Option-byte decoding and editing (spec sections 4 and 5, RM background).
@Suite struct OptionBytesTests {
    let l476 = STM32DeviceTable.l476
    let f103 = STM32DeviceTable.f103

    @Test func l476FactoryWordIsFFEFF8AA() {
        let options = STM32OptionBytes.factory(for: l476)
        // OPTR at 0x1FFF7800 little-endian, then its complement.
        #expect(Array(options.areas[0][0..<8]) == bytes("aa f8 ef ff 55 07 10 00"))
        #expect(options.readoutProtection == .level0 && options.rdpByte == 0xAA)
        #expect(options.dualBank == true && options.bootFromBank2 == false)
        #expect(options.writeProtectedPages(l476.geometry()).isEmpty)
        #expect(options.complementMismatches.isEmpty)
    }

    @Test func l4RdpLevels() {
        func level(_ rdp: UInt8) -> STM32ReadoutProtection {
            var options = STM32OptionBytes.factory(for: l476)
            options.setWord(area: 0, offset: 0, 0xFFEF_F800 | UInt32(rdp))
            return options.readoutProtection
        }
        #expect(level(0xAA) == .level0)
        #expect(level(0xCC) == .level2)
        #expect(level(0xBB) == .level1 && level(0x00) == .level1)
    }

    @Test func aBrokenComplementLoadsAsLevel1() {
        var options = STM32OptionBytes.factory(for: l476)
        options.areas[0][4] ^= 0x01
        #expect(options.complementMismatches == [0x1FFF_7800])
        #expect(options.readoutProtection == .level1)
    }

    @Test func l4WriteProtectionAreasInBothBanks() {
        var options = STM32OptionBytes.factory(for: l476)
        // WRP1A pages 0-3 of bank 1, WRP2A pages 10-10 of bank 2.
        options.setWord(area: 0, offset: 0x18, 0xFF03_FF00)
        options.setWord(area: 1, offset: 0x18, 0xFF0A_FF0A)
        #expect(options.writeProtectedPages(l476.geometry()) == [0...3, 266...266])
    }

    @Test func writeProtectCodesRoundTrip() throws {
        let geometry = l476.geometry()
        let codes = try #require(l476.writeProtectCodes(pages: 250...260, geometry: geometry))
        // Bank 1 pair first, then bank 2's in the third slot: WRP1A, WRP1B unused, WRP2A.
        #expect(codes == [250, 255, 0xFF, 0x00, 0, 4])
        var options = STM32OptionBytes.factory(for: l476)
        let applied = options.applyWriteProtect(codes: codes)
        #expect(applied)
        #expect(options.writeProtectedPages(geometry) == [250...260])
        options.clearWriteProtection()
        #expect(options.writeProtectedPages(geometry).isEmpty)
        let odd = options.applyWriteProtect(codes: [1, 2, 3])
        #expect(!odd)
    }

    @Test func f1Layout() {
        var options = STM32OptionBytes.factory(for: f103)
        #expect(options.areas[0] == bytes("a5 5a ff 00 ff 00 ff 00 ff 00 ff 00 ff 00 ff 00"))
        #expect(options.readoutProtection == .level0)
        // WRP0 bit 1 cleared: pages 4-7 (4 pages per bit on medium density).
        let applied = options.applyWriteProtect(codes: [1])
        #expect(applied)
        #expect(options.areas[0][8] == 0xFD && options.areas[0][9] == 0x02)
        #expect(options.writeProtectedPages(f103.geometry(flashSize: 128 << 10)) == [4...7])
        #expect(f103.writeProtectCodes(pages: 5...9, geometry: f103.geometry()) == [1, 2])
        options.setReadoutProtection(.level1)
        #expect(options.areas[0][0] != 0xA5 && options.readoutProtection == .level1)
        #expect(options.areas[0][0] ^ options.areas[0][1] == 0xFF)
    }

    @Test func programmingTheAreaRecomputesComplements() {
        var options = STM32OptionBytes.factory(for: l476)
        // BFB2 on, complement bytes as sent (garbage): the hardware writes the real ones.
        let programmed = options.program(bytes("aa f8 ff ff 00 00 00 00"), at: 0x1FFF_7800)
        #expect(programmed)
        #expect(options.bootFromBank2 == true && options.complementMismatches.isEmpty)
        let outside = options.program([0, 0, 0, 0], at: 0x1FFF_7830)
        #expect(!outside)
    }

    @Test func wbSecureFlashStart() {
        var options = STM32OptionBytes.factory(for: STM32DeviceTable.wb55)
        #expect(options.secureFlashStartPage == 0xF4)
        options.setWord(area: 0, offset: 0x70, 0xFFFF_FFC0)  // FSD set: no secure area
        #expect(options.secureFlashStartPage == nil)
    }

    @Test func h5ProductState() {
        var options = STM32OptionBytes.factory(for: STM32DeviceTable.h563)
        #expect(options.rdpByte == 0xED && options.readoutProtection == .level0)
        options.setReadoutProtection(.level2)
        #expect(options.rdpByte == 0x5C && options.readoutProtection == .level2)
    }

    @Test func shortReadsArePaddedToTheArea() {
        let options = STM32OptionBytes(device: l476, areas: [[0xAA, 0xF8]])
        #expect(options.areas.map(\.count) == [0x28, 0x28])
    }
}

/// Frames and the CRC against the spec's traces and stm32flash's algorithm (values computed
/// independently).
@Suite struct ProtocolTests {
    @Test func frames() {
        #expect(STM32Protocol.commandFrame(0x11) == bytes("11 ee"))
        #expect(STM32Protocol.commandFrame(0x92) == bytes("92 6d"))
        #expect(STM32Protocol.addressFrame(0x0800_0000) == bytes("08 00 00 00 08"))
        #expect(STM32Protocol.addressFrame(0x1FFF_75E0) == bytes("1f ff 75 e0 75"))
        #expect(STM32Protocol.legacyEraseFrame(pages: [0]) == bytes("00 00 00"))
        #expect(STM32Protocol.legacyEraseFrame(pages: [2, 3]) == bytes("01 02 03 00"))
        #expect(STM32Protocol.extendedEraseFrame(pages: [1]) == bytes("00 00 00 01 01"))
        #expect(STM32Protocol.SpecialErase.mass.frame == bytes("ff ff 00"))
        #expect(STM32Protocol.SpecialErase.bank1.frame == bytes("ff fe 01"))
        #expect(STM32Protocol.SpecialErase.bank2.frame == bytes("ff fd 02"))
        #expect(STM32Protocol.dataFrame([0x01, 0x02, 0x03, 0x04]) == bytes("03 01 02 03 04 07"))
    }

    @Test func crcMatchesTheSTM32CRCUnit() {
        #expect(STM32CRC.checksum([0, 0, 0, 0]) == 0xC704_DD7B)
        #expect(STM32CRC.checksum(bytes("78 56 34 12")) == 0xDF8A_8A2B)
        #expect(STM32CRC.checksum(Array(0..<16)) == 0x081B_46CA)
        #expect(STM32CRC.update(STM32CRC.checksum(Array(0..<8)), Array(8..<16)) == 0x081B_46CA)
    }

    @Test func commandNames() {
        #expect(STM32Command.name(of: 0x44) == "Extended Erase (0x44)")
        #expect(STM32Command.name(of: 0x5A) == "0x5A")
    }
}

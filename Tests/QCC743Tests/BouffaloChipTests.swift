import BootwireCore
import Testing

@testable import QCC743

/// The chip descriptor: one value holding what the session, the flash target, the command line
/// and ST's flow used to restate (flash size, sector, compression threshold, flash_set word,
/// MFD, ROM ids).
@Suite struct BouffaloChipTests {
    @Test func qcc743IsTheST67W611M1sChip() {
        let chip = BouffaloChip.qcc743
        #expect(chip.name == "qcc743")
        #expect(chip.memory == FlashMemory(range: 0..<(4 << 20), unit: 4096))
        #expect(chip.compressAbove == 4096)
        #expect(chip.efuseSize == EfuseMap.size)
        #expect(chip.factoryData.range == 0x3F_F000..<0x40_0000)
        #expect(chip.factoryData.range.upperBound == chip.flashSize, "the MFD is the last sector")
        #expect(chip.factoryData.range.count == chip.sectorSize)
        // QConn's word with boot info's pin in the low byte (spec 9.1).
        #expect(chip.flashSet(pin: 0x08) == FlashSetWord.qconn)
        #expect(chip.flashSet(pin: 0x04).rawValue == 0x0101_4104)
        #expect(chip.sectors(from: 0, to: 1) == 1 && chip.sectors(from: 0x1000, to: 0x3001) == 3)
    }

    @Test func romIDsNameTheChip() throws {
        #expect(BouffaloChip.answering(romVersion: "02001606") == .qcc743)
        #expect(BouffaloChip.answering(romVersion: "01001606") == .qcc743)
        #expect(BouffaloChip.answering(romVersion: "00d01606") == nil)
        let a1 = try #require(BootInfo(bytes: [0x02, 0x00, 0x16, 0x06] + [UInt8](repeating: 0, count: 24)))
        #expect(a1.chipFamily == "bl616 a1 (QCC743)")
        #expect(ModuleFactoryData.region == BouffaloChip.qcc743.factoryData)
    }
}

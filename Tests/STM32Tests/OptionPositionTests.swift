import STM32
import Testing

// Each option-field position is stated once (`STM32OptionPositions.swift`): the SWD rows and the
// bootloader's view of the stored option bytes read the same fields.

@Test func swdRowsAndBootloaderTablesShareTheOptionPositions() {
    #expect(PageFlashFamily.l4.fields.contains(.bfb2) && PageFlashFamily.l4.fields.contains(.dualBank))
    #expect(STM32OptionFieldTable.l4(banks: 2).bootFromBank2?.shift == SWDOptionField.bfb2.shift)
    #expect(STM32OptionFieldTable.l4(banks: 2).dualBank?.shift == SWDOptionField.dualBank.shift)
    #expect(PageFlashFamily.g4.fields.contains(.dbank))
    #expect(STM32OptionFieldTable.g4.dualBank?.shift == SWDOptionField.dbank.shift)
    #expect(STM32OptionFieldTable.g4.dualBankName == "DBANK")
    #expect(PageFlashFamily.wb.fields.contains(.sfsa) && PageFlashFamily.wb.fields.contains(.fsd))
    #expect(STM32OptionFieldTable.wb.secureStart?.width == SWDOptionField.sfsa.width)
    #expect(STM32OptionFieldTable.wb.secureDisabled?.shift == SWDOptionField.fsd.shift)
    #expect(SectorFlashFamily.h5.fields.contains(.swapBank) && SectorFlashFamily.h5.fields.contains(.productState))
    #expect(STM32OptionFieldTable.h5.bootFromBank2?.shift == SWDOptionField.swapBank.shift)
    #expect(STM32OptionFieldTable.h5.bankSwapName == "SWAP_BANK")
    // Single-bank L4: neither BFB2 nor DUALBANK, and no bank-2 areas.
    #expect(!PageFlashFamily.l4SingleBank.fields.contains(.bfb2))
    #expect(PageFlashFamily.l4SingleBank.fields.filter { $0.register == .wrp2ar }.isEmpty)
}

@Test func wrpAreaWordsRoundTrip() {
    #expect(STM32WRPArea.pages(STM32WRPArea.word(first: 3, last: 17)) == 3...17)
    #expect(STM32WRPArea.pages(STM32WRPArea.none) == nil)
    #expect(STM32WRPArea.word(first: 0, last: 15) == 0xFF0F_FF00)
    #expect(SWDOptionField.wrpAreas(banks: 2, width: 23).map(\.name) == ["wrp1a", "wrp1b", "wrp2a", "wrp2b"])
}

import Testing

@testable import STM32

/// The STM32C031's bootloader row (AN2606, stm32flash `dev_table.c`, openocd): UART only, one
/// bank of 2 KiB pages, FLASH_SIZE at 0x1FFF75A0.
@Suite struct C0DeviceTests {
    @Test func theC031IsAUARTOnlyPartOfSixteenPages() throws {
        let c031 = try #require(STM32DeviceTable.device(named: "c031"))
        #expect(STM32DeviceTable.device(productID: 0x453) == c031)
        #expect(STM32DeviceTable.device(named: "STM32C031C6") == c031)
        #expect(c031.interfaces == .usart, "no USB on the C031: no DFU bootloader")
        #expect(c031.flashSizeRegister == 0x1FFF_75A0)
        let geometry = c031.geometry(options: STM32OptionBytes.factory(for: c031))
        #expect(geometry.bankCount == 1 && geometry.pageCount == 16 && geometry.pageSize == 2048)
        #expect(c031.eraseCommand == .extendedErase)
        #expect(STM32OptionBytes.factory(for: c031).readoutProtection == .level0)
    }
}

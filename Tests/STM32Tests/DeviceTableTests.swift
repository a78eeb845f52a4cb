import STM32
import Testing

/// The device table against the spec's section 4 and 5 (values written out here by hand).
@Suite struct DeviceTableTests {
    @Test func l476() throws {
        let d = try #require(STM32DeviceTable.device(productID: 0x415))
        #expect(d.key == "l476" && d.family == .l4)
        #expect(d.flashBase == 0x0800_0000 && d.flashSize == 1 << 20)
        #expect(d.pageSize == 2048 && d.banks == 2 && d.dualBankOption)
        #expect(
            d.optionBytes == [STM32MemoryRange(0x1FFF_7800, size: 0x28), STM32MemoryRange(0x1FFF_F800, size: 0x28)])
        #expect(d.flashSizeRegister == 0x1FFF_75E0 && d.uniqueIDAddress == 0x1FFF_7590)
        #expect(d.firstFreeRAM == 0x2000_3100 && d.ram.end == 0x2001_8000)
        #expect(d.systemMemory.start == 0x1FFF_0000 && d.systemMemory.end == 0x1FFF_7000)
        #expect(d.eraseCommand == .extendedErase && d.programUnit == 8)
    }

    @Test func f103MediumDensity() throws {
        let d = try #require(STM32DeviceTable.device(productID: 0x410))
        #expect(d.key == "f103" && d.bootloaderVersion == 0x22)
        // The Get reply of the spec's F1 trace lists exactly these codes.
        #expect(d.commands == bytes("00 01 02 11 21 31 43 63 73 82 92"))
        #expect(d.eraseCommand == .erase)
        #expect(d.pageSize == 1024 && d.maxFlashSize == 128 << 10 && d.banks == 1)
        #expect(d.optionBytes == [STM32MemoryRange(0x1FFF_F800, size: 16)])
        #expect(d.flashSizeRegister == 0x1FFF_F7E0 && d.firstFreeRAM == 0x2000_0200 && d.ram.end == 0x2000_5000)
    }

    @Test func wb55() throws {
        let d = try #require(STM32DeviceTable.device(productID: 0x495))
        #expect(d.pageSize == 4096 && d.flashSize == 1 << 20 && d.banks == 1)
        #expect(d.optionBytes == [STM32MemoryRange(0x1FFF_8000, size: 128)])
        #expect(d.firstFreeRAM == 0x2000_5000)
    }

    @Test func h563() throws {
        let d = try #require(STM32DeviceTable.device(productID: 0x484))
        #expect(d.pageSize == 8192 && d.flashSize == 2 << 20 && d.banks == 2)
        #expect(d.lists(.getChecksum) && d.programUnit == 16)
        #expect(!d.lists(.readoutProtect) && !d.lists(.readoutUnprotect))
    }

    @Test(arguments: STM32DeviceTable.all.map(\.key))
    func everyEntryIsConsistent(key: String) throws {
        let d = try #require(STM32DeviceTable.device(named: key))
        #expect(STM32DeviceTable.device(productID: d.productID) == d)
        #expect(STM32DeviceTable.device(named: "STM32" + key.uppercased()) == d)
        #expect(STM32DeviceTable.device(named: d.referencePart) == d)
        // Get, Get Version and Get ID always; one erase command, never both (spec 2, 0x00).
        #expect([0x00, 0x01, 0x02].allSatisfy { d.commands.contains($0) })
        #expect(d.commands.contains(0x43) != d.commands.contains(0x44))
        #expect(d.flashSize % (d.pageSize * d.banks) == 0 && d.maxFlashSize >= d.flashSize)
        #expect(d.ram.contains(d.firstFreeRAM))
        #expect(
            d.times.pageEraseTypical <= d.times.pageEraseMaximum && d.times.programTypical <= d.times.programMaximum)
        #expect(d.times.massEraseTypical <= d.times.massEraseMaximum)
        #expect(STM32OptionBytes.factory(for: d).readoutProtection == .level0)
    }

    @Test func unknownProductIDHasNoEntry() {
        #expect(STM32DeviceTable.device(productID: 0x999) == nil)
        #expect(STM32DeviceTable.device(named: "f999") == nil)
    }
}

/// Page numbering, banks and the BFB2 swap (spec section 5).
@Suite struct GeometryTests {
    let l476 = STM32DeviceTable.l476

    @Test func l476OneMegabyteIsTwoBanksOf256Pages() {
        let g = l476.geometry()
        #expect(g.bankCount == 2 && g.pagesPerBank == 256 && g.pageCount == 512)
        #expect(g.page(containing: 0x0800_0000) == 0)
        #expect(g.page(containing: 0x0807_FFFF) == 255)
        // Bank 2 starts at 0x08080000 and its page k is number 256 + k.
        #expect(g.page(containing: 0x0808_0000) == 256)
        #expect(g.page(containing: 0x0808_0800) == 257)
        #expect(g.page(containing: 0x0810_0000) == nil)
        #expect(g.bank(ofPage: 255) == 1 && g.bank(ofPage: 256) == 2)
        #expect(g.pages(covering: 0x0807_FF00, length: 0x200) == [255, 256])
        #expect(g.pages(covering: 0x0800_0000, length: 65536) == Array(0..<32))
    }

    @Test func bfb2PutsBank2AtTheFlashBase() {
        var options = STM32OptionBytes.factory(for: l476)
        options.setWord(area: 0, offset: 0, options.word(area: 0, offset: 0) | 1 << 20)
        let g = l476.geometry(options: options)
        #expect(g.banksSwapped)
        #expect(g.page(containing: 0x0800_0000) == 256)
        #expect(g.page(containing: 0x0808_0000) == 0)
        #expect(g.physicalOffset(of: 0x0800_0010) == 0x8_0010)
        #expect(g.address(ofPhysicalOffset: 0) == 0x0808_0000)
    }

    @Test func smallerL4PartsFollowDualBank() {
        var options = STM32OptionBytes.factory(for: l476)
        let dual = l476.geometry(flashSize: 512 << 10, options: options)
        #expect(dual.bankCount == 2 && dual.pagesPerBank == 128)
        #expect(dual.page(containing: 0x0804_0000) == 128)
        options.setWord(area: 0, offset: 0, options.word(area: 0, offset: 0) & ~(1 << 21))
        let single = l476.geometry(flashSize: 512 << 10, options: options)
        #expect(single.bankCount == 1 && single.pageCount == 256)
        #expect(single.page(containing: 0x0804_0000) == 128)
    }

    /// G474 DBANK (OPTR bit 22): the bootloader routes follow it as the SWD route does (one part
    /// model): set, two banks of 2 KiB pages; clear, one bank of 4 KiB pages (RM0440 3.3.1).
    @Test func g474FollowsDBANKOnTheBootloaderRoutesToo() {
        let g474 = STM32DeviceTable.g474
        var options = STM32OptionBytes.factory(for: g474)
        let dual = g474.geometry(options: options)
        #expect(dual.bankCount == 2 && dual.pageSize == 2048 && dual.pagesPerBank == 128)
        options.setWord(area: 0, offset: 0, options.word(area: 0, offset: 0) & ~(1 << 22))
        let single = g474.geometry(options: options)
        #expect(single.bankCount == 1 && single.pageSize == 4096 && single.pageCount == 128)
        #expect(g474.optionFields.dualBank?.shift == 22, "the bank rule's bit")
    }

    @Test func wbSecureAreaIsNotAccessible() {
        let g = STM32DeviceTable.wb55.geometry(options: STM32OptionBytes.factory(for: STM32DeviceTable.wb55))
        #expect(g.firstSecurePage == 0xF4)
        #expect(g.isAccessible(page: 0xF3) && !g.isAccessible(page: 0xF4))
        #expect(g.accessibleSize == 0xF4 * 4096)
    }

    @Test func f103IsOneBankOf1KiBPages() {
        let g = STM32DeviceTable.f103.geometry()
        #expect(g.bankCount == 1 && g.pageCount == 64 && g.pageSize == 1024)
        #expect(STM32DeviceTable.f103.geometry(flashSize: 128 << 10).pageCount == 128)
    }
}

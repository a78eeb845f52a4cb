import STM32
import Testing

/// The option-byte field tables: one per layout (and L4 bank count), read and written by field.
@Suite struct OptionFieldTableTests {
    @Test func aSingleBankL4HasNoDualBankOrBFB2AndOneWRPBank() {
        let fields = STM32DeviceTable.l432.optionFields
        #expect(fields.dualBank == nil && fields.bootFromBank2 == nil)
        #expect(fields.writeProtection == .areas([(0, 0x18, 1), (0, 0x20, 1)]))
        let options = STM32OptionBytes.factory(for: STM32DeviceTable.l432)
        #expect(options.areas.map(\.count) == [0x28])
        #expect(options.user == 0xFFEF_F8AA && options.dualBank == nil && options.bootFromBank2 == nil)
        #expect(options.summary(STM32DeviceTable.l432.geometry()) == "RDP level 0 (0xAA), no write protection")
    }

    @Test func fieldsWriteTheirComplements() {
        var f1 = STM32OptionBytes.factory(for: STM32DeviceTable.f103)
        f1.set(f1.fields.user, 0x07)
        #expect(f1.areas[0][2] == 0x07 && f1.areas[0][3] == 0xF8 && f1.complementMismatches.isEmpty)
        var l4 = STM32OptionBytes.factory(for: STM32DeviceTable.l476)
        l4.set(l4.fields.bootFromBank2!, 1)
        #expect(l4.bootFromBank2 == true && l4.user == 0xFFFF_F8AA && l4.complementMismatches.isEmpty)
        var h5 = STM32OptionBytes.factory(for: STM32DeviceTable.h563)
        h5.setReadoutProtection(.level1)
        #expect(h5.register(offset: 0x10) == 0x00C0_72F8 && h5.register(offset: 0x14) == 0x00C0_72F8)
    }

    @Test(arguments: STM32DeviceTable.all.map(\.key))
    func everyFactoryValueLiesInsideItsArea(key: String) throws {
        let device = try #require(STM32DeviceTable.device(named: key))
        for (field, _) in device.optionFields.factory {
            let unit = device.optionFields.storage == .bytePairs ? 2 : device.optionFields.storage == .wordPairs ? 8 : 4
            #expect(field.area < device.optionBytes.count && field.offset + unit <= device.optionBytes[field.area].size)
        }
    }
}

import STM32
import Testing
import USB

@testable import STLink
@testable import STM32SWD

/// The SWD route's side of the shared part model, the F4 dual-bank numbering, and the V2 serial.
@Suite struct PartModelTests {
    /// One row per device ID: the bootloader rows are the catalogue's, each found once, and a
    /// part's name and shape come from its one row.
    @Test func everyTablePartIsFoundOnceAndNotRepeatedInTheFamilies() {
        let ids = STM32PartCatalogue.all.map(\.deviceID)
        #expect(Set(ids).count == ids.count, "a DEV_ID has two rows")
        for device in STM32DeviceTable.all {
            let part = STM32PartCatalogue.part(deviceID: device.productID)
            #expect(part?.name == device.name && part?.bootloader == device, "\(device.key)")
            #expect(part?.flashSizeRegister == device.flashSizeRegister)
        }
        #expect(STM32PartCatalogue.part(deviceID: 0x435)?.bootloader?.banks == 1)
        #expect(STM32PartCatalogue.part(deviceID: 0x462)?.bootloader?.banks == 1)
        #expect(STM32PartCatalogue.part(deviceID: 0x464)?.bootloader?.banks == 1)
        #expect(STM32PartCatalogue.part(deviceID: 0x415)?.bootloader?.banks == 2)
    }

    /// Issue 25 item 15: openocd `stm32l4x.h` has DEVID 0x476 = STM32U5F/U5Gxx and 0x481 =
    /// STM32U59/U5Axx.
    @Test func u5LineNamesFollowTheirDeviceIDs() {
        #expect(STM32PartCatalogue.part(deviceID: 0x476)?.name == "STM32U5Fx/5Gx")
        #expect(STM32PartCatalogue.part(deviceID: 0x481)?.name == "STM32U59x/5Ax")
    }

    /// Bank 2's start is data (`bank2Offset`): nil keeps it right after bank 1; a fixed offset
    /// leaves a gap (openocd's G47x/G48x "dual bank with gap", RM0433's H74x bank 2 at 1 MiB), and
    /// the hardware swap exchanges the two starts.
    @Test func bankTwoStartsWhereTheRowSays() {
        let half = SWDFlashLayout.banked(
            flashBase: 0x0800_0000, size: 128 << 10, banks: 2, unitSize: 2048, bank2Offset: nil, swapped: false)
        #expect(half.first { $0.bank == 2 }?.address == 0x0801_0000)
        let gap = SWDFlashLayout.banked(
            flashBase: 0x0800_0000, size: 128 << 10, banks: 2, unitSize: 2048, bank2Offset: 256 << 10, swapped: false)
        #expect(gap.first { $0.bank == 2 }?.address == 0x0804_0000 && gap.count == 64)
        let swapped = SWDFlashLayout.banked(
            flashBase: 0x0800_0000, size: 128 << 10, banks: 2, unitSize: 2048, bank2Offset: nil, swapped: true)
        #expect(swapped.first?.bank == 2 && swapped.first { $0.bank == 1 }?.address == 0x0801_0000)
    }

    /// A 256 KiB L432 is one bank of 128 pages whatever OPTR bit 21 says.
    @Test func singleBankL4GeometryIgnoresTheReservedDualBankBit() {
        var options = STM32OptionBytes.factory(for: STM32DeviceTable.l432)
        options.setWord(area: 0, offset: 0, 0xFFFF_F8AA)
        let geometry = STM32DeviceTable.l432.geometry(flashSize: 256 << 10, options: options)
        #expect(geometry.bankCount == 1 && geometry.pageCount == 128 && !geometry.banksSwapped)
        let layout = SWDFlashLayout(geometry)
        #expect(layout.sectors.last?.bank == 1 && layout.sectors.last?.number == 127)
    }

    /// RM0090: bank 2 restarts at sector 0; SNB = 0x10 | k (openocd `(i − n/2) | 0x10`).
    @Test func f429SecondBankSectorsAreNumberedFromSixteen() {
        let layout = SWDFlashLayout.f4(base: 0x0800_0000, size: 2 << 20, dualBank: true)
        #expect(layout.sectors.count == 24 && layout.bankCount == 2)
        let first = layout.sectors[12]
        #expect(first.address == 0x0810_0000 && first.bank == 2 && first.number == 0)
        #expect(F4FlashController.snb(first) == 0x10)
        #expect(F4FlashController.snb(layout.sectors[23]) == 0x1B)
        #expect(F4FlashController.snb(layout.sectors[11]) == 11)
        #expect(F4FlashController.massEraseTimeout == 33)
    }

    /// A V2's 12 raw serial bytes are matched by the 24 hex digits a user copies from openocd or `list`.
    @Test func aV2BinarySerialIsMatchedAsHex() throws {
        let raw = String(
            String.UnicodeScalarView(
                [0x55, 0xFF, 0x6B, 0x06, 0x49, 0x88, 0x49, 0x56, 0x20, 0x38, 0x10, 0x87].map(Unicode.Scalar.init(_:))))
        let record = USBDeviceRecord(
            bus: 1, address: 5, portPath: "1-2",
            descriptor: USBDeviceDescriptor(vendorID: 0x0483, productID: 0x3748, deviceVersion: 0x0100),
            configuration: nil, serial: raw)
        #expect(record.serial == "55FF6B064988495620381087")
        #expect(try STLinkProbeKind.match(port: "stlink:55ff6b064988495620381087").matches(record))
        // A V2-1's serial is text already.
        let v21 = USBDeviceRecord(
            bus: 1, address: 6, portPath: "1-3",
            descriptor: USBDeviceDescriptor(vendorID: 0x0483, productID: 0x374B, deviceVersion: 0x0100),
            configuration: nil, serial: "066DFF535155878281123456")
        #expect(v21.serial == "066DFF535155878281123456")
    }
}

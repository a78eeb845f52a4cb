import BootwireCore
import STM32
import Testing
import VirtualDevices

@testable import DFU

/// Which regions connect reads and which part it names, from the alt strings real parts declare.
@Suite struct DfuSePartTests {
    @Test func aSingleBankL4DeclaresOneFortyByteRegion() throws {
        let options = try DfuSeMemoryLayout("@Option Bytes  /0x1FFF7800/01*040 e")
        let regions = DfuSePart.regions(options)
        #expect(regions == [STM32MemoryRange(0x1FFF_7800, size: 40)])
        let flash256 = try DfuSeMemoryLayout("@Internal Flash  /0x08000000/0128*0002Kg")
        #expect(DfuSePart.device(optionRegions: regions, flash: flash256)?.key == "l432")
        let flash512 = try DfuSeMemoryLayout("@Internal Flash  /0x08000000/0256*0002Kg")
        #expect(DfuSePart.device(optionRegions: regions, flash: flash512)?.key == "l452")
    }

    /// A G474 declares 48 + 48 bytes: both are read as declared, and it is the G474 row, not
    /// the L476 (whose areas are 40 + 40) that starts at the same address.
    @Test func aG474IsReadAsDeclaredAndNotTakenForAnL476() throws {
        let options = try DfuSeMemoryLayout("@Option Bytes   /0x1FFF7800/01*048 e/0x1FFFF800/01*048 e")
        let regions = DfuSePart.regions(options)
        #expect(regions == [STM32MemoryRange(0x1FFF_7800, size: 48), STM32MemoryRange(0x1FFF_F800, size: 48)])
        let flash = try DfuSeMemoryLayout("@Internal Flash   /0x08000000/256*02Kg")
        #expect(DfuSePart.device(optionRegions: regions, flash: flash)?.key == "g474")
        // Regions no row declares name no part: the bytes are read but not decoded.
        let odd = [STM32MemoryRange(0x1FFF_7800, size: 64)]
        #expect(DfuSePart.device(optionRegions: odd, flash: flash) == nil)
    }

    @Test func theL476AndWB55AreStillFound() throws {
        let l476 = DfuSePart.regions(try DfuSeMemoryLayout("@Option Bytes  /0x1FFF7800/01*040 e/0x1FFFF800/01*040 e"))
        #expect(
            DfuSePart.device(
                optionRegions: l476, flash: try DfuSeMemoryLayout("@Internal Flash  /0x08000000/512*0002Kg"))?
                .key == "l476")
        let wb = DfuSePart.regions(try DfuSeMemoryLayout("@Option Bytes   /0x1FFF8000/01*128 e"))
        #expect(
            DfuSePart.device(optionRegions: wb, flash: try DfuSeMemoryLayout("@Internal Flash   /0x08000000/256*04Kg"))?
                .key == "wb55")
    }

    /// A part whose bootloader has no USB (AN2606: the F103 listens on USART1 only) is refused on
    /// the DFU route with a typed code, before any device is opened; it never matches alt strings.
    @Test func aPartWithoutUSBDFUIsRefusedOnTheDFURoute() throws {
        #expect(STM32DeviceTable.f103.interfaces == .usart)
        do {
            _ = try VirtualUSBPort.start("virtual:dfu-f103")
            Issue.record("virtual:dfu-f103 was opened")
        } catch let error as BootwireError {
            #expect(error.code == .routeUnsupported)
        }
        let f103Options = [STM32MemoryRange(0x1FFF_F800, size: 16)]
        #expect(DfuSePart.device(optionRegions: f103Options, flash: nil) == nil)
    }
}

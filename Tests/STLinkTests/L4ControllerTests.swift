import Foundation
import STM32
import Testing
import VirtualDevices

@testable import STLink
@testable import STM32SWD

/// The virtual L4 flash controller's rules (spec 3.1), poked as a debugger would, and the
/// option-byte decoding the host uses on it.
@Suite struct L4ControllerTests {
    func make() -> (VirtualSWDTarget, VirtualL4Flash) {
        let flash = VirtualL4Flash(flashSize: 1 << 20)
        let target = VirtualSWDTarget(
            cpuid: 0x410F_C241, idcode: 0x1007_6415, idcodeAddress: 0xE004_2000, flash: flash,
            sram: [(0x2000_0000, 1024)])
        flash.target = target
        return (target, flash)
    }

    func unlock(_ target: VirtualSWDTarget) {
        #expect(target.write32(0x4002_2008, 0x4567_0123) == .ok)
        #expect(target.write32(0x4002_2008, 0xCDEF_89AB) == .ok)
    }

    @Test func aWrongKeyLocksUntilReset() {
        let (target, _) = make()
        #expect(target.write32(0x4002_2008, 0x1234_5678) == .fault)
        #expect(target.write32(0x4002_2008, 0x4567_0123) == .fault)
        #expect(target.read32(0x4002_2014)! & 1 << 31 != 0)
        target.systemReset()
        unlock(target)
        #expect(target.read32(0x4002_2014)! & 1 << 31 == 0)
        #expect(target.write32(0x4002_2008, 0x4567_0123) == .fault, "keys while unlocked lock it again")
    }

    @Test func doubleWordsProgramOnTheSecondWordOnlyIntoErasedFlash() {
        let (target, _) = make()
        unlock(target)
        _ = target.write32(0x4002_2014, 1)
        _ = target.write32(0x0800_0000, 0x1111_1111)
        #expect(target.read32(0x0800_0000) == 0xFFFF_FFFF, "the first word only latches")
        _ = target.write32(0x0800_0004, 0x2222_2222)
        #expect(target.read32(0x0800_0000) == 0x1111_1111)
        _ = target.write32(0x0800_0000, 0x3333_3333)
        _ = target.write32(0x0800_0004, 0x4444_4444)
        #expect(target.read32(0x4002_2010)! & 1 << 3 != 0, "PROGERR: not erased")
        _ = target.write32(0x4002_2010, 0xC3FB)
        _ = target.write32(0x0800_0104, 0)
        #expect(target.read32(0x4002_2010)! & 1 << 5 != 0, "PGAERR: a lone word at +4")
        _ = target.write32(0x4002_2010, 0xC3FB)
        _ = target.write8(0x0800_0200, 0)
        #expect(target.read32(0x4002_2010)! & 1 << 6 != 0, "SIZERR: a byte store")
    }

    @Test func pageEraseUsesBKERAndRespectsWRP() {
        let (target, flash) = make()
        flash.setOption(0x4C, 0xFF03_FF01)
        unlock(target)
        _ = target.write32(0x4002_2014, 1)
        _ = target.write32(0x0808_0000, 0)
        _ = target.write32(0x0808_0004, 0)
        _ = target.write32(0x4002_2014, 2 | 0 << 3 | 1 << 11 | 1 << 16)
        #expect(target.read32(0x0808_0000) == 0xFFFF_FFFF, "bank 2 page 0 erased")
        _ = target.write32(0x4002_2014, 2 | 2 << 3 | 1 << 11 | 1 << 16)
        #expect(target.read32(0x4002_2010)! & 1 << 4 != 0, "WRPERR on bank 2 page 2")
        _ = target.write32(0x4002_2010, 0xC3FB)
        _ = target.write32(0x4002_2014, 1 << 15 | 1 << 16)
        #expect(target.read32(0x4002_2010)! & 1 << 4 != 0, "MER2 refused while bank 2 has a WRP area")
    }

    @Test func optionWritesArePendingUntilOBLLaunch() {
        let (target, flash) = make()
        unlock(target)
        _ = target.write32(0x4002_200C, 0x0819_2A3B)
        _ = target.write32(0x4002_200C, 0x4C5D_6E7F)
        _ = target.write32(0x4002_202C, 0xFF07_FF00)
        _ = target.write32(0x4002_2014, 1 << 17)
        let before = target.write32(0x4002_2014, 0x0800_0000 | 1 << 27)
        #expect(before == .resetDuringAccess, "OBL_LAUNCH resets the part under the probe")
        #expect(flash.isWriteProtected(bank: 1, page: 7))
        #expect(!flash.isWriteProtected(bank: 1, page: 8))
        #expect(target.read32(0x4002_2014)! & 0xC000_0000 == 0xC000_0000, "locked again after the reset")
    }

    @Test func optionFieldsDecodeAndEdit() throws {
        var options = SWDOptionBytes(
            registers: [.optr: 0xFFEF_F8AA, .wrp1ar: 0xFF0F_FF00, .wrp1br: 0xFF00_FFFF],
            addresses: [(.optr, 0x4002_2020)], fields: PageFlashFamily.l4.fields)
        #expect(options.readoutProtection == .level0)
        #expect(options.writeProtectedAreas.map(\.last) == [15])
        #expect(options.text(options.field(named: "dualbank")!) == "1")
        let before = options
        try options.set("rdp", to: "1")
        try options.set("wrp1a", to: "none")
        try options.set("nboot0", to: "0")
        #expect(options.registers[.optr] == 0xF7EF_F8BB)
        #expect(options.writeProtectedAreas.isEmpty)
        #expect(options.changes(from: before).count == 3)
        #expect(throws: (any Error).self) { try options.set("dualbank", to: "2") }
        #expect(throws: (any Error).self) { try options.set("nosuch", to: "1") }
    }

    @Test func f4SectorsFollowTheSpecTable() {
        let layout = SWDFlashLayout.f4(base: 0x0800_0000, size: 1 << 20)
        #expect(layout.sectors.count == 12)
        #expect(layout.sectors[4].size == 64 << 10)
        #expect(layout.sectors[5].address == 0x0802_0000)
        #expect(layout.sectors(covering: 0x0800_3FFF, count: 2).map(\.number) == [0, 1])
    }

    @Test func familiesAreFoundByDeviceID() {
        func kind(_ id: UInt16) -> STM32FlashControllerSpec.Kind? {
            STM32PartCatalogue.part(deviceID: id)?.controller.kind
        }
        guard case .l4 = kind(0x415), case .f4 = kind(0x413), case .page(let wb) = kind(0x495) else {
            Issue.record("0x415 L4, 0x413 F4, 0x495 page")
            return
        }
        #expect(wb.secureFlashRegister != nil)
        #expect(STM32PartCatalogue.part(deviceID: 0x485)?.controller.isDriven == false, "H7R/S is identified only")
        #expect(STM32PartCatalogue.idcodeAddress(cpuid: 0x410C_C601) == 0x4001_5800)
        #expect(STM32PartCatalogue.idcodeAddress(cpuid: 0x410F_D213) == 0xE004_4000)
    }
}

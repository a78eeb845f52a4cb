import BootwireCore
import Foundation
import STM32
import Testing
import USB
import VirtualDevices

@testable import STLink
@testable import STM32SWD

/// The ST67 host controllers (`SectorFlashController`, `PageFlashController`) on their virtual
/// parts, and the virtual parts' own rules poked as a debugger would.
@Suite struct HostControllerTests {
    func session(_ flash: any VirtualFlashPeripheral, cpuid: UInt32, idcode: UInt32, at: UInt32) throws
        -> (STM32SWDSession, VirtualSWDTarget)
    {
        let target = VirtualSWDTarget(
            cpuid: cpuid, idcode: idcode, idcodeAddress: at, flash: flash, sram: [(0x2000_0000, 4096)])
        (flash as? VirtualPageFlash)?.target = target
        let bus = VirtualUSBBus()
        bus.attach(VirtualSTLink(target: target))
        let handle = try bus.openDiagnosed(try bus.devices()[0], interface: 0)
        return (try STM32SWDSession(handle: handle, events: { _ in }), target)
    }

    @Test func theH563IsTwoBanksOf128SectorsProgrammedInQuadWords() throws {
        let flash = VirtualSectorFlash(model: .h563)
        let (session, _) = try session(flash, cpuid: 0x410F_D214, idcode: 0x1001_6484, at: 0xE004_4000)
        let controller = try #require(try session.flash() as? SectorFlashController)
        #expect(controller.programUnit == 16)
        #expect(controller.layout.sectors.count == 256)
        #expect(controller.layout.bankCount == 2)
        let bank2 = try #require(controller.layout.sectors.first { $0.bank == 2 })
        #expect(bank2.address == 0x0810_0000 && bank2.number == 0)
        try controller.unlock()
        let data = (0..<64).map { UInt8($0) }
        try controller.program(data, at: 0x0810_0000)
        try controller.program(data, at: 0x0800_0000)
        try controller.erase(bank2)
        #expect(try session.probe.readMemory(0x0810_0000, count: 64).allSatisfy { $0 == 0xFF }, "BKSEL erased bank 2")
        #expect(try session.probe.readMemory(0x0800_0000, count: 64) == data, "bank 1 untouched")
        try controller.lock()
    }

    @Test func theH5WriteBufferTakesOneQuadWordAtATime() {
        let flash = VirtualSectorFlash(model: .h563)
        let target = VirtualSWDTarget(
            cpuid: 0x410F_D214, idcode: 0x1001_6484, idcodeAddress: 0xE004_4000, flash: flash,
            sram: [(0x2000_0000, 1024)])
        _ = target.write32(0x4002_2004, 0x4567_0123)
        _ = target.write32(0x4002_2004, 0xCDEF_89AB)
        #expect(target.read32(0x4002_2028)! & 1 == 0, "NSCR unlocked")
        _ = target.write32(0x4002_2028, 1 << 1)
        _ = target.write32(0x0800_0000, 0x1111_1111)
        #expect(target.read32(0x4002_2020)! & 1 << 1 != 0, "WBNE while the buffer fills")
        #expect(target.read32(0x0800_0000) == 0xFFFF_FFFF)
        _ = target.write32(0x0800_0010, 0x2222_2222)
        #expect(target.read32(0x4002_2020)! & 1 << 20 != 0, "INCERR: a store outside the quad word")
        _ = target.write32(0x4002_2030, 0x00FF_0000)
        #expect(target.read32(0x4002_2020)! & 0x00FE_0000 == 0, "cleared through NSCCR")
        for i in 0..<4 { _ = target.write32(0x0800_0020 + UInt32(4 * i), UInt32(i)) }
        #expect(target.read32(0x0800_002C) == 3, "a full quad word programs")
    }

    @Test func theU575ProgramsQuadWordsAndFollowsSwapBank() throws {
        let flash = VirtualPageFlash(model: .u575)
        flash.setOption(0x40, 0x1FFF_F8AA)  // SWAP_BANK (bit 20)
        let (session, _) = try session(flash, cpuid: 0x410F_D214, idcode: 0x2001_6482, at: 0xE004_4000)
        let controller = try #require(try session.flash() as? PageFlashController)
        #expect(controller.programUnit == 16)
        #expect(controller.layout.sectors.count == 256)
        let first = try #require(controller.layout.sectors.first)
        #expect(first.address == 0x0800_0000 && first.bank == 2, "bank 2 at the flash base when swapped")
        try controller.unlock()
        try controller.erase(first)
        try controller.program([UInt8](repeating: 0x42, count: 32), at: 0x0800_0000)
        #expect(try session.probe.readMemory(0x0800_0000, count: 32).allSatisfy { $0 == 0x42 })
        #expect(flash.array[1 << 20] == 0x42, "physically in bank 2")
    }

    @Test func theG474FollowsDBANK() throws {
        let flash = VirtualPageFlash(model: .g474)
        flash.setOption(0x20, 0xFFAF_F8AA)  // DBANK clear: one bank of 4 KiB pages
        let (session, _) = try session(flash, cpuid: 0x410F_C241, idcode: 0x2000_6469, at: 0xE004_2000)
        let controller = try #require(try session.flash() as? PageFlashController)
        #expect(controller.layout.sectors.count == 128)
        #expect(controller.layout.sectors[0].size == 4096)
    }

    @Test func theWB55StopsAtSFSA() throws {
        let flash = VirtualPageFlash(model: .wb55)
        let (session, target) = try session(flash, cpuid: 0x410F_C241, idcode: 0x2001_6495, at: 0xE004_2000)
        let controller = try #require(try session.flash() as? PageFlashController)
        #expect(controller.firstSecurePage == 0xF4)
        #expect(controller.layout.sectors.count == 0xF4)
        #expect(controller.layout.sectors.last?.address == 0x080F_3000)
        // CPU1's mass erase is a bus error on a WB with a secure area.
        _ = target.write32(0x5800_4008, 0x4567_0123)
        _ = target.write32(0x5800_4008, 0xCDEF_89AB)
        _ = target.write32(0x5800_4014, 1 << 2)
        #expect(target.write32(0x5800_4014, 1 << 2 | 1 << 16) == .fault)
    }

    @Test func optionFieldsDecodePerFamily() {
        let h5 = SWDOptionBytes(
            registers: [.optsr: 0x0030_72D8, .optsr2: 0xB400_00F4, .wrp1r: 0xFFFF_FFFC],
            addresses: [],
            fields: SectorFlashFamily.h5.fields.filter { $0.register != .wrp2r && $0.register != .nsbootr })
        #expect(h5.text(h5.field(named: "product_state")!) == "closed (0x72)")
        #expect(h5.readoutProtection == .level1)
        #expect(h5.text(h5.field(named: "wrpsg1")!) == "sectors 0-3,4-7")
        var edited = h5
        #expect(throws: BootwireError.self) { try edited.set("product_state", to: "0xED") }
        try? edited.set("wrpsg1", to: "none")
        #expect(edited.registers[.wrp1r] == 0xFFFF_FFFF)
    }

    @Test func anH5WhoseDBGMCUAnswersAtRM0481sAddressIsFound() throws {
        let (session, _) = try session(
            VirtualSectorFlash(model: .h563), cpuid: 0x410F_D214, idcode: 0x1001_6484, at: 0x4402_4000)
        #expect(session.identity.deviceID == 0x484)
        #expect(try session.flash() is SectorFlashController)
    }
}

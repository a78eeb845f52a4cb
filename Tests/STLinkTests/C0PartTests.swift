import STM32
import Testing
import USB
import VirtualDevices

@testable import STLink
@testable import STM32SWD

/// STM32C0 over SWD, added as catalogue rows only: the session finds the C031 by its DEV_ID at
/// the Cortex-M0+ DBGMCU address, reads FLASH_SIZE where the C0 keeps it (0x1FFF75A0, not G0's
/// 0x1FFF75E0) and drives the G0-pattern controller from the row.
@Suite struct C0PartTests {
    func session() throws -> STM32SWDSession {
        let flash = VirtualPageFlash(model: .c031)
        let target = VirtualSWDTarget(
            cpuid: 0x410C_C601, idcode: 0x1000_6453, idcodeAddress: 0x4001_5800, flash: flash,
            sram: [(0x2000_0000, 12 << 10)])
        flash.target = target
        let bus = VirtualUSBBus()
        bus.attach(VirtualSTLink(target: target))
        let handle = try bus.openDiagnosed(try bus.devices()[0], interface: 0)
        return try STM32SWDSession(handle: handle, events: { _ in })
    }

    @Test func theC031IsOneBankOfSixteen2KiBPagesInDoubleWords() throws {
        let session = try session()
        #expect(session.identity.partName == "STM32C03xx")
        #expect(session.identity.part?.family == .c0)
        #expect(session.identity.flashSize == 32 << 10, "FLASH_SIZE read at 0x1FFF75A0")
        let controller = try #require(try session.flash() as? PageFlashController)
        #expect(controller.programUnit == 8)
        #expect(controller.layout.sectors.count == 16 && controller.layout.bankCount == 1)
        try controller.unlock()
        let data = (0..<64).map { UInt8($0) }
        try controller.program(data, at: 0x0800_0800)
        #expect(try session.probe.readMemory(0x0800_0800, count: 64) == data)
        try controller.erase(controller.layout.sectors[1])
        #expect(try session.probe.readMemory(0x0800_0800, count: 64).allSatisfy { $0 == 0xFF })
        let options = try controller.optionBytes()
        #expect(options.readoutProtection == .level0)
        #expect(options.registers[.wrp1ar] == 0xFF00_FFFF)
        try controller.lock()
    }

    @Test func bothC0DeviceIDsHaveOneRowWithTheC0FlashSizeAddress() throws {
        for id: UInt16 in [0x443, 0x453] {
            let part = try #require(STM32PartCatalogue.part(deviceID: id))
            #expect(part.flashSizeRegister == 0x1FFF_75A0 && part.maxFlashKiB == 32)
            #expect(part.idcodeAddress == 0x4001_5800)
            guard case .page(let row) = part.controller.kind else {
                Issue.record("0x\(String(id, radix: 16)) has no page controller")
                continue
            }
            #expect(row.name == "STM32C0" && row.banks == .single && row.pageSize == 2048)
        }
    }
}

import Testing

@testable import VirtualDevices

/// The U575's clock and power flags follow their enables, as OpenOCD's `stm32u5x.cfg` reset-init
/// polls them (it looped forever on a model that kept the registers as written).
@Suite struct VirtualReadyFlagsTests {
    @Test func theU5ClockTreeSettlesAtOnceInBothAliases() throws {
        let target = try VirtualSTLinkPort.target("stlink-u575", [])
        for offset: UInt32 in [0, 0x1000_0000] {
            #expect(target.read32(0x4602_080C + offset)! & 1 << 15 != 0, "VOSRDY")
            #expect(target.read32(0x4602_080C + offset)! & 1 << 14 == 0, "BOOSTRDY without BOOSTEN")
            #expect(target.write32(0x4602_080C + offset, 1 << 18) == .ok)
            #expect(target.read32(0x4602_080C + offset)! & 1 << 14 != 0, "BOOSTRDY follows BOOSTEN")
            #expect(target.write32(0x4602_0C00 + offset, 1 << 24) == .ok)
            #expect(target.read32(0x4602_0C00 + offset) == 1 << 24 | 1 << 25, "PLL1RDY follows PLL1ON")
            #expect(target.write32(0x4602_0C1C + offset, 3) == .ok)
            #expect(target.read32(0x4602_0C1C + offset)! & 0x0C == 0x0C, "SWS follows SW")
        }
        #expect(target.read32(0x4002_1000) == 0, "other registers keep what was written")
    }
}

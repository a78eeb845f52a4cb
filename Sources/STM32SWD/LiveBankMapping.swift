import ArmDebug
import BootwireCore

/// Where the banks of an L4 or G4 are now. BFB2 only tells the ROM where to boot: when it
/// booted bank 2, it swapped the banks and SYSCFG_MEMRMP.FB_MODE (bit 8) says so (RM0351 9.2.1,
/// RM0440 9.1.1); after a reset-and-halt the ROM never ran and bank 1 is at the flash base
/// whatever BFB2 says. openocd reads no BFB2. One reading for `L4FlashController` and
/// `PageFlashController`.
enum LiveBankMapping {
    static let syscfgMemrmp: UInt32 = 0x4001_0000
    static let fbMode: UInt32 = 1 << 8

    /// Whether the banks are swapped now: FB_MODE, or the BFB2 bit (`romSwapBit` of `optr`) when
    /// SYSCFG cannot be read. A disagreement is noted: pages follow the live mapping.
    static func swapped(
        probe: any DebugProbe, optr: UInt32, romSwapBit: Int, events: EventSink
    ) -> Bool {
        let bfb2 = optr >> UInt32(romSwapBit) & 1 == 1
        guard let memrmp = try? probe.readWord(syscfgMemrmp) else { return bfb2 }
        let live = memrmp & fbMode != 0
        if live != bfb2 {
            events(
                .note(
                    .info(
                        "BFB2 is \(bfb2 ? 1 : 0) but the banks are " + (live ? "swapped" : "not swapped")
                            + " now (SYSCFG_MEMRMP.FB_MODE \(live ? 1 : 0)): pages follow the live mapping")))
        }
        return live
    }
}

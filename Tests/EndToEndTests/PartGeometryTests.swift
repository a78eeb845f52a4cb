import BootwireCore
import Foundation
import Testing

/// Issue 25: the geometry, option word and write width that code proven on silicon gives the
/// ST67 host lines whose flash differs from their family's first part (openocd `stm32l4x.c`
/// and `stm32f2x.c`, Black Magic Debug `stm32g0.c`, stlink-org), each against a virtual part
/// with the property. Flashing twice makes a wrong erase show: the second image lands on flash
/// the erase missed.
@Suite(.serialized) struct PartGeometryTests {
    func state() -> String { Scratch.make().appendingPathComponent("chip.state").path }

    func image(_ data: [UInt8], at address: UInt64) throws -> String {
        try Scratch.file(data, name: "app.bin").path + "@0x" + String(address, radix: 16)
    }

    /// Flashes `size` bytes at `address` twice (different data) and proves the second.
    func flashTwice(_ port: String, at address: UInt64, size: Int, seed: UInt32) throws {
        for (n, data) in [firmwareLike(size, seed: seed), firmwareLike(size, seed: seed + 1)].enumerated() {
            let run = try Bootwire.run(["flash", "--port", port, "--json", try image(data, at: address)])
            #expect(run.ok, "flash \(n + 1): \(run.stdout)")
            #expect(try Bootwire.readMemory(port, at: address, count: size) == data, "flash \(n + 1)")
        }
    }

    /// Item 3: a G49x/G4Ax has 256 pages in one bank: PNB's eighth bit names pages 128–255, so
    /// an erase at 0x08040000 (page 128) must not erase page 0.
    @Test func aG491PageAbove127IsErasedNotPageMinus128() throws {
        let port = "virtual:stlink-g491,state=\(state())"
        let low = firmwareLike(2048, seed: 61)
        #expect(try Bootwire.run(["flash", "--port", port, "--json", try image(low, at: 0x0800_0000)]).ok)
        try flashTwice(port, at: 0x0804_0000, size: 4096, seed: 62)
        #expect(try Bootwire.readMemory(port, at: 0x0800_0000, count: low.count) == low, "page 0 kept")
    }

    /// Item 4: a 256 KiB G47x in dual-bank mode has bank 2 at 0x08040000, a hole before it.
    @Test func aG473With256KiBHasBank2At0x08040000() throws {
        let port = "virtual:stlink-g473,state=\(state())"
        let info = try Bootwire.run(["info", "--port", port, "--json"])
        #expect(info.ok, "\(info.stdout)")
        let flash = try #require(try info.stm32Info().flash)
        #expect(flash.size == 256 << 10 && flash.bankCount == 2)
        #expect(
            flash.runs.map { [$0.bank, $0.count, Int($0.address), $0.unitSize] } == [
                [1, 64, 0x0800_0000, 2048], [2, 64, 0x0804_0000, 2048],
            ])
        try flashTwice(port, at: 0x0801_F000, size: 4096, seed: 63)
        try flashTwice(port, at: 0x0804_0000, size: 4096, seed: 64)
        for address: UInt64 in [0x0802_0000, 0x0801_F800] {
            let hole = try Bootwire.run(["flash", "--port", port, "--json", try image(firmwareLike(4096), at: address)])
            #expect(hole.errorCode == "image-too-large", "the hole is no flash: \(hole.stdout)")
        }
    }

    /// Item 5: a WB1x has 2 KiB pages; SFSA counts them, so CPU2's area starts at SFSA × 2 KiB.
    @Test func aWB15Has2KiBPagesAndItsSecureAreaWhereSFSASays() throws {
        let port = "virtual:stlink-wb15,state=\(state())"
        try flashTwice(port, at: 0x0804_0000, size: 4096, seed: 65)
        let across = try Bootwire.run([
            "flash", "--port", port, "--json", try image(firmwareLike(8192, seed: 65), at: 0x0804_7000),
        ])
        #expect(across.errorCode == "image-too-large", "CPU2's pages from 0x08048000: \(across.stdout)")
    }

    /// Item 6: WB OPTR has ESE at bit 8 and BOR_LEV at 9–11 (RM0434; L4/G4 put BOR_LEV at 8–10):
    /// the factory word 0x3DFFE1AA is BOR level 0 with ESE set, and a BOR change keeps ESE.
    @Test func theWBBrownOutLevelIsBits9To11AndLeavesESE() throws {
        let port = "virtual:stlink-wb55,state=\(state())"
        let show = try Bootwire.run(["option-bytes", "show", "--port", port, "--json"])
        #expect(show.summary["bor_lev"] == "0" && show.summary["ese"] == "1", "\(show.summary)")
        let set = try Bootwire.run(["option-bytes", "set", "bor_lev=2", "--yes", "--port", port, "--json"])
        #expect(set.ok, "\(set.stdout)")
        let after = try Bootwire.run(["option-bytes", "show", "--port", port, "--json"])
        #expect(after.summary["bor_lev"] == "2" && after.summary["ese"] == "1", "\(after.summary)")
        #expect(after.summary["OPTR"] == "0x3dffe5aa", "\(after.summary)")
    }

    /// Item 11: on a dual-bank G47x, BFB2 makes the ROM boot bank 2 and swap the banks
    /// (SYSCFG_MEMRMP.FB_mode); after a connect under reset the ROM never ran. Both connects
    /// must erase the page behind the address, as on the L4.
    @Test(arguments: ["", ",swd-disabled"])
    func theG474BankSwapFollowsTheLiveMapping(extra: String) throws {
        try flashTwice("virtual:stlink-g474,bfb2\(extra),state=\(state())", at: 0x0800_0000, size: 6000, seed: 66)
    }

    /// Item 12: a G0 that booted blank keeps FLASH_ACR.EMPTY until software clears it (or a
    /// power-on), and with it set a boot from main flash enters the system bootloader. After
    /// programming the first word it must read clear, so `--go` runs the image.
    @Test func aG0ProgrammedFromBlankBootsItsImage() throws {
        let port = "virtual:stlink-g071,state=\(state())"
        let data = firmwareLike(1024, seed: 67)
        let run = try Bootwire.run([
            "flash", "--port", port, "--json", try image(data, at: 0x0800_0000), "--go", "0x08000000",
        ])
        #expect(run.ok, "\(run.stdout)")
        let acr = try Bootwire.readMemory(port, at: 0x4002_2000, count: 4)
        #expect(acr[2] & 1 == 0, "FLASH_ACR.EMPTY (bit 16) still set: \(acr)")
    }

    /// Item 13: a U535/U545 is always dual bank at its own largest size (512 KiB), whatever
    /// DUALBANK says; bank 2 starts at 0x08040000 there.
    @Test(arguments: ["0", "1"])
    func aU535At512KiBIsAlwaysDualBank(dualbank: String) throws {
        try flashTwice(
            "virtual:stlink-u535,dualbank=\(dualbank),state=\(state())", at: 0x0804_0000 - 8192, size: 16384,
            seed: 68)
    }

    /// Item 14: F2/F4 program x32 only above 2.7 V (RM0090 table 7; stlink-org reads the target
    /// voltage and programs x8 below); the virtual F4 refuses x32 below 2.7 V.
    @Test(arguments: ["1.8", "2.5", "3.3"])
    func anF4WritesInTheWidthItsVoltageAllows(volts: String) throws {
        try flashTwice("virtual:stlink-f4,voltage=\(volts),state=\(state())", at: 0x0800_0000, size: 6000, seed: 69)
    }
}

import BootwireCore
import Foundation
import Testing

/// The STM32H7 over SWD as code proven on silicon drives it (issue #25 items 2, 7–10: openocd
/// `stm32h7x.c`, Black Magic Debug `stm32h7.c`, stlink-org), against virtual H7s whose
/// unknown timings are switches (`option-ms`, `bank-erase-ms`, `word-us`) on a simulated clock.
@Suite(.serialized) struct H7SWDTests {
    func state() -> String { Scratch.make().appendingPathComponent("chip.state").path }

    func image(_ data: [UInt8], at address: UInt32, _ name: String = "app.bin") throws -> String {
        try Scratch.file(data, name: name).path + "@0x" + String(address, radix: 16)
    }

    /// Item 2: the 1 MiB H743 (H743ZG) keeps bank 2 at 0x08100000, with a hole below it.
    @Test func theOneMiBH743KeepsBank2At0x08100000() throws {
        let port = "virtual:stlink-h743zg,state=\(state())"
        let data = firmwareLike(64 * 1024, seed: 21)
        let run = try Bootwire.run(["flash", "--port", port, try image(data, at: 0x0810_0000), "--json"])
        #expect(run.ok, "\(run.stdout)")
        #expect(try Bootwire.readMemory(port, at: 0x0810_0000, count: data.count) == data)
        let hole = try Bootwire.run(["flash", "--port", port, try image(data, at: 0x0808_0000), "--json"])
        #expect(hole.errorCode == "image-too-large", "0x08080000 is no flash on a 1 MiB H743: \(hole.stdout)")
    }

    /// Item 2: the H750 (128 KiB, DEV_ID 0x450 too) is one bank.
    @Test func theH750IsOneBank() throws {
        let port = "virtual:stlink-h750,state=\(state())"
        let data = firmwareLike(100 * 1024, seed: 22)
        let run = try Bootwire.run(["flash", "--port", port, try image(data, at: 0x0800_0000), "--json"])
        #expect(run.ok, "\(run.stdout)")
        #expect(try Bootwire.readMemory(port, at: 0x0800_0000, count: data.count) == data)
        let erase = try Bootwire.run(["erase", "--mass", "--yes", "--port", port, "--json"])
        #expect(erase.ok, "\(erase.stdout)")
    }

    /// Item 7: OPT_BUSY is polled in OPTSR_CUR; the RDP 1 → 0 regression (a mass erase of both
    /// banks) is read back only once it has ended.
    @Test func anH7OptionChangeIsReadBackOnlyAfterOPT_BUSY() throws {
        let port = "virtual:stlink-h743,rdp1,time=simulated,option-ms=3000,state=\(state())"
        let set = try Bootwire.run(["option-bytes", "set", "rdp=0", "--yes", "--port", port, "--json"])
        #expect(set.ok, "\(set.stdout)")
        #expect(!set.warningCodes.contains("option-bytes-need-power-cycle"), "\(set.stdout)")
        let data = firmwareLike(4096, seed: 23)
        let flash = try Bootwire.run(["flash", "--port", port, try image(data, at: 0x0800_0000), "--json"])
        #expect(flash.ok, "\(flash.stdout)")
    }

    /// Item 7: a change the controller refuses (OPTSR_CUR.OPTCHANGEERR) is a failure with its code.
    @Test func aRefusedH7OptionChangeFailsWithItsCode() throws {
        let port = "virtual:stlink-h743,optchangeerr,state=\(state())"
        let set = try Bootwire.run(["option-bytes", "set", "nwrp1=7", "--yes", "--port", port, "--json"])
        #expect(set.errorCode == "option-bytes-refused", "\(set.stdout)")
        let show = try Bootwire.run(["option-bytes", "show", "--port", port, "--json"])
        #expect(show.summary["nwrp1"] == "none", "\(show.summary)")
    }

    /// Item 8: after a `swap_bank` change with no reset the banks still run unswapped
    /// (OPTCR.SWAP_BANK): the next flash erases the bank that is mapped at its address.
    @Test func afterAnUnresetSwapTheNextFlashErasesTheLiveBank() throws {
        let port = "virtual:stlink-h743,state=\(state())"
        let first = firmwareLike(8192, seed: 24)
        let second = firmwareLike(8192, seed: 25)
        #expect(try Bootwire.run(["flash", "--port", port, try image(first, at: 0x0800_0000), "--json"]).ok)
        #expect(try Bootwire.run(["flash", "--port", port, try image(second, at: 0x0810_0000), "--json"]).ok)
        let swap = try Bootwire.run(["option-bytes", "set", "swap_bank=1", "--yes", "--port", port, "--json"])
        #expect(swap.ok, "\(swap.stdout)")
        let update = firmwareLike(4096, seed: 26)
        let run = try Bootwire.run(["flash", "--port", port, try image(update, at: 0x0800_0000), "--json"])
        #expect(run.ok, "\(run.stdout)")
        #expect(try Bootwire.readMemory(port, at: 0x0800_0000, count: update.count) == update)
        #expect(try Bootwire.readMemory(port, at: 0x0810_0000, count: second.count) == second)
    }

    /// Item 9: a bank erase is given openocd's 30 s (8 sectors of up to 2.2 s; Bootwire gave 5 s).
    @Test func anH7BankEraseIsGivenThirtySeconds() throws {
        let port = "virtual:stlink-h743,time=simulated,bank-erase-ms=12000"
        let erase = try Bootwire.run(["erase", "--mass", "--yes", "--port", port, "--json"])
        #expect(erase.ok, "\(erase.stdout)")
    }

    /// Item 10: each flash word waits for the write queue (QW), so a slow queue never sees a
    /// word resent; on the simulated clock and on the wall clock.
    @Test(arguments: ["time=simulated,word-us=300", "word-us=40"])
    func aSlowH7WriteQueueIsWaitedForPerFlashWord(timing: String) throws {
        let port = "virtual:stlink-h743,\(timing),state=\(state())"
        let data = firmwareLike(timing.hasPrefix("time") ? 40_000 : 4000, seed: 27)
        let run = try Bootwire.run(["flash", "--port", port, try image(data, at: 0x0800_0000), "--json"])
        #expect(run.ok, "\(run.stdout)")
        #expect(try Bootwire.readMemory(port, at: 0x0800_0000, count: data.count) == data)
    }
}

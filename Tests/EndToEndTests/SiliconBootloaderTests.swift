import BootwireCore
import Foundation
import STM32
import Testing

/// The UART and DFU routes against virtual parts that behave as proven code (stm32flash,
/// dfu-util, real `dfu-util -l` listings) says real ones do: single-bank L4s, option bytes read
/// only as declared, a ROM that refuses the option-byte read, a Get Checksum whose layout is
/// not stm32flash's (`shared/specs/silicon-notes.md`; issue 16 cases 4 and 8). The DFU parts run
/// in simulated time (`time=simulated`): poll times and a 7 s mass erase cost no wall-clock time.
@Suite(.serialized) struct SiliconBootloaderTests {
    static let base: UInt64 = 0x0800_0000

    func image(_ data: [UInt8], at address: UInt64 = base) throws -> String {
        try Scratch.file(data, name: "app.bin").path + "@0x" + String(address, radix: 16)
    }

    /// Case 4: a single-bank L4 declares one 40-byte option region; reading 0x30 bytes, or a
    /// second region at 0x1FFFF800, is refused, and the refusal used to abort the connection.
    @Test(arguments: [("l432", 200_000), ("l452", 300_000)])
    func aSingleBankL4IsFlashedOverDFU(part: String, size: Int) throws {
        let state = Scratch.make().appendingPathComponent("chip.state").path
        let port = "virtual:dfu-\(part),time=simulated,state=\(state)"
        let data = firmwareLike(size, seed: 41)
        let run = try Bootwire.run(["flash", "--port", port, "--json", try image(data)], timeout: 120)
        #expect(run.ok, "\(run.stdout)")
        #expect(run.summary["verified"] == "yes")
        #expect(run.warningCodes.isEmpty, "the declared region reads: \(run.warningCodes)")
        #expect(try Bootwire.readMemory(port, at: Self.base, count: 4096) == Array(data.prefix(4096)))
    }

    @Test func theDFUPartIsToldByItsDeclaredRegionsAndItsOptionBytesDecoded() throws {
        let info = try Bootwire.run(["info", "--port", "virtual:dfu-l432,time=simulated", "--json"]).stm32Info()
        #expect(info.part == "STM32L43x/L44x")
        #expect(info.readoutProtection == .level0)
        #expect(info.option("rdp")?.value == 0xAA)
        #expect(info.writeProtectedPages.isEmpty)
        #expect(info.option("dualbank") == nil, "bit 21 is reserved on single-bank L4")
    }

    /// Case 4: a G474 declares 48 + 48 bytes at the L476's addresses; it is read as declared
    /// and decoded as a G4 (DBANK, not DUALBANK), not taken for an L476.
    @Test func aG474IsReadAsItsAltDeclaresAndFlashed() throws {
        let info = try Bootwire.run(["info", "--port", "virtual:dfu-g474,time=simulated", "--json"]).stm32Info()
        #expect(info.part == "STM32G47x/G48x")
        #expect(info.readoutProtection == .level0 && info.option("rdp")?.value == 0xAA)
        #expect(info.writeProtectedPages.isEmpty)
        #expect(info.option("dbank")?.value == 1 && info.option("dbank")?.shift == 22)
        #expect(info.option("bfb2")?.value == 0)
        #expect(info.option("dualbank") == nil)
        let data = firmwareLike(300_000, seed: 45)
        let run = try Bootwire.run(
            ["flash", "--port", "virtual:dfu-g474,time=simulated", "--json", try image(data)], timeout: 120)
        #expect(run.ok && run.warningCodes.isEmpty, "\(run.stdout)")
    }

    /// Case 4: a refused option-byte read is a warning, not a failed connection.
    @Test func aRefusedDFUOptionByteReadIsAWarning() throws {
        let run = try Bootwire.run([
            "flash", "--port", "virtual:dfu-l476,time=simulated,option-read-refused", "--json",
            try image(firmwareLike(8000)),
        ])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.warningCodes.contains("option-bytes-unreadable"))
    }

    /// Case 5: an F405/F407 mass erase takes 16–32 s and reports a 100 ms bwPollTimeout; whether
    /// GETSTATUS blocks through it is not known, so both ways must pass (dfu-util waits 35 s).
    @Test(arguments: ["", ",status-blocks"])
    func aLongDFUMassEraseIsWaitedFor(blocking: String) throws {
        let run = try Bootwire.run(
            [
                "erase", "--mass", "--yes", "--port", "virtual:dfu-l476,time=simulated,mass-erase-seconds=7\(blocking)",
                "--json",
            ],
            timeout: 60)
        #expect(run.ok, "\(run.stdout)")
    }

    /// Case 8 and the UART side of the part model: the new L432 row over UART.
    @Test(arguments: ["l432", "l452"])
    func aSingleBankL4IsFlashedOverUART(part: String) throws {
        let data = firmwareLike(150_000, seed: 42)
        let run = try Bootwire.run([
            "flash", "--chip", "stm32", "--port", "virtual:stm32\(part),wire=instant", "--json", try image(data),
        ])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.summary["verified"] == "yes")
        #expect(!run.warningCodes.contains("option-bytes-unreadable"), "the table's 40-byte area reads")
    }

    /// Case 8: the ROM refuses the option-byte read (NACK after the length): the flash goes on.
    @Test(arguments: ["l476", "l432"])
    func aRefusedUARTOptionByteReadIsAWarning(part: String) throws {
        let run = try Bootwire.run([
            "flash", "--chip", "stm32", "--port", "virtual:stm32\(part),wire=instant,option-read-refused", "--json",
            try image(firmwareLike(10_000, seed: 43)),
        ])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.warningCodes.contains("option-bytes-unreadable"))
    }

    /// Case 8: Get Checksum disagrees, the read-back matches: verified, and said so.
    @Test func aChecksumLayoutDisagreementFallsBackToTheReadBack() throws {
        let data = firmwareLike(20_000, seed: 44)
        let run = try Bootwire.run([
            "flash", "--chip", "stm32", "--port", "virtual:stm32h563,wire=instant,checksum-layout", "--json",
            try image(data),
        ])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.warningCodes.contains("checksum-layout-mismatch"))
        // Without the fault the checksum agrees and no read-back is needed.
        let plain = try Bootwire.run([
            "flash", "--chip", "stm32", "--port", "virtual:stm32h563,wire=instant", "--json", try image(data),
        ])
        #expect(plain.ok && !plain.warningCodes.contains("checksum-layout-mismatch"), "\(plain.stdout)")
    }
}

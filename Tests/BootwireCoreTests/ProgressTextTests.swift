import Foundation
import Testing

@testable import BootwireCore

/// Issue 26 items 2 and 5: the bar, the plain line, the identity line and the flash summary are
/// functions of typed values; these are their exact texts.
struct ProgressTextTests {
    @Test func etaIsWhatIsLeftAtTheEffectiveRate() {
        // 100 KB in 2 s: 50 KB/s; 300 KB left: 6 s.
        #expect(JobProgress.eta(done: 100_000, total: 400_000, elapsed: 2) == 6)
        #expect(JobProgress.rate(done: 100_000, elapsed: 2) == 50_000)
        #expect(JobProgress.eta(done: 0, total: 400_000, elapsed: 2) == nil, "no rate before the first byte")
        #expect(JobProgress.eta(done: 10, total: 400_000, elapsed: 0) == nil, "no rate in no time")
        #expect(JobProgress.eta(done: 400_000, total: 400_000, elapsed: 3) == 0)
        let job = JobProgress(phase: .write, image: "app.bin", done: 250, total: 1000, elapsed: 5)
        #expect(job.secondsLeft == 15 && job.bytesPerSecond == 50 && job.fraction == 0.25)
    }

    @Test func theBarCarriesPercentRateAndBothETAs() {
        let job = JobProgress(phase: .write, image: "app.bin", done: 131_072, total: 524_288, elapsed: 2)
        let text = ProgressText.bar(
            label: "app.bin", done: 131_072, total: 262_144, bytesPerSecond: 65_536, unit: .bytes, job: job)
        #expect(
            text
                == "write app.bin  [############------------]   50%  131/262 KB  66 KB/s  ETA 2.0s  (job 25%, ETA 6.0s)"
        )
    }

    @Test func aFinishedBarHasNoETA() {
        let job = JobProgress(phase: .verify, image: "fw.bin", done: 4000, total: 4000, elapsed: 1)
        #expect(
            ProgressText.bar(label: "verify", done: 4000, total: 4000, bytesPerSecond: 8000, unit: .bytes, job: job)
                == "verify fw.bin  [########################]  100%  4000/4000 bytes  8 KB/s  (job 100%)")
    }

    @Test func pagesAreCountedAsPagesWithNoRate() {
        let text = ProgressText.bar(label: "erase", done: 3, total: 12, bytesPerSecond: 0, unit: .pages, job: nil)
        #expect(text == "erase  [######------------------]   25%  3/12 pages")
        #expect(
            ProgressText.plain(label: "erase", done: 3, total: 12, bytesPerSecond: 0, unit: .pages, job: nil)
                == "erase: 3/12 pages")
    }

    @Test func thePlainLineNamesTheStepAndTheJob() {
        let job = JobProgress(phase: .verify, image: "fw.bin", done: 1000, total: 4000, elapsed: 1)
        #expect(
            ProgressText.plain(
                label: "verify", done: 500, total: 1000, bytesPerSecond: 2_500_000, unit: .bytes, job: job)
                == "verify fw.bin: 500/1000 bytes, 2.5 MB/s (job 25%, ETA 3.0s)")
    }

    @Test func durationsReadAsPeopleSayThem() {
        #expect(ProgressText.duration(0.44) == "0.4s")
        #expect(ProgressText.duration(12.4) == "12s")
        #expect(ProgressText.duration(125) == "2m05s")
    }

    @Test func identityIsOneLine() {
        let swd = TargetIdentity(
            name: "STM32L47x via ST-LINK", journalKey: "k", chipID: "0x415", part: "STM32L47x/L48x",
            chipIDName: "DEV_ID", flashSize: 1 << 20, via: "ST-LINK V2-1", voltage: 3.26)
        #expect(IdentityText.line(swd) == "found STM32L47x/L48x (DEV_ID 0x415, 1 MiB flash) via ST-LINK V2-1, 3.26 V")
        let module = TargetIdentity(
            name: "ST67W611M1 boot ROM", journalKey: "k", chipID: "40827b03d2dc", mac: "40:82:7b:03:d2:dc",
            bootROM: "02001606", baud: 2_000_000, part: "QCC743", flashSize: 4 << 20)
        #expect(
            IdentityText.line(module)
                == "found QCC743 (chip id 40827b03d2dc, MAC 40:82:7b:03:d2:dc, 4 MiB flash, boot ROM 02001606) at 2000000 baud"
        )
    }

    static func image(_ name: String, _ address: Int, _ size: Int, skipped: Bool = false, compressed: Int? = nil)
        -> FlashOutcome.Image
    {
        FlashOutcome.Image(
            name: name, address: address, size: size, compressedSize: compressed, skipped: skipped,
            seconds: skipped ? 0 : 0.5, sha256: "", proof: skipped ? nil : .deviceSHA256)
    }

    @Test func theSummaryNamesEachImageOnceTheBurnAndOneTotal() {
        var outcome = FlashOutcome()
        outcome.images = [
            Self.image("boot2", 0, 50_000, compressed: 20_000), Self.image("mfg", 0x3F_F000, 4096, skipped: true),
        ]
        outcome.irreversible = ["sign_cfg", "key_hash"]
        outcome.erased = [0..<0xD000]
        outcome.seconds = 2
        #expect(
            FlashSummaryText.lines(outcome) == [
                "  boot2  at 0x00000000  50000 bytes  (20000 compressed)  0.50 s, 100 KB/s, proven by device SHA-256",
                "  mfg    at 0x003ff000   4096 bytes                      skipped (unchanged)",
                "eFuse burned: sign_cfg, key_hash",
                "done: 1 of 2 images written, 50000 bytes in 0.50 s (100 KB/s), 2.00 s in all; 1 skipped (unchanged); erased 0x0..0xd000",
            ])
    }

    @Test func aDryRunSaysNothingChanged() {
        var outcome = FlashOutcome()
        outcome.dryRun = true
        outcome.images = [Self.image("app.bin", 0x800_0000, 1000)]
        outcome.erased = [0x800_0000..<0x800_0800]
        #expect(
            FlashSummaryText.lines(outcome).last
                == "dry run, nothing was changed: would write 1 of 1 images; would erase 0x8000000..0x8000800")
    }
}

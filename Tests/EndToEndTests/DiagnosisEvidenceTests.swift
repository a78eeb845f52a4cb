import BootwireCore
import Foundation
import Testing

/// Issue #23 ("never harm"), items 8–10: a diagnosis names a destructive fix (whole-chip erase,
/// Readout Unprotect) only when the evidence proves the condition, and blames the flash or the
/// address only when a second look agrees.
@Suite struct DiagnosisEvidenceTests {
    /// Commands whose fix loses data a user cannot get back (MFD, the whole flash, the stack).
    static let destructive = [
        "--whole-chip", "--mass", "unprotect --readout", "readout unprotect", "rdp=0", "fus delete", "mass erase",
        "mass-erase",
    ]

    static func destructiveAdvice(_ run: BootwireRun) -> String? {
        let error = run.result?["error"] as? [String: Any]
        let text = ((error?["hint"] as? String ?? "") + " " + (error?["message"] as? String ?? "")).lowercased()
        return destructive.first { text.contains($0) }
    }

    static let image = try! Scratch.file(firmwareLike(20_000), name: "app.bin").path

    /// Bytes with every value (0x7F among them, which a reset ROM takes for a sync), seeded.
    static func noise(_ count: Int) -> [UInt8] {
        var state: UInt32 = 1
        return (0..<count).map { _ in
            state = state &* 1_103_515_245 &+ 12345
            return UInt8(truncatingIfNeeded: state >> 16)
        }
    }

    /// Item 8: line noise makes the ROM answer `FL` errors; that is the ROM, not an application,
    /// and it never calls for the whole-chip erase that takes the module's MFD.
    @Test func lineNoiseOnTheModuleIsNotAnApplicationAndNeverAWholeChipErase() throws {
        let run = try Bootwire.run([
            "flash", "--port", "virtual:qcc743,fault=corrupt=50,wire=instant", "\(Self.image)@0x10000", "--json",
        ])
        #expect(run.errorCode != ErrorCode.applicationRunning.rawValue, "\(run.stdout.suffix(600))")
        #expect(run.errorCode == ErrorCode.lineNoise.rawValue, "\(run.stdout.suffix(600))")
        #expect(Self.destructiveAdvice(run) == nil, "\(run.stdout.suffix(600))")
    }

    /// The application's own log still proves the application: that diagnosis stays.
    @Test func anApplicationLogIsStillTheApplication() throws {
        let run = try Bootwire.run(["info", "--port", "virtual:qcc743,fault=application,wire=instant", "--json"])
        #expect(run.errorCode == ErrorCode.applicationRunning.rawValue, "\(run.stdout.suffix(600))")
    }

    /// Item 9: an STM32 that reset mid-flash refuses the next command; its RDP was read at
    /// connect (level 0), so that is no protection and never a reason for Readout Unprotect.
    @Test func anSTM32ThatResetMidFlashIsNotCalledProtected() throws {
        // The reset ROM hears a 0x7F in the data, syncs, and NACKs the next Write Memory command.
        let image = try Scratch.file(Self.noise(20_000), name: "noise.bin").path
        let run = try Bootwire.run([
            "flash", "--port", "virtual:stm32l476,fault=reset-after=10000,wire=instant", "\(image)@0x08000000",
            "--json",
        ])
        let evidence = (run.result?["error"] as? [String: Any])?["evidence"] as? [String: String]
        #expect(evidence?["refused-at"] == "command", "the refusal was not reached: \(run.stdout.suffix(600))")
        #expect(
            run.errorCode != nil && run.errorCode != ErrorCode.deviceProtected.rawValue, "\(run.stdout.suffix(600))")
        #expect(Self.destructiveAdvice(run) == nil, "\(run.stdout.suffix(600))")
    }

    /// A part that is protected is still called protected, with the fix that needs.
    @Test func aProtectedSTM32IsStillProtected() throws {
        let run = try Bootwire.run([
            "flash", "--port", "virtual:stm32l476,fault=locked,wire=instant", "\(Self.image)@0x08000000", "--json",
        ])
        #expect(run.errorCode == ErrorCode.deviceProtected.rawValue, "\(run.stdout.suffix(600))")
    }

    /// Item 10: a corrupted Read Memory address is NACKed once; a valid address is not out of
    /// range, and the read is asked again before anything is concluded.
    @Test func aCorruptedAddressIsNotOutOfRange() throws {
        let file = Scratch.make().appendingPathComponent("r.bin").path
        let run = try Bootwire.run([
            "read", "--port", "virtual:stm32l476,fault=corrupt=50,wire=instant", "--start", "0x08000000", "--len",
            "0x4000", "--file", file, "--json",
        ])
        #expect(run.errorCode != ErrorCode.addressOutOfRange.rawValue, "\(run.stdout.suffix(600))")
    }

    /// Item 10: an ST-LINK that is unplugged mid-connect is a lost device, not an unknown family.
    @Test func anUnpluggedProbeIsNotAnUnsupportedFamily() throws {
        for after in [12, 16, 20, 24, 30] {
            let run = try Bootwire.run([
                "flash", "--port", "virtual:stlink-l476,usb-disconnect-after=\(after)", "\(Self.image)@0x08000000",
                "--json",
            ])
            #expect(
                run.errorCode != ErrorCode.flashFamilyUnsupported.rawValue, "after \(after): \(run.stdout.suffix(600))")
        }
    }

    /// Item 10: `--start -1` is a bad number, said as one (not "missing value").
    @Test func aNegativeStartIsABadNumber() throws {
        let file = Scratch.make().appendingPathComponent("r.bin").path
        let run = try Bootwire.run([
            "read", "--port", "virtual:stm32l476,wire=instant", "--start", "-1", "--len", "4", "--file", file, "--json",
        ])
        #expect(run.errorCode == ErrorCode.usage.rawValue)
        let evidence = (run.result?["error"] as? [String: Any])?["evidence"] as? [String: String]
        #expect(evidence?["option"] == "--start" && evidence?["value"] == "-1", "\(run.stdout)")
    }

    /// Item 10: a verify mismatch caused by line noise does not blame worn flash. Since frames
    /// rejected as malformed are resent and no data chunk goes without a checksum, line noise no
    /// longer reaches a verify mismatch here at all; the read-twice rule itself is proven in
    /// `FlashPipelineTests.aMismatchIsReadTwiceBeforeTheFlashIsBlamed`. What stays end to end:
    /// no noisy session blames the flash, and none reports success unless the flash holds it.
    @Test func noiseOnTheReadBackDoesNotBlameTheFlash() throws {
        let image = Self.noise(300_000)
        let file = try Scratch.file(image, name: "noise.bin").path
        for every in [1000, 2000] {
            let state = Scratch.make().appendingPathComponent("module.state").path
            let run = try Bootwire.run([
                "flash", "--port", "virtual:qcc743,fault=corrupt=\(every),wire=instant,state=\(state)",
                "\(file)@0x10000", "--json",
            ])
            let hint = ((run.result?["error"] as? [String: Any])?["hint"] as? String ?? "").lowercased()
            #expect(!hint.contains("worn"), "corrupt=\(every): \(run.stdout.suffix(600))")
            if run.ok {
                let flash = [UInt8](try Data(contentsOf: URL(fileURLWithPath: state)))
                let written = Array(flash[0x10000..<0x10000 + image.count])
                #expect(written == image, "corrupt=\(every): success over wrong flash")
            }
        }
    }
}

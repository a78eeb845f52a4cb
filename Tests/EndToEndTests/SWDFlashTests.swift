import BootwireCore
import Foundation
import Testing

/// The ST-LINK/SWD path through `bootwire` against the in-process virtual ST-LINK: images in
/// every format, option bytes with confirmation, and the L476 field failures, each ending with
/// its own code and the registers it was concluded from.
@Suite(.serialized) struct SWDFlashTests {
    static let base: UInt64 = 0x0800_0000

    func state() -> String { Scratch.make().appendingPathComponent("chip.state").path }

    func hexFile(_ data: [UInt8], at address: UInt64) throws -> String {
        let plan = try FlashPlan(segments: [
            Segment(address: address, bytes: data, origin: Origin(file: "made", location: .whole))
        ])
        return try Scratch.file(Array(try IntelHex.write(plan).utf8), name: "app.hex").path
    }

    func elfFile(_ data: [UInt8], at address: UInt64) throws -> String {
        try Scratch.file(STM32FlashTests.elf(data, at: UInt32(address)), name: "app.elf").path
    }

    @Test(arguments: [
        "stlink-l476", "stlink-f4", "stlink-h563", "stlink-u575", "stlink-h723", "stlink-g474", "stlink-wb55",
    ])
    func hexAndELFAreProgrammedAndReadBackInAnotherRun(target: String) throws {
        let port = "virtual:\(target),state=\(state())"
        let first = firmwareLike(5000, seed: 3)
        let second = firmwareLike(70_001, seed: 4)
        let hex = try Bootwire.run(["flash", "--port", port, "--json", try hexFile(first, at: Self.base)])
        #expect(hex.ok, "\(hex.stdout)")
        #expect(hex.summary["verified"] == "yes")
        let elfAddress = Self.base + 0x2_0000
        let elf = try Bootwire.run(["flash", "--port", port, "--json", try elfFile(second, at: elfAddress)])
        #expect(elf.ok, "\(elf.stdout)")
        #expect(try Bootwire.readMemory(port, at: Self.base, count: first.count) == first)
        #expect(try Bootwire.readMemory(port, at: elfAddress, count: second.count) == second)
    }

    @Test(arguments: ["v2", "v3"])
    func everyProbeGenerationProgramsTheL476(probe: String) throws {
        let data = firmwareLike(9000, seed: 5)
        let file = try Scratch.file(data, name: "app.bin").path + "@0x08004000"
        let run = try Bootwire.run(["flash", "--port", "virtual:stlink-l476,\(probe)", "--json", file])
        #expect(run.ok, "\(run.stdout)")
    }

    /// The session statistics take the virtual bus's modelled time through the bus's own
    /// capability (the CLI no longer down-casts to the virtual bus).
    @Test func modelledTimeReachesTheSummary() throws {
        let file = try Scratch.file(firmwareLike(4096, seed: 6), name: "app.bin").path + "@0x08000000"
        let run = try Bootwire.run(["flash", "--port", "virtual:stlink-l476", "--json", file])
        #expect(run.ok, "\(run.stdout)")
        #expect((Double(run.summary["flash-modelled-seconds"] ?? "") ?? 0) > 0)
        #expect(Double(run.summary["usb-modelled-seconds"] ?? "") != nil)
    }

    @Test func tooOldProbeFirmwareIsNamed() throws {
        let run = try Bootwire.run(["info", "--port", "virtual:stlink-l476,v2,firmware=21", "--json"])
        #expect(run.errorCode == "stlink-firmware-too-old", "\(run.stdout)")
    }

    @Test func optionBytesAreDecodedAndChangedOnlyWithConfirmation() throws {
        let port = "virtual:stlink-l476,state=\(state())"
        let show = try Bootwire.run(["option-bytes", "show", "--port", port, "--json"])
        #expect(show.ok, "\(show.stdout)")
        #expect(show.summary["rdp"] == "level 0 (0xAA)")
        #expect(show.summary["dualbank"] == "1")
        #expect(show.summary["wrp1a"] == "none")
        let refused = try Bootwire.run(["option-bytes", "set", "wrp1a=0-7", "--port", port, "--json"])
        #expect(refused.errorCode == "confirmation-required")
        let unchanged = try Bootwire.run(["option-bytes", "show", "--port", port, "--json"])
        #expect(unchanged.summary["wrp1a"] == "none", "nothing changed without --yes")
        let set = try Bootwire.run(["option-bytes", "set", "wrp1a=0-7", "--yes", "--port", port, "--json"])
        #expect(set.ok, "\(set.stdout)")
        #expect(set.summary["reloaded"] == "yes")
        let after = try Bootwire.run(["option-bytes", "show", "--port", port, "--json"])
        #expect(after.summary["wrp1a"] == "pages 0-7 of bank 1")
        #expect(after.summary["WRP1AR"] == "0xff07ff00")
    }

    @Test func readoutProtectionIsExplainedAndRemovingItMassErases() throws {
        let port = "virtual:stlink-l476,state=\(state())"
        let file = try Scratch.file(firmwareLike(4000), name: "app.bin").path + "@0x08000000"
        #expect(try Bootwire.run(["flash", "--port", port, "--json", file]).ok)
        let protect = try Bootwire.run(["option-bytes", "set", "rdp=1", "--yes", "--port", port, "--json"])
        #expect(protect.ok, "\(protect.stdout)")
        #expect(protect.warningCodes.contains("option-bytes-need-power-cycle"))
        let refused = try Bootwire.run(["flash", "--port", port, "--json", file])
        #expect(refused.errorCode == "flash-read-protected")
        #expect(refused.status == ErrorCategory.protection.exitStatus)
        let evidence = (refused.result?["error"] as? [String: Any])?["evidence"] as? [String: String]
        #expect(evidence?["OPTR"] == "0xFFEFF8BB")
        #expect(evidence?["flash-read"] == "SWD_AP_FAULT (0x11)")
        let unconfirmed = try Bootwire.run(["option-bytes", "set", "rdp=0", "--port", port, "--json"])
        #expect(unconfirmed.errorCode == "confirmation-required")
        let unprotect = try Bootwire.run(["option-bytes", "set", "rdp=0", "--yes", "--port", port, "--json"])
        #expect(unprotect.ok, "\(unprotect.stdout)")
        #expect(
            try Bootwire.readMemory(port, at: Self.base, count: 4000).allSatisfy { $0 == 0xFF },
            "RDP 1 → 0 erased flash")
    }

    @Test func writeProtectedPagesAreNamedFromWRP1AR() throws {
        let file = try Scratch.file(firmwareLike(6000), name: "app.bin").path + "@0x08001000"
        let run = try Bootwire.run(["flash", "--port", "virtual:stlink-l476,wrp=2-5", "--json", file])
        #expect(run.errorCode == "flash-write-protected", "\(run.stdout)")
        let error = run.result?["error"] as? [String: Any]
        let evidence = error?["evidence"] as? [String: String]
        #expect(evidence?["WRP1AR"] == "0xFF05FF02")
        #expect(evidence?["FLASH_SR"] == "0x00000010")
        #expect(error?["hint"] as? String != nil)
        let mass = try Bootwire.run(["erase", "--mass", "--yes", "--port", "virtual:stlink-l476,wrp=2-5", "--json"])
        #expect(mass.errorCode == "flash-write-protected", "mass erase refused by the WRP area: \(mass.stdout)")
    }

    @Test func bankGeometryMismatchIsFoundAtTheFirstPageOfBank2() throws {
        let port = "virtual:stlink-l476,bank-mismatch,state=\(state())"
        let file = try Scratch.file(firmwareLike(300_000), name: "app.bin").path + "@0x08000000"
        let run = try Bootwire.run(["flash", "--port", port, "--json", file])
        #expect(run.errorCode == "flash-bank-mismatch", "\(run.stdout)")
        let evidence = (run.result?["error"] as? [String: Any])?["evidence"] as? [String: String]
        #expect(evidence?["address"] == "0x08040000")
        #expect(evidence?["OPTR"] == "0xFFEFF8AA")
        #expect(evidence?["FLASH_SR"].map { UInt32($0.dropFirst(2), radix: 16)! & 0x8 != 0 } == true, "PROGERR")
        // The next process is a power-on: the loaded single-bank layout shows in OPTR and flashing works.
        let again = try Bootwire.run(["flash", "--port", port, "--json", file])
        #expect(again.ok, "\(again.stdout)")
    }

    @Test func staleFlagsAreClearedAndReported() throws {
        let file = try Scratch.file(firmwareLike(100), name: "app.bin").path + "@0x08000000"
        let run = try Bootwire.run(["flash", "--port", "virtual:stlink-l476,optverr", "--json", file])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.warningCodes.contains("flash-stale-errors"))
    }

    @Test func firmwareThatDisablesSWDIsReachedUnderReset() throws {
        let file = try Scratch.file(firmwareLike(3000), name: "app.bin").path + "@0x08000000"
        let run = try Bootwire.run([
            "flash", "--port", "virtual:stlink-l476,swd-disabled", "--json", file, "--go", "0x08000000",
        ])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.warningCodes.contains("swd-connected-under-reset"))
        #expect(run.summary["connected"] == "under reset")
    }

    @Test func aWaitStormLowersTheClockAndSucceeds() throws {
        let file = try Scratch.file(firmwareLike(3000), name: "app.bin").path + "@0x08000000"
        let run = try Bootwire.run(["flash", "--port", "virtual:stlink-l476,wait-storm", "--json", file])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.warningCodes.contains("swd-clock-reduced"))
        #expect(Int(run.summary["swd-khz"] ?? "") ?? 9999 <= 480)
    }

    @Test func aPulledCableEndsWithDeviceDisconnected() throws {
        let file = try Scratch.file(firmwareLike(30_000), name: "app.bin").path + "@0x08000000"
        let run = try Bootwire.run(["flash", "--port", "virtual:stlink-l476,usb-disconnect-after=60", "--json", file])
        #expect(run.errorCode == "device-disconnected", "\(run.stdout)")
    }
}

extension SWDFlashTests {
    @Test func aReadProtectedF4IsExplainedFromOPTCR() throws {
        let file = try Scratch.file(firmwareLike(100), name: "app.bin").path + "@0x08000000"
        let run = try Bootwire.run(["flash", "--port", "virtual:stlink-f4,rdp1", "--json", file])
        #expect(run.errorCode == "flash-read-protected", "\(run.stdout)")
        let evidence = (run.result?["error"] as? [String: Any])?["evidence"] as? [String: String]
        #expect(evidence?["FLASH_OPTCR"] == "0x0FFFBBED")
    }

    @Test func theWRPHintNamesTheFieldToClear() throws {
        let file = try Scratch.file(firmwareLike(100), name: "app.bin").path + "@0x08000000"
        let run = try Bootwire.run(["flash", "--port", "virtual:stlink-l476,wrp=0-3", "--json", file])
        let hint = (run.result?["error"] as? [String: Any])?["hint"] as? String
        #expect(hint?.contains("option-bytes set wrp1a=none") == true, "\(run.stdout)")
    }
}

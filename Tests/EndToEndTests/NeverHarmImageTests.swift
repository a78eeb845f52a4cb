import Foundation
import QCC743
import Testing

/// Issue #23 ("Never harm"), items 5, 7 and 11, end to end against virtual modules: a skip_mode
/// region survives a flash, a damaged boot header is refused on a signed-boot module before
/// anything is erased (and warned about on an unlocked one), and a noisy line that garbles frame
/// headers still flashes.
@Suite struct NeverHarmImageTests {
    static let module = "virtual:qcc743,wire=instant"
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("../shared/fixtures/st67w61").standardizedFileURL
    static let fixturesAvailable = FileManager.default.fileExists(
        atPath: fixtures.appendingPathComponent("partition.bin").path)
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/qcc743/flash_prog_cfg.ini")

    // MARK: item 5, skip_mode

    /// A 4 MiB flash state with `kept` in the skip region and old data elsewhere.
    static let region = 0x11000..<0x12000
    static let kept = firmwareLike(region.count, seed: 9)

    func stateWithKeptRegion(_ folder: URL) throws -> URL {
        var flash = [UInt8](repeating: 0xFF, count: 4 << 20)
        flash.replaceSubrange(Self.region, with: Self.kept)
        flash.replaceSubrange(0x300000..<0x301000, with: firmwareLike(0x1000, seed: 4))  // old data
        let state = folder.appendingPathComponent("flash.state")
        try Data(flash).write(to: state)
        return state
    }

    @Test(arguments: [1, 2])
    func aSkipModeRegionInsideAnImageIsNeitherErasedNorWritten(erase: Int) throws {
        let folder = Scratch.make()
        let firmware = firmwareLike(0x3000, seed: 3)  // 0x10000..0x13000, over the region
        try Data(firmware).write(to: folder.appendingPathComponent("fw.bin"))
        try """
        [cfg]
        erase = \(erase)
        skip_mode = 0x11000, 0x1000

        [FW]
        filedir = ./fw.bin
        address = 0x10000
        """.write(to: folder.appendingPathComponent("flash_prog_cfg.ini"), atomically: true, encoding: .utf8)
        let state = try stateWithKeptRegion(folder)
        let run = try Bootwire.run([
            "flash", "--port", Self.module + ",state=\(state.path)", "--config",
            folder.appendingPathComponent("flash_prog_cfg.ini").path, "--json",
        ])
        #expect(run.ok, "\(run.stdout)")
        let flash = [UInt8](try Data(contentsOf: state))
        #expect(Array(flash[Self.region]) == Self.kept)
        #expect(Array(flash[0x10000..<0x11000]) == Array(firmware[0..<0x1000]))
        #expect(Array(flash[0x12000..<0x13000]) == Array(firmware[0x2000...]))
        // erase = 2: erased everywhere else, the region excepted.
        #expect(flash[0x300000..<0x301000].allSatisfy { $0 == 0xFF } == (erase == 2))
    }

    @Test func aSkipModeRegionThatShareASectorWithAnImageIsBadConfigBeforeThePortOpens() throws {
        let folder = Scratch.make()
        try Data(firmwareLike(0x3000, seed: 3)).write(to: folder.appendingPathComponent("fw.bin"))
        try "[cfg]\nerase = 1\nskip_mode = 0x11100, 0x100\n[FW]\nfiledir = ./fw.bin\naddress = 0x10000\n".write(
            to: folder.appendingPathComponent("flash_prog_cfg.ini"), atomically: true, encoding: .utf8)
        // No such port: refused before it is opened.
        let run = try Bootwire.run([
            "flash", "--port", "/dev/ttyNOSUCHPORT", "--config",
            folder.appendingPathComponent("flash_prog_cfg.ini").path, "--json",
        ])
        #expect(run.errorCode == "bad-config", "\(run.stdout)")
    }

    // MARK: item 7, boot headers

    /// ST's boot2, with one header field changed (or the body cut short).
    static func damagedSTBoot2(_ mutation: String) throws -> [UInt8] {
        var bytes = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("st67w611m_boot2_v8.1.9.bin")))
        switch mutation {
        case "magic": bytes[0] ^= 0x01
        case "hash": bytes[136] ^= 0x01
        case "length": bytes[132] &+= 0x10
        case "flash-config": bytes[12 + 13] = 0xEF
        case "clock-config": bytes[104] ^= 0x02
        case "truncated": bytes.removeLast(100)
        default: break
        }
        return bytes
    }

    @Test(
        .enabled(if: fixturesAvailable),
        arguments: ["magic", "hash", "length", "flash-config", "clock-config", "truncated"])
    func aDamagedSTBoot2IsRefusedOnASignedBootModuleBeforeAnyErase(mutation: String) throws {
        let folder = Scratch.make()
        let file = try Scratch.file(try Self.damagedSTBoot2(mutation), name: "boot2.bin")
        let state = folder.appendingPathComponent("flash.state")
        let run = try Bootwire.run([
            "flash", "--port", Self.module + ",fault=locked,state=\(state.path)", "\(file.path)@0x0", "--json",
        ])
        #expect(run.errorCode == "bad-boot-header", "\(run.stdout)")
        let flash = (try? Data(contentsOf: state)).map { [UInt8]($0) } ?? []
        #expect(flash.allSatisfy { $0 == 0xFF }, "nothing was erased or written")
    }

    @Test(.enabled(if: fixturesAvailable))
    func anIntactSTBoot2PassesOnASignedBootModule() throws {
        let file = try Scratch.file(try Self.damagedSTBoot2("none"), name: "boot2.bin")
        let run = try Bootwire.run(["flash", "--port", Self.module + ",fault=locked", "\(file.path)@0x0", "--json"])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.summary["verified"] == "yes")
        #expect(!run.warningCodes.contains("bad-boot-header"))
    }

    /// Without ST's files: a header built here, its hash field changed.
    @Test func aDamagedSyntheticHeaderIsRefusedOnSignedBootAndWarnedOnUnlocked() throws {
        var image = try UnsignedImageBuilder().image(body: firmwareLike(6000, seed: 5))
        let intact = try Scratch.file(image, name: "intact.bin")
        image[136] ^= 0x01
        let damaged = try Scratch.file(image, name: "damaged.bin")
        let locked = try Bootwire.run([
            "flash", "--port", Self.module + ",fault=locked", "\(damaged.path)@0x0", "--json",
        ])
        #expect(locked.errorCode == "bad-boot-header", "\(locked.stdout)")
        let unlocked = try Bootwire.run(["flash", "--port", Self.module, "\(damaged.path)@0x0", "--json"])
        #expect(unlocked.ok, "\(unlocked.stdout)")
        #expect(unlocked.warningCodes.contains("bad-boot-header"))
        let clean = try Bootwire.run(["flash", "--port", Self.module, "\(intact.path)@0x0", "--json"])
        #expect(clean.ok && !clean.warningCodes.contains("bad-boot-header"), "\(clean.stdout)")
    }

    // MARK: item 11, garbled frames

    /// Under both readings of what the ROM does with 0x55 between frames (UNCONFIRMED), a
    /// garbled frame is resent in step with the ROM's parser: no reconnect, no device reset
    /// (under `stray-55=frame` the fill alone once left up to three bytes of a header behind,
    /// and each garbled header cost a reconnect: 38 s instead of 1.9 s).
    @Test(arguments: ["stray-55=skip", "stray-55=frame"])
    func theExamplesIniFlashesOverALineThatGarblesFrames(rom: String) throws {
        let run = try Bootwire.run([
            "flash", "--port", "virtual:qcc743,wire=instant,fault=corrupt=2500,\(rom)", "--config",
            Self.examples.path, "--json",
        ])
        #expect(run.ok, "\(run.stdout.suffix(2000))")
        #expect(run.warningCodes.contains("line-noise"))
        let reconnected = run.warningCodes.contains("device-reset") || run.warningCodes.contains("interrupted-session")
        #expect(!reconnected, "\(rom): \(run.warningCodes)")
    }
}

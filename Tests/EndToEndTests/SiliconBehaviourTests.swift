import BootwireCore
import Foundation
import QCC743
import Testing
import VirtualDevices

/// Bootwire against every plausible boot ROM (the silicon notes' switches, `ROMBehaviour`): the
/// behaviours code proven on BL616-family silicon shows and our first virtual module lacked.
@Suite struct SiliconBehaviourTests {
    /// The pessimistic side of each switch alone, and all of them at once. (`idle-ms` and
    /// `hash-rate` default to the measured values; the confirmation tests exercise idle.)
    static let settings = [
        "silicon", "ack=before", "clk-deaf-ms=100", "pd=none", "pd=sector", "boot-info=a0", "erase-times=max",
    ]

    static func romArguments(_ rom: String) -> [String] { rom == "default" ? [] : ["--rom", rom] }

    /// The mission set compressed once for all ROMs (xz is most of a session's CPU), and the
    /// flash it should leave.
    static let missionSet = Result { () throws -> ([PreparedImage], [UInt8]) in
        var expected = [UInt8](repeating: 0xFF, count: 4 << 20)
        var images: [FlashImage] = []
        for (name, address) in Fixtures.mission {
            let bytes = try Fixtures.bytes(name)
            expected.replaceSubrange(address..<(address + bytes.count), with: bytes)
            images.append(FlashImage(name: name, address: address, data: bytes))
        }
        return (PreparedImage.prepare(images, compressAbove: BouffaloChip.qcc743.compressAbove), expected)
    }

    /// ST's mission_t02 set with littlefs, paced at the baud so that ack order, PD, deaf time
    /// and erase times bite: flashed and proven, then a second session at once on a module
    /// without reset lines (no reset when the link opens), which is still in its ROM at 2 Mbaud.
    /// In memory on a simulated clock, so the modelled minutes cost no wall-clock time.
    @Test(.enabled(if: Fixtures.present), arguments: ["default"] + settings)
    func theMissionSetFlashesAndASessionFollowsAtOnce(rom: String) throws {
        let (prepared, expected) = try Self.missionSet.get()
        var configuration = VirtualQCC743.Configuration()
        configuration.rom = try ROMBehaviour.parse(rom == "default" ? [] : [rom])
        let model = VirtualQCC743(configuration: configuration)
        let clock = SimulatedClock()
        let port = VirtualLink(device: model, wire: .realistic, clock: clock)
        let pipeline = FlashPipeline(options: FlashOptions(), events: { _ in }, confirm: { _ in })
        let loadBaud = try QCC743Session.run(link: port, options: ConnectOptions(), events: { _ in }) { session in
            try pipeline.run(prepared, on: ModuleFlashTarget(session: session, efuseImage: nil))
            return session.identity.loadBaud
        }
        #expect(
            FaultCampaignTests.same(model.flash.bytes, expected), "\(rom): the flash is not ST's set on erased flash")
        // What the CLI's adapter memory passes on: the rate the last session left the ROM at.
        let next = VirtualLink(device: model, wire: .realistic, clock: clock, resetOnOpen: false)
        var options = ConnectOptions()
        options.previousSessionBaud = loadBaud
        let session = try QCC743Session.connect(link: next, options: options, events: { _ in })
        #expect(session.identity.flashSize == 4 << 20)
    }

    /// The same through the binary and ptys, unpaced (each ROM's timing is proven above in
    /// simulated time): `flash --config`, then `info` at once through the adapter memory.
    @Test(.enabled(if: Fixtures.present)) func theMissionSetFlashesAndInfoFollowsAtOnceThroughTheCLI() throws {
        var expected = [UInt8](repeating: 0xFF, count: 4 << 20)
        for (name, address) in Fixtures.mission {
            let bytes = try Fixtures.bytes(name)
            expected.replaceSubrange(address..<(address + bytes.count), with: bytes)
        }
        let emulator = try Emulator(["--no-reset-on-open"])
        let cache = Scratch.make()
        let flash = try Bootwire.run(
            ["flash", "--port", emulator.port, "--config", Fixtures.path("mission_t02_flash_prog_cfg.ini"), "--json"],
            timeout: 240, cache: cache)
        #expect(flash.ok, "\(flash.stdout.suffix(600))")
        let info = try Bootwire.run(["info", "--port", emulator.port, "--json"], cache: cache)
        #expect(
            info.status == 0 && (info.result?["info"] as? [String: Any])?["bootROM"] != nil,
            "\(info.stdout.suffix(600))")
        let (dump, _) = try emulator.stop()
        #expect(FaultCampaignTests.same(dump, expected), "the flash is not ST's set on erased flash")
    }

    /// flash, read, erase and an eFuse burn under each ROM, through the library in memory on a
    /// simulated clock (the protocol, not the timing): one device keeps the state throughout.
    @Test(arguments: settings)
    func everyOperationWorksUnderEachROM(rom: String) throws {
        var configuration = VirtualQCC743.Configuration()
        configuration.rom = try ROMBehaviour.parse([rom])
        let model = VirtualQCC743(configuration: configuration)
        let port = VirtualLink(device: model)
        let image = firmwareLike(70_000, seed: 21)
        var options = FlashOptions()
        options.erase = .chip
        let pipeline = FlashPipeline(options: options, events: { _ in }, confirm: { _ in })
        let prepared = PreparedImage.prepare(
            [FlashImage(name: "app", address: 0x10000, data: image)], compressAbove: BouffaloChip.qcc743.compressAbove)
        let efuse = Fixtures.present ? try EfuseImage.load(path: Fixtures.path("efusedata.bin")) : nil
        try QCC743Session.run(link: port, options: ConnectOptions(), events: { _ in }) { session in
            try pipeline.run(prepared, on: ModuleFlashTarget(session: session, efuseImage: nil))
            #expect(try session.read(address: 0x10000, length: image.count, label: "read") == image, "\(rom)")
            try session.erase(start: 0x10000, end: 0x12000)
            #expect(try session.read(address: 0x10000, length: 0x2000, label: "read").allSatisfy { $0 == 0xFF })
            if let efuse { try EfuseBurn.burn(efuse, on: session) }
        }
        #expect(Array(model.flash.bytes[0x12000..<(0x10000 + image.count)]) == Array(image[0x2000...]))
        if let efuse { #expect(efuse.readBackSatisfied(by: model.efuse), "\(rom)") }
    }

    /// The same commands through the binary, one emulator keeping the state from command to
    /// command, under the ROM with every pessimistic switch at once (each alone is above).
    @Test(arguments: ["silicon"])
    func everyCommandWorksUnderEachROM(rom: String) throws {
        let emulator = try Emulator(Self.romArguments(rom))
        let image = firmwareLike(70_000, seed: 21)
        let file = try Scratch.file(image)
        let flash = try Bootwire.run(
            ["flash", "--port", emulator.port, "--json", "--erase", "chip", "\(file.path)@0x10000"])
        #expect(flash.ok, "\(rom): \(flash.stdout.suffix(400))")
        #expect(try Bootwire.readMemory(emulator.port, at: 0x10000, count: image.count) == image)
        let erase = try Bootwire.run([
            "erase", "--port", emulator.port, "--start", "0x10000", "--end", "0x12000", "--json",
        ])
        #expect(erase.ok, "\(rom): \(erase.stdout.suffix(400))")
        #expect(try Bootwire.readMemory(emulator.port, at: 0x10000, count: 0x2000).allSatisfy { $0 == 0xFF })
        let info = try Bootwire.run(["info", "--port", emulator.port, "--json"])
        #expect(info.status == 0, "\(rom): \(info.stdout.suffix(400))")
        if Fixtures.present {
            let burn = try Bootwire.run([
                "efuse", "burn", Fixtures.path("efusedata.bin"), "--port", emulator.port, "--json", "--yes",
            ])
            #expect(burn.ok, "\(rom): \(burn.stdout.suffix(400))")
        }
        let (flashed, efuse) = try emulator.stop()
        #expect(Array(flashed[0x12000..<(0x10000 + image.count)]) == Array(image[0x2000...]))
        if Fixtures.present {
            #expect(try EfuseImage.load(path: Fixtures.path("efusedata.bin")).readBackSatisfied(by: efuse))
        }
    }

    /// A person types `yes` 5 s after the question; the ROM gives up after 2 s of silence
    /// (`idle-ms`), so the CLI must hold the session meanwhile. Through the binary and a pty, so
    /// on the wall clock; the hold itself is proven for minutes in simulated time below.
    @Test(.enabled(if: Fixtures.present))
    func aTypedConfirmationLongAfterTheQuestionStillBurns() throws {
        let emulator = try Emulator(["--rom", "silicon,idle-ms=2000"])
        let run = try TypedAnswer.run(
            ["efuse", "burn", Fixtures.path("efusedata.bin"), "--port", emulator.port, "--json"],
            answer: "yes", after: 5)
        #expect(run.ok, "\(run.stdout.suffix(600))\(run.stderr.suffix(600))")
        #expect(Int(run.summary["bits-burned"] ?? "0") ?? 0 > 100)
        let (_, efuse) = try emulator.stop()
        #expect(try EfuseImage.load(path: Fixtures.path("efusedata.bin")).readBackSatisfied(by: efuse))
    }

    /// The library's hold, without the CLI, in simulated time: a person answering after 2.5 s,
    /// a minute or ten keeps the ROM (2 s idle timeout); the same silence without a hold loses it.
    @Test(arguments: [2.5, 60, 600])
    func aHeldSessionOutlivesTheROMsIdleTimeoutAndAnUnheldOneDoesNot(seconds: Double) throws {
        var configuration = VirtualQCC743.Configuration()
        configuration.idleTimeoutMilliseconds = 2000
        let clock = SimulatedClock()
        let port = VirtualLink(device: VirtualQCC743(configuration: configuration), clock: clock)
        var options = ConnectOptions()
        options.patience = 0
        let session = try QCC743Session.connect(link: port, options: options, events: { _ in })
        let started = clock.now()
        let answer = try session.holding { () -> Int in
            clock.sleep(seconds: seconds)
            return 42
        }
        #expect(answer == 42)
        #expect(clock.seconds(since: started) >= seconds)
        #expect(try session.readEfuse(address: 0, length: 4).count == 4)
        clock.sleep(milliseconds: 2500)
        #expect { try session.readEfuse(address: 0, length: 4) } throws: {
            ($0 as? BootwireError)?.code == .timeout
        }
    }

    /// A module without reset lines, left in its ROM at 2 Mbaud by the last session: the next
    /// command finds it there (adapter memory), or after the ROM's idle timeout without it.
    @Test(arguments: [true, false])
    func theNextCommandFindsAModuleLeftInItsROM(remembered: Bool) throws {
        let emulator = try Emulator(["--no-reset-on-open", "--rom", "silicon"])
        let file = try Scratch.file(firmwareLike(9000, seed: 4))
        let cache = Scratch.make()
        let flash = try Bootwire.run(
            ["flash", "--port", emulator.port, "--json", "\(file.path)@0x10000"], cache: cache)
        #expect(flash.ok)
        let info = try Bootwire.run(["info", "--port", emulator.port, "--json"], cache: remembered ? cache : nil)
        #expect(info.status == 0, "\(info.stdout.suffix(400))")
        _ = try emulator.stop()
    }

    /// Nothing answers where the last session left the module either (it was unplugged): the
    /// error says so, not "put the module in its boot ROM".
    @Test func aSilentModuleAfterASessionIsNotBlamedOnTheBootPins() throws {
        let emulator = try Emulator(["--fault", "silent"])
        let cache = Scratch.make()
        let memory = AdapterMemory(path: cache.appendingPathComponent("bootwire/adapters.json").path)
        memory.rememberSession(port: emulator.port, baud: 2_000_000)
        let info = try Bootwire.run(["info", "--port", emulator.port, "--json"], cache: cache)
        #expect(info.errorCode == "no-response")
        let evidence = (info.result?["error"] as? [String: Any])?["evidence"] as? [String: String] ?? [:]
        #expect(evidence["previous-session-baud"] == "2000000")
        let fresh = try Bootwire.run(["info", "--port", emulator.port, "--json"])
        #expect(fresh.errorCode == "no-response")
        let freshEvidence = (fresh.result?["error"] as? [String: Any])?["evidence"] as? [String: String] ?? [:]
        #expect(freshEvidence["previous-session-baud"] == nil)
        _ = try emulator.stop()
    }

    /// A hash that outlasts its wait is never sent again: a second one would queue behind the
    /// first on a ROM still hashing.
    @Test func aHashThatOutlastsItsWaitIsNotSentAgain() throws {
        var configuration = VirtualQCC743.Configuration()
        configuration.rom = try ROMBehaviour.parse(["hash-rate=100000"])
        let model = VirtualQCC743(configuration: configuration)
        let lines = LineLog()
        model.log = { lines.add($0) }
        let clock = SimulatedClock()
        let port = VirtualLink(device: model, wire: .realistic, clock: clock)
        var options = ConnectOptions()
        options.patience = 0  // 0.7 s for 200 kB, which this ROM hashes in 2 s
        let session = try QCC743Session.connect(link: port, options: options, events: { _ in })
        #expect { try session.sha256(address: 0, length: 200_000) } throws: {
            ($0 as? BootwireError)?.code == .timeout
        }
        // The device takes bytes as they are written (in memory): any second hash is logged by now.
        #expect(lines.all.filter { $0.hasPrefix("flash_xip_readSha") }.count == 1, "\(lines.all)")
    }
}

/// Runs bootwire with a pseudo-terminal as its stdin (so it asks), and types `answer` there
/// `after` seconds after the question appears on stderr.
enum TypedAnswer {
    static func run(_ arguments: [String], answer: String, after delay: Double) throws -> BootwireRun {
        let terminal = try PseudoTerminal()
        let stdin = try #require(FileHandle(forUpdatingAtPath: terminal.slavePath))
        let process = Process()
        process.executableURL = Bootwire.executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment["XDG_CACHE_HOME"] = Scratch.make().path
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        try process.run()
        let errText = LineLog()
        let errReader = Thread {
            while true {
                let data = err.fileHandleForReading.availableData
                if data.isEmpty { break }
                errText.add(String(decoding: data, as: UTF8.self))
            }
        }
        errReader.start()
        nonisolated(unsafe) var outData = Data()
        let outReader = Thread { outData = out.fileHandleForReading.readDataToEndOfFile() }
        outReader.start()
        let asked = Date().addingTimeInterval(30)
        while !errText.all.joined().contains("Type yes") && Date() < asked && process.isRunning { usleep(20_000) }
        Thread.sleep(forTimeInterval: delay)
        terminal.write(Array((answer + "\n").utf8))
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        while !outReader.isFinished || !errReader.isFinished { usleep(1000) }
        return BootwireRun(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: errText.all.joined())
    }
}

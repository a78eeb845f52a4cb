import Foundation
import Testing

/// One suite, every route: the flash pipeline's rules hold on the module's boot ROM, the STM32
/// UART bootloader, DfuSe and ST-LINK/SWD alike. Each case is a virtual device whose state
/// lives in a file, so what a run left behind is compared byte for byte.
struct FlashConformanceTests {
    struct Route: CustomStringConvertible, Sendable {
        var name: String
        /// The port spec without options.
        var device: String
        /// Options every run of this route adds (e.g. an instant wire).
        var options: [String] = []
        /// Where test images go.
        var base: Int
        /// The fault that pulls the cable part-way through a 48 KiB write.
        var cut: String
        /// Whether the route compares unchanged images cheaply (so a re-flash skips them).
        var skipsUnchanged = true

        var description: String { name }

        func port(state: URL, extra: [String] = []) -> String {
            ([device] + options + ["state=\(state.path)"] + extra).joined(separator: ",")
        }
    }

    static let routes: [Route] =
        [
            Route(
                name: "qcc743", device: "virtual:qcc743", options: ["wire=instant"], base: 0x10_0000,
                cut: "disconnect-after=30000"),
            // The L476's bootloader does not list Get Checksum: nothing cheaper than writing compares.
            Route(
                name: "stm32l476", device: "virtual:stm32l476", options: ["wire=instant"], base: 0x0800_0000,
                cut: "disconnect-after=20000", skipsUnchanged: false),
            Route(name: "dfu-l476", device: "virtual:dfu-l476", base: 0x0800_0000, cut: "usb-disconnect-after=60"),
            Route(name: "dfu-wb55", device: "virtual:dfu-wb55", base: 0x0800_0000, cut: "usb-disconnect-after=60"),
            Route(
                name: "stlink-l476", device: "virtual:stlink-l476", base: 0x0800_0000, cut: "usb-disconnect-after=120"),
            Route(name: "stlink-f4", device: "virtual:stlink-f4", base: 0x0800_0000, cut: "usb-disconnect-after=120"),
        ]
        // The ST67 hosts. Cortex-M33/M7 reads go in 1 KiB pieces (M4: 4 KiB) and the H723's
        // compare reads its whole 128 KiB sector, so the cable is pulled later to land in the
        // write, not in the compare.
        // The 1 MiB H743 (bank 2 after a hole) reads as the H723 does; the H750's one 128 KiB
        // sector leaves the suite no second unit, so H7SWDTests covers it. The lines whose flash
        // differs from their family's first part (issue 25) run too, but the 256 KiB G473, whose
        // hole begins at 0x08020000 where the interrupted-session case puts its second image
        // (PartGeometryTests covers it).
        + [
            ("h563", 300), ("u575", 300), ("h723", 700), ("g474", 120), ("wb55", 120), ("h743zg", 700),
            ("g491", 120), ("wb15", 120), ("u535", 300),
        ].map {
            Route(
                name: "stlink-\($0.0)", device: "virtual:stlink-\($0.0)", base: 0x0800_0000,
                cut: "usb-disconnect-after=\($0.1)")
        }

    static func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }

    static func hex(_ value: Int) -> String { "0x" + String(value, radix: 16) }

    func flash(_ route: Route, state: URL, _ images: [String], cache: URL, extra: [String] = [], flags: [String] = [])
        throws -> BootwireRun
    {
        try Bootwire.run(
            ["flash", "--port", route.port(state: state, extra: extra)] + images + flags + ["--json"], timeout: 120,
            cache: cache)
    }

    @Test("--dry-run changes nothing and lists the plan", arguments: routes)
    func dryRunTouchesNothing(route: Route) throws {
        let folder = Scratch.make()
        let state = folder.appendingPathComponent("state.bin")
        let cache = Scratch.make()
        let first = try Scratch.file(Self.random(6000, seed: 1), name: "a.bin")
        let second = try Scratch.file(Self.random(6000, seed: 2), name: "b.bin")
        let setup = try flash(route, state: state, ["\(first.path)@\(Self.hex(route.base))"], cache: cache)
        #expect(setup.ok, "\(setup.stdout)\(setup.stderr)")
        let before = try Data(contentsOf: state)
        let dry = try flash(
            route, state: state, ["\(second.path)@\(Self.hex(route.base))"], cache: cache, flags: ["--dry-run"])
        #expect(dry.ok, "\(dry.stdout)\(dry.stderr)")
        #expect(dry.summary["dry-run"] != nil)
        #expect(dry.summary["would-write"] == "1")
        #expect(dry.summary["would-erase"]?.hasPrefix(Self.hex(route.base)) == true, "\(dry.summary)")
        #expect(try Data(contentsOf: state) == before, "a dry run changed the device")
    }

    @Test("bad inputs are refused before the port opens", arguments: routes)
    func badInputsRefusedBeforeThePortOpens(route: Route) throws {
        let folder = Scratch.make()
        let state = folder.appendingPathComponent("state.bin")
        let empty = try Scratch.file([], name: "empty.bin")
        let one = try Scratch.file(Self.random(5000, seed: 3), name: "one.bin")
        let cases: [([String], String)] = [
            (["\(empty.path)@\(Self.hex(route.base))"], "bad-image"),
            (["\(folder.path)@\(Self.hex(route.base))"], "bad-image"),
            ([folder.appendingPathComponent("missing.bin").path + "@\(Self.hex(route.base))"], "file-not-found"),
            (["\(one.path)@\(Self.hex(route.base))", "\(one.path)@\(Self.hex(route.base + 0x800))"], "image-overlap"),
        ]
        for (images, code) in cases {
            let run = try flash(route, state: state, images, cache: Scratch.make())
            #expect(run.errorCode == code, "\(images): \(run.stdout)")
            #expect(!FileManager.default.fileExists(atPath: state.path), "the port was opened for \(images)")
        }
    }

    @Test("a re-flash of what the device holds is skipped; --force writes it", arguments: routes)
    func unchangedImagesAreSkipped(route: Route) throws {
        let state = Scratch.make().appendingPathComponent("state.bin")
        let cache = Scratch.make()
        let image = try Scratch.file(Self.random(9000, seed: 4), name: "app.bin")
        let argument = "\(image.path)@\(Self.hex(route.base))"
        #expect(try flash(route, state: state, [argument], cache: cache).ok)
        let again = try flash(route, state: state, [argument], cache: cache)
        #expect(again.ok)
        #expect(again.summary["skipped"] == (route.skipsUnchanged ? "1" : "0"), "\(again.summary)")
        let forced = try flash(route, state: state, [argument], cache: cache, flags: ["--force"])
        #expect(forced.summary["written"] == "1", "\(forced.summary)")
    }

    @Test("an unaligned erase is widened to whole units and says so", arguments: routes)
    func unalignedEraseIsWidened(route: Route) throws {
        let state = Scratch.make().appendingPathComponent("state.bin")
        let cache = Scratch.make()
        let image = try Scratch.file(Self.random(3000, seed: 5), name: "app.bin")
        #expect(try flash(route, state: state, ["\(image.path)@\(Self.hex(route.base))"], cache: cache).ok)
        let run = try Bootwire.run(
            [
                "erase", "--port", route.port(state: state), "--start", Self.hex(route.base + 1), "--end",
                Self.hex(route.base + 2), "--json",
            ], cache: cache)
        #expect(run.ok, "\(run.stdout)")
        #expect(run.summary["requested"] == "\(Self.hex(route.base + 1))..\(Self.hex(route.base + 2))")
        let erased = (run.summary["erased"] ?? "").components(separatedBy: "..")
        #expect(erased.first == Self.hex(route.base), "\(run.summary)")
        let end = Int(erased.last?.dropFirst(2) ?? "", radix: 16) ?? route.base
        #expect(end > route.base + 2 && end - route.base <= 128 * 1024, "\(run.summary)")
        let back = try Bootwire.readMemory(route.port(state: state), at: UInt64(route.base), count: end - route.base)
        #expect(back.allSatisfy { $0 == 0xFF }, "the widened unit was not erased")
    }

    @Test("an interrupted session's ranges stay recorded until proven, whatever runs in between", arguments: routes)
    func interruptedThenDifferentImages(route: Route) throws {
        let state = Scratch.make().appendingPathComponent("state.bin")
        let cache = Scratch.make()
        let big = try Scratch.file(Self.random(48 * 1024, seed: 6), name: "big.bin")
        let small = try Scratch.file(Self.random(4096, seed: 7), name: "small.bin")
        let bigArgument = "\(big.path)@\(Self.hex(route.base))"
        let smallArgument = "\(small.path)@\(Self.hex(route.base + 0x20000))"
        let cut = try flash(route, state: state, [bigArgument], cache: cache, extra: [route.cut])
        #expect(!cut.ok, "the cable was not pulled: \(cut.summary)")
        let journals = cache.appendingPathComponent("bootwire/sessions")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: journals.path))?.isEmpty == false)
        let other = try flash(route, state: state, [smallArgument], cache: cache)
        #expect(other.ok, "\(other.stdout)")
        #expect(other.warningCodes.contains("interrupted-session"))
        #expect(other.summary["still-unproven"] != nil, "\(other.summary)")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: journals.path))?.isEmpty == false)
        let repair = try flash(route, state: state, [bigArgument], cache: cache)
        #expect(repair.ok, "\(repair.stdout)")
        #expect(repair.summary["written"] == "1")
        #expect(repair.summary["still-unproven"] == nil, "\(repair.summary)")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: journals.path))?.isEmpty != false)
        let back = try Bootwire.readMemory(route.port(state: state), at: UInt64(route.base), count: 48 * 1024)
        #expect(back == Self.random(48 * 1024, seed: 6))
    }

    @Test("a station of several ports on one route", arguments: routes)
    func stationOfSeveralPorts(route: Route) throws {
        let folder = Scratch.make()
        let report = folder.appendingPathComponent("station.jsonl")
        let image = try Scratch.file(Self.random(5000, seed: 8), name: "app.bin")
        let ports = (0..<3).flatMap { ["--port", route.port(state: folder.appendingPathComponent("s\($0).bin"))] }
        let run = try Bootwire.run(
            ["flash"] + ports + ["\(image.path)@\(Self.hex(route.base))", "--report", report.path, "--json"],
            timeout: 120, cache: Scratch.make())
        #expect(run.ok, "\(run.stdout)")
        #expect(run.summary["succeeded"] == "3", "\(run.summary)")
        let lines = try String(contentsOf: report, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        for index in 0..<3 {
            let back = try Bootwire.readMemory(
                route.port(state: folder.appendingPathComponent("s\(index).bin")), at: UInt64(route.base), count: 5000)
            #expect(back == Self.random(5000, seed: 8))
        }
    }

    @Test func anIniSectionNamingAnEmptyFileIsRefusedBeforeThePortOpens() throws {
        let folder = Scratch.make()
        try Data().write(to: folder.appendingPathComponent("littlefs.bin"))
        try Data(Self.random(5000, seed: 9)).write(to: folder.appendingPathComponent("fw.bin"))
        let ini = folder.appendingPathComponent("flash_prog_cfg.ini")
        try """
        [cfg]
        erase = 2

        [FW]
        filedir = ./fw.bin
        address = 0x10000

        [littlefs]
        filedir = ./littlefs.bin
        address = 0x378000
        """.write(to: ini, atomically: true, encoding: .utf8)
        let state = folder.appendingPathComponent("state.bin")
        let run = try Bootwire.run(
            ["flash", "--port", "virtual:qcc743,wire=instant,state=\(state.path)", "--config", ini.path, "--json"],
            cache: Scratch.make())
        #expect(run.errorCode == "bad-image", "\(run.stdout)")
        #expect(!FileManager.default.fileExists(atPath: state.path), "the port was opened")
    }

    @Test("--config and --efuse are the module's; an STM32 route refuses them", arguments: routes.dropFirst())
    func moduleOnlyOptionsAreRefusedOnSTM32Routes(route: Route) throws {
        let image = try Scratch.file(Self.random(100, seed: 10), name: "app.bin")
        let run = try Bootwire.run(
            ["flash", "--port", route.device, "\(image.path)@\(Self.hex(route.base))", "--efuse", image.path, "--json"])
        #expect(run.errorCode == "usage", "\(run.stdout)")
    }
}

/// Waits until `process` holds `path` open (its /proc fd table names the file): a loaded machine
/// may take longer than any fixed sleep to start it.
func waitUntilHolding(_ process: Process, _ path: String, seconds: TimeInterval = 10) -> Bool {
    let files = FileManager.default
    let target = (try? files.destinationOfSymbolicLink(atPath: path)) ?? path
    let fds = "/proc/\(process.processIdentifier)/fd"
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        let entries = (try? files.contentsOfDirectory(atPath: fds)) ?? []
        if entries.contains(where: { (try? files.destinationOfSymbolicLink(atPath: "\(fds)/\($0)")) == target }) {
            return true
        }
        usleep(10_000)
    }
    return false
}

/// A port another program holds open without a lock is named, in `flash` and in `doctor`.
struct PortOwnershipTests {
    @Test func aPortHeldWithoutALockIsPortBusyNamingTheProgram() throws {
        let emulator = try Emulator()
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/bin/sh")
        // `sleep` with the port as its stdin, as `cat /dev/ttyUSB0` would hold it: no flock, no TIOCEXCL.
        holder.arguments = ["-c", "exec sleep 8 < \(emulator.port)"]
        try holder.run()
        defer { holder.terminate() }
        #expect(waitUntilHolding(holder, emulator.port), "the holder opened the port")
        let image = try Scratch.file(firmwareLike(5000), name: "app.bin")
        let flash = try Bootwire.run(["flash", "--port", emulator.port, "\(image.path)@0x10000", "--json"])
        #expect(flash.errorCode == "port-busy", "\(flash.stdout)")
        let error = flash.result?["error"] as? [String: Any]
        #expect((error?["evidence"] as? [String: String])?["held-by"]?.contains("sleep") == true)
        let doctor = try Bootwire.run(["doctor", "--port", emulator.port, "--json"])
        #expect(doctor.errorCode == "port-busy", "\(doctor.stdout)")
        holder.terminate()
        holder.waitUntilExit()
        let again = try Bootwire.run(["flash", "--port", emulator.port, "\(image.path)@0x10000", "--json"])
        #expect(again.ok, "\(again.stdout)")
    }
}

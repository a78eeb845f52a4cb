import BootwireCore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue #23, "never harm": --dry-run changes nothing, irreversible steps are confirmed on every
/// route, output files are never emptied, truncated or swapped for something else, and the
/// emulator never deletes what it did not make.
@Suite(.serialized) struct NeverHarmTests {
    static let stm32Routes = ["virtual:stm32l476,wire=instant", "virtual:dfu-l476", "virtual:stlink-l476"]

    func withState(_ device: String) -> String {
        device + ",state=" + Scratch.make().appendingPathComponent("chip.state").path
    }

    /// A device holding `data` at 0x08000000, in a state file later runs see.
    func flashed(_ device: String, _ data: [UInt8]) throws -> String {
        let port = withState(device)
        let image = try Scratch.file(data, name: "app.bin").path + "@0x08000000"
        let run = try Bootwire.run(["flash", "--port", port, image, "--json"])
        try #require(run.ok, "\(run.stdout)")
        return port
    }

    // MARK: 1. --dry-run changes nothing

    @Test(arguments: stm32Routes)
    func eraseDryRunChangesNothingOnAnyRoute(device: String) throws {
        let data = firmwareLike(4096, seed: 5)
        let port = try flashed(device, data)
        for verb in [
            ["erase", "--pages", "0-1"], ["erase", "--whole-chip"],
            ["erase", "--start", "0x08000000", "--end", "0x08001000"],
        ] {
            let run = try Bootwire.run(verb + ["--dry-run", "--port", port, "--json"])
            #expect(run.ok, "\(device) \(verb): \(run.stdout)")
            #expect(run.summary["dry-run"] != nil, "\(device) \(verb)")
            #expect(try Bootwire.readMemory(port, at: 0x0800_0000, count: data.count) == data, "\(device) \(verb)")
        }
    }

    @Test func irreversibleVerbsHaveADryRunThatChangesNothing() throws {
        let wb = withState("virtual:dfu-wb55")
        let delete = try Bootwire.run(["fus", "delete", "--dry-run", "--port", wb, "--json"])
        #expect(delete.ok && delete.summary["dry-run"] != nil, "\(delete.stdout)")
        let upgrade = try Bootwire.run([
            "fus", "upgrade", try FUSTests.stackImage(), "--dry-run", "--port", wb, "--json",
        ])
        #expect(upgrade.ok && upgrade.summary["dry-run"] != nil, "\(upgrade.stdout)")
        let info = try Bootwire.run(["fus", "info", "--port", wb, "--json"])
        #expect(info.summary["cpu2"] == "wireless stack running", "\(info.stdout)")
        #expect(info.summary["sfsa"] == "0xF4", "\(info.stdout)")
        let protect = try Bootwire.run([
            "protect", "--readout", "--dry-run", "--port", "virtual:stm32l476,wire=instant", "--json",
        ])
        #expect(protect.ok && protect.summary["dry-run"] != nil, "\(protect.stdout)")
        let swd = withState("virtual:stlink-l476")
        let set = try Bootwire.run(["option-bytes", "set", "rdp=1", "--dry-run", "--port", swd, "--json"])
        #expect(set.ok && set.summary["dry-run"] != nil, "\(set.stdout)")
        let shown = try Bootwire.run(["option-bytes", "show", "--port", swd, "--json"])
        #expect(shown.summary["rdp"]?.contains("0") == true, "\(shown.stdout)")
    }

    // MARK: 6. one confirmation rule

    @Test(arguments: stm32Routes)
    func wholeChipEraseAsksOnEveryRoute(device: String) throws {
        let data = firmwareLike(2048, seed: 9)
        let port = try flashed(device, data)
        let refused = try Bootwire.run(["erase", "--whole-chip", "--port", port, "--json"])
        #expect(refused.errorCode == "confirmation-required", "\(device): \(refused.stdout)")
        let evidence = (refused.result?["error"] as? [String: Any])?["evidence"] as? [String: String] ?? [:]
        #expect(evidence["command"]?.hasSuffix(" --yes") == true, "\(evidence)")
        #expect(evidence["command"]?.contains("--whole-chip") == true, "\(evidence)")
        #expect(try Bootwire.readMemory(port, at: 0x0800_0000, count: data.count) == data)
        let confirmed = try Bootwire.run(["erase", "--whole-chip", "--yes", "--port", port, "--json"])
        #expect(confirmed.ok, "\(confirmed.stdout)")
    }

    @Test func stackDeleteAndReadoutProtectionAsk() throws {
        let wb = withState("virtual:dfu-wb55")
        let delete = try Bootwire.run(["fus", "delete", "--port", wb, "--json"])
        #expect(delete.errorCode == "confirmation-required", "\(delete.stdout)")
        let info = try Bootwire.run(["fus", "info", "--port", wb, "--json"])
        #expect(info.summary["cpu2"] == "wireless stack running")
        #expect(try Bootwire.run(["fus", "delete", "--yes", "--port", wb, "--json"]).ok)
        let protect = try Bootwire.run(["protect", "--readout", "--port", "virtual:stm32l476,wire=instant", "--json"])
        #expect(protect.errorCode == "confirmation-required", "\(protect.stdout)")
        let pages = try Bootwire.run([
            "protect", "--write", "0-1", "--port", "virtual:stm32l476,wire=instant", "--json",
        ])
        #expect(pages.ok, "write protection is undone by `unprotect --write`: \(pages.stdout)")
    }

    /// ST's own ini says `erase = 2`, which erases the manufacturing data (MFD) at 0x3FF000 as
    /// the vendor's tool does, without a question (CI and the README's command have no terminal);
    /// the plan and a warning name it before anything changes.
    @Test func iniChipEraseNamesTheManufacturingDataItErases() throws {
        var flash = [UInt8](repeating: 0xFF, count: 4 << 20)
        for i in 0..<64 { flash[0x3FF000 + i] = UInt8(i) }
        let state = try Scratch.file(flash, name: "module.state")
        let port = "virtual:qcc743,wire=instant,state=\(state.path)"
        let ini = Self.examples.appendingPathComponent("flash_prog_cfg.ini").path
        let plan = try Bootwire.run(["flash", "--port", port, "--config", ini, "--dry-run", "--json"])
        #expect(plan.ok, "\(plan.stdout)")
        #expect(plan.warningCodes.contains("factory-data-erased"), "\(plan.stdout)")
        let run = try Bootwire.run(["flash", "--port", port, "--config", ini, "--json"])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.warningCodes.contains("factory-data-erased"), "\(run.stdout)")
        let clean = try Bootwire.run(["flash", "--port", port, "--config", ini, "--json"])
        #expect(!clean.warningCodes.contains("factory-data-erased"), "nothing left to lose: \(clean.stdout)")
    }

    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/qcc743")

    // MARK: 3. an existing output file survives any failure

    @Test func readKeepsAnExistingFileWhenItFails() throws {
        let keep = try Scratch.file(Array("precious".utf8), name: "keep.bin")
        let cases: [([String], String)] = [
            (["--port", "/dev/ttyNOPE-bootwire"], "port-not-found"),
            (["--port", "virtual:qcc743,wire=instant,silent", "--connect-attempts", "1"], "no-response"),
            (["--port", "virtual:qcc743,wire=instant", "--start", "0x3FFFF0"], "address-out-of-range"),
        ]
        for (arguments, code) in cases {
            var all = ["read", "--len", "64", "--file", keep.path, "--json"] + arguments
            if !arguments.contains("--start") { all += ["--start", "0x10000"] }
            let run = try Bootwire.run(all, timeout: 60)
            #expect(run.errorCode == code, "\(arguments): \(run.stdout)")
            #expect(try Data(contentsOf: keep) == Data("precious".utf8), "\(code) emptied the file")
        }
        let folder = keep.deletingLastPathComponent().path
        let left = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(left == ["keep.bin"], "temporary files left behind: \(left)")
    }

    /// A full disk (a node like /dev/full, made in a scratch folder: root only) is its own code.
    @Test func aFullDiskIsItsOwnCode() throws {
        guard getuid() == 0 else { return }
        let full = Scratch.make().appendingPathComponent("full").path
        try #require(mknod(full, S_IFCHR | 0o666, Self.device(1, 7)) == 0)
        let run = try Bootwire.run([
            "read", "--port", "virtual:qcc743,wire=instant", "--start", "0x0", "--len", "4096", "--file", full,
            "--json",
        ])
        #expect(run.errorCode == "disk-full", "\(run.stdout)")
        #expect(Self.kind(full) == S_IFCHR)
    }

    // MARK: 4. nodes, FIFOs and links are written through, never replaced

    /// glibc's makedev for small numbers (the macro is not imported): minor in the low byte.
    static func device(_ major: UInt, _ minor: UInt) -> dev_t { dev_t(major << 8 | minor) }

    static func kind(_ path: String) -> mode_t {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        return info.st_mode & S_IFMT
    }

    @Test func aSymlinkIsFollowedAndKept() throws {
        let folder = Scratch.make()
        let target = folder.appendingPathComponent("target.bin")
        try Data("old".utf8).write(to: target)
        let link = folder.appendingPathComponent("link.bin").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target.path)
        let run = try Bootwire.run([
            "read", "--port", "virtual:qcc743,wire=instant", "--start", "0x0", "--len", "64", "--file", link, "--json",
        ])
        #expect(run.ok, "\(run.stdout)")
        #expect(Self.kind(link) == S_IFLNK)
        #expect(try Data(contentsOf: target).count == 64)
        // A virtual device's state= file is written the same way.
        let stateTarget = folder.appendingPathComponent("state.bin")
        let stateLink = folder.appendingPathComponent("state-link").path
        try FileManager.default.createSymbolicLink(atPath: stateLink, withDestinationPath: stateTarget.path)
        let image = try Scratch.file(firmwareLike(1024), name: "app.bin").path + "@0x08000000"
        let flash = try Bootwire.run(["flash", "--port", "virtual:stm32l476,wire=instant,state=\(stateLink)", image])
        #expect(flash.status == 0, "\(flash.stderr)")
        #expect(Self.kind(stateLink) == S_IFLNK)
        #expect(FileManager.default.fileExists(atPath: stateTarget.path))
    }

    @Test func aFIFOAndADeviceNodeAreWrittenInPlace() throws {
        let folder = Scratch.make()
        let fifo = folder.appendingPathComponent("pipe").path
        try #require(mkfifo(fifo, 0o600) == 0)
        // The read end is held open (without blocking) so a writer can open the FIFO; the 100
        // bytes wait in the pipe's buffer.
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        try #require(reader >= 0)
        defer { close(reader) }
        let run = try Bootwire.run([
            "read", "--port", "virtual:qcc743,wire=instant", "--start", "0x0", "--len", "100", "--file", fifo, "--json",
        ])
        #expect(run.ok, "\(run.stdout)")
        var buffer = [UInt8](repeating: 0, count: 200)
        #expect(read(reader, &buffer, buffer.count) == 100)
        #expect(Self.kind(fifo) == S_IFIFO)
        guard getuid() == 0 else { return }
        let null = folder.appendingPathComponent("null").path
        try #require(mknod(null, S_IFCHR | 0o666, Self.device(1, 3)) == 0)
        let toNull = try Bootwire.run([
            "read", "--port", "virtual:qcc743,wire=instant", "--start", "0x0", "--len", "100", "--file", null, "--json",
        ])
        #expect(toNull.ok, "\(toNull.stdout)")
        #expect(Self.kind(null) == S_IFCHR, "the device node was replaced")
    }

    // MARK: 2. the emulator deletes nothing it did not make

    @Test func emulateRefusesALinkOrSocketPathThatIsNotItsOwn() throws {
        let folder = Scratch.make()
        let occupied = folder.appendingPathComponent("d2")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: true)
        let inside = occupied.appendingPathComponent("notes.txt")
        try Data("keep".utf8).write(to: inside)
        let file = try Scratch.file(Array("keep".utf8), name: "plain.txt")
        for path in [occupied.path, file.path] {
            let run = try Bootwire.run(
                ["emulate", "qcc743", "--wire", "instant", "--link", path, "--json"], timeout: 20)
            #expect(run.errorCode == "path-in-use", "\(path): \(run.stdout)")
        }
        let socket = try Bootwire.run(["emulate", "usb", "dfu-l476", "--socket", file.path, "--json"], timeout: 20)
        #expect(socket.errorCode == "path-in-use", "\(socket.stdout)")
        #expect(try Data(contentsOf: inside) == Data("keep".utf8))
        #expect(try Data(contentsOf: file) == Data("keep".utf8))
    }

    @Test func emulateReplacesItsOwnStaleLink() throws {
        let link = Scratch.make().appendingPathComponent("tty").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/dev/pts/999999")
        let (reason, status) = try CommandContractTests.runBriefly([
            "emulate", "qcc743", "--wire", "instant", "--link", link,
        ])
        #expect(reason == .exit && status == 0)
    }

    // MARK: 14. one result line per invocation

    @Test func jsonEndsInExactlyOneResultEverywhere() throws {
        let image = try Scratch.file(firmwareLike(3000), name: "app.bin").path + "@0x10000"
        let report = Scratch.make().appendingPathComponent("r.jsonl").path
        let runs: [[String]] = [
            ["flash", "--port", "virtual:qcc743,wire=instant", "--port", "virtual:qcc743,wire=instant", image],
            ["flash", "--port", "virtual:qcc743,wire=instant", "--report", report, image],
            [
                "flash", "--port", "virtual:qcc743,wire=instant,silent", "--retry", "1", "--connect-attempts", "1",
                image,
            ],
            ["list", "--virtual", "virtual:nope"],
        ]
        for arguments in runs {
            let run = try Bootwire.run(arguments + ["--json"], timeout: 60)
            let lines = run.stdout.split(separator: "\n")
            #expect(run.events.count == lines.count && !lines.isEmpty, "\(arguments): \(run.stdout)")
            #expect(run.events.filter { $0["event"] as? String == "result" }.count == 1, "\(arguments): \(run.stdout)")
            #expect(run.events.last?["event"] as? String == "result", "\(arguments)")
        }
        let list = try Bootwire.run(["list", "--virtual", "virtual:nope", "--json"])
        #expect(list.errorCode == "usage" && list.status == ErrorCategory.usage.exitStatus, "\(list.stdout)")
    }

    @Test func emulateUSBSpeaksJSON() throws {
        let socket = Scratch.make().appendingPathComponent("dfu.sock").path
        let (lines, process) = try Bootwire.serveBriefly(["emulate", "usb", "dfu-l476", "--socket", socket, "--json"])
        #expect(lines.first?.contains("\"ready\"") == true, "\(lines)")
        let objects = lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        #expect(objects.count == lines.count, "\(lines)")
        #expect(objects.filter { $0["event"] as? String == "result" }.count == 1, "\(lines)")
        #expect(process.terminationStatus == 0)
    }
}

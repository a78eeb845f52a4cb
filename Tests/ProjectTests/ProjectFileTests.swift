import BootwireCore
import Foundation
import Project
import Targets
import Testing

@Suite struct ProjectFileTests {
    static let sample = """
        # the board on my desk
        default-target = "module"

        [target.module]
        port = "/dev/ttyUSB0"
        chip = "qcc743"
        images = ["app.bin@0x10000", "/abs/fs.bin@0x378000"]
        baud = 921600
        boot-baud = 500000
        reset = "qconn"
        operator = "line 3"
        lot = "2026-W49"

        [target.host]
        probe-serial = "066DFF303435"
        swd-khz = 480
        ini = "cfg/flash_prog_cfg.ini"
        """

    @Test func targetsAndTheirFieldsAreRead() throws {
        let file = try ProjectFile.parse(Self.sample, path: "/p/bootwire.toml")
        #expect(file.targets.map(\.name) == ["module", "host"])
        let module = try #require(try file.target(named: nil))
        #expect(module.name == "module")
        #expect(module.port == "/dev/ttyUSB0")
        #expect(module.chip == .qcc743)
        #expect(module.images == ["/p/app.bin@0x10000", "/abs/fs.bin@0x378000"])
        #expect(module.baud == 921_600)
        #expect(module.bootBaud == 500_000)
        #expect(module.reset == "qconn")
        #expect(module.station == StationFields(operator: "line 3", lot: "2026-W49"))
        let host = try #require(try file.target(named: "host"))
        #expect(host.portText == "stlink:066DFF303435")
        #expect(host.swdKHz == 480)
        #expect(host.ini == "/p/cfg/flash_prog_cfg.ini")
        #expect(host.station.isEmpty)
    }

    @Test func anUnknownKeyNamesItsLineAndTheNearestKey() throws {
        let text = """
            [target.board]
            chip = "stm32"
            prot = "virtual:stm32l476"
            """
        let error = try #require(expectBadConfig(text))
        #expect(error.evidence["key"] == "prot")
        #expect(error.evidence["line"] == "3")
        #expect(error.evidence["nearest"] == "port")
        let top = try #require(expectBadConfig("defualt-target = \"x\"\n"))
        #expect(top.evidence["line"] == "1")
        #expect(top.evidence["nearest"] == "default-target")
    }

    @Test func wrongValuesAndSyntaxAreBadConfigWithTheLine() throws {
        let chip = try #require(expectBadConfig("[target.a]\n\nchip = \"esp32\"\n"))
        #expect(chip.evidence["key"] == "chip")
        #expect(chip.evidence["line"] == "3")
        let baud = try #require(expectBadConfig("[target.a]\nbaud = \"fast\"\n"))
        #expect(baud.evidence["line"] == "2")
        let khz = try #require(expectBadConfig("[target.a]\nswd-khz = 99999\n"))
        #expect(khz.evidence["key"] == "swd-khz")
        let both = try #require(expectBadConfig("[target.a]\nport = \"x\"\nprobe-serial = \"y\"\n"))
        #expect(both.code == .badConfig)
        let syntax = try #require(expectBadConfig("[target.a]\nport = \n"))
        #expect(syntax.evidence["line"] == "2")
    }

    @Test func choosingATarget() throws {
        let two = try ProjectFile.parse("[target.a]\nport = \"x\"\n[target.b]\nport = \"y\"\n", path: "/b.toml")
        // Several targets and no default: none is picked (the port comes from elsewhere).
        #expect(try two.target(named: nil) == nil)
        #expect(try two.target(named: "b")?.port == "y")
        do {
            _ = try two.target(named: "bb")
            Issue.record("an unknown target was accepted")
        } catch let error as BootwireError {
            #expect(error.code == .usage)
            #expect(error.message.contains("`b`"))
        }
        let one = try ProjectFile.parse("[target.only]\nport = \"z\"\n", path: "/c.toml")
        #expect(try one.target(named: nil)?.name == "only")
        // A default that names no target is the file's mistake.
        let dangling = try ProjectFile.parse("default-target = \"gone\"\n[target.a]\n", path: "/d.toml")
        #expect(throws: BootwireError.self) { try dangling.target(named: nil) }
    }

    @Test func theSearchGoesUpwardAndStopsAtTheRepositoryRoot() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("project-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let repo = root.appendingPathComponent("repo")
        let deep = repo.appendingPathComponent("firmware/app/build")
        try FileManager.default.createDirectory(at: deep, withIntermediateDirectories: true)
        // Above the repository: never found from inside it.
        try Data("[target.outer]\n".utf8).write(to: root.appendingPathComponent("bootwire.toml"))
        try FileManager.default.createDirectory(
            at: repo.appendingPathComponent(".git"), withIntermediateDirectories: true)
        #expect(ProjectFileSearch.find(from: deep.path) == nil)
        // In the repository's root: found from any folder below it.
        let file = repo.appendingPathComponent("bootwire.toml")
        try Data("[target.inner]\n".utf8).write(to: file)
        #expect(ProjectFileSearch.find(from: deep.path) == file.path)
        // A nearer one wins.
        let nearer = repo.appendingPathComponent("firmware/bootwire.toml")
        try Data("[target.near]\n".utf8).write(to: nearer)
        #expect(ProjectFileSearch.find(from: deep.path) == nearer.path)
        // Outside any repository the search goes on to the filesystem root.
        let loose = root.appendingPathComponent("loose/a")
        try FileManager.default.createDirectory(at: loose, withIntermediateDirectories: true)
        #expect(ProjectFileSearch.find(from: loose.path) == root.appendingPathComponent("bootwire.toml").path)
    }

    private func expectBadConfig(_ text: String) -> BootwireError? {
        do {
            _ = try ProjectFile.parse(text, path: "/t/bootwire.toml")
            Issue.record("accepted: \(text)")
            return nil
        } catch let error as BootwireError {
            #expect(error.code == .badConfig)
            return error
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }
}

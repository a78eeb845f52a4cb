import BootwireCore
import Foundation
import Testing
import VirtualDevices

/// Ports found for you, bootwire.toml, `--chip auto`, typos answered with the nearest name.
@Suite struct PortsAndProjectTests {
    /// A sysfs tree with these USB-serial adapters (`ttyUSB9`…) and nothing else.
    static func sysfs(adapters: [String]) throws -> URL {
        let root = Scratch.make()
        let fm = FileManager.default
        for (index, serial) in adapters.enumerated() {
            let device = root.appendingPathComponent("devices/usb1/1-\(index)")
            let interface = device.appendingPathComponent("1-\(index):1.0")
            try fm.createDirectory(at: interface, withIntermediateDirectories: true)
            for (name, value) in [("idVendor", "0403"), ("idProduct", "6001"), ("serial", serial)] {
                try Data((value + "\n").utf8).write(to: device.appendingPathComponent(name))
            }
            let tty = root.appendingPathComponent("class/tty/ttyUSB\(9 - index)")
            try fm.createDirectory(at: tty, withIntermediateDirectories: true)
            try fm.createSymbolicLink(at: tty.appendingPathComponent("device"), withDestinationURL: interface)
        }
        try fm.createDirectory(at: root.appendingPathComponent("class/tty"), withIntermediateDirectories: true)
        return root
    }

    static func notes(_ run: BootwireRun) -> [String] {
        run.events.filter { $0["event"] as? String == "note" }.compactMap { $0["message"] as? String }
    }

    @Test func withNoPortTheOnlyAdapterIsUsedSeveralAreAmbiguousNoneIsNotFound() throws {
        let file = try Scratch.file(firmwareLike(1000))
        let one = try Bootwire.run(
            ["flash", "--dry-run", "--json", "\(file.path)@0x10000"],
            environment: ["BOOTWIRE_SYSFS_ROOT": try Self.sysfs(adapters: ["FT1"]).path], directory: Scratch.make())
        // Used and said: the note names the port (then opening it fails here: no such device node).
        #expect(Self.notes(one).contains { $0.contains("/dev/ttyUSB9") })
        #expect(one.errorCode != "port-ambiguous" && one.errorCode != "usage")
        let two = try Bootwire.run(
            ["flash", "--dry-run", "--json", "\(file.path)@0x10000"],
            environment: ["BOOTWIRE_SYSFS_ROOT": try Self.sysfs(adapters: ["FT1", "FT2"]).path],
            directory: Scratch.make())
        #expect(two.errorCode == "port-ambiguous")
        #expect(two.status == ErrorCategory.usage.exitStatus)
        let evidence = ((two.result?["error"] as? [String: Any])?["evidence"] as? [String: String]) ?? [:]
        #expect(evidence.values.sorted() == ["/dev/ttyUSB8", "/dev/ttyUSB9"])
        let none = try Bootwire.run(
            ["info", "--json"], environment: ["BOOTWIRE_SYSFS_ROOT": try Self.sysfs(adapters: []).path],
            directory: Scratch.make())
        #expect(none.errorCode == "port-not-found")
    }

    @Test func bootwirePortIsTheDefaultAndTheCommandLineWins() throws {
        let env = ["BOOTWIRE_PORT": "virtual:stlink-l476"]
        let info = try Bootwire.run(["info", "--json"], environment: env, directory: Scratch.make())
        #expect(info.ok, "\(info.stdout)")
        // Without it the same run finds nothing attached.
        let without = try Bootwire.run(
            ["info", "--json"], environment: ["BOOTWIRE_SYSFS_ROOT": try Self.sysfs(adapters: []).path],
            directory: Scratch.make())
        #expect(without.errorCode == "port-not-found")
        let other = try Bootwire.run(
            ["info", "--json", "--port", "virtual:nothing-like-it"], environment: env, directory: Scratch.make())
        #expect(other.errorCode == "port-not-found")
    }

    @Test func theProjectFileNamesTargetsAndIsFoundFromBelow() throws {
        let project = Scratch.make()
        let image = project.appendingPathComponent("app.bin")
        try Data(firmwareLike(2048)).write(to: image)
        let state = project.appendingPathComponent("host.state").path
        try Data(
            """
            default-target = "host"

            [target.host]
            port = "virtual:stlink-l476,state=\(state)"
            images = ["app.bin@0x08000000"]
            swd-khz = 480
            operator = "line 3"
            lot = "W49"

            [target.module]
            port = "virtual:qcc743"
            """.utf8
        ).write(to: project.appendingPathComponent("bootwire.toml"))
        let below = project.appendingPathComponent("build/out")
        try FileManager.default.createDirectory(at: below, withIntermediateDirectories: true)
        // The default target's port and images, from a folder below the file.
        let flash = try Bootwire.run(["flash", "--json"], directory: below)
        #expect(flash.ok, "\(flash.stdout)")
        #expect(
            try Bootwire.readMemory("virtual:stlink-l476,state=\(state)", at: 0x0800_0000, count: 2048)
                == firmwareLike(2048))
        // verify takes the same target's port and images.
        let verify = try Bootwire.run(["verify", "--json"], directory: below)
        #expect(verify.ok, "\(verify.stdout)")
        // --target picks another; an unknown one is usage with the nearest.
        let module = try Bootwire.run(["info", "--json", "--target", "module"], directory: below)
        #expect(module.ok, "\(module.stdout)")
        let typo = try Bootwire.run(["info", "--json", "--target", "modul"], directory: below)
        #expect(typo.errorCode == "usage")
        // --no-project: the file is ignored (and no adapter is attached in this sysfs).
        let ignored = try Bootwire.run(
            ["info", "--json", "--no-project"], environment: ["BOOTWIRE_SYSFS_ROOT": try Self.sysfs(adapters: []).path],
            directory: below)
        #expect(ignored.errorCode == "port-not-found")
        // --config-file names one anywhere.
        let named = try Bootwire.run(
            [
                "info", "--json", "--target", "module", "--config-file",
                project.appendingPathComponent("bootwire.toml").path,
            ],
            directory: Scratch.make())
        #expect(named.ok)
    }

    @Test func anUnknownKeyIsBadConfigWithTheNearestKey() throws {
        let folder = Scratch.make()
        try Data("[target.a]\nprot = \"virtual:qcc743\"\n".utf8).write(
            to: folder.appendingPathComponent("bootwire.toml"))
        let run = try Bootwire.run(["info", "--json"], directory: folder)
        #expect(run.errorCode == "bad-config")
        #expect(run.status == ErrorCategory.input.exitStatus)
        let evidence = ((run.result?["error"] as? [String: Any])?["evidence"] as? [String: String]) ?? [:]
        #expect(evidence["key"] == "prot")
        #expect(evidence["line"] == "2")
        #expect(evidence["nearest"] == "port")
    }

    @Test func typosAreAnsweredWithTheNearestName() throws {
        let file = try Scratch.file(firmwareLike(1000))
        let verb = try Bootwire.run(["flsh", "--port", "virtual:qcc743", "--json", "\(file.path)@0x10000"])
        #expect(verb.errorCode == "usage")
        #expect(
            ((verb.result?["error"] as? [String: Any])?["evidence"] as? [String: String])?["nearest"]?.hasPrefix(
                "flash") == true)
        for (typo, nearest) in [
            ("virtual:nucleo-h563", "virtual:stlink-h563"), ("virtual:stlink-l746", "virtual:stlink-l476"),
        ] {
            let run = try Bootwire.run(["flash", "--port", typo, "--json", "\(file.path)@0x08000000"])
            #expect(run.errorCode == "port-not-found", "\(typo)")
            let evidence = ((run.result?["error"] as? [String: Any])?["evidence"] as? [String: String]) ?? [:]
            #expect(
                evidence["nearest"]?.split(separator: " ").map(String.init).contains(nearest) == true, "\(evidence)")
        }
        // A chip that contradicts the port's route: usage naming the route, not an image error.
        let chip = try Bootwire.run([
            "flash", "--chip", "qcc743", "--port", "virtual:stm32l476", "--json", "\(file.path)@0x08000000",
        ])
        #expect(chip.errorCode == "usage")
    }

    @Test(arguments: ["virtual:stm32l476", "virtual:qcc743"])
    func chipAutoAsksTheSerialPort(_ name: String) throws {
        let runner = try VirtualPort.start(name + ",wire=instant")
        defer { runner.stop() }
        let run = try Bootwire.run(["info", "--chip", "auto", "--port", runner.slavePath, "--json"])
        #expect(run.ok, "\(run.stdout)")
        let expected = name.hasSuffix("stm32l476") ? "system bootloader" : "module"
        #expect(Self.notes(run).contains { $0.hasPrefix("--chip auto") && $0.contains(expected) }, "\(run.stdout)")
    }
}

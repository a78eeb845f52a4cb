import BootwireCore
import Foundation
import ST67
import Testing

/// `bootwire st67 update` end to end on the virtual Nucleo boards: a folder laid out like ST's
/// Binaries package (built here from ST's files beside the project, or from Examples/qcc743
/// when they are absent; nothing is copied into the repository), the host's Bootloader.bin,
/// the module through the virtual COM port, the host application back, each proven.
@Suite(.serialized) struct ST67UpdateTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/qcc743")

    struct Package {
        var binaries: URL
        /// Per profile, module image → address, as the update must leave them.
        var profiles: [ST67Profile: [(path: URL, address: Int)]]
        /// Host application file name → bytes (the same in every board folder).
        var applications: [String: [UInt8]]
        var hasEfuse: Bool
        /// The default profile's (t02) images and application, for the tests of one update.
        var moduleImages: [(path: URL, address: Int)] { profiles[.t02] ?? [] }
        var application: [UInt8] { applications[ST67Profile.t02.application] ?? [] }
    }

    /// ST's `Binaries/` as X-CUBE-ST67W61 ships it: `NCP_Binaries` with the three profiles'
    /// inis (T01 and T02 naming `…_vxxx.bin`, an older version beside the newest, as ST ships
    /// them) and `<BOARD>_Binaries` with Bootloader.bin (carrying the virtual board's bypass
    /// marker) and the three host applications of ST's scripts. ST's files beside the project
    /// hold no T01 ini or image: T01 is T02's ini and image under T01's names.
    static func package(boards: [String]) throws -> Package {
        let binaries = Scratch.make().appendingPathComponent("Binaries")
        let ncp = binaries.appendingPathComponent("NCP_Binaries")
        try FileManager.default.createDirectory(at: ncp, withIntermediateDirectories: true)
        func copy(_ from: URL, _ name: String) throws -> URL {
            let to = ncp.appendingPathComponent(name)
            try FileManager.default.copyItem(at: from, to: to)
            return to
        }
        func write(_ text: String, _ name: String) throws {
            try text.write(to: ncp.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let source = Fixtures.present ? Fixtures.folder : examples
        let boot2 = try copy(
            source.appendingPathComponent(Fixtures.present ? "st67w611m_boot2_v8.1.9.bin" : "example_boot2.bin"),
            "st67w611m_boot2_v8.1.9.bin")
        let partition = try copy(source.appendingPathComponent("partition.bin"), "partition.bin")
        let firmware = source.appendingPathComponent(
            Fixtures.present ? "st67w611m_mission_t02_v2.0.106.bin" : "example_app.bin")
        let t02 = try copy(firmware, "st67w611m_mission_t02_v2.0.106.bin")
        let t01 = try copy(firmware, "st67w611m_mission_t01_v2.0.106.bin")
        let mfg = try copy(
            Fixtures.present ? source.appendingPathComponent("st67w611m_mfg_v2.0.106.bin") : firmware,
            "st67w611m_mfg_v2.0.106.bin")
        var profiles: [ST67Profile: [(URL, Int)]] = [:]
        var efuse = false
        if Fixtures.present {
            let littlefs = try copy(source.appendingPathComponent("littlefs.bin"), "littlefs.bin")
            _ = try copy(source.appendingPathComponent("efusedata.bin"), "efusedata.bin")
            efuse = true
            let mission = try String(
                contentsOf: source.appendingPathComponent("mission_t02_flash_prog_cfg.ini"), encoding: .utf8
            )
            .replacingOccurrences(of: "st67w611m_boot2_v8.1.9.bin", with: "st67w611m_boot2_vxxx.bin")
            .replacingOccurrences(of: "st67w611m_mission_t02_v2.0.106.bin", with: "st67w611m_mission_t02_vxxx.bin")
            try write(mission, ST67Profile.t02.ini)
            try write(mission.replacingOccurrences(of: "mission_t02", with: "mission_t01"), ST67Profile.t01.ini)
            _ = try copy(source.appendingPathComponent("mfg_flash_prog_cfg.ini"), ST67Profile.mfg.ini)
            profiles[.t02] = [(boot2, 0), (partition, 0xE000), (littlefs, 0x378000), (t02, 0x10000)]
            profiles[.t01] = [(boot2, 0), (partition, 0xE000), (littlefs, 0x378000), (t01, 0x10000)]
            profiles[.mfg] = [(boot2, 0), (partition, 0xE000), (mfg, 0x10000)]
        } else {
            for profile in ST67Profile.allCases {
                let firmware =
                    profile == .mfg ? "st67w611m_mfg_vxxx.bin" : "st67w611m_mission_\(profile.rawValue)_vxxx.bin"
                try write(
                    """
                    [cfg]
                    erase = 2

                    [boot2]
                    filedir = ./st67w611m_boot2_vxxx.bin
                    address = 0x000000

                    [partition]
                    filedir = ./partition.bin
                    address = 0xE000

                    [FW]
                    filedir = ./\(firmware)
                    address = @partition
                    """, profile.ini)
            }
            profiles[.t02] = [(boot2, 0), (partition, 0xE000), (t02, 0x10000)]
            profiles[.t01] = [(boot2, 0), (partition, 0xE000), (t01, 0x10000)]
            profiles[.mfg] = [(boot2, 0), (partition, 0xE000), (mfg, 0x10000)]
        }
        // An older version that must not be chosen: 2.0.99 < 2.0.106 numerically, not as text.
        try Data(repeating: 0x5A, count: 4096).write(
            to: ncp.appendingPathComponent("st67w611m_mission_t02_v2.0.99.bin"))
        var bootloader = [UInt8](repeating: 0, count: 4096)
        bootloader.replaceSubrange(0..<8, with: [0x00, 0x00, 0x02, 0x20, 0x09, 0x00, 0x00, 0x08])
        bootloader.replaceSubrange(0x200..<0x213, with: Array("ST67W6X-UART-BYPASS".utf8))
        var applications: [String: [UInt8]] = [:]
        for (seed, profile) in ST67Profile.allCases.enumerated() {
            applications[profile.application] = firmwareLike(30_000 + 1000 * seed, seed: UInt32(67 + seed))
        }
        for board in boards {
            let folder = binaries.appendingPathComponent("\(board)_Binaries")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(bootloader).write(to: folder.appendingPathComponent("Bootloader.bin"))
            for (name, bytes) in applications { try Data(bytes).write(to: folder.appendingPathComponent(name)) }
        }
        return Package(
            binaries: binaries, profiles: profiles.mapValues { $0.map { (path: $0.0, address: $0.1) } },
            applications: applications, hasEfuse: efuse)
    }

    func update(_ package: Package, port: String, cache: URL, _ extra: [String] = []) throws -> BootwireRun {
        try Bootwire.run(
            ["st67", "update", package.binaries.path, "--port", port, "--yes", "--json"] + extra, timeout: 120,
            cache: cache)
    }

    /// The module's flash is the state file itself; the host's is behind four bytes of format.
    func expectProven(_ package: Package, board: URL, profile: ST67Profile = .t02) throws {
        let module = [UInt8](try Data(contentsOf: board.appendingPathComponent("module.state")))
        for (path, address) in package.profiles[profile] ?? [] {
            let image = [UInt8](try Data(contentsOf: path))
            #expect(Array(module[address..<address + image.count]) == image, "\(path.lastPathComponent)")
        }
        let application = package.applications[profile.application] ?? []
        let host = [UInt8](try Data(contentsOf: board.appendingPathComponent("host.state")))
        #expect(Array(host[4..<4 + application.count]) == application, "host application \(profile.application)")
    }

    @Test(arguments: [("nucleo-h563zi", "NUCLEO-H563ZI"), ("nucleo-u575zi", "NUCLEO-U575ZI-Q")])
    func theWholeUpdateRunsOnTheVirtualNucleo(board: String, folder: String) throws {
        let package = try Self.package(boards: ["NUCLEO-H563ZI", "NUCLEO-U575ZI-Q", "NUCLEO-N657X0-Q"])
        let state = Scratch.make()
        let port = "virtual:\(board),state=\(state.path),module-wire=instant"
        let run = try update(package, port: port, cache: Scratch.make())
        #expect(run.ok, "\(run.stdout)")
        #expect(run.summary["board"] == folder, "\(run.summary)")
        #expect(run.summary["steps"] == "flash-bootloader,flash-module,flash-application")
        // Every image is written, or found written: on a loaded machine the module session may
        // stall past the virtual ROM's idle timeout and resume, and the resumed attempt finds
        // the images it already wrote (seen once in CI-like runs: 2 written, 2 skipped).
        let written = Int(run.summary["flash-module.written"] ?? "") ?? 0
        let skipped = Int(run.summary["flash-module.skipped"] ?? "") ?? 0
        #expect(written > 0 && written + skipped == package.moduleImages.count, "\(run.summary)")
        if package.hasEfuse { #expect(run.summary["flash-module.irreversible"] != nil) }
        #expect(run.stdout.contains("st67w611m_mission_t02_v2.0.106.bin"), "the newest version is chosen")
        try expectProven(package, board: state)
    }

    /// On ST's package as shipped, each profile leaves the module holding its images and the
    /// host the application ST's script for it flashes; without `--profile`, T02 (said in the
    /// output). Before profiles, this package stopped with `usage` (several host images).
    @Test(arguments: [("nucleo-h563zi", "NUCLEO-H563ZI"), ("nucleo-u575zi", "NUCLEO-U575ZI-Q")], [nil, "mfg", "t01"])
    func eachProfileLeavesWhatSTsScriptFlashes(board: (String, String), profile: String?) throws {
        let package = try Self.package(boards: ["NUCLEO-H563ZI", "NUCLEO-U575ZI-Q", "NUCLEO-H7S3L8"])
        let state = Scratch.make()
        let port = "virtual:\(board.0),state=\(state.path),module-wire=instant"
        let run = try update(package, port: port, cache: Scratch.make(), profile.map { ["--profile", $0] } ?? [])
        #expect(run.ok, "\(run.stdout)")
        let chosen = profile.flatMap(ST67Profile.init(rawValue:)) ?? .t02
        #expect(run.summary["board"] == board.1, "\(run.summary)")
        #expect(run.summary["profile"] == chosen.rawValue, "\(run.summary)")
        #expect(run.summary["flash-application.files"] == "\(board.1)_Binaries/\(chosen.application)", "\(run.summary)")
        if profile == nil { #expect(run.stdout.contains("(the default; --profile mfg|t01|t02)"), "\(run.stdout)") }
        try expectProven(package, board: state, profile: chosen)
    }

    /// One step of ST's scripts: an STM32_Programmer_CLI write over SWD (`-w FILE ADDRESS`,
    /// `--go` when it runs the host), or QConn_Flash over the ST-LINK's COM port
    /// (`--config INI --efuse=efusedata.bin`).
    struct ScriptStep: Equatable, CustomStringConvertible {
        enum Tool { case stm32ProgrammerSWD, qconnFlash }
        var tool: Tool
        var files: [String]
        var address: Int?
        var go: Bool
        var description: String { "\(tool) \(files) \(address.map { String($0, radix: 16) } ?? "-") go=\(go)" }
    }

    /// ST's three scripts (X-CUBE-ST67W61 Projects/ST67W6X_Scripts/Binaries, commit 6b020205),
    /// the branch for boards with internal flash (NUCLEO-H563ZI, NUCLEO-U575ZI-Q), without the
    /// optional SDK-version argument, written down here as data.
    static func script(_ profile: ST67Profile, board: String) -> [ScriptStep] {
        let (ini, application) =
            switch profile {
            // NCP_update_mfg.sh: config_file="mfg_flash_prog_cfg.ini"; then UART_bypass.bin --go.
            case .mfg: ("mfg_flash_prog_cfg.ini", "UART_bypass.bin")
            // NCP_update_mission_profile_t01.sh: "mission_t01_flash_prog_cfg.ini"; ST67W6X_CLI.bin.
            case .t01: ("mission_t01_flash_prog_cfg.ini", "ST67W6X_CLI.bin")
            // NCP_update_mission_profile_t02.sh: "mission_t02_flash_prog_cfg.ini"; ST67W6X_CLI_LWIP.bin.
            case .t02: ("mission_t02_flash_prog_cfg.ini", "ST67W6X_CLI_LWIP.bin")
            }
        return [
            ScriptStep(
                tool: .stm32ProgrammerSWD, files: ["\(board)_Binaries/Bootloader.bin"], address: 0x0800_0000, go: true),
            ScriptStep(
                tool: .qconnFlash, files: ["NCP_Binaries/\(ini)", "NCP_Binaries/efusedata.bin"], address: nil,
                go: false),
            ScriptStep(
                tool: .stm32ProgrammerSWD, files: ["\(board)_Binaries/\(application)"], address: 0x0800_0000, go: true),
        ]
    }

    @Test func theStepsAreTheStepsOfSTsScripts() throws {
        let package = try Self.package(boards: ["NUCLEO-H563ZI", "NUCLEO-U575ZI-Q"])
        let loaded = try ST67Package.load(path: package.binaries.path)
        for board in ["NUCLEO-H563ZI", "NUCLEO-U575ZI-Q"] {
            for profile in ST67Profile.allCases {
                let plan = try ST67UpdatePlan.make(
                    package: loaded, board: board, profile: profile, application: nil, environment: [:])
                let steps = plan.steps.map { step in
                    ScriptStep(
                        tool: step.side == .host ? .stm32ProgrammerSWD : .qconnFlash, files: step.files,
                        address: step.side == .host ? step.images.first?.address : nil, go: step.run)
                }
                var expected = Self.script(profile, board: board)
                if !package.hasEfuse { expected[1].files.removeLast() }
                #expect(steps == expected, "\(board) \(profile)")
            }
        }
        // `--app` overrides the profile's application.
        let mine = try Scratch.file(firmwareLike(2000, seed: 5), name: "mine.bin").path
        let plan = try ST67UpdatePlan.make(
            package: loaded, board: "NUCLEO-H563ZI", profile: .mfg, application: mine, environment: [:])
        #expect(plan.steps.last?.files == [mine])
    }

    @Test(arguments: ["NUCLEO-N657X0-Q", "NUCLEO-H7S3L8"])
    func boardsWithExternalFlashAreRefusedNamingIt(board: String) throws {
        let package = try Self.package(boards: [board])
        let loaded = try ST67Package.load(path: package.binaries.path)
        #expect {
            _ = try ST67UpdatePlan.make(
                package: loaded, board: board, profile: .t02, application: nil, environment: [:])
        } throws: { error in
            guard let error = error as? BootwireError else { return false }
            return error.code == .st67BoardUnsupported && error.evidence["external-flash"]?.hasPrefix("MX25U") == true
        }
    }

    @Test func aDryRunShowsEveryStepAndChangesNothing() throws {
        let package = try Self.package(boards: ["NUCLEO-H563ZI"])
        let state = Scratch.make()
        let port = "virtual:nucleo-h563zi,state=\(state.path),module-wire=instant"
        let run = try Bootwire.run(
            ["st67", "update", package.binaries.path, "--port", port, "--dry-run", "--json"], cache: Scratch.make())
        #expect(run.ok, "\(run.stdout)")
        #expect(run.summary["dry-run"] == "yes")
        #expect(run.summary["flash-module.images"] == "\(package.moduleImages.count)")
        #expect(run.summary["flash-bootloader.plan"]?.contains("Bootloader.bin") == true, "\(run.summary)")
        #expect(!FileManager.default.fileExists(atPath: state.appendingPathComponent("module.state").path))
    }

    @Test func theEfuseBurnIsAskedBeforeAnythingIsTouched() throws {
        guard Fixtures.present else { return }
        let package = try Self.package(boards: ["NUCLEO-H563ZI"])
        let state = Scratch.make()
        let port = "virtual:nucleo-h563zi,state=\(state.path),module-wire=instant"
        let run = try Bootwire.run(
            ["st67", "update", package.binaries.path, "--port", port, "--json"], cache: Scratch.make())
        #expect(run.errorCode == "confirmation-required", "\(run.stdout)")
        // Identified (the host's state file is written at the session's end), nothing changed.
        let host = [UInt8]((try? Data(contentsOf: state.appendingPathComponent("host.state"))) ?? Data())
        #expect(host.dropFirst(4).prefix(8192).allSatisfy { $0 == 0xFF }, "the host was touched")
        #expect(!FileManager.default.fileExists(atPath: state.appendingPathComponent("module.state").path))
    }

    @Test func anInterruptedUpdateResumesAtTheStepItStopped() throws {
        let package = try Self.package(boards: ["NUCLEO-H563ZI"])
        let state = Scratch.make()
        let cache = Scratch.make()
        let cut = try update(
            package,
            port: "virtual:nucleo-h563zi,state=\(state.path),module-wire=instant,module-disconnect-after=20000",
            cache: cache)
        #expect(!cut.ok, "the module's line was not cut: \(cut.stdout)")
        let again = try update(
            package, port: "virtual:nucleo-h563zi,state=\(state.path),module-wire=instant", cache: cache)
        #expect(again.ok, "\(again.stdout)")
        #expect(again.warningCodes.contains("interrupted-session"))
        #expect(again.summary["resumed"] == "flash-bootloader", "\(again.summary)")
        try expectProven(package, board: state)
    }

    @Test func withoutAnApplicationTheHostFlashIsPutBack() throws {
        let package = try Self.package(boards: ["NUCLEO-H563ZI"])
        for name in package.applications.keys {
            try FileManager.default.removeItem(
                at: package.binaries.appendingPathComponent("NUCLEO-H563ZI_Binaries/\(name)"))
        }
        let state = Scratch.make()
        let before = firmwareLike(12_000, seed: 99)
        let file = try Scratch.file(before, name: "user.bin").path + "@0x08000000"
        let host = "virtual:stlink-h563,state=\(state.appendingPathComponent("host.state").path)"
        #expect(try Bootwire.run(["flash", "--port", host, file, "--json"]).ok)
        let run = try update(
            package, port: "virtual:nucleo-h563zi,state=\(state.path),module-wire=instant", cache: Scratch.make())
        #expect(run.ok, "\(run.stdout)")
        #expect(run.summary["steps"] == "save-host,flash-bootloader,flash-module,flash-application")
        #expect(try Bootwire.readMemory(host, at: 0x0800_0000, count: before.count) == before)
    }

    @Test func theN657IsRefusedWithItsReason() throws {
        let package = try Self.package(boards: ["NUCLEO-N657X0-Q"])
        let run = try update(
            package, port: "virtual:nucleo-h563zi,module-wire=instant", cache: Scratch.make(),
            ["--board", "NUCLEO-N657X0-Q"])
        #expect(run.errorCode == "update-board-unsupported", "\(run.stdout)")
    }

    @Test func aFolderNotLikeSTsPackageIsRefused() throws {
        let run = try Bootwire.run(
            ["st67", "update", Scratch.make().path, "--port", "virtual:nucleo-h563zi", "--json"], cache: Scratch.make())
        #expect(run.errorCode == "update-package-invalid", "\(run.stdout)")
    }

    @Test func aHostThePackageHasNoBoardForIsNamed() throws {
        let package = try Self.package(boards: ["NUCLEO-U575ZI-Q"])
        let run = try update(package, port: "virtual:nucleo-h563zi,module-wire=instant", cache: Scratch.make())
        #expect(run.errorCode == "update-board-unknown", "\(run.stdout)")
    }

    @Test func listShowsTheSTLinkAndItsCOMPortAsOneBoard() throws {
        let run = try Bootwire.run(["list", "--virtual", "virtual:nucleo-u575zi", "--json"])
        #expect(run.ok, "\(run.stdout)")
        #expect(run.summary["boards"] == "1", "\(run.summary)")
        #expect(run.stdout.contains("\"stlink\":\"virtual:nucleo-u575zi\""), "\(run.stdout)")
    }
}

import Foundation
import Testing

/// `bootwire emulate qcc743` as a separate process, reached through a symlinked pty.
final class Emulator {
    let folder = Scratch.make()
    let process = Process()
    var port: String { folder.appendingPathComponent("tty").path }
    var dumpPath: String { folder.appendingPathComponent("flash.bin").path }
    var efuseDumpPath: String { folder.appendingPathComponent("efuse.bin").path }

    let isQCC743: Bool

    /// `device` is `qcc743`, or an STM32 of the table (`stm32 --device l476`).
    init(_ extra: [String] = [], stm32 device: String? = nil, wire: String = "instant") throws {
        isQCC743 = device == nil
        process.executableURL = Bootwire.executable
        let kind = device.map { ["stm32", "--device", $0] } ?? ["qcc743", "--efuse-dump", efuseDumpPath]
        process.arguments = ["emulate"] + kind + ["--wire", wire, "--link", port, "--dump", dumpPath] + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: port) && Date() < deadline { usleep(10_000) }
        try #require(FileManager.default.fileExists(atPath: port), "the emulator made no port")
    }

    /// Stops the emulator (SIGINT, as a person would) and returns the flash and eFuse dumps.
    func stop() throws -> (flash: [UInt8], efuse: [UInt8]) {
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let flash = try Data(contentsOf: URL(fileURLWithPath: dumpPath))
        let efuse = isQCC743 ? try Data(contentsOf: URL(fileURLWithPath: efuseDumpPath)) : Data()
        return ([UInt8](flash), [UInt8](efuse))
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}

/// ST's real files, beside the project as ../shared/fixtures/st67w61 (absent on some machines).
enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/fixtures/st67w61")
    static let present = FileManager.default.fileExists(atPath: folder.appendingPathComponent("partition.bin").path)

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
    }

    /// ST's mission_t02 set: file → address.
    static let mission: [(String, Int)] = [
        ("st67w611m_boot2_v8.1.9.bin", 0), ("partition.bin", 0xE000), ("littlefs.bin", 0x378000),
        ("st67w611m_mission_t02_v2.0.106.bin", 0x10000),
    ]
    static let mfg: [(String, Int)] = [
        ("st67w611m_boot2_v8.1.9.bin", 0), ("partition.bin", 0xE000), ("st67w611m_mfg_v2.0.106.bin", 0x10000),
    ]
}

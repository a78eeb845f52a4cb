import BootwireCore
import Foundation
import Testing

/// `bootwire emulate qcc743` as a user runs it: a separate process, a host on its link,
/// SIGINT, and the dumps it leaves behind.
@Suite struct EmulateCommandTests {
    /// The `bootwire` built with these tests: next to the test bundle, or in a scratch folder
    /// (`.build`, `.build-xxx`) of the package that holds this file.
    static let executable: URL? = {
        let fm = FileManager.default
        var candidates = [Bundle.main.bundleURL.appendingPathComponent("bootwire")]
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let scratch = ((try? fm.contentsOfDirectory(atPath: package.path)) ?? []).filter { $0.hasPrefix(".build") }
        let built = scratch.map { package.appendingPathComponent($0).appendingPathComponent("debug/bootwire") }
            .filter { fm.isExecutableFile(atPath: $0.path) }
            .sorted { EmulateCommandTests.modified($0) > EmulateCommandTests.modified($1) }
        candidates += built
        return candidates.first { fm.isExecutableFile(atPath: $0.path) }
    }()

    static func modified(_ url: URL) -> Date {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date) ?? .distantPast
    }

    /// A running `bootwire emulate`, stopped with SIGINT (or killed if a test fails early).
    final class Emulator {
        let process = Process()
        let output = Pipe()
        let link: String

        init(_ arguments: [String], link: String) throws {
            let executable = try #require(EmulateCommandTests.executable, "build the package first: bootwire not found")
            self.link = link
            process.executableURL = executable
            process.arguments = ["emulate", "qcc743", "--wire", "instant", "--link", link] + arguments
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let deadline = Deadline.after(milliseconds: 10_000)
            while !FileManager.default.fileExists(atPath: link) && process.isRunning && !deadline.hasPassed {
                MonotonicClock.sleep(milliseconds: 10)
            }
            try #require(FileManager.default.fileExists(atPath: link), "no link at \(link)")
        }

        deinit {
            if process.isRunning { process.terminate() }
        }

        /// SIGINT, then the exit status and what it printed.
        func interrupt() throws -> (status: Int32, output: String) {
            process.interrupt()
            let deadline = Deadline.after(milliseconds: 10_000)
            while process.isRunning && !deadline.hasPassed { MonotonicClock.sleep(milliseconds: 10) }
            try #require(!process.isRunning, "bootwire emulate did not stop on SIGINT")
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationReason == .exit)
            return (process.terminationStatus, text)
        }
    }

    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bootwire-emulate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func flashAndEfuseWritesEndUpInTheDumps() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let link = folder.appendingPathComponent("tty").path
        let flashDump = folder.appendingPathComponent("flash.bin").path
        let efuseDump = folder.appendingPathComponent("efuse.bin").path
        let emulator = try Emulator(["--dump", flashDump, "--efuse-dump", efuseDump], link: link)

        let file = noise(count: 3000, seed: 7)
        let customerMAC: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66]
        do {
            let host = try Host(link)
            #expect(try host.sync() == ok)
            #expect(try host.exchange(frame(0x22, le32(1) + le32(2_000_000))) == ok)
            try host.setBaud(2_000_000)
            #expect(try host.exchange(frame(0x30, le32(0x10000) + le32(0x10000 + file.count - 1))) == ok)
            #expect(try host.exchange(frame(0x31, le32(0x10000) + Array(file[..<2048]))) == ok)
            #expect(try host.exchange(frame(0x31, le32(0x10800) + Array(file[2048...]))) == ok)
            #expect(try host.exchange(frame(0x3A)) == ok)
            #expect(try host.exchange(frame(0x3E, le32(0x10000) + le32(file.count))) == okData(SHA256Digest.of(file)))
            #expect(try host.exchange(frame(0x40, le32(0x64) + customerMAC)) == ok)
        }

        let (status, output) = try emulator.interrupt()
        #expect(status == 0, "\(output)")
        #expect(output.contains("virtual QCC743 boot ROM"))
        let flash = try [UInt8](Data(contentsOf: URL(fileURLWithPath: flashDump)))
        #expect(flash.count == 4 << 20)
        #expect(Array(flash[0x10000..<(0x10000 + file.count)]) == file)
        #expect(flash[0xFFFF] == 0xFF && flash[0x10000 + file.count] == 0xFF)
        #expect(flash.filter { $0 != 0xFF }.count <= file.count)
        let efuse = try [UInt8](Data(contentsOf: URL(fileURLWithPath: efuseDump)))
        #expect(efuse.count == 512)
        #expect(Array(efuse[0x64..<0x6A]) == customerMAC)
        // The chip id (default MAC): the vendor's OUI, then this instance's own three bytes.
        #expect(Array(efuse[0x17..<0x1A]) == bytes("7b 82 40"))
        #expect(Array(efuse[0x5C..<0x60]) == bytes("27 12 82 01"))
        #expect(!FileManager.default.fileExists(atPath: link))
    }

    @Test func initialContentsAndIdentityFromTheCommandLine() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let link = folder.appendingPathComponent("tty").path
        let image = folder.appendingPathComponent("image.bin")
        let contents = noise(count: 600, seed: 99)
        try Data(contents).write(to: image)
        let emulator = try Emulator(
            ["--flash-image", image.path, "--fault", "locked", "--chip-id", "40827b037742"], link: link)
        do {
            let host = try Host(link)
            #expect(try host.sync() == ok)
            #expect(try host.exchange(frame(0x32, le32(0) + le32(600))) == okData(contents))
            #expect(try host.exchange(frame(0x32, le32(600) + le32(16))) == okData([UInt8](repeating: 0xFF, count: 16)))
            let info = try host.exchange([0x10, 0x00, 0x00, 0x00])
            #expect(info.count == 4 + 28)
            #expect(info[4 + 4] == 1)  // locked: signed boot
            #expect(Array(info[(4 + 8)..<(4 + 12)]) == bytes("a7 12 82 01"))
            #expect(Array(info[(4 + 12)..<(4 + 18)]) == bytes("42 77 03 7b 82 40"))
        }
        let (status, output) = try emulator.interrupt()
        #expect(status == 0, "\(output)")
    }
}

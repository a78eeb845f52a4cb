import BootwireCore
import Foundation
import Testing

@testable import QCC743

/// ST's inis name `st67w611m_mission_t02_vxxx.bin`; ST's scripts substitute the newest version
/// present. Bootwire does the same when it reads the ini.
@Suite struct VersionPlaceholderTests {
    static let ini = "[cfg]\nerase = 1\n[FW]\nfiledir = ./st67w611m_mission_t02_vxxx.bin\naddress = 0x10000\n"

    func folder(_ files: [String]) throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        for (index, name) in files.enumerated() { try folder.write(name, [UInt8](repeating: UInt8(index), count: 64)) }
        try folder.write("flash_prog_cfg.ini", text: Self.ini)
        return folder
    }

    @Test func theNewestVersionIsChosenNumerically() throws {
        let folder = try folder([
            "st67w611m_mission_t02_v2.0.89.bin", "st67w611m_mission_t02_v2.0.106.bin",
            "st67w611m_mission_t02_v2.0.97.bin",
            // Not versions ST's scripts accept, or not this image: never chosen.
            "st67w611m_mission_t02_v2.0.107.bin.ota", "st67w611m_mission_t02_v2.0.107.xz.ota",
            "st67w611m_mission_t02_vbeta.bin", "st67w611m_mission_t01_v9.9.9.bin", "st67w611m_mission_t02_v.bin",
        ])
        let manifest = try FlashManifest.load(path: folder.path + "/flash_prog_cfg.ini")
        #expect(manifest.images.map(\.path) == [folder.path + "/st67w611m_mission_t02_v2.0.106.bin"])
        let choice = try #require(manifest.versionChoices.first)
        #expect(choice.section == "FW")
        #expect(choice.placeholder == "st67w611m_mission_t02_vxxx.bin")
        #expect(choice.chosen == "st67w611m_mission_t02_v2.0.106.bin")
        #expect(
            Set(choice.candidates)
                == [
                    "st67w611m_mission_t02_v2.0.89.bin", "st67w611m_mission_t02_v2.0.106.bin",
                    "st67w611m_mission_t02_v2.0.97.bin",
                ])
        #expect(choice.message.contains("st67w611m_mission_t02_vxxx.bin → st67w611m_mission_t02_v2.0.106.bin"))
    }

    @Test func aLongerVersionWinsOverItsPrefix() throws {
        let folder = try folder(["st67w611m_mission_t02_v2.0.bin", "st67w611m_mission_t02_v2.0.1.bin"])
        let manifest = try FlashManifest.load(path: folder.path + "/flash_prog_cfg.ini")
        #expect(manifest.versionChoices.first?.chosen == "st67w611m_mission_t02_v2.0.1.bin")
    }

    @Test func aFileLiterallyNamedVxxxIsTakenAsItIs() throws {
        let folder = try folder(["st67w611m_mission_t02_vxxx.bin", "st67w611m_mission_t02_v2.0.106.bin"])
        let manifest = try FlashManifest.load(path: folder.path + "/flash_prog_cfg.ini")
        #expect(manifest.images.first?.path == folder.path + "/st67w611m_mission_t02_vxxx.bin")
        #expect(manifest.versionChoices.isEmpty)
    }

    @Test func noMatchingVersionListsWhatIsThere() throws {
        let folder = try folder([
            "st67w611m_mission_t02_vbeta.bin", "st67w611m_mission_t01_v2.0.106.bin", "notes.txt",
        ])
        let error = expectError(.fileNotFound) { _ = try FlashManifest.load(path: folder.path + "/flash_prog_cfg.ini") }
        #expect(error?.hint != nil)
        #expect(error?.evidence["placeholder"] == "st67w611m_mission_t02_vxxx.bin")
        #expect(error?.evidence["candidates"] == "st67w611m_mission_t02_vbeta.bin,st67w611m_mission_t01_v2.0.106.bin")
    }

    @Test func anEmptyFolderStillHasAHint() throws {
        let folder = try folder([])
        let error = expectError(.fileNotFound) { _ = try FlashManifest.load(path: folder.path + "/flash_prog_cfg.ini") }
        #expect(error?.hint != nil)
        #expect(error?.evidence["candidates"] == "")
    }
}

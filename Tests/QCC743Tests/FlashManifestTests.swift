import BootwireCore
import Foundation
import Testing

@testable import QCC743

@Suite struct FlashManifestTests {
    // MARK: ST's real configurations

    @Test(.enabled(if: Fixtures.available))
    func missionT02() throws {
        let manifest = try FlashManifest.load(
            path: Fixtures.path("mission_t02_flash_prog_cfg.ini"), flashSize: 4 << 20)
        #expect(manifest.erase == .chip)
        #expect(manifest.skipRegions.isEmpty)
        #expect(manifest.images.map(\.name) == ["boot2", "partition", "FW", "littlefs"])
        #expect(manifest.images.map(\.address) == [0x0, 0xE000, 0x10000, 0x378000])
        let firmware = manifest.images[2]
        #expect(firmware.partitionLimit == 0x1B4000)
        #expect(firmware.path == Fixtures.path("st67w611m_mission_t02_v2.0.106.bin"))
        #expect(firmware.size == 1_301_888)
        #expect(manifest.images[0].partitionLimit == nil)
        #expect(manifest.vendorLookupDisagreements.isEmpty)
    }

    @Test(.enabled(if: Fixtures.available))
    func manufacturing() throws {
        let manifest = try FlashManifest.load(path: Fixtures.path("mfg_flash_prog_cfg.ini"))
        #expect(manifest.erase == .sections)
        #expect(manifest.images.map(\.name) == ["boot2", "partition", "FW"])
        #expect(manifest.images.map(\.address) == [0x0, 0xE000, 0x10000])
        #expect(manifest.images[2].size == 517_536)
    }

    @Test(.enabled(if: Fixtures.available))
    func missionT02DoesNotFitTwoMegabytes() {
        let error = expectError(.imageTooLarge) {
            _ = try FlashManifest.load(path: Fixtures.path("mission_t02_flash_prog_cfg.ini"), flashSize: 2 << 20)
        }
        #expect(error?.evidence["section"] == "littlefs")
    }

    // MARK: Synthetic configurations

    /// A folder with boot2, a partition table (Boot2, FW, media) and a firmware file.
    static func project(firmwareSize: Int = 1000) throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        try folder.write("boot2.bin", [UInt8](repeating: 0xB2, count: 700))
        try folder.write("partition.bin", PartitionTableTests.sampleTable().bytes)
        try folder.write("fw_v1.2.3.bin", [UInt8](repeating: 0xF0, count: firmwareSize))
        return folder
    }

    static let baseIni = """
        [cfg]
        erase = 1
        skip_mode = 0x0, 0x0
        boot2_isp_mode = 0

        [boot2]
        filedir = ./boot2.bin
        address = 0x000000

        [partition]
        filedir = ./partition.bin
        address = 0xE000

        [FW]
        filedir = ./fw_v1.2.3.bin
        address = @partition
        """

    static func load(_ folder: TemporaryDirectory, _ ini: String, flashSize: Int? = nil, env: [String: String] = [:])
        throws -> FlashManifest
    {
        let path = try folder.write("flash_prog_cfg.ini", text: ini)
        return try FlashManifest.load(path: path, flashSize: flashSize, environment: env)
    }

    @Test func resolvesRelativePathsAndPartitionAddresses() throws {
        let folder = try Self.project()
        let manifest = try Self.load(folder, Self.baseIni)
        #expect(manifest.erase == .sections)
        #expect(manifest.images.map(\.address) == [0, 0xE000, 0x10000])
        #expect(manifest.images.map(\.size) == [700, 16 + 3 * 36 + 4, 1000])
        #expect(manifest.images[2].path == folder.path + "/fw_v1.2.3.bin")
        #expect(manifest.images[2].partitionLimit == 0x1B4000)
    }

    @Test func defaultsWithoutCfgSection() throws {
        let folder = try Self.project()
        let manifest = try Self.load(folder, "[boot2]\nfiledir = boot2.bin\naddress = 0\n")
        #expect(manifest.erase == .sections)
        #expect(manifest.images.count == 1)
    }

    @Test func missingIniAndMissingImageAreFileNotFound() throws {
        let folder = try Self.project()
        _ = expectError(.fileNotFound) { _ = try FlashManifest.load(path: folder.path + "/none.ini") }
        let error = expectError(.fileNotFound) {
            _ = try Self.load(folder, Self.baseIni.replacingOccurrences(of: "./boot2.bin", with: "./boot3.bin"))
        }
        #expect(error?.evidence["line"] == "7")
    }

    @Test func imageLargerThanItsPartitionOrTheFlash() throws {
        let folder = try Self.project(firmwareSize: 0x1B4000 + 1)
        let error = expectError(.imageTooLarge) { _ = try Self.load(folder, Self.baseIni) }
        #expect(error?.evidence["max_len"] == "0x1B4000")
        let small = try Self.project()
        _ = expectError(.imageTooLarge) { _ = try Self.load(small, Self.baseIni, flashSize: 0x10000 + 999) }
        #expect(try Self.load(small, Self.baseIni, flashSize: 0x10000 + 1000).images.count == 3)
    }

    @Test func overlappingAndSharedAddresses() throws {
        let folder = try Self.project()
        let overlapping = Self.baseIni.replacingOccurrences(of: "0xE000", with: "0x200")  // boot2 is 700 bytes
        let error = expectError(.imageOverlap) { _ = try Self.load(folder, overlapping) }
        #expect(error?.evidence["first"] == "boot2" && error?.evidence["second"] == "partition")
        let touching = Self.baseIni.replacingOccurrences(of: "0xE000", with: "0x2BC")  // ends exactly at 700
        #expect(try Self.load(folder, touching).images[1].address == 700)
        try folder.write("empty.bin", [])
        // An empty file sharing the table's address overlaps nothing byte-wise, yet two images at
        // one address is a vendor error; listed first, only the shared-address rule can catch it.
        let shared = Self.baseIni.replacingOccurrences(
            of: "[partition]", with: "[empty]\nfiledir = empty.bin\naddress = 0xE000\n\n[partition]")
        let sharedError = expectError(.imageOverlap) { _ = try Self.load(folder, shared) }
        #expect(sharedError?.evidence["first"] == "empty")
    }

    @Test func malformedLineReportsItsLineNumber() throws {
        let folder = try Self.project()
        let ini = Self.baseIni.replacingOccurrences(of: "skip_mode = 0x0, 0x0", with: "skip_mode 0x0")
        let error = expectError(.badConfig) { _ = try Self.load(folder, ini) }
        #expect(error?.evidence["line"] == "3")
        #expect(error?.evidence["file"] == folder.path + "/flash_prog_cfg.ini")
    }

    @Test func cfgValueErrors() throws {
        let folder = try Self.project()
        for (from, to, line) in [
            ("erase = 1", "erase = 3", "2"),
            ("erase = 1", "erase = one", "2"),
            ("boot2_isp_mode = 0", "boot2_isp_mode = 1", "4"),
            ("skip_mode = 0x0, 0x0", "skip_mode = 0x0", "3"),
            ("erase = 1", "erse = 2", "2"),
        ] {
            let error = expectError(.badConfig) {
                _ = try Self.load(folder, Self.baseIni.replacingOccurrences(of: from, with: to))
            }
            #expect(error?.evidence["line"] == line, "\(to)")
        }
    }

    /// Item 5 of issue #23: skip_mode is kept (with erase = 2 too: the pipeline spares it), and
    /// read as the vendor reads it: hex after 0x, decimal otherwise.
    @Test func skipRegionsAreKeptAndReadAsTheVendorReadsThem() throws {
        let folder = try Self.project()
        let skip = Self.baseIni.replacingOccurrences(of: "0x0, 0x0", with: "0x3F0000, 0x1000; 0x3FF000,4096")
        let manifest = try Self.load(folder, skip)
        #expect(
            manifest.skipRegions == [
                .init(address: 0x3F0000, length: 0x1000), .init(address: 0x3FF000, length: 0x1000),
            ])
        #expect(manifest.keepOut == [0x3F0000..<0x3F1000, 0x3FF000..<0x400000])
        let chip = try Self.load(folder, skip.replacingOccurrences(of: "erase = 1", with: "erase = 2"))
        #expect(chip.erase == .chip && chip.keepOut == manifest.keepOut)
        #expect(try Self.load(folder, Self.baseIni).keepOut.isEmpty)
    }

    @Test func missingFiledirOrAddress() throws {
        let folder = try Self.project()
        var error = expectError(.badConfig) {
            _ = try Self.load(folder, Self.baseIni.replacingOccurrences(of: "filedir = ./boot2.bin\n", with: ""))
        }
        #expect(error?.evidence["section"] == "boot2" && error?.evidence["line"] == "6")
        error = expectError(.badConfig) {
            _ = try Self.load(
                folder, Self.baseIni.replacingOccurrences(of: "address = 0xE000", with: "adress = 0xE000"))
        }
        #expect(error?.evidence["section"] == "partition")
        _ = expectError(.badConfig) {
            _ = try Self.load(folder, Self.baseIni.replacingOccurrences(of: "0xE000", with: "0xE00G"))
        }
    }

    @Test func partitionLookupErrors() throws {
        let folder = try Self.project()
        let unknown = Self.baseIni.replacingOccurrences(of: "[FW]", with: "[APP]")
        let error = expectError(.badConfig) { _ = try Self.load(folder, unknown) }
        #expect(error?.evidence["section"] == "APP" && error?.evidence["line"] == "16")
        // [partition] after the section that needs it.
        let late = """
            [FW]
            filedir = fw_v1.2.3.bin
            address = @partition

            [partition]
            filedir = partition.bin
            address = 0xE000
            """
        #expect(expectError(.badConfig) { _ = try Self.load(folder, late) }?.evidence["line"] == "3")
        // A damaged table is a bad image, not a bad config.
        var table = PartitionTableTests.sampleTable().bytes
        table[20] ^= 0xFF
        try folder.write("partition.bin", table)
        _ = expectError(.badImage) { _ = try Self.load(folder, Self.baseIni) }
    }

    @Test func vendorSubstringDisagreementIsReported() throws {
        let folder = try Self.project()
        try folder.write(
            "partition.bin",
            PartitionTable(entries: [
                .init(type: 1, name: "FWX", addresses: [0x100000, 0], maxLengths: [0x1000, 0]),
                .init(type: 0, name: "FW", addresses: [0x10000, 0], maxLengths: [0x8000, 0]),
            ]).bytes)
        let manifest = try Self.load(folder, Self.baseIni)
        #expect(manifest.images.last?.address == 0x10000)
        #expect(manifest.vendorLookupDisagreements == ["FW"])
    }

    @Test func globMustMatchExactlyOneFile() throws {
        let folder = try Self.project()
        let glob = Self.baseIni.replacingOccurrences(of: "./fw_v1.2.3.bin", with: "./fw_*.bin")
        #expect(try Self.load(folder, glob).images[2].path == folder.path + "/fw_v1.2.3.bin")
        try folder.write("fw_v1.2.4.bin", [1])
        let error = expectError(.badConfig) { _ = try Self.load(folder, glob) }
        #expect(error?.evidence["matches"] == "fw_v1.2.3.bin,fw_v1.2.4.bin")
        let none = Self.baseIni.replacingOccurrences(of: "./fw_v1.2.3.bin", with: "./app_*.bin")
        _ = expectError(.fileNotFound) { _ = try Self.load(folder, none) }
    }

    @Test func substitutionsAndBackslashes() throws {
        let folder = try Self.project()
        try folder.write("images/qcc743/fw.bin", [UInt8](repeating: 1, count: 10))
        let ini = Self.baseIni.replacingOccurrences(
            of: "./fw_v1.2.3.bin", with: "$(BW_IMAGES)\\$(CHIPNAME)\\fw.bin")
        let manifest = try Self.load(folder, ini, env: ["BW_IMAGES": folder.path + "/images"])
        #expect(manifest.images[2].path == folder.path + "/images/qcc743/fw.bin")
        #expect(manifest.images[2].size == 10)
        let relative = Self.baseIni.replacingOccurrences(of: "./fw_v1.2.3.bin", with: ".\\images\\$(CHIPNAME)\\fw.bin")
        #expect(try Self.load(folder, relative).images[2].path == folder.path + "/images/qcc743/fw.bin")
        let error = expectError(.badConfig) { _ = try Self.load(folder, ini, env: [:]) }
        #expect(error?.evidence["variable"] == "BW_IMAGES")
    }

    @Test func globMatcher() {
        #expect(ImagePathResolver.matches(name: "st67w611m_mfg_v2.0.106.bin", pattern: "st67w611m_mfg_*.bin"))
        #expect(ImagePathResolver.matches(name: "ab", pattern: "a*b"))
        #expect(!ImagePathResolver.matches(name: "ab", pattern: "a*b*b"))
        #expect(ImagePathResolver.matches(name: "axbyb", pattern: "a*b*b"))
        #expect(!ImagePathResolver.matches(name: "a.bin.txt", pattern: "*.bin"))
        #expect(ImagePathResolver.matches(name: "x", pattern: "*"))
        #expect(!ImagePathResolver.matches(name: "x", pattern: "y"))
    }
}

import BootwireCore
import Testing

@Suite struct ImageLoaderTests {
    static let hex = [hexRecord(4, 0, [0x08, 0]), hexRecord(0, 0, [1, 2, 3]), hexRecord(1, 0)].joined(separator: "\n")
    static let srec = [srecRecord(3, 0x0800_0000, [1, 2, 3]), srecRecord(7, 0)].joined(separator: "\n")

    @Test func detectsByContentWhateverTheName() throws {
        let elf = ELFTests.firmware().build()
        #expect(ImageFormat.detect(elf, file: "firmware") == .elf)
        #expect(ImageFormat.detect(bytes("\r\n\n" + Self.hex), file: "out.txt") == .intelHex)
        #expect(ImageFormat.detect(bytes(Self.srec), file: "out.hex") == .sRecord)
        #expect(ImageFormat.detect([0x3A, 0x00, 0x50, 0x00, 0x20], file: "app.img") == .raw)
        #expect(ImageFormat.detect(bytes("S1 is not a record"), file: "notes") == .raw)
        #expect(ImageFormat.detect(bytes(Self.hex), file: "really.bin") == .raw)
    }

    @Test func fallsBackToTheExtension() {
        #expect(ImageFormat.detect(bytes("junk"), file: "dir.v2/app.HEX") == .intelHex)
        #expect(ImageFormat.detect(bytes("junk"), file: "app.s19") == .sRecord)
        #expect(ImageFormat.detect(bytes("junk"), file: "app.axf") == .elf)
        #expect(ImageFormat.detect(bytes("junk"), file: "dir.v2/app") == .raw)
        #expect(ImageFormat.detect([], file: ".hex") == .raw)
    }

    @Test func loadsEachFormatFromDisk() throws {
        let folder = try TemporaryDirectory()
        let hex = try ImageLoader.load(path: try folder.write("app.hex", bytes(Self.hex)), address: nil)
        #expect(hex.segments.map(\.range) == [0x0800_0000...0x0800_0002])
        let srec = try ImageLoader.load(path: try folder.write("app.srec", bytes(Self.srec)), address: nil)
        #expect(srec.segments.map(\.bytes) == [[1, 2, 3]])
        let elf = try ImageLoader.load(path: try folder.write("app.elf", ELFTests.firmware().build()), address: nil)
        #expect(elf.segments.count == 2)
        #expect(elf.entryPoint == 0x0800_0009)
        let path = try folder.write("app.bin", [0xAA, 0xBB])
        let raw = try ImageLoader.load(path: path, address: 0x0800_0000)
        #expect(
            raw.segments == [
                Segment(address: 0x0800_0000, bytes: [0xAA, 0xBB], origin: Origin(file: path, location: .whole))
            ])
    }

    @Test func refusesMissingFilesAndAddresses() throws {
        let folder = try TemporaryDirectory()
        let missing = expectError(.fileNotFound) {
            _ = try ImageLoader.load(path: folder.path + "/none.hex", address: nil)
        }
        #expect(missing?.evidence["path"] == folder.path + "/none.hex")
        // A folder is named as one, not as missing.
        expectError(.badImage) { _ = try ImageLoader.load(path: folder.path, address: nil) }

        let bin = try folder.write("app.bin", [1, 2])
        let noAddress = expectError(.badImage) { _ = try ImageLoader.load(path: bin, address: nil) }
        #expect(noAddress?.evidence["format"] == "raw")
        #expect(noAddress?.hint?.contains("@0x08000000") == true)
        // On the module the example is its application partition, not an STM32 address.
        let onModule = expectError(.badImage) {
            _ = try ImageLoader.load(path: bin, address: nil, exampleAddress: 0x10000)
        }
        #expect(onModule?.hint?.contains("@0x10000`") == true)

        let hex = try folder.write("app.hex", bytes(Self.hex))
        let extra = expectError(.badImage) { _ = try ImageLoader.load(path: hex, address: 0x1000) }
        #expect(extra?.evidence["format"] == "ihex")
        #expect(extra?.evidence["address"] == "0x1000")
    }

    @Test func refusesFilesWithNothingToWrite() throws {
        expectError(.badImage) {
            _ = try ImageLoader.load(bytes: bytes(hexRecord(1, 0)), file: "empty.hex", address: nil)
        }
        expectError(.badImage) { _ = try ImageLoader.load(bytes: [], file: "empty.bin", address: 0) }
        let bss = ELFBuilder(programs: [.init(vaddr: 0x2000_0000, paddr: 0x2000_0000, data: [], memsz: 64)]).build()
        expectError(.badImage) { _ = try ImageLoader.load(bytes: bss, file: "bss.elf", address: nil) }
    }

    @Test func rawBinariesMustFitTheAddressSpace() {
        let error = expectError(.addressOutOfRange) {
            _ = try ImageLoader.load(bytes: [1, 2], file: "top.bin", address: UInt64.max)
        }
        #expect(error?.evidence["address"] == "0xFFFFFFFFFFFFFFFF")
    }

    @Test func damagedTextWithAKnownExtensionGetsLineNumbers() {
        let error = expectError(.badImage) {
            _ = try ImageLoader.load(bytes: bytes("garbage\n"), file: "app.hex", address: nil)
        }
        #expect(error?.evidence["line"] == "1")
    }

    @Test func splitsFileAtAddressArguments() throws {
        #expect(try ImageLoader.parseArgument("app.bin@0x08000000") == ("app.bin", 0x0800_0000))
        #expect(try ImageLoader.parseArgument("app.bin@64K") == ("app.bin", 65536))
        #expect(try ImageLoader.parseArgument("me@host/app.bin@4096") == ("me@host/app.bin", 4096))
        #expect(try ImageLoader.parseArgument("me@host/app.hex") == ("me@host/app.hex", nil))
        #expect(try ImageLoader.parseArgument("@0x10") == ("@0x10", nil))
        #expect(try ImageLoader.parseArgument("app.hex") == ("app.hex", nil))
        expectError(.usage) { _ = try ImageLoader.parseArgument("app.bin@0x0800000G") }
    }
}

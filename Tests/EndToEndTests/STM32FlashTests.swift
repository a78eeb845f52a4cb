import BootwireCore
import Foundation
import STM32
import Testing

/// The STM32 system bootloader through `bootwire` against `bootwire emulate stm32`.
@Suite(.serialized) struct STM32FlashTests {
    static let base: UInt64 = 0x0800_0000

    /// A minimal ELF32 little-endian executable with one PT_LOAD segment at `address`.
    static func elf(_ data: [UInt8], at address: UInt32) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        let headerSize: UInt32 = 52
        let programHeaderSize: UInt32 = 32
        var bytes: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 1, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        bytes += u16(2) + u16(40) + u32(1) + u32(address) + u32(headerSize) + u32(0) + u32(0)
        bytes += u16(UInt16(headerSize)) + u16(UInt16(programHeaderSize)) + u16(1) + u16(40) + u16(0) + u16(0)
        let offset = headerSize + programHeaderSize
        bytes +=
            u32(1) + u32(offset) + u32(address) + u32(address) + u32(UInt32(data.count)) + u32(UInt32(data.count))
            + u32(5) + u32(4)
        return bytes + data
    }

    func files(_ data: [UInt8], at address: UInt64) throws -> [String: String] {
        let plan = try FlashPlan(segments: [
            Segment(address: address, bytes: data, origin: Origin(file: "made", location: .whole))
        ])
        return [
            "hex": try Scratch.file(Array(try IntelHex.write(plan).utf8), name: "app.hex").path,
            "srec": try Scratch.file(Array(try SRecord.write(plan).utf8), name: "app.srec").path,
            "elf": try Scratch.file(Self.elf(data, at: UInt32(address)), name: "app.elf").path,
            "bin": try Scratch.file(data, name: "app.bin").path + "@0x\(String(address, radix: 16))",
        ]
    }

    @Test(arguments: ["l476", "wb55"])
    func everyImageFormatIsWrittenAndVerified(device: String) throws {
        let emulator = try Emulator(stm32: device)
        var expected: [(UInt64, [UInt8])] = []
        for (index, format) in ["hex", "srec", "elf", "bin"].enumerated() {
            let data = firmwareLike(3000 + index * 517, seed: UInt32(index + 1))
            let address = Self.base + UInt64(index) * 0x2000
            let file = try files(data, at: address)[format]!
            let run = try Bootwire.run(["flash", "--chip", "stm32", "--port", emulator.port, "--json", file])
            #expect(run.ok, "\(format): \(run.stdout)")
            #expect(run.summary["verified"] == "yes")
            expected.append((address, data))
        }
        let (flash, _) = try emulator.stop()
        for (address, data) in expected {
            let offset = Int(address - Self.base)
            #expect(Array(flash[offset..<(offset + data.count)]) == data)
        }
    }

    @Test func aReadProtectedPartIsExplainedAndUnprotectMassErases() throws {
        var stale = firmwareLike(0x4000, seed: 9)
        stale[0] = 0x42
        let image = try Scratch.file(stale, name: "stale.bin")
        let emulator = try Emulator(["--flash-image", image.path, "--fault", "locked"], stm32: "l476")
        let file = try Scratch.file(firmwareLike(1000), name: "new.bin")
        let refused = try Bootwire.run([
            "flash", "--chip", "stm32", "--port", emulator.port, "--json", "\(file.path)@0x08000000",
        ])
        #expect(refused.errorCode == "device-protected", "\(refused.stdout)")
        #expect(refused.status == ErrorCategory.protection.exitStatus)
        let unconfirmed = try Bootwire.run([
            "unprotect", "--readout", "--port", emulator.port, "--chip", "stm32", "--json",
        ])
        #expect(unconfirmed.errorCode == "confirmation-required")
        let unprotect = try Bootwire.run([
            "unprotect", "--readout", "--yes", "--port", emulator.port, "--chip", "stm32", "--json",
        ])
        #expect(unprotect.ok, "\(unprotect.stdout)")
        let (flash, _) = try emulator.stop()
        #expect(flash.prefix(0x4000).allSatisfy { $0 == 0xFF }, "removing readout protection erased the flash")
    }

    @Test func infoReadAndEraseOnTheSameVerbs() throws {
        let info = try Bootwire.run(["info", "--port", "virtual:stm32l476,wire=instant", "--json"]).stm32Info()
        #expect(info.readoutProtection == .level0)
        #expect(info.deviceID == 0x415 && info.bootloader != nil)
        let out = Scratch.make().appendingPathComponent("read.bin")
        let read = try Bootwire.run([
            "read", "--port", "virtual:stm32wb55,wire=instant", "--start", "0x08000000", "--len", "2K", "--file",
            out.path, "--json",
        ])
        #expect(read.ok)
        #expect(try Data(contentsOf: out).count == 2048)
        // The application and any data kept in flash are lost for good: asked, as on the module.
        let refused = try Bootwire.run(["erase", "--port", "virtual:stm32l476,wire=instant", "--whole-chip", "--json"])
        #expect(refused.errorCode == "confirmation-required", "\(refused.stdout)")
        let erase = try Bootwire.run([
            "erase", "--port", "virtual:stm32l476,wire=instant", "--whole-chip", "--yes", "--json",
        ])
        #expect(erase.ok, "\(erase.stdout)")
    }
}

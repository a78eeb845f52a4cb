import BootwireCore
import Foundation
import STM32
import Testing

/// The STM32 ROM bootloader over USB DFU, through `bootwire` against the in-process virtual
/// DfuSe devices. The device keeps its flash in a `state=` file so a second run can read it back.
@Suite(.serialized) struct DFUFlashTests {
    static let base: UInt64 = 0x0800_0000

    /// In simulated time: the device's erase and program times (its bwPollTimeouts) cost no
    /// wall-clock time. The ports written out below stay on the wall clock.
    func port(_ device: String, state: URL, _ options: String = "") -> String {
        "virtual:dfu-\(device),time=simulated,state=\(state.path)" + (options.isEmpty ? "" : ",\(options)")
    }

    func images(_ data: [UInt8], at address: UInt64) throws -> [String: String] {
        let plan = try FlashPlan(segments: [
            Segment(address: address, bytes: data, origin: Origin(file: "made", location: .whole))
        ])
        let dfu = DfuSeFile(targets: [.init(alternate: 0, elements: [.init(address: UInt32(address), bytes: data)])])
        return [
            "hex": try Scratch.file(Array(try IntelHex.write(plan).utf8), name: "app.hex").path,
            "elf": try Scratch.file(STM32FlashTests.elf(data, at: UInt32(address)), name: "app.elf").path,
            "dfu": try Scratch.file(dfu.bytes, name: "app.dfu").path,
            "srec": try Scratch.file(Array(try SRecord.write(plan).utf8), name: "app.srec").path,
            "bin": try Scratch.file(data, name: "app.bin").path + "@0x\(String(address, radix: 16))",
        ]
    }

    @Test(arguments: ["l476", "wb55"])
    func everyImageFormatIsWrittenAndVerifiedByUpload(device: String) throws {
        let state = Scratch.make().appendingPathComponent("chip.state")
        var expected: [(UInt64, [UInt8])] = []
        for (index, format) in ["hex", "elf", "dfu", "srec", "bin"].enumerated() {
            let data = firmwareLike(5000 + index * 333, seed: UInt32(index + 3))
            let address = Self.base + UInt64(index) * 0x4000
            let run = try Bootwire.run([
                "flash", "--port", port(device, state: state), "--json", try images(data, at: address)[format]!,
            ])
            #expect(run.ok, "\(format): \(run.stdout)")
            #expect(run.summary["verified"] == "yes")
            expected.append((address, data))
        }
        for (address, data) in expected {
            #expect(
                try Bootwire.readMemory(port(device, state: state), at: address, count: data.count) == data,
                "a later run reads it back")
        }
    }

    /// Issue #23 item 10: a .dfu whose suffix names another VID:PID is refused before any erase,
    /// as dfu-util refuses it; 0xFFFF (any) and ST's own 0483:df11 are flashed.
    @Test func aDfuFileForAnotherUSBDeviceIsRefusedBeforeAnyErase() throws {
        let state = Scratch.make().appendingPathComponent("chip.state")
        let data = firmwareLike(3000, seed: 7)
        let element = DfuSeFile.Element(address: UInt32(Self.base), bytes: data)
        func file(_ vendor: UInt16, _ product: UInt16) throws -> String {
            try Scratch.file(
                DfuSeFile(targets: [.init(alternate: 0, elements: [element])], vendorID: vendor, productID: product)
                    .bytes, name: "app.dfu"
            ).path
        }
        let other = try Bootwire.run([
            "flash", "--port", port("l476", state: state), "--json", try file(0x1209, 0x70B1),
        ])
        #expect(other.errorCode == "dfu-file-other-device", "\(other.stdout)")
        let erased = try Bootwire.readMemory(port("l476", state: state), at: Self.base, count: data.count)
        #expect(erased != data)
        for (vendor, product) in [(UInt16(0xFFFF), UInt16(0xFFFF)), (0x0483, 0xDF11), (0x0483, 0xFFFF)] {
            let run = try Bootwire.run([
                "flash", "--port", port("l476", state: state), "--json", try file(vendor, product),
            ])
            #expect(run.ok, "\(run.stdout)")
        }
    }

    @Test func massEraseAndGoLeaveTheDeviceAndCountAsSuccess() throws {
        let state = Scratch.make().appendingPathComponent("chip.state")
        let data = firmwareLike(9000)
        let first = try Bootwire.run([
            "flash", "--port", port("l476", state: state), "--json", try images(data, at: Self.base + 0x8000)["bin"]!,
        ])
        #expect(first.ok)
        let run = try Bootwire.run([
            "flash", "--port", port("l476", state: state), "--erase", "chip", "--go", "0x08000000", "--json",
            try images(data, at: Self.base)["bin"]!,
        ])
        #expect(run.ok, "\(run.stdout)")
        #expect(try Bootwire.readMemory(port("l476", state: state), at: Self.base, count: data.count) == data)
        #expect(
            try Bootwire.readMemory(port("l476", state: state), at: Self.base + 0x8000, count: 64)
                == [UInt8](repeating: 0xFF, count: 64),
            "the mass erase took the earlier image")
    }

    @Test func aReadProtectedPartIsExplainedAndUnprotectMassErases() throws {
        let state = Scratch.make().appendingPathComponent("chip.state")
        let file = try images(firmwareLike(3000), at: Self.base)["bin"]!
        let refused = try Bootwire.run(["flash", "--port", port("l476", state: state, "rdp1"), "--json", file])
        #expect(refused.errorCode == "device-protected", "\(refused.stdout)")
        #expect(refused.status == ErrorCategory.protection.exitStatus)
        // Still at level 1 (`rdp1`): unprotect asks first (a part at level 0 has nothing to remove).
        let unconfirmed = try Bootwire.run([
            "unprotect", "--readout", "--port", port("l476", state: state, "rdp1"), "--json",
        ])
        #expect(unconfirmed.errorCode == "confirmation-required")
        let unprotect = try Bootwire.run([
            "unprotect", "--readout", "--yes", "--port", port("l476", state: state, "rdp1"), "--json",
        ])
        #expect(unprotect.ok, "\(unprotect.stdout)")
        let info = try Bootwire.run(["info", "--port", port("l476", state: state), "--json"]).stm32Info()
        #expect(info.readoutProtection == .level0)
        #expect(try Bootwire.run(["flash", "--port", port("l476", state: state), "--json", file]).ok)
    }

    @Test func aWriteProtectedPageIsErrEraseWithItsAddress() throws {
        let run = try Bootwire.run([
            "flash", "--port", "virtual:dfu-l476,wrp=4-7", "--json",
            try images(firmwareLike(20_000), at: Self.base)["bin"]!,
        ])
        #expect(run.errorCode == "dfu-errerase", "\(run.stdout)")
        #expect(
            (run.result?["error"] as? [String: Any]).flatMap { $0["evidence"] as? [String: String] }?["address"]
                == "0x8002000")
    }

    @Test func writeUnprotectRewritesTheOptionBytesAndThePagesTakeWrites() throws {
        let state = Scratch.make().appendingPathComponent("chip.state")
        let file = try images(firmwareLike(20_000), at: Self.base)["bin"]!
        let refused = try Bootwire.run(["flash", "--port", port("l476", state: state, "wrp=4-7"), "--json", file])
        #expect(refused.errorCode == "dfu-errerase", "\(refused.stdout)")
        let before = try Bootwire.run(["info", "--port", port("l476", state: state), "--json"]).stm32Info()
        #expect(before.writeProtectedPages.map { [$0.first, $0.last] } == [[4, 7]])
        #expect(before.option("wrp1a")?.meaning == "pages 4-7 of bank 1")
        let unprotect = try Bootwire.run(["unprotect", "--write", "--port", port("l476", state: state), "--json"])
        #expect(unprotect.ok, "\(unprotect.stdout)")
        let info = try Bootwire.run(["info", "--port", port("l476", state: state), "--json"]).stm32Info()
        #expect(info.writeProtectedPages.isEmpty)
        #expect(info.option("wrp1a")?.meaning == "none")
        #expect(try Bootwire.run(["flash", "--port", port("l476", state: state), "--json", file]).ok)
    }

    @Test func anImageReachingTheWBSecureAreaIsRefusedBeforeAnyErase() throws {
        let state = Scratch.make().appendingPathComponent("chip.state")
        let below = firmwareLike(4096, seed: 6)
        let file = try images(below, at: 0x080F_3000)["bin"]!
        #expect(try Bootwire.run(["flash", "--port", port("wb55", state: state), "--json", file]).ok)
        let run = try Bootwire.run([
            "flash", "--port", port("wb55", state: state), "--json",
            try images(firmwareLike(8192), at: 0x080F_3000)["bin"]!,
        ])
        #expect(run.errorCode == "address-out-of-range", "\(run.stdout)")
        #expect(
            try Bootwire.readMemory(port("wb55", state: state), at: 0x080F_3000, count: below.count) == below,
            "nothing was erased")
    }

    @Test func aDisconnectDuringDownloadIsNamed() throws {
        let run = try Bootwire.run([
            "flash", "--port", "virtual:dfu-wb55,disconnect-during-download=3", "--json",
            try images(firmwareLike(20_000), at: Self.base)["bin"]!,
        ])
        #expect(run.errorCode == "device-disconnected", "\(run.stdout)")
    }

    @Test func infoShowsLayoutsAndDecodedOptionBytes() throws {
        let info = try Bootwire.run(["info", "--port", "virtual:dfu-wb55", "--json"]).stm32Info()
        let alternates = info.usb?.alternates ?? []
        #expect(
            alternates.first?.segments.map { [Int($0.address), $0.count, $0.pageSize] } == [[0x0800_0000, 256, 4096]])
        #expect(alternates.dropFirst().first?.name == "Option Bytes")
        #expect(alternates.dropFirst().first?.segments.first?.address == 0x1FFF_8000)
        #expect(info.flash?.secureAddress == 0x080F_4000 && info.option("sfsa")?.value == 0xF4)
        #expect(info.part?.contains("WB55") == true)
    }

    @Test func aDeviceThisUserMayNotOpenIsUSBPermission() throws {
        let run = try Bootwire.run([
            "flash", "--port", "virtual:dfu-l476,permission", "--json",
            try images([1, 2, 3, 4], at: Self.base)["bin"]!,
        ])
        #expect(run.errorCode == "usb-permission", "\(run.stdout)")
        #expect(run.status == ErrorCategory.port.exitStatus)
    }

    @Test func withoutLibusbUSBCommandsSayWhatToInstallAndOthersWork() throws {
        let environment = ["BOOTWIRE_LIBUSB": "/nonexistent/libusb-1.0.so.0"]
        let file = try images([1, 2, 3, 4], at: Self.base)["bin"]!
        let usb = try Bootwire.run(["flash", "--port", "usb:0483:df11", "--json", file], environment: environment)
        #expect(usb.errorCode == "usb-library-missing", "\(usb.stdout)")
        #expect(usb.status == ErrorCategory.port.exitStatus)
        let serial = try Bootwire.run(
            ["info", "--port", "virtual:qcc743,wire=instant", "--json"], environment: environment)
        #expect(serial.ok, "\(serial.stdout)")
        let virtualDFU = try Bootwire.run(["info", "--port", "virtual:dfu-l476", "--json"], environment: environment)
        #expect(virtualDFU.ok, "\(virtualDFU.stdout)")
    }
}

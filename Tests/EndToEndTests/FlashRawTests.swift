import BootwireCore
import Foundation
import QCC743
import Testing
import VirtualDevices

/// `bootwire flash FILE@ADDRESS` against a virtual QCC743 on a real pty.
@Suite(.serialized) struct FlashRawTests {
    func device(faults: [Fault] = [], flash: [UInt8]? = nil) throws -> (VirtualQCC743, VirtualDeviceRunner) {
        let model = VirtualQCC743.make(faults: faults, flash: flash)
        let runner = try VirtualDeviceRunner(device: model, wire: .instant, faults: faults)
        runner.start()
        return (model, runner)
    }

    @Test func writesVerifiesAndThenSkipsAnUnchangedImage() throws {
        let (model, runner) = try device()
        defer { runner.stop() }
        let big = firmwareLike(70_000)
        let small = firmwareLike(1000, seed: 9)
        let bigFile = try Scratch.file(big)
        let smallFile = try Scratch.file(small)
        let first = try Bootwire.run([
            "flash", "--port", runner.slavePath, "--json", "\(bigFile.path)@0x10000", "\(smallFile.path)@0xE000",
        ])
        #expect(first.ok, "\(first.stdout)\(first.stderr)")
        #expect(first.status == 0)
        #expect(first.summary["written"] == "2")
        #expect(Array(model.flash.read(0x10000, count: big.count)) == big)
        #expect(Array(model.flash.read(0xE000, count: small.count)) == small)

        let second = try Bootwire.run(["flash", "--port", runner.slavePath, "--json", "\(bigFile.path)@0x10000"])
        #expect(second.ok)
        #expect(second.summary["skipped"] == "1")
        #expect(second.summary["written"] == "0")
    }

    @Test func theFlashParametersGoOutBeforeTheFirstErase() throws {
        let (model, runner) = try device(flash: [UInt8](repeating: 0x00, count: 0x20000))
        defer { runner.stop() }
        let lines = LineLog()
        model.log = { lines.add($0) }
        let file = try Scratch.file(firmwareLike(3000))
        let run = try Bootwire.run(["flash", "--port", runner.slavePath, "--json", "\(file.path)@0x1000"])
        #expect(run.ok)
        let commands = lines.all.compactMap { $0.split(separator: " ").first.map(String.init) }
        let parameters = try #require(lines.all.firstIndex { $0.hasPrefix("flash_set_para len 88") })
        let erase = try #require(lines.all.firstIndex { $0.hasPrefix("flash_erase") })
        #expect(parameters < erase, "\(commands)")
    }

    @Test func chipEraseLeavesEverythingElseErasedWithoutTheWholeChipErase() throws {
        var junk = [UInt8](repeating: 0xFF, count: 4 << 20)
        for i in stride(from: 0x200000, to: 0x201000, by: 1) { junk[i] = 0x00 }  // stale data elsewhere
        junk[0x10000 + 80_000] = 0x12  // and just past the image's end, inside its last sector
        let (model, runner) = try device(flash: junk)
        defer { runner.stop() }
        let image = firmwareLike(80_000)
        let file = try Scratch.file(image)
        let run = try Bootwire.run([
            "flash", "--port", runner.slavePath, "--json", "--erase", "chip", "\(file.path)@0x10000",
        ])
        #expect(run.ok, "\(run.stdout)\(run.stderr)")
        // The old data is named: the field failure was old firmware left behind.
        #expect(run.warningCodes.contains("old-data-outside-images"))
        var expected = [UInt8](repeating: 0xFF, count: 4 << 20)
        expected.replaceSubrange(0x10000..<(0x10000 + image.count), with: image)
        #expect(model.flash.bytes == expected)
    }

    @Test func writingOverUnerasedFlashWithoutEraseFailsVerification() throws {
        let (_, runner) = try device(flash: [UInt8](repeating: 0x00, count: 0x20000))
        defer { runner.stop() }
        let file = try Scratch.file(firmwareLike(3000))
        let run = try Bootwire.run([
            "flash", "--port", runner.slavePath, "--json", "--erase", "none", "\(file.path)@0x1000",
        ])
        #expect(!run.ok)
        #expect(run.errorCode == "verify-mismatch")
        #expect(run.status == ErrorCategory.verification.exitStatus)
    }

    @Test func badInputsFailBeforeThePortOpens() throws {
        let file = try Scratch.file(firmwareLike(8192))
        let missing = try Bootwire.run(["flash", "--port", "/dev/does-not-exist", "--json", "/nope.bin@0x0"])
        #expect(missing.errorCode == "file-not-found")
        #expect(missing.status == ErrorCategory.input.exitStatus)
        let overlap = try Bootwire.run([
            "flash", "--port", "/dev/does-not-exist", "--json", "\(file.path)@0x10000", "\(file.path)@0x11000",
        ])
        #expect(overlap.errorCode == "image-overlap")
        let noPort = try Bootwire.run(["flash", "--port", "/dev/does-not-exist", "--json", "\(file.path)@0x10000"])
        #expect(noPort.errorCode == "port-not-found")
        #expect(noPort.status == ErrorCategory.port.exitStatus)
        let badAddress = try Bootwire.run(["flash", "--port", "/dev/does-not-exist", "--json", "\(file.path)@0xZZ"])
        #expect(badAddress.errorCode == "usage")
        let unknownVirtual = try Bootwire.run(["flash", "--port", "virtual:nothing", "--json", "\(file.path)@0x0"])
        #expect(unknownVirtual.errorCode == "port-not-found")
    }

    @Test func tooLargeForTheFlashIsRefusedBeforeAnythingIsWritten() throws {
        let (model, runner) = try device()
        defer { runner.stop() }
        let file = try Scratch.file(firmwareLike(0x2000))
        let run = try Bootwire.run(["flash", "--port", runner.slavePath, "--json", "\(file.path)@0x3FF000"])
        #expect(run.errorCode == "image-too-large")
        #expect(model.flash.bytes.allSatisfy { $0 == 0xFF })
    }

    @Test(arguments: [
        (Fault.silent, "no-response"), (Fault.application, "application-running"), (Fault.echo, "echo-only"),
    ])
    func connectionFaultsEndWithTheirCode(fault: Fault, code: String) throws {
        let (_, runner) = try device(faults: [fault])
        defer { runner.stop() }
        let file = try Scratch.file(firmwareLike(100))
        let run = try Bootwire.run(["flash", "--port", runner.slavePath, "--json", "\(file.path)@0x10000"])
        #expect(run.errorCode == code, "\(run.stdout)")
        #expect(run.status == ErrorCategory.connection.exitStatus)
    }

    @Test func theInProcessVirtualPortFlashes() throws {
        let file = try Scratch.file(firmwareLike(5000))
        let run = try Bootwire.run(["flash", "--port", "virtual:qcc743,wire=instant", "--json", "\(file.path)@0x10000"])
        #expect(run.ok, "\(run.stdout)\(run.stderr)")
        #expect(run.warningCodes.contains("pty-no-modem-lines") == false)
    }
}

/// HEX, S-record and ELF images carry their own addresses on the ST67W611M1 path too.
@Suite struct FlashFormatsTests {
    @Test func anIntelHexFileIsFlashedAtItsAddresses() throws {
        let model = VirtualQCC743.make(faults: [])
        let runner = try VirtualDeviceRunner(device: model, wire: .instant)
        runner.start()
        defer { runner.stop() }
        let data = firmwareLike(6000, seed: 4)
        let plan = try FlashPlan(segments: [
            Segment(address: 0x20000, bytes: data, origin: Origin(file: "made", location: .whole))
        ])
        let hex = try Scratch.file(Array(try IntelHex.write(plan).utf8), name: "app.hex")
        let run = try Bootwire.run(["flash", "--port", runner.slavePath, "--json", hex.path])
        #expect(run.ok, "\(run.stdout)")
        #expect(Array(model.flash.read(0x20000, count: data.count)) == data)
    }
}

final class LineLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) {
        lock.lock()
        lines.append(line)
        lock.unlock()
    }
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }
}

import BootwireCore
import DFU
import Foundation
import Testing
import USB
import VirtualDevices

/// The virtual ROM DFU devices against the spec's state machine, through the same USB seam the
/// host uses.
@Suite struct DfuSeStateMachineTests {
    struct Device {
        let bus: VirtualUSBBus
        let session: DfuSeSession
        var client: DFUClient { session.client }
    }

    func connect(_ spec: String) throws -> Device {
        let (bus, match) = try VirtualUSBPort.start(spec)
        let session = try DfuSeSession.connect(bus: bus, record: try bus.find(match), events: { _ in })
        return Device(bus: bus, session: session)
    }

    func code(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as BootwireError {
            return error.code.rawValue
        } catch {
            return "\(error)"
        }
    }

    @Test func clearStatusOutsideErrorIsItselfAnError() throws {
        let device = try connect("virtual:dfu-l476")
        #expect(try device.client.getStatus().state == .dfuIdle)
        try device.client.clearStatus()
        let reply = try device.client.getStatus()
        #expect(reply.state == .error && reply.status == .errUnknown)
        try device.client.prepare()
        #expect(try device.client.getStatus().state == .dfuIdle)
    }

    @Test func aCommandsFirstStatusIsBusyAndAHostThatDoesNotWaitStaysBusy() throws {
        let device = try connect("virtual:dfu-l476")
        try device.client.download(block: 0, [0x41, 0x00, 0x10, 0x00, 0x08])
        let first = try device.client.getStatus()
        #expect(first.state == .downloadBusy && first.pollTimeout >= 20)
        let impatient = try device.client.getStatus()
        #expect(impatient.state == .downloadBusy, "polled before bwPollTimeout passed")
        Thread.sleep(forTimeInterval: Double(first.pollTimeout) / 1000)
        #expect(try device.client.getStatus().state == .downloadIdle)
    }

    @Test func downloadOutsideIdleStalls() throws {
        let device = try connect("virtual:dfu-l476")
        try device.client.download(block: 0, [0x21, 0, 0, 0, 0x08])
        #expect(throws: USBError.stall) { try device.client.download(block: 2, [1, 2, 3]) }
    }

    @Test func bothBlockNumberingsLandAtTheSameAddresses() throws {
        let device = try connect("virtual:dfu-l476")
        let data = (0..<5000).map { UInt8(truncatingIfNeeded: $0 * 31) }
        try device.session.erase(try device.session.pages(covering: 0x0800_0000, length: 0x4000))
        // qFlipper: one Set Address, blocks 2, 3, 4.
        try device.session.write(data, at: 0x0800_0000)
        // dfu-util: Set Address per chunk, always block 2.
        for offset in stride(from: 0, to: data.count, by: 2048) {
            try device.session.setAddress(0x0800_2000 + UInt32(offset))
            try device.client.download(block: 2, Array(data[offset..<min(offset + 2048, data.count)]))
            try device.client.waitUntilDone("download", address: nil)
        }
        #expect(try device.session.read(address: 0x0800_0000, length: data.count) == data)
        #expect(try device.session.read(address: 0x0800_2000, length: data.count) == data)
    }

    @Test func unerasedFlashIsErrProgAndAWriteProtectedPageErrErase() throws {
        let device = try connect("virtual:dfu-l476,wrp=2-3")
        try device.session.erase(try device.session.pages(covering: 0x0800_0000, length: 16))
        try device.session.write([1, 2, 3, 4], at: 0x0800_0000)
        #expect(code { try device.session.write([5, 6, 7, 8], at: 0x0800_0000) } == "dfu-errprog")
        #expect(code { try device.session.erasePage(containing: 0x0800_1000) } == "dfu-errerase")
        #expect(code { try device.session.erasePage(containing: 0x0800_2000) } == nil)
    }

    @Test func readProtectionRefusesUploadsAndErases() throws {
        let device = try connect("virtual:dfu-l476,rdp1")
        #expect(device.session.identity.optionBytes?.readoutProtection == .level1)
        #expect(code { _ = try device.session.read(address: 0x0800_0000, length: 16) } == "device-protected")
        #expect(code { try device.session.erasePage(containing: 0x0800_0000) } == "device-protected")
    }

    @Test func theWBSecureAreaIsErrTarget() throws {
        let device = try connect("virtual:dfu-wb55")
        #expect(device.session.identity.optionBytes?.secureFlashStartPage == 0xF4)
        #expect(code { _ = try device.session.read(address: 0x080F_4000, length: 16) } == "dfu-errtarget")
        #expect(code { try device.session.erasePage(containing: 0x080F_4000) } == "dfu-errtarget")
        #expect(try device.session.read(address: 0x080F_3000, length: 16) == [UInt8](repeating: 0xFF, count: 16))
    }

    @Test func leavingDropsTheDeviceOffTheBus() throws {
        let device = try connect("virtual:dfu-l476")
        try device.session.leave(at: 0x0800_0000)
        #expect(try device.bus.devices().isEmpty)
    }

    @Test func aDisconnectMidDownloadIsNamed() throws {
        let device = try connect("virtual:dfu-l476,disconnect-during-download=2")
        try device.session.erase(try device.session.pages(covering: 0x0800_0000, length: 0x4000))
        #expect(
            code { try device.session.write([UInt8](repeating: 0x5A, count: 0x4000), at: 0x0800_0000) }
                == "device-disconnected")
    }
}

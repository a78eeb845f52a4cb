import BootwireCore
import DFU
import Foundation
import Testing
import USB
import VirtualDevices

/// A DFU interface that answers GETSTATUS from a script, to hold the host to dfu-util's rules.
final class ScriptedDFU: VirtualUSBDevice, @unchecked Sendable {
    var replies: [Result<DFUStatusReply, USBError>]
    private(set) var polls = 0

    init(_ replies: [Result<DFUStatusReply, USBError>]) { self.replies = replies }

    var deviceDescriptor: USBDeviceDescriptor {
        USBDeviceDescriptor(vendorID: 0x0483, productID: 0xDF11, deviceVersion: 0x2200)
    }
    var configuration: USBConfiguration {
        USBConfiguration(interfaces: [
            USBInterface(number: 0, alternate: 0, interfaceClass: 0xFE, subclass: 1, protocolCode: 2, nameIndex: 0)
        ])
    }
    func string(_ index: UInt8) -> String? { nil }
    func attached(to cable: VirtualUSBCable) {}

    func control(_ setup: USBSetup, data: [UInt8]) throws -> [UInt8] {
        guard setup.request == DFURequest.getStatus.rawValue else { return [] }
        polls += 1
        let next = replies.count > 1 ? replies.removeFirst() : replies[0]
        return try next.get().bytes
    }
}

@Suite struct DFUClientPollingTests {
    static func busy(_ ms: Int) -> Result<DFUStatusReply, USBError> {
        .success(DFUStatusReply(status: .ok, pollTimeout: ms, state: .downloadBusy))
    }
    static let idle = Result<DFUStatusReply, USBError>.success(
        DFUStatusReply(status: .ok, pollTimeout: 0, state: .downloadIdle))

    func client(_ device: ScriptedDFU) throws -> DFUClient {
        let bus = VirtualUSBBus()
        bus.attach(device)
        let record = try #require(try bus.devices().first)
        let handle = try bus.openDiagnosed(record)
        return DFUClient(handle: handle)
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

    @Test func theFirstStatusAfterACommandMustBeBusy() throws {
        let device = ScriptedDFU([Self.idle])
        #expect(code { try self.client(device).waitUntilDone("erase", address: 0x0800_0000) } == "dfu-wrong-state")
    }

    @Test func aStalledStatusIsRetriedThreeTimesThenGivenUp() throws {
        let retried = ScriptedDFU([Self.busy(1), .failure(.stall), .failure(.stall), .failure(.stall), Self.idle])
        #expect(code { try self.client(retried).waitUntilDone("erase", address: nil) } == nil)
        let hopeless = ScriptedDFU([Self.busy(1), .failure(.stall)])
        #expect(code { try self.client(hopeless).waitUntilDone("erase", address: nil) } == "usb-transfer-failed")
        #expect(hopeless.polls == 5, "one busy reply, then four stalls: three retries")
    }

    @Test func aHundredZeroTimeoutBusyRepliesAreStuck() throws {
        let device = ScriptedDFU([Self.busy(0)])
        #expect(code { try self.client(device).waitUntilDone("erase", address: nil) } == "dfu-stuck")
        #expect(device.polls == 100)
    }

    @Test func anErrorStatusIsNamedWithItsAddress() throws {
        let device = ScriptedDFU([
            Self.busy(1), .success(DFUStatusReply(status: .errWrite, pollTimeout: 0, state: .error)),
        ])
        do {
            try client(device).waitUntilDone("the download", address: 0x0800_2000)
            Issue.record("no error")
        } catch let error as BootwireError {
            #expect(error.code == .dfuErrWrite)
            #expect(error.evidence["address"] == "0x8002000" && error.evidence["status"] == "errWRITE")
        }
    }

    @Test func aDeviceReportingTooShortATimeoutIsStillFollowed() throws {
        let (bus, match) = try VirtualUSBPort.start("virtual:dfu-l476,short-poll")
        let session = try DfuSeSession.connect(bus: bus, record: try bus.find(match), events: { _ in })
        try session.erase(try session.pages(covering: 0x0800_0000, length: 0x2000))
        try session.write([1, 2, 3, 4, 5, 6, 7, 8], at: 0x0800_0000)
        #expect(try session.read(address: 0x0800_0000, length: 8) == [1, 2, 3, 4, 5, 6, 7, 8])
    }
}

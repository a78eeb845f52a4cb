import BootwireCore
import Foundation
import Testing

@testable import USB
@testable import VirtualDevices

#if canImport(Glibc)
    import Glibc
#endif

/// The socket side of `emulate usb`, spoken to frame by frame as the libusb stand-in speaks it:
/// results are libusb's own codes, which the peers compare against.
@Suite struct USBSocketServerTests {
    /// A client of the wire (usb_shim_wire.h): one request, one reply.
    final class Client {
        let fd: Int32
        init(path: String) throws {
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
            }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard connected == 0 else { throw USBError.noDevice }
        }
        deinit { close(fd) }

        func call(_ op: USBSocketWire.Op, _ fields: [UInt8] = []) throws -> (result: Int32, data: [UInt8]) {
            let request = USBSocketWire.le32(UInt32(1 + fields.count)) + [op.rawValue] + fields
            guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else {
                throw USBError.io
            }
            let head = try read(8)
            let length = Int(USBSocketWire.Fields(head).le32(at: 0))
            let result = Int32(bitPattern: USBSocketWire.Fields(head).le32(at: 4))
            return (result, try read(length - 4))
        }

        private func read(_ count: Int) throws -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            var at = 0
            while at < count {
                let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + at, count - at, 0) }
                guard n > 0 else { throw USBError.noDevice }
                at += n
            }
            return bytes
        }
    }

    static func serve() throws -> (USBSocketServer, Client, EchoDevice) {
        let bus = VirtualUSBBus()
        let device = EchoDevice()
        bus.attach(device)
        let path = NSTemporaryDirectory() + "bw-usb-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let server = try USBSocketServer(bus: bus, path: path)
        server.start()
        return (server, try Client(path: path), device)
    }

    static func handle(_ fields: UInt32) -> [UInt8] { USBSocketWire.le32(fields) }

    @Test func listingCarriesAddressPortChainAndBothDescriptors() throws {
        let (server, client, device) = try Self.serve()
        defer { server.stop() }
        let (count, data) = try client.call(.list)
        #expect(count == 1)
        let address = data[1]
        #expect(data[0] == 1 && data[2] == 1 && data[3] == 1, "bus 1, one port number: 1")
        let deviceLength = Int(data[4]) | Int(data[5]) << 8
        #expect(Array(data[6..<6 + deviceLength]) == device.deviceDescriptor.bytes)
        let at = 6 + deviceLength
        let configurationLength = Int(data[at]) | Int(data[at + 1]) << 8
        #expect(Array(data[(at + 2)...]) == device.configuration.bytes)
        #expect(configurationLength == device.configuration.bytes.count)

        let opened = try client.call(.open, [1, address])
        #expect(opened.result > 0)
        let wrong = try client.call(.open, [1, address &+ 1])
        #expect(wrong.result == USBSocketWire.LibUSBCode.noDevice.rawValue)
    }

    @Test func controlTransfersAnswerOrStallAsLibusbCodes() throws {
        let (server, client, _) = try Self.serve()
        defer { server.stop() }
        let address = try client.call(.list).data[1]
        let id = UInt32(try client.call(.open, [1, address]).result)
        // GET_DESCRIPTOR(string 3), 255 bytes asked, 1000 ms.
        let getSerial = Self.handle(id) + [0x80, 6, 3, 3, 0x09, 0x04, 255, 0] + USBSocketWire.le32(1000)
        let serial = try client.call(.control, getSerial)
        #expect(serial.result == Int32(serial.data.count))
        #expect(try USBStringDescriptor.decode(serial.data) == "205F3E8A5748")
        // A class request the device refuses: a STALL, which libusb calls PIPE.
        let refused = try client.call(
            .control, Self.handle(id) + [0x21, 0x01, 0, 0, 0, 0, 0, 0] + USBSocketWire.le32(100))
        #expect(refused.result == USBSocketWire.LibUSBCode.pipe.rawValue)
        #expect(try client.call(.release, Self.handle(id) + [0]).result == USBSocketWire.LibUSBCode.notFound.rawValue)
        #expect(try client.call(.claim, Self.handle(id) + [0]).result == 0)
        #expect(try client.call(.release, Self.handle(id) + [0]).result == 0)
        #expect(
            try client.call(.setConfiguration, Self.handle(id) + USBSocketWire.le32(2)).result
                == USBSocketWire.LibUSBCode.notFound.rawValue)
        #expect(try client.call(.getConfiguration, Self.handle(id)).result == 1)
    }

    @Test func bulkDataGoesOutAndComesBack() throws {
        let (server, client, _) = try Self.serve()
        defer { server.stop() }
        let address = try client.call(.list).data[1]
        let id = UInt32(try client.call(.open, [1, address]).result)
        let payload: [UInt8] = [1, 2, 3, 4, 5]
        let out = Self.handle(id) + [0x01] + USBSocketWire.le32(5) + USBSocketWire.le32(100) + payload
        #expect(try client.call(.bulk, out).result == 5)
        let back = try client.call(.bulk, Self.handle(id) + [0x81] + USBSocketWire.le32(64) + USBSocketWire.le32(100))
        #expect(back.result == 5 && back.data == payload)
    }

    /// A device that leaves the bus comes back at a new address; the old handle is dead
    /// (NO_DEVICE) and a reset through it says NOT_FOUND, as libusb does after re-enumeration.
    @Test func reEnumerationIsANewAddress() throws {
        let (server, client, device) = try Self.serve()
        defer { server.stop() }
        let before = try client.call(.list).data[1]
        let id = UInt32(try client.call(.open, [1, before]).result)
        _ = try client.call(.control, Self.handle(id) + [0x21, 0x42, 0, 0, 0, 0, 0, 0] + USBSocketWire.le32(100))
        #expect(try client.call(.list).result == 0, "gone while it re-enumerates")
        // Back after the modelled re-enumeration time; asked until then, since a loaded machine
        // may run the server's timer late.
        var (count, data) = try client.call(.list)
        let deadline = Date().addingTimeInterval(10)
        while count == 0 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
            (count, data) = try client.call(.list)
        }
        #expect(count == 1 && data[1] != before)
        #expect(device.attachCount == 2)
        #expect(try client.call(.reset, Self.handle(id)).result == USBSocketWire.LibUSBCode.notFound.rawValue)
        let stale = try client.call(.bulk, Self.handle(id) + [0x81] + USBSocketWire.le32(8) + USBSocketWire.le32(10))
        #expect(stale.result == USBSocketWire.LibUSBCode.noDevice.rawValue)
    }

    @Test func portChainsAreLibusbPortNumbers() {
        #expect(USBSocketWire.portNumbers("1-2.3") == [2, 3])
        #expect(USBSocketWire.portNumbers("3-11") == [11])
        #expect(USBSocketWire.portNumbers("usb1").isEmpty)
    }
}

extension USBSocketWire.Fields {
    fileprivate func le32(at offset: Int) -> UInt32 {
        var copy = self
        for _ in 0..<offset { _ = try? copy.u8() }
        return (try? copy.u32()) ?? 0
    }
}

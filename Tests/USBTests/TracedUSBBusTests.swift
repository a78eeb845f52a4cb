import BootwireCore
import Foundation
import Testing

@testable import USB
@testable import VirtualDevices

/// The `--trace` wrapper at the USB seam, line by line: setup packets as on the wire, data
/// stages and bulk data by endpoint, failures and notes as `=` events.
@Suite struct TracedUSBBusTests {
    @Test func everyTransferIsOneTypedLine() throws {
        let path = NSTemporaryDirectory() + "bw-usb-trace-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let virtual = VirtualUSBBus()
        virtual.attach(EchoDevice())
        let bus = TracedUSBBus(virtual, trace: try WireTrace(path: path))
        let handle = try bus.openDiagnosed(try bus.find(USBDeviceMatch.parse("usb:0483:df11")))
        #expect(try handle.string(2) == "STM32  BOOTLOADER")
        handle.annotate("echo PING")
        try handle.bulkWrite(endpoint: 0x01, [0x50, 0x49], timeout: .seconds(1))
        #expect(try handle.bulkRead(endpoint: 0x81, length: 64, timeout: .seconds(1)) == [0x50, 0x49])
        #expect(throws: USBError.stall) { try handle.controlOut(requestType: 0x21, request: 0x01) }
        handle.close()

        let text = try String(contentsOfFile: path, encoding: .utf8)
        // time, device, then the rest; the device is the port path and the ids.
        let lines = text.split(separator: "\n").map { line -> [String] in
            let fields = line.split(separator: " ", maxSplits: 2).map(String.init)
            return [fields[1], fields[2]]
        }
        #expect(lines.allSatisfy { $0[0] == "1-1/0483:df11" })
        let bodies = lines.map { $0[1] }
        let string = USBSetup(
            requestType: 0x80, request: 6, value: 0x0302, index: USBStringDescriptor.englishUS, length: 255)
        let answer = USBStringDescriptor.encode("STM32  BOOTLOADER")
        #expect(
            bodies == [
                "= open bus 1 address 2",
                "= claim 0",
                "> setup " + Hex.string(string.bytes, separator: " "),
                "< ep00 " + Hex.string(answer.prefix(32), separator: " "),
                "< ep00 " + Hex.string(answer.dropFirst(32), separator: " "),
                "= echo PING",
                "> ep01 50 49",
                "< ep81 50 49",
                "> setup 21 01 00 00 00 00 00 00",
                "= ep00 stall",
                "= close",
            ])
    }
}

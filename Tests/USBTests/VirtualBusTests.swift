import BootwireCore
import Foundation
import Testing

@testable import USB
@testable import VirtualDevices

/// A minimal device: one vendor interface with two alternates, echoing bulk data back.
final class EchoDevice: VirtualUSBDevice, @unchecked Sendable {
    var cable: VirtualUSBCable?
    var attachCount = 0
    var pending: [UInt8] = []
    let deviceDescriptor = USBDeviceDescriptor(vendorID: 0x0483, productID: 0xDF11, deviceVersion: 0x2200)
    let configuration = USBConfiguration(interfaces: [
        USBInterface(
            number: 0, alternate: 0, interfaceClass: 0xFE, subclass: 1, protocolCode: 2, nameIndex: 4,
            extra: [[9, 0x21, 0x0B, 0xFF, 0, 0, 8, 0x1A, 0x01]]),
        USBInterface(number: 0, alternate: 1, interfaceClass: 0xFE, subclass: 1, protocolCode: 2, nameIndex: 5),
    ])

    func string(_ index: UInt8) -> String? {
        [
            1: "STMicroelectronics", 2: "STM32  BOOTLOADER", 3: "205F3E8A5748",
            4: "@Internal Flash  /0x08000000/512*02Kg",
            5: "@Option Bytes  /0x1FFF7800/01*040 e",
        ][index]
    }

    func control(_ setup: USBSetup, data: [UInt8]) throws -> [UInt8] {
        if setup.request == 0x42 { cable?.unplug(reattachAfter: .milliseconds(30)) }
        throw USBError.stall
    }

    func bulkWrite(endpoint: UInt8, _ data: [UInt8]) throws { pending = data }
    func bulkRead(endpoint: UInt8, length: Int, timeout: Duration) throws -> [UInt8] { pending }
    func attached(to cable: VirtualUSBCable) {
        self.cable = cable
        attachCount += 1
    }
}

@Suite struct VirtualBusTests {
    @Test func descriptorsRoundTrip() throws {
        let device = EchoDevice()
        let parsed = try USBConfiguration(bytes: device.configuration.bytes)
        #expect(parsed == device.configuration)
        #expect(try USBDeviceDescriptor(bytes: device.deviceDescriptor.bytes) == device.deviceDescriptor)
        #expect(try USBStringDescriptor.decode(USBStringDescriptor.encode("STM32  BOOTLOADER")) == "STM32  BOOTLOADER")
    }

    @Test func enumeratesAndReadsStringsThroughControlRequests() throws {
        let bus = VirtualUSBBus()
        bus.attach(EchoDevice())
        let record = try bus.find(USBDeviceMatch.parse("usb:0483:df11:205f3e8a5748"))
        #expect(record.ids == "0483:df11")
        let handle = try bus.openDiagnosed(record)
        #expect(try handle.string(4) == "@Internal Flash  /0x08000000/512*02Kg")
        #expect(try handle.configuration().interfaces.count == 2)
        try handle.setAlternateSetting(interface: 0, alternate: 1)
        #expect(throws: USBError.stall) { try handle.setAlternateSetting(interface: 0, alternate: 2) }
        try handle.bulkWrite(endpoint: 1, [1, 2, 3], timeout: .seconds(1))
        #expect(try handle.bulkRead(endpoint: 0x81, length: 3, timeout: .seconds(1)) == [1, 2, 3])
    }

    @Test func aRebootKillsOldHandlesAndReenumeratesAtANewAddress() throws {
        let bus = VirtualUSBBus()
        let device = EchoDevice()
        bus.attach(device)
        let before = try bus.find(USBDeviceMatch.parse("usb:0483:df11"))
        let handle = try bus.openDiagnosed(before)
        #expect(throws: USBError.stall) { try handle.controlOut(requestType: 0x21, request: 0x42) }
        #expect(try bus.devices().isEmpty)
        #expect(throws: USBError.noDevice) { try handle.string(1) }
        let after = try #require(try bus.waitForDevice(timeout: .seconds(2)) { $0.productID == 0xDF11 })
        #expect(after.address != before.address)
        #expect(device.attachCount == 2)
        #expect(throws: USBError.noDevice) { try bus.open(before) }
    }

    @Test func noMatchSaysWhatIsOnTheBus() throws {
        let bus = VirtualUSBBus()
        bus.attach(EchoDevice())
        let error = try #require(throws: BootwireError.self) { try bus.find(USBDeviceMatch.parse("usb:0483:3748")) }
        #expect(error.code == .usbNotFound)
        #expect(error.evidence["seen"] == "0483:df11")
        let other = try #require(throws: BootwireError.self) {
            try bus.find(USBDeviceMatch.parse("usb:0483:df11:000000000000"))
        }
        #expect(other.evidence["serials"] == "205F3E8A5748")
    }

    @Test func permissionIsDiagnosedFromTheNode() throws {
        var faults = VirtualUSBBus.Faults()
        faults.permissionDenied = true
        let bus = VirtualUSBBus(faults: faults)
        bus.attach(EchoDevice())
        let record = try bus.find(USBDeviceMatch.parse("usb:0483:df11"))
        let error = try #require(throws: BootwireError.self) { try bus.openDiagnosed(record) }
        #expect(error.code == .usbPermission)
        #expect(error.evidence["mode"] == "664")
        #expect(error.evidence["node"]?.hasSuffix("/dev/bus/usb/001/002") == true)
        #expect(error.evidence["rule"]?.contains("ATTRS{idProduct}==\"df11\"") == true)
    }

    @Test func busyInterfaceIsUSBBusy() throws {
        var faults = VirtualUSBBus.Faults()
        faults.interfaceBusy = true
        let bus = VirtualUSBBus(faults: faults)
        bus.attach(EchoDevice())
        let error = try #require(throws: BootwireError.self) {
            try bus.openDiagnosed(try bus.find(USBDeviceMatch.parse("usb:0483:df11")))
        }
        #expect(error.code == .usbBusy)
    }

    @Test func badUSBPortSpellingsAreUsageErrors() {
        for spec in ["usb:", "usb:0483", "usb:0483:df11:", "usb:xyz:df11", "usb:04830:df11"] {
            #expect(throws: BootwireError.self) { try USBDeviceMatch.parse(spec) }
        }
    }

    @Test func roundTripModelIsTotalled() throws {
        var timing = VirtualUSBBus.Timing()
        timing.perTransfer = .milliseconds(1)
        timing.bytesPerSecond = 1_000_000
        let bus = VirtualUSBBus(timing: timing)
        bus.attach(EchoDevice())
        let handle = try bus.openDiagnosed(try bus.find(USBDeviceMatch.parse("usb:0483:df11")))
        for _ in 0..<10 { try handle.bulkWrite(endpoint: 1, [UInt8](repeating: 0, count: 1000), timeout: .seconds(1)) }
        let stats = try #require(bus.modelledTime)
        #expect(stats.transfers == 10)
        #expect(abs(stats.usbSeconds - 0.020) < 1e-9)
    }

    /// Modelled time is a capability of the bus the CLI holds, not found by down-casting to the
    /// virtual bus: libusb models nothing; the ST-LINK's target reports its flash work, the DFU
    /// device none.
    @Test func modelledTimeIsACapabilityOfTheBus() throws {
        #expect(LibUSBBus().modelledTime == nil)
        let stlink: any USBBus = try VirtualUSBPort.start("virtual:stlink-l476").0
        #expect(stlink.modelledTime?.deviceBusySeconds == 0)
        let dfu: any USBBus = try VirtualUSBPort.start("virtual:dfu-l476").0
        #expect(dfu.modelledTime?.transfers == 0)
        #expect(dfu.modelledTime?.deviceBusySeconds == nil)
    }
}

@Suite struct UdevRulesTests {
    @Test func everySTDeviceAndBridgeHasARule() {
        let entries =
            [UdevRules.stDFU, UdevRules.Entry(vendorID: 0x0483, productID: 0x3748, name: "probe", serialBridge: false)]
            + UdevRules.bridgeEntries
        let text = UdevRules.text(entries)
        for pid in ["df11", "3748"] {
            #expect(text.contains("SUBSYSTEM==\"usb\", ATTRS{idVendor}==\"0483\", ATTRS{idProduct}==\"\(pid)\""))
        }
        #expect(text.contains("SUBSYSTEM==\"tty\", ATTRS{idVendor}==\"10c4\", ATTRS{idProduct}==\"ea60\""))
        // The ST-LINK VCP entries are USB rules (the probe), not tty ones.
        #expect(!text.contains("SUBSYSTEM==\"tty\", ATTRS{idVendor}==\"0483\", ATTRS{idProduct}==\"374b\""))
        let rules = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(rules.count == entries.count)
        #expect(rules.allSatisfy { $0.hasSuffix("TAG+=\"uaccess\"") })
    }
}

@Suite struct LibUSBTests {
    @Test func aMissingLibraryIsNamedWithWhatToInstall() throws {
        let error = try #require(throws: BootwireError.self) {
            try LibUSBBus(libraryPath: "/nonexistent/libusb-1.0.so.0").load()
        }
        #expect(error.code == .usbLibraryMissing)
        #expect(error.hint?.contains("libusb-1.0-0") == true)
    }

    @Test func sysfsEnumerationOfAFakeTree() throws {
        let root = NSTemporaryDirectory() + "bootwire-sysfs-\(UUID().uuidString)"
        let dev = root + "/1-2"
        try FileManager.default.createDirectory(atPath: dev, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/1-2:1.0", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/usb1", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let device = EchoDevice()
        try Data(device.deviceDescriptor.bytes + device.configuration.bytes).write(
            to: URL(fileURLWithPath: dev + "/descriptors"))
        try "1\n".write(toFile: dev + "/busnum", atomically: true, encoding: .utf8)
        try "7\n".write(toFile: dev + "/devnum", atomically: true, encoding: .utf8)
        try "205F3E8A5748\n".write(toFile: dev + "/serial", atomically: true, encoding: .utf8)
        let records = SysfsUSB.devices(root: root)
        #expect(records.count == 1)
        #expect(records.first?.nodePath == "/dev/bus/usb/001/007")
        #expect(records.first?.serial == "205F3E8A5748")
        #expect(records.first?.configuration == device.configuration)
    }
}

@Suite struct ListingTests {
    @Test func dfuDevicesAreListedWithTheirAlternates() {
        let bus = VirtualUSBBus()
        bus.attach(EchoDevice())
        let listed = USBListing.list(bus, probes: { _ in nil })
        #expect(listed.count == 1)
        #expect(listed.first?.kind == .dfu)
        #expect(
            listed.first?.alternates == [
                "alt 0: @Internal Flash  /0x08000000/512*02Kg", "alt 1: @Option Bytes  /0x1FFF7800/01*040 e",
            ])
    }

    @Test func aDeviceThatRefusesOpeningIsListedWithTheFix() {
        var faults = VirtualUSBBus.Faults()
        faults.permissionDenied = true
        let bus = VirtualUSBBus(faults: faults)
        bus.attach(EchoDevice())
        let listed = USBListing.list(bus, probes: { _ in nil })
        #expect(listed.first?.alternates.isEmpty == true)
        #expect(listed.first?.problem?.contains("udev-rules --install") == true)
    }

    @Test func noProbeExplainsAMissingUSBSubsystem() {
        #expect(
            USBListing.whyNoProbe(records: [], probes: { _ in nil }, sysfs: "/nonexistent/sys/bus/usb").contains(
                "no USB support"))
    }
}

import BootwireCore
import Foundation
import Testing

/// `PortDiscovery.list` against a small fake sysfs laid out as the kernel lays out the real one.
@Suite struct PortDiscoveryTests {
    /// root/sys/devices/…/1-1: the USB device (idVendor, idProduct, serial, …), holding
    ///   1-1:1.0 (the interface) / ttyUSB0 (the port; driver → ftdi_sio) / tty/ttyUSB0 (the tty).
    /// root/sys/class/tty/ttyUSB0 → the tty above, whose `device` → ../../../ttyUSB0.
    /// root/sys/class/tty/ttyS0 (an 8250 placeholder: type 0), ttyS1 (a real UART: type 4),
    ///   tty0 (a virtual console: no device).
    /// root/dev/ttyUSB0, ttyS1, and root/dev/serial/by-id/usb-FTDI_… → ../../ttyUSB0.
    private static func makeTree() throws -> URL {
        let root = try makeTemporaryDirectory()
        let fm = FileManager.default
        func dir(_ path: String) throws -> URL {
            let url = root.appendingPathComponent(path, isDirectory: true)
            try fm.createDirectory(at: url, withIntermediateDirectories: true)
            return url
        }
        func file(_ path: String, _ text: String) throws {
            try Data(text.utf8).write(to: root.appendingPathComponent(path))
        }
        func link(_ path: String, _ destination: String) throws {
            try fm.createSymbolicLink(
                atPath: root.appendingPathComponent(path).path, withDestinationPath: destination)
        }

        let usb = "sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"
        _ = try dir("\(usb)/1-1:1.0/ttyUSB0/tty/ttyUSB0")
        try file("\(usb)/idVendor", "0403\n")
        try file("\(usb)/idProduct", "6001\n")
        try file("\(usb)/serial", "A50285BI\n")
        try file("\(usb)/product", "FT232R USB UART\n")
        try file("\(usb)/manufacturer", "FTDI\n")
        _ = try dir("sys/bus/usb-serial/drivers/ftdi_sio")
        try link(
            "\(usb)/1-1:1.0/ttyUSB0/driver", "../../../../../../../bus/usb-serial/drivers/ftdi_sio")
        try link("\(usb)/1-1:1.0/ttyUSB0/tty/ttyUSB0/device", "../../../ttyUSB0")

        _ = try dir("sys/devices/platform/serial8250/tty/ttyS0")
        _ = try dir("sys/devices/pnp0/00:01/tty/ttyS1")
        try file("sys/devices/platform/serial8250/tty/ttyS0/type", "0\n")
        try file("sys/devices/pnp0/00:01/tty/ttyS1/type", "4\n")
        try link("sys/devices/platform/serial8250/tty/ttyS0/device", "../../../serial8250")
        try link("sys/devices/pnp0/00:01/tty/ttyS1/device", "../../../00:01")
        _ = try dir("sys/devices/virtual/tty/tty0")

        _ = try dir("sys/class/tty")
        try link(
            "sys/class/tty/ttyUSB0",
            "../../devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/ttyUSB0/tty/ttyUSB0")
        try link("sys/class/tty/ttyS0", "../../devices/platform/serial8250/tty/ttyS0")
        try link("sys/class/tty/ttyS1", "../../devices/pnp0/00:01/tty/ttyS1")
        try link("sys/class/tty/tty0", "../../devices/virtual/tty/tty0")

        _ = try dir("dev/serial/by-id")
        try file("dev/ttyUSB0", "")
        try file("dev/ttyS1", "")
        try link("dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0", "../../ttyUSB0")
        return root
    }

    @Test("a USB adapter is listed with its IDs, strings, driver, by-id name and bridge chip")
    func listsUSBAdapter() throws {
        let root = try Self.makeTree()
        defer { try? FileManager.default.removeItem(at: root) }
        let dev = root.appendingPathComponent("dev").path
        let ports = PortDiscovery.list(
            sysfs: root.appendingPathComponent("sys/class/tty").path, dev: dev)

        #expect(ports.map(\.path) == ["\(dev)/ttyS1", "\(dev)/ttyUSB0"])
        let usb = try #require(ports.first { $0.path == "\(dev)/ttyUSB0" })
        #expect(usb.vendorID == "0403")
        #expect(usb.productID == "6001")
        #expect(usb.serialNumber == "A50285BI")
        #expect(usb.product == "FT232R USB UART")
        #expect(usb.manufacturer == "FTDI")
        #expect(usb.driver == "ftdi_sio")
        #expect(usb.bridge == "FTDI FT232R")
        #expect(usb.bridgeMaxBaud == 3_000_000)
        #expect(usb.byID == "\(dev)/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0")
    }

    @Test("an 8250 placeholder (type 0) and a virtual console are left out; a real UART is kept")
    func filtersPlaceholders() throws {
        let root = try Self.makeTree()
        defer { try? FileManager.default.removeItem(at: root) }
        let dev = root.appendingPathComponent("dev").path
        let ports = PortDiscovery.list(
            sysfs: root.appendingPathComponent("sys/class/tty").path, dev: dev)

        #expect(!ports.contains { $0.path.hasSuffix("/ttyS0") })
        #expect(!ports.contains { $0.path.hasSuffix("/tty0") })
        let uart = try #require(ports.first { $0.path == "\(dev)/ttyS1" })
        #expect(uart.vendorID == nil)
        #expect(uart.bridge == "on-board UART")
        #expect(uart.byID == nil)
    }

    @Test("a missing sysfs gives an empty list")
    func missingSysfs() {
        #expect(
            PortDiscovery.list(
                sysfs: "/nonexistent-bootwire-sysfs", dev: "/nonexistent-bootwire-dev"
            ).isEmpty)
    }

    @Test("bridge lookup ignores case and knows common chips")
    func bridgeLookup() {
        #expect(
            BridgeChip.lookup(vendorID: "10C4", productID: "EA60")?.name == "Silicon Labs CP210x")
        #expect(BridgeChip.lookup(vendorID: "1a86", productID: "7523")?.name == "WCH CH340")
        #expect(BridgeChip.lookup(vendorID: "ffff", productID: "0000") == nil)
    }
}

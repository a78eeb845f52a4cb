import ArgumentParser
import BootwireCore
import DFU
import Foundation
import USB
import VirtualDevices

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List serial ports, STM32 DFU devices and ST-LINK probes.",
        discussion: """
            Serial ports and USB devices are read from sysfs (no libusb needed; libusb is used only \
            to read a DFU device's memory layouts). Use the stable /dev/serial/by-id name (or the \
            adapter's serial number) in scripts: it survives re-plugging, /dev/ttyUSB0 does not.
            """)

    @OptionGroup(title: "Output")
    var output: OutputOptions

    @Option(
        name: .customLong("virtual"),
        help: ArgumentHelp(
            "Also list this virtual USB device (virtual:dfu-wb55, virtual:stlink-l476).", visibility: .hidden))
    var virtualDevices: [String] = []

    struct Listing: Encodable {
        var serial: [PortInfo]
        var usb: [USBListedDevice]
        var notes: [String]
    }

    func run() throws {
        // A bad --virtual spec ends in a result line like every other command's error.
        do { try list() } catch { try output.makeRenderer().fail(error) }
    }

    private func list() throws {
        let ports = PortDiscovery.list()
        var usb = USBListing.list(LibUSBBus.configured(), probes: ConnectionOptions.probes)
        let records = SysfsUSB.devices()
        var serialPorts = ports.map(ListedBoard.SerialPort.init)
        for spec in virtualDevices where VirtualNucleoBoard.isBoard(spec) {
            let (devices, vcp) = try ListedBoard.virtual(spec)
            usb += devices
            serialPorts.append(vcp)
        }
        for spec in virtualDevices where !VirtualNucleoBoard.isBoard(spec) {
            guard VirtualUSBPort.isVirtualUSB(spec) else {
                throw BootwireError(.usage, "--virtual takes virtual:dfu-…, virtual:stlink-… or virtual:nucleo-…")
            }
            usb += USBListing.list(try VirtualUSBPort.start(spec).0, probes: ConnectionOptions.probes)
        }
        let boards = ListedBoard.pair(usb: usb, ports: serialPorts)
        var notes: [String] = []
        if !usb.contains(where: { $0.kind == .stlink }) {
            notes.append(USBListing.whyNoProbe(records: records, probes: ConnectionOptions.probes))
        }
        if output.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            func text(_ value: some Encodable) throws -> String {
                String(decoding: try encoder.encode(value), as: UTF8.self)
            }
            try output.makeRenderer().finish(
                JobResult(
                    summary: [
                        "serial-ports": "\(ports.count)", "usb-devices": "\(usb.count)", "boards": "\(boards.count)",
                    ],
                    attachments: [
                        "serial": try text(ports), "usb": try text(usb), "notes": try text(notes),
                        "boards": try text(boards),
                    ]))
        }
        printSerial(ports)
        printUSB(usb)
        for board in boards {
            print("board: \(board.stlink) with its virtual COM port \(board.vcp) (one USB device)")
            print("    module update: bootwire st67 update Binaries --port \(board.stlink)")
        }
        if !output.quiet { for note in notes { print(note) } }
    }

    private func printSerial(_ ports: [PortInfo]) {
        if ports.isEmpty {
            print("No serial ports found: /sys/class/tty lists no port with hardware behind it.")
            print("Plug in the USB-serial adapter (or the board's ST-LINK), check `dmesg` for its driver,")
            print("or try without hardware: `bootwire emulate qcc743`.")
            return
        }
        for port in ports {
            var parts = [port.path]
            if let v = port.vendorID, let p = port.productID { parts.append("\(v):\(p)") }
            if let bridge = port.bridge { parts.append(bridge) }
            if let product = port.product { parts.append("\"\(product)\"") }
            if let serial = port.serialNumber { parts.append("serial \(serial)") }
            if let max = port.bridgeMaxBaud { parts.append("up to \(max) baud") }
            print(parts.joined(separator: "  "))
            if let byID = port.byID { print("    \(byID)") }
        }
        if !ports.contains(where: { $0.vendorID != nil }) {
            print("No USB-serial adapter is attached; the ports above are on-board UARTs.")
        }
    }

    /// `alt 0: @Internal Flash /0x08000000/512*02Kg` → `alt 0: Internal Flash at 0x8000000, 1024 KiB (512×2 KiB)`;
    /// a string that is not a DfuSe layout stays as it is.
    static func layout(_ alternate: String) -> String {
        guard let colon = alternate.range(of: ": "),
            let parsed = try? DfuSeMemoryLayout(String(alternate[colon.upperBound...]))
        else { return alternate }
        return alternate[..<colon.upperBound] + parsed.description
    }

    private func printUSB(_ devices: [USBListedDevice]) {
        for device in devices {
            let port = device.kind == .dfu ? "usb:\(device.ids)" : "stlink"
            var parts = [port + (device.serial.map { ":" + $0 } ?? ""), device.name, device.node]
            if device.kind == .dfu { parts.insert("DFU", at: 1) }
            print(parts.joined(separator: "  "))
            for alternate in device.alternates { print("    " + Self.layout(alternate)) }
            if let problem = device.problem { print("    \(problem)") }
        }
    }
}

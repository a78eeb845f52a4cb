import ArgumentParser
import BootwireCore
import Foundation

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List serial ports and the USB-serial adapters behind them.",
        discussion: """
            Ports are read from sysfs. Use the stable /dev/serial/by-id name (or the adapter's \
            serial number) in scripts: it survives re-plugging, /dev/ttyUSB0 does not.
            """)

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let ports = PortDiscovery.list()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(ports)
            print(String(decoding: data, as: UTF8.self))
            return
        }
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
}

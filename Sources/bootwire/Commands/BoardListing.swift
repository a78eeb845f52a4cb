import BootwireCore
import USB
import VirtualDevices

/// An ST-LINK and its virtual COM port are one USB device (V2-1 and V3 on Nucleo and Discovery
/// boards): the serial port carries ST's vendor ID and the probe's serial number. `bootwire
/// list` shows the pair as one board, the way `st67 update` uses it.
struct ListedBoard: Codable, Equatable {
    var stlink: String
    var vcp: String
    var serial: String

    /// A serial port as pairing needs it.
    struct SerialPort {
        var path: String
        var vendorID: String?
        var serial: String?

        init(path: String, vendorID: String?, serial: String?) {
            self.path = path
            self.vendorID = vendorID
            self.serial = serial
        }

        init(_ port: PortInfo) {
            self.init(path: port.byID ?? port.path, vendorID: port.vendorID, serial: port.serialNumber)
        }
    }

    static func pair(usb: [USBListedDevice], ports: [SerialPort]) -> [ListedBoard] {
        usb.compactMap { device in
            guard device.kind == .stlink, let serial = device.serial,
                let port = ports.first(where: { $0.vendorID?.lowercased() == "0483" && $0.serial == serial })
            else { return nil }
            // A virtual board is reached by its own name, not by the probe's serial.
            let stlink =
                port.path.hasPrefix(VirtualPort.prefix) ? String(port.path.prefix { $0 != " " }) : "stlink:\(serial)"
            return ListedBoard(stlink: stlink, vcp: port.path, serial: serial)
        }
    }

    /// A virtual Nucleo's two halves as `list` would find them on hardware: the probe on its
    /// virtual bus, and its COM port named by the board.
    static func virtual(_ spec: String) throws -> ([USBListedDevice], SerialPort) {
        let ports = try VirtualNucleoBoard.resolve(spec)
        let usb = USBListing.list(try VirtualUSBPort.start(ports.swd).0, probes: ConnectionOptions.probes)
        let name = spec.split(separator: ",").first.map(String.init) ?? spec
        return (usb, SerialPort(path: name + " (virtual COM port)", vendorID: "0483", serial: usb.first?.serial))
    }
}

import Foundation

/// Enumeration from /sys/bus/usb/devices: IDs, the cached strings and the raw descriptors are
/// readable by every user, so listing needs neither libusb nor permission on the device node.
public enum SysfsUSB {
    public static func devices(root: String = "/sys/bus/usb/devices") -> [USBDeviceRecord] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: root) else { return [] }
        return names.sorted().compactMap { name -> USBDeviceRecord? in
            // Interfaces are `1-2:1.0`; root hubs `usb1` are the controller, not a device.
            guard !name.contains(":"), !name.hasPrefix("usb") else { return nil }
            let base = "\(root)/\(name)"
            guard let bus = read(base, "busnum").flatMap({ Int($0) }),
                let address = read(base, "devnum").flatMap({ Int($0) }),
                let raw = fm.contents(atPath: "\(base)/descriptors").map(Array.init),
                let descriptor = try? USBDeviceDescriptor(bytes: Array(raw.prefix(18)))
            else { return nil }
            let configuration = raw.count > 18 ? try? USBConfiguration(bytes: Array(raw[18...])) : nil
            return USBDeviceRecord(
                bus: bus, address: address, portPath: name, descriptor: descriptor, configuration: configuration,
                manufacturer: read(base, "manufacturer"), product: read(base, "product"), serial: read(base, "serial"))
        }
    }

    private static func read(_ base: String, _ name: String) -> String? {
        guard let data = FileManager.default.contents(atPath: "\(base)/\(name)") else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}

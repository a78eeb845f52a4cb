import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A serial port found in sysfs, with what is known of the adapter behind it.
public struct PortInfo: Sendable, Equatable, Codable {
    public var path: String
    /// The stable name under /dev/serial/by-id, when udev made one.
    public var byID: String?
    public var vendorID: String?
    public var productID: String?
    public var serialNumber: String?
    public var manufacturer: String?
    public var product: String?
    public var driver: String?
    /// The USB-serial bridge chip, when the VID:PID is known.
    public var bridge: String?
    /// The highest rate the bridge is known to carry reliably, when known.
    public var bridgeMaxBaud: Int?

    public init(path: String) { self.path = path }
}

/// Known USB-serial bridges. The rate is the bridge's documented maximum; boards add their own
/// limits (level shifters, long wires), which `bootwire doctor` measures.
public struct BridgeChip: Sendable {
    public var vendorID: String
    public var productID: String
    public var name: String
    public var maxBaud: Int?

    public static let known: [BridgeChip] = [
        BridgeChip(vendorID: "0403", productID: "6001", name: "FTDI FT232R", maxBaud: 3_000_000),
        BridgeChip(vendorID: "0403", productID: "6010", name: "FTDI FT2232", maxBaud: 12_000_000),
        BridgeChip(vendorID: "0403", productID: "6011", name: "FTDI FT4232", maxBaud: 12_000_000),
        BridgeChip(vendorID: "0403", productID: "6014", name: "FTDI FT232H", maxBaud: 12_000_000),
        BridgeChip(vendorID: "0403", productID: "6015", name: "FTDI FT-X", maxBaud: 3_000_000),
        BridgeChip(vendorID: "10c4", productID: "ea60", name: "Silicon Labs CP210x", maxBaud: 921_600),
        BridgeChip(vendorID: "10c4", productID: "ea70", name: "Silicon Labs CP2105", maxBaud: 2_000_000),
        BridgeChip(vendorID: "1a86", productID: "7523", name: "WCH CH340", maxBaud: 2_000_000),
        BridgeChip(vendorID: "1a86", productID: "7522", name: "WCH CH340K", maxBaud: 2_000_000),
        BridgeChip(vendorID: "1a86", productID: "55d4", name: "WCH CH9102", maxBaud: 4_000_000),
        BridgeChip(vendorID: "1a86", productID: "55d3", name: "WCH CH343", maxBaud: 6_000_000),
        BridgeChip(vendorID: "067b", productID: "2303", name: "Prolific PL2303", maxBaud: 1_228_800),
        BridgeChip(vendorID: "067b", productID: "23a3", name: "Prolific PL2303GC", maxBaud: 12_000_000),
        BridgeChip(vendorID: "0483", productID: "374b", name: "ST-LINK/V2-1 VCP", maxBaud: 2_000_000),
        BridgeChip(vendorID: "0483", productID: "374e", name: "STLINK-V3 VCP", maxBaud: 15_000_000),
        BridgeChip(vendorID: "0483", productID: "374f", name: "STLINK-V3 VCP", maxBaud: 15_000_000),
        BridgeChip(vendorID: "0483", productID: "3753", name: "STLINK-V3 VCP", maxBaud: 15_000_000),
        BridgeChip(vendorID: "0483", productID: "3754", name: "STLINK-V3 VCP", maxBaud: 15_000_000),
        BridgeChip(vendorID: "0483", productID: "5740", name: "STM32 USB CDC", maxBaud: nil),
        BridgeChip(vendorID: "42bf", productID: "b210", name: "Bouffalo USB-CDC", maxBaud: nil),
    ]

    public static func lookup(vendorID: String, productID: String) -> BridgeChip? {
        known.first { $0.vendorID == vendorID.lowercased() && $0.productID == productID.lowercased() }
    }
}

public enum PortDiscovery {
    /// Every serial port sysfs knows of that has hardware behind it. Virtual consoles and
    /// 8250 placeholders with no UART are left out.
    public static func list(sysfs: String = "/sys/class/tty", dev: String = "/dev") -> [PortInfo] {
        let fm = FileManager.default
        let byID = stableNames(in: "\(dev)/serial/by-id")
        guard let names = try? fm.contentsOfDirectory(atPath: sysfs) else { return [] }
        var ports: [PortInfo] = []
        for name in names.sorted() {
            let base = "\(sysfs)/\(name)"
            guard fm.fileExists(atPath: "\(base)/device") else { continue }
            if name.hasPrefix("ttyS"), read("\(base)/type") == "0" { continue }
            var info = PortInfo(path: "\(dev)/\(name)")
            info.byID = byID[name]
            let device = URL(fileURLWithPath: "\(base)/device").resolvingSymlinksInPath().path
            info.driver = (try? fm.destinationOfSymbolicLink(atPath: "\(device)/driver")).map {
                URL(fileURLWithPath: $0).lastPathComponent
            }
            // Walk up from the interface to the USB device that holds idVendor/idProduct.
            var dir = device
            while dir.count > 1 {
                if let vid = read("\(dir)/idVendor"), let pid = read("\(dir)/idProduct") {
                    info.vendorID = vid
                    info.productID = pid
                    info.serialNumber = read("\(dir)/serial")
                    info.manufacturer = read("\(dir)/manufacturer")
                    info.product = read("\(dir)/product")
                    if let bridge = BridgeChip.lookup(vendorID: vid, productID: pid) {
                        info.bridge = bridge.name
                        info.bridgeMaxBaud = bridge.maxBaud
                    }
                    break
                }
                dir = PathName.folder(of: dir)
            }
            if info.vendorID == nil, name.hasPrefix("ttyS") { info.bridge = "on-board UART" }
            ports.append(info)
        }
        return ports
    }

    /// Resolves a port named by USB serial number or by-id name to its device path. Only an
    /// exact match on exactly one adapter counts: a flasher must never guess.
    public static func resolve(_ name: String) -> String? {
        if name.hasPrefix("/") { return name }
        let matches = list().filter { port in
            port.serialNumber == name || port.byID.map { URL(fileURLWithPath: $0).lastPathComponent == name } == true
        }
        guard matches.count == 1 else { return nil }
        return matches[0].byID ?? matches[0].path
    }

    /// Paths matching a shell pattern, sorted.
    public static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }

    private static func stableNames(in folder: String) -> [String: String] {
        let fm = FileManager.default
        var map: [String: String] = [:]
        for link in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] {
            let full = "\(folder)/\(link)"
            let target = URL(fileURLWithPath: full).resolvingSymlinksInPath().lastPathComponent
            map[target] = full
        }
        return map
    }

    private static func read(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

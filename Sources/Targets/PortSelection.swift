import BootwireCore
import STLink
import USB

/// A device a command could use when no `--port` names one: a USB-serial adapter, an ST-LINK,
/// or an STM32 in ROM DFU mode, with the `--port` text that names it exactly.
public struct PortCandidate: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case serialAdapter = "USB-serial adapter"
        case stlink = "ST-LINK"
        case dfu = "DFU device"
    }

    public var kind: Kind
    /// What `--port` takes to name this device and no other.
    public var port: String
    /// What a person recognises it by (bridge chip, product, serial number).
    public var label: String

    public init(kind: Kind, port: String, label: String) {
        self.kind = kind
        self.port = port
        self.label = label
    }
}

/// Picking the device when no port is named (espflash and probe-rs take the only one there is):
/// the only candidate of the kinds the command can use is used and said; several are a
/// `port-ambiguous` error listing each with the `--port` that names it; none is `port-not-found`.
/// Never a guess among several, whatever the command.
public enum PortSelection {
    /// The candidates in what sysfs shows: serial ports with a USB adapter behind them (on-board
    /// UARTs are not adapters anyone plugged in), debug-capable ST-LINKs, DFU devices.
    public static func candidates(serial: [PortInfo], usb: [USBDeviceRecord]) -> [PortCandidate] {
        var found: [PortCandidate] = []
        for port in serial where port.vendorID != nil {
            // The device node beside a by-id name (the name is what --port gets: it survives re-plugging).
            let parts = [
                port.byID.map { _ in port.path }, port.bridge, port.product.map { "\"\($0)\"" },
                port.serialNumber.map { "serial \($0)" },
            ]
            found.append(
                PortCandidate(
                    kind: .serialAdapter, port: port.byID ?? port.path,
                    label: parts.compactMap { $0 }.joined(separator: ", ")))
        }
        for record in usb {
            if USBListing.isDFU(record) {
                let port = "usb:\(record.ids)" + (record.serial.map { ":" + $0 } ?? "")
                found.append(PortCandidate(kind: .dfu, port: port, label: record.product ?? "DFU device"))
            } else if record.vendorID == STLinkProbeKind.vendorID,
                STLinkProbeKind.debugProductIDs.contains(record.productID)
            {
                let serial = STLinkProbeKind.displaySerial(record.serial)
                found.append(
                    PortCandidate(
                        kind: .stlink, port: "stlink" + (serial.map { ":" + $0 } ?? ""),
                        label: STLinkProbeKind.kind(productID: record.productID)?.name ?? "ST-LINK"))
            }
        }
        return found
    }

    /// The one candidate of `kinds`, or the error that says why there is not exactly one.
    /// `wanted` names the kinds in the messages ("a USB-serial adapter").
    public static func choose(_ candidates: [PortCandidate], kinds: Set<PortCandidate.Kind>) throws -> PortCandidate {
        let usable = candidates.filter { kinds.contains($0.kind) }
        let wanted = PortCandidate.Kind.allCases.filter(kinds.contains).map(\.rawValue).joined(separator: ", ")
        guard !usable.isEmpty else {
            throw BootwireError(
                .portNotFound, "no --port given and no \(wanted) is attached",
                hint: "plug one in, or pass --port PORT (`bootwire list` shows what is seen; "
                    + "without hardware: --port virtual:qcc743)",
                evidence: ["looked-for": wanted])
        }
        guard usable.count == 1 else {
            throw BootwireError(
                .portAmbiguous,
                "no --port given and \(usable.count) devices are attached: "
                    + usable.map { "\($0.port) (\($0.label))" }.joined(separator: "; "),
                hint: "pick one: " + usable.map { "`--port \($0.port)`" }.joined(separator: " or "),
                evidence: Dictionary(uniqueKeysWithValues: usable.enumerated().map { ("candidate-\($0)", $1.port) }))
        }
        return usable[0]
    }
}

import BootwireCore
import Foundation

/// `virtual:nucleo-h563zi[,options]` and `virtual:nucleo-u575zi`: a Nucleo board with an
/// X-NUCLEO-67W61M1 on it, as ST's module-update flow sees it: a virtual ST-LINK wired to the
/// host MCU (`virtual:stlink-h563`, `virtual:stlink-u575`) and the ST-LINK's virtual COM port
/// wired to a virtual ST67W611M1 (`virtual:qcc743`).
///
/// The host drives the module's BOOT and CHIP_EN: a virtual MCU does not execute its firmware,
/// so the board looks at the host's flash when the COM port opens. When it holds ST's UART
/// bypass — here an image carrying `bypassMarker` in its first KiB, as the test packages'
/// Bootloader.bin does — the module sits in its boot ROM behind the bypass; otherwise it runs
/// its application (and a boot-ROM client meets `application-running`).
///
/// Options: `state=FOLDER` (the host in FOLDER/host.state, the module in FOLDER/module.state;
/// without it a folder of this process), `module-OPTION` (an option of `virtual:qcc743`, e.g.
/// `module-wire=instant`, `module-disconnect-after=N`), anything else goes to the ST-LINK.
public enum VirtualNucleoBoard {
    public static let boards: [String: String] = ["nucleo-h563zi": "stlink-h563", "nucleo-u575zi": "stlink-u575"]
    /// What the virtual board takes for ST's Bootloader.bin running on the host.
    public static let bypassMarker = Array("ST67W6X-UART-BYPASS".utf8)

    public static func isBoard(_ port: String) -> Bool {
        boards.keys.contains { port == VirtualPort.prefix + $0 || port.hasPrefix(VirtualPort.prefix + $0 + ",") }
    }

    public struct Ports: Sendable {
        public var swd: String
        public var hostState: String
        public var moduleState: String
        public var moduleOptions: [String]

        /// The COM port's module, in its boot ROM or running, from what the host holds now.
        public func vcp() -> String {
            let inBootROM = VirtualNucleoBoard.hostRunsBypass(statePath: hostState)
            return
                ([VirtualPort.prefix + "qcc743", "state=\(moduleState)"] + moduleOptions
                + (inBootROM ? [] : ["application"])).joined(separator: ",")
        }
    }

    public static func resolve(_ spec: String) throws -> Ports {
        let parts = spec.dropFirst(VirtualPort.prefix.count).split(separator: ",").map(String.init)
        guard let name = parts.first, let stlink = boards[name] else {
            throw BootwireError(
                .unknownVirtualDevice, "no virtual board called `\(parts.first ?? "")`",
                hint: "use one of: " + boards.keys.sorted().map { VirtualPort.prefix + $0 }.joined(separator: ", "))
        }
        var folder: String?
        var module: [String] = []
        var probe: [String] = []
        for option in parts.dropFirst() {
            if option.hasPrefix("state=") {
                folder = String(option.dropFirst(6))
            } else if option.hasPrefix("module-") {
                module.append(String(option.dropFirst(7)))
            } else {
                probe.append(option)
            }
        }
        let root = folder ?? (NSTemporaryDirectory() + "bootwire-\(name)-\(getpid())")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let host = root + "/host.state"
        return Ports(
            swd: ([VirtualPort.prefix + stlink, "state=\(host)"] + probe).joined(separator: ","), hostState: host,
            moduleState: root + "/module.state", moduleOptions: module)
    }

    /// The host flash saved by the virtual ST-LINK: four bytes of format, then the flash.
    static func hostRunsBypass(statePath: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: statePath), data.count > 4 + 1024 else { return false }
        let head = [UInt8](data[4..<(4 + 1024)])
        return head.indices.contains { index in
            index + bypassMarker.count <= head.count && Array(head[index..<index + bypassMarker.count]) == bypassMarker
        }
    }
}

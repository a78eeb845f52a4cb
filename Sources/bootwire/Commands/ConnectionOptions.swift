import ArgumentParser
import BootwireCore
import Foundation
import QCC743
import STM32
import Targets
import USB
import VirtualDevices

/// --port and friends, shared by every command that talks to a device.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: [.short, .long],
        help: ArgumentHelp(
            "Serial port: a path (/dev/ttyUSB0, /dev/serial/by-id/…), an adapter serial number, virtual:qcc743; "
                + "USB: usb:VID:PID[:SERIAL] (DFU), stlink[:SERIAL] (SWD), virtual:dfu-…, virtual:stlink-…. "
                + "flash takes it more than once to flash several devices at once.",
            valueName: "port"))
    var port: [String] = []

    @Flag(name: .long, help: "The STM32 ROM bootloader over USB DFU (usb:0483:df11), when no --port is given.")
    var dfu = false

    @Flag(name: .long, help: "The ST-LINK probe (SWD), when no --port is given; same as --port stlink.")
    var stlink = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "flash: every port matching this pattern (e.g. '/dev/serial/by-id/usb-FTDI*').", valueName: "glob"))
    var ports: String?

    @Option(name: .long, help: ArgumentHelp("flash: the ports listed in this file, one per line.", valueName: "file"))
    var portsFrom: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The chip behind the port: qcc743 (the ST67W611M1 module, default), stm32 (system bootloader, AN3155) "
                + "or auto (ask the port; flash and info). virtual:stm32… implies stm32.",
            valueName: "chip"))
    var chip: ChipChoice?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "qcc743: rate after the handshake (the vendor's --baudrate, default 2000000); stm32: the rate (default 115200).",
            valueName: "baud"))
    var baud: Int?

    @Option(name: .long, help: ArgumentHelp("Rate of the boot ROM handshake (default 500000).", valueName: "baud"))
    var bootBaud: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Boot-entry sequence or preset (\(BootSequence.presets.map(\.name).joined(separator: ", "))); "
                + "default: qconn where the port has DTR/RTS, manual where it has none, none on a pty.",
            valueName: "sequence"))
    var reset: String?

    @Option(name: .long, help: ArgumentHelp("Handshake attempts before giving up.", valueName: "n"))
    var connectAttempts = 3

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Scale the module's per-command waits, which follow the vendor's (1, or $BOOTWIRE_PATIENCE); 0 keeps "
                + "only what the work and the wire need (fault-injection tests on virtual devices).",
            valueName: "factor"))
    var patience: Double?

    /// --patience, else $BOOTWIRE_PATIENCE (test harnesses), else the vendor's waits.
    var effectivePatience: Double {
        patience ?? ProcessInfo.processInfo.environment["BOOTWIRE_PATIENCE"].flatMap(Double.init) ?? 1
    }

    @Flag(name: .long, help: "Fail instead of going on at a lower rate when the link is lost after the baud change.")
    var noBaudFallback = false

    @Option(
        name: .long,
        help: ArgumentHelp("Write every byte in and out, with timestamps, to this file.", valueName: "file"))
    var trace: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "ST-LINK: the SWD clock to start at, in kHz (default 1800; long or noisy wires want 480 or 100).",
            valueName: "khz"))
    var swdKhz: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A [target.NAME] of the project file (bootwire.toml): its port, chip, rates and images are the defaults.",
            valueName: "name"))
    var target: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The project file to read (default: bootwire.toml in this folder or the nearest above it, up to the "
                + "repository's root; or $BOOTWIRE_CONFIG).",
            valueName: "path"))
    var configFile: String?

    @Flag(name: .long, help: "Ignore bootwire.toml and $BOOTWIRE_CONFIG.")
    var noProject = false

    /// These options as the library's connection settings (the environment read here: the
    /// library reads none).
    var settings: TargetSettings {
        var settings = TargetSettings()
        // The command line first, then the project file's target (checked by resolvedPorts).
        let project = try? projectTarget()
        settings.chip = chip.map { $0.named ?? AutoChip.found } ?? project?.chip?.named
        settings.baud = baud ?? project?.baud
        settings.bootBaud = bootBaud ?? project?.bootBaud ?? settings.bootBaud
        settings.reset = reset ?? project?.reset
        settings.connectAttempts = connectAttempts
        settings.patience = effectivePatience
        settings.baudFallback = !noBaudFallback
        settings.tracePath = trace
        settings.swdKHz = swdKhz ?? project?.swdKHz
        settings.adapterMemory = CacheFolder.adapterMemory
        settings.serialSetup = SerialSetup.current
        settings.libusbPath = ProcessInfo.processInfo.environment[LibUSBBus.libraryOverride]
        settings.virtualPorts = VirtualPortHost()
        return settings
    }

    /// Opens targets with these settings: every verb goes through it.
    var opener: TargetOpener { TargetOpener(settings: settings) }

    func route(for port: PortSpec) -> Route { opener.route(for: port) }

    /// Every port named by --port, --ports and --ports-from (or implied by --dfu/--stlink), in
    /// order, each resolved exactly (a serial number or by-id name must match one adapter):
    /// write mode never guesses.
    func resolvedPorts() throws -> [PortSpec] {
        let project = try projectTarget()
        var names = port.isEmpty ? impliedPorts : port
        if let pattern = ports {
            let matches = PortDiscovery.glob(pattern)
            guard !matches.isEmpty else {
                throw BootwireError(
                    .portNotFound, "no port matches \(pattern)", hint: "run `bootwire list` to see the ports")
            }
            names += matches
        }
        if let file = portsFrom {
            let text = String(decoding: try readInput(file, what: "port list"), as: UTF8.self)
            names += text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        }
        if names.isEmpty { names = [try defaultPort(project: project)] }
        var seen = Set<PortSpec>()
        let opener = self.opener
        let parsed = try names.map { name in
            let port = try PortSpec.parse(name)
            guard port.isVirtual || seen.insert(port).inserted else {
                throw BootwireError(.usage, "\(name) is named twice")
            }
            try opener.check(port)
            return port
        }
        Invocation.record(self, ports: parsed)
        return parsed
    }

    /// The one port of a command that talks to one device.
    func singlePort() throws -> PortSpec {
        let all = try resolvedPorts()
        try refuseUnansweredAuto(all)
        guard all.count == 1 else { throw BootwireError(.usage, "this command takes one port, not \(all.count)") }
        return all[0]
    }
}

/// Reads an input file with the error users expect.
func readInput(_ path: String, what: String = "file") throws -> [UInt8] {
    guard FileManager.default.fileExists(atPath: path) else {
        throw BootwireError(
            .fileNotFound, "\(what) \(path) does not exist",
            hint: "check the path (relative paths start in \(FileManager.default.currentDirectoryPath))",
            evidence: ["path": path])
    }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw BootwireError(
            .fileNotFound, "\(what) \(path) cannot be read", hint: "check its permissions", evidence: ["path": path])
    }
    return [UInt8](data)
}

/// `0x10000`, `65536`, `64K` → an address, or a usage error naming the option.
func parseAddress(_ text: String, option: String) throws -> Int {
    guard let value = Hex.integer(text), value <= UInt64(UInt32.max) else {
        throw BootwireError(
            .usage, "\(option): `\(text)` is not an address", hint: "write it as 0x10000, 65536 or 64K",
            evidence: ["option": option, "value": text])
    }
    return Int(value)
}

extension ChipChoice: ExpressibleByArgument {}

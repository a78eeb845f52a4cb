import BootwireCore
import Foundation
import Project
import Targets
import USB

/// Where a port comes from when --port names none, and the project file's defaults: the
/// command line first, then $BOOTWIRE_PORT, then the project file's target, then the only
/// adapter, probe or DFU device attached (said in a note; several are `port-ambiguous`).
extension ConnectionOptions {
    static let portVariable = "BOOTWIRE_PORT"
    static let configVariable = "BOOTWIRE_CONFIG"

    /// bootwire.toml: --config-file, else $BOOTWIRE_CONFIG, else the nearest one upward from the
    /// current folder (`ProjectFileSearch`); none with --no-project.
    func projectFile() throws -> ProjectFile? {
        guard !noProject else { return nil }
        if let path = configFile ?? ProcessInfo.processInfo.environment[Self.configVariable], !path.isEmpty {
            return try ProjectFile.load(path: path)
        }
        return try ProjectFileSearch.find(from: FileManager.default.currentDirectoryPath).map {
            try ProjectFile.load(path: $0)
        }
    }

    /// The project file's target for this run (--target, else its default), or nil.
    func projectTarget() throws -> ProjectTarget? {
        guard let file = try projectFile() else {
            if let target {
                throw BootwireError(
                    .usage, "--target \(target): no project file (bootwire.toml) here or above",
                    hint: "write a bootwire.toml (docs/project-file.md) or name it with --config-file PATH")
            }
            return nil
        }
        return try file.target(named: target)
    }

    /// Operator and lot from the project file's target, for the factory records (empty without one).
    var station: StationFields { (try? projectTarget())?.station ?? StationFields() }

    /// The port when none is named on the command line: $BOOTWIRE_PORT, the project's target,
    /// else the only device of the kinds this run can use.
    func defaultPort(project: ProjectTarget?) throws -> String {
        if let port = ProcessInfo.processInfo.environment[Self.portVariable], !port.isEmpty {
            Invocation.note("port \(port) from $\(Self.portVariable)")
            return port
        }
        if let project, let port = project.portText {
            Invocation.note("port \(port) from [target.\(project.name)] of the project file")
            return port
        }
        let root = SerialSetup.current.sysfsRoot
        let candidates = PortSelection.candidates(
            serial: PortDiscovery.list(sysfs: root + "/class/tty"),
            usb: SysfsUSB.devices(root: root + "/bus/usb/devices"))
        // The module (or `auto`, which asks a serial port) wants a USB-serial adapter; an STM32
        // is reached over any of the three; no chip named: any device Bootwire can flash.
        let named = chip ?? project?.chip
        let kinds: Set<PortCandidate.Kind> =
            named == nil || named == .stm32 ? Set(PortCandidate.Kind.allCases) : [.serialAdapter]
        let chosen = try PortSelection.choose(candidates, kinds: kinds)
        Invocation.note("no --port given: using the only \(chosen.kind.rawValue), \(chosen.port) (\(chosen.label))")
        return chosen.port
    }

    /// resolvedPorts, then `--chip auto` answered by each port (a serial port is asked; a
    /// virtual one says by its name). The commands that take `auto` (flash, info) call this.
    func ports(events: @escaping EventSink) async throws -> [PortSpec] {
        let ports = try resolvedPorts()
        guard chip == .auto else { return ports }
        var found: [Route.SerialChip] = []
        for port in ports {
            guard let chip = try await opener.detectChip(port, events: events) else { continue }
            events(
                .note(
                    .info(
                        "--chip auto: \(port) leads to \(chip == .stm32 ? Route.stm32Serial.described : Route.qcc743.described)"
                    )))
            if !found.contains(chip) { found.append(chip) }
        }
        guard found.count <= 1 else {
            throw BootwireError(
                .usage, "--chip auto found different chips on the ports given",
                hint: "flash one kind of device per run")
        }
        AutoChip.found = found.first
        return ports
    }
}

/// The chip `--chip auto` found, read by `ConnectionOptions.settings` (one per run: a run's
/// ports lead to one kind of device).
enum AutoChip {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var value: Route.SerialChip?

    static var found: Route.SerialChip? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

extension ConnectionOptions {
    /// The one port of a command that takes `--chip auto` (info).
    func singlePort(events: @escaping EventSink) async throws -> PortSpec {
        let all = try await ports(events: events)
        guard all.count == 1 else { throw BootwireError(.usage, "this command takes one port, not \(all.count)") }
        return all[0]
    }

    /// `--chip auto` where the command cannot ask the port (every verb but flash and info).
    func refuseUnansweredAuto(_ ports: [PortSpec]) throws {
        guard chip == .auto, AutoChip.found == nil,
            ports.contains(where: { if case .serial = $0 { true } else { false } })
        else { return }
        throw BootwireError(
            .usage, "--chip auto is answered by flash and info; this command needs the chip named",
            hint: "name it: --chip qcc743 or --chip stm32 (`bootwire info --chip auto` says which)")
    }
}

import ArgumentParser
import BootwireCore
import Foundation
import QCC743
import Targets
import USB

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check a port, its adapter and the module behind it, stage by stage.",
        discussion: """
            Checks that the port opens (permissions, who holds it), names the USB bridge and its \
            known limits, says whether DTR/RTS exist and whether the bridge's latency timer came \
            down to 1 ms when asked, runs a loopback test at each rate up to \
            3 Mbaud when TX and RX are jumpered, and otherwise probes the module's boot ROM: \
            sync, boot info, the switch to --baud, flash.
            """)

    @OptionGroup(title: "Connection")
    var connection: ConnectionOptions

    @OptionGroup(title: "Output")
    var output: OutputOptions

    func run() async throws {
        let port = try connection.singlePort()
        let opener = connection.opener
        if port.isUSB(virtualPorts: opener.settings.virtualPorts) {
            let attached = try opener.usbBus(for: port)
            try report(USBDoctor.run(bus: attached.bus, match: attached.match))
        }
        let settings = opener.settings
        let findings: [DoctorFinding] = try await opener.withSerialPath(port) { path, trace in
            let (opened, access) = PortDoctor.checkAccess(path, setup: settings.serialSetup)
            guard let port = opened else { return access }
            defer { port.close() }
            port.trace = trace
            let loopback = try PortDoctor.loopback(port)
            if loopback.first?.status != .skip { return access + loopback }
            return access + loopback
                + QCC743Probe.run(link: port, options: try settings.moduleConnectOptions(for: port))
        }
        try report(findings)
    }

    private func report(_ findings: [DoctorFinding]) throws -> Never {
        let failure = findings.first { $0.status == .fail }.map { finding in
            BootwireError(finding.code ?? .internalError, "\(finding.check): \(finding.detail)", hint: finding.hint)
        }
        if output.json {
            let objects: [[String: Any]] = findings.map { f in
                var o: [String: Any] = ["check": f.check, "status": f.status.rawValue, "detail": f.detail]
                if let code = f.code { o["code"] = code.rawValue }
                if let hint = f.hint { o["hint"] = hint }
                return o
            }
            let data = try JSONSerialization.data(
                withJSONObject: objects, options: [.sortedKeys, .withoutEscapingSlashes])
            try JSONRenderer().finish(
                JobResult(error: failure, attachments: ["findings": String(decoding: data, as: UTF8.self)]))
        }
        for f in findings where !output.quiet || f.status == .fail || f.status == .warn {
            let mark = ["pass": "ok  ", "warn": "warn", "fail": "FAIL", "skip": "--  "][f.status.rawValue] ?? "?"
            print("[\(mark)] \(f.check): \(f.detail)\(f.code.map { " [\($0.rawValue)]" } ?? "")")
            if let hint = f.hint, f.status == .fail || f.status == .warn { print("       fix: \(hint)") }
        }
        if let failure { throw ExitCode(failure.code.category.exitStatus) }
        throw ExitCode.success
    }
}
